//! Rules on personal data that are not about storage: why it may leave the platform in
//! the clear. (How long it is kept is a rule of the district's deadline file:
//! [`crate::deadline::Retention`].)

use crate::error::FieldError;

/// Why someone takes personal data out of the platform unmasked (个人信息保护法 第六条：
/// 处理个人信息应当具有明确、合理的目的). Written into the audit entry of the export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportReason(String);

impl ExportReason {
    pub const MIN_CHARS: usize = 4;
    pub const MAX_CHARS: usize = 200;

    pub fn parse(field: &str, text: Option<&str>) -> Result<ExportReason, FieldError> {
        let text = text.map(str::trim).unwrap_or_default();
        let chars = text.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(FieldError::new(field, "请填写导出完整个人信息的理由（至少4个字），理由将记入审计日志"));
        }
        if chars > Self::MAX_CHARS {
            return Err(FieldError::new(field, "导出理由不能超过200个字"));
        }
        Ok(ExportReason(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_and_bounded() {
        assert_eq!(ExportReason::parse("reason", None).unwrap_err().field, "reason");
        assert!(ExportReason::parse("reason", Some("  无  ")).unwrap_err().message.contains("至少4个字"));
        assert!(ExportReason::parse("reason", Some(&"长".repeat(201))).unwrap_err().message.contains("200"));
        let ok = ExportReason::parse("reason", Some(" 年度律师执业核查报送司法厅 ")).unwrap();
        assert_eq!(ok.as_str(), "年度律师执业核查报送司法厅");
    }
}
