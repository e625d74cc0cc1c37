-- A v0 webhook (API v2 /hooks) per chat the server started: v0 posts the chat's events to
-- PUBLIC_URL/api/webhooks/v0/{chatId}. A delivery is only a hint: the server reads the chat's
-- latest message from v0 itself and keeps what it found on the chat's row, so a builder learns
-- of it without holding a stream open.
CREATE TABLE v0_hooks (
    chat_id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    hook_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
ALTER TABLE project_chats ADD COLUMN last_event TEXT;
ALTER TABLE project_chats ADD COLUMN last_event_at BIGINT;
