//! The v0 Platform API, as the backend uses it with the platform's `V0_API_KEY`: [`chats`]
//! (starting and resuming a project's chats, streamed through) and [`mcp_servers`] (the
//! project's MCP endpoint registered with v0) and [`hooks`] (a chat's events delivered here). v0's v1 project env vars are an env-var store,
//! [`crate::stores`]. HTTP is [`crate::upstream`].

pub mod chats;
pub mod hooks;
pub mod mcp_servers;
