//! `grant_type=refresh_token`: rotation, reuse detection and revocation.
//!
//! * Every redemption consumes the token and issues a successor in the same family. A
//!   token presented a second time means it leaked (or two clients share it): the store
//!   revokes the whole family and the answer is `invalid_grant` (AADSTS70008).
//! * A disabled user, a deleted user, or a password changed after the sign-in the family
//!   descends from revokes the family too (50057 / 50034 / 50173).
//! * Refresh tokens are multi-resource, as Entra's: the request may name another resource
//!   than the one the token was first issued for; without `scope`/`resource` the stored
//!   scope is reused.
//! * **FOCI policy**: a refresh token issued to a Microsoft first-party *public* client
//!   (the seeded family: Azure CLI, Office, Company Portal, the broker, …) may be redeemed
//!   by any other first-party public client of the same tenant, like Entra's family of
//!   client ids (roadtx gets a token as Azure CLI and exchanges it as the broker,
//!   INTEROP.md §4.4 item 4). Every other refresh token is bound to its client exactly.
//!   Responses to family clients carry `foci: "1"`.
//!
//! The checks live in [`redeem`], which the device-signed PRT request with an inner
//! `refresh_token` grant uses too (PROTOCOLS.md §5.2).
//!
//! The token is consumed before its own checks (the store offers no read without
//! consumption), so whatever can be checked without it comes first: the request's
//! syntax always, and, when the path names the tenant, the client's credentials and the
//! requested resource. A malformed or mistaken request must not cost the client its
//! refresh token.

use cerulean_directory::authority::{RefreshRedemption, RefreshToken};
use cerulean_directory::{ClientId, TenantId, User};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{
    ClientAuth, ClientAuthMethod, OAuthError, RefreshTokenGrant, TokenResponse,
};
use serde_json::json;

use super::super::resources::{RequestedTarget, resolve};
use super::super::secrets::hash_secret;
use super::super::tenant::TenantScope;
use super::client::{AuthenticatedClient, authenticate, parse_client_id};
use super::issue::{UserIssue, user_tokens};
use super::{TokenCtx, unavailable};

pub(super) async fn grant(
    ctx: &TokenCtx<'_>,
    g: RefreshTokenGrant,
) -> Result<TokenResponse, OAuthError> {
    let requested = RequestedTarget::parse(&g.target)?;
    let presented_client = match &g.client {
        Some(c) => Some(parse_client_id(&c.client_id, &ctx.scope.segment())?),
        None => None,
    };
    // With the tenant named in the path, refuse a bad client or resource before the
    // token is spent (under `common` only the token knows the tenant).
    let mut early = None;
    if let (TenantScope::Tenant(tenant), Some(client)) = (&ctx.scope, &g.client) {
        let client = authenticate(ctx, tenant.id, client).await?;
        let resolved = match &requested {
            Some(target) => Some(resolve(ctx.state, tenant.id, target).await?),
            None => None,
        };
        early = Some((client, resolved));
    }
    let (redeemer, resolved) = match early {
        Some((client, resolved)) => (Redeemer::Authenticated(client), resolved),
        None => (
            Redeemer::Request {
                client: g.client.as_ref(),
                presented: presented_client,
            },
            None,
        ),
    };
    let Redeemed {
        token,
        client,
        user,
    } = redeem(ctx, g.refresh_token.expose(), None, redeemer).await?;
    let resolved = match (resolved, requested) {
        (Some(resolved), _) => resolved,
        (None, Some(target)) => resolve(ctx.state, token.auth.tenant_id, &target).await?,
        (None, None) => {
            let stored = RequestedTarget::parse_scope(&token.scope)?;
            resolve(ctx.state, token.auth.tenant_id, &stored).await?
        }
    };
    user_tokens(
        ctx,
        UserIssue {
            user: &user,
            auth: &token.auth,
            client: &client,
            target: &resolved,
            nonce: None,
            family_id: token.family_id,
            client_info: g.options.client_info,
        },
    )
    .await
}

/// Who redeems a refresh token.
pub(super) enum Redeemer<'a> {
    /// A client authenticated before the token was spent (the tenant was known: named in
    /// the path, or the device's in a PRT request).
    Authenticated(AuthenticatedClient),
    /// The client of a refresh request under a multi-tenant path, authenticated in the
    /// token's tenant once the token is known: the one named (`presented` is its parsed
    /// id), else the token's own.
    Request {
        client: Option<&'a ClientAuth>,
        presented: Option<ClientId>,
    },
}

/// A redeemed refresh token, with the client redeeming it and the token's live user.
pub(super) struct Redeemed {
    pub token: RefreshToken,
    pub client: AuthenticatedClient,
    pub user: User,
}

