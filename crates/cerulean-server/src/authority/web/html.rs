//! HTML building blocks: escaping, the page frame (a white card in the work-or-school
//! style, with the tenant's branding), and the security headers every page carries.
//!
//! Every piece of interpolated text goes through [`escape`]; the only unescaped strings
//! in a page are the constant templates in this module and `pages*.rs`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use cerulean_directory::Branding;
use sha2::{Digest, Sha256};

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '`' => out.push_str("&#96;"),
            c => out.push(c),
        }
    }
    out
}

/// `<input type="hidden" name="…" value="…">`, both escaped.
pub fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        escape(name),
        escape(value)
    )
}

/// The one script any page runs: the form_post auto-submit. Allowed by its hash.
pub const AUTO_SUBMIT_SCRIPT: &str = "document.getElementById('form_post').submit();";

/// What the frame of a page shows around its content.
#[derive(Debug, Clone, Default)]
pub struct Look {
    /// The tenant's branding, when the tenant is known.
    pub branding: Option<Branding>,
    /// Extra CSP `form-action` source (the client's redirect origin), when the page's
    /// forms may lead to a redirect to the client.
    pub form_target: Option<String>,
}

/// A rendered page with its status.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub title: String,
    pub body: String,
    pub look: Look,
    /// Whether the page runs [`AUTO_SUBMIT_SCRIPT`].
    pub script: bool,
    /// `Set-Cookie` values to send with the page.
    pub cookies: Vec<String>,
}

impl Page {
    pub fn new(title: &str, body: String, look: Look) -> Self {
        Self {
            status: StatusCode::OK,
            title: title.to_string(),
            body,
            look,
            script: false,
            cookies: Vec::new(),
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn with_cookies(mut self, cookies: Vec<String>) -> Self {
        self.cookies.extend(cookies);
        self
    }

    fn document(&self) -> String {
        let branding = self.look.branding.clone().unwrap_or_default();
        let background = branding
            .background_color
            .as_deref()
            .filter(|c| is_safe_color(c))
            .map(|c| format!("body{{background:{c}}}"))
            .unwrap_or_default();
        let logo = match branding
            .banner_logo_url
            .as_deref()
            .filter(|u| u.starts_with("https://"))
        {
            Some(url) => format!(
                "<img class=\"logo\" src=\"{}\" alt=\"Organization logo\">",
                escape(url)
            ),
            None => "<div class=\"brand\">Cerulean</div>".to_string(),
        };
        let text = branding
            .sign_in_page_text
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(|t| format!("<p class=\"tenant-text\">{}</p>", escape(t)))
            .unwrap_or_default();
        let script = if self.script {
            format!("<script>{AUTO_SUBMIT_SCRIPT}</script>")
        } else {
            String::new()
        };
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"referrer\" content=\"no-referrer\">\
             <title>{title}</title><style>{CSS}{background}</style></head>\
             <body><main class=\"card\">{logo}\n{body}\n{text}</main>{script}</body></html>\n",
            title = escape(&self.title),
            body = self.body,
        )
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let document = self.document();
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            document,
        )
            .into_response();
        secure(&mut response, self.look.form_target.as_deref(), self.script);
        for cookie in &self.cookies {
            if let Ok(value) = HeaderValue::from_str(cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        response
    }
}

/// Adds the security headers of every sign-in response (pages and redirects alike).
pub fn secure(response: &mut Response, form_target: Option<&str>, script: bool) {
    let mut csp = String::from(
        "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    if let Some(target) = form_target {
        csp.push(' ');
        csp.push_str(target);
    }
    if script {
        csp.push_str("; script-src '");
        csp.push_str(&script_hash());
        csp.push('\'');
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// `sha256-…` of [`AUTO_SUBMIT_SCRIPT`], the CSP source that allows exactly that script.
fn script_hash() -> String {
    let digest = Sha256::digest(AUTO_SUBMIT_SCRIPT.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// A branding colour goes into a `<style>` element, where HTML escaping does not apply:
/// only `#rgb`/`#rrggbb`(`aa`) and plain colour names are let through.
fn is_safe_color(color: &str) -> bool {
    match color.strip_prefix('#') {
        Some(hex) => {
            matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit())
        }
        None => (1..=24).contains(&color.len()) && color.chars().all(|c| c.is_ascii_alphabetic()),
    }
}

const CSS: &str = "\
*{box-sizing:border-box}\
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;\
background:#f2f2f2;font-family:'Segoe UI','Segoe UI Web',Tahoma,Arial,sans-serif;color:#1b1b1b}\
.card{background:#fff;width:100%;max-width:440px;padding:44px;margin:16px;\
box-shadow:0 2px 6px rgba(0,0,0,.2);min-height:300px}\
.brand{font-size:20px;font-weight:600;color:#0067b8;letter-spacing:.5px;margin-bottom:16px}\
.logo{max-height:36px;max-width:256px;margin-bottom:16px}\
h1{font-size:24px;font-weight:600;line-height:28px;margin:16px 0 12px}\
p{font-size:15px;line-height:20px;margin:8px 0}\
.identity{font-size:15px;margin:8px 0 4px;overflow-wrap:anywhere}\
input[type=email],input[type=password],input[type=text]{width:100%;font-size:15px;\
padding:6px 0;margin:16px 0 8px;border:0;border-bottom:1px solid #666;outline:none;\
background:transparent}\
input:focus{border-bottom-color:#0067b8}\
.error{color:#e81123;font-size:15px;margin:12px 0}\
.buttons{display:flex;justify-content:flex-end;gap:8px;margin-top:24px}\
button,input[type=submit]{min-width:108px;font-size:15px;padding:6px 12px;border:0;cursor:pointer}\
.primary{background:#0067b8;color:#fff}.secondary{background:#ccc;color:#000}\
a{color:#0067b8;text-decoration:none;font-size:13px}a:hover{text-decoration:underline}\
ul.scopes{padding-left:20px;font-size:15px}ul.scopes li{margin:6px 0}\
.small{font-size:13px;color:#605e5c}.tenant-text{font-size:13px;color:#605e5c;margin-top:24px}\
code{font-family:Consolas,monospace;font-size:13px;overflow-wrap:anywhere}\
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(
            hidden("a\"", "<b>"),
            "<input type=\"hidden\" name=\"a&quot;\" value=\"&lt;b&gt;\">"
        );
    }

    #[test]
    fn only_plain_colours_reach_the_stylesheet() {
        assert!(is_safe_color("#0078d4"));
        assert!(is_safe_color("white"));
        assert!(!is_safe_color("red;}</style><script>"));
        assert!(!is_safe_color("#12"));
        assert!(!is_safe_color("url(x)"));
    }

    #[test]
    fn branding_is_escaped() {
        let look = Look {
            branding: Some(Branding {
                background_color: Some("red}</style><script>x()</script>".into()),
                banner_logo_url: Some("javascript:alert(1)".into()),
                sign_in_page_text: Some("<b>hi</b>".into()),
                user_id_label: None,
            }),
            form_target: None,
        };
        let doc = Page::new("t", String::new(), look).document();
        assert!(!doc.contains("<script>"));
        assert!(!doc.contains("javascript:"));
        assert!(doc.contains("&lt;b&gt;hi&lt;/b&gt;"));
    }

    #[test]
    fn script_hash_matches_the_script() {
        assert!(script_hash().starts_with("sha256-"));
        assert_eq!(script_hash().len(), "sha256-".len() + 44);
    }
}
