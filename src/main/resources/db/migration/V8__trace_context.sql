-- W3C traceparent of the intent's processing (tracing on, README "Tracing"): kept with the attempt, so that every
-- outcome event of it, whatever decides it later (a callback, a query), carries the intent's trace onto Kafka.
ALTER TABLE stk_attempt ADD COLUMN trace_parent VARCHAR(55);
ALTER TABLE stk_outbox ADD COLUMN trace_parent VARCHAR(55);
