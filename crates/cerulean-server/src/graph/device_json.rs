//! A directory device as Graph's `device` resource (v1.0 property names), and `$select`.
//!
//! `alternativeSecurityIds` holds the certificate binding Entra records at registration
//! ([MS-DVRE] §2.3.3): one entry of type 2 whose `key` is the base64 of the UTF-16LE
//! string `X509:<SHA1-TP-PUBKEY>{thumbprint}{publickeyhash}`, where `thumbprint` is the
//! certificate's SHA-1 in upper-case hex and `publickeyhash` the base64 SHA-256 of the
//! certificate's public key — the `subjectPublicKey` bits (for RSA the `RSAPublicKey`
//! DER, what .NET calls `PublicKey.EncodedKeyValue`), not the whole SubjectPublicKeyInfo.

use cerulean_crypto::b64::b64_std_encode;
use cerulean_directory::Device;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::format_description;

use super::error::{GraphError, quoted};

/// Graph's `profileType` of every device Cerulean registers.
const PROFILE_TYPE: &str = "RegisteredDevice";

/// The device in Graph's JSON.
pub fn device_json(device: &Device) -> Map<String, Value> {
    let json = json!({
        "id": device.object_id,
        "deviceId": device.device_id,
        "displayName": device.display_name,
        "accountEnabled": device.enabled,
        "operatingSystem": device.operating_system,
        "operatingSystemVersion": device.operating_system_version,
        "trustType": device.trust_type.as_str(),
        "profileType": PROFILE_TYPE,
        "registrationDateTime": graph_time(device.registered_at),
        "createdDateTime": graph_time(device.registered_at),
        "approximateLastSignInDateTime": device.approximate_last_sign_in.map(graph_time),
        "isManaged": device.mdm.managed,
        "isCompliant": device.mdm.compliant,
        "mdmAppId": device.mdm.mdm_app_id,
        "alternativeSecurityIds": alternative_security_ids(device),
        "deletedDateTime": null,
        "onPremisesSyncEnabled": null,
        "onPremisesLastSyncDateTime": null,
        "physicalIds": [],
        "systemLabels": [],
    });
    match json {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Every property [`device_json`] writes.
const PROPERTIES: [&str; 20] = [
    "id",
    "deviceId",
    "displayName",
    "accountEnabled",
    "operatingSystem",
    "operatingSystemVersion",
    "trustType",
    "profileType",
    "registrationDateTime",
    "createdDateTime",
    "approximateLastSignInDateTime",
    "isManaged",
    "isCompliant",
    "mdmAppId",
    "alternativeSecurityIds",
    "deletedDateTime",
    "onPremisesSyncEnabled",
    "onPremisesLastSyncDateTime",
    "physicalIds",
    "systemLabels",
];

/// Checks `$select` names against the device's properties (case-insensitively) and
/// returns them in Graph's spelling; an unknown name is a 400, in Graph's words.
pub fn check_select(names: Option<&[String]>) -> Result<Option<Vec<String>>, GraphError> {
    let Some(names) = names else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let known = PROPERTIES
            .iter()
            .find(|p| p.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                GraphError::bad_request(format!(
                    "Parsing OData Select and Expand failed: Could not find a property named \
                     '{}' on type 'microsoft.graph.device'.",
                    quoted(name)
                ))
            })?;
        if !out.iter().any(|n| n == known) {
            out.push((*known).to_owned());
        }
    }
    Ok(Some(out))
}

/// Keeps only the `$select`ed properties (names matched case-insensitively); an unknown
/// name is a 400, in Graph's words.
pub fn select(
    object: &Map<String, Value>,
    names: &[String],
) -> Result<Map<String, Value>, GraphError> {
    let mut out = Map::new();
    for name in names {
        let (key, value) = object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                GraphError::bad_request(format!(
                    "Parsing OData Select and Expand failed: Could not find a property named \
                     '{}' on type 'microsoft.graph.device'.",
                    quoted(name)
                ))
            })?;
        out.insert(key.clone(), value.clone());
    }
    Ok(out)
}

/// The device in Graph's JSON, narrowed to `$select` when given.
pub fn device_selected(
    device: &Device,
    names: Option<&[String]>,
) -> Result<Map<String, Value>, GraphError> {
    let full = device_json(device);
    match names {
        Some(names) => select(&full, names),
        None => Ok(full),
    }
}

/// The `@odata.context` fragment for a `$select`: `devices(id,displayName)`.
pub fn select_fragment(collection: &str, names: Option<&[String]>) -> String {
    match names {
        Some(names) => format!("{collection}({})", names.join(",")),
        None => collection.to_owned(),
    }
}

/// ISO 8601 in UTC to the second with `Z`, as Graph writes `DateTimeOffset`s.
pub fn graph_time(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default()
}

fn alternative_security_ids(device: &Device) -> Value {
    match certificate_binding_key(&device.cert_thumbprint, &device.cert_public_key_spki) {
        Some(key) => json!([{ "type": 2, "identityProvider": null, "key": key }]),
        None => json!([]),
    }
}

