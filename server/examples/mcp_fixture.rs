//! The tests' MCP server (built with the official SDK) as a process, for the demo's end-to-end
//! test: `mcp_fixture` prints its MCP URL on the first line and serves until killed.

#[path = "../tests/support/mcp_server.rs"]
mod mcp_server;

#[tokio::main]
async fn main() {
    let server = mcp_server::TestMcp::start(mcp_server::McpOptions {
        json: true,
        ..mcp_server::McpOptions::default()
    })
    .await;
    println!("{}", server.url);
    std::future::pending::<()>().await;
}
