//! The device's persisted state: `state.json` (what the device knows about its join) and
//! `prt.json` (the Primary Refresh Token and its session key), both owner-only and written
//! atomically (see [`crate::fsutil`]).
//!
//! The OOBE writes the state before and after every network call, so that a restart can
//! tell exactly which step to take next: the [`Phase`] says which steps are done.

use std::path::{Path, PathBuf};

use cerulean_crypto::SecretBytes;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::Zeroize as _;

use crate::error::{DeviceError, Result};
use crate::fsutil;

/// The file format version; a newer file is refused rather than misread.
pub const STATE_VERSION: u32 = 1;

/// The product edition the device runs; Home cannot join, only register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Edition {
    Home,
    #[default]
    Pro,
    Enterprise,
    Education,
}

impl Edition {
    /// Whether this edition may join an organization (Entra join, JoinType 0).
    pub fn can_join(self) -> bool {
        !matches!(self, Self::Home)
    }

    /// The marketing name the OOBE shows.
    pub fn product_name(self) -> &'static str {
        match self {
            Self::Home => "Windows 11 Home",
            Self::Pro => "Windows 11 Pro",
            Self::Enterprise => "Windows 11 Enterprise",
            Self::Education => "Windows 11 Education",
        }
    }
}

impl std::str::FromStr for Edition {
    type Err = DeviceError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "home" | "core" => Ok(Self::Home),
            "pro" | "professional" => Ok(Self::Pro),
            "enterprise" => Ok(Self::Enterprise),
            "education" => Ok(Self::Education),
            other => Err(DeviceError::Input(format!(
                "unknown edition '{other}': use home, pro, enterprise or education"
            ))),
        }
    }
}

/// Joined to the organization (`AzureAdJoined`) or registered (`WorkplaceJoined`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinKind {
    /// Entra join, JoinType 0, trust type `AzureAd`.
    Join,
    /// Registration, JoinType 4, trust type `Workplace`.
    Register,
}

/// How far the OOBE has got. Each phase implies all earlier ones are done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Phase {
    /// Nothing done beyond choosing the edition and name.
    New,
    /// The user's realm is known.
    RealmDiscovered,
    /// Both keys exist on disk.
    KeysReady,
    /// The join request is being sent (it may or may not have reached the server).
    JoinRequested,
    /// The device certificate is stored: the device is in the directory.
    Joined,
    /// MDM enrollment was checked (and done when required).
    MdmChecked,
    /// Setup finished: the PRT is stored (managed) or the sign-in screen is next (federated).
    Complete,
}

/// Managed here, or federated to the organization's identity provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Namespace {
    Managed,
    Federated,
}

/// What realm discovery said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Realm {
    pub upn: String,
    pub domain: String,
    pub namespace: Namespace,
    /// `FederationBrandName`: the organization's display name.
    pub brand_name: Option<String>,
    /// Sign-in page text from the tenant's branding.
    pub branding: Option<Branding>,
    /// Federated only: where the user signs in.
    pub federation_auth_url: Option<String>,
}

/// The parts of `TenantBrandingInfo` the OOBE shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Branding {
    pub background_color: Option<String>,
    pub boilerplate_text: Option<String>,
    pub user_id_label: Option<String>,
}

/// Where the services live (from configuration, then from DRS discovery).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Services {
    /// The authority base URL, e.g. `https://login.microsoftonline.com`.
    pub authority: String,
    /// The DRS base URL, e.g. `https://enterpriseregistration.windows.net`.
    pub drs: String,
    /// From discovery: the join endpoint (absolute) and its api-version.
    pub join_endpoint: Option<String>,
    pub join_service_version: Option<String>,
    pub key_provisioning_endpoint: Option<String>,
    pub nonce_endpoint: Option<String>,
    pub auth_code_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub device_management_endpoint: Option<String>,
}

/// The device object, as the join answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub kind: JoinKind,
    pub device_id: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub upn: String,
    /// SHA-1 thumbprint of the certificate, upper-case hex.
    pub thumbprint: String,
    /// The device certificate, PEM.
    pub certificate_pem: String,
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub joined_at: OffsetDateTime,
    /// SIDs the join asked to add to the local Administrators group.
    pub local_administrators: Vec<String>,
}

