//! Logging in and out, sessions, passwords. Passwords are hashed with Argon2id;
//! session tokens are random and only their SHA-256 digest is stored, so a copy of the
//! database does not let anyone in. Failed logins are limited per account and per
//! address over a sliding window, counted in the database so all instances agree.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::Actor;
use gongdao_domain::identity::PendingStep;
use gongdao_domain::text::clip;
use gongdao_store::accounts::{self, UserRecord};
use gongdao_store::audit;
use gongdao_store::audit::NewAuditEntry;
use gongdao_store::rate;
use gongdao_store::sessions::{self, NewSession};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::audit::Event;
use crate::{ServiceError, Services};

/// A fresh login: the token for the `Authorization` header or the cookie, and the
/// CSRF token that cookie-authenticated state changes must echo.
#[derive(Clone, Debug)]
pub struct LoginSession {
    pub token: String,
    pub csrf_token: String,
    pub actor: Actor,
    pub expires_at: DateTime<Utc>,
    /// What the person must do before anything else (their own password, 2FA).
    pub pending: Option<PendingStep>,
}

/// A request's authenticated session.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub actor: Actor,
    pub csrf_token: String,
    /// The session's id (to tell it apart in the person's list of sessions).
    pub session_id: i64,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn token_digest(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a password with Argon2id (CPU-heavy: run off the async threads).
pub async fn hash_password(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))?
}

async fn verify_password(password: String, hash: String) -> Result<bool, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))
}

/// A hash of no real password, verified when the username is unknown so that the
/// answer takes as long as for a known one.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$qx9GxQdLn3JQ5aZxUoGvJ0dBPlrcA7yAtymsBvO2Y9A";

pub(crate) fn actor_of(user: &UserRecord, ip: &str) -> Actor {
    Actor {
        user_id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        scope: user.scope,
        institution_id: user.institution_id,
        ip: ip.to_string(),
        pending: None,
    }
}

