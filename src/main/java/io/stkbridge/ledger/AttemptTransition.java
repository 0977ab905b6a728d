package io.stkbridge.ledger;

import io.stkbridge.outcome.Status;

import java.util.Arrays;

import static io.stkbridge.outcome.Status.ACCEPTED;
import static io.stkbridge.outcome.Status.DEFERRED;
import static io.stkbridge.outcome.Status.FAILED;
import static io.stkbridge.outcome.Status.PENDING_PUSH;
import static io.stkbridge.outcome.Status.REJECTED;
import static io.stkbridge.outcome.Status.SUCCEEDED;
import static io.stkbridge.outcome.Status.UNKNOWN;

/**
 * The attempt lifecycle: every change of an attempt's status that may happen, with what guards it. An attempt is
 * inserted PENDING_PUSH (or REJECTED); PENDING_PUSH, DEFERRED and ACCEPTED wait, the others are final. While its push
 * is under way an attempt is owned by the run of the push that crossed its send boundary (push_started_by): only that
 * run's answer or failure moves it on, and a copy of its intent changes nothing. The ledger checks each change against
 * this table ({@link #of}) and makes it with an update guarded by the expected status; a change not listed is refused
 * and its transaction rolled back.
 */
public enum AttemptTransition {
    PUSH_STARTED(PENDING_PUSH, PENDING_PUSH, false, "the send boundary: no other run of the push has crossed it"),
    PUSH_ACCEPTED(PENDING_PUSH, ACCEPTED, false, "Daraja accepted the push"),
    PUSH_DEFERRED(PENDING_PUSH, DEFERRED, false,
            "nothing was sent (Daraja unreachable, busy or paused), by the run that owns the push; or a resumed push died "
                    + "before sending"),
    PUSH_RESUMED(DEFERRED, PENDING_PUSH, false, "its retry time has come and Daraja is not paused"),
    PUSH_FAILED(PENDING_PUSH, FAILED, false,
            "refused, failed before sending, given up after the outage, or never sent; or a failure callback for a push "
                    + "whose answer was not recorded; never while another run owns the push"),
    PUSH_REJECTED(PENDING_PUSH, REJECTED, false, "Daraja refused the push request as invalid (a field it does not accept)"),
    PUSH_UNKNOWN(PENDING_PUSH, UNKNOWN, false,
            "sent without an answer: timed out, or interrupted and no callback within the wait; or a callback with a "
                    + "ResultCode nobody knows"),
    PAID_BEFORE_PUSH_ANSWER(PENDING_PUSH, SUCCEEDED, false,
            "a callback proving the payment for a push whose answer was not recorded"),
    DEFERRED_FAILED(DEFERRED, FAILED, false, "its merchant is no longer configured: nothing was sent"),
    PAID(ACCEPTED, SUCCEEDED, false, "a callback proving the payment, or a Query with ResultCode 0"),
    NOT_PAID(ACCEPTED, FAILED, false, "a callback or Query with a failure ResultCode"),
    UNRESOLVED(ACCEPTED, UNKNOWN, false,
            "no result from a callback or Query within the give-up window; or a result with a ResultCode nobody knows"),
    INVALID(REJECTED, REJECTED, false, "an invalid intent: its row and its outcome are recorded in one transaction"),
    UNKNOWN_CORRECTED_PAID(UNKNOWN, SUCCEEDED, true,
            "Daraja's success callback once an STK Query agrees, or a Query with ResultCode 0, once, for an outcome "
                    + "nobody knew"),
    UNKNOWN_CORRECTED_NOT_PAID(UNKNOWN, FAILED, true,
            "Daraja's callback or a Query with a failure ResultCode, once, for an outcome nobody knew"),
    QUERY_CORRECTED_PAID(FAILED, SUCCEEDED, true,
            "Daraja's success callback, once a later STK Query agrees, for an outcome a Query decided"),
    QUERY_CORRECTED_NOT_PAID(SUCCEEDED, FAILED, true, "Daraja's callback, once, for an outcome a Query decided"),
    QUERY_PAID_CORRECTED_UNKNOWN(SUCCEEDED, UNKNOWN, true,
            "Daraja's callback with a ResultCode nobody knows, once, for an outcome a Query decided"),
    QUERY_NOT_PAID_CORRECTED_UNKNOWN(FAILED, UNKNOWN, true,
            "Daraja's callback with a ResultCode nobody knows, once, for an outcome a Query decided");

    public final Status from;
    public final Status to;
    /** Whether it corrects an outcome already published (a correction event). */
    public final boolean correction;
    public final String guard;

    AttemptTransition(Status from, Status to, boolean correction, String guard) {
        this.from = from;
        this.to = to;
        this.correction = correction;
        this.guard = guard;
    }

    /** The transition from one status to another, or an {@link IllegalStateException} when the lifecycle has none. */
    public static AttemptTransition of(Status from, Status to, boolean correction) {
        return Arrays.stream(values()).filter(t -> t.from == from && t.to == to && t.correction == correction).findFirst()
                .orElseThrow(() -> new IllegalStateException("the attempt lifecycle has no " + (correction ? "correction " : "")
                        + "transition from " + from + " to " + to));
    }
}