/// The type-2 key (see the module documentation); `None` if the stored key is not a
/// well-formed SubjectPublicKeyInfo.
pub fn certificate_binding_key(thumbprint: &str, spki_der: &[u8]) -> Option<String> {
    let key_bits = subject_public_key(spki_der)?;
    let hash = b64_std_encode(&Sha256::digest(key_bits));
    let text = format!(
        "X509:<SHA1-TP-PUBKEY>{}{hash}",
        thumbprint.to_ascii_uppercase()
    );
    let utf16le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    Some(b64_std_encode(&utf16le))
}

/// The `subjectPublicKey` BIT STRING contents of a DER SubjectPublicKeyInfo
/// (RFC 5280 §4.1: `SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }`).
fn subject_public_key(spki: &[u8]) -> Option<&[u8]> {
    let (tag, body, rest) = tlv(spki)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (tag, _algorithm, rest) = tlv(body)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, bits, rest) = tlv(rest)?;
    if tag != 0x03 || !rest.is_empty() {
        return None;
    }
    // The first content octet counts unused bits; keys use whole octets.
    match bits.split_first() {
        Some((0, key)) => Some(key),
        _ => None,
    }
}

/// One DER tag-length-value: `(tag, contents, rest)`. Definite lengths up to 4 octets.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let octets = usize::from(first & 0x7f);
        if octets == 0 || octets > 4 || rest.len() < octets {
            return None;
        }
        let (len_bytes, rest) = rest.split_at(octets);
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (body, rest) = rest.split_at(len);
    Some((tag, body, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cerulean_crypto::b64::b64_std_decode;

    #[test]
    fn binding_key_is_utf16_thumbprint_and_key_hash() {
        // SPKI: SEQUENCE { SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }, BIT STRING 00 01 02 }
        let spki = [
            0x30, 0x14, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
            0x01, 0x05, 0x00, 0x03, 0x03, 0x00, 0x01, 0x02,
        ];
        assert_eq!(subject_public_key(&spki), Some(&[0x01, 0x02][..]));
        let key = certificate_binding_key("ab12", &spki).unwrap();
        let raw = b64_std_decode(&key).unwrap();
        let units: Vec<u16> = raw
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let text = String::from_utf16(&units).unwrap();
        let hash = b64_std_encode(&Sha256::digest([0x01u8, 0x02]));
        assert_eq!(text, format!("X509:<SHA1-TP-PUBKEY>AB12{hash}"));
    }

    #[test]
    fn malformed_keys_give_no_binding() {
        assert_eq!(certificate_binding_key("AB", &[]), None);
        assert_eq!(certificate_binding_key("AB", &[0x30, 0x82, 0xff]), None);
        assert_eq!(
            certificate_binding_key("AB", &[0x30, 0x02, 0x05, 0x00]),
            None
        );
    }

    #[test]
    fn times_are_graphs() {
        let at = time::macros::datetime!(2025-01-31 12:34:56.789 +02:00);
        assert_eq!(graph_time(at), "2025-01-31T10:34:56Z");
    }

    #[test]
    fn the_property_list_is_complete() {
        let device = Device {
            object_id: cerulean_directory::DeviceObjectId::random(),
            device_id: cerulean_directory::DeviceId::random(),
            tenant_id: cerulean_directory::TenantId::random(),
            display_name: "PC".into(),
            trust_type: cerulean_directory::TrustType::AzureAd,
            operating_system: "Windows".into(),
            operating_system_version: "10".into(),
            owner_user_id: None,
            registered_at: OffsetDateTime::UNIX_EPOCH,
            approximate_last_sign_in: None,
            enabled: true,
            cert_thumbprint: "AB".into(),
            cert_der: vec![],
            cert_public_key_spki: vec![],
            transport_key_spki: vec![],
            registration_fingerprint: None,
            mdm: cerulean_directory::MdmState::default(),
            version: 1,
        };
        let json = device_json(&device);
        let mut keys: Vec<&str> = json.keys().map(String::as_str).collect();
        let mut listed = PROPERTIES.to_vec();
        keys.sort_unstable();
        listed.sort_unstable();
        assert_eq!(keys, listed);
        let names = vec![
            "DISPLAYNAME".to_owned(),
            "id".to_owned(),
            "displayName".to_owned(),
        ];
        assert_eq!(
            check_select(Some(&names)).unwrap().unwrap(),
            vec!["displayName".to_owned(), "id".to_owned()]
        );
        assert!(check_select(Some(&["nope".to_owned()])).is_err());
    }

    #[test]
    fn select_keeps_named_properties() {
        let mut map = Map::new();
        map.insert("id".into(), json!("1"));
        map.insert("displayName".into(), json!("PC"));
        let out = select(&map, &["DISPLAYNAME".into(), "displayName".into()]).unwrap();
        assert_eq!(Value::Object(out), json!({ "displayName": "PC" }));
        assert!(select(&map, &["nope".into()]).is_err());
    }
}
