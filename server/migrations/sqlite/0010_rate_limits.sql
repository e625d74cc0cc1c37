-- Per-user rate limits shared by every instance on one Postgres (GCRA: the theoretical arrival
-- time of the next request, in epoch milliseconds, per key). SQLite servers keep them in memory.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat BIGINT NOT NULL
);
