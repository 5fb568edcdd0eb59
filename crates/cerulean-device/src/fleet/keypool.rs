//! A pool of pre-generated RSA-2048 keys for simulated devices.
//!
//! Generating an RSA-2048 key costs a real device tens of milliseconds of one core, more
//! than everything else it does during setup; a thousand simulated devices on the same
//! two cores as the server would mostly measure key generation. So the simulator makes its
//! keys before the run (or loads them from an on-disk cache) and hands each one out at most
//! once: the server still sees a distinct device key and transport key for every device.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use cerulean_crypto::RsaPrivateKey;
use indicatif::ProgressBar;

use crate::error::{DeviceError, Result};
use crate::fsutil;
use crate::keystore::KeySource;

/// Where the pool's keys came from, for the run's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct PoolOrigin {
    /// Keys generated for this run.
    pub generated: usize,
    /// Keys read from the cache directory.
    pub from_cache: usize,
}

/// Keys to hand out, each once.
#[derive(Debug)]
pub struct KeyPool {
    keys: Mutex<Vec<RsaPrivateKey>>,
    origin: PoolOrigin,
    cache: Option<PathBuf>,
}

impl KeyPool {
    /// A pool of exactly these keys.
    pub fn from_keys(keys: Vec<RsaPrivateKey>) -> Self {
        Self {
            origin: PoolOrigin {
                generated: keys.len(),
                from_cache: 0,
            },
            keys: Mutex::new(keys),
            cache: None,
        }
    }

    /// `count` freshly generated keys, made on every core; `bar` advances per key.
    pub fn generate(count: usize, bar: &ProgressBar) -> Result<Self> {
        Ok(Self::from_keys(generate_keys(count, bar)?))
    }

    /// `count` keys from the cache directory `dir` (owner-only), generating and saving
    /// whichever are missing, so a second run skips generation. The order is shuffled on
    /// every run: a re-run against the same server then never repeats a (device key,
    /// transport key) pair, which the DRS would take for a retry of the earlier join.
    pub fn with_cache(dir: &Path, count: usize, bar: &ProgressBar) -> Result<Self> {
        fsutil::ensure_private_dir(dir)?;
        let mut keys = load_cached(dir, count)?;
        let from_cache = keys.len();
        bar.inc(from_cache as u64);
        let fresh = generate_keys(count - from_cache, bar)?;
        for key in &fresh {
            let pem = key.to_pkcs8_pem()?;
            let name = format!("key-{:016x}.pem", u64::from_le_bytes(random_8()?));
            fsutil::write_private(&dir.join(name), pem.expose().as_bytes())?;
        }
        let generated = fresh.len();
        keys.extend(fresh);
        shuffle(&mut keys)?;
        Ok(Self {
            keys: Mutex::new(keys),
            origin: PoolOrigin {
                generated,
                from_cache,
            },
            cache: Some(dir.to_path_buf()),
        })
    }

    /// The next key; it is removed from the pool, so no other caller can get it.
    pub fn take(&self) -> Result<RsaPrivateKey> {
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        keys.pop().ok_or_else(|| {
            DeviceError::Input(
                "the fleet's key pool ran out (each key is used once; the pool holds two \
                 keys per device)"
                    .into(),
            )
        })
    }

    /// Keys not handed out yet.
    pub fn remaining(&self) -> usize {
        self.keys.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn origin(&self) -> PoolOrigin {
        self.origin
    }

    /// The cache directory, if the pool has one.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache.as_deref()
    }
}

/// A device's view of the pool: its [`KeySource`].
#[derive(Debug, Clone)]
pub struct PooledKeys(pub Arc<KeyPool>);

impl KeySource for PooledKeys {
    fn new_key(&mut self) -> Result<RsaPrivateKey> {
        self.0.take()
    }
}

