-- Several instances on one ledger, retention, and the indexes look-ups need. Portable SQL (H2 and PostgreSQL).
-- On a large PostgreSQL ledger the CREATE INDEX statements hold writes to their table while they run.

-- The outbox relay claims its batch like the sweeper claims attempts: a lease, so two instances never publish the
-- same event at once and a dead instance's claims pass to the others when they expire.
ALTER TABLE stk_outbox ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE stk_outbox ADD COLUMN claimed_by VARCHAR(64);
-- Retention and look-ups of an attempt's events (its timeline).
CREATE INDEX ix_outbox_attempt ON stk_outbox (attempt_id);

-- Which instance sent each STK Query (the HTTP and Kafka triggers too).
ALTER TABLE stk_query ADD COLUMN queried_by VARCHAR(64);

-- Retention walks final attempts by the time they were decided.
CREATE INDEX ix_attempt_resolved ON stk_attempt (resolved_at);

-- Look-ups (support console, operators). Already indexed: attempt_id (primary key), intent_id and
-- checkout_request_id (unique), order_id, (status, updated_at), the sweeper's (status, next_query_at) and the
-- deferred pushes' (status, next_push_at).
CREATE INDEX ix_attempt_receipt ON stk_attempt (mpesa_receipt_number);
CREATE INDEX ix_attempt_phone_created ON stk_attempt (phone_number, created_at);
CREATE INDEX ix_attempt_status_created ON stk_attempt (status, created_at);
CREATE INDEX ix_attempt_created ON stk_attempt (created_at);
