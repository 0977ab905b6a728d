-- W3C tracestate of the intent's processing, kept beside its traceparent (V8): the vendors' part of the trace context
-- goes on with the intent's trace, into the callback's and the queries' spans and onto every outcome record. At most
-- 512 characters, what W3C asks every participant to pass on (Tracing drops whole entries from the end beyond that).
ALTER TABLE stk_attempt ADD COLUMN trace_state VARCHAR(512);
ALTER TABLE stk_outbox ADD COLUMN trace_state VARCHAR(512);
