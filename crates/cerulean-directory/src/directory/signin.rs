//! Password sign-in: the rule every password grant and sign-in page goes through.
//!
//! Order matters for what an attacker can learn: a locked account is refused before the
//! password is checked (and a correct password during lockout is still refused); an
//! unknown user costs the same argon2id work as a known one; a disabled account is only
//! reported once the password was right.

use serde_json::json;

use super::Directory;
use crate::audit::{ActionContext, AuditResult};
use crate::authority::{AuthContext, LockoutPolicy};
use crate::error::{DirectoryError, DirectoryResult};
use crate::tenant::DomainKind;
use crate::user::User;
use cerulean_crypto::SecretString;
use time::OffsetDateTime;

/// Why a password sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInFailure {
    /// No such user (AADSTS50034).
    UnknownUser,
    /// Wrong password (AADSTS50126).
    WrongPassword,
    /// Right password, disabled account (AADSTS50057).
    Disabled,
    /// Smart lockout (AADSTS50053).
    Locked { until: OffsetDateTime },
    /// The user's domain is federated: sign in at the organization's identity provider.
    Federated { domain: String },
    /// The user has no password (AADSTS50126 as well, to reveal nothing).
    NoPassword,
}

impl SignInFailure {
    fn audit_reason(&self) -> &'static str {
        match self {
            SignInFailure::UnknownUser => "unknown user",
            SignInFailure::WrongPassword => "wrong password",
            SignInFailure::Disabled => "account disabled",
            SignInFailure::Locked { .. } => "account locked",
            SignInFailure::Federated { .. } => "federated domain",
            SignInFailure::NoPassword => "no password",
        }
    }
}

/// A successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub auth: AuthContext,
}

impl Directory {
    /// Checks a UPN and password, applying smart lockout and auditing the attempt.
    pub async fn sign_in_with_password(
        &self,
        ctx: &ActionContext,
        upn: &str,
        password: &SecretString,
    ) -> DirectoryResult<Result<SignedIn, SignInFailure>> {
        let now = self.clock.now();
        let Some(user) = self.store.user_by_upn(upn.trim()).await? else {
            self.verify_dummy(password).await?;
            let tenant = match self
                .domain(&crate::user::upn_domain(upn).unwrap_or_default())
                .await?
            {
                Some(d) => Some(d.tenant_id),
                None => None,
            };
            self.audit_sign_in(
                ctx,
                now,
                tenant,
                &format!("upn:{}", upn.trim()),
                Some(&SignInFailure::UnknownUser),
            )
            .await?;
            return Ok(Err(SignInFailure::UnknownUser));
        };
        let target = format!("user:{}", user.id);
        let failure = self.check_password(&user, password, now).await?;
        self.audit_sign_in(ctx, now, Some(user.tenant_id), &target, failure.as_ref())
            .await?;
        match failure {
            Some(failure) => Ok(Err(failure)),
            None => {
                let auth = AuthContext {
                    tenant_id: user.tenant_id,
                    user_id: user.id,
                    amr: vec!["pwd".to_string()],
                    auth_time: now,
                    device_id: None,
                };
                Ok(Ok(SignedIn { user, auth }))
            }
        }
    }

    /// The core checks; `None` means the password is right and the account usable.
    async fn check_password(
        &self,
        user: &User,
        password: &SecretString,
        now: OffsetDateTime,
    ) -> DirectoryResult<Option<SignInFailure>> {
        let domain = self.domain(&user.domain()).await?;
        if let Some(domain) = domain {
            if matches!(domain.kind, DomainKind::Federated(_)) {
                return Ok(Some(SignInFailure::Federated {
                    domain: domain.name,
                }));
            }
        }
        let lockout = self.store.lockout_state(user.id).await?;
        if let Some(until) = lockout.locked_until.filter(|until| now < *until) {
            return Ok(Some(SignInFailure::Locked { until }));
        }
        let Some(hash) = user.password_hash.clone() else {
            self.verify_dummy(password).await?;
            return Ok(Some(SignInFailure::NoPassword));
        };
        if !self.verify_password(password, hash).await? {
            let policy = self.lockout_policy;
            let state = self
                .store
                .update_lockout(user.id, &move |s| policy.after_failure(s, now))
                .await?;
            if state.is_locked(now) && !lockout.is_locked(now) {
                let audit = crate::audit::ActionContext::new(crate::audit::Actor::System).event(
                    now,
                    Some(user.tenant_id),
                    "signin.lockout",
                    format!("user:{}", user.id),
                    json!({ "lockedUntil": state.locked_until.map(|t| t.unix_timestamp()),
                            "lockouts": state.lockouts }),
                );
                self.store.record_audit(&audit).await?;
            }
            return Ok(Some(SignInFailure::WrongPassword));
        }
        if lockout.failures > 0 || lockout.lockouts > 0 {
            let policy = self.lockout_policy;
            self.store
                .update_lockout(user.id, &move |_| policy.after_success())
                .await?;
        }
        if !user.enabled {
            return Ok(Some(SignInFailure::Disabled));
        }
        Ok(None)
    }

    /// Verifies on the password threads.
    async fn verify_password(
        &self,
        password: &SecretString,
        hash: String,
    ) -> DirectoryResult<bool> {
        let password = password.clone();
        self.hash_workers
            .run(move |hasher| hasher.verify(&password, &hash))
            .await?
            .map_err(DirectoryError::from)
    }

    /// Spends a verify's worth of time for users that do not exist.
    async fn verify_dummy(&self, password: &SecretString) -> DirectoryResult<()> {
        let password = password.clone();
        self.hash_workers
            .run(move |hasher| hasher.verify_dummy(&password))
            .await
    }

    async fn audit_sign_in(
        &self,
        ctx: &ActionContext,
        now: OffsetDateTime,
        tenant: Option<crate::ids::TenantId>,
        target: &str,
        failure: Option<&SignInFailure>,
    ) -> DirectoryResult<()> {
        let mut event = ctx.event(now, tenant, "signin.password", target, json!({}));
        if let Some(failure) = failure {
            event.result = AuditResult::Failure(failure.audit_reason().to_string());
        }
        self.store.record_audit(&event).await?;
        Ok(())
    }

    /// The lockout policy in force.
    pub fn lockout_policy(&self) -> LockoutPolicy {
        self.lockout_policy
    }
}
