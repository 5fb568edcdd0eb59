//! Serde for byte strings as standard base64 text (certificates and keys in JSON).

use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&cerulean_crypto::b64::b64_std_encode(bytes))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(deserializer)?;
    cerulean_crypto::b64::b64_std_decode(&text)
        .map_err(|_| serde::de::Error::custom("not standard base64"))
}
