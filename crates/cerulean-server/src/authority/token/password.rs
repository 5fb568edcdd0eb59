//! `grant_type=password` (ROPC): username and password straight to the token endpoint
//! (roadtx, msal-python, libhimmelblau).
//!
//! Everything that can be refused without the password is refused first (unknown client,
//! unknown resource, malformed scope, wrong tenant), so a bad request neither costs an
//! argon2id verification nor counts towards the user's smart lockout. The password check
//! itself is the directory's: lockout, the constant-cost path for unknown users, the
//! sign-in audit event.

use cerulean_crypto::SecretString;
use cerulean_directory::user::upn_domain;
use cerulean_directory::{SignInFailure, TenantId};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{ErrorCode, OAuthError, PasswordGrant, TokenResponse};
use uuid::Uuid;

use super::super::resources::{RequestedTarget, Resolved, resolve};
use super::super::tenant::{self, TenantScope};
use super::client::{AuthenticatedClient, authenticate, shown};
use super::issue::{UserIssue, user_tokens};
use super::{TokenCtx, unavailable};

pub(super) async fn grant(
    ctx: &TokenCtx<'_>,
    g: PasswordGrant,
) -> Result<TokenResponse, OAuthError> {
    g.target.require(ctx.version)?;
    let target =
        RequestedTarget::parse(&g.target)?.ok_or_else(|| aadsts::missing_parameter("scope"))?;
    let upn = g.username.trim();
    let domain_name = upn_domain(upn).unwrap_or_default();
    let directory = &ctx.state.directory;
    // With the tenant known from the UPN's domain, check client and resource before the
    // password. (A domain no tenant has is left to the sign-in: unknown user.)
    let domain_tenant = match tenant::resolve_cached(ctx.state, &domain_name).await {
        Ok(TenantScope::Tenant(t)) => Some(t.id),
        Ok(TenantScope::Any { .. }) => None,
        Err(e) if e.error == ErrorCode::TemporarilyUnavailable => return Err(e),
        Err(_) => None,
    };
    let mut prepared = None;
    if let Some(tenant) = domain_tenant {
        if !ctx.admits(tenant) {
            return Err(aadsts::user_not_found(shown(upn), ctx.scope.segment()));
        }
        prepared = Some(prepare(ctx, tenant, &g, &target).await?);
    }
    let password = SecretString::new(g.password.expose().clone());
    let signed_in = directory
        .sign_in_with_password(&ctx.action(), upn, &password)
        .await
        .map_err(|e| unavailable("password sign-in", e))?
        .map_err(|failure| refusal(failure, upn, &domain_name))?;
    let user = &signed_in.user;
    if !ctx.admits(user.tenant_id) {
        return Err(aadsts::user_not_found(shown(upn), ctx.scope.segment()));
    }
    let (client, resolved) = match prepared {
        Some(p) if user.tenant_id == p.0.app.tenant_id => p,
        _ => prepare(ctx, user.tenant_id, &g, &target).await?,
    };
    user_tokens(
        ctx,
        UserIssue {
            user,
            auth: &signed_in.auth,
            client: &client,
            target: &resolved,
            nonce: None,
            family_id: Uuid::new_v4(),
            client_info: g.options.client_info,
        },
    )
    .await
}

async fn prepare(
    ctx: &TokenCtx<'_>,
    tenant: TenantId,
    g: &PasswordGrant,
    target: &RequestedTarget,
) -> Result<(AuthenticatedClient, Resolved), OAuthError> {
    let client = authenticate(ctx, tenant, &g.client).await?;
    let resolved = resolve(ctx.state, tenant, target).await?;
    Ok((client, resolved))
}

/// The AADSTS answer for a refused sign-in.
pub(super) fn refusal(failure: SignInFailure, upn: &str, domain: &str) -> OAuthError {
    match failure {
        SignInFailure::UnknownUser => aadsts::user_not_found(shown(upn), shown(domain)),
        SignInFailure::WrongPassword | SignInFailure::NoPassword => {
            aadsts::invalid_username_or_password()
        }
        SignInFailure::Disabled => aadsts::user_disabled(),
        SignInFailure::Locked { .. } => aadsts::account_locked(),
        SignInFailure::Federated { domain } => aadsts::invalid_grant(format_args!(
            "users of the federated domain '{domain}' sign in at their organization's \
             identity provider (WS-Trust or the SAML bearer grant), not with a password here."
        )),
    }
}
