//! A database of its own for every test.

use anyhow::Context;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use tempfile::TempDir;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    /// The admin URL from `TEST_DATABASE_URL`; each test creates its own database beside it.
    Postgres(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn create(backend: &Backend) -> anyhow::Result<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let path = dir.path().join("studiogate.db");
                Ok(Self {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    backend: backend.clone(),
                    _dir: Some(dir),
                    postgres: None,
                })
            }
            Backend::Postgres(admin) => {
                let name = format!("studiogate_test_{}", Uuid::new_v4().simple());
                let conn = Database::connect(admin)
                    .await
                    .context("TEST_DATABASE_URL")?;
                conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await?;
                conn.close().await?;
                let base = admin
                    .rsplit_once('/')
                    .map(|(base, _)| base)
                    .context("TEST_DATABASE_URL needs a database path")?;
                Ok(Self {
                    url: format!("{base}/{name}"),
                    backend: backend.clone(),
                    _dir: None,
                    postgres: Some((admin.clone(), name)),
                })
            }
        }
    }

    /// A database that exists already and outlives the test (nothing is dropped).
    pub fn external(url: &str, backend: Backend) -> Self {
        Self {
            url: url.to_owned(),
            backend,
            _dir: None,
            postgres: None,
        }
    }

    /// A direct connection, for fixtures and for checking what the app wrote.
    pub async fn connect(&self) -> anyhow::Result<DatabaseConnection> {
        Ok(Database::connect(&self.url).await?)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside any async context we could borrow, so use a runtime of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let conn = Database::connect(&admin).await?;
                conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await?;
                conn.close().await
            })
            .map_err(std::io::Error::other)
        })
        .join();
    }
}
