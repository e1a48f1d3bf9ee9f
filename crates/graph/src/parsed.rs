//! Parsed documents by their text. Clients send the same few documents over and over (an
//! Apollo client's are fixed at build time), and parsing one with async-graphql's PEG parser
//! costs several times what cloning its tree does: on the one-row lookup, parsing was about
//! 4% of the gateway's CPU. Documents that do not parse are not kept; async-graphql reports
//! them as usual.

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

/// Documents kept at most.
const DOCUMENTS: NonZeroUsize = NonZeroUsize::new(512).unwrap();
/// Text of the kept documents at most, in bytes: the trees take a few times their text, so
/// this bounds the cache's memory whatever clients send.
const MAX_BYTES: usize = 1 << 20;
/// A longer document is parsed each time: a client that sends one is rare, and it would
/// crowd out many ordinary ones.
const MAX_DOCUMENT: usize = 16 << 10;

/// The least recently used document leaves first, within [`DOCUMENTS`] and [`MAX_BYTES`].
/// Documents are shared (`Arc`) so that the lock is held for a lookup, never for a copy of a
/// tree.
pub(crate) struct ParsedDocuments(Mutex<Cache>);

struct Cache {
    documents: lru::LruCache<String, Arc<ExecutableDocument>>,
    bytes: usize,
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        Self(Mutex::new(Cache {
            documents: lru::LruCache::new(DOCUMENTS),
            bytes: 0,
        }))
    }
}

impl ParsedDocuments {
    /// The request's document, parsed (once per text while it stays in the cache); the
    /// request keeps it, so async-graphql does not parse it again.
    pub(crate) fn parse<'r>(
        &self,
        request: &'r mut Request,
    ) -> Result<&'r ExecutableDocument, ServerError> {
        let known = self
            .0
            .lock()
            .ok()
            .and_then(|mut cache| cache.documents.get(request.query.as_str()).cloned());
        // A miss that is short enough to keep: its text, for the key.
        let keep = match known {
            Some(document) => {
                request.set_parsed_query(ExecutableDocument::clone(&document));
                None
            }
            None => (request.query.len() <= MAX_DOCUMENT).then(|| request.query.clone()),
        };
        let document = request.parsed_query()?;
        if let Some(text) = keep {
            let kept = Arc::new(document.clone());
            if let Ok(mut cache) = self.0.lock() {
                cache.keep(text, kept);
            }
        }
        Ok(document)
    }

    #[cfg(test)]
    fn len(&self) -> (usize, usize) {
        let cache = self.0.lock().expect("the cache lock");
        (cache.documents.len(), cache.bytes)
    }
}

impl Cache {
    fn keep(&mut self, text: String, document: Arc<ExecutableDocument>) {
        let len = text.len();
        if let Some((old, _)) = self.documents.push(text, document) {
            self.bytes -= old.len();
        }
        self.bytes += len;
        while self.bytes > MAX_BYTES {
            match self.documents.pop_lru() {
                Some((old, _)) => self.bytes -= old.len(),
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printed(document: &ExecutableDocument) -> String {
        format!("{document:?}")
    }

    #[test]
    fn a_text_is_parsed_once_and_its_tree_reused() {
        let parsed = ParsedDocuments::default();
        let text = "query($id: ID!) { a(id: $id) { b ...F } } fragment F on A { c }";
        let mut first = Request::new(text);
        let fresh = printed(parsed.parse(&mut first).expect("it parses"));
        assert_eq!(parsed.len(), (1, text.len()));
        let mut second = Request::new(text);
        let reused = printed(parsed.parse(&mut second).expect("it parses"));
        assert_eq!(reused, fresh, "the kept tree is the one the text parses to");
        assert_eq!(parsed.len(), (1, text.len()), "a hit keeps nothing more");
        // The request holds its document: async-graphql takes it instead of parsing.
        assert_eq!(printed(second.parsed_query().expect("it is kept")), fresh);
    }

    #[test]
    fn what_does_not_parse_and_long_documents_are_not_kept() {
        let parsed = ParsedDocuments::default();
        assert!(parsed.parse(&mut Request::new("{ a(")).is_err());
        let long = format!("{{ a {} }}", "b ".repeat(MAX_DOCUMENT));
        assert!(parsed.parse(&mut Request::new(long)).is_ok());
        assert_eq!(parsed.len(), (0, 0));
    }

    #[test]
    fn the_cache_keeps_within_its_bytes_oldest_out_first() {
        let parsed = ParsedDocuments::default();
        // Documents of about 8 KiB: 128 of them make 1 MiB.
        let doc = |i: usize| format!("{{ a{i}(s: \"{}\") }}", "b".repeat(8_000));
        for i in 0..200 {
            parsed.parse(&mut Request::new(doc(i))).expect("it parses");
        }
        let (kept, bytes) = parsed.len();
        assert!(bytes <= MAX_BYTES, "{bytes} bytes kept");
        assert!(kept > 100 && kept < 200, "{kept} documents kept");
        let cache = parsed.0.lock().expect("the cache lock");
        assert!(cache.documents.contains(&doc(199)), "the newest stays");
        assert!(!cache.documents.contains(&doc(0)), "the oldest left first");
    }
}
