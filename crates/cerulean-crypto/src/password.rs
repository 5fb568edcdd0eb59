//! Password hashing with Argon2id (RFC 9106), stored as PHC strings.
//!
//! The PHC string carries its own parameters, so old hashes keep verifying after the
//! defaults change; `needs_rehash` tells the caller when to upgrade a hash after a
//! successful sign-in.

use std::fmt;
use std::sync::{Arc, Mutex};

use argon2::password_hash::SaltString;
use argon2::{
    ARGON2ID_IDENT, Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher as _, Version,
};
use serde::{Deserialize, Serialize};

use crate::error::{CryptoError, Result};
use crate::random::{random_bytes, random_token};
use crate::secret::{SecretString, constant_time_eq};

/// Upper bounds on the cost a *stored* hash may ask for. A stored hash is data: a corrupt
/// or hostile row must not be able to make one sign-in allocate gigabytes or spin for
/// minutes.
const MAX_STORED_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_STORED_ITERATIONS: u32 = 64;
const MAX_STORED_PARALLELISM: u32 = 64;

/// Argon2 output length in bytes (the argon2 crate's and OWASP's default).
const OUTPUT_LEN: usize = 32;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordParams {
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Number of passes over memory.
    pub iterations: u32,
    /// Degree of parallelism (lanes).
    pub parallelism: u32,
}

impl Default for PasswordParams {
    /// OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1.
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Hashes and verifies passwords. Cloning is cheap (the dummy hash is shared).
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    params: PasswordParams,
    /// A hash of a random password with the current parameters, verified against when the
    /// user does not exist so that "no such user" costs the same as "wrong password".
    dummy_phc: Arc<str>,
    /// Reused argon2 working memory (see [`MemoryPool`]).
    pool: Arc<MemoryPool>,
}

/// Argon2's working memory (19 MiB per verification with the default parameters), kept
/// for reuse. Allocating and freeing it per sign-in made glibc keep freed buffers resident
/// in per-thread arenas, so a busy server grew to hundreds of MB; a small pool bounds it
/// to `kept × memory` (the caller bounds concurrency to the core count).
struct MemoryPool {
    buffers: Mutex<Vec<Vec<Block>>>,
    kept: usize,
}

impl MemoryPool {
    fn new(kept: usize) -> Self {
        Self {
            buffers: Mutex::new(Vec::new()),
            kept,
        }
    }

    fn take(&self, blocks: usize) -> Vec<Block> {
        let reused = self.buffers.lock().ok().and_then(|mut b| b.pop());
        let mut buffer = reused.unwrap_or_default();
        if buffer.len() < blocks {
            buffer.resize(blocks, Block::default());
        }
        buffer
    }

    fn give(&self, buffer: Vec<Block>) {
        if let Ok(mut buffers) = self.buffers.lock() {
            if buffers.len() < self.kept {
                buffers.push(buffer);
            }
        }
    }
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// Validates `params` and prepares the dummy hash (costs one hash).
    pub fn new(params: PasswordParams) -> Result<Self> {
        let argon_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            Some(OUTPUT_LEN),
        )
        .map_err(|e| CryptoError::PasswordParams(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
        let kept = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
        let mut hasher = Self {
            argon2,
            params,
            dummy_phc: Arc::from(""),
            pool: Arc::new(MemoryPool::new(kept)),
        };
        let dummy_password = SecretString::new(random_token(16)?);
        hasher.dummy_phc = Arc::from(hasher.hash(&dummy_password)?);
        Ok(hasher)
    }

    /// The parameters new hashes are made with.
    pub fn params(&self) -> PasswordParams {
        self.params
    }

    /// Hashes `password` with a fresh 16-byte salt; returns `$argon2id$v=19$m=…,t=…,p=…$salt$hash`.
    pub fn hash(&self, password: &SecretString) -> Result<String> {
        let salt = SaltString::encode_b64(&random_bytes::<16>()?)
            .map_err(|e| CryptoError::PasswordHashing(e.to_string()))?;
        let phc = self
            .argon2
            .hash_password(password.expose().as_bytes(), &salt)
            .map_err(|e| CryptoError::PasswordHashing(e.to_string()))?;
        Ok(phc.to_string())
    }

    /// Checks `password` against a stored PHC string using the parameters in that string.
    ///
    /// `Ok(false)` means the password is wrong; `Err` means the stored hash is unusable.
    pub fn verify(&self, password: &SecretString, phc: &str) -> Result<bool> {
        let malformed = |e: &dyn fmt::Display| CryptoError::MalformedPasswordHash(e.to_string());
        let parsed = parse_phc(phc)?;
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|e| malformed(&e))?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).map_err(|e| malformed(&e))?,
            None => Version::V0x13,
        };
        let params = Params::try_from(&parsed).map_err(|e| malformed(&e))?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(malformed(&"missing salt or hash"));
        };
        let mut salt_buf = [0u8; 64];
        let salt = salt.decode_b64(&mut salt_buf).map_err(|e| malformed(&e))?;
        let blocks = params.block_count();
        let argon2 = Argon2::new(algorithm, version, params);
        let mut computed = vec![0u8; expected.len()];
        let mut memory = self.pool.take(blocks);
        let outcome = argon2.hash_password_into_with_memory(
            password.expose().as_bytes(),
            salt,
            &mut computed,
            &mut memory[..blocks],
        );
        self.pool.give(memory);
        outcome.map_err(|e| malformed(&e))?;
        Ok(constant_time_eq(&computed, expected.as_bytes()))
    }

    /// Whether a stored hash should be replaced by `hash()` of the same password (after
    /// it verified): different algorithm, version, parameters or output length. A hash
    /// that cannot be parsed also needs replacing.
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return true;
        };
        if parsed.algorithm != ARGON2ID_IDENT || parsed.version != Some(Version::V0x13.into()) {
            return true;
        }
        let Ok(stored) = Params::try_from(&parsed) else {
            return true;
        };
        stored.m_cost() != self.params.memory_kib
            || stored.t_cost() != self.params.iterations
            || stored.p_cost() != self.params.parallelism
            || stored.output_len() != Some(OUTPUT_LEN)
    }

    /// Spends the time of one real `verify` and discards the result. Call it when the
    /// user name is unknown so response timing does not reveal which accounts exist.
    pub fn verify_dummy(&self, password: &SecretString) {
        let outcome = self.verify(password, &self.dummy_phc);
        std::hint::black_box(outcome.is_ok());
    }
}

