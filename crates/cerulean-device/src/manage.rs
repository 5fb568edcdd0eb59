//! What a joined device does after setup: ask the server whether it is still in good
//! standing, renew its PRT, and leave the organization.

use std::path::Path;

use crate::error::{DeviceError, Result};
use crate::http::{Http, Trust};
use crate::keystore::{DeviceKeys, KeyStore};
use crate::state::{DeviceState, PrtRecord, ServerVerdict, StateDir};
use crate::wire::prt::{DeviceCredential, device_token, renew_prt};
use crate::wire::{drs, prt};

/// A joined device's files, loaded.
pub struct Joined {
    pub dir: StateDir,
    pub state: DeviceState,
    pub keys: DeviceKeys,
    pub certificate_der: Vec<u8>,
}

impl std::fmt::Debug for Joined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Joined")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Joined {
    /// Loads the state of a device that has its certificate; [`DeviceError::NotJoined`]
    /// otherwise.
    pub fn load(state_dir: &Path) -> Result<Self> {
        let dir = StateDir::open(state_dir)?;
        let state = dir.load()?.ok_or(DeviceError::NotJoined)?;
        let registration = state.registration.as_ref().ok_or(DeviceError::NotJoined)?;
        let certificate_der =
            cerulean_crypto::certificate_der_from_pem(&registration.certificate_pem)?;
        let keys = KeyStore::new(state_dir)
            .load()?
            .ok_or_else(|| DeviceError::state(state_dir, "the device keys are missing"))?;
        Ok(Self {
            dir,
            state,
            keys,
            certificate_der,
        })
    }

    fn credential(&self) -> DeviceCredential<'_> {
        DeviceCredential {
            device_key: &self.keys.device,
            certificate_der: &self.certificate_der,
        }
    }

    fn tenant_id(&self) -> &str {
        self.state
            .registration
            .as_ref()
            .map_or("organizations", |r| r.tenant_id.as_str())
    }

    /// Records what the server said about the device.
    fn remember(&mut self, verdict: ServerVerdict) -> Result<()> {
        self.state.verdict = Some(verdict);
        self.dir.save(&self.state)
    }

    /// The PEM the TLS layer presents to the DRS: certificate, then key.
    fn tls_identity_pem(&self) -> Result<Vec<u8>> {
        let registration = self
            .state
            .registration
            .as_ref()
            .ok_or(DeviceError::NotJoined)?;
        let key = self.keys.device.to_pkcs8_pem()?;
        let mut pem = registration.certificate_pem.clone().into_bytes();
        pem.push(b'\n');
        pem.extend_from_slice(key.expose().as_bytes());
        Ok(pem)
    }
}

/// The server's view of the device, as far as the device can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The device authenticated: it exists and is enabled.
    Good,
    Disabled,
    Deleted,
}

/// Asks the authority for a device-only token: it is issued only to an enabled device.
/// A disabled or deleted verdict is saved, so that setup refuses to run silently again.
pub async fn check(state_dir: &Path, trust: &Trust) -> Result<Standing> {
    let mut joined = Joined::load(state_dir)?;
    let http = Http::new(trust, None)?;
    let authority = joined.state.services.authority.clone();
    let result = device_token(&http, &authority, joined.tenant_id(), &joined.credential()).await;
    match result {
        Ok(_) => Ok(Standing::Good),
        Err(DeviceError::DeviceDisabled) => {
            joined.remember(ServerVerdict::Disabled)?;
            Ok(Standing::Disabled)
        }
        Err(DeviceError::DeviceDeleted) => {
            joined.remember(ServerVerdict::Deleted)?;
            Ok(Standing::Deleted)
        }
        Err(other) => Err(other),
    }
}

/// Renews the PRT (the session key stays). A disabled or deleted device is told so.
pub async fn renew(state_dir: &Path, trust: &Trust) -> Result<PrtRecord> {
    let mut joined = Joined::load(state_dir)?;
    let mut record = joined
        .dir
        .load_prt()?
        .ok_or_else(|| DeviceError::Input("this device has no PRT yet: sign in first".into()))?;
    let http = Http::new(trust, None)?;
    let session_key = record.session_key()?;
    let renewed = renew_prt(
        &http,
        &record.authority,
        &record.tenant_id,
        &record.prt,
        &session_key,
    )
    .await
    .map_err(prt::device_verdict);
    // Disabling a device revokes its PRTs, so a renewal may only hear "revoked"; the
    // device credential then tells whether the device itself is still in good standing.
    let renewed = match renewed {
        Err(DeviceError::SignInRefused {
            error,
            codes,
            description,
        }) if error == "invalid_grant" => {
            let verdict = device_token(
                &http,
                &record.authority,
                &record.tenant_id,
                &joined.credential(),
            )
            .await;
            match verdict {
                Err(e @ (DeviceError::DeviceDisabled | DeviceError::DeviceDeleted)) => Err(e),
                _ => Err(DeviceError::SignInRefused {
                    error,
                    codes,
                    description,
                }),
            }
        }
        other => other,
    };
    let (new_prt, expires_in) = match renewed {
        Ok(ok) => ok,
        Err(DeviceError::DeviceDisabled) => {
            joined.remember(ServerVerdict::Disabled)?;
            return Err(DeviceError::DeviceDisabled);
        }
        Err(DeviceError::DeviceDeleted) => {
            joined.remember(ServerVerdict::Deleted)?;
            return Err(DeviceError::DeviceDeleted);
        }
        Err(other) => return Err(other),
    };
    let now = time::OffsetDateTime::now_utc();
    record.prt = new_prt;
    record.updated_at = now;
    record.expires_at = now + time::Duration::seconds(i64::try_from(expires_in).unwrap_or(0));
    joined.dir.save_prt(&record)?;
    Ok(record)
}

/// How `leave` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Left {
    /// The server deleted the device object.
    Deleted,
    /// The server no longer knew the device; only local state was cleared.
    AlreadyGone,
    /// Only local state was cleared, as asked (`--local`).
    LocalOnly,
}

/// Unjoins: deletes the device object at the DRS (authenticated by the device
/// certificate), then the local keys and state. With `local_only`, skips the server.
pub async fn leave(state_dir: &Path, trust: &Trust, local_only: bool) -> Result<Left> {
    if local_only {
        forget(state_dir)?;
        return Ok(Left::LocalOnly);
    }
    let joined = Joined::load(state_dir)?;
    let registration = joined
        .state
        .registration
        .as_ref()
        .ok_or(DeviceError::NotJoined)?;
    let identity = joined.tls_identity_pem()?;
    let http = Http::new(trust, Some(&identity))?;
    let deleted = drs::delete(&http, &joined.state.services, &registration.device_id)
        .await
        .map_err(|e| match e {
            DeviceError::RegistrationRefused {
                status: 401 | 403, ..
            } => DeviceError::Input(
                "the registration service refused to let this device leave; your organization \
                 may have disabled it. Ask IT to delete it, or run `cerulean-device leave \
                 --local` to forget the join on this device only"
                    .into(),
            ),
            other => other,
        })?;
    forget(state_dir)?;
    Ok(if deleted {
        Left::Deleted
    } else {
        Left::AlreadyGone
    })
}

/// Removes every trace of the join from the device: PRT, state, then keys.
pub fn forget(state_dir: &Path) -> Result<()> {
    let dir = StateDir::open(state_dir)?;
    dir.clear()?;
    KeyStore::new(state_dir).destroy()
}
