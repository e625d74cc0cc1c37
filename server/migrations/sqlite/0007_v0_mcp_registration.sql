-- The project's MCP endpoint as registered with v0 (API v2 /mcp-servers): v0's id for it, so a
-- new token updates it there and a revoked one removes it.
ALTER TABLE mcp_project_tokens ADD COLUMN v0_mcp_server_id TEXT;