/// Generates `count` keys on as many threads as there are cores.
fn generate_keys(count: usize, bar: &ProgressBar) -> Result<Vec<RsaPrivateKey>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count);
    let results: Vec<Result<Vec<RsaPrivateKey>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                // Thread t makes every threads-th key, so the shares differ by at most one.
                let share = (count + threads - 1 - t) / threads;
                scope.spawn(move || {
                    (0..share)
                        .map(|_| {
                            let key = RsaPrivateKey::generate(2048)?;
                            bar.inc(1);
                            Ok(key)
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(DeviceError::Input("a key generation thread failed".into()))
                })
            })
            .collect()
    });
    let mut keys = Vec::with_capacity(count);
    for part in results {
        keys.extend(part?);
    }
    Ok(keys)
}

/// Up to `count` keys from `dir/*.pem`. A file that is not a key is an error rather than
/// skipped: the directory is ours, and something else writing into it deserves a look.
fn load_cached(dir: &Path, count: usize) -> Result<Vec<RsaPrivateKey>> {
    let entries = std::fs::read_dir(dir).map_err(|e| DeviceError::state(dir, e))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pem"))
        .collect();
    paths.sort();
    paths.truncate(count);
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|e| DeviceError::state(path, e))?;
            RsaPrivateKey::from_pkcs8_pem(&text)
                .map_err(|e| DeviceError::state(path, format!("not a usable key: {e}")))
        })
        .collect()
}

fn random_8() -> Result<[u8; 8]> {
    Ok(cerulean_crypto::random_bytes::<8>()?)
}

/// Fisher–Yates with the system's random numbers.
fn shuffle<T>(items: &mut [T]) -> Result<()> {
    for i in (1..items.len()).rev() {
        let r = u64::from_le_bytes(random_8()?);
        let j = usize::try_from(r % (i as u64 + 1)).unwrap_or(0);
        items.swap(i, j);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn spki(key: &RsaPrivateKey) -> Vec<u8> {
        key.public_key().spki_der().to_vec()
    }

    #[test]
    fn the_pool_never_hands_out_a_key_twice() {
        let pool = Arc::new(KeyPool::generate(12, &ProgressBar::hidden()).unwrap());
        // Six devices on four threads, each drawing its two keys through its own source.
        let drawn: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let mut source = PooledKeys(pool.clone());
                    scope.spawn(move || {
                        let mut mine = Vec::new();
                        while let Ok(key) = source.new_key() {
                            mine.push(spki(&key));
                        }
                        mine
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        assert_eq!(drawn.len(), 12, "every key handed out");
        let distinct: HashSet<_> = drawn.iter().collect();
        assert_eq!(distinct.len(), 12, "no key handed out twice");
        assert_eq!(pool.remaining(), 0);
        assert!(pool.take().is_err(), "an empty pool says so");
    }

    #[test]
    fn the_cache_is_owner_only_and_spares_a_second_run_the_generation() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("pool");
        let first = KeyPool::with_cache(&cache, 4, &ProgressBar::hidden()).unwrap();
        assert_eq!(
            first.origin(),
            PoolOrigin {
                generated: 4,
                from_cache: 0
            }
        );
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&cache), 0o700);
        for entry in std::fs::read_dir(&cache).unwrap() {
            assert_eq!(mode(&entry.unwrap().path()), 0o600);
        }
        let mut first_keys: Vec<_> = (0..4).map(|_| spki(&first.take().unwrap())).collect();

        // A bigger second run reuses the four and makes only the two it lacks.
        let second = KeyPool::with_cache(&cache, 6, &ProgressBar::hidden()).unwrap();
        assert_eq!(
            second.origin(),
            PoolOrigin {
                generated: 2,
                from_cache: 4
            }
        );
        let second_keys: Vec<_> = (0..6).map(|_| spki(&second.take().unwrap())).collect();
        assert!(second.take().is_err());
        let distinct: HashSet<_> = second_keys.iter().collect();
        assert_eq!(distinct.len(), 6, "each key at most once per run");
        first_keys.retain(|k| !second_keys.contains(k));
        assert!(first_keys.is_empty(), "the cached keys were reused");
    }

    #[test]
    fn a_foreign_file_in_the_cache_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("junk.pem"), "not a key").unwrap();
        let e = KeyPool::with_cache(dir.path(), 2, &ProgressBar::hidden()).unwrap_err();
        assert!(matches!(e, DeviceError::State { .. }), "{e:?}");
    }
}
