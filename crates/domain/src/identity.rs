//! Identity rules (等保 2.0 身份鉴别): what a password must be, which roles must sign in
//! with a second factor, and the steps a person must take before anything else (a
//! first password of their own, an expired one, 2FA enrolment).

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::FieldError;
use crate::auth::Role;

/// Passwords people commonly choose (`data/security/common-passwords.txt`).
static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("../../../data/security/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
});

/// What a password must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    /// Kinds of character needed among lowercase, uppercase, digits and others.
    pub min_kinds: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy { min_length: 10, min_kinds: 2 }
    }
}

impl PasswordPolicy {
    /// Checks a new password; the message names what is wrong, in Chinese.
    pub fn check(&self, field: &str, password: &str, username: &str) -> Result<(), FieldError> {
        let n = password.chars().count();
        if n < self.min_length {
            return Err(FieldError::new(field, format!("密码至少需要{}个字符", self.min_length)));
        }
        if n > 128 {
            return Err(FieldError::new(field, "密码不能超过128个字符"));
        }
        let lower = password.to_lowercase();
        let user = username.trim().to_lowercase();
        if !user.is_empty() && lower.contains(&user) {
            return Err(FieldError::new(field, "密码不能包含用户名"));
        }
        let kinds = [
            password.chars().any(|c| c.is_ascii_lowercase()),
            password.chars().any(|c| c.is_ascii_uppercase()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_ascii_alphanumeric()),
        ]
        .iter()
        .filter(|k| **k)
        .count();
        if kinds < self.min_kinds {
            return Err(FieldError::new(
                field,
                format!("密码需要包含小写字母、大写字母、数字、符号中的至少{}种", self.min_kinds),
            ));
        }
        let first = password.chars().next().unwrap_or_default();
        if COMMON.contains(&lower) || password.chars().all(|c| c == first) {
            return Err(FieldError::new(field, "这个密码太常见，容易被猜到，请换一个"));
        }
        Ok(())
    }
}

/// A step a person must take before they may do anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PendingStep {
    /// Set a password of their own (an account an administrator created or reset, or a
    /// password past its age).
    ChangePassword,
    /// Enrol a second factor (their role requires one).
    EnrolTotp,
}

impl PendingStep {
    pub fn code(self) -> &'static str {
        match self {
            PendingStep::ChangePassword => "change_password",
            PendingStep::EnrolTotp => "enrol_totp",
        }
    }

    pub fn from_code(s: &str) -> Option<PendingStep> {
        match s {
            "change_password" => Some(PendingStep::ChangePassword),
            "enrol_totp" => Some(PendingStep::EnrolTotp),
            _ => None,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            PendingStep::ChangePassword => "请先设置您自己的新密码，再使用其他功能",
            PendingStep::EnrolTotp => "您的角色需要两步验证：请先绑定动态口令，再使用其他功能",
        }
    }
}

/// Which roles must sign in with a second factor (configurable; by default the
/// administrators and the leaders).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotpPolicy {
    pub required: Vec<Role>,
}

impl Default for TotpPolicy {
    fn default() -> Self {
        TotpPolicy { required: vec![Role::Admin, Role::Leader] }
    }
}

/// What is known of an account when its password has just been accepted.
#[derive(Clone, Copy, Debug, Default)]
pub struct SignIn {
    /// An administrator created the account or reset its password.
    pub must_change_password: bool,
    /// The password is older than the policy allows.
    pub password_expired: bool,
    pub role_requires_totp: bool,
    pub totp_enabled: bool,
    /// One of the demo's own accounts.
    pub demo_account: bool,
}

impl SignIn {
    /// The step the person must take first, if any: a password of their own before a
    /// second factor.
    pub fn pending(self) -> Option<PendingStep> {
        if self.must_change_password || self.password_expired {
            return Some(PendingStep::ChangePassword);
        }
        // The demo's own accounts keep signing in with their password alone, so the demo
        // and the tools that drive it keep working (the login page of a demo says so).
        if self.role_requires_totp && !self.totp_enabled && !self.demo_account {
            return Some(PendingStep::EnrolTotp);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_checked_for_length_kinds_the_username_and_common_choices() {
        let p = PasswordPolicy::default();
        let ok = |pw: &str| p.check("password", pw, "wangli").is_ok();
        assert!(ok("平台镇-window-2026"));
        assert!(ok("Longenough12"));
        for (pw, why) in [
            ("short1", "至少"),
            ("onlylowercaseletters", "至少2种"),
            ("wangli-2026-x", "用户名"),
            ("Password123", "常见"),
            ("aaaaaaaaaaaa", "至少2种"),
            ("P@ssw0rd", "至少"),
        ] {
            let e = p.check("password", pw, "wangli").unwrap_err();
            assert!(e.message.contains(why), "{pw}: {}", e.message);
        }
        assert!(p.check("password", "woaini1314", "x").is_err(), "the shipped list");
    }

    #[test]
    fn the_steps_after_a_password_come_in_order() {
        let admin = SignIn { role_requires_totp: true, ..SignIn::default() };
        assert_eq!(SignIn { must_change_password: true, ..admin }.pending(), Some(PendingStep::ChangePassword));
        assert_eq!(SignIn { password_expired: true, ..SignIn::default() }.pending(), Some(PendingStep::ChangePassword));
        assert_eq!(admin.pending(), Some(PendingStep::EnrolTotp));
        assert_eq!(SignIn { totp_enabled: true, ..admin }.pending(), None);
        assert_eq!(SignIn { demo_account: true, ..admin }.pending(), None, "demo accounts");
        assert_eq!(SignIn::default().pending(), None);
    }
}
