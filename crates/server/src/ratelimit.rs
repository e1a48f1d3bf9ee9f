//! Token buckets per viewer (per IP when anonymous) and per tenant: every tenant's members
//! share one budget, so a busy tenant cannot starve the others. Each domain names the tenants
//! of an account (`Domain::tenants_of`); a tenant's key is its domain and id.
//!
//! The buckets are `governor`'s keyed limiters (GCRA, the token bucket without a timer). A
//! viewer's companies come from a small cache filled through a pool of its own, so the lookup
//! neither counts among a request's SQL statements nor waits behind them.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use studiogate_graph::{Domains, Viewer};
use uuid::Uuid;

use crate::settings::RateLimits;

/// How long a viewer's company list is reused before it is read again.
const MEMBERSHIP_TTL: Duration = Duration::from_secs(30);
/// Cached viewers at most; the cache starts over when full.
const MEMBERSHIP_CACHE: usize = 50_000;

/// A tenant of one domain.
type Tenant = (&'static str, Uuid);

/// Per account: when its tenants were read, and which.
type Memberships = HashMap<Uuid, (Instant, Arc<[Tenant]>)>;

/// Whose budget a request draws on: the viewer's account, or the address of an anonymous one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    Account(Uuid),
    Ip(IpAddr),
}

impl Caller {
    pub fn of(viewer: &Viewer, ip: IpAddr) -> Self {
        match viewer.account_id {
            Some(id) => Self::Account(id),
            None => Self::Ip(ip),
        }
    }
}

/// A refusal: how long until the request would have been allowed.
#[derive(Debug)]
pub struct Limited {
    pub retry_after: Duration,
    /// `viewer` or `tenant`: whose budget ran out.
    pub scope: &'static str,
}

impl Limited {
    /// Whole seconds to wait, at least one (`Retry-After` takes no fractions).
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after.as_secs_f64().ceil().max(1.0) as u64
    }
}

pub struct Limiter {
    viewers: Option<DefaultKeyedRateLimiter<Caller>>,
    tenants: Option<DefaultKeyedRateLimiter<Tenant>>,
    db: DatabaseConnection,
    domains: Domains,
    memberships: Mutex<Memberships>,
}

fn quota(per_second: u32, burst: u32) -> Option<Quota> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = NonZeroU32::new(burst).unwrap_or(rate);
    Some(Quota::per_second(rate).allow_burst(burst))
}

impl Limiter {
    /// `db` should be a pool of its own (see the module docs).
    pub fn new(config: &RateLimits, db: DatabaseConnection, domains: Domains) -> Arc<Self> {
        let limiter = Arc::new(Self {
            viewers: quota(config.rate_limit_per_second, config.rate_limit_burst)
                .map(RateLimiter::keyed),
            tenants: quota(
                config.tenant_rate_limit_per_second,
                config.tenant_rate_limit_burst,
            )
            .map(RateLimiter::keyed),
            db,
            domains,
            memberships: Mutex::default(),
        });
        // Full buckets carry no information: forget them now and then, so memory follows the
        // number of recently active callers rather than every caller ever seen.
        let weak = Arc::downgrade(&limiter);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(limiter) = weak.upgrade() else { break };
                if let Some(viewers) = &limiter.viewers {
                    viewers.retain_recent();
                    viewers.shrink_to_fit();
                }
                if let Some(tenants) = &limiter.tenants {
                    tenants.retain_recent();
                    tenants.shrink_to_fit();
                }
            }
        });
        limiter
    }

    /// Takes one token from the caller's bucket and from each of its tenants' buckets.
    pub async fn check(&self, viewer: &Viewer, ip: IpAddr) -> Result<(), Limited> {
        let caller = Caller::of(viewer, ip);
        if let Some(viewers) = &self.viewers {
            viewers.check_key(&caller).map_err(|not_until| Limited {
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
                scope: "viewer",
            })?;
        }
        let (Some(tenants), Some(account)) = (&self.tenants, viewer.account_id) else {
            return Ok(());
        };
        for tenant in self.tenants_of(account).await.iter() {
            tenants.check_key(tenant).map_err(|not_until| Limited {
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
                scope: "tenant",
            })?;
        }
        Ok(())
    }

    /// The tenants whose budget a viewer's requests draw on, from every domain. A failed
    /// lookup charges no tenant of that domain (the per-viewer limit still applies).
    async fn tenants_of(&self, account: Uuid) -> Arc<[Tenant]> {
        if let Some((at, ids)) = self.lock().get(&account) {
            if at.elapsed() < MEMBERSHIP_TTL {
                return ids.clone();
            }
        }
        let mut tenants = Vec::new();
        for domain in self.domains.iter() {
            match domain.tenants_of(&self.db, account).await {
                Ok(ids) => tenants.extend(ids.into_iter().map(|id| (domain.name(), id))),
                Err(err) => {
                    tracing::warn!(domain = domain.name(), error = %err, "reading tenants for the tenant rate limit");
                }
            }
        }
        let ids: Arc<[Tenant]> = tenants.into();
        let mut cache = self.lock();
        if cache.len() >= MEMBERSHIP_CACHE {
            cache.clear();
        }
        cache.insert(account, (Instant::now(), ids.clone()));
        ids
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memberships> {
        self.memberships
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
