//! Crypto ceilings: how fast this machine does the work a grant cannot avoid, measured
//! with every core busy, so server figures can be read as a fraction of it.

use std::time::{Duration, Instant};

use cerulean_crypto::{PasswordHasher, PasswordParams, RsaPrivateKey, SecretString};

/// Operations per second of `op` run on `threads` OS threads for `duration`.
fn on_all_cores<F>(threads: usize, duration: Duration, op: F) -> f64
where
    F: Fn() -> bool + Send + Sync + Clone + 'static,
{
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let op = op.clone();
            std::thread::spawn(move || {
                let mut n = 0u64;
                while start.elapsed() < duration {
                    if op() {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    let total: u64 = handles.into_iter().filter_map(|h| h.join().ok()).sum();
    total as f64 / start.elapsed().as_secs_f64()
}

pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// argon2id verifications per second with the given parameters, on every core.
pub fn argon2_verify_per_second(params: PasswordParams, duration: Duration) -> anyhow::Result<f64> {
    let hasher = PasswordHasher::new(params)?;
    let password = SecretString::new("benchmark password 1".to_string());
    let hash = hasher.hash(&password)?;
    Ok(on_all_cores(cores(), duration, move || {
        hasher.verify(&password, &hash).unwrap_or(false)
    }))
}

/// RS256 (RSA-2048, PKCS#1 v1.5, SHA-256) signatures per second, on every core.
pub fn rs256_sign_per_second(duration: Duration) -> anyhow::Result<f64> {
    let key = RsaPrivateKey::generate(2048)?;
    let message = [7u8; 512];
    Ok(on_all_cores(cores(), duration, move || {
        key.sign_rs256(&message).is_ok()
    }))
}
