//! File bytes live in an object store (a local folder by default), under paths we choose
//! (`studios/<studio>/<file>`). Downloads go through short-lived links signed with HMAC-SHA256.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, PutPayload};
use sha2::Sha256;
use std::sync::Arc;
use studiogate_graph::GraphError;
use uuid::Uuid;

/// How long a download link works.
pub const LINK_TTL_SECS: i64 = 300;

pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    key: Vec<u8>,
}

impl FileStore {
    /// An S3-compatible bucket, `s3://bucket[/prefix]`; credentials, region and endpoint come
    /// from the usual `AWS_*` variables (`AWS_ENDPOINT` and `AWS_ALLOW_HTTP` for MinIO and the
    /// like).
    pub fn s3(url: &str, key: &[u8]) -> Result<Self, object_store::Error> {
        let parsed = url::Url::parse(url).map_err(|e| object_store::Error::Generic {
            store: "S3",
            source: Box::new(e),
        })?;
        let bucket = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url)
            .build()?;
        let prefix = parsed.path().trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(bucket)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(bucket, prefix))
        };
        Ok(Self {
            store,
            key: key.to_vec(),
        })
    }

    /// Files under `dir` (created if missing); links signed with `key`.
    pub fn local(dir: &std::path::Path, key: &[u8]) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let store = LocalFileSystem::new_with_prefix(dir).map_err(std::io::Error::other)?;
        Ok(Self {
            store: Arc::new(store),
            key: key.to_vec(),
        })
    }

    pub async fn put(&self, path: &str, content: Bytes) -> Result<(), GraphError> {
        self.store
            .put(&StorePath::from(path), PutPayload::from(content))
            .await
            .map(|_| ())
            .map_err(|e| GraphError::internal(&e))
    }

    pub async fn get(&self, path: &str) -> Result<Bytes, GraphError> {
        let found = self
            .store
            .get(&StorePath::from(path))
            .await
            .map_err(|e| GraphError::internal(&e))?;
        found.bytes().await.map_err(|e| GraphError::internal(&e))
    }

    pub async fn delete(&self, path: &str) -> Result<(), GraphError> {
        match self.store.delete(&StorePath::from(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(GraphError::internal(&e)),
        }
    }

    fn mac(&self, file_id: Uuid, expires: i64) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(format!("{file_id}:{expires}").as_bytes());
        mac
    }

    /// A link to download `file_id` until `now + LINK_TTL_SECS`.
    pub fn signed_path(&self, file_id: Uuid, now: i64) -> String {
        let expires = now + LINK_TTL_SECS;
        let signature = hex::encode(self.mac(file_id, expires).finalize().into_bytes());
        format!("/files/{file_id}?expires={expires}&signature={signature}")
    }

    /// Checks a link's signature (in constant time) and expiry.
    pub fn verify(&self, file_id: Uuid, expires: i64, signature: &str, now: i64) -> bool {
        let Ok(given) = hex::decode(signature) else {
            return false;
        };
        expires >= now && self.mac(file_id, expires).verify_slice(&given).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_verify_until_they_expire_and_only_for_their_file() {
        let dir = std::env::temp_dir().join(format!("sg-store-{}", Uuid::new_v4()));
        let store = FileStore::local(&dir, b"key").expect("store");
        let file = Uuid::new_v4();
        let link = store.signed_path(file, 1_000);
        let query = link.split_once('?').expect("query").1;
        let sig = query.split("signature=").nth(1).expect("sig");
        assert!(store.verify(file, 1_300, sig, 1_100));
        assert!(!store.verify(file, 1_300, sig, 1_301), "expired");
        assert!(
            !store.verify(Uuid::new_v4(), 1_300, sig, 1_100),
            "another file"
        );
        assert!(!store.verify(file, 9_999, sig, 1_100), "another expiry");
        let _ = std::fs::remove_dir_all(dir);
    }
}
