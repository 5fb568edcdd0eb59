//! The authorize endpoint's query (PROTOCOLS.md §2.1, §5.6; INTEROP.md §4.4 item 7, §5.2,
//! §6.2, §8.3 item 6).

use super::OAuthError;
use super::form::{Form, parse_flag, parse_form_body};
use crate::aadsts;

const KNOWN: &[&str] = &[
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "resource",
    "state",
    "nonce",
    "prompt",
    "login_hint",
    "domain_hint",
    "response_mode",
    "code_challenge",
    "code_challenge_method",
    "sso_nonce",
    "client-request-id",
    "claims",
    "amr_values",
    "client_info",
];

/// `response_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMode {
    /// `query`: parameters in the redirect's query string.
    Query,
    /// `fragment`: parameters in the redirect's fragment.
    Fragment,
    /// `form_post`: an auto-submitting HTML form.
    FormPost,
}

impl ResponseMode {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "query" => Some(Self::Query),
            "fragment" => Some(Self::Fragment),
            "form_post" => Some(Self::FormPost),
            _ => None,
        }
    }
}

/// `code_challenge_method` (RFC 7636).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeChallengeMethod {
    /// `S256`.
    S256,
    /// `plain` (the RFC 7636 default when a challenge comes without a method).
    Plain,
}

/// A PKCE challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge {
    /// `code_challenge`.
    pub challenge: String,
    /// `code_challenge_method`.
    pub method: CodeChallengeMethod,
}

/// `response_type`: a space-separated set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseType {
    /// `code`
    pub code: bool,
    /// `id_token`
    pub id_token: bool,
    /// `token`
    pub token: bool,
}

impl ResponseType {
    fn parse(s: &str) -> Result<Self, OAuthError> {
        let mut rt = Self::default();
        for word in s.split_ascii_whitespace() {
            match word {
                "code" => rt.code = true,
                "id_token" => rt.id_token = true,
                "token" => rt.token = true,
                _ => {
                    return Err(OAuthError::new(
                        super::ErrorCode::UnsupportedResponseType,
                        aadsts::code::MALFORMED_REQUEST,
                        "The response_type is not supported.",
                    ));
                }
            }
        }
        if rt == Self::default() {
            return Err(aadsts::missing_parameter("response_type"));
        }
        Ok(rt)
    }

    /// The response mode to use when the request named none: query for `code` alone,
    /// fragment whenever a token travels in the front channel.
    pub fn default_mode(self) -> ResponseMode {
        if self.id_token || self.token {
            ResponseMode::Fragment
        } else {
            ResponseMode::Query
        }
    }
}

/// `prompt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// `login`: force credentials.
    Login,
    /// `none`: no UI; fail with `login_required`/`interaction_required`.
    None,
    /// `consent`
    Consent,
    /// `select_account`
    SelectAccount,
    /// `create`
    Create,
    /// Anything else, verbatim.
    Other(String),
}

impl Prompt {
    fn parse(s: &str) -> Self {
        match s {
            "login" => Self::Login,
            "none" => Self::None,
            "consent" => Self::Consent,
            "select_account" => Self::SelectAccount,
            "create" => Self::Create,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// The authorize query, validated for syntax. Policy (registered redirect URIs, PKCE
/// requirements, scopes) is the server's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    /// `client_id`.
    pub client_id: String,
    /// `response_type`.
    pub response_type: ResponseType,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `scope` (v2).
    pub scope: Option<String>,
    /// `resource` (v1).
    pub resource: Option<String>,
    /// `state`, echoed unchanged.
    pub state: Option<String>,
    /// `nonce`, copied verbatim into the id_token (and only if sent).
    pub nonce: Option<String>,
    /// `prompt`.
    pub prompt: Option<Prompt>,
    /// `login_hint`.
    pub login_hint: Option<String>,
    /// `domain_hint`.
    pub domain_hint: Option<String>,
    /// `response_mode`, if sent.
    pub response_mode: Option<ResponseMode>,
    /// PKCE challenge, if sent.
    pub code_challenge: Option<CodeChallenge>,
    /// `sso_nonce` (PRT SSO, a `srv_challenge` nonce).
    pub sso_nonce: Option<String>,
    /// `client-request-id`.
    pub client_request_id: Option<String>,
    /// `claims` JSON text.
    pub claims: Option<String>,
    /// `amr_values` (e.g. `ngcmfa`).
    pub amr_values: Option<String>,
    /// `client_info=1`.
    pub client_info: bool,
}

impl AuthorizeRequest {
    /// Parses already-decoded query pairs.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, OAuthError> {
        let mut f = Form::collect(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), KNOWN)?;
        let client_id = f
            .take("client_id")
            .ok_or_else(|| aadsts::missing_parameter("client_id"))?;
        let response_type = ResponseType::parse(
            &f.take("response_type")
                .ok_or_else(|| aadsts::missing_parameter("response_type"))?,
        )?;
        let response_mode = match f.take("response_mode") {
            None => None,
            Some(m) => Some(ResponseMode::parse(&m).ok_or_else(|| {
                aadsts::malformed_request("The response_mode must be query, fragment or form_post.")
            })?),
        };
        let code_challenge =
            code_challenge(f.take("code_challenge"), f.take("code_challenge_method"))?;
        Ok(Self {
            client_id,
            response_type,
            redirect_uri: f.take("redirect_uri"),
            scope: f.take("scope"),
            resource: f.take("resource"),
            state: f.take("state"),
            nonce: f.take("nonce"),
            prompt: f.take("prompt").map(|p| Prompt::parse(&p)),
            login_hint: f.take("login_hint"),
            domain_hint: f.take("domain_hint"),
            response_mode,
            code_challenge,
            sso_nonce: f.take("sso_nonce"),
            client_request_id: f.take("client-request-id"),
            claims: f.take("claims"),
            amr_values: f.take("amr_values"),
            client_info: parse_flag("client_info", f.take("client_info"))?,
        })
    }

    /// Parses a raw query string (without the leading `?`), or a form_post body.
    pub fn from_query(query: &str) -> Result<Self, OAuthError> {
        Self::from_pairs(&parse_form_body(query.as_bytes()))
    }

    /// The response mode to answer with.
    pub fn effective_response_mode(&self) -> ResponseMode {
        self.response_mode
            .unwrap_or(self.response_type.default_mode())
    }
}

fn code_challenge(
    challenge: Option<String>,
    method: Option<String>,
) -> Result<Option<CodeChallenge>, OAuthError> {
    let Some(challenge) = challenge else {
        return match method {
            None => Ok(None),
            Some(_) => Err(aadsts::missing_parameter("code_challenge")),
        };
    };
    let method = match method.as_deref() {
        None | Some("plain") => CodeChallengeMethod::Plain,
        Some("S256") => CodeChallengeMethod::S256,
        Some(_) => {
            return Err(aadsts::pkce_challenge_invalid(
                "the code_challenge_method must be S256 or plain.",
            ));
        }
    };
    // RFC 7636 §4.2: 43–128 characters of [A-Z a-z 0-9 - . _ ~].
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
    if !(43..=128).contains(&challenge.len()) || !challenge.chars().all(ok_char) {
        return Err(aadsts::pkce_challenge_invalid(
            "it must be 43 to 128 characters of the unreserved set.",
        ));
    }
    Ok(Some(CodeChallenge { challenge, method }))
}
