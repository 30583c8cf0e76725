//! Two-step verification (TOTP, RFC 6238) and one's own sessions. The authenticator's
//! secret is sealed at rest like other personal data; recovery codes are kept only as
//! digests and each works once. Enrolment shows the secret as a QR code and takes
//! effect when a code from the authenticator confirms it. Every event is audited.

use chrono::{DateTime, Utc};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission};
use gongdao_domain::identity::PendingStep;
use gongdao_domain::ids::UserId;
use gongdao_store::accounts::{self, UserRecord};
use gongdao_store::sessions;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};
use utoipa::ToSchema;

use crate::audit::Event;
use crate::{ServiceError, Services};

/// The name the authenticator shows for the account.
const ISSUER: &str = "公道公共法律服务";
/// Recovery codes given at enrolment.
const RECOVERY_CODES: usize = 10;

/// What enrolment shows: the secret as a QR code, and as text to type in.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// Base32, for typing into an authenticator by hand.
    pub secret: String,
    /// `otpauth://totp/…`, what the QR code holds.
    pub otpauth_url: String,
    /// The QR code as SVG.
    pub qr_svg: String,
}

/// One of a person's sessions, as their list shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub id: i64,
    pub ip: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The session this list was asked from.
    pub current: bool,
}

fn totp_of(secret: Vec<u8>, account: &str) -> Result<TOTP, ServiceError> {
    // Authenticators show “issuer: account”; a colon in the account would confuse them.
    let account = account.replace(':', "_");
    TOTP::new(Algorithm::SHA1, 6, 1, 30, secret, Some(ISSUER.into()), account)
        .map_err(|e| ServiceError::Internal(format!("totp: {e}")))
}

/// The digest under which a recovery code is kept (salted with its account).
fn recovery_digest(user: UserId, code: &str) -> String {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_uppercase();
    Sha256::digest(format!("{}:{normal}", user.0).as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Ten codes like `7KQ2-MX9D-PT`: no 0/O or 1/I to misread.
fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 10];
            rand::rng().fill_bytes(&mut bytes);
            let chars: String = bytes.iter().map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char).collect();
            format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..10])
        })
        .collect()
}

/// The current code of a secret (tests and the demo).
pub fn totp_code(secret_base32: &str, at: DateTime<Utc>) -> Result<String, ServiceError> {
    let bytes = Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .map_err(|_| ServiceError::Internal("bad secret".into()))?;
    Ok(totp_of(bytes, "x")?.generate(at.timestamp().max(0) as u64))
}

