//! Failed sign-ins, counted per e-mail address *and* source address, with exponential backoff.
//!
//! Why not lock the account: a lock keyed on the account alone lets anyone who knows an
//! address lock its owner out with a few wrong passwords. Keyed on the pair, a guesser slows
//! only itself, and the owner signing in from their own address is never held up by it. A
//! guesser spread over many addresses is held by the per-address rate limits, and each of its
//! addresses by the backoff here.
//!
//! The count is kept for any address, known or not, in memory: a failed sign-in for a known
//! account writes nothing and so costs what one for an unknown address costs (one lookup, one
//! hash verification). It is per process; with several replicas each keeps its own count.

use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Pairs remembered at most; the least recently failed are forgotten first.
const CAPACITY: usize = 100_000;
/// The longest a pair is held off, however many times it failed.
pub const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    blocked_until: Option<Instant>,
}

pub struct SignInThrottle {
    /// Failures in a row before the first hold.
    threshold: u32,
    /// The first hold; each further failure doubles it, up to [`MAX_BACKOFF`].
    window: Duration,
    pairs: Mutex<LruCache<(String, String), Failures>>,
}

impl SignInThrottle {
    pub fn new(threshold: u32, window: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            window,
            pairs: Mutex::new(LruCache::new(
                NonZeroUsize::new(CAPACITY).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<(String, String), Failures>> {
        self.pairs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long `email` from `source` is still held off, if it is.
    pub fn held(&self, email: &str, source: &str) -> Option<Duration> {
        self.held_at(email, source, Instant::now())
    }

    fn held_at(&self, email: &str, source: &str, now: Instant) -> Option<Duration> {
        let pairs = self.lock();
        let until = pairs
            .peek(&(email.to_owned(), source.to_owned()))?
            .blocked_until?;
        until.checked_duration_since(now).filter(|d| !d.is_zero())
    }

    /// Counts a failure; from the threshold on, the pair is held off for the window, doubled
    /// for each failure past it. Failures older than [`MAX_BACKOFF`] are forgotten.
    pub fn failed(&self, email: &str, source: &str) {
        self.failed_at(email, source, Instant::now());
    }

    fn failed_at(&self, email: &str, source: &str, now: Instant) {
        let mut pairs = self.lock();
        let key = (email.to_owned(), source.to_owned());
        let mut entry = match pairs.get(&key) {
            Some(f) if now.duration_since(f.last) < MAX_BACKOFF => *f,
            _ => Failures {
                count: 0,
                last: now,
                blocked_until: None,
            },
        };
        entry.count += 1;
        entry.last = now;
        if entry.count >= self.threshold {
            let doublings = (entry.count - self.threshold).min(20);
            let hold = self.window.saturating_mul(1 << doublings).min(MAX_BACKOFF);
            entry.blocked_until = Some(now + hold);
        }
        pairs.put(key, entry);
    }

    /// A successful sign-in starts the pair's count over.
    pub fn succeeded(&self, email: &str, source: &str) {
        self.lock().pop(&(email.to_owned(), source.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(60);

    #[test]
    fn the_threshold_holds_the_pair_and_each_further_failure_doubles_the_hold() {
        let throttle = SignInThrottle::new(3, WINDOW);
        let t0 = Instant::now();
        for _ in 0..2 {
            throttle.failed_at("ada@example.com", "10.0.0.1", t0);
        }
        assert_eq!(throttle.held_at("ada@example.com", "10.0.0.1", t0), None);
        throttle.failed_at("ada@example.com", "10.0.0.1", t0);
        assert_eq!(
            throttle.held_at("ada@example.com", "10.0.0.1", t0),
            Some(WINDOW)
        );
        // Once the hold is over, the next failure holds the pair twice as long.
        let later = t0 + WINDOW;
        assert_eq!(throttle.held_at("ada@example.com", "10.0.0.1", later), None);
        throttle.failed_at("ada@example.com", "10.0.0.1", later);
        assert_eq!(
            throttle.held_at("ada@example.com", "10.0.0.1", later),
            Some(WINDOW * 2)
        );
    }

    #[test]
    fn another_source_and_another_address_are_not_held() {
        let throttle = SignInThrottle::new(1, WINDOW);
        let now = Instant::now();
        throttle.failed_at("ada@example.com", "10.0.0.1", now);
        assert!(throttle
            .held_at("ada@example.com", "10.0.0.1", now)
            .is_some());
        assert_eq!(throttle.held_at("ada@example.com", "10.0.0.2", now), None);
        assert_eq!(throttle.held_at("bob@example.com", "10.0.0.1", now), None);
    }

    #[test]
    fn success_starts_over_and_the_hold_is_capped() {
        let throttle = SignInThrottle::new(1, WINDOW);
        let now = Instant::now();
        for _ in 0..40 {
            throttle.failed_at("ada@example.com", "10.0.0.1", now);
        }
        assert_eq!(
            throttle.held_at("ada@example.com", "10.0.0.1", now),
            Some(MAX_BACKOFF)
        );
        throttle.succeeded("ada@example.com", "10.0.0.1");
        assert_eq!(throttle.held_at("ada@example.com", "10.0.0.1", now), None);
    }
}
