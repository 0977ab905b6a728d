-- On H2 an UPDATE takes the row out of every index of its table and puts it back, whatever columns it changes, and an
-- attempt is updated about four times on its way (send boundary, push answer, callback): each index of stk_attempt costs
-- eight index writes per payment, and each written index page is serialized again at the next store. These two served
-- sweeps that the other indexes beginning with status (ix_attempt_due, ix_attempt_status_created) serve as well: the
-- attempts waiting for their push, and the deferred ones, are few next to the attempts that are done, and each sweep
-- reads them by status (EXPLAIN on H2 and PostgreSQL: ix_attempt_due).
DROP INDEX IF EXISTS ix_attempt_status_updated;
DROP INDEX IF EXISTS ix_attempt_deferred;
