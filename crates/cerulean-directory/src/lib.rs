//! The Cerulean domain: tenants, domains, users, groups, applications and audit events;
//! the rules that govern them; and the `Store`, `Clock` boundaries.
//!
//! Rules live here, not in HTTP handlers: the server and the admin CLI both call
//! [`Directory`], which validates, checks policy and writes each change with its audit
//! event through a [`Store`].

pub mod application;
pub mod audit;
pub mod authority;
pub mod clock;
pub mod directory;
pub mod error;
pub mod group;
pub mod ids;
pub mod names;
pub mod store;
pub mod tenant;
pub mod user;
pub mod well_known;

pub use application::{Application, ClientSecret};
pub use audit::{ActionContext, Actor, AuditEvent, AuditQuery, AuditResult};
pub use clock::{Clock, ManualClock, SystemClock};
pub use directory::{
    Directory, NewApplication, NewClientSecret, NewUser, PasswordPolicy, SignInFailure, SignedIn,
};
pub use error::{DirectoryError, DirectoryResult};
pub use group::{Group, Member};
pub use ids::{AuditId, ClientId, GroupId, TenantId, UserId};
pub use store::{Store, StoreError, StoreResult};
pub use tenant::{Branding, Domain, DomainKind, FederationProtocol, FederationSettings, Tenant};
pub use user::{Role, User};