/// Parses a PHC string and refuses anything that is not Argon2 or asks for excessive cost.
fn parse_phc(phc: &str) -> Result<PasswordHash<'_>> {
    let malformed = |why: &str| CryptoError::MalformedPasswordHash(why.to_owned());
    let parsed = PasswordHash::new(phc).map_err(|e| malformed(&e.to_string()))?;
    Algorithm::try_from(parsed.algorithm).map_err(|_| malformed("not an argon2 hash"))?;
    if parsed.salt.is_none() || parsed.hash.is_none() {
        return Err(malformed("missing salt or hash"));
    }
    let params = Params::try_from(&parsed).map_err(|e| malformed(&e.to_string()))?;
    if params.m_cost() > MAX_STORED_MEMORY_KIB
        || params.t_cost() > MAX_STORED_ITERATIONS
        || params.p_cost() > MAX_STORED_PARALLELISM
    {
        return Err(malformed("cost parameters exceed the allowed maximum"));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small parameters keep the suite fast; the code paths are the same.
    fn fast() -> PasswordParams {
        PasswordParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    fn pw(s: &str) -> SecretString {
        SecretString::from(s)
    }

    #[test]
    fn round_trip_and_wrong_password() -> Result<()> {
        let h = PasswordHasher::new(fast())?;
        let phc = h.hash(&pw("correct horse"))?;
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{phc}");
        assert!(h.verify(&pw("correct horse"), &phc)?);
        assert!(!h.verify(&pw("correct horsf"), &phc)?);
        assert!(!h.verify(&pw(""), &phc)?);
        Ok(())
    }

    #[test]
    fn default_params_are_owasp() -> Result<()> {
        let h = PasswordHasher::new(PasswordParams::default())?;
        let phc = h.hash(&pw("pw"))?;
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(h.verify(&pw("pw"), &phc)?);
        Ok(())
    }

    #[test]
    fn salts_are_fresh() -> Result<()> {
        let h = PasswordHasher::new(fast())?;
        assert_ne!(h.hash(&pw("same"))?, h.hash(&pw("same"))?);
        Ok(())
    }

    #[test]
    fn malformed_phc_is_an_error() -> Result<()> {
        let h = PasswordHasher::new(fast())?;
        for bad in [
            "",
            "plaintext",
            "$argon2id$v=19$m=1024,t=1,p=1$",
            "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ",
            "$scrypt$ln=15,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
            "$argon2id$v=19$m=1024,t=1,p=1,zz=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        ] {
            assert!(h.verify(&pw("x"), bad).is_err(), "{bad:?} accepted");
        }
        Ok(())
    }

    #[test]
    fn needs_rehash_tracks_parameters() -> Result<()> {
        let fast_hasher = PasswordHasher::new(fast())?;
        let stronger = PasswordHasher::new(PasswordParams {
            iterations: 2,
            ..fast()
        })?;
        let phc = fast_hasher.hash(&pw("pw"))?;
        assert!(!fast_hasher.needs_rehash(&phc));
        assert!(stronger.needs_rehash(&phc));
        // The older hash still verifies under the new hasher: parameters come from the PHC.
        assert!(stronger.verify(&pw("pw"), &phc)?);
        assert!(stronger.needs_rehash("garbage"));
        Ok(())
    }

    #[test]
    fn invalid_params_rejected() {
        let zero = PasswordParams {
            iterations: 0,
            ..fast()
        };
        assert!(matches!(
            PasswordHasher::new(zero),
            Err(CryptoError::PasswordParams(_))
        ));
    }

    #[test]
    fn dummy_verify_runs_and_debug_hides_hash() -> Result<()> {
        let h = PasswordHasher::new(fast())?;
        h.verify_dummy(&pw("anything"));
        let dbg = format!("{h:?}");
        assert!(!dbg.contains("argon2id$"), "{dbg}");
        Ok(())
    }
}
