//! The claims of the JWTs the authority issues, with Entra's names (PROTOCOLS.md §2.5).
//!
//! Choices worth knowing:
//!
//! * **`iss`** is `{base}/{tid}/` for v1 tokens and `{base}/{tid}/v2.0` for v2, where
//!   `base` is the URL the client reached us on (Entra's v1 issuer is on `sts.windows.net`;
//!   ours stays on the authority host, which lab mode can name `sts.windows.net` too).
//! * **Access-token version**: tokens for Microsoft's first-party resources (Graph, DRS,
//!   Intune, …) are v1 whatever endpoint asked, as Entra's are; tokens for other resources
//!   follow the endpoint. Id tokens always follow the endpoint.
//! * **`sub`** is pairwise, as Entra's: base64url(SHA-256(`"{oid}:{client id}"`)), stable
//!   for one user and one client, unlinkable across clients. App-only tokens use the
//!   client id as both `oid` and `sub` (Cerulean has no separate service-principal objects).
//! * **`aud`** is the resource's canonical identifier ([`super::resources`]).

use cerulean_crypto::b64::b64url_encode;
use cerulean_crypto::{CryptoError, random_token};
use cerulean_directory::authority::AuthContext;
use cerulean_directory::{Application, ClientId, Device, TenantId, User};
use cerulean_proto::EndpointVersion;
use cerulean_proto::claims::{AccessTokenClaims, IdTokenClaims};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::resources::Audience;

/// The issuer of tokens of `version` for `tenant`, as published in OIDC discovery.
pub fn issuer(base: &str, tenant: &TenantId, version: EndpointVersion) -> String {
    let base = base.trim_end_matches('/');
    match version {
        EndpointVersion::V1 => format!("{base}/{tenant}/"),
        EndpointVersion::V2 => format!("{base}/{tenant}/v2.0"),
    }
}

/// The pairwise `sub` of a user towards one client.
pub fn pairwise_subject(oid: &Uuid, client_id: &ClientId) -> String {
    let digest = Sha256::digest(format!("{}:{client_id}", oid.hyphenated()).as_bytes());
    b64url_encode(&digest)
}

fn version_str(version: EndpointVersion) -> &'static str {
    match version {
        EndpointVersion::V1 => "1.0",
        EndpointVersion::V2 => "2.0",
    }
}

/// What every token minted in one response shares.
#[derive(Debug, Clone)]
pub(crate) struct Minting<'a> {
    /// `scheme://host[:port]` the client used.
    pub base: &'a str,
    pub now: OffsetDateTime,
    /// The client's address (`ipaddr`), when known.
    pub ip: Option<String>,
}

impl Minting<'_> {
    fn times(&self, lifetime: Duration) -> (i64, i64) {
        let iat = self.now.unix_timestamp();
        (iat, (self.now + lifetime).unix_timestamp())
    }
}

/// A delegated (user) access token.
#[derive(Debug)]
pub(crate) struct Delegated<'a> {
    pub user: &'a User,
    pub auth: &'a AuthContext,
    pub client_id: ClientId,
    /// `"0"` public client, `"1"` client secret.
    pub appidacr: &'static str,
    pub audience: &'a Audience,
    /// The endpoint the request came in on.
    pub endpoint: EndpointVersion,
}

/// The version of an access token for `audience` requested on `endpoint`.
pub(crate) fn access_token_version(
    audience: &Audience,
    endpoint: EndpointVersion,
) -> EndpointVersion {
    if audience.app.first_party {
        EndpointVersion::V1
    } else {
        endpoint
    }
}

/// Claims of a delegated access token valid for `lifetime`.
pub(crate) fn delegated_access_token(
    m: &Minting<'_>,
    t: &Delegated<'_>,
    lifetime: Duration,
) -> Result<AccessTokenClaims, CryptoError> {
    let version = access_token_version(t.audience, t.endpoint);
    let (iat, exp) = m.times(lifetime);
    let tenant = t.user.tenant_id;
    let upn = t.user.upn.clone();
    let v1 = version == EndpointVersion::V1;
    let client = t.client_id.to_string();
    Ok(AccessTokenClaims {
        aud: t.audience.aud.clone(),
        iss: issuer(m.base, &tenant, version),
        iat,
        nbf: iat,
        exp,
        acr: Some("1".into()),
        amr: Some(t.auth.amr.clone()),
        appid: Some(client.clone()),
        appidacr: Some(t.appidacr.into()),
        azp: Some(client),
        azpacr: Some(t.appidacr.into()),
        deviceid: t.auth.device_id.map(|d| d.hyphenated().to_string()),
        family_name: None,
        given_name: None,
        idp: Some(issuer(m.base, &tenant, EndpointVersion::V1)),
        idtyp: Some("user".into()),
        ipaddr: m.ip.clone(),
        name: Some(t.user.display_name.clone()),
        oid: Some(t.user.id.0),
        onprem_sid: None,
        puid: None,
        pwd_exp: None,
        pwd_url: None,
        roles: None,
        scp: Some(t.audience.scp.clone()),
        sub: pairwise_subject(&t.user.id.0, &t.client_id),
        tid: tenant.0,
        tenant_region_scope: None,
        unique_name: v1.then(|| upn.clone()),
        upn: Some(upn.clone()),
        preferred_username: (!v1).then_some(upn),
        uti: Some(random_token(16)?),
        ver: version_str(version).into(),
    })
}

