//! A load generator for a [`Store`]: creates users, looks them up by UPN and registers a
//! device for each from many tasks at once, and reports throughput and latency
//! percentiles. Password hashes and certificates are pre-computed bytes, so it measures
//! the store, not argon2 or RSA.
//!
//! It writes a tenant (`bench-….invalid`) and its users into the store and leaves them
//! there: point it at a scratch database.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cerulean_directory::{
    ActionContext, Actor, Branding, Device, DeviceId, DeviceObjectId, DeviceRegistration, Domain,
    DomainKind, MdmState, RegistrationOutcome, Store, StoreError, StoreResult, Tenant, TenantId,
    TrustType, User, UserId,
};
use serde_json::json;
use time::OffsetDateTime;
use tokio::task::JoinSet;

/// An argon2id PHC string of the usual length, stored for every user.
const PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$\
     c2FsdHNhbHRzYWx0c2FsdA$9pFtFWIf5FkZVfPp0v8Xw5p7Q2Hn2mYyVtFwq3Ql1Cs";

/// Throughput and latency of one kind of operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Throughput {
    /// Operations attempted.
    pub operations: usize,
    /// Operations that failed (or, for lookups, found nothing).
    pub errors: usize,
    /// Wall-clock time for all of them.
    pub elapsed: Duration,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Throughput {
    /// Completed operations per second of wall-clock time.
    pub fn per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.operations as f64 / secs
        } else {
            0.0
        }
    }

    fn from_samples(mut samples: Vec<Duration>, errors: usize, elapsed: Duration) -> Self {
        samples.sort_unstable();
        Self {
            operations: samples.len(),
            errors,
            elapsed,
            p50: percentile(&samples, 50),
            p95: percentile(&samples, 95),
            p99: percentile(&samples, 99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted
        .get(rank - 1)
        .or(sorted.last())
        .copied()
        .unwrap_or_default()
}

/// The result of [`run_store_benchmark`]; `Display` prints a table (one row per operation;
/// the caller prints the backend, user count and concurrency above it).
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    pub users: usize,
    pub concurrency: usize,
    /// `create_user` (each with its audit event, in one transaction).
    pub create_user: Throughput,
    /// `user_by_upn`, case-insensitive lookups of the users just created.
    pub user_by_upn: Throughput,
    /// `register_device`: one device per user, with the quota check, retry detection and
    /// audit event of a DRS join (a certificate-sized row).
    pub register_device: Throughput,
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<15} {:>8} {:>7} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "operation", "ops", "errors", "ops/s", "p50", "p95", "p99", "max"
        )?;
        for (name, t) in [
            ("create_user", &self.create_user),
            ("user_by_upn", &self.user_by_upn),
            ("register_device", &self.register_device),
        ] {
            writeln!(
                f,
                "{:<15} {:>8} {:>7} {:>10.1} {:>10} {:>10} {:>10} {:>10}",
                name,
                t.operations,
                t.errors,
                t.per_second(),
                ms(t.p50),
                ms(t.p95),
                ms(t.p99),
                ms(t.max)
            )?;
        }
        Ok(())
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Creates `users` users in a fresh tenant from `concurrency` tasks, then looks each up by
/// UPN and registers a device for each from as many tasks. Setup failures are errors; failures of individual operations
/// are counted in the report.
pub async fn run_store_benchmark(
    store: Arc<dyn Store>,
    users: usize,
    concurrency: usize,
) -> StoreResult<BenchReport> {
    let concurrency = concurrency.max(1);
    let ctx = ActionContext::new(Actor::System);
    let now = OffsetDateTime::now_utc();
    let tenant = Tenant {
        id: TenantId::random(),
        display_name: "Store benchmark".into(),
        initial_domain: format!("bench-{}.invalid", &uuid::Uuid::new_v4().simple()),
        branding: Branding::default(),
        created_at: now,
    };
    let domain = Domain {
        name: tenant.initial_domain.clone(),
        tenant_id: tenant.id,
        kind: DomainKind::Managed,
        is_initial: true,
        created_at: now,
    };
    let audit = ctx.event(
        now,
        Some(tenant.id),
        "tenant.create",
        format!("tenant:{}", tenant.id),
        json!({ "benchmark": true }),
    );
    store.create_tenant(&tenant, &domain, &[], &audit).await?;
    let upn = {
        let domain = tenant.initial_domain.clone();
        Arc::new(move |i: usize| format!("bench.user{i}@{domain}"))
    };
    let ids: Arc<Vec<UserId>> = Arc::new((0..users).map(|_| UserId::random()).collect());

    let create = {
        let (store, ctx, upn, ids) = (store.clone(), ctx.clone(), upn.clone(), ids.clone());
        let tenant_id = tenant.id;
        phase(users, concurrency, move |i| {
            let (store, ctx) = (store.clone(), ctx.clone());
            let upn = upn(i);
            let id = ids.get(i).copied().unwrap_or_else(UserId::random);
            async move {
                let now = OffsetDateTime::now_utc();
                let user = User {
                    id,
                    tenant_id,
                    upn: upn.clone(),
                    display_name: format!("Bench User {i}"),
                    enabled: true,
                    password_hash: Some(PASSWORD_HASH.to_string()),
                    password_changed_at: Some(now),
                    roles: BTreeSet::new(),
                    created_at: now,
                    version: 1,
                };
                let audit = ctx.event(
                    now,
                    Some(tenant_id),
                    "user.create",
                    format!("user:{}", user.id),
                    json!({ "upn": upn }),
                );
                store.create_user(&user, &audit).await.is_ok()
            }
        })
        .await?
    };

    let lookup = {
        let store = store.clone();
        phase(users, concurrency, move |i| {
            let store = store.clone();
            // Spread lookups over the users and vary the case, as sign-ins do.
            let upn = upn(i.wrapping_mul(7919) % users.max(1)).to_uppercase();
            async move { matches!(store.user_by_upn(&upn).await, Ok(Some(_))) }
        })
        .await?
    };

    let register = {
        let (store, ctx) = (store.clone(), ctx.clone());
        let tenant_id = tenant.id;
        phase(users, concurrency, move |i| {
            let (store, ctx) = (store.clone(), ctx.clone());
            let owner = ids.get(i).copied();
            async move { register_one(&*store, &ctx, tenant_id, owner).await.is_ok() }
        })
        .await?
    };

    Ok(BenchReport {
        backend: store.backend(),
        users,
        concurrency,
        create_user: create,
        user_by_upn: lookup,
        register_device: register,
    })
}

