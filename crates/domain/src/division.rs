//! 行政区划代码: GB/T 2260 six-digit codes for province, city and county, extended to the
//! twelve-digit statistical codes (统计用区划代码) for townships and villages.
//!
//! Digits 1–2 province, 3–4 city, 5–6 county, 7–9 township level (001–099 streets 街道,
//! 100–199 towns 镇, 200–399 townships 乡, 400–599 other units such as development
//! zones), 10–12 village level (001–199 communities 社区/居委会, 200–399 villages 村委会,
//! 400–599 other). A code is stored as its twelve-digit number, so a region's whole
//! subtree is one numeric range — which is how data scope is applied in queries.

use std::fmt;

use crate::FieldError;

crate::code_enum! {
    /// The five levels of the region tree.
    pub enum RegionLevel: "区划级别" {
        Province => ("province", "省级"),
        City => ("city", "市级"),
        District => ("district", "县级"),
        Township => ("township", "乡级"),
        Village => ("village", "村级"),
    }
}

impl RegionLevel {
    /// Number of leading digits that identify a region of this level.
    pub const fn prefix_digits(self) -> u32 {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::District => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
        }
    }

    /// The level directly below, if any.
    pub const fn child(self) -> Option<RegionLevel> {
        match self {
            RegionLevel::Province => Some(RegionLevel::City),
            RegionLevel::City => Some(RegionLevel::District),
            RegionLevel::District => Some(RegionLevel::Township),
            RegionLevel::Township => Some(RegionLevel::Village),
            RegionLevel::Village => None,
        }
    }
}

/// Province-level codes of GB/T 2260 (including 71 Taiwan, 81 Hong Kong, 82 Macao).
const PROVINCES: &[u64] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82,
];

/// Whether the two digits are a province code; ID numbers start with one too.
pub fn is_province_prefix(two_digits: u64) -> bool {
    PROVINCES.contains(&two_digits)
}

const TWELVE: u64 = 1_000_000_000_000;

/// A parsed division code. Ordering is numeric, which groups every subtree together.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DivisionCode(u64);

impl DivisionCode {
    /// Parses a six- or twelve-digit code. Six digits are accepted for province, city
    /// and county; twelve for every level.
    pub fn parse(field: &str, input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        let bad = |why: &str| FieldError::new(field, format!("行政区划代码“{}”{}", crate::text::clip(s, 20), why));
        if s.is_empty() {
            return Err(FieldError::new(field, "请填写行政区划代码"));
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("只能由数字组成"));
        }
        let value: u64 = match s.len() {
            6 => s.parse::<u64>().map_err(|_| bad("格式不正确"))? * 1_000_000,
            12 => s.parse::<u64>().map_err(|_| bad("格式不正确"))?,
            _ => return Err(bad("应为6位或12位数字")),
        };
        Self::from_number(value).ok_or_else(|| bad("不符合区划代码的编码规则"))
    }

    /// Accepts a twelve-digit number when its digits follow the coding rules.
    pub fn from_number(value: u64) -> Option<Self> {
        if value >= TWELVE || !is_province_prefix(value / 10_000_000_000) {
            return None;
        }
        let city = (value / 100_000_000) % 100;
        let county = (value / 1_000_000) % 100;
        let township = (value / 1_000) % 1_000;
        let village = value % 1_000;
        // A zero part may only be followed by zero parts: 220002 names no county.
        let parts = [city, county, township, village];
        let first_zero = parts.iter().position(|p| *p == 0).unwrap_or(parts.len());
        if parts[first_zero..].iter().any(|p| *p != 0) {
            return None;
        }
        if township >= 600 || village >= 600 {
            return None;
        }
        Some(DivisionCode(value))
    }

    /// The database form.
    pub fn from_db(value: i64) -> Option<Self> {
        u64::try_from(value).ok().and_then(Self::from_number)
    }

    pub fn to_db(self) -> i64 {
        // Always below 10^12, far inside i64.
        self.0 as i64
    }

    pub fn level(self) -> RegionLevel {
        let v = self.0;
        if !v.is_multiple_of(1_000) {
            RegionLevel::Village
        } else if !v.is_multiple_of(1_000_000) {
            RegionLevel::Township
        } else if !v.is_multiple_of(100_000_000) {
            RegionLevel::District
        } else if !v.is_multiple_of(10_000_000_000) {
            RegionLevel::City
        } else {
            RegionLevel::Province
        }
    }

    /// The region directly above, `None` for a province.
    pub fn parent(self) -> Option<DivisionCode> {
        let unit = match self.level() {
            RegionLevel::Province => return None,
            RegionLevel::City => 10_000_000_000,
            RegionLevel::District => 100_000_000,
            RegionLevel::Township => 1_000_000,
            RegionLevel::Village => 1_000,
        };
        Some(DivisionCode(self.0 / unit * unit))
    }

    /// The region of `level` that contains this one (itself when at that level).
    pub fn ancestor_at(self, level: RegionLevel) -> Option<DivisionCode> {
        if level > self.level() {
            return None;
        }
        let unit = 10u64.pow(12 - level.prefix_digits());
        Some(DivisionCode(self.0 / unit * unit))
    }

    /// The smallest and largest twelve-digit numbers inside this region's subtree,
    /// inclusive: `region_code BETWEEN lo AND hi` selects the subtree.
    pub fn subtree_bounds(self) -> (i64, i64) {
        let unit = 10u64.pow(12 - self.level().prefix_digits());
        (self.0 as i64, (self.0 + unit - 1) as i64)
    }

    /// Whether `other` is this region or lies below it.
    pub fn contains(self, other: DivisionCode) -> bool {
        let (lo, hi) = self.subtree_bounds();
        (lo..=hi).contains(&other.to_db())
    }

    /// Whether `other` can be a direct child of this region.
    pub fn is_parent_of(self, other: DivisionCode) -> bool {
        other.parent() == Some(self)
    }

    /// The kind of township-level unit the digits 7–9 declare, for a township code.
    pub fn township_kind(self) -> Option<&'static str> {
        if self.level() != RegionLevel::Township {
            return None;
        }
        Some(match (self.0 / 1_000) % 1_000 {
            1..=99 => "街道",
            100..=199 => "镇",
            200..=399 => "乡",
            _ => "其他乡级单位",
        })
    }

    /// The kind of village-level unit the digits 10–12 declare, for a village code.
    pub fn village_kind(self) -> Option<&'static str> {
        if self.level() != RegionLevel::Village {
            return None;
        }
        Some(match self.0 % 1_000 {
            1..=199 => "社区",
            200..=399 => "村",
            _ => "其他村级单位",
        })
    }
}

