//! The builder's own identity provider: tokens signed by a JOSE library (jsonwebtoken) with
//! RS256, ES256 and EdDSA keys, whose public halves a loopback fake IdP serves by OIDC
//! discovery and JWKS. Wrong audience, wrong issuer, expired, unknown `kid`, a key rotation,
//! the refetch limit, and a JWKS endpoint that hangs.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::*;

const AUDIENCE: &str = "sajtmaskin";
const ED25519_PUBLIC: &str = "5YDguALSxo4kSQOxBRsMOC8SgY2OO8NkzxrbTfGGNgc";

struct Key {
    kid: &'static str,
    alg: Algorithm,
    encoding: EncodingKey,
}

fn key(file: &str, kid: &'static str, alg: Algorithm) -> Key {
    let pem = std::fs::read(format!("{}/tests/keys/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let encoding = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
        _ => EncodingKey::from_ed_pem(&pem),
    }
    .unwrap();
    Key { kid, alg, encoding }
}

impl Key {
    /// The public key as the IdP publishes it.
    fn jwk(&self) -> Jwk {
        let mut jwk: Jwk = match self.alg {
            // jsonwebtoken cannot derive an Ed25519 JWK; the public key of tests/keys/ed25519.pem
            // (`openssl pkey -in ed25519.pem -pubout -outform DER | tail -c 32`, base64url).
            Algorithm::EdDSA => serde_json::from_value(json!({"kty": "OKP", "crv": "Ed25519",
                "x": ED25519_PUBLIC, "alg": "EdDSA"}))
            .unwrap(),
            alg => Jwk::from_encoding_key(&self.encoding, alg).unwrap(),
        };
        jwk.common.key_id = Some(self.kid.to_owned());
        jwk
    }

    fn mint(&self, claims: Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.to_owned());
        encode(&header, &claims, &self.encoding).unwrap()
    }
}

#[derive(Default)]
struct Idp {
    keys: Mutex<Vec<Jwk>>,
    fetches: AtomicUsize,
    hang: AtomicBool,
    base: Mutex<String>,
}

async fn start_idp() -> (String, Arc<Idp>) {
    let idp: Arc<Idp> = Arc::default();
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(|State(idp): State<Arc<Idp>>| async move {
                let base = idp.base.lock().unwrap().clone();
                Json(json!({"issuer": base, "jwks_uri": format!("{base}/jwks"), "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"]}))
            }),
        )
        .route(
            "/jwks",
            get(|State(idp): State<Arc<Idp>>| async move {
                idp.fetches.fetch_add(1, Ordering::SeqCst);
                if idp.hang.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
                Json(JwkSet { keys: idp.keys.lock().unwrap().clone() })
            }),
        )
        .with_state(idp.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    *idp.base.lock().unwrap() = base.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, idp)
}

fn claims(issuer: &str, sub: &str) -> Value {
    let now = sajtmaskin_server::clock::now_secs();
    json!({"iss": issuer, "aud": AUDIENCE, "sub": sub, "exp": now + 600, "iat": now})
}

