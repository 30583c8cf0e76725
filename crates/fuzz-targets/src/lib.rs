//! The parsers that face the outside, each as one function of arbitrary bytes: the
//! fuzz targets in `fuzz/` call them under libFuzzer (`cargo +nightly fuzz run NAME`),
//! and `tests/corpus.rs` runs every file of `fuzz/corpus/NAME` through them on stable,
//! so what a fuzzing run found stays tested. Each function panics only when the code
//! under it is wrong: a parser must answer Ok or a field error, and what it accepts must
//! read back the same.

use chrono::NaiveDate;
use gongdao_domain::calendar::{HolidayYear, Period};
use gongdao_domain::deadline::DeadlineTable;
use gongdao_domain::law::{ArticleNumber, LawFileName, numeral, parse};
use gongdao_domain::legal_aid::EligibilityRules;
use gongdao_domain::routing::RoutingTable;
use gongdao_domain::{DivisionCode, IdNumber, PhoneNumber};
use gongdao_services::network::{InstitutionQuery, PageQuery, PersonQuery};

/// A target: arbitrary bytes in, a panic only for a defect.
pub type Target = fn(&[u8]);

/// The fuzz targets by name, as `fuzz/fuzz_targets/NAME.rs` and `fuzz/corpus/NAME`.
pub const TARGETS: &[(&str, Target)] = &[
    ("id_number", id_number),
    ("phone", phone),
    ("division_code", division_code),
    ("law_text", law_text),
    ("rule_files", rule_files),
    ("plan_file", plan_file),
    ("query_strings", query_strings),
    ("upload", upload),
];

fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// 居民身份证号码 (GB 11643): accepted numbers read back as themselves.
pub fn id_number(data: &[u8]) {
    let today = NaiveDate::from_ymd_opt(2026, 12, 7).expect("a date");
    if let Ok(id) = IdNumber::parse("id_number", &text(data), today) {
        let again = IdNumber::parse("id_number", id.as_str(), today).expect("its own form parses");
        assert_eq!(again.as_str(), id.as_str());
        assert_eq!(id.as_str().len(), 18);
    }
}

/// Telephone numbers: the canonical form parses to itself; masking keeps the length.
pub fn phone(data: &[u8]) {
    let s = text(data);
    if let Ok(p) = PhoneNumber::parse("phone", &s) {
        let again = PhoneNumber::parse("phone", p.as_str()).expect("its own form parses");
        assert_eq!(again, p);
        assert_eq!(p.masked().chars().count(), p.as_str().chars().count());
        let _ = p.last4();
    }
    let _ = PhoneNumber::parse_personal("phone", &s);
}

/// 行政区划代码: accepted codes read back as themselves.
pub fn division_code(data: &[u8]) {
    if let Ok(code) = DivisionCode::parse("region", &text(data)) {
        let again = DivisionCode::parse("region", &code.to_string()).expect("its own form parses");
        assert_eq!(again, code);
    }
}

/// A law file of the corpus (LawRefBook Markdown), its file name, article numbers and
/// Chinese numerals.
pub fn law_text(data: &[u8]) {
    let s = text(data);
    let _ = parse::is_index_only(&s);
    if let Ok(parsed) = parse::parse_text(&s) {
        for a in &parsed.articles {
            let _ = a.number.label();
        }
    }
    let _ = LawFileName::parse(&s);
    if let Some(n) = ArticleNumber::parse(&s) {
        let _ = (n.label(), n.anchor());
    }
    if let Some(n) = numeral::parse_chinese_number(&s) {
        assert_eq!(numeral::parse_chinese_number(&numeral::chinese_number(n)), Some(n), "{n}");
    }
}

/// The rules files an administrator edits (deadlines, routing, a holiday year, the
/// legal aid conditions) and a
/// period typed into a form.
pub fn rule_files(data: &[u8]) {
    let s = text(data);
    let _ = DeadlineTable::parse(&s);
    let _ = RoutingTable::parse(&s);
    let _ = HolidayYear::parse(&s);
    let _ = EligibilityRules::parse(&s);
    let _ = gongdao_domain::evaluation::EvaluationRules::parse(&s);
    let _ = gongdao_domain::archive::CreditRules::parse(&s);
    if let Ok(p) = Period::parse(&s) {
        assert_eq!(Period::parse(&p.to_string()).expect("its own form parses"), p);
    }
}

/// A district's plan file: what is accepted holds together — stages inside the period,
/// ids unique, every target in its measure's unit, every task's indicators known.
pub fn plan_file(data: &[u8]) {
    use gongdao_domain::plan::{Plan, Unit};
    let Ok(p) = Plan::parse(&text(data)) else { return };
    assert!(p.from < p.to && !p.stages.is_empty());
    assert!(p.stages.iter().all(|s| p.from <= s.until && s.until <= p.to));
    let mut ids: Vec<&str> = p.indicators.iter().map(|i| i.id.as_str()).collect();
    ids.sort_unstable();
    assert!(ids.windows(2).all(|w| w[0] != w[1]), "indicator ids are unique");
    for i in &p.indicators {
        assert_eq!(i.unit, i.measure.unit());
        assert!(!i.targets.is_empty() && !i.department.is_empty());
        for t in i.targets.values() {
            assert!(*t >= 0.0 && (i.unit != Unit::Percent || *t <= 100.0));
        }
    }
    for t in &p.tasks {
        assert!(!t.lead.is_empty() && p.from <= t.due && t.due <= p.to);
        assert!(t.indicators.iter().all(|i| ids.binary_search(&i.as_str()).is_ok()));
    }
    let _ = p.stage_on(p.to);
}

/// The query strings of the listings: read as the API reads them, then checked.
pub fn query_strings(data: &[u8]) {
    if let Ok(q) = serde_html_form::from_bytes::<PageQuery>(data) {
        let _ = q.parse();
    }
    if let Ok(q) = serde_html_form::from_bytes::<InstitutionQuery>(data) {
        let _ = q.parse();
    }
    if let Ok(q) = serde_html_form::from_bytes::<PersonQuery>(data) {
        let _ = q.parse();
    }
}

/// An uploaded material: the first line is the file's name, the rest its content. What is
/// accepted is a PDF, JPEG or PNG by its first bytes, named with its own extension, within
/// the size limit, under a name without folders or control characters.
pub fn upload(data: &[u8]) {
    use gongdao_domain::legal_aid::materials::{MAX_BYTES, MaterialKind, check_upload};
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let name = String::from_utf8_lossy(&data[..split]);
    let content = data.get(split + 1..).unwrap_or(&[]);
    if let Ok(f) = check_upload("file", &name, content) {
        assert!(!content.is_empty() && content.len() <= MAX_BYTES);
        let magic: &[u8] = match f.kind {
            MaterialKind::Pdf => b"%PDF-",
            MaterialKind::Jpeg => &[0xff, 0xd8, 0xff],
            MaterialKind::Png => &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a],
        };
        assert!(content.starts_with(magic), "{:?} without its magic number", f.kind);
        assert!(!f.name.contains(['/', '\\']) && !f.name.chars().any(char::is_control), "{:?}", f.name);
        let ext = f.name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        assert!(matches!(
            (f.kind, ext.as_str()),
            (MaterialKind::Pdf, "pdf") | (MaterialKind::Jpeg, "jpg" | "jpeg") | (MaterialKind::Png, "png")
        ));
        // The same file checks the same again under its cleaned name.
        assert_eq!(check_upload("file", &f.name, content), Ok(f));
    }
}
