//! JWT claim sets of the tokens Cerulean issues (PROTOCOLS.md §2.5), with Entra's claim
//! names, and the Entra user SID derivation.
//!
//! Optional claims are omitted when `None`. Times are NumericDate seconds; parsing also
//! accepts numeric strings. `oid` and `tid` are GUIDs and serialise as strings (INTEROP.md
//! §8.4). Entra-issued tokens parse too: unknown claims are ignored.

use crate::wire::{de_i64, de_opt_i64, de_opt_string_list};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Claims of an access token (v1 or v2 shape; `ver` says which).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    /// Audience: the resource URI or app id (`urn:ms-drs:enterpriseregistration.windows.net`
    /// for the DRS, exactly).
    pub aud: String,
    /// Issuer (`https://sts.windows.net/{tid}/` for v1).
    pub iss: String,
    /// Issued at.
    #[serde(deserialize_with = "de_i64")]
    pub iat: i64,
    /// Not before.
    #[serde(deserialize_with = "de_i64")]
    pub nbf: i64,
    /// Expiry.
    #[serde(deserialize_with = "de_i64")]
    pub exp: i64,
    /// Authentication context class (`"1"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// Authentication methods (`pwd`, `mfa`, `ngcmfa`, `rsa`, `wia` …); always an array.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_string_list"
    )]
    pub amr: Option<Vec<String>>,
    /// Client application id (v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// Client authentication: `"0"` public, `"1"` secret, `"2"` certificate (v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appidacr: Option<String>,
    /// Client application id (v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// Client authentication (v2), same values as `appidacr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azpacr: Option<String>,
    /// Device id, for tokens obtained with device authentication / a PRT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviceid: Option<String>,
    /// Surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Identity provider, when it differs from the issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<String>,
    /// Identity type: `app` for app-only (client credentials) tokens, `user` otherwise
    /// (Entra's optional claim; resource servers use it to tell the two apart).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idtyp: Option<String>,
    /// Client IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipaddr: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Object id of the user (or service principal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oid: Option<Uuid>,
    /// On-premises SID of a synced user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onprem_sid: Option<String>,
    /// Legacy per-user id (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub puid: Option<String>,
    /// Seconds until the password expires (Entra sends a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pwd_exp: Option<String>,
    /// Where to change the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pwd_url: Option<String>,
    /// Application roles (app-only tokens).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_string_list"
    )]
    pub roles: Option<Vec<String>>,
    /// Delegated scopes, space-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    /// Subject (pairwise per application).
    pub sub: String,
    /// Tenant id.
    pub tid: Uuid,
    /// Tenant region (`NA`, `EU` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_region_scope: Option<String>,
    /// User principal name (v1; MS-OIDCE makes `unique_name` required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
    /// User principal name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// Preferred username (v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// Unique token id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uti: Option<String>,
    /// Token version, `"1.0"` or `"2.0"`.
    pub ver: String,
}

/// Claims of an id_token. `name`, `oid`, `tid`, `sub` and `preferred_username` are always
/// present and strings (INTEROP.md §8.4, §10). `nonce` is present if and only if the
/// authorize request sent one, copied verbatim (§6.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// The client id.
    pub aud: String,
    /// Issuer.
    pub iss: String,
    /// Issued at.
    #[serde(deserialize_with = "de_i64")]
    pub iat: i64,
    /// Not before.
    #[serde(deserialize_with = "de_i64")]
    pub nbf: i64,
    /// Expiry.
    #[serde(deserialize_with = "de_i64")]
    pub exp: i64,
    /// Time of the user's authentication.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_i64"
    )]
    pub auth_time: Option<i64>,
    /// Authentication methods.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_string_list"
    )]
    pub amr: Option<Vec<String>>,
    /// Device id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviceid: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Identity provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<String>,
    /// Client IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipaddr: Option<String>,
    /// Display name.
    pub name: String,
    /// The authorize request's nonce, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Object id of the user.
    pub oid: Uuid,
    /// On-premises SID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onprem_sid: Option<String>,
    /// Preferred username (the UPN).
    pub preferred_username: String,
    /// Seconds until the password expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pwd_exp: Option<String>,
    /// Where to change the password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pwd_url: Option<String>,
    /// Subject.
    pub sub: String,
    /// Tenant id.
    pub tid: Uuid,
    /// Tenant region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_region_scope: Option<String>,
    /// UPN (v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
    /// UPN (v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// Token version.
    pub ver: String,
    /// MDM enrollment URL (join flow, when MDM applies to the user; §2.5 (inferred)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mdm_enrollment_url: Option<String>,
    /// MDM terms-of-use URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mdm_terms_of_use_url: Option<String>,
    /// MDM compliance URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mdm_compliance_url: Option<String>,
}

/// The Windows SID of an Entra user: the object id in Microsoft GUID byte order (first three
/// fields little-endian) read as four little-endian `u32`, printed `S-1-12-1-a-b-c-d`.
///
/// `e06e3596-82c0-4f31-ac5a-439a308e3dc2` →
/// `S-1-12-1-3765319062-1328644800-2588105388-3258814000`.
pub fn entra_sid_from_object_id(object_id: &Uuid) -> String {
    let b = object_id.to_bytes_le();
    let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    format!("S-1-12-1-{}-{}-{}-{}", word(0), word(4), word(8), word(12))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sid_vector() {
        let oid = Uuid::parse_str("e06e3596-82c0-4f31-ac5a-439a308e3dc2").unwrap();
        assert_eq!(
            entra_sid_from_object_id(&oid),
            "S-1-12-1-3765319062-1328644800-2588105388-3258814000"
        );
    }

    #[test]
    fn sid_extremes() {
        assert_eq!(entra_sid_from_object_id(&Uuid::nil()), "S-1-12-1-0-0-0-0");
        assert_eq!(
            entra_sid_from_object_id(&Uuid::max()),
            "S-1-12-1-4294967295-4294967295-4294967295-4294967295"
        );
    }
}