impl Services {
    /// Whether `code` is the account's current TOTP code (one step of clock drift
    /// either way), or one of its unspent recovery codes — which it then spends.
    pub(crate) async fn second_factor_holds(&self, user: &UserRecord, code: &str) -> Result<bool, ServiceError> {
        let Some(sealed) = &user.totp_secret_enc else { return Ok(false) };
        let secret = self.cipher().open(sealed)?;
        let bytes = Secret::Encoded(secret).to_bytes().map_err(|_| ServiceError::Internal("bad secret".into()))?;
        let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()) {
            let totp = totp_of(bytes, &user.username)?;
            return Ok(totp.check(&digits, self.now().timestamp().max(0) as u64));
        }
        let spent = accounts::spend_recovery_code(self.store().writer(), user, &recovery_digest(user.id, code)).await?;
        if spent {
            let tx = self.store().begin().await?;
            let actor = crate::auth::actor_of(user, "-");
            let left = user.recovery_codes.len() - 1;
            self.audit(
                &tx,
                &actor,
                Event::new(
                    AuditAction::Update,
                    AuditObject::Account,
                    user.id,
                    user.scope.root,
                    format!("用恢复码登录（还剩 {left} 个）"),
                ),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(spent)
    }

    async fn own_record(&self, actor: &Actor) -> Result<UserRecord, ServiceError> {
        accounts::find_by_username(self.store().reader(), &actor.username).await?.ok_or(ServiceError::Unauthenticated)
    }

    /// Starts enrolling a second factor: a new secret, kept until a code confirms it.
    /// Allowed while enrolment is the person's pending step.
    pub async fn totp_begin(&self, actor: &Actor) -> Result<TotpEnrolment, ServiceError> {
        allow_own_step(actor, PendingStep::EnrolTotp)?;
        let user = self.own_record(actor).await?;
        if user.totp_enabled_at.is_some() {
            return Err(ServiceError::Conflict("您已开启两步验证；如需更换手机，请联系管理员重置".into()));
        }
        let secret = Secret::generate_secret();
        let encoded = secret.to_encoded().to_string();
        let bytes = secret.to_bytes().map_err(|_| ServiceError::Internal("bad secret".into()))?;
        let totp = totp_of(bytes, &user.username)?;
        let url = totp.get_url();
        let qr = qrcode::QrCode::new(url.as_bytes()).map_err(|e| ServiceError::Internal(format!("qr: {e}")))?;
        let qr_svg = qr.render::<qrcode::render::svg::Color<'_>>().min_dimensions(220, 220).quiet_zone(true).build();
        accounts::set_totp_pending(self.store().writer(), user.id, Some(&self.cipher().seal(&encoded)), self.now())
            .await?;
        Ok(TotpEnrolment { secret: encoded, otpauth_url: url, qr_svg })
    }

    /// Confirms enrolment with a code from the authenticator: the second factor is on,
    /// the person's sessions waiting for it may go on, and the recovery codes are
    /// answered — once, they are not shown again.
    pub async fn totp_confirm(&self, actor: &Actor, code: &str) -> Result<Vec<String>, ServiceError> {
        allow_own_step(actor, PendingStep::EnrolTotp)?;
        let user = self.own_record(actor).await?;
        let Some(pending) = &user.totp_pending_enc else {
            return Err(ServiceError::field("code", "请先开始绑定，扫描二维码"));
        };
        let secret = self.cipher().open(pending)?;
        let bytes =
            Secret::Encoded(secret.clone()).to_bytes().map_err(|_| ServiceError::Internal("bad secret".into()))?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let totp = totp_of(bytes, &user.username)?;
        if code.len() != 6 || !totp.check(&code, self.now().timestamp().max(0) as u64) {
            return Err(ServiceError::field("code", "动态口令不正确：请输入验证器上当前显示的6位数字"));
        }
        let codes = new_recovery_codes();
        let digests: Vec<String> = codes.iter().map(|c| recovery_digest(user.id, c)).collect();
        let now = self.now();
        let tx = self.store().begin().await?;
        accounts::set_totp(&tx, user.id, Some((&self.cipher().seal(&secret), &digests)), now).await?;
        for s in sessions::of_user(&tx, user.id).await? {
            if s.pending == Some(PendingStep::EnrolTotp) {
                sessions::set_pending(&tx, s.id, None).await?;
            }
        }
        self.audit(
            &tx,
            actor,
            Event::new(AuditAction::Update, AuditObject::Account, user.id, user.scope.root, "开启两步验证（动态口令）"),
        )
        .await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// An administrator turns off an account's second factor (a lost phone); the
    /// person enrols again at their next sign-in, and their sessions end.
    pub async fn totp_reset(&self, actor: &Actor, id: UserId) -> Result<(), ServiceError> {
        actor.require(Permission::ManageAccounts)?;
        let user =
            accounts::get(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("账号"))?;
        let tx = self.store().begin().await?;
        accounts::set_totp(&tx, user.id, None, self.now()).await?;
        sessions::delete_for_user(&tx, user.id).await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Update,
                AuditObject::Account,
                user.id,
                user.scope.root,
                format!("重置 {} 的两步验证", user.username),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the person has two-step verification on.
    pub async fn totp_enabled(&self, actor: &Actor) -> Result<bool, ServiceError> {
        Ok(self.own_record(actor).await?.totp_enabled_at.is_some())
    }

    /// Where the person is signed in.
    pub async fn my_sessions(&self, actor: &Actor, current: i64) -> Result<Vec<SessionView>, ServiceError> {
        let now = self.now();
        Ok(sessions::of_user(self.store().reader(), actor.user_id)
            .await?
            .into_iter()
            .filter(|s| s.expires_at > now)
            .map(|s| SessionView {
                current: s.id == current,
                id: s.id,
                ip: s.ip,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
            })
            .collect())
    }

    /// Signs one of the person's sessions out (another device, another browser).
    pub async fn end_my_session(&self, actor: &Actor, id: i64) -> Result<(), ServiceError> {
        let tx = self.store().begin().await?;
        if !sessions::delete_of_user(&tx, actor.user_id, id).await? {
            return Err(ServiceError::NotFound("会话"));
        }
        self.audit(
            &tx,
            actor,
            Event::new(AuditAction::Logout, AuditObject::Session, actor.user_id, actor.scope.root, "退出另一处登录"),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs the person out everywhere but here; answers how many sessions ended.
    pub async fn end_my_other_sessions(&self, actor: &Actor, current: i64) -> Result<u64, ServiceError> {
        let tx = self.store().begin().await?;
        let n = sessions::delete_others(&tx, actor.user_id, current).await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Logout,
                AuditObject::Session,
                actor.user_id,
                actor.scope.root,
                format!("退出其他 {n} 处登录"),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// A person may take their own pending `step` (and do it when nothing is pending);
/// another pending step comes first.
fn allow_own_step(actor: &Actor, step: PendingStep) -> Result<(), ServiceError> {
    match actor.pending {
        Some(p) if p != step => Err(ServiceError::Pending(p)),
        _ => Ok(()),
    }
}

impl Services {
    /// Moves up to `budget` sealed values to the current key (after a rotation).
    pub async fn reseal_personal_data(&self, budget: u64) -> Result<gongdao_store::reseal::Pass, ServiceError> {
        Ok(gongdao_store::reseal::pass(self.store().writer(), self.cipher(), budget).await?)
    }

    /// How far a rotation has come, column by column.
    pub async fn key_status(&self) -> Result<Vec<gongdao_store::reseal::ColumnStatus>, ServiceError> {
        Ok(gongdao_store::reseal::status(self.store().reader(), self.cipher()).await?)
    }

    /// The names of the keys of the ring, the current first.
    pub fn key_ids(&self) -> Vec<String> {
        self.cipher().key_ids()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_readable_and_their_digests_ignore_case_and_dashes() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        assert!(codes.iter().all(|c| c.len() == 12 && !c.contains('0') && !c.contains('O')));
        let user = UserId(7);
        assert_eq!(recovery_digest(user, &codes[0]), recovery_digest(user, &codes[0].to_lowercase().replace('-', "")));
        assert_ne!(recovery_digest(user, &codes[0]), recovery_digest(UserId(8), &codes[0]));
    }

    #[test]
    fn a_code_is_the_one_an_authenticator_shows() {
        // RFC 6238's SHA-1 test secret ("12345678901234567890") at 59 s: 287082.
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        let at = DateTime::from_timestamp(59, 0).unwrap();
        assert_eq!(totp_code(&secret, at).unwrap(), "287082");
    }
}
