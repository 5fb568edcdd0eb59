//! `grant_type=authorization_code`: redeeming a code the sign-in pages issued.
//!
//! The code is consumed atomically before anything else, so of two concurrent
//! redemptions exactly one wins. A replayed code means it leaked: the refresh-token
//! family minted from its first redemption is revoked and the answer is 54005. The code
//! is bound to its client and its exact `redirect_uri` (50011), expires
//! (`auth_code_lifetime_secs`, 70008), and carries the PKCE challenge (S256 or plain,
//! 501481 on mismatch). A `code_verifier` for a code issued without a challenge is
//! refused too (RFC 9700 §2.1.1: otherwise PKCE could be stripped by an attacker).

use cerulean_crypto::b64::b64url_encode;
use cerulean_crypto::constant_time_eq;
use cerulean_directory::authority::{AuthorizationCode, CodeRedemption};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{AuthorizationCodeGrant, OAuthError, TokenResponse};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::super::resources::{RequestedTarget, resolve};
use super::super::secrets::hash_secret;
use super::client::{authenticate, parse_client_id};
use super::issue::{UserIssue, load_user, user_tokens};
use super::{TokenCtx, unavailable};

pub(super) async fn grant(
    ctx: &TokenCtx<'_>,
    g: AuthorizationCodeGrant,
) -> Result<TokenResponse, OAuthError> {
    let requested = RequestedTarget::parse(&g.target)?;
    let client_id = parse_client_id(&g.client.client_id, &ctx.scope.segment())?;
    let store = ctx.state.directory.store();
    let code = match store
        .consume_authorization_code(&hash_secret(g.code.expose()), ctx.now)
        .await
        .map_err(|e| unavailable("code redemption", e))?
    {
        CodeRedemption::Fresh(code) => code,
        CodeRedemption::Replayed(code) => return Err(replayed(ctx, &code).await),
        CodeRedemption::NotFound => {
            return Err(aadsts::invalid_grant(
                "the authorization code is not valid.",
            ));
        }
    };
    if code.expires_at <= ctx.now {
        return Err(aadsts::code_expired());
    }
    if code.client_id != client_id {
        return Err(aadsts::invalid_grant(
            "the authorization code was issued to a different client.",
        ));
    }
    match &g.redirect_uri {
        None => return Err(aadsts::missing_parameter("redirect_uri")),
        Some(uri) if *uri != code.redirect_uri => {
            return Err(aadsts::redirect_uri_mismatch(
                uri.chars().take(200).collect::<String>(),
                client_id,
            ));
        }
        Some(_) => {}
    }
    check_pkce(&code, g.code_verifier.as_ref().map(|v| v.expose().as_str()))?;
    if !ctx.admits(code.auth.tenant_id) {
        return Err(aadsts::invalid_grant(
            "the authorization code belongs to another tenant.",
        ));
    }
    let tenant = code.auth.tenant_id;
    let client = authenticate(ctx, tenant, &g.client).await?;
    let user = load_user(ctx, &code.auth).await?;
    let target = match requested {
        Some(target) => target,
        None => stored_target(&code)?,
    };
    let resolved = resolve(ctx.state, tenant, &target).await?;
    user_tokens(
        ctx,
        UserIssue {
            user: &user,
            auth: &code.auth,
            client: &client,
            target: &resolved,
            nonce: code.nonce.as_deref(),
            family_id: code.family_id,
            client_info: g.options.client_info,
        },
    )
    .await
}

/// A second redemption: revoke what the first one produced, audit, answer 54005.
async fn replayed(ctx: &TokenCtx<'_>, code: &AuthorizationCode) -> OAuthError {
    let revoked = ctx
        .state
        .directory
        .store()
        .revoke_refresh_family(code.family_id)
        .await
        .unwrap_or_else(|e| {
            tracing::error!("revoking the family of a replayed code: {e}");
            0
        });
    ctx.audit_failure(
        Some(code.auth.tenant_id),
        "token.code.replay",
        format!("user:{}", code.auth.user_id),
        "authorization code redeemed twice; its tokens were revoked",
        json!({ "clientId": code.client_id, "familyId": code.family_id, "revoked": revoked }),
    )
    .await;
    aadsts::code_already_redeemed()
}

/// RFC 7636 §4.6.
fn check_pkce(code: &AuthorizationCode, verifier: Option<&str>) -> Result<(), OAuthError> {
    let Some(challenge) = &code.code_challenge else {
        return match verifier {
            Some(_) => Err(aadsts::pkce_mismatch()),
            None => Ok(()),
        };
    };
    let verifier = verifier.ok_or_else(aadsts::pkce_mismatch)?;
    // 43–128 unreserved characters (RFC 7636 §4.1).
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !well_formed {
        return Err(aadsts::pkce_mismatch());
    }
    let derived = match code.code_challenge_method.as_deref() {
        None | Some("plain") => verifier.to_owned(),
        Some("S256") => b64url_encode(&Sha256::digest(verifier.as_bytes())),
        Some(_) => return Err(aadsts::pkce_mismatch()),
    };
    if constant_time_eq(derived.as_bytes(), challenge.as_bytes()) {
        Ok(())
    } else {
        Err(aadsts::pkce_mismatch())
    }
}

/// The authorize request's `scope`/`resource`, when the token request names neither.
fn stored_target(code: &AuthorizationCode) -> Result<RequestedTarget, OAuthError> {
    let target = cerulean_proto::oauth2::TokenTarget {
        scope: code.scope.clone(),
        resource: code.resource.clone(),
    };
    Ok(
        RequestedTarget::parse(&target)?.unwrap_or_else(|| RequestedTarget {
            oidc: Default::default(),
            requested: super::super::resources::Requested::OidcOnly,
        }),
    )
}

#[cfg(test)]
mod tests {
    use cerulean_directory::authority::AuthContext;
    use cerulean_directory::{ClientId, TenantId, UserId};
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::*;

    fn code(challenge: Option<&str>, method: Option<&str>) -> AuthorizationCode {
        AuthorizationCode {
            code_hash: "h".into(),
            client_id: ClientId::random(),
            redirect_uri: "http://localhost".into(),
            scope: None,
            resource: None,
            nonce: None,
            code_challenge: challenge.map(str::to_owned),
            code_challenge_method: method.map(str::to_owned),
            auth: AuthContext {
                tenant_id: TenantId::random(),
                user_id: UserId::random(),
                amr: vec!["pwd".into()],
                auth_time: OffsetDateTime::UNIX_EPOCH,
                device_id: None,
            },
            family_id: Uuid::new_v4(),
            v2: true,
            created_at: OffsetDateTime::UNIX_EPOCH,
            expires_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn pkce_s256_and_plain() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        let s256 = code(Some(challenge), Some("S256"));
        assert!(check_pkce(&s256, Some(verifier)).is_ok());
        let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX";
        assert_eq!(
            check_pkce(&s256, Some(wrong)).unwrap_err().aadsts(),
            Some(501481)
        );
        assert!(check_pkce(&s256, None).is_err());
        assert!(check_pkce(&s256, Some("short")).is_err());
        let plain = code(Some(verifier), Some("plain"));
        assert!(check_pkce(&plain, Some(verifier)).is_ok());
        assert!(check_pkce(&plain, Some(wrong)).is_err());
        let none = code(None, None);
        assert!(check_pkce(&none, None).is_ok());
        assert!(check_pkce(&none, Some(verifier)).is_err());
        let odd = code(Some(challenge), Some("S512"));
        assert!(check_pkce(&odd, Some(verifier)).is_err());
    }
}
