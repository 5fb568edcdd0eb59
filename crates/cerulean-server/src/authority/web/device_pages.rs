//! Pages of the device-code verification flow (RFC 8628 §3.3).

use super::html::{Look, Page, escape};
use super::pages::{FormCtx, Notice};

fn notice_html(notice: Option<&Notice>) -> String {
    match notice {
        Some(n) => format!(
            "<div id=\"error\" class=\"error\" role=\"alert\">{}</div>",
            n.html()
        ),
        None => String::new(),
    }
}

/// "Enter code".
pub fn enter_code(look: Look, ctx: &FormCtx, prefill: &str, notice: Option<&Notice>) -> Page {
    let body = format!(
        "<h1 id=\"otcTitle\">Enter code</h1>\
         <p>Enter the code displayed on your app or device.</p>{notice}{form}\
         <input type=\"text\" name=\"otc\" id=\"otc\" value=\"{value}\" placeholder=\"Code\" \
         autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" maxlength=\"16\" \
         required autofocus aria-label=\"Code\">\
         <div class=\"buttons\"><button type=\"submit\" id=\"idSIButton9\" class=\"primary\">\
         Next</button></div></form>",
        notice = notice_html(notice),
        form = ctx.open("device-code", "code"),
        value = escape(prefill),
    );
    Page::new("Enter code", body, look)
}

/// "Are you trying to sign in to …?"
pub fn confirm(look: Look, ctx: &FormCtx, app: &str, signed_in_as: Option<&str>) -> Page {
    let who = signed_in_as
        .map(|upn| {
            format!(
                "<p class=\"identity\" id=\"signedInAs\">Signed in as {}</p>",
                escape(upn)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1 id=\"confirmTitle\">Are you trying to sign in to {app}?</h1>{who}\
         <p>Only continue if you downloaded the app from a store or website that you trust.</p>\
         {form}<div class=\"buttons\">\
         <button type=\"submit\" id=\"idBtn_Back\" class=\"secondary\" name=\"action\" \
         value=\"deny\">Cancel</button>\
         <button type=\"submit\" id=\"idSIButton9\" class=\"primary\" name=\"action\" \
         value=\"continue\">Continue</button></div></form>",
        app = escape(app),
        form = ctx.open("device-confirm", "confirm"),
    );
    Page::new("Confirm sign-in", body, look)
}

/// The code was approved.
pub fn done(look: Look, app: &str) -> Page {
    let body = format!(
        "<h1 id=\"doneTitle\">{app}</h1><p id=\"done\">You have signed in to the {app} \
         application on your device. You may now close this window.</p>",
        app = escape(app)
    );
    Page::new("Signed in", body, look)
}

/// The user declined.
pub fn declined(look: Look, app: &str) -> Page {
    let body = format!(
        "<h1 id=\"declinedTitle\">{app}</h1><p id=\"declined\">You have declined to sign in to \
         the {app} application on your device. You may now close this window.</p>",
        app = escape(app)
    );
    Page::new("Sign-in declined", body, look)
}
