//! GUIDs in Microsoft byte order: `Data1` (u32), `Data2` and `Data3` (u16) little-endian,
//! `Data4` (8 bytes) as is. This is how Windows stores a GUID in memory, in AD attributes
//! and in the device-certificate extensions, and it differs from RFC 9562's big-endian
//! byte order in the first eight bytes.

use uuid::Uuid;

use crate::error::{CryptoError, Result};

/// The Microsoft byte order of a GUID given as text (`9d53c6fa-b38e-4509-8fb1-51dedb421aac`;
/// braces, `urn:uuid:` and the unhyphenated form are accepted too).
pub fn guid_to_ms_bytes(guid: &str) -> Result<[u8; 16]> {
    Uuid::parse_str(guid.trim())
        .map(|id| uuid_to_ms_bytes(&id))
        .map_err(|_| CryptoError::InvalidGuid("not a GUID"))
}

/// The Microsoft byte order of `id`.
pub fn uuid_to_ms_bytes(id: &Uuid) -> [u8; 16] {
    id.to_bytes_le()
}

/// The GUID whose Microsoft byte order is `bytes`, as lower-case hyphenated text.
pub fn ms_bytes_to_guid(bytes: &[u8; 16]) -> String {
    ms_bytes_to_uuid(bytes).hyphenated().to_string()
}

/// The GUID whose Microsoft byte order is `bytes`.
pub fn ms_bytes_to_uuid(bytes: &[u8; 16]) -> Uuid {
    Uuid::from_bytes_le(*bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The device id of the MS-DVRJ example certificate and its …284.2 value.
    const DVRJ_DEVICE_ID: &str = "9d53c6fa-b38e-4509-8fb1-51dedb421aac";
    const DVRJ_MS_BYTES: [u8; 16] = [
        0xFA, 0xC6, 0x53, 0x9D, 0x8E, 0xB3, 0x09, 0x45, 0x8F, 0xB1, 0x51, 0xDE, 0xDB, 0x42, 0x1A,
        0xAC,
    ];

    #[test]
    fn dvrj_example_round_trips() -> Result<()> {
        assert_eq!(guid_to_ms_bytes(DVRJ_DEVICE_ID)?, DVRJ_MS_BYTES);
        assert_eq!(ms_bytes_to_guid(&DVRJ_MS_BYTES), DVRJ_DEVICE_ID);
        assert_eq!(
            guid_to_ms_bytes("{9D53C6FA-B38E-4509-8FB1-51DEDB421AAC}")?,
            DVRJ_MS_BYTES
        );
        Ok(())
    }

    #[test]
    fn rejects_non_guids() {
        for bad in ["", "9d53c6fa", "not-a-guid-at-all-not-a-guid-at-all!", "🦀"] {
            assert!(guid_to_ms_bytes(bad).is_err(), "{bad:?}");
        }
    }
}
