//! Persisted operations: Apollo's automatic persisted queries (APQ), and trusted documents.
//!
//! APQ: a client sends `extensions.persistedQuery.sha256Hash` alone; on a miss it gets
//! `PERSISTED_QUERY_NOT_FOUND` and sends the hash with the text, which registers it in a
//! bounded LRU cache. Trusted documents: only the operations of a manifest file run, named by
//! hash or sent as exactly the listed text; everything else is refused.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::Mutex;

use studiogate_graph::ErrorCode;

/// The error codes of this module, as Apollo clients expect them.
pub const NOT_FOUND: ErrorCode = ErrorCode::PersistedQueryNotFound;
const NOT_SUPPORTED: ErrorCode = ErrorCode::PersistedQueryNotSupported;
const NOT_TRUSTED: ErrorCode = ErrorCode::OperationNotTrusted;

pub enum Documents {
    /// APQ with a cache bounded in operations and in bytes, or off.
    Automatic(Option<Mutex<Cache>>),
    /// Only the manifest's operations, by hash.
    Trusted(HashMap<String, String>),
}

/// Why a request's document could not be resolved: the code and message to answer with.
#[derive(Debug)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(serde::Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    operations: Vec<ManifestOperation>,
}

#[derive(serde::Deserialize)]
struct ManifestOperation {
    id: String,
    body: String,
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The APQ cache: least recently used out first, at most `capacity` operations and
/// `max_bytes` of their text, so what anonymous clients register costs bounded memory
/// whatever the size of their documents.
pub struct Cache {
    operations: lru::LruCache<String, String>,
    bytes: usize,
    max_bytes: usize,
}

impl Cache {
    fn new(capacity: NonZeroUsize, max_bytes: usize) -> Self {
        Self {
            operations: lru::LruCache::new(capacity),
            bytes: 0,
            max_bytes,
        }
    }

    fn get(&mut self, hash: &str) -> Option<&String> {
        self.operations.get(hash)
    }

    /// Keeps `query` under `hash` unless it is too big to be worth its room (over a sixteenth
    /// of the budget): it still runs, and a later hash-only request gets NOT_FOUND.
    fn put(&mut self, hash: String, query: String) {
        let size = hash.len() + query.len();
        if size > self.max_bytes / 16 {
            return;
        }
        if let Some((old_hash, old)) = self.operations.push(hash, query) {
            self.bytes -= old_hash.len() + old.len();
        }
        self.bytes += size;
        while self.bytes > self.max_bytes {
            match self.operations.pop_lru() {
                Some((h, q)) => self.bytes -= h.len() + q.len(),
                None => break,
            }
        }
    }
}

impl Documents {
    pub fn automatic(capacity: usize, max_bytes: usize) -> Self {
        Self::Automatic(NonZeroUsize::new(capacity).map(|c| Mutex::new(Cache::new(c, max_bytes))))
    }

    /// Reads an Apollo persisted-query manifest
    /// (`{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id","body",..}]}`);
    /// every id must be the SHA-256 of its body.
    pub fn trusted(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading trusted documents {}: {e}", path.display()))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("trusted documents {}: {e}", path.display()))?;
        anyhow::ensure!(
            manifest.format == "apollo-persisted-query-manifest" && manifest.version == 1,
            "trusted documents {}: expected format apollo-persisted-query-manifest version 1",
            path.display()
        );
        let mut operations = HashMap::new();
        for op in manifest.operations {
            anyhow::ensure!(
                sha256_hex(&op.body) == op.id.to_ascii_lowercase(),
                "trusted documents {}: id {} is not the SHA-256 of its body",
                path.display(),
                op.id
            );
            operations.insert(op.id.to_ascii_lowercase(), op.body);
        }
        Ok(Self::Trusted(operations))
    }

