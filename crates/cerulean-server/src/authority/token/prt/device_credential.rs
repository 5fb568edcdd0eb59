//! The `x-ms-DeviceCredential` of `/authorize` (PROTOCOLS.md §5.6): the device proves
//! itself to the browser sign-in when no valid PRT credential is present.
//!
//! An RS256 compact JWS with the device certificate in `x5c` (a string or an array) and
//! the payload `grant_type: "device_auth"`, `request_nonce` (from `srv_challenge`),
//! optionally `iss` (`aad:brokerplugin`), `win_ver`, `windows_api_version`, `ua_*`,
//! `x_client_platform` (none of the optional ones is checked).
//!
//! It is verified by the same steps 2–4 as the device-signed PRT request
//! ([`super::verify_device_signed`]: certificate byte-equal to a registered device's,
//! issued by its tenant CA and within its validity, the signature, the device enabled,
//! the path admitting its tenant, the nonce spent once); then the inner `grant_type`
//! must be `device_auth`, so a PRT request cannot stand in for it, nor it for one. The
//! caller turns any refusal into "no device" (the ordinary sign-in), never an error page.

use cerulean_crypto::UnverifiedJws;
use cerulean_directory::Device;
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::OAuthError;

use super::super::TokenCtx;
use super::super::client::shown;
use super::{claim_str, verify_device_signed};

/// The inner `grant_type` of a device credential.
const DEVICE_AUTH: &str = "device_auth";

/// The device that signed `credential`, its nonce spent.
pub(crate) async fn verify(ctx: &TokenCtx<'_>, credential: &str) -> Result<Device, OAuthError> {
    let jws = UnverifiedJws::parse(credential)
        .map_err(|_| aadsts::malformed_request("the device credential is not a compact JWS."))?;
    if jws.alg() != Some("RS256") {
        return Err(aadsts::malformed_request(format_args!(
            "the device credential must be signed with RS256 by the device key, not '{}'.",
            shown(jws.alg().unwrap_or_default())
        )));
    }
    let (device, claims) = verify_device_signed(ctx, &jws).await?;
    let grant = claim_str(&claims, "grant_type")?;
    if grant != DEVICE_AUTH {
        return Err(aadsts::malformed_request(format_args!(
            "the device credential's grant_type must be '{DEVICE_AUTH}', not '{}'.",
            shown(grant)
        )));
    }
    Ok(device)
}