async fn answer(server: &TestServer, token: &str) -> (StatusCode, Value) {
    server
        .call(Method::GET, "/api/projects", Some(token), None)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_the_builders_identity_provider_are_checked_against_its_keys() {
    let (issuer, idp) = start_idp().await;
    let (rsa_a, rsa_b) = (
        key("rsa-a.pem", "rsa-a", Algorithm::RS256),
        key("rsa-b.pem", "rsa-b", Algorithm::RS256),
    );
    let ec = key("ec.pem", "ec-1", Algorithm::ES256);
    let ed = key("ed25519.pem", "ed-1", Algorithm::EdDSA);
    *idp.keys.lock().unwrap() = vec![rsa_a.jwk(), ec.jwk(), ed.jwk()];
    let server = spawn(&[
        "--auth-issuer",
        &issuer,
        "--auth-jwt-audience",
        AUDIENCE,
        "--auth-jwks-refetch-secs",
        "1",
    ])
    .await;
    let who = user("oidc");

    // RS256, ES256 and EdDSA: the subject is the user.
    for key in [&rsa_a, &ec, &ed] {
        let (status, out) = answer(&server, &key.mint(claims(&issuer, &who))).await;
        assert_eq!(status, StatusCode::OK, "{:?}: {out}", key.alg);
    }
    let project = server
        .project(&rsa_a.mint(claims(&issuer, &who)), json!({}))
        .await;
    let (_, listed) = answer(&server, &ed.mint(claims(&issuer, &who))).await;
    assert_eq!(
        listed["projects"][0]["id"],
        project.as_str(),
        "one user, whichever key signed"
    );
    assert_eq!(
        idp.fetches.load(Ordering::SeqCst),
        1,
        "the key set is cached"
    );

    // Wrong audience, wrong issuer, expired, missing aud.
    let now = sajtmaskin_server::clock::now_secs();
    for (claims, code) in [
        (
            json!({"iss": issuer, "aud": "someone-else", "sub": who, "exp": now + 600}),
            "token_audience",
        ),
        (
            json!({"iss": "https://evil.example", "aud": AUDIENCE, "sub": who, "exp": now + 600}),
            "token_invalid",
        ),
        (
            json!({"iss": issuer, "aud": AUDIENCE, "sub": who, "exp": now - 3600}),
            "token_expired",
        ),
        (
            json!({"iss": issuer, "sub": who, "exp": now + 600}),
            "token_invalid",
        ),
    ] {
        let (status, out) = answer(&server, &rsa_a.mint(claims.clone())).await;
        assert_eq!(
            (status, out["error"]["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some(code)),
            "{claims}"
        );
    }
    // A key the issuer does not publish (same kid, other key material): refused.
    let forged = Key {
        kid: "rsa-a",
        ..key("rsa-b.pem", "rsa-a", Algorithm::RS256)
    };
    let (status, out) = answer(&server, &forged.mint(claims(&issuer, &who))).await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token_invalid"))
    );

    // Rotation: the IdP now publishes only rsa-b. A token with the new kid makes the server
    // fetch again; the removed key no longer opens anything.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    *idp.keys.lock().unwrap() = vec![rsa_b.jwk()];
    let (status, out) = answer(&server, &rsa_b.mint(claims(&issuer, &who))).await;
    assert_eq!(status, StatusCode::OK, "new kid after rotation: {out}");
    let (status, out) = answer(&server, &rsa_a.mint(claims(&issuer, &who))).await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token_invalid")),
        "old key removed"
    );

    // Unknown kids do not make the server hammer the IdP: at most one fetch per interval.
    let fetches = idp.fetches.load(Ordering::SeqCst);
    let unknown = Key {
        kid: "nobody",
        ..key("ec.pem", "nobody", Algorithm::ES256)
    };
    for _ in 0..10 {
        let (status, _) = answer(&server, &unknown.mint(claims(&issuer, &who))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert!(
        idp.fetches.load(Ordering::SeqCst) <= fetches + 1,
        "refetch is rate-limited"
    );

    // The JWKS endpoint hangs: cached keys keep working at once; an unknown kid is refused
    // within the fetch deadline.
    idp.hang.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let started = Instant::now();
    let (status, _) = answer(&server, &rsa_b.mint(claims(&issuer, &who))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "cached key: {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let (status, _) = answer(&server, &unknown.mint(claims(&issuer, &who))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let took = started.elapsed();
    assert!(
        took < sajtmaskin_server::oidc::FETCH_TIMEOUT + Duration::from_secs(2),
        "bounded by the deadline: {took:?}"
    );
    // HS256 tokens of the shared secret still work beside the IdP's (AUTH_JWT_AUDIENCE holds
    // for them too).
    let hs256 = encode(
        &Header::default(),
        &json!({"sub": who, "aud": AUDIENCE, "exp": sajtmaskin_server::clock::now_secs() + 600}),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    let (status, _) = answer(&server, &hs256).await;
    assert_eq!(status, StatusCode::OK);
    let (status, out) = answer(&server, &server.token(&who)).await;
    assert_eq!(
        (status, out["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token_invalid")),
        "no aud"
    );
}

#[test]
fn oidc_settings_are_checked_at_start() {
    let check = |args: &[&str]| {
        let mut all = vec!["s"];
        all.extend(args);
        <sajtmaskin_server::config::Config as clap::Parser>::try_parse_from(all)
            .unwrap()
            .check()
    };
    assert!(check(&["--auth-issuer", "https://idp.example"])
        .unwrap_err()
        .contains("AUTH_JWT_AUDIENCE"));
    assert!(check(&["--auth-jwks-url", "https://idp.example/jwks"])
        .unwrap_err()
        .contains("AUTH_ISSUER"));
    assert!(check(&["--auth-issuer", "not a url", "--auth-jwt-audience", "a"]).is_err());
    assert!(check(&[
        "--auth-issuer",
        "https://idp.example",
        "--auth-jwt-audience",
        "a"
    ])
    .is_ok());
    // On Postgres, an issuer stands in for the shared token secret.
    let k = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
    assert!(check(&[
        "--database-url",
        "postgres://u@h/db",
        "--env-var-encryption-key",
        k,
        "--auth-issuer",
        "https://idp.example",
        "--auth-jwt-audience",
        "a"
    ])
    .is_ok());
}
