//! The sign-in pages. Each returns a [`Page`]; every interpolated value is escaped here.
//! Field names and element ids are part of the interop contract (see `web/mod.rs`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::html::{Look, Page, escape, hidden, secure};

/// What every form of a flow carries.
#[derive(Debug, Clone)]
pub struct FormCtx {
    /// Where the form posts (`/{tenant}/login`, `/{tenant}/oauth2/deviceauth`).
    pub action: String,
    pub csrf: String,
    pub flow: String,
}

impl FormCtx {
    /// `<form …>` with the hidden `csrf`, `flow` and `step` fields.
    pub fn open(&self, id: &str, step: &str) -> String {
        format!(
            "<form id=\"{}\" method=\"post\" action=\"{}\">{}{}{}",
            escape(id),
            escape(&self.action),
            hidden("csrf", &self.csrf),
            hidden("flow", &self.flow),
            hidden("step", step)
        )
    }
}

/// A message shown above a form, already HTML (built by the constructors below).
#[derive(Debug, Clone)]
pub struct Notice(String);

impl Notice {
    /// Plain text, escaped.
    pub fn text(text: &str) -> Self {
        Self(escape(text))
    }

    /// Text followed by a link (http(s) targets only).
    pub fn with_link(text: &str, label: &str, href: &str) -> Self {
        if href.starts_with("https://") || href.starts_with("http://") {
            Self(format!(
                "{} <a id=\"federationLink\" href=\"{}\">{}</a>",
                escape(text),
                escape(href),
                escape(label)
            ))
        } else {
            Self::text(text)
        }
    }

    /// The message as HTML.
    pub fn html(&self) -> &str {
        &self.0
    }

    fn render(notice: Option<&Notice>) -> String {
        notice
            .map(|n| {
                format!(
                    "<div id=\"error\" class=\"error\" role=\"alert\">{}</div>",
                    n.0
                )
            })
            .unwrap_or_default()
    }
}

fn primary(label: &str, name_value: Option<(&str, &str)>) -> String {
    let nv = name_value
        .map(|(n, v)| format!(" name=\"{}\" value=\"{}\"", escape(n), escape(v)))
        .unwrap_or_default();
    format!(
        "<button type=\"submit\" id=\"idSIButton9\" class=\"primary\"{nv}>{}</button>",
        escape(label)
    )
}

fn secondary(id: &str, label: &str, name: &str, value: &str) -> String {
    format!(
        "<button type=\"submit\" id=\"{}\" class=\"secondary\" name=\"{}\" value=\"{}\">{}</button>",
        escape(id),
        escape(name),
        escape(value),
        escape(label)
    )
}

/// Step 1: "Sign in" with the email address.
pub fn email(
    look: Look,
    ctx: &FormCtx,
    prefill: Option<&str>,
    app: Option<&str>,
    notice: Option<&Notice>,
) -> Page {
    let to = app
        .map(|a| format!("<p class=\"small\">to continue to {}</p>", escape(a)))
        .unwrap_or_default();
    let body = format!(
        "<h1 id=\"loginHeader\">Sign in</h1>{to}{notice}{form}\
         <input type=\"email\" name=\"login\" id=\"i0116\" value=\"{value}\" \
         placeholder=\"Email, phone, or Skype\" autocomplete=\"username\" required autofocus \
         aria-label=\"Email\">\
         <div class=\"buttons\">{button}</div></form>",
        notice = Notice::render(notice),
        form = ctx.open("signin-email", "email"),
        value = escape(prefill.unwrap_or_default()),
        button = primary("Next", None),
    );
    Page::new("Sign in to your account", body, look)
}

/// Step 2: "Enter password".
pub fn password(
    look: Look,
    ctx: &FormCtx,
    login: &str,
    other_account: Option<&str>,
    notice: Option<&Notice>,
) -> Page {
    let other = other_account
        .map(|href| {
            format!(
                "<p><a id=\"otherAccount\" href=\"{}\">Sign in with another account</a></p>",
                escape(href)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<div class=\"identity\" id=\"displayName\">{login_text}</div>\
         <h1 id=\"loginHeader\">Enter password</h1>{notice}{form}{login_field}\
         <input type=\"password\" name=\"passwd\" id=\"i0118\" placeholder=\"Password\" \
         autocomplete=\"current-password\" required autofocus aria-label=\"Password\">\
         {other}<div class=\"buttons\">{button}</div></form>",
        login_text = escape(login),
        notice = Notice::render(notice),
        form = ctx.open("signin-password", "password"),
        login_field = hidden("login", login),
        button = primary("Sign in", None),
    );
    Page::new("Sign in to your account", body, look)
}

/// After a password sign-in: "Stay signed in?".
pub fn kmsi(look: Look, ctx: &FormCtx, login: &str) -> Page {
    let body = format!(
        "<div class=\"identity\">{login}</div><h1 id=\"kmsiTitle\">Stay signed in?</h1>\
         <p>Do this to reduce the number of times you are asked to sign in.</p>{form}\
         <div class=\"buttons\">{no}{yes}</div></form>",
        login = escape(login),
        form = ctx.open("kmsi", "kmsi"),
        no = secondary("idBtn_Back", "No", "kmsi", "no"),
        yes = primary("Yes", Some(("kmsi", "yes"))),
    );
    Page::new("Stay signed in?", body, look)
}

/// "Permissions requested" for an organization-registered application.
pub fn consent(look: Look, ctx: &FormCtx, login: &str, app: &str, scopes: &[String]) -> Page {
    let items: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(&describe_scope(s))))
        .collect();
    let body = format!(
        "<div class=\"identity\">{login}</div><h1 id=\"consentTitle\">Permissions requested</h1>\
         <p><strong>{app}</strong> would like to:</p><ul class=\"scopes\" id=\"scopes\">{items}</ul>\
         <p class=\"small\">Accepting lets this app use your data as described. You can stop \
         using it at any time.</p>{form}<div class=\"buttons\">{cancel}{accept}</div></form>",
        login = escape(login),
        app = escape(app),
        form = ctx.open("consent", "consent"),
        cancel = secondary("idBtn_Back", "Cancel", "consent", "decline"),
        accept = primary("Accept", Some(("consent", "accept"))),
    );
    Page::new("Permissions requested", body, look)
}

