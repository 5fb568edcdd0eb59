//! The Cerulean domain: tenants, domains, users, groups, applications, devices and audit
//! events; the rules that govern them; and the `Store`, `Clock` boundaries.
//!
//! Rules live here, not in HTTP handlers: the server and the admin CLI both call
//! [`Directory`], which validates, checks policy and writes each change with its audit
//! event through a [`Store`].

pub mod application;
pub mod audit;
pub mod authority;
pub mod clock;
pub mod device;
pub mod device_ca;
pub mod device_policy;
pub mod device_store;
pub mod directory;
pub mod error;
pub mod group;
pub mod ids;
pub mod names;
mod serde_b64;
pub mod sid;
pub mod store;
pub mod tenant;
pub mod user;
pub mod well_known;

pub use application::{Application, ClientSecret};
pub use audit::{ActionContext, Actor, AuditEvent, AuditQuery, AuditResult};
pub use clock::{Clock, ManualClock, SystemClock};
pub use device::{Device, HelloKey, MdmState, TrustType};
pub use device_ca::{ServerSecret, TenantDeviceCa};
pub use device_policy::{
    AzureAdJoinPolicy, AzureAdRegistrationPolicy, DeviceRegistrationMembership,
    DeviceRegistrationPolicy, LocalAdminPasswordSettings, LocalAdminSettings,
    MultiFactorAuthConfiguration,
};
pub use device_store::{
    DevicePage, DeviceQuery, DeviceRegistration, DeviceStore, RegistrationOutcome,
};
pub use directory::{
    CertificateToIssue, DeviceRefusal, DeviceUpdate, Directory, NewApplication, NewClientSecret,
    NewHelloKey, NewUser, PasswordPolicy, RegisterDevice, RegisteredDevice, RegistrationKind,
    SignInFailure, SignedIn,
};
pub use error::{DirectoryError, DirectoryResult};
pub use group::{Group, Member};
pub use ids::{AuditId, ClientId, DeviceId, DeviceObjectId, GroupId, HelloKeyId, TenantId, UserId};
pub use store::{Store, StoreError, StoreResult};
pub use tenant::{Branding, Domain, DomainKind, FederationProtocol, FederationSettings, Tenant};
pub use user::{Role, User};
