-- Pushes that reached nobody because Daraja was unreachable or busy wait here (status DEFERRED) instead of failing.
ALTER TABLE stk_attempt ADD COLUMN next_push_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE stk_attempt ADD COLUMN deferred_since TIMESTAMP WITH TIME ZONE;
CREATE INDEX ix_attempt_deferred ON stk_attempt (status, next_push_at);
