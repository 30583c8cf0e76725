//! Free text typed by users: trimmed, bounded, and free of control characters.

use crate::FieldError;

/// The first `max` characters of `s`, with "…" when cut; for quoting input in messages.
pub fn clip(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

/// A required one-line text of at most `max` characters. `label` is the Chinese name of
/// the field for the message.
pub fn required(field: &str, label: &str, input: &str, max: usize) -> Result<String, FieldError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, format!("{label}不能为空")));
    }
    line(field, label, s, max)
}

/// An optional one-line text: empty becomes `None`.
pub fn optional(field: &str, label: &str, input: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => line(field, label, s, max).map(Some),
    }
}

/// An optional multi-line text (notes, descriptions): newlines and tabs are allowed.
pub fn optional_multiline(
    field: &str,
    label: &str,
    input: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => {
            check_length(field, label, s, max)?;
            if s.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
                return Err(FieldError::new(field, format!("{label}含有无法识别的控制字符")));
            }
            Ok(Some(s.replace("\r\n", "\n")))
        }
    }
}

/// A required multi-line text.
pub fn required_multiline(field: &str, label: &str, input: &str, max: usize) -> Result<String, FieldError> {
    optional_multiline(field, label, Some(input), max)?
        .ok_or_else(|| FieldError::new(field, format!("{label}不能为空")))
}

fn line(field: &str, label: &str, s: &str, max: usize) -> Result<String, FieldError> {
    check_length(field, label, s, max)?;
    if s.chars().any(char::is_control) {
        return Err(FieldError::new(field, format!("{label}含有换行或无法识别的控制字符")));
    }
    Ok(s.to_string())
}

fn check_length(field: &str, label: &str, s: &str, max: usize) -> Result<(), FieldError> {
    let n = s.chars().count();
    if n > max {
        return Err(FieldError::new(field, format!("{label}不能超过{max}个字（现有{n}个字）")));
    }
    Ok(())
}

/// A list typed as one line separated by commas, 顿号 or spaces (e.g. specialties):
/// each item trimmed, empties dropped, duplicates removed, each at most `max_item`
/// characters and at most `max_items` items.
pub fn list(
    field: &str,
    label: &str,
    input: &str,
    max_item: usize,
    max_items: usize,
) -> Result<Vec<String>, FieldError> {
    let mut items: Vec<String> = Vec::new();
    for raw in input.split([',', '，', '、', ';', '；', '\n']) {
        let item = raw.trim();
        if item.is_empty() {
            continue;
        }
        let item = line(field, label, item, max_item)?;
        if !items.contains(&item) {
            items.push(item);
        }
    }
    if items.len() > max_items {
        return Err(FieldError::new(field, format!("{label}最多填写{max_items}项")));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        assert_eq!(required("name", "名称", "  洮北区司法局 ", 20).unwrap(), "洮北区司法局");
        assert_eq!(required("name", "名称", "   ", 20).unwrap_err().message, "名称不能为空");
        let long = "法".repeat(21);
        let err = required("name", "名称", &long, 20).unwrap_err();
        assert_eq!(err.field, "name");
        assert!(err.message.contains("不能超过20个字"));
        assert!(required("name", "名称", "a\u{0}b", 20).is_err());
        assert!(required("name", "名称", "第一行\n第二行", 20).is_err());
    }

    #[test]
    fn optional_and_multiline() {
        assert_eq!(optional("a", "地址", Some("  "), 10).unwrap(), None);
        assert_eq!(optional("a", "地址", None, 10).unwrap(), None);
        assert_eq!(optional_multiline("n", "备注", Some("一\r\n二"), 10).unwrap().as_deref(), Some("一\n二"));
    }

    #[test]
    fn lists_split_on_chinese_separators() {
        assert_eq!(
            list("s", "专长", "劳动争议、婚姻家庭，合同纠纷, 劳动争议", 10, 5).unwrap(),
            vec!["劳动争议", "婚姻家庭", "合同纠纷"]
        );
        assert!(list("s", "专长", "a,b,c", 10, 2).is_err());
    }

    #[test]
    fn clip_marks_cut_text() {
        assert_eq!(clip("一二三四", 2), "一二…");
        assert_eq!(clip("一二", 2), "一二");
    }
}