/// Registers one device of `owner` shaped like a DRS join's: a 1.2 kB certificate, two
/// RSA-2048 public keys.
async fn register_one(
    store: &dyn Store,
    ctx: &ActionContext,
    tenant_id: TenantId,
    owner: Option<UserId>,
) -> StoreResult<RegistrationOutcome> {
    let now = OffsetDateTime::now_utc();
    let fingerprint = uuid::Uuid::new_v4().simple().to_string();
    let device = Device {
        object_id: DeviceObjectId::random(),
        device_id: DeviceId::random(),
        tenant_id,
        display_name: "BENCH-PC".into(),
        trust_type: TrustType::AzureAd,
        operating_system: "Windows".into(),
        operating_system_version: "10.0.26100.2314".into(),
        owner_user_id: owner,
        registered_at: now,
        approximate_last_sign_in: None,
        enabled: true,
        cert_thumbprint: format!("{fingerprint}{}", &fingerprint[..8]).to_uppercase(),
        cert_der: incompressible(1200),
        cert_public_key_spki: incompressible(294),
        transport_key_spki: incompressible(294),
        registration_fingerprint: Some(fingerprint),
        mdm: MdmState::default(),
        version: 1,
    };
    let audit = ctx.event(
        now,
        Some(tenant_id),
        "device.join",
        format!("device:{}", device.object_id),
        json!({ "deviceId": device.device_id }),
    );
    let registration = DeviceRegistration {
        device: &device,
        quota: 50,
        replaces_version: None,
    };
    match store.register_device(&registration, &audit).await? {
        RegistrationOutcome::Created => Ok(RegistrationOutcome::Created),
        other => Err(StoreError::Backend(format!(
            "registration refused: {other:?}"
        ))),
    }
}

/// `len` random bytes: certificates and keys do not compress, and the database must not
/// be flattered by ones that do.
fn incompressible(len: usize) -> Vec<u8> {
    std::iter::repeat_with(|| uuid::Uuid::new_v4().into_bytes())
        .flatten()
        .take(len)
        .collect()
}

/// Runs `op(0..count)` from `concurrency` tasks; `op` says whether it succeeded.
async fn phase<F, Fut>(count: usize, concurrency: usize, op: F) -> StoreResult<Throughput>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..concurrency {
        let (op, next) = (op.clone(), next.clone());
        workers.spawn(async move {
            let mut samples = Vec::new();
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let t0 = Instant::now();
                let ok = op(i).await;
                samples.push(t0.elapsed());
                if !ok {
                    errors += 1;
                }
            }
            (samples, errors)
        });
    }
    let mut samples = Vec::with_capacity(count);
    let mut errors = 0;
    while let Some(joined) = workers.join_next().await {
        let (worker_samples, worker_errors) =
            joined.map_err(|e| StoreError::Backend(format!("benchmark worker failed: {e}")))?;
        samples.extend(worker_samples);
        errors += worker_errors;
    }
    Ok(Throughput::from_samples(samples, errors, started.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 50), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 99), Duration::from_millis(99));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
        assert_eq!(
            percentile(&[Duration::from_millis(3)], 95),
            Duration::from_millis(3)
        );
    }

    #[test]
    fn reports_print_a_table() {
        let t = Throughput::from_samples(
            vec![Duration::from_millis(2); 10],
            0,
            Duration::from_secs(1),
        );
        let report = BenchReport {
            backend: "sqlite",
            users: 10,
            concurrency: 2,
            create_user: t.clone(),
            user_by_upn: t.clone(),
            register_device: t,
        };
        let text = report.to_string();
        assert!(text.contains("create_user"), "{text}");
        assert!(text.contains("register_device"), "{text}");
        assert!(text.contains("user_by_upn"), "{text}");
        assert!(text.contains("10.0"), "{text}");
    }
}
