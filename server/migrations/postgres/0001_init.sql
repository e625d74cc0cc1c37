CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL,
    v0_project_id TEXT,
    vercel_project_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX projects_owner ON projects (owner_id);

-- The local env-var store. Values are AES-256-GCM ciphertext (nonce kept beside it);
-- the key lives outside the database.
CREATE TABLE env_vars (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    nonce BYTEA NOT NULL,
    ciphertext BYTEA NOT NULL,
    sensitive BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (project_id, key)
);

-- Which keys are sensitive, for upstream stores that have no such notion (v0).
CREATE TABLE env_var_flags (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    sensitive BIGINT NOT NULL,
    PRIMARY KEY (project_id, key)
);

-- One row per (user, project-or-none, integration type); '' stands for "no project" so the
-- unique constraint also holds then (NULLs never conflict).
CREATE TABLE user_integrations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    integration_type TEXT NOT NULL,
    status TEXT NOT NULL,
    install_url TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (user_id, project_id, integration_type)
);
