//! The directory's rules. HTTP handlers and the admin CLI call these; they never write to
//! the store themselves. Each operation validates its input, checks the rules, and writes
//! the change together with its audit event.

mod applications;
mod device_policy;
mod device_refusal;
mod device_registration;
mod devices;
mod groups;
mod hash_workers;
mod hello_keys;
mod passwords;
mod signin;
mod tenants;
mod users;

use std::sync::Arc;

use cerulean_crypto::{PasswordHasher, PasswordParams};

use crate::authority::LockoutPolicy;
use crate::clock::Clock;
use crate::error::DirectoryResult;
use crate::store::Store;
use hash_workers::HashWorkers;

pub use applications::{NewApplication, NewClientSecret};
pub use device_refusal::DeviceRefusal;
pub use device_registration::{
    CertificateToIssue, RegisterDevice, RegisteredDevice, RegistrationKind,
};
pub use devices::{DeviceUpdate, SIGN_IN_GRANULARITY};
pub use hello_keys::NewHelloKey;
pub use passwords::PasswordPolicy;
pub use signin::{SignInFailure, SignedIn};
pub use users::NewUser;

/// The directory service: the store plus the rules.
#[derive(Debug, Clone)]
pub struct Directory {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    hasher: PasswordHasher,
    password_policy: PasswordPolicy,
    lockout_policy: LockoutPolicy,
    /// argon2id work, one thread per core (see [`hash_workers`]).
    hash_workers: HashWorkers,
}

impl Directory {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        params: PasswordParams,
    ) -> DirectoryResult<Self> {
        let hasher = PasswordHasher::new(params)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Self {
            store,
            clock,
            hash_workers: HashWorkers::start(&hasher, cores)?,
            hasher,
            password_policy: PasswordPolicy::default(),
            lockout_policy: LockoutPolicy::default(),
        })
    }

    /// Replaces the lockout policy (tests and operators with stricter needs).
    pub fn with_lockout_policy(mut self, policy: LockoutPolicy) -> Self {
        self.lockout_policy = policy;
        self
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Now, truncated to the whole microsecond the stores keep, so a value returned from a
    /// write equals the value read back later.
    pub(crate) fn now_micros(&self) -> time::OffsetDateTime {
        let now = self.clock.now();
        now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
            .unwrap_or(now)
    }

    /// The argon2id hasher (shared with sign-in, which verifies with the same parameters).
    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }
}
