//! The backend's `Authorization` extractor and JWT check on an arbitrary header value: no
//! panic, and nothing is accepted but a token signed with the secret.
#![no_main]

use axum::extract::{FromRef, FromRequestParts};
use axum::http::{header, HeaderValue, Request};
use futures_util::FutureExt;
use libfuzzer_sys::fuzz_target;
use sajtmaskin_server::auth::{Auth, Jwt, User};

#[derive(Clone)]
struct State(Auth);

impl FromRef<State> for Auth {
    fn from_ref(state: &State) -> Auth {
        state.0.clone()
    }
}

fuzz_target!(|bytes: &[u8]| {
    let state = State(Auth::new(Jwt::new(b"fuzz-secret-fuzz-secret-fuzz-secret!"), None));
    let Ok(value) = HeaderValue::from_bytes(bytes) else {
        return;
    };
    let (mut parts, ()) = Request::builder()
        .header(header::AUTHORIZATION, value)
        .body(())
        .map(Request::into_parts)
        .unwrap_or_else(|_| Request::new(()).into_parts());
    // The extractor awaits nothing: it completes on the first poll.
    let result = User::from_request_parts(&mut parts, &state).now_or_never();
    assert!(matches!(result, Some(Err(_))), "an unsigned header was accepted");
});