/// Claims of an app-only (client credentials) access token.
pub(crate) fn app_access_token(
    m: &Minting<'_>,
    client: &Application,
    audience: &Audience,
    endpoint: EndpointVersion,
    lifetime: Duration,
) -> Result<AccessTokenClaims, CryptoError> {
    let client_id = client.client_id.to_string();
    let principal = NonUserPrincipal {
        tenant: client.tenant_id,
        appid: client_id.clone(),
        // A confidential client authenticated with its secret.
        appidacr: "1",
        idtyp: "app",
        oid: client.client_id.0,
        sub: client_id,
        deviceid: None,
        roles: Some(Vec::new()),
    };
    non_user_access_token(m, principal, audience, endpoint, lifetime)
}

/// Claims of a device-only access token (PROTOCOLS.md §5.7): the device principal, no
/// user. `oid`/`sub` are the device's object id, `deviceid` its device id, `idtyp`
/// `device` (no `upn`, so validation treats it as app-only and checks the device).
pub(crate) fn device_access_token(
    m: &Minting<'_>,
    device: &Device,
    client_id: ClientId,
    audience: &Audience,
    endpoint: EndpointVersion,
    lifetime: Duration,
) -> Result<AccessTokenClaims, CryptoError> {
    let principal = NonUserPrincipal {
        tenant: device.tenant_id,
        appid: client_id.to_string(),
        // A public client: the device proved itself, not the application.
        appidacr: "0",
        idtyp: "device",
        oid: device.object_id.0,
        sub: device.object_id.0.hyphenated().to_string(),
        deviceid: Some(device.device_id.0.hyphenated().to_string()),
        roles: None,
    };
    non_user_access_token(m, principal, audience, endpoint, lifetime)
}

/// What distinguishes the access tokens that name no user (an application, a device).
struct NonUserPrincipal {
    tenant: TenantId,
    appid: String,
    appidacr: &'static str,
    idtyp: &'static str,
    oid: Uuid,
    sub: String,
    deviceid: Option<String>,
    roles: Option<Vec<String>>,
}

fn non_user_access_token(
    m: &Minting<'_>,
    p: NonUserPrincipal,
    audience: &Audience,
    endpoint: EndpointVersion,
    lifetime: Duration,
) -> Result<AccessTokenClaims, CryptoError> {
    let version = access_token_version(audience, endpoint);
    let (iat, exp) = m.times(lifetime);
    let tenant = p.tenant;
    Ok(AccessTokenClaims {
        aud: audience.aud.clone(),
        iss: issuer(m.base, &tenant, version),
        iat,
        nbf: iat,
        exp,
        acr: None,
        amr: None,
        appid: Some(p.appid.clone()),
        appidacr: Some(p.appidacr.into()),
        azp: Some(p.appid),
        azpacr: Some(p.appidacr.into()),
        deviceid: p.deviceid,
        family_name: None,
        given_name: None,
        idp: Some(issuer(m.base, &tenant, EndpointVersion::V1)),
        idtyp: Some(p.idtyp.into()),
        ipaddr: m.ip.clone(),
        name: None,
        oid: Some(p.oid),
        onprem_sid: None,
        puid: None,
        pwd_exp: None,
        pwd_url: None,
        roles: p.roles,
        scp: None,
        sub: p.sub,
        tid: tenant.0,
        tenant_region_scope: None,
        unique_name: None,
        upn: None,
        preferred_username: None,
        uti: Some(random_token(16)?),
        ver: version_str(version).into(),
    })
}

/// Claims of an id token for `client_id`. `nonce` is copied verbatim when the authorize
/// request carried one, and absent otherwise (msal-node rejects any other combination).
pub(crate) fn id_token(
    m: &Minting<'_>,
    user: &User,
    auth: &AuthContext,
    client_id: &ClientId,
    endpoint: EndpointVersion,
    nonce: Option<&str>,
    lifetime: Duration,
) -> IdTokenClaims {
    let (iat, exp) = m.times(lifetime);
    let v1 = endpoint == EndpointVersion::V1;
    IdTokenClaims {
        aud: client_id.to_string(),
        iss: issuer(m.base, &user.tenant_id, endpoint),
        iat,
        nbf: iat,
        exp,
        auth_time: Some(auth.auth_time.unix_timestamp()),
        amr: Some(auth.amr.clone()),
        deviceid: auth.device_id.map(|d| d.hyphenated().to_string()),
        email: None,
        family_name: None,
        given_name: None,
        idp: None,
        ipaddr: m.ip.clone(),
        name: user.display_name.clone(),
        nonce: nonce.map(str::to_owned),
        oid: user.id.0,
        onprem_sid: None,
        preferred_username: user.upn.clone(),
        pwd_exp: None,
        pwd_url: None,
        sub: pairwise_subject(&user.id.0, client_id),
        tid: user.tenant_id.0,
        tenant_region_scope: None,
        unique_name: v1.then(|| user.upn.clone()),
        upn: v1.then(|| user.upn.clone()),
        ver: version_str(endpoint).into(),
        mdm_enrollment_url: None,
        mdm_terms_of_use_url: None,
        mdm_compliance_url: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_per_version() {
        let t: TenantId = "0f8fad5b-d9cb-469f-a165-70867728950e"
            .parse()
            .unwrap_or_else(|_| TenantId::random());
        assert_eq!(
            issuer("https://login.test/", &t, EndpointVersion::V1),
            format!("https://login.test/{t}/")
        );
        assert_eq!(
            issuer("https://login.test", &t, EndpointVersion::V2),
            format!("https://login.test/{t}/v2.0")
        );
    }

    #[test]
    fn subject_is_pairwise_and_stable() {
        let oid = Uuid::new_v4();
        let a = ClientId::random();
        let b = ClientId::random();
        assert_eq!(pairwise_subject(&oid, &a), pairwise_subject(&oid, &a));
        assert_ne!(pairwise_subject(&oid, &a), pairwise_subject(&oid, &b));
        assert_eq!(pairwise_subject(&oid, &a).len(), 43);
    }
}
