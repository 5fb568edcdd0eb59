//! Smart lockout: repeated password failures lock password sign-in for a period that
//! grows with each lockout. The counters live in the store, so every node sees them.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutState {
    /// Consecutive failures since the last success or lockout.
    pub failures: u32,
    /// How many times the account has been locked since the last successful sign-in.
    pub lockouts: u32,
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_failure_at: Option<OffsetDateTime>,
}

impl LockoutState {
    pub fn is_locked(&self, now: OffsetDateTime) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }
}

/// Entra's defaults: a threshold of 10 failures and a first lockout of 60 seconds,
/// doubling with each further lockout (capped). Failures older than the reset window are
/// forgotten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub first_lockout: Duration,
    pub max_lockout: Duration,
    pub failure_window: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            threshold: 10,
            first_lockout: Duration::seconds(60),
            max_lockout: Duration::hours(1),
            failure_window: Duration::minutes(30),
        }
    }
}

impl LockoutPolicy {
    /// The state after one more failure at `now`.
    pub fn after_failure(&self, previous: LockoutState, now: OffsetDateTime) -> LockoutState {
        let mut next = previous;
        let stale = previous
            .last_failure_at
            .is_some_and(|last| now - last > self.failure_window);
        if stale {
            next.failures = 0;
        }
        if previous.is_locked(now) {
            // Failures during a lockout do not extend it; the attempt is refused anyway.
            next.last_failure_at = Some(now);
            return next;
        }
        next.failures += 1;
        next.last_failure_at = Some(now);
        if next.failures >= self.threshold {
            let exponent = next.lockouts.min(16);
            let factor = 1_i32 << exponent;
            let duration = (self.first_lockout * factor).min(self.max_lockout);
            next.lockouts += 1;
            next.failures = 0;
            next.locked_until = Some(now + duration);
        }
        next
    }

    /// The state after a successful sign-in.
    pub fn after_success(&self) -> LockoutState {
        LockoutState::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_start_at_the_threshold_and_grow() {
        let policy = LockoutPolicy::default();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let mut state = LockoutState::default();
        for i in 0..9 {
            state = policy.after_failure(state, t0 + Duration::seconds(i));
            assert!(!state.is_locked(t0 + Duration::seconds(i)));
        }
        state = policy.after_failure(state, t0 + Duration::seconds(9));
        let first = state.locked_until.unwrap() - (t0 + Duration::seconds(9));
        assert_eq!(first, Duration::seconds(60));
        // Failures while locked do not extend the lock.
        let during = policy.after_failure(state, t0 + Duration::seconds(30));
        assert_eq!(during.locked_until, state.locked_until);
        // After it expires, ten more failures lock for twice as long.
        let mut later = during;
        let base = t0 + Duration::seconds(100);
        for i in 0..10 {
            later = policy.after_failure(later, base + Duration::seconds(i));
        }
        let second = later.locked_until.unwrap() - (base + Duration::seconds(9));
        assert_eq!(second, Duration::seconds(120));
        assert_eq!(policy.after_success(), LockoutState::default());
    }

    #[test]
    fn old_failures_are_forgotten() {
        let policy = LockoutPolicy::default();
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let mut state = LockoutState::default();
        for i in 0..9 {
            state = policy.after_failure(state, t0 + Duration::seconds(i));
        }
        state = policy.after_failure(state, t0 + Duration::hours(2));
        assert_eq!(state.failures, 1);
        assert!(state.locked_until.is_none());
    }
}
