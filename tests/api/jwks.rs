//! Tokens of an external issuer, verified with keys from its JWKS document.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::support::BIN;

const ISSUER: &str = "https://issuer.test/auth/v1";

fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// An ES256 key pair made in the test: the PKCS#8 private key and its public JWK.
fn ec_key(dir: &Path, kid: &str) -> (EncodingKey, Value) {
    let sec1 = dir.join(format!("{kid}.sec1.pem"));
    let sec1 = sec1.to_str().expect("path");
    openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        sec1,
    ]);
    let pkcs8 = openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", sec1]);
    let der = openssl(&["ec", "-in", sec1, "-pubout", "-outform", "DER"]);
    // SubjectPublicKeyInfo of P-256 ends with the uncompressed point 04 || x || y.
    let point = &der[der.len() - 64..];
    let jwk = json!({
        "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
        "x": URL_SAFE_NO_PAD.encode(&point[..32]), "y": URL_SAFE_NO_PAD.encode(&point[32..]),
    });
    (EncodingKey::from_ec_pem(&pkcs8).expect("ec key"), jwk)
}

fn rsa_key(dir: &Path, kid: &str) -> (EncodingKey, Value) {
    let path = dir.join(format!("{kid}.pem"));
    let path = path.to_str().expect("path");
    openssl(&["genrsa", "-out", path, "2048"]);
    let modulus =
        String::from_utf8(openssl(&["rsa", "-in", path, "-noout", "-modulus"])).expect("utf8");
    let hex = modulus.trim().trim_start_matches("Modulus=");
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    let jwk = json!({
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
        "n": URL_SAFE_NO_PAD.encode(bytes), "e": "AQAB",
    });
    let pem = std::fs::read(path).expect("pem");
    (EncodingKey::from_rsa_pem(&pem).expect("rsa key"), jwk)
}

fn claims(sub: Uuid) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": sub, "exp": now + 600, "iat": now, "nbf": now - 5,
        "iss": ISSUER, "aud": "authenticated", "role": "authenticated",
        "email": format!("{}@external.test", sub.simple()),
        "user_metadata": { "full_name": "Grace Hopper" },
    })
}

fn sign(alg: Algorithm, kid: &str, key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    encode(&header, claims, key).expect("signs")
}

async fn viewer(app: &TestApp, token: &str) -> (u16, Value) {
    app.post(
        Some(token),
        "{ viewer { id email profile { fullName } } }",
        json!({}),
    )
    .await
    .expect("response")
}

async fn jwks_tokens_are_verified_and_provision_their_account(backend: Backend) {
    let dir = tempfile::tempdir().expect("dir");
    let (ec, ec_jwk) = ec_key(dir.path(), "ec1");
    let (rsa, rsa_jwk) = rsa_key(dir.path(), "rsa1");
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&jwks, json!({ "keys": [ec_jwk, rsa_jwk] }).to_string()).expect("write");
    let env = [
        ("STUDIOGATE_JWKS_URL", jwks.to_str().expect("path")),
        ("STUDIOGATE_JWKS_ISSUER", ISSUER),
        ("STUDIOGATE_JWT_AUDIENCE", "authenticated"),
    ];
    let app = TestApp::spawn_with_env(BIN, &backend, &env)
        .await
        .expect("app");

    for (alg, kid, key) in [
        (Algorithm::ES256, "ec1", &ec),
        (Algorithm::RS256, "rsa1", &rsa),
    ] {
        let sub = Uuid::new_v4();
        let token = sign(alg, kid, key, &claims(sub));
        let (status, body) = viewer(&app, &token).await;
        assert_eq!(status, 200, "{backend:?} {alg:?}: {body}");
        assert_eq!(body["data"]["viewer"]["id"], json!(sub));
        assert_eq!(
            body["data"]["viewer"]["profile"]["fullName"],
            "Grace Hopper"
        );
        // The second request finds the account it created.
        assert_eq!(viewer(&app, &token).await.1, body);
    }

    let sub = Uuid::new_v4();
    let now = chrono::Utc::now().timestamp();
    let with = |patch: Value| {
        let mut c = claims(sub);
        for (k, v) in patch.as_object().expect("object") {
            c[k] = v.clone();
        }
        sign(Algorithm::ES256, "ec1", &ec, &c)
    };
    let good = with(json!({}));
    let mut parts: Vec<&str> = good.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(claims(Uuid::new_v4()).to_string());
    parts[1] = &forged;
    let tampered = parts.join(".");
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"ec1"}"#),
        forged
    );
    for (what, token) in [
        ("expired", with(json!({ "exp": now - 10 }))),
        ("not yet valid", with(json!({ "nbf": now + 600 }))),
        ("wrong audience", with(json!({ "aud": "someone-else" }))),
        ("wrong issuer", with(json!({ "iss": "https://evil.test" }))),
        ("tampered", tampered),
        ("alg none", none),
        (
            "unknown kid",
            sign(Algorithm::ES256, "ec2", &ec, &claims(sub)),
        ),
    ] {
        let (status, body) = viewer(&app, &token).await;
        assert_eq!(status, 401, "{backend:?}: {what} accepted: {body}");
        assert_eq!(error_codes(&body), vec!["UNAUTHENTICATED"]);
    }

    // The issuer rotates in a new key: an unknown kid makes the gateway read the JWKS again.
    let (ec2, ec2_jwk) = ec_key(dir.path(), "ec2");
    std::fs::write(&jwks, json!({ "keys": [ec2_jwk] }).to_string()).expect("write");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = viewer(&app, &sign(Algorithm::ES256, "ec2", &ec2, &claims(sub))).await;
    assert_eq!(status, 200, "{backend:?}: rotated key refused: {body}");
}
on_both_backends!(jwks_tokens_are_verified_and_provision_their_account);
