//! Named points at which a crash test stops the process, to prove that setup resumes from
//! any of them with nothing lost and nothing duplicated. Set only through the loudly named
//! `CERULEAN_DEVICE_DANGER_CRASH_AT` environment variable (read by the binary).

use crate::error::DeviceError;

/// A point in the OOBE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// Realm discovery is saved.
    RealmSaved,
    /// Both keys are on disk.
    KeysSaved,
    /// The DRS token is in memory (nothing saved about it).
    SignedIn,
    /// The join is recorded as requested, before it is sent.
    JoinRecorded,
    /// The server has answered the join; nothing of the answer is saved yet.
    JoinAnswered,
    /// The certificate is saved.
    JoinSaved,
    /// The MDM check is saved.
    MdmSaved,
    /// The server has issued a PRT; nothing of it is saved yet.
    PrtAnswered,
    /// The PRT is saved; the state is not yet marked complete.
    PrtSaved,
}

impl CrashPoint {
    pub const ALL: [CrashPoint; 9] = [
        CrashPoint::RealmSaved,
        CrashPoint::KeysSaved,
        CrashPoint::SignedIn,
        CrashPoint::JoinRecorded,
        CrashPoint::JoinAnswered,
        CrashPoint::JoinSaved,
        CrashPoint::MdmSaved,
        CrashPoint::PrtAnswered,
        CrashPoint::PrtSaved,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CrashPoint::RealmSaved => "realm-saved",
            CrashPoint::KeysSaved => "keys-saved",
            CrashPoint::SignedIn => "signed-in",
            CrashPoint::JoinRecorded => "join-recorded",
            CrashPoint::JoinAnswered => "join-answered",
            CrashPoint::JoinSaved => "join-saved",
            CrashPoint::MdmSaved => "mdm-saved",
            CrashPoint::PrtAnswered => "prt-answered",
            CrashPoint::PrtSaved => "prt-saved",
        }
    }
}

impl std::str::FromStr for CrashPoint {
    type Err = DeviceError;
    fn from_str(s: &str) -> Result<Self, DeviceError> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| DeviceError::Input(format!("unknown crash point '{s}'")))
    }
}

/// Stops the process at once, as a power cut would: no destructors, no flushing.
pub(super) fn maybe_crash(configured: Option<CrashPoint>, here: CrashPoint) {
    if configured == Some(here) {
        eprintln!(
            "cerulean-device: DANGER crash point '{}' reached, aborting",
            here.name()
        );
        std::process::abort();
    }
}
