//! Realm discovery (PROTOCOLS.md §1.2): `GET {authority}/common/userrealm/{upn}?api-version=2.0`.

use cerulean_proto::realm::{NamespaceType, UserRealmV2};

use crate::error::{DeviceError, Result};
use crate::http::Http;
use crate::state::{Branding, Namespace, Realm};

/// Checks the shape of a sign-in name before anything is sent.
pub fn validate_upn(upn: &str) -> Result<(&str, &str)> {
    let upn = upn.trim();
    match upn.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && upn.len() <= 256
                && !upn.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok((local, domain))
        }
        _ => Err(DeviceError::Input(format!(
            "'{upn}' isn't an email address like someone@example.com"
        ))),
    }
}

/// Asks the authority which realm `upn` belongs to.
pub async fn discover(http: &Http, authority: &str, upn: &str) -> Result<Realm> {
    let (_, domain) = validate_upn(upn)?;
    let url = format!(
        "{}/common/userrealm/{}?api-version=2.0",
        authority.trim_end_matches('/'),
        percent_encode_path(upn.trim())
    );
    let answer = http.get(&url, None).await?;
    if !answer.status.is_success() {
        return Err(DeviceError::Garbage {
            host: answer.host.clone(),
            what: "user realm answer",
            detail: format!("HTTP {}", answer.status.as_u16()),
        });
    }
    let v2: UserRealmV2 = answer.json("user realm answer")?;
    let namespace = match v2.namespace_type {
        NamespaceType::Managed => Namespace::Managed,
        NamespaceType::Federated => Namespace::Federated,
        NamespaceType::Unknown => {
            return Err(DeviceError::UnknownRealm {
                upn: upn.trim().to_string(),
            });
        }
    };
    let branding = v2
        .tenant_branding_info
        .as_ref()
        .and_then(|all| all.first())
        .map(|b| Branding {
            background_color: b.background_color.clone(),
            boilerplate_text: b.boiler_plate_text.clone(),
            user_id_label: b.user_id_label.clone(),
        });
    Ok(Realm {
        upn: upn.trim().to_string(),
        domain: v2
            .domain_name
            .unwrap_or_else(|| domain.to_ascii_lowercase()),
        namespace,
        brand_name: v2.federation_brand_name,
        branding,
        federation_auth_url: v2.auth_url,
    })
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters and `@` pass).
pub(crate) fn percent_encode_path(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upns_are_checked_before_sending() {
        assert!(validate_upn("alice@contoso.test").is_ok());
        for bad in [
            "alice",
            "@contoso.test",
            "alice@contoso",
            "a b@c.d",
            "a@b@c.d",
            "a@.c",
        ] {
            assert!(validate_upn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(percent_encode_path("a+b@c.d"), "a%2Bb@c.d");
        assert_eq!(percent_encode_path("a/b"), "a%2Fb");
    }
}
