//! Turning a successful grant into a token response: access token, id token when the
//! request wants one, refresh token, `client_info`, `foci`, in Entra's shape.
//!
//! Response shape: v2 answers with JSON numbers, v1 with numeric strings as Entra's v1
//! endpoint does (every client in INTEROP.md §4–8 reads either form for ordinary token
//! responses). `ext_expires_in` is always present; `refresh_token` always for user grants
//! (libhimmelblau requires it, also on code redemption); `id_token` always on v1 user
//! grants and on v2 when `openid` was asked for.

use cerulean_directory::authority::{AuthContext, RefreshToken};
use cerulean_directory::{User, UserId};
use cerulean_proto::EndpointVersion;
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{ClientInfo, OAuthError, TokenResponse};
use uuid::Uuid;

use super::super::keys::LoadedKey;
use super::super::resources::Resolved;
use super::super::secrets::new_secret;
use super::super::tokens::{self, Delegated, Minting};
use super::{AuthenticatedClient, TokenCtx, unavailable};

/// A user grant that succeeded.
#[derive(Debug)]
pub(crate) struct UserIssue<'a> {
    pub user: &'a User,
    pub auth: &'a AuthContext,
    pub client: &'a AuthenticatedClient,
    pub target: &'a Resolved,
    /// The authorize request's `nonce`, for the id token.
    pub nonce: Option<&'a str>,
    /// The refresh-token family the new refresh token joins.
    pub family_id: Uuid,
    /// `client_info=1`.
    pub client_info: bool,
}

/// The key that signs this tenant's tokens now.
pub(crate) async fn signing_key(
    ctx: &TokenCtx<'_>,
    tenant: cerulean_directory::TenantId,
) -> Result<std::sync::Arc<LoadedKey>, OAuthError> {
    ctx.state
        .authority
        .keys
        .signing_key(&ctx.state.directory, tenant)
        .await
        .map_err(|e| unavailable("signing key", e))
}

fn minting<'a>(ctx: &'a TokenCtx<'_>) -> Minting<'a> {
    Minting {
        base: ctx.base.as_str(),
        now: ctx.now,
        ip: ctx.ip.clone(),
    }
}

/// Access token, optional id token, refresh token.
pub(crate) async fn user_tokens(
    ctx: &TokenCtx<'_>,
    issue: UserIssue<'_>,
) -> Result<TokenResponse, OAuthError> {
    let lifetimes = &ctx.state.authority.lifetimes;
    let key = signing_key(ctx, issue.user.tenant_id).await?;
    let client_id = issue.client.app.client_id;
    let delegated = Delegated {
        user: issue.user,
        auth: issue.auth,
        client_id,
        appidacr: issue.client.appidacr,
        audience: &issue.target.audience,
        endpoint: ctx.version,
    };
    let (refresh_token, token_hash) =
        new_secret(32).map_err(|e| unavailable("refresh token", e))?;
    let row = RefreshToken {
        token_hash,
        family_id: issue.family_id,
        client_id,
        scope: issue.target.stored_scope.clone(),
        auth: issue.auth.clone(),
        created_at: ctx.now,
        expires_at: ctx.now + lifetimes.refresh_token,
        used_at: None,
        revoked: false,
    };
    // The refresh token is written while this thread signs: `join!` polls the insert
    // first, which hands it to the database, then signs while the database works.
    let store = ctx.state.directory.store();
    let (stored, signed) = tokio::join!(store.insert_refresh_token(&row), async {
        sign_user_tokens(ctx, &issue, &key, &delegated)
    });
    stored.map_err(|e| unavailable("storing a refresh token", e))?;
    let (access_token, id_token) = signed?;
    let mut response = base_response(ctx, issue.target);
    response.access_token = Some(access_token);
    response.id_token = id_token;
    response.refresh_token = Some(refresh_token);
    if issue.client_info {
        response.client_info = Some(client_info(issue.user.id, issue.user.tenant_id));
    }
    if issue.client.is_family() {
        response.foci = Some("1".to_owned());
    }
    Ok(response)
}

