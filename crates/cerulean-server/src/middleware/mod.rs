//! Cross-cutting request handling, applied to every route by [`crate::app`].
//!
//! Order, outermost first: [`observe`] (correlation id, span, metrics, access log) →
//! panic catcher → [`limits`] (timeout, body size, JSON 413) → [`normalize`] (path
//! case and escapes) → routes.

pub mod limits;
pub mod normalize;
pub mod observe;
