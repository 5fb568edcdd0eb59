//! Who may call the Graph shim: delegated (user) tokens for Microsoft Graph, whose user
//! holds an administrator role and whose token carries a permission for the operation.
//!
//! * No token, or one that fails validation → 401 `InvalidAuthenticationToken` with
//!   Graph's `WWW-Authenticate: Bearer …` challenge (503 if validation itself could not
//!   run).
//! * App-only (client credentials) tokens → 403 `Authorization_RequestDenied`: application
//!   permissions are not supported yet.
//! * A user without Global Administrator or Cloud Device Administrator, or a token without
//!   a delegated permission that covers the operation (`scp`) → 403
//!   `Authorization_RequestDenied`, "Insufficient privileges to complete the operation."
//!
//! The permissions are Graph's for these APIs; `Directory.AccessAsUser.All` (what
//! `.default` and v1 `resource=` tokens carry, among others) covers the device APIs.

use cerulean_directory::well_known::{GRAPH_APP, GRAPH_RESOURCE};
use cerulean_directory::{ActionContext, Actor, Role, TenantId, User};
use http::{HeaderMap, header};

use super::error::{GraphError, INSUFFICIENT_PRIVILEGES};
use super::request::GraphRequest;
use crate::app::AppState;
use crate::authority::{TokenError, ValidatedToken, validate_access_token};

/// The audiences Graph accepts: the resource URI the authority puts in Graph tokens
/// (`https://graph.microsoft.com`, no trailing slash) and Graph's application id.
pub const GRAPH_AUDIENCES: &[&str] = &[GRAPH_RESOURCE, GRAPH_APP];

/// The roles that may use the device and policy APIs.
const ADMIN_ROLES: [Role; 2] = [Role::GlobalAdministrator, Role::CloudDeviceAdministrator];

/// What a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadDevices,
    WriteDevices,
    ReadPolicy,
    WritePolicy,
}

impl Access {
    /// Delegated permissions that allow it (any one suffices).
    fn permissions(self) -> &'static [&'static str] {
        match self {
            Access::ReadDevices => &[
                "Device.Read.All",
                "Device.ReadWrite.All",
                "Directory.Read.All",
                "Directory.ReadWrite.All",
                "Directory.AccessAsUser.All",
            ],
            Access::WriteDevices => &[
                "Device.ReadWrite.All",
                "Directory.ReadWrite.All",
                "Directory.AccessAsUser.All",
            ],
            Access::ReadPolicy => &[
                "Policy.Read.DeviceConfiguration",
                "Policy.ReadWrite.DeviceConfiguration",
                "Policy.Read.All",
            ],
            Access::WritePolicy => &["Policy.ReadWrite.DeviceConfiguration"],
        }
    }
}

/// An authorized caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: ValidatedToken,
    pub user: User,
}

impl Caller {
    /// The token's tenant: Graph has no tenant in the path.
    pub fn tenant(&self) -> TenantId {
        self.token.tenant.id
    }

    /// Audit context: the signed-in administrator, with the request's correlation id.
    pub fn action_context(&self, request: &GraphRequest) -> ActionContext {
        ActionContext::new(Actor::User(self.user.id.to_string()))
            .with_correlation_id(request.correlation.as_str())
    }
}

/// Authenticates the request and checks that it may do `access`.
pub async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    access: Access,
) -> Result<Caller, GraphError> {
    let Some(token) = bearer(headers) else {
        return Err(GraphError::unauthenticated("Access token is empty."));
    };
    let token = match validate_access_token(state, token, GRAPH_AUDIENCES).await {
        Ok(token) => token,
        Err(TokenError::Unavailable) => {
            return Err(GraphError::unavailable(&TokenError::Unavailable));
        }
        Err(e) => {
            return Err(GraphError::unauthenticated(format!(
                "Access token validation failure: {e}."
            )));
        }
    };
    let Some(user) = token.user.clone() else {
        return Err(GraphError::forbidden(
            "Application permissions are not supported yet: call this API with a delegated \
             token of a user who holds the Global Administrator or Cloud Device \
             Administrator role.",
        ));
    };
    let admin = ADMIN_ROLES.iter().any(|r| user.has_role(*r));
    let permitted = token.scopes().any(|granted| {
        access
            .permissions()
            .iter()
            .any(|p| p.eq_ignore_ascii_case(granted))
    });
    if !admin || !permitted {
        tracing::debug!(
            user = %user.id,
            admin,
            permitted,
            ?access,
            "graph request denied"
        );
        return Err(GraphError::forbidden(INSUFFICIENT_PRIVILEGES));
    }
    Ok(Caller { token, user })
}

/// The token of `Authorization: Bearer …`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn bearer_tokens_are_found_case_insensitively() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer abc"),
        );
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&headers), None);
    }

    #[test]
    fn writes_need_more_than_reads() {
        assert!(
            Access::ReadDevices
                .permissions()
                .contains(&"Device.Read.All")
        );
        assert!(
            !Access::WriteDevices
                .permissions()
                .contains(&"Device.Read.All")
        );
        assert!(
            !Access::WritePolicy
                .permissions()
                .contains(&"Policy.Read.DeviceConfiguration")
        );
    }
}