impl Services {
    /// Checks a username, a password and — for an account with two-step verification —
    /// a code of the authenticator (or a recovery code), and opens a session.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        totp: Option<&str>,
        ip: &str,
    ) -> Result<LoginSession, ServiceError> {
        let username = clip(username.trim(), 64);
        if username.is_empty() {
            return Err(ServiceError::field("username", "请输入用户名"));
        }
        if password.is_empty() {
            return Err(ServiceError::field("password", "请输入密码"));
        }
        let now = self.now();
        let cfg = self.config();
        let window = cfg.login_window.num_seconds();
        // The attempt is counted before the password is looked at, in one atomic
        // statement: parallel guesses cannot all pass a check made before any was
        // counted. The lock holds one account from one address; the account stays open
        // from elsewhere and the address for other accounts.
        let pair = login_pair_key(&username, ip);
        let attempts = rate::hit(self.store().writer(), &pair, window, now).await?;
        let user = accounts::find_by_username(self.store().reader(), &username).await?;
        if attempts > cfg.max_failures_per_account as i64 {
            self.record_failed_login(&username, ip, user.as_ref(), "登录失败次数过多，该账号在此地址已暂时锁定")
                .await?;
            let minutes = cfg.login_window.num_minutes().max(1);
            return Err(ServiceError::RateLimited { minutes, retry_after_secs: window });
        }
        // An address with many failures (a guesser, or an office behind one NAT) is
        // slowed down rather than refused, so its colleagues can still sign in.
        let ip_failures = rate::peek(self.store().reader(), &login_ip_key(ip), window, now).await?;
        if ip_failures >= cfg.max_failures_per_ip as i64 {
            let excess = (ip_failures - cfg.max_failures_per_ip as i64 + 1) as u64;
            tokio::time::sleep(std::time::Duration::from_millis((excess * 250).min(5_000))).await;
        }
        let hash = user.as_ref().map_or(DUMMY_HASH.to_string(), |u| u.password_hash.clone());
        let ok = verify_password(password.to_string(), hash).await?;
        let user = match user {
            Some(u) if ok && u.active => u,
            Some(u) if ok => {
                self.record_failed_login(&username, ip, Some(&u), "账号已停用").await?;
                return Err(ServiceError::Forbidden("该账号已停用，请联系系统管理员".into()));
            }
            other => {
                rate::hit(self.store().writer(), &login_ip_key(ip), window, now).await?;
                self.record_failed_login(&username, ip, other.as_ref(), "用户名或密码错误").await?;
                return Err(ServiceError::BadCredentials);
            }
        };
        // The second factor, when the account has one: a code of the authenticator, or
        // one of the recovery codes (each spent once).
        if user.totp_enabled_at.is_some() {
            let code = totp.map(str::trim).filter(|c| !c.is_empty());
            let Some(code) = code else {
                self.record_failed_login(&username, ip, Some(&user), "密码正确，缺少动态口令").await?;
                return Err(ServiceError::TotpRequired);
            };
            if !self.second_factor_holds(&user, code).await? {
                rate::hit(self.store().writer(), &login_ip_key(ip), window, now).await?;
                self.record_failed_login(&username, ip, Some(&user), "动态口令错误").await?;
                return Err(ServiceError::TotpInvalid);
            }
        }
        let expired = match (cfg.password_max_age, user.password_changed_at) {
            (Some(age), Some(changed)) => changed + age <= now && !user.demo,
            _ => false,
        };
        let pending = gongdao_domain::identity::SignIn {
            must_change_password: user.must_change_password,
            password_expired: expired,
            role_requires_totp: cfg.totp_policy.required.contains(&user.role),
            totp_enabled: user.totp_enabled_at.is_some(),
            demo_account: user.demo,
        }
        .pending();
        let token = random_token();
        let csrf_token = random_token();
        let expires_at = now + cfg.session_idle.min(cfg.session_max);
        let actor = Actor { pending, ..actor_of(&user, ip) };
        let tx = self.store().begin().await?;
        sessions::insert(
            &tx,
            NewSession {
                token_hash: &token_digest(&token),
                user_id: user.id,
                csrf_token: &csrf_token,
                ip,
                now,
                expires_at,
                pending,
            },
        )
        .await?;
        sessions::record_attempt(&tx, &username, ip, now, true).await?;
        rate::reset(&tx, &pair).await?;
        self.audit(
            &tx,
            &actor,
            Event::new(AuditAction::Login, AuditObject::Session, user.id, user.scope.root, "登录成功"),
        )
        .await?;
        tx.commit().await?;
        Ok(LoginSession { token, csrf_token, actor, expires_at, pending })
    }

    async fn record_failed_login(
        &self,
        username: &str,
        ip: &str,
        user: Option<&UserRecord>,
        why: &str,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let tx = self.store().begin().await?;
        sessions::record_attempt(&tx, username, ip, now, false).await?;
        audit::append(
            &tx,
            &NewAuditEntry {
                at: now,
                actor_id: user.map(|u| u.id.0),
                actor_name: username.to_string(),
                ip: ip.to_string(),
                scope: user.map_or(self.config().home_region, |u| u.scope.root),
                action: AuditAction::LoginFailed,
                object_type: AuditObject::Session,
                object_id: user.map(|u| u.id.to_string()),
                summary: why.to_string(),
                changes: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The session a token belongs to, if it is live; slides its idle expiry.
    pub async fn authenticate(&self, token: &str, ip: &str) -> Result<Option<SessionInfo>, ServiceError> {
        if token.is_empty() || token.len() > 200 {
            return Ok(None);
        }
        let digest = token_digest(token);
        let Some((session, user)) = sessions::find(self.store().reader(), &digest).await? else {
            return Ok(None);
        };
        let now = self.now();
        let cfg = self.config();
        if session.expires_at <= now || session.created_at + cfg.session_max <= now || !user.active {
            sessions::delete(self.store().writer(), &digest).await?;
            return Ok(None);
        }
        // Writing on every request would serialise reads behind the writer; a minute of
        // slack on the idle expiry is harmless.
        if now - session.last_seen_at > chrono::Duration::seconds(60) {
            let expires = (now + cfg.session_idle).min(session.created_at + cfg.session_max);
            sessions::touch(self.store().writer(), session.id, now, expires).await?;
        }
        let actor = Actor { pending: session.pending, ..actor_of(&user, ip) };
        Ok(Some(SessionInfo { actor, csrf_token: session.csrf_token, session_id: session.id }))
    }

    /// Ends the session of this token.
    pub async fn logout(&self, actor: &Actor, token: &str) -> Result<(), ServiceError> {
        let tx = self.store().begin().await?;
        if sessions::delete(&tx, &token_digest(token)).await? {
            self.audit(
                &tx,
                actor,
                Event::new(AuditAction::Logout, AuditObject::Session, actor.user_id, actor.scope.root, "退出登录"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Changes one's own password after checking the current one; other sessions end.
    pub async fn change_own_password(&self, actor: &Actor, current: &str, new: &str) -> Result<(), ServiceError> {
        let Some(user) = accounts::find_by_username(self.store().reader(), &actor.username).await? else {
            return Err(ServiceError::Unauthenticated);
        };
        if !verify_password(current.to_string(), user.password_hash.clone()).await? {
            return Err(ServiceError::field("current_password", "当前密码不正确"));
        }
        self.check_password("new_password", new, &user.username)?;
        if new == current {
            return Err(ServiceError::field("new_password", "新密码不能与当前密码相同"));
        }
        let hash = hash_password(new.to_string()).await?;
        let tx = self.store().begin().await?;
        accounts::set_password(&tx, user.id, &hash, false, self.now()).await?;
        sessions::delete_for_user(&tx, user.id).await?;
        self.audit(
            &tx,
            actor,
            Event::new(AuditAction::Update, AuditObject::Account, user.id, user.scope.root, "修改本人密码"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops expired sessions and old login attempts (run periodically).
    pub async fn purge_sessions(&self) -> Result<u64, ServiceError> {
        let now = self.now();
        let n = sessions::purge_expired(self.store().writer(), now).await?;
        sessions::purge_attempts(self.store().writer(), now - chrono::Duration::days(30)).await?;
        Ok(n)
    }
}

/// The counter of one account's attempts from one address.
fn login_pair_key(username: &str, ip: &str) -> String {
    format!("login:{}|{ip}", username.to_lowercase())
}

/// The counter of one address's failed logins, whatever the account.
fn login_ip_key(ip: &str) -> String {
    format!("login-failed:{ip}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_and_the_dummy_hash_parses() {
        let hash = hash_password("gongdao-demo".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("gongdao-demo".into(), hash.clone()).await.unwrap());
        assert!(!verify_password("wrong".into(), hash).await.unwrap());
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn tokens_are_random_and_digests_stable() {
        assert_ne!(random_token(), random_token());
        assert_eq!(token_digest("a"), token_digest("a"));
        assert_eq!(token_digest("a").len(), 64);
    }
}
