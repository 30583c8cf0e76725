//! The rules files as an administrator edits them (时限、分派、节假日): errors said in
//! Chinese with the line and column they are on, and the common edits (a deadline's
//! period, a holiday) made on the text itself, so the file keeps its comments and
//! layout and goes through the same checks as a hand edit.

use std::ops::Range;

use chrono::NaiveDate;
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, value};

use crate::calendar::{ConfigError, Period};
use crate::request::{Category, Step};

/// Line and column (both from 1, columns in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

/// A problem at a place in a file: “第 12 行第 5 列：…”.
pub fn located(text: &str, span: Range<usize>, message: impl std::fmt::Display) -> ConfigError {
    let (line, column) = line_col(text, span.start);
    ConfigError(format!("第 {line} 行第 {column} 列：{message}"))
}

/// A TOML syntax or shape error of the file `what`, in Chinese, with its place.
pub fn toml_error(what: &str, text: &str, e: &toml::de::Error) -> ConfigError {
    let message = format!("{what}{}", toml_message(e.message()));
    match e.span() {
        Some(span) => located(text, span, message),
        None => ConfigError(message),
    }
}

/// The toml crate's English message said in plain Chinese.
fn toml_message(m: &str) -> String {
    let quoted = |m: &str| m.split('`').nth(1).unwrap_or("").to_string();
    if m.starts_with("missing field") {
        format!("缺少“{}”一项", quoted(m))
    } else if m.starts_with("unknown field") {
        format!("不认识“{}”这一项（可能拼写有误）", quoted(m))
    } else if m.starts_with("duplicate key") {
        format!("“{}”重复出现", quoted(m))
    } else if m.starts_with("invalid type") {
        let expected = m.split("expected ").nth(1).unwrap_or("").trim();
        let shape = match expected {
            e if e.contains("string") => "带英文双引号的文字，如 \"3个工作日\"",
            e if e.contains("sequence") => "方括号列表，如 [\"2027-01-01\", \"2027-01-03\"]",
            e if e.contains("u32") || e.contains("i32") || e.contains("integer") => "整数",
            e if e.contains("map") || e.contains("struct") => "一组 [小节]",
            _ => "其他写法",
        };
        format!("取值的写法不对，这里应为{shape}")
    } else if m.contains("invalid string") || m.contains("unterminated") || m.contains("invalid basic string") {
        "文字没有写完整，请检查英文双引号是否成对".into()
    } else if m.contains("expected") || m.contains("invalid") || m.contains("unexpected") {
        "写法有误，请检查等号、英文引号和方括号是否成对、是否用了中文标点".into()
    } else {
        format!("写法有误（{m}）")
    }
}

/// Why a common edit could not be made.
fn edit_error(message: impl Into<String>) -> ConfigError {
    ConfigError(message.into())
}

fn parse_doc(what: &str, text: &str) -> Result<DocumentMut, ConfigError> {
    text.parse::<DocumentMut>().map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        located(text, span, format!("{what}写法有误，请先在下方的文件中改正"))
    })
}

/// Sets one time limit in the deadline file: the `step` of the matters of `category`.
/// The period is checked first (“3个工作日”, “7日”, “1个月”, “24小时”).
pub fn set_deadline(text: &str, category: Category, step: Step, period: &str) -> Result<String, ConfigError> {
    let period = Period::parse(period.trim()).map_err(|e| edit_error(format!("期限：{}", e.0)))?;
    let key = match step {
        Step::Accept => "accept",
        Step::Resolve => "resolve",
        Step::FollowUp => "follow_up",
    };
    let mut doc = parse_doc("时限文件", text)?;
    let entries = doc
        .get_mut("request")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or_else(|| edit_error("时限文件中没有 [[request]] 小节"))?;
    let entry = entries
        .iter_mut()
        .find(|t| t.get("category").and_then(Item::as_str).is_some_and(|c| c.trim() == category.code()))
        .ok_or_else(|| edit_error(format!("时限文件中没有“{}”的时限", category.label())))?;
    entry[key] = value(period.to_string());
    Ok(doc.to_string())
}

/// A holiday to add to a year's calendar file (国务院办公厅 notice).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolidayEdit {
    pub name: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// Weekend days that become working days (调休上班).
    pub workdays: Vec<NaiveDate>,
}

