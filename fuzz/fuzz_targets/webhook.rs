//! `POST /api/webhooks/vercel` on any body, signed correctly (so the event reader and its
//! handlers run) or not: never a 5xx, never a panic; a wrongly signed body is always 401.
#![no_main]

#[path = "support/app.rs"]
mod support;

use axum::body::Body;
use axum::http::Request;
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((&flag, body)) = input.split_first() else {
        return;
    };
    let signed = flag & 1 == 0;
    let signature = if signed {
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(support::CLIENT_SECRET.as_bytes())
            .expect("any key length");
        mac.update(body);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    } else {
        "00".repeat(20)
    };
    let request = Request::post("/api/webhooks/vercel")
        .header("content-type", "application/json")
        .header("x-vercel-signature", signature)
        .body(Body::from(body.to_vec()))
        .expect("request");
    let (status, answer) = support::send(request);
    assert!(!status.is_server_error(), "{status}: {}", String::from_utf8_lossy(&answer));
    if !signed {
        assert_eq!(status.as_u16(), 401);
    }
    assert!(serde_json::from_slice::<serde_json::Value>(&answer).is_ok(), "a JSON answer");
});
