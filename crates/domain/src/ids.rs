//! Typed record ids, so an institution id is never passed where a person id belongs.

macro_rules! typed_id {
    ($($(#[$meta:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <i64 as utoipa::PartialSchema>::schema()
            }
        }
        impl utoipa::ToSchema for $name {}
    )+};
}

typed_id! {
    /// 机构
    InstitutionId,
    /// 人员
    PersonId,
    /// 账号
    UserId,
    /// 服务事项
    RequestId,
    /// 应急事件
    IncidentId,
    /// 法律法规（各版本共用）
    LawId,
    /// 法律法规的一个版本
    LawVersionId,
    /// 案例
    LawCaseId,
}

/// An optional record id typed into a form or a body: blank is none, anything but a
/// positive number is refused naming `field` (“{label}编号不正确”).
pub fn optional_id(field: &str, label: &str, input: Option<&str>) -> Result<Option<i64>, crate::FieldError> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|i| *i > 0)
            .map(Some)
            .ok_or_else(|| crate::FieldError::new(field, format!("{label}编号不正确"))),
    }
}
