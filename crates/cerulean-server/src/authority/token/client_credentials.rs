//! `grant_type=client_credentials`: a registered confidential application gets an
//! app-only token for a resource of its own tenant.
//!
//! The tenant must be named in the path (Entra answers `common` with 50059), the client
//! must be confidential and authenticate with a secret (body or HTTP Basic), and the
//! target must be `{resource}/.default` (v2) or `resource=` (v1). The token has
//! `idtyp: app`, `roles` (empty until app roles exist) and no `scp`; there is no refresh
//! token and no id token.

use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{ClientAuth, ClientCredentialsGrant, OAuthError, TokenResponse};

use super::super::resources::{RequestedTarget, resolve};
use super::super::tenant::TenantScope;
use super::TokenCtx;
use super::client::{authenticate, parse_client_id};
use super::issue::app_token;

pub(super) async fn grant(
    ctx: &TokenCtx<'_>,
    g: ClientCredentialsGrant,
) -> Result<TokenResponse, OAuthError> {
    let TenantScope::Tenant(tenant) = &ctx.scope else {
        return Err(aadsts::no_tenant_information());
    };
    g.target.require(ctx.version)?;
    let target =
        RequestedTarget::parse(&g.target)?.ok_or_else(|| aadsts::missing_parameter("scope"))?;
    if !target.is_default_only() {
        let scope = g.target.scope.as_deref().unwrap_or_default();
        // Entra: a client credentials scope must be `<resource>/.default`.
        return Err(aadsts::invalid_scope(
            scope.chars().take(200).collect::<String>(),
        ));
    }
    let id = parse_client_id(&g.client_id, &tenant.id.to_string())?;
    let auth = ClientAuth {
        client_id: id.to_string(),
        client_secret: Some(g.client_secret),
        method: g.method,
    };
    // A public client fails here: it must not present a secret, and this grant needs one.
    let client = authenticate(ctx, tenant.id, &auth).await?;
    let resolved = resolve(ctx.state, tenant.id, &target).await?;
    app_token(ctx, &client, &resolved).await
}