fn describe_scope(scope: &str) -> String {
    match scope {
        "openid" => "Sign you in".to_string(),
        "profile" => "View your basic profile".to_string(),
        "email" => "View your email address".to_string(),
        "offline_access" => "Maintain access to data you have given it access to".to_string(),
        other => format!("Access {other}"),
    }
}

/// `prompt=select_account` with a session: "Pick an account".
pub fn pick_account(look: Look, ctx: &FormCtx, display_name: &str, login: &str) -> Page {
    let body = format!(
        "<h1 id=\"pickTitle\">Pick an account</h1>{form}\
         <p class=\"identity\" id=\"tileName\">{name}</p><p class=\"small\">{login}</p>\
         <div class=\"buttons\">{other}{cont}</div></form>",
        form = ctx.open("select-account", "select_account"),
        name = escape(display_name),
        login = escape(login),
        other = secondary("otherTile", "Use another account", "account", "other"),
        cont = primary("Continue", Some(("account", "current"))),
    );
    Page::new("Pick an account", body, look)
}

/// A federated domain: the user signs in at the organization's identity provider.
pub fn federated(look: Look, login: &str, idp: &str, href: &str) -> Page {
    let notice = Notice::with_link(
        &format!("Your organization signs you in at {idp}."),
        "Continue to your organization's sign-in page",
        href,
    );
    let body = format!(
        "<div class=\"identity\">{}</div><h1>Taking you to your organization's sign-in page</h1>\
         <p id=\"federated\">{}</p>",
        escape(login),
        notice.0
    );
    Page::new("Sign in to your account", body, look)
}

/// An error that stops the flow: nothing is sent to the client.
pub fn error(look: Look, status: StatusCode, message: &str, correlation: &str) -> Page {
    let body = format!(
        "<h1 id=\"errorTitle\">Sorry, but we're having trouble signing you in.</h1>\
         <p id=\"errorMessage\">{}</p><p class=\"small\">Correlation ID: <code>{}</code></p>",
        escape(message),
        escape(correlation)
    );
    Page::new("Sign in error", body, look).with_status(status)
}

/// "You signed out".
pub fn signed_out(look: Look) -> Page {
    let body = "<h1 id=\"signedOut\">You signed out of your account</h1>\
                <p>It's a good idea to close all browser windows.</p>"
        .to_string();
    Page::new("Signed out", body, look)
}

/// `response_mode=form_post`: an auto-submitting form that also works without script.
pub fn form_post(look: Look, action: &str, params: &[(&str, &str)]) -> Page {
    let fields: String = params.iter().map(|(k, v)| hidden(k, v)).collect();
    let body = format!(
        "<h1>Working...</h1><form id=\"form_post\" method=\"post\" action=\"{}\">{fields}\
         <noscript><p>Script is disabled. Click Submit to continue.</p>\
         <input type=\"submit\" id=\"idSIButton9\" class=\"primary\" value=\"Submit\"></noscript>\
         </form>",
        escape(action)
    );
    let mut page = Page::new("Working...", body, look);
    page.script = true;
    page
}

/// A `302` to `location`, with an HTML body whose first link is the same URL (some clients
/// read the code from the body rather than the header) and the security headers.
pub fn redirect(location: &str, cookies: &[String]) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>Object moved</title></head><body>\
         <h2>Object moved to <a href=\"{}\">here</a>.</h2></body></html>\n",
        escape(location)
    );
    let mut response = (
        StatusCode::FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response();
    secure(&mut response, None, false);
    if let Ok(value) = HeaderValue::from_bytes(location.as_bytes()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// An empty page (the native-client redirect target; the client reads the address bar).
pub fn blank() -> Page {
    Page::new("", String::new(), Look::default())
}
