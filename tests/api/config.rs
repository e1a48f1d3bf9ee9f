//! Configuration: a TOML file under the environment, every bad value reported at start, and
//! production mode refusing the development secret.

use std::process::Output;
use studiogate_testkit::{Backend, TestApp};
use uuid::Uuid;

use crate::support::BIN;

const DEV_SECRET: &str = "studiogate-development-secret-do-not-deploy";

/// Runs the binary with exactly these environment variables (besides PATH).
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    std::process::Command::new(BIN)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .expect("runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn verifies(token: &str, secret: &str) -> bool {
    let key = jsonwebtoken::DecodingKey::from_secret(secret.as_bytes());
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.validate_aud = false;
    jsonwebtoken::decode::<serde_json::Value>(token.trim(), &key, &validation).is_ok()
}

#[test]
fn the_config_file_applies_under_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("studiogate.toml");
    std::fs::write(
        &file,
        "jwt_secret = \"from-the-file\"\nlockout_threshold = 3\n",
    )
    .expect("write");
    let file = file.display().to_string();
    let sub = Uuid::new_v4().to_string();
    let out = run(&["--config", &file, "token", "--sub", &sub], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(verifies(
        &String::from_utf8_lossy(&out.stdout),
        "from-the-file"
    ));
    // STUDIOGATE_CONFIG names the file too, and the environment wins over it.
    let env = [
        ("STUDIOGATE_CONFIG", file.as_str()),
        ("STUDIOGATE_JWT_SECRET", "from-the-environment"),
    ];
    let out = run(&["token", "--sub", &sub], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(verifies(
        &String::from_utf8_lossy(&out.stdout),
        "from-the-environment"
    ));
}

#[test]
fn every_bad_setting_is_reported_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        "listen = \"no-port\"\ncolour = \"red\"\nrequest_timeout_secs = 0\ndemo = \"maybe\"\n",
    )
    .expect("write");
    let file = file.display().to_string();
    let env = [
        ("STUDIOGATE_CONFIG", file.as_str()),
        ("DATABASE_URL", "mysql://db/x"),
        ("STUDIOGATE_DB_MAX_CONNECTIONS", "0"),
        ("STUDIOGATE_SHUTDOWN_TIMEOUT_SECS", "soon"),
        ("STUDIOGATE_PRODUCTION", "perhaps"),
    ];
    let out = run(&["serve"], &env);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    for needle in [
        &format!("config file {file}: key `listen`: invalid value 'no-port'"),
        &format!("config file {file}: unknown key `colour`"),
        &format!("config file {file}: key `request_timeout_secs`: invalid value '0'"),
        &format!("config file {file}: key `demo`: invalid value 'maybe'"),
        &"DATABASE_URL: invalid value 'mysql://db/x'".to_owned(),
        &"STUDIOGATE_DB_MAX_CONNECTIONS: invalid value '0'".to_owned(),
        &"STUDIOGATE_SHUTDOWN_TIMEOUT_SECS: invalid value 'soon'".to_owned(),
        &"STUDIOGATE_PRODUCTION: invalid value 'perhaps'".to_owned(),
    ] {
        assert!(err.contains(&needle[..]), "missing `{needle}` in:\n{err}");
    }
    // A file that is not TOML, or not there, is named too.
    std::fs::write(dir.path().join("broken.toml"), "listen = \n").expect("write");
    let broken = dir.path().join("broken.toml").display().to_string();
    let out = run(&["--config", &broken, "serve"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("config file {broken}")),
        "{}",
        stderr(&out)
    );
    let out = run(&["--config", "/nonexistent/studiogate.toml", "serve"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("config file /nonexistent/studiogate.toml"));
}

#[test]
fn without_a_secret_an_installation_signs_with_its_own() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let token = |file: &std::path::Path| {
        let env = [("STUDIOGATE_SECRET_FILE", file.to_str().expect("utf-8"))];
        let out = run(&["token", "--sub", &Uuid::new_v4().to_string()], &env);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let file = dir.path().join("state").join("secret");
    let first = token(&file);
    let secret = std::fs::read_to_string(&file).expect("written");
    let secret = secret.trim();
    assert_eq!(secret.len(), 64, "256 random bits, hex");
    let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "readable by the owner only");
    assert!(verifies(&first, secret));
    assert!(
        !verifies(&first, DEV_SECRET),
        "the public secret signs nothing"
    );
    // The next start reuses it; another installation has another.
    assert!(verifies(&token(&file), secret));
    let other = dir.path().join("other");
    token(&other);
    assert_ne!(
        std::fs::read_to_string(&other).expect("written").trim(),
        secret
    );
    // A secret file too short to be one is refused at start.
    let short = dir.path().join("short");
    std::fs::write(&short, "tiny\n").expect("write");
    let env = [("STUDIOGATE_SECRET_FILE", short.to_str().expect("utf-8"))];
    let out = run(&["token", "--sub", &Uuid::new_v4().to_string()], &env);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("shorter than 32 bytes"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn production_mode_refuses_the_development_secret() {
    let sub = Uuid::new_v4().to_string();
    for (env, expected) in [
        (vec![], "required in production mode"),
        (
            vec![("STUDIOGATE_JWT_SECRET", DEV_SECRET)],
            "the development secret is refused",
        ),
        (
            vec![("STUDIOGATE_JWT_SECRET", "short")],
            "at least 32 bytes",
        ),
    ] {
        let mut env = env;
        env.push(("STUDIOGATE_PRODUCTION", "true"));
        let out = run(&["token", "--sub", &sub], &env);
        assert_eq!(out.status.code(), Some(2), "{env:?}");
        assert!(stderr(&out).contains(expected), "{env:?}: {}", stderr(&out));
    }
    // With a real secret it serves, and logs JSON lines.
    let env = [("STUDIOGATE_PRODUCTION", "true"), ("RUST_LOG", "info")];
    let app = TestApp::spawn_with_env(BIN, &Backend::Sqlite, &env)
        .await
        .expect("starts in production mode");
    assert_eq!(app.get("/healthz").await.expect("ok").0, 200);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let logs = app.logs();
    let line = logs
        .lines()
        .find(|l| l.contains("/healthz"))
        .unwrap_or_else(|| panic!("no log line for the request:\n{logs}"));
    let json: serde_json::Value = serde_json::from_str(line).expect("a JSON log line");
    assert!(json["span"]["request_id"].is_string(), "{line}");
}
