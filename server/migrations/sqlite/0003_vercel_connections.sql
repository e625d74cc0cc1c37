-- A started Vercel connection: single use, found by the hash of its nonce (the nonce itself
-- lives only in the user's browser cookie), usable until expires_at.
CREATE TABLE vercel_flows (
    nonce_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- A user's connection to their own Vercel account or team; the token AES-GCM encrypted,
-- bound to (user, configuration).
CREATE TABLE vercel_connections (
    user_id TEXT PRIMARY KEY,
    configuration_id TEXT NOT NULL,
    team_id TEXT,
    vercel_user_id TEXT,
    installation_id TEXT,
    token_nonce BLOB NOT NULL,
    token_ciphertext BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX vercel_connections_configuration ON vercel_connections (configuration_id);

-- Webhook events already handled (Vercel may deliver one twice).
CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- The user's own Vercel project, linked with the user's token (never the platform's).
ALTER TABLE projects ADD COLUMN linked_vercel_project_id TEXT;

-- What an install brought: key names and targets as JSON (never values), the Marketplace
-- configuration, when it was last synced, and why it failed.
ALTER TABLE user_integrations ADD COLUMN env_keys TEXT NOT NULL DEFAULT '[]';
ALTER TABLE user_integrations ADD COLUMN marketplace_id TEXT;
ALTER TABLE user_integrations ADD COLUMN last_synced_at BIGINT;
ALTER TABLE user_integrations ADD COLUMN reason TEXT;
