//! State the authority (sign-in and tokens) keeps: signing keys, authorization codes,
//! refresh tokens, device codes, browser sessions and lockout counters.

pub mod grants;
pub mod keys;
pub mod lockout;
pub mod prt;
pub mod store;

pub use grants::{
    AuthContext, AuthorizationCode, BrowserSession, CodeRedemption, DeviceCode, DeviceCodeState,
    RefreshRedemption, RefreshToken,
};
pub use keys::SigningKey;
pub use lockout::{LockoutPolicy, LockoutState};
pub use prt::{PrimaryRefreshToken, SealedSessionKey};
pub use store::{AuthorityStore, LockoutUpdate};
