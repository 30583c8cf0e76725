//! Errors of the use cases. The web layer maps each variant to one HTTP status in one
//! place; messages are Chinese and safe to show. Internal causes are logged, not shown.

use gongdao_domain::auth::Denied;
use gongdao_domain::{FieldError, ValidationErrors};
use gongdao_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input rejected; each error names its field.
    #[error("输入有误: {0}")]
    Invalid(ValidationErrors),
    /// No valid session or token.
    #[error("请先登录")]
    Unauthenticated,
    /// Wrong username or password (never says which).
    #[error("用户名或密码错误")]
    BadCredentials,
    /// The password is right, and the account signs in with a second factor too.
    #[error("请输入手机验证器上的动态口令（或一个恢复码）")]
    TotpRequired,
    /// The second factor was wrong.
    #[error("动态口令不正确，请查看验证器上当前的6位数字")]
    TotpInvalid,
    /// A step the person must take first (their own password, 2FA enrolment).
    #[error("{}", .0.message())]
    Pending(gongdao_domain::identity::PendingStep),
    /// Too many failed logins; try again after the given seconds.
    #[error("登录失败次数过多，请{minutes}分钟后再试")]
    RateLimited { minutes: i64, retry_after_secs: i64 },
    /// A citizen's lookup of one matter or booking was answered wrongly too often.
    #[error("核对错误次数过多，为保护您的信息，请{minutes}分钟后再试，或拨打 12348 查询")]
    LookupLocked { minutes: i64 },
    /// Too many requests from one address on a public route.
    #[error("请求过于频繁，请{retry_after_secs}秒后再试")]
    TooManyRequests { retry_after_secs: i64 },
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist or lies outside the caller's scope (the two are not
    /// told apart, so scope does not leak existence).
    #[error("{0}不存在或不在您的管辖范围内")]
    NotFound(&'static str),
    /// Nothing matches what a citizen looked up (a law, an article, a matter by its
    /// number): said in plain words, with what to check.
    #[error("{0}")]
    NoMatch(&'static str),
    /// The request conflicts with the current state (changed meanwhile, still in use).
    #[error("{0}")]
    Conflict(String),
    /// A part of the platform is not ready yet (e.g. the law index is being built).
    #[error("{0}")]
    Unavailable(String),
    #[error("内部错误")]
    Internal(String),
}

impl ServiceError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ServiceError::Invalid(FieldError::new(field, message).into())
    }

    /// Someone else changed the record since it was read.
    pub fn stale(what: &str) -> Self {
        ServiceError::Conflict(format!("该{what}已被他人修改，请刷新页面后重试"))
    }
}

impl From<ValidationErrors> for ServiceError {
    fn from(e: ValidationErrors) -> Self {
        ServiceError::Invalid(e)
    }
}

impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        ServiceError::Invalid(e.into())
    }
}

impl From<Denied> for ServiceError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Missing(p) => ServiceError::Forbidden(format!("您的角色没有“{}”的权限", p.label())),
            Denied::Pending(step) => ServiceError::Pending(step),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        ServiceError::Internal(e.to_string())
    }
}

impl From<gongdao_store::DbErr> for ServiceError {
    fn from(e: gongdao_store::DbErr) -> Self {
        ServiceError::Internal(StoreError::from(e).to_string())
    }
}
