package io.stkbridge.intent;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.stkbridge.daraja.AccountReferenceRule;
import io.stkbridge.daraja.Merchant;
import io.stkbridge.daraja.Merchants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntentReaderTest {

    private final IntentReader reader = new IntentReader(new ObjectMapper(), new Merchants(List.of(
            new Merchant("shop", "174379", "174379", Merchant.PAY_BILL, "k", "s", "pk", "", ""),
            new Merchant("kiosk", "600100", "600100", Merchant.PAY_BILL, AccountReferenceRule.FIRST_12, "k", "s", "pk", "", "",
                    Merchant.SANDBOX, "", 0))), "Payment");

    @Test
    void normalizesAndFillsDefaults() {
        PaymentIntent intent = reader.read("""
                {"intentId":"i-1","orderId":"ORD-1","amount":100,"phoneNumber":"0712 345 678","metadata":{"cart":7}}""");
        assertEquals("254712345678", intent.phoneNumber());
        assertEquals("ORD-1", intent.accountReference());
        assertEquals("Payment", intent.description());
        assertEquals(Merchant.PAY_BILL, intent.transactionType());
        assertEquals("shop", intent.merchant());
        assertEquals(7, intent.metadata().get("cart").asInt());
    }

    @Test
    void aLongOrderIdGivesTheAccountReferenceByTheMerchantsRuleNeverAConstant() {
        PaymentIntent byDefault = reader.read("""
                {"intentId":"i-2","orderId":"ORDER-2026-0000000001","amount":1,"phoneNumber":"254712345678"}""");
        assertEquals("6-0000000001", byDefault.accountReference(), "last 12 characters: where sequential ids differ");
        PaymentIntent first = reader.read("""
                {"intentId":"i-3","orderId":"INV20261128-abcdef","amount":1,"phoneNumber":"254712345678","merchant":"kiosk"}""");
        assertEquals("INV20261128-", first.accountReference());
        PaymentIntent named = reader.read("""
                {"intentId":"i-4","orderId":"ORDER-2026-0000000001","amount":1,"phoneNumber":"254712345678","accountReference":"INV-77"}""");
        assertEquals("INV-77", named.accountReference(), "the intent's own AccountReference wins");
    }

    @Test
    void theSameIntentHasTheSameHashWhateverTheKeyOrder() {
        String a = reader.read("{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":1,\"phoneNumber\":\"0712345678\"}").contentHash();
        String b = reader.read("{\"phoneNumber\":\"0712345678\",\"amount\":1,\"orderId\":\"o\",\"intentId\":\"i\"}").contentHash();
        assertEquals(a, b);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":0,\"phoneNumber\":\"0712345678\"}",
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":-5,\"phoneNumber\":\"0712345678\"}",
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":10.5,\"phoneNumber\":\"0712345678\"}",
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":250001,\"phoneNumber\":\"0712345678\"}",
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":\"100\",\"phoneNumber\":\"0712345678\"}",
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":1,\"phoneNumber\":\"0812345678\"}",
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"phoneNumber\":\"0712345678\"}",
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":1,\"phoneNumber\":\"0712345678\",\"accountReference\":\"THIRTEEN-CHAR\"}",
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":1,\"phoneNumber\":\"0712345678\",\"description\":\"fourteen chars\"}",
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":1,\"phoneNumber\":\"0712345678\",\"transactionType\":\"Other\"}",
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":1,\"phoneNumber\":\"0712345678\",\"metadata\":[1]}",
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":1,\"phoneNumber\":\"0712345678\",\"ammount\":1}",
            "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":1,\"phoneNumber\":\"0712345678\",\"accountReference\":\"a\\u0000b\"}"})
    void invalidIntentsAreRejectedWithTheirErrors(String json) {
        InvalidIntentException invalid = assertThrows(InvalidIntentException.class, () -> reader.read(json));
        assertEquals("INVALID_INTENT", invalid.reason());
        assertEquals("i", invalid.intentId());
        assertTrue(!invalid.errors().isEmpty());
    }

    @Test
    void anUnknownMerchantIsRejected() {
        InvalidIntentException invalid = assertThrows(InvalidIntentException.class, () -> reader.read(
                "{\"intentId\":\"i\",\"orderId\":\"o\",\"amount\":1,\"phoneNumber\":\"0712345678\",\"merchant\":\"nope\"}"));
        assertEquals("UNKNOWN_MERCHANT", invalid.reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[1,2]", "\"text\"", "{\"orderId\":\"o\"}", "{\"intentId\":7,\"orderId\":\"o\"}",
            "{\"intentId\":\"\",\"orderId\":\"o\"}", "{\"intentId\":\"i\"}", ""})
    void recordsWithoutUsableIdsAreUnreadable(String record) {
        assertThrows(UnreadableIntentException.class, () -> reader.read(record));
    }
}
