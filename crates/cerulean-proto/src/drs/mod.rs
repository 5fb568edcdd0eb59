//! The Device Registration Service: MS-DVRD discovery, MS-DVRJ join/register, the DRS
//! nonce, and MS-KPP Windows Hello key registration (PROTOCOLS.md §3, §4, §5.8;
//! INTEROP.md §3.6, §4.4, §8.3, §10 "DRS").
//!
//! * [`discovery`]: `/{tenant}/Discover` JSON and `/EnrollmentServer/contract` (JSON or,
//!   via [`DrsDiscovery::to_contract_xml`], MS-DVRD's XML), with every section some
//!   client reads.
//! * [`join`]: the join request (parsed case-insensitively) and its validated form.
//! * [`join_response`]: `Certificate`, `User`, `MembershipChanges`.
//! * [`error`]: the DRS `ErrorDetails` body and the HTTP status of each error.
//! * [`nonce`]: the DRS nonce response (`ReponseStatus`, misspelt as on the wire).
//! * [`key_registration`]: `{"kngc": …}` and its response and error bodies.
//!
//! Binary payloads (CSR, key blobs) are only base64-decoded here; parsing and verifying
//! them is `cerulean-crypto`'s job.

mod ci;
mod contract;
pub mod discovery;
pub mod error;
pub mod join;
pub mod join_response;
pub mod key_registration;
pub mod nonce;

pub use discovery::{ContractFormat, DrsDiscovery};
pub use error::{DrsError, DrsErrorBody, DrsErrorType};
pub use join::{JoinAttributes, JoinRequest, JoinRequestError, JoinRequestValidated, JoinType};
pub use join_response::{JoinCertificate, JoinResponse, JoinUser, MembershipChange};
pub use key_registration::{
    KeyRegistrationError, KeyRegistrationRequest, KeyRegistrationResponse, KppError, KppErrorBody,
};
pub use nonce::{DrsNonceResponse, DrsResponseStatus};

/// The DRS resource clients request tokens for and that Entra puts in `aud`
/// (`resource=urn:ms-drs:enterpriseregistration.windows.net`; roadtx checks `aud` equals
/// it exactly). Used for every `…ResourceId` in discovery.
pub const DRS_RESOURCE_ID: &str = "urn:ms-drs:enterpriseregistration.windows.net";

/// The DRS application id (`01cb2876-…/.default` scope, the other accepted `aud`).
pub const DRS_APP_ID: &str = "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9";

/// The fixed CSR subject every known client sends; the server ignores it.
pub const CSR_PLACEHOLDER_SUBJECT: &str = "CN=7E980AD9-B86D-4306-9425-9AC066FB014A";

/// The local Administrators group (`MembershipChanges[].LocalSID`).
pub const LOCAL_ADMINISTRATORS_SID: &str = "S-1-5-32-544";
