-- Values sealed before the sensitivity was bound into the ciphertext's associated data have
-- seal_version 1; the server re-seals them at start (LocalStore::open).
ALTER TABLE env_vars ADD COLUMN seal_version BIGINT NOT NULL DEFAULT 1;

-- An upstream project belongs to at most one local project (NULLs never conflict).
CREATE UNIQUE INDEX projects_v0_project ON projects (v0_project_id);
CREATE UNIQUE INDEX projects_vercel_project ON projects (vercel_project_id);
