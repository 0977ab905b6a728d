package io.stkbridge.daraja;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StkCallbackTest {

    @Test
    void readsSuccessMetadataByNameInAnyOrder() {
        StkCallback callback = StkCallback.parse("""
                {"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925",
                 "ResultCode":0,"ResultDesc":"The service request is processed successfully.",
                 "CallbackMetadata":{"Item":[{"Name":"PhoneNumber","Value":254708374149},{"Name":"Balance"},
                 {"Name":"TransactionDate","Value":20191219102115},{"Name":"MpesaReceiptNumber","Value":"NLJ7RT61SV"},
                 {"Name":"Amount","Value":1.00}]}}}}""");
        assertEquals("0", callback.resultCode());
        assertEquals("ws_CO_191220191020363925", callback.checkoutRequestId());
        assertEquals("NLJ7RT61SV", callback.mpesaReceiptNumber());
        assertEquals(0, new BigDecimal("1").compareTo(callback.amount()));
        assertEquals("254708374149", callback.phoneNumber());
        assertEquals("2019-12-19T10:21:15+03:00", callback.transactionDate());
    }

    @Test
    void failureCallbacksHaveNoMetadata() {
        StkCallback callback = StkCallback.parse("""
                {"Body":{"stkCallback":{"MerchantRequestID":"1","CheckoutRequestID":"ws_CO_1",
                 "ResultCode":1032,"ResultDesc":"Request cancelled by user"}}}""");
        assertEquals("1032", callback.resultCode());
        assertNull(callback.mpesaReceiptNumber());
        assertNull(callback.amount());
        assertNull(callback.transactionDate());
    }

    @Test
    void toleratesStringResultCodesAndMissingItems() {
        StkCallback callback = StkCallback.parse("""
                {"Body":{"stkCallback":{"CheckoutRequestID":"ws_CO_2","ResultCode":"0","ResultDesc":"ok",
                 "CallbackMetadata":{"Item":[{"Name":"Amount","Value":"10"}]}}}}""");
        assertEquals("0", callback.resultCode());
        assertEquals(0, BigDecimal.TEN.compareTo(callback.amount()));
        assertNull(callback.phoneNumber());
    }

    @Test
    void refusesWhatIsNotACallback() {
        assertThrows(MalformedCallbackException.class, () -> StkCallback.parse("<html>"));
        assertThrows(MalformedCallbackException.class, () -> StkCallback.parse("[]"));
        assertThrows(MalformedCallbackException.class, () -> StkCallback.parse("{\"Body\":{}}"));
        assertThrows(MalformedCallbackException.class, () -> StkCallback.parse("{\"Body\":{\"stkCallback\":{\"ResultCode\":0}}}"));
        assertThrows(MalformedCallbackException.class, () -> StkCallback.parse(""));
    }
}