/// Adds a holiday to a year's file, or replaces the one of the same name; `text` is
/// `None` when the year has no file yet, which is then made with `source`.
pub fn add_holiday(year: i32, text: Option<&str>, source: &str, h: &HolidayEdit) -> Result<String, ConfigError> {
    let mut doc = match text {
        Some(t) => parse_doc("节假日文件", t)?,
        None => {
            if source.trim().is_empty() {
                return Err(edit_error(format!(
                    "{year}年还没有节假日文件：请填写通知名称和文号（如“国务院办公厅关于{year}年部分节假日安排的通知”）"
                )));
            }
            let mut doc = DocumentMut::new();
            doc.decor_mut().set_prefix(format!(
                "# {year}年部分节假日安排：办理时限按此计算（民法典第二百零一条至第二百零三条）。\n\
                 # 依据国务院办公厅的正式通知填写，每个假日写明放假起止日期和调休上班日。\n"
            ));
            doc["year"] = value(i64::from(year));
            doc["source"] = value(source.trim());
            doc
        }
    };
    if text.is_some() && !source.trim().is_empty() {
        doc["source"] = value(source.trim());
    }
    let mut entry = Table::new();
    entry["name"] = value(h.name.trim());
    let mut off = Array::new();
    off.push(h.first.to_string());
    off.push(h.last.to_string());
    entry["off"] = value(off);
    if !h.workdays.is_empty() {
        let mut w = Array::new();
        for d in &h.workdays {
            w.push(d.to_string());
        }
        entry["workdays"] = value(w);
    }
    let holidays = doc.entry("holiday").or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    let holidays =
        holidays.as_array_of_tables_mut().ok_or_else(|| edit_error("节假日文件中的 holiday 应为 [[holiday]] 小节"))?;
    let same_name = |t: &Table| t.get("name").and_then(Item::as_str).is_some_and(|n| n.trim() == h.name.trim());
    let found = holidays.iter().position(same_name);
    match found {
        Some(i) => {
            if let Some(existing) = holidays.get_mut(i) {
                *existing = entry;
            }
        }
        None => holidays.push(entry),
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::HolidayYear;
    use crate::deadline::DeadlineTable;

    const DEADLINES: &str = include_str!("../../../data/deadlines.toml");

    #[test]
    fn places_are_counted_as_people_count_them() {
        let text = "a = 1\nb = \"二二\"\nc";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // After two three-byte characters and a quote: the fifth character of line 2.
        let offset = text.find("\"\nc").unwrap();
        assert_eq!(line_col(text, offset), (2, 8));
        assert_eq!(line_col(text, text.len()), (3, 2));
    }

    #[test]
    fn syntax_errors_name_their_line_in_chinese() {
        let broken = DEADLINES.replacen("accept = \"1个工作日\"", "accept = \"1个工作日", 1);
        let line = broken.lines().position(|l| l.contains("accept = \"1个工作日") && !l.ends_with('"')).unwrap() + 1;
        let e = DeadlineTable::parse(&broken).unwrap_err().0;
        assert!(e.starts_with(&format!("第 {line} 行")), "{e}");
        assert!(e.contains("引号"), "{e}");
        assert!(!e.is_ascii(), "said in Chinese: {e}");

        let unknown = DEADLINES.replacen("follow_up = \"3个工作日\"", "folow_up = \"3个工作日\"", 1);
        let e = DeadlineTable::parse(&unknown).unwrap_err().0;
        assert!(e.contains("第") && e.contains("folow_up") && e.contains("拼写"), "{e}");
    }

    #[test]
    fn value_errors_point_at_the_value() {
        let bad = DEADLINES.replacen("resolve = \"7日\"", "resolve = \"七天\"", 1);
        let line = bad.lines().position(|l| l.contains("七天")).unwrap() + 1;
        let e = DeadlineTable::parse(&bad).unwrap_err().0;
        assert!(e.starts_with(&format!("第 {line} 行")), "{e}");
        assert!(e.contains("法律援助"), "{e}");
    }

    #[test]
    fn a_deadline_is_set_in_place_keeping_the_comments() {
        let edited = set_deadline(DEADLINES, Category::LegalAid, Step::Accept, "2个工作日").unwrap();
        let table = DeadlineTable::parse(&edited).unwrap();
        assert_eq!(table.rule(Category::LegalAid, Step::Accept).period.to_string(), "2个工作日");
        assert_eq!(table.rule(Category::Consultation, Step::Accept).period.to_string(), "1个工作日");
        let comments = |t: &str| t.lines().filter(|l| l.trim_start().starts_with('#')).count();
        assert_eq!(comments(&edited), comments(DEADLINES));
        assert!(set_deadline(DEADLINES, Category::LegalAid, Step::Accept, "两天").unwrap_err().0.contains("期限"));
    }

    #[test]
    fn a_holiday_is_added_to_a_new_or_existing_year() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let new_year =
            HolidayEdit { name: "元旦".into(), first: d("2027-01-01"), last: d("2027-01-03"), workdays: vec![] };
        assert!(add_holiday(2027, None, "", &new_year).unwrap_err().0.contains("通知"));
        let text = add_holiday(2027, None, "国务院办公厅关于2027年部分节假日安排的通知", &new_year).unwrap();
        let year = HolidayYear::parse(&text).unwrap();
        assert_eq!(year.year, 2027);
        let spring = HolidayEdit {
            name: "春节".into(),
            first: d("2027-02-06"),
            last: d("2027-02-12"),
            workdays: vec![d("2027-02-14")],
        };
        let text = add_holiday(2027, Some(&text), "", &spring).unwrap();
        let year = HolidayYear::parse(&text).unwrap();
        assert_eq!(year.holidays.len(), 2);
        // The same name again replaces it.
        let shorter = HolidayEdit { last: d("2027-02-11"), ..spring };
        let text = add_holiday(2027, Some(&text), "", &shorter).unwrap();
        let year = HolidayYear::parse(&text).unwrap();
        assert_eq!(year.holidays.len(), 2);
        assert_eq!(year.holidays[1].last, d("2027-02-11"));
    }
}