/// The access token and, when the request wants one, the id token of a user grant.
fn sign_user_tokens(
    ctx: &TokenCtx<'_>,
    issue: &UserIssue<'_>,
    key: &LoadedKey,
    delegated: &Delegated<'_>,
) -> Result<(String, Option<String>), OAuthError> {
    let lifetimes = &ctx.state.authority.lifetimes;
    let m = minting(ctx);
    let claims = tokens::delegated_access_token(&m, delegated, lifetimes.access_token)
        .map_err(|e| unavailable("minting", e))?;
    let v1_token = claims.ver == "1.0";
    let access_token = key
        .sign(&claims, v1_token)
        .map_err(|e| unavailable("signing", e))?;
    let wants_id_token = ctx.version == EndpointVersion::V1 || issue.target.oidc.openid;
    let id_token = if wants_id_token {
        let claims = tokens::id_token(
            &m,
            issue.user,
            issue.auth,
            &delegated.client_id,
            ctx.version,
            issue.nonce,
            lifetimes.id_token,
        );
        let v1 = ctx.version == EndpointVersion::V1;
        Some(
            key.sign(&claims, v1)
                .map_err(|e| unavailable("signing", e))?,
        )
    } else {
        None
    };
    Ok((access_token, id_token))
}

/// An app-only access token (client credentials): no id token, no refresh token.
pub(crate) async fn app_token(
    ctx: &TokenCtx<'_>,
    client: &AuthenticatedClient,
    target: &Resolved,
) -> Result<TokenResponse, OAuthError> {
    let lifetimes = &ctx.state.authority.lifetimes;
    let key = signing_key(ctx, client.app.tenant_id).await?;
    let claims = tokens::app_access_token(
        &minting(ctx),
        &client.app,
        &target.audience,
        ctx.version,
        lifetimes.access_token,
    )
    .map_err(|e| unavailable("minting", e))?;
    let access_token = key
        .sign(&claims, claims.ver == "1.0")
        .map_err(|e| unavailable("signing", e))?;
    let mut response = base_response(ctx, target);
    response.access_token = Some(access_token);
    Ok(response)
}

/// A device-only access token (PROTOCOLS.md §5.7) for `client_id` and the target: no
/// refresh or id token.
pub(crate) async fn device_token(
    ctx: &TokenCtx<'_>,
    device: &cerulean_directory::Device,
    client_id: cerulean_directory::ClientId,
    target: &Resolved,
) -> Result<TokenResponse, OAuthError> {
    let lifetimes = &ctx.state.authority.lifetimes;
    let key = signing_key(ctx, device.tenant_id).await?;
    let claims = tokens::device_access_token(
        &minting(ctx),
        device,
        client_id,
        &target.audience,
        ctx.version,
        lifetimes.access_token,
    )
    .map_err(|e| unavailable("minting", e))?;
    let access_token = key
        .sign(&claims, claims.ver == "1.0")
        .map_err(|e| unavailable("signing", e))?;
    let mut response = base_response(ctx, target);
    response.access_token = Some(access_token);
    Ok(response)
}

/// `token_type`, the four times, `scope` and (v1) `resource`.
fn base_response(ctx: &TokenCtx<'_>, target: &Resolved) -> TokenResponse {
    let lifetime = ctx.state.authority.lifetimes.access_token;
    let issued = u64::try_from(ctx.now.unix_timestamp()).unwrap_or_default();
    let seconds = u64::try_from(lifetime.whole_seconds()).unwrap_or_default();
    let mut response = TokenResponse::bearer(ctx.version).with_lifetime(issued, seconds);
    response.scope = Some(target.response_scope.clone());
    if ctx.version == EndpointVersion::V1 {
        response.resource = Some(target.resource.clone());
    }
    response
}

/// `client_info`: `{uid, utid}`, base64url without padding.
fn client_info(user: UserId, tenant: cerulean_directory::TenantId) -> String {
    ClientInfo {
        uid: user.0,
        utid: tenant.0,
    }
    .encode()
}

/// Loads the user a grant is for; a missing user is 50034, a disabled one 50057.
pub(crate) async fn load_user(ctx: &TokenCtx<'_>, auth: &AuthContext) -> Result<User, OAuthError> {
    let user = ctx
        .state
        .directory
        .store()
        .user(auth.tenant_id, auth.user_id)
        .await
        .map_err(|e| unavailable("user lookup", e))?
        .ok_or_else(|| aadsts::user_not_found(auth.user_id, auth.tenant_id))?;
    if !user.enabled {
        return Err(aadsts::user_disabled());
    }
    Ok(user)
}
