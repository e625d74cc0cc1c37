-- v0 chats the server started for a project (with the platform key): the only chats a
-- resume may act on.
CREATE TABLE project_chats (
    chat_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX project_chats_project ON project_chats (project_id);