    /// Fills in `request.query` from the hash it names, registers new APQ operations, and in
    /// trusted mode refuses anything not in the manifest.
    pub fn resolve(&self, request: &mut async_graphql::Request) -> Result<(), Refusal> {
        let hash = persisted_hash(request)?;
        match self {
            Self::Trusted(operations) => {
                let hash = match hash {
                    Some(hash) => hash,
                    None => sha256_hex(&request.query),
                };
                match operations.get(&hash) {
                    Some(body) if request.query.is_empty() || request.query == *body => {
                        request.query.clone_from(body);
                        Ok(())
                    }
                    _ => Err(Refusal {
                        code: NOT_TRUSTED,
                        message: "Only the operations of the trusted documents manifest run here"
                            .into(),
                    }),
                }
            }
            Self::Automatic(_) if hash.is_none() => Ok(()),
            Self::Automatic(None) => Err(Refusal {
                code: NOT_SUPPORTED,
                message: "PersistedQueryNotSupported".into(),
            }),
            Self::Automatic(Some(cache)) => {
                let hash = hash.unwrap_or_default();
                let mut cache = cache
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if request.query.is_empty() {
                    match cache.get(&hash) {
                        Some(query) => {
                            request.query.clone_from(query);
                            Ok(())
                        }
                        None => Err(Refusal {
                            code: NOT_FOUND,
                            message: "PersistedQueryNotFound".into(),
                        }),
                    }
                } else if sha256_hex(&request.query) == hash {
                    cache.put(hash, request.query.clone());
                    Ok(())
                } else {
                    Err(Refusal {
                        code: ErrorCode::BadUserInput,
                        message:
                            "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query"
                                .into(),
                    })
                }
            }
        }
    }
}

/// The `extensions.persistedQuery` hash of a request, checked and lowercased.
fn persisted_hash(request: &mut async_graphql::Request) -> Result<Option<String>, Refusal> {
    let Some(value) = request.extensions.remove("persistedQuery") else {
        return Ok(None);
    };
    let bad = |message: &str| Refusal {
        code: ErrorCode::BadUserInput,
        message: message.to_owned(),
    };
    let json = value
        .into_json()
        .map_err(|_| bad("extensions.persistedQuery must be an object"))?;
    if json["version"] != 1 {
        return Err(bad("extensions.persistedQuery.version must be 1"));
    }
    match json["sha256Hash"].as_str() {
        Some(hash) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(Some(hash.to_ascii_lowercase()))
        }
        _ => Err(bad(
            "extensions.persistedQuery.sha256Hash must be 64 hexadecimal characters",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(capacity: usize, max_bytes: usize) -> Cache {
        Cache::new(NonZeroUsize::new(capacity).expect("capacity"), max_bytes)
    }

    #[test]
    fn the_cache_keeps_within_its_bytes_least_recently_used_out_first() {
        let mut c = cache(100, 1600);
        let doc = |n: usize| format!("{{ a{n:02} {} }}", "x".repeat(50));
        for n in 0..40 {
            c.put(format!("h{n:02}"), doc(n));
            assert!(c.bytes <= 1600, "{} bytes", c.bytes);
        }
        // 60 bytes each, 2,400 in all: the oldest went, the newest stay.
        assert!(c.get("h00").is_none());
        assert!(c.get("h39").is_some());
        assert_eq!(c.operations.len(), 1600 / 60);
        assert_eq!(
            c.bytes,
            c.operations
                .iter()
                .map(|(h, q)| h.len() + q.len())
                .sum::<usize>()
        );
    }

    #[test]
    fn a_document_too_big_for_the_cache_runs_but_is_not_kept() {
        let mut c = cache(100, 1600);
        c.put("big".into(), "x".repeat(101));
        assert!(c.get("big").is_none());
        assert_eq!(c.bytes, 0);
        // Registering the same hash twice counts it once.
        c.put("h".into(), "{ a }".into());
        c.put("h".into(), "{ a }".into());
        assert_eq!(c.bytes, 1 + 5);
    }

    #[test]
    fn the_operation_count_still_bounds_the_cache() {
        let mut c = cache(2, 1 << 20);
        for n in 0..3 {
            c.put(format!("h{n}"), "{ a }".into());
        }
        assert!(c.get("h0").is_none());
        assert_eq!(c.bytes, 2 * (2 + 5));
    }
}
