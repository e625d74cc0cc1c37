//! The browser boundary: thin `#[wasm_bindgen]` classes that convert, call the core and
//! convert back. One module per exported class; options are parsed in `options`, errors become
//! JS `Error`s in `error`, and `BackendClient`'s HTTP work is in `transport`.

#[cfg(feature = "backend")]
mod backend_client;
mod card_renderer;
mod error;
mod options;
mod read;
mod sse_parser;
mod stream_session;
#[cfg(feature = "backend")]
mod transport;

#[cfg(feature = "backend")]
pub use backend_client::BackendClient;
pub use card_renderer::CardRenderer;
pub use error::JsCodedError;
pub use sse_parser::SseParser;
pub use stream_session::StreamSession;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_SHARED: &str = r#"
/** An `Error` thrown by this package: `code` is stable and machine-readable. */
export interface IntegrationsError extends Error { code: string; status?: number }
/** An install: status "pending" | "installed" | "removed" | "error"; `envVars` are key names, never values. */
export interface MarketplaceRecord { id: string; projectId: string | null; integrationType: string; status: string; installUrl: string;
  envVars: { key: string; target: string[]; hint?: string }[]; marketplaceId: string | null; lastSyncedAt: string | null; reason: string | null;
  createdAt: string; updatedAt: string }
export type McpAuthKind = "none" | "bearer" | "headers" | "oauth";
/** A user's MCP server. Secrets are write-only: only which exist comes back. */
export interface McpServer { id: string; name: string; url: string; preset: string | null; authKind: McpAuthKind; enabled: boolean;
  /** null: every tool the server lists. */
  allowedTools: string[] | null;
  secrets: { set: boolean; bearer: boolean; headerNames: string[]; oauthConnected: boolean; oauthExpiresAt?: string };
  createdAt: string; updatedAt: string }
/** A credential check: `code` and `detail` are fixed texts (never a value or an upstream's words). */
export interface IntegrationCheck { provider: string; status: VerificationStatus; code: string; detail: string; checkedAt: string;
  /** From a check just made (not in integrationChecks): the key checked; Postgres: pooled, serverVersion; Stripe: mode. */
  facts?: { key?: string; pooled?: boolean; serverVersion?: string; mode?: "test" | "live" } }
"#;

/// JS length (UTF-16 code units) of `s`: how JS slices a string that crossed with others in
/// one piece.
fn js_length(s: &str) -> u32 {
    let units = if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    };
    u32::try_from(units).unwrap_or(u32::MAX)
}