/// The MDM URLs the sign-in announced, if the user is in MDM scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Mdm {
    pub enrollment_url: Option<String>,
    pub terms_of_use_url: Option<String>,
    pub compliance_url: Option<String>,
    /// Whether this device is enrolled (MS-MDE2); false until enrollment exists.
    pub enrolled: bool,
}

/// What the server said about this device the last time it was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerVerdict {
    Disabled,
    Deleted,
}

/// `state.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceState {
    pub version: u32,
    pub edition: Edition,
    pub display_name: String,
    pub os_version: String,
    pub phase: Phase,
    pub services: Services,
    /// The join or registration being set up.
    pub kind: JoinKind,
    pub realm: Option<Realm>,
    pub registration: Option<Registration>,
    pub mdm: Option<Mdm>,
    pub verdict: Option<ServerVerdict>,
    /// When setup finished.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
}

/// `prt.json`: the PRT and its session key. Never logged, never printed.
#[derive(Clone, Serialize, Deserialize)]
pub struct PrtRecord {
    pub prt: String,
    /// Base64 of the 32-byte session key.
    pub session_key_b64: String,
    pub tenant_id: String,
    pub upn: String,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The authority the PRT belongs to.
    pub authority: String,
    /// Whether the sign-in behind it was multifactor.
    pub mfa: bool,
}

impl std::fmt::Debug for PrtRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrtRecord")
            .field("tenant_id", &self.tenant_id)
            .field("upn", &self.upn)
            .field("issued_at", &self.issued_at)
            .field("updated_at", &self.updated_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Drop for PrtRecord {
    fn drop(&mut self) {
        self.prt.zeroize();
        self.session_key_b64.zeroize();
    }
}

impl PrtRecord {
    /// The session key.
    pub fn session_key(&self) -> Result<SecretBytes> {
        cerulean_crypto::b64::b64_std_decode(&self.session_key_b64)
            .map(SecretBytes::new)
            .map_err(|_| DeviceError::state("prt.json", "the session key is not base64"))
    }
}

const STATE_FILE: &str = "state.json";
const PRT_FILE: &str = "prt.json";

/// The state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    dir: PathBuf,
}

impl StateDir {
    /// Uses `dir`, creating it owner-only.
    pub fn open(dir: &Path) -> Result<Self> {
        fsutil::ensure_private_dir(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The saved state, `None` on a device never set up.
    pub fn load(&self) -> Result<Option<DeviceState>> {
        let path = self.dir.join(STATE_FILE);
        let Some(bytes) = fsutil::read_optional(&path)? else {
            return Ok(None);
        };
        let state: DeviceState = serde_json::from_slice(&bytes)
            .map_err(|e| DeviceError::state(&path, format!("unreadable: {e}")))?;
        if state.version > STATE_VERSION {
            return Err(DeviceError::state(
                &path,
                format!(
                    "written by a newer cerulean-device (format {}, this one reads {STATE_VERSION})",
                    state.version
                ),
            ));
        }
        Ok(Some(state))
    }

    /// Saves `state` atomically.
    pub fn save(&self, state: &DeviceState) -> Result<()> {
        let path = self.dir.join(STATE_FILE);
        let json = serde_json::to_vec_pretty(state).map_err(|e| DeviceError::state(&path, e))?;
        fsutil::write_private(&path, &json)
    }

    pub fn load_prt(&self) -> Result<Option<PrtRecord>> {
        let path = self.dir.join(PRT_FILE);
        let Some(mut bytes) = fsutil::read_optional(&path)? else {
            return Ok(None);
        };
        let parsed = serde_json::from_slice(&bytes)
            .map_err(|e| DeviceError::state(&path, format!("unreadable: {e}")));
        bytes.zeroize();
        parsed.map(Some)
    }

    pub fn save_prt(&self, prt: &PrtRecord) -> Result<()> {
        let path = self.dir.join(PRT_FILE);
        let mut json = serde_json::to_vec(prt).map_err(|e| DeviceError::state(&path, e))?;
        let written = fsutil::write_private(&path, &json);
        json.zeroize();
        written
    }

    pub fn remove_prt(&self) -> Result<()> {
        fsutil::remove_if_exists(&self.dir.join(PRT_FILE))
    }

    /// Removes the state and PRT files (the keys are the key store's).
    pub fn clear(&self) -> Result<()> {
        self.remove_prt()?;
        fsutil::remove_if_exists(&self.dir.join(STATE_FILE))
    }
}
