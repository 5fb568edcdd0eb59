//! Why a device operation was refused: the policy said no, as opposed to something
//! breaking. The DRS answers each in its error format with [`DeviceRefusal::message`].

/// A refusal the user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceRefusal {
    /// The token's user does not exist in the tenant.
    UserNotFound,
    UserDisabled,
    /// The policy's `azureADJoin.allowedToJoin` does not include the user.
    NotAllowedToJoin,
    /// The policy's `azureADRegistration.allowedToRegister` does not include the user.
    NotAllowedToRegister,
    /// The sign-in was not multi-factor (no `mfa`/`ngcmfa` in `amr`) and it must be.
    MfaRequired,
    /// The user already owns `quota` devices.
    QuotaExceeded {
        quota: u32,
    },
    /// The device named by the request was disabled by an administrator.
    DeviceDisabled,
    /// The device named by the request (or token) is not registered in the tenant.
    DeviceNotFound,
    /// The device is registered to another user.
    NotDeviceOwner,
}

impl DeviceRefusal {
    /// A stable word for logs, metrics and audit events.
    pub fn code(&self) -> &'static str {
        match self {
            DeviceRefusal::UserNotFound => "user_not_found",
            DeviceRefusal::UserDisabled => "user_disabled",
            DeviceRefusal::NotAllowedToJoin => "not_allowed_to_join",
            DeviceRefusal::NotAllowedToRegister => "not_allowed_to_register",
            DeviceRefusal::MfaRequired => "mfa_required",
            DeviceRefusal::QuotaExceeded { .. } => "quota_exceeded",
            DeviceRefusal::DeviceDisabled => "device_disabled",
            DeviceRefusal::DeviceNotFound => "device_not_found",
            DeviceRefusal::NotDeviceOwner => "not_device_owner",
        }
    }

    /// What to tell the user, in words that say what to do next.
    pub fn message(&self) -> String {
        match self {
            DeviceRefusal::UserNotFound => "Your account was not found in this organization's \
                 directory. Sign in with a work account of this organization and try again."
                .into(),
            DeviceRefusal::UserDisabled => {
                "Your account is disabled. Contact your administrator.".into()
            }
            DeviceRefusal::NotAllowedToJoin => "Your organization does not allow you to join \
                 devices. Ask your administrator to allow you to join devices."
                .into(),
            DeviceRefusal::NotAllowedToRegister => "Your organization does not allow you to \
                 register devices. Ask your administrator to allow you to register devices."
                .into(),
            DeviceRefusal::MfaRequired => "Your organization requires multi-factor \
                 authentication for this. Sign in again with multi-factor authentication and \
                 try again."
                .into(),
            DeviceRefusal::QuotaExceeded { quota } => format!(
                "You have reached your organization's limit of {quota} devices per user. \
                 Delete a device you no longer use, or ask your administrator to raise the \
                 limit."
            ),
            DeviceRefusal::DeviceDisabled => "This device was disabled by an administrator. \
                 Ask your administrator to enable or delete it, then try again."
                .into(),
            DeviceRefusal::DeviceNotFound => "This device is not registered in your \
                 organization's directory. Join or register the device again."
                .into(),
            DeviceRefusal::NotDeviceOwner => "This device is registered to another user. \
                 Use a device registered to your account."
                .into(),
        }
    }
}

impl std::fmt::Display for DeviceRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}
