-- The Vercel project v0 created for a chat (API v2 `POST /chats/{chatId}/vercel-project`).
ALTER TABLE project_chats ADD COLUMN vercel_project_id TEXT;
