//! OAuth 2.0 as Entra speaks it: token, authorize and device-code requests and responses, and
//! the error body (PROTOCOLS.md §2.1–2.2, INTEROP.md §3.7, §8.4, §10).

mod authorize;
mod basic;
mod client_info;
mod device_code;
mod error;
mod form;
mod grant_type;
mod token_grant;
mod token_request;
mod token_response;

pub use authorize::{
    AuthorizeRequest, CodeChallenge, CodeChallengeMethod, Prompt, ResponseMode, ResponseType,
};
pub use basic::BasicCredentials;
pub use client_info::ClientInfo;
pub use device_code::{DeviceCodeRequest, DeviceCodeResponse};
pub use error::{ErrorCode, OAuthError, OAuthErrorBody, format_timestamp};
pub use form::{MAX_LARGE_VALUE_LEN, MAX_NAME_LEN, MAX_VALUE_LEN, parse_form_body};
pub use grant_type::{
    DEVICE_CODE_URN, GrantType, JWT_BEARER_URN, SAML2_BEARER_URN, SAML11_BEARER_URN,
};
pub use token_grant::{
    AuthorizationCodeGrant, ClientAuth, ClientCredentialsGrant, DeviceCodeGrant,
    JwtBearerCredential, JwtBearerGrant, PasswordGrant, RefreshTokenGrant, SamlBearerGrant,
    SamlVersion, TokenGrant, TokenOptions, TokenTarget,
};
pub use token_request::{ClientAuthMethod, TokenRequest};
pub use token_response::{NumberEncoding, TokenResponse};