impl fmt::Display for DivisionCode {
    /// Six digits down to county level (GB/T 2260), twelve below.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.level() {
            RegionLevel::Province | RegionLevel::City | RegionLevel::District => {
                write!(f, "{:06}", self.0 / 1_000_000)
            }
            _ => write!(f, "{:012}", self.0),
        }
    }
}

impl fmt::Debug for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DivisionCode({self})")
    }
}

impl serde::Serialize for DivisionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DivisionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        DivisionCode::parse("division_code", &s).map_err(|e| serde::de::Error::custom(e.message))
    }
}

impl utoipa::PartialSchema for DivisionCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[0-9]{6}([0-9]{6})?$"))
            .description(Some("行政区划代码：省、市、县级为6位（GB/T 2260），乡、村级为12位统计用区划代码"))
            .examples(["220802", "220802100000"])
            .build()
            .into()
    }
}

impl utoipa::ToSchema for DivisionCode {}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse("code", s).unwrap()
    }

    #[test]
    fn levels_follow_the_digits() {
        let cases = [
            ("220000", RegionLevel::Province),
            ("220800", RegionLevel::City),
            ("220802", RegionLevel::District),
            ("220802000000", RegionLevel::District),
            ("220802100000", RegionLevel::Township),
            ("220802100201", RegionLevel::Village),
            ("220802001001", RegionLevel::Village),
        ];
        for (input, level) in cases {
            assert_eq!(code(input).level(), level, "{input}");
        }
    }

    #[test]
    fn rejects_malformed_codes_naming_the_field() {
        let cases = [
            ("", "请填写"),
            ("22080", "6位或12位"),
            ("2208021000", "6位或12位"),
            ("22O802", "数字"),
            ("990802", "编码规则"),       // no province 99
            ("220002", "编码规则"),       // county without city
            ("220800100000", "编码规则"), // township without county
            ("220802000201", "编码规则"), // village without township
            ("220802700000", "编码规则"), // township number out of range
        ];
        for (input, why) in cases {
            let err = DivisionCode::parse("region", input).unwrap_err();
            assert_eq!(err.field, "region");
            assert!(err.message.contains(why), "{input}: {}", err.message);
        }
    }

    #[test]
    fn display_uses_six_digits_down_to_county() {
        assert_eq!(code("220802000000").to_string(), "220802");
        assert_eq!(code("220802100000").to_string(), "220802100000");
        assert_eq!(code("220800").to_string(), "220800");
    }

    #[test]
    fn parents_and_subtrees() {
        let village = code("220802100201");
        assert_eq!(village.parent(), Some(code("220802100000")));
        assert_eq!(code("220802100000").parent(), Some(code("220802")));
        assert_eq!(code("220802").parent(), Some(code("220800")));
        assert_eq!(code("220800").parent(), Some(code("220000")));
        assert_eq!(code("220000").parent(), None);
        assert!(code("220802").contains(village));
        assert!(code("220000").contains(village));
        assert!(!code("220802101000").contains(village));
        assert!(code("220802100000").is_parent_of(village));
        assert_eq!(code("220802").subtree_bounds(), (220802000000, 220802999999));
        assert_eq!(code("220802100000").subtree_bounds(), (220802100000, 220802100999));
        assert_eq!(village.ancestor_at(RegionLevel::Township), Some(code("220802100000")));
        assert_eq!(code("220802").ancestor_at(RegionLevel::Village), None);
    }

    #[test]
    fn township_and_village_kinds() {
        assert_eq!(code("220802001000").township_kind(), Some("街道"));
        assert_eq!(code("220802100000").township_kind(), Some("镇"));
        assert_eq!(code("220802200000").township_kind(), Some("乡"));
        assert_eq!(code("220802100001").village_kind(), Some("社区"));
        assert_eq!(code("220802100201").village_kind(), Some("村"));
    }
}
