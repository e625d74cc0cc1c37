-- The last credential check of each provider of a project (POST …/integrations/{provider}/verify):
-- its outcome and fixed code, never a value or an upstream's words.
CREATE TABLE integration_checks (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    status TEXT NOT NULL,
    code TEXT NOT NULL,
    checked_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, provider)
);
