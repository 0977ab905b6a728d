-- Per-shortcode push and query rate limits shared by every instance on a PostgreSQL ledger: one Bucket4j token bucket
-- per row (TpsLimiter.shared), its state serialized by Bucket4j and locked with SELECT ... FOR UPDATE while a turn is
-- taken. id: limit, shortcode and rate, e.g. 'query:174379:5'. On H2 (one instance by construction: the file lock) the
-- table stays empty and the limits live in the process.
CREATE TABLE stk_rate_limit_bucket (
    id    VARCHAR(200) PRIMARY KEY,
    state BYTEA
);
