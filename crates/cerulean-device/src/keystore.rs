//! The device's two keys: the **device key** (its public half goes into the CSR; it signs
//! device-signed JWTs and authenticates the device in TLS) and the **transport key** (the
//! server wraps the PRT session key to it). Both RSA-2048, generated on the device, kept
//! as PKCS#8 PEM in owner-only files of the state directory.
//!
//! [`KeyProtection`] names where keys live so that a TPM-backed store can be added without
//! changing callers: today every key is a software key, which `status` reports honestly
//! (`TpmProtected: NO`, as `dsregcmd` says on a machine without a TPM).

use std::path::{Path, PathBuf};

use cerulean_crypto::RsaPrivateKey;

use crate::error::{DeviceError, Result};
use crate::fsutil;

/// Where the private keys are protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProtection {
    /// PKCS#8 files readable by the owner only.
    Software,
}

impl KeyProtection {
    /// `dsregcmd`'s `KeyProvider` line.
    pub fn provider_name(self) -> &'static str {
        match self {
            Self::Software => "Cerulean Software Key Storage Provider",
        }
    }
}

/// Where new keys come from.
pub trait KeySource: Send + Sync {
    /// A fresh RSA-2048 key pair, never handed out before.
    fn new_key(&mut self) -> Result<RsaPrivateKey>;
}

/// Generates every key on demand (the real device).
#[derive(Debug, Default)]
pub struct GenerateKeys;

impl KeySource for GenerateKeys {
    fn new_key(&mut self) -> Result<RsaPrivateKey> {
        Ok(RsaPrivateKey::generate(2048)?)
    }
}

/// The device's keys, loaded.
#[derive(Debug)]
pub struct DeviceKeys {
    pub device: RsaPrivateKey,
    pub transport: RsaPrivateKey,
    pub protection: KeyProtection,
}

const DEVICE_KEY_FILE: &str = "device-key.pem";
const TRANSPORT_KEY_FILE: &str = "transport-key.pem";

/// The key files of one state directory.
#[derive(Debug, Clone)]
pub struct KeyStore {
    dir: PathBuf,
}

impl KeyStore {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    /// Loads both keys, creating whichever is missing. Keys that exist are always reused,
    /// so a restart after a crash never leaves a key nobody uses.
    pub fn load_or_create(&self, source: &mut dyn KeySource) -> Result<DeviceKeys> {
        fsutil::ensure_private_dir(&self.dir)?;
        let device = self.load_or_create_one(DEVICE_KEY_FILE, source)?;
        let transport = self.load_or_create_one(TRANSPORT_KEY_FILE, source)?;
        Ok(DeviceKeys {
            device,
            transport,
            protection: KeyProtection::Software,
        })
    }

    /// Loads both keys; `None` if either is missing.
    pub fn load(&self) -> Result<Option<DeviceKeys>> {
        let (Some(device), Some(transport)) = (
            self.load_one(DEVICE_KEY_FILE)?,
            self.load_one(TRANSPORT_KEY_FILE)?,
        ) else {
            return Ok(None);
        };
        Ok(Some(DeviceKeys {
            device,
            transport,
            protection: KeyProtection::Software,
        }))
    }

    /// Deletes both keys (leave, re-join).
    pub fn destroy(&self) -> Result<()> {
        fsutil::remove_if_exists(&self.dir.join(DEVICE_KEY_FILE))?;
        fsutil::remove_if_exists(&self.dir.join(TRANSPORT_KEY_FILE))
    }

    fn load_or_create_one(&self, name: &str, source: &mut dyn KeySource) -> Result<RsaPrivateKey> {
        if let Some(key) = self.load_one(name)? {
            return Ok(key);
        }
        let key = source.new_key()?;
        let pem = key.to_pkcs8_pem()?;
        fsutil::write_private(&self.dir.join(name), pem.expose().as_bytes())?;
        Ok(key)
    }

    fn load_one(&self, name: &str) -> Result<Option<RsaPrivateKey>> {
        let path = self.dir.join(name);
        let Some(bytes) = fsutil::read_optional(&path)? else {
            return Ok(None);
        };
        let text = String::from_utf8(bytes).map_err(|_| DeviceError::state(&path, "not PEM"))?;
        let key = RsaPrivateKey::from_pkcs8_pem(&text)
            .map_err(|e| DeviceError::state(&path, format!("not a usable key: {e}")))?;
        Ok(Some(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting(usize);
    impl KeySource for Counting {
        fn new_key(&mut self) -> Result<RsaPrivateKey> {
            self.0 += 1;
            GenerateKeys.new_key()
        }
    }

    #[test]
    fn keys_are_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::new(&dir.path().join("s"));
        let mut source = Counting(0);
        let first = store.load_or_create(&mut source).unwrap();
        let second = store.load_or_create(&mut source).unwrap();
        assert_eq!(source.0, 2, "one device key and one transport key");
        assert_eq!(
            first.device.public_key().spki_der(),
            second.device.public_key().spki_der()
        );
        assert_ne!(
            first.device.public_key().spki_der(),
            first.transport.public_key().spki_der()
        );
    }

    #[test]
    fn a_missing_transport_key_is_made_without_replacing_the_device_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = KeyStore::new(dir.path());
        let first = store.load_or_create(&mut GenerateKeys).unwrap();
        std::fs::remove_file(dir.path().join(TRANSPORT_KEY_FILE)).unwrap();
        let mut source = Counting(0);
        let second = store.load_or_create(&mut source).unwrap();
        assert_eq!(source.0, 1);
        assert_eq!(
            first.device.public_key().spki_der(),
            second.device.public_key().spki_der()
        );
    }

    #[test]
    fn a_corrupt_key_file_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DEVICE_KEY_FILE), "garbage").unwrap();
        let e = KeyStore::new(dir.path())
            .load_or_create(&mut GenerateKeys)
            .unwrap_err();
        assert!(matches!(e, DeviceError::State { .. }), "{e:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(DEVICE_KEY_FILE)).unwrap(),
            "garbage"
        );
    }
}
