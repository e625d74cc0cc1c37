-- The key check: the id of the key the database's sealed values are under (the first bytes of
-- an HMAC of a fixed label under the key, hex; never the key). A server whose keyring does not
-- hold it refuses to start; `sajtmaskin-server reseal` moves it to the current key.
CREATE TABLE key_check (
    name TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
