//! 公民身份号码 (GB 11643-1999): six digits of the registering region, eight of the birth
//! date, three of sequence (odd for men, even for women), and a check character computed
//! by ISO 7064 MOD 11-2.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::FieldError;
use crate::division::is_province_prefix;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// The check character GB 11643 prescribes for the first seventeen digits.
pub fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// A parsed eighteen-character ID number, upper-case X.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parses an ID number; `today` bounds the birth date (no one is born tomorrow).
    pub fn parse(field: &str, input: &str, today: NaiveDate) -> Result<Self, FieldError> {
        let s: String = input.trim().to_ascii_uppercase();
        let err = |why: &str| FieldError::new(field, format!("身份证号码{why}"));
        if s.is_empty() {
            return Err(err("不能为空"));
        }
        let bytes = s.as_bytes();
        if bytes.len() != 18 {
            return Err(err(&format!("应为18位（现为{}位）", s.chars().count())));
        }
        if !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
            return Err(err("只能由数字组成，最后一位可以是X"));
        }
        let province = u64::from((bytes[0] - b'0') * 10 + (bytes[1] - b'0'));
        if !is_province_prefix(province) {
            return Err(err("的前两位不是有效的省级行政区划代码"));
        }
        let year: i32 = s[6..10].parse().map_err(|_| err("出生日期不正确"))?;
        let month: u32 = s[10..12].parse().map_err(|_| err("出生日期不正确"))?;
        let day: u32 = s[12..14].parse().map_err(|_| err("出生日期不正确"))?;
        let birth = NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| err(&format!("中的出生日期{year:04}-{month:02}-{day:02}不存在")))?;
        if year < 1900 || birth > today {
            return Err(err(&format!("中的出生日期{birth}不合理")));
        }
        if check_char(&bytes[..17]) != bytes[17] {
            return Err(err("校验位不正确，请核对是否有输错的数字"));
        }
        Ok(IdNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        let s = &self.0;
        // Checked in `parse`.
        NaiveDate::from_ymd_opt(
            s[6..10].parse().unwrap_or(1900),
            s[10..12].parse().unwrap_or(1),
            s[12..14].parse().unwrap_or(1),
        )
        .unwrap_or_default()
    }

    /// Age in whole years on `today`.
    pub fn age_on(&self, today: NaiveDate) -> u32 {
        today.years_since(self.birth_date()).unwrap_or(0)
    }

    /// True for men: the seventeenth digit is odd.
    pub fn is_male(&self) -> bool {
        (self.0.as_bytes()[16] - b'0') % 2 == 1
    }

    /// Shown in lists and on screens: the first four and last four characters.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }

    /// The birth year, e.g. for age groups in statistics.
    pub fn birth_year(&self) -> i32 {
        self.birth_date().year()
    }
}

impl fmt::Debug for IdNumber {
    /// Never print the whole number into logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    /// Completes seventeen digits with their check character.
    fn with_check(first17: &str) -> String {
        let c = check_char(first17.as_bytes()) as char;
        format!("{first17}{c}")
    }

    #[test]
    fn accepts_valid_numbers_including_x() {
        // The standard's own example: 11010519491231002X.
        let id = IdNumber::parse("id", "11010519491231002x", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert!(!id.is_male());
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.masked(), "1101**********002X");
        let id = IdNumber::parse("id", &with_check("22080219800101001"), today()).unwrap();
        assert!(id.is_male());
        assert_eq!(id.age_on(today()), 46);
    }

    #[test]
    fn rejects_bad_numbers_naming_the_field() {
        let good = with_check("22080219800101001");
        let mut wrong_check = good.clone();
        let last = if wrong_check.ends_with('1') { "2" } else { "1" };
        wrong_check.replace_range(17.., last);
        let cases = [
            (String::new(), "不能为空"),
            ("2208021980010100".to_string(), "应为18位"),
            ("22080219800101001A".to_string(), "只能由数字组成"),
            (with_check("99080219800101001"), "省级"),
            (with_check("22080219800230001"), "不存在"),
            (with_check("22080218800101001"), "不合理"),
            (with_check("22080220991231001"), "不合理"),
            (wrong_check, "校验位"),
        ];
        for (input, why) in cases {
            let err = IdNumber::parse("id_number", &input, today()).unwrap_err();
            assert_eq!(err.field, "id_number");
            assert!(err.message.contains(why), "{input}: {}", err.message);
        }
    }

    #[test]
    fn debug_output_is_masked() {
        let id = IdNumber::parse("id", &with_check("22080219800101001"), today()).unwrap();
        assert!(!format!("{id:?}").contains("19800101"));
    }
}
