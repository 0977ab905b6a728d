-- The intent as received and the push request as built: written once with the attempt, read only by the support API's
-- history. They were the widest columns of stk_attempt, whose row is written whole again at each of its updates (about
-- four per payment): on H2 every page holding an updated row is serialized again at the next store, and on PostgreSQL
-- each update copies the row. Moving them here made stk_attempt's rows about half as wide.
CREATE TABLE stk_attempt_request (
    attempt_id        VARCHAR(36) NOT NULL PRIMARY KEY,
    intent_json       TEXT        NOT NULL,
    push_request_json TEXT
);
INSERT INTO stk_attempt_request (attempt_id, intent_json, push_request_json)
SELECT attempt_id, intent_json, push_request_json FROM stk_attempt;
ALTER TABLE stk_attempt DROP COLUMN intent_json;
ALTER TABLE stk_attempt DROP COLUMN push_request_json;
