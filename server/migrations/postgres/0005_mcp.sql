-- A user's MCP servers. Secrets live in mcp_credentials; allowed_tools is a JSON array of tool
-- names, or NULL for every tool the server lists.
CREATE TABLE mcp_servers (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    preset TEXT,
    auth_kind TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    allowed_tools TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, name)
);
CREATE INDEX mcp_servers_user ON mcp_servers (user_id);

-- The secrets of one server (bearer token, header values, OAuth client and tokens) as one
-- AES-GCM sealed JSON document, bound to (user, server id, url). A changed URL deletes the row.
CREATE TABLE mcp_credentials (
    server_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    url TEXT NOT NULL,
    nonce BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A started OAuth authorization: single use, found by the hash of its state, the PKCE
-- verifier sealed, usable until expires_at (at most 10 minutes).
CREATE TABLE mcp_oauth_flows (
    state_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    server_id TEXT NOT NULL,
    url TEXT NOT NULL,
    verifier_nonce BYTEA NOT NULL,
    verifier_ciphertext BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- The token v0 (or any MCP client) uses at /mcp/{project_id}: one per project, stored hashed.
CREATE TABLE mcp_project_tokens (
    project_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Every tool call made for a user: never the arguments or the result.
CREATE TABLE mcp_audit (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    server_id TEXT NOT NULL,
    server_name TEXT NOT NULL,
    tool TEXT NOT NULL,
    via TEXT NOT NULL,
    at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    ok BIGINT NOT NULL,
    error_code TEXT
);
CREATE INDEX mcp_audit_user_at ON mcp_audit (user_id, at);
