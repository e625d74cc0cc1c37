//! What every connection and every request body is held to, whatever the route: one deadline
//! and one size limit for reading a request body ([`read_body`], a layer over the whole
//! router, so a route cannot forget it), and a stall limit for writing an answer
//! ([`stall_bounded`], on the connection, so a client that stops reading cannot hold a
//! connection slot).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::error::AppError;

/// How long a request body may take to arrive, in all, and how large it may be.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// From the end of the headers to the last byte of the body. A per-read timeout would let
    /// a client trickle a byte at a time for hours.
    pub deadline: Duration,
    /// Bytes, declared (`Content-Length`) or sent.
    pub max_bytes: usize,
}

/// An error answer that also ends the connection: the rest of the body was not read, so the
/// connection cannot carry another request.
fn closing(error: AppError) -> Response {
    let mut response = error.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Middleware over every route: reads the whole body within [`BodyLimits`] before any handler
/// (or the MCP SDK's service) runs, which then gets it in memory. 408 `body_timeout` past the
/// deadline, 413 `payload_too_large` over the size (at once when `Content-Length` says so),
/// 400 `invalid_body` for a body the transport cannot read (a truncated or malformed chunked
/// body). Every route's bodies are small JSON documents, so none needs to stream them.
pub async fn read_body(limits: BodyLimits, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_bytes as u64) {
        return closing(AppError::PayloadTooLarge);
    }
    let (parts, body) = request.into_parts();
    let read = Limited::new(body, limits.max_bytes).collect();
    let bytes: Bytes = match tokio::time::timeout(limits.deadline, read).await {
        Err(_) => return closing(AppError::RequestTimeout),
        Ok(Err(error)) if error.is::<LengthLimitError>() => {
            return closing(AppError::PayloadTooLarge)
        }
        Ok(Err(_)) => {
            return closing(AppError::bad_request(
                "invalid_body",
                "the request body could not be read (truncated or malformed)",
            ))
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// `stream` with writes bounded: a write that makes no progress for `stall` fails, and the
/// connection with it (a client that stops reading a large answer). Reads are bounded
/// elsewhere (hyper's header timeout, [`read_body`]'s deadline).
pub fn stall_bounded(
    stream: tokio::net::TcpStream,
    stall: Duration,
) -> std::pin::Pin<Box<tokio_io_timeout::TimeoutStream<tokio::net::TcpStream>>> {
    let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
    stream.set_write_timeout(Some(stall));
    Box::pin(stream)
}