/// Consumes a refresh token and runs every check on it: reuse detection (the family is
/// revoked), expiry, the tenant (admitted by the path and, when `tenant` is given, that
/// one: the device's in a PRT request), the client binding with the FOCI policy, and the
/// user (disabled, deleted or password changed revokes the family). Shared by the refresh
/// grant and the device-signed PRT request with an inner `refresh_token`.
pub(super) async fn redeem(
    ctx: &TokenCtx<'_>,
    refresh_token: &str,
    tenant: Option<TenantId>,
    redeemer: Redeemer<'_>,
) -> Result<Redeemed, OAuthError> {
    let store = ctx.state.directory.store();
    let hash = hash_secret(refresh_token);
    let token = match store
        .consume_refresh_token(&hash, ctx.now)
        .await
        .map_err(|e| unavailable("refresh token redemption", e))?
    {
        RefreshRedemption::Fresh(token) => token,
        RefreshRedemption::Reused(token) => {
            ctx.audit_failure(
                Some(token.auth.tenant_id),
                "token.refresh.reuse",
                format!("user:{}", token.auth.user_id),
                "refresh token presented twice; family revoked",
                json!({ "familyId": token.family_id, "clientId": token.client_id }),
            )
            .await;
            return Err(aadsts::refresh_token_expired());
        }
        RefreshRedemption::NotFound => return Err(aadsts::refresh_token_expired()),
    };
    if token.expires_at <= ctx.now {
        return Err(aadsts::refresh_token_expired());
    }
    if !ctx.admits(token.auth.tenant_id) || tenant.is_some_and(|t| t != token.auth.tenant_id) {
        return Err(aadsts::invalid_grant(
            "the refresh token belongs to another tenant.",
        ));
    }
    let client = match redeemer {
        Redeemer::Authenticated(client) => check_binding(ctx, &token, client).await?,
        Redeemer::Request { client, presented } => {
            client_for(ctx, &token, client, presented).await?
        }
    };
    let user = live_user(ctx, &token).await?;
    Ok(Redeemed {
        token,
        client,
        user,
    })
}

/// The client redeeming the token: the one named in the request (authenticated, and
/// bound to the token or a FOCI sibling), else the token's own (which must then be
/// public: a confidential client has to authenticate).
async fn client_for(
    ctx: &TokenCtx<'_>,
    token: &RefreshToken,
    client: Option<&ClientAuth>,
    presented: Option<ClientId>,
) -> Result<AuthenticatedClient, OAuthError> {
    let tenant = token.auth.tenant_id;
    let fallback;
    let auth = match client {
        Some(auth) => auth,
        None => {
            fallback = ClientAuth {
                client_id: token.client_id.to_string(),
                client_secret: None,
                method: ClientAuthMethod::None,
            };
            &fallback
        }
    };
    let client = authenticate(ctx, tenant, auth).await?;
    if presented.is_none_or(|id| id == token.client_id) {
        return Ok(client);
    }
    check_binding(ctx, token, client).await
}

/// The token's own client, or another one within the FOCI family (only if the original
/// was a member too).
async fn check_binding(
    ctx: &TokenCtx<'_>,
    token: &RefreshToken,
    client: AuthenticatedClient,
) -> Result<AuthenticatedClient, OAuthError> {
    if client.app.client_id == token.client_id {
        return Ok(client);
    }
    let tenant = token.auth.tenant_id;
    let original = ctx
        .state
        .authority
        .cache
        .load_application(&ctx.state.directory, tenant, token.client_id)
        .await
        .map_err(|e| unavailable("client lookup", e))?;
    let original_in_family = original.is_some_and(|a| a.first_party && a.public_client);
    if client.is_family() && original_in_family {
        return Ok(client);
    }
    Err(aadsts::invalid_grant(
        "the refresh token was issued to a different client.",
    ))
}

/// The token's user, if still allowed to get tokens; otherwise the family is revoked.
async fn live_user(ctx: &TokenCtx<'_>, token: &RefreshToken) -> Result<User, OAuthError> {
    let store = ctx.state.directory.store();
    let user = store
        .user(token.auth.tenant_id, token.auth.user_id)
        .await
        .map_err(|e| unavailable("user lookup", e))?;
    let (error, reason) = match &user {
        None => (
            aadsts::user_not_found(token.auth.user_id, token.auth.tenant_id),
            "user deleted",
        ),
        Some(u) if !u.enabled => (aadsts::user_disabled(), "user disabled"),
        Some(u)
            if u.password_changed_at
                .is_some_and(|changed| changed > token.auth.auth_time) =>
        {
            (
                aadsts::fresh_token_needed(),
                "password changed since sign-in",
            )
        }
        Some(u) => return Ok(u.clone()),
    };
    if let Err(e) = store.revoke_refresh_family(token.family_id).await {
        tracing::error!("revoking a refresh-token family: {e}");
    }
    ctx.audit_failure(
        Some(token.auth.tenant_id),
        "token.refresh.revoked",
        format!("user:{}", token.auth.user_id),
        reason,
        json!({ "familyId": token.family_id, "clientId": token.client_id }),
    )
    .await;
    Err(error)
}
