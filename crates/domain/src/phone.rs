//! Telephone numbers of mainland China: mobiles (11 digits, 13x–19x), landlines with
//! their area code (010, 02x, 03xx–09xx, then a 7- or 8-digit local number), and the
//! public service numbers such as 12348 (the legal service hotline), with or without
//! an area code.

use std::fmt;

use crate::FieldError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PhoneKind {
    Mobile,
    Landline,
    /// A five-digit public service number (12348, 12345 …).
    Service,
}

/// A parsed phone number in its canonical form: `13812345678`, `0436-3212345`,
/// `0436-12348` or `12348`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber {
    canonical: String,
    kind: PhoneKind,
}

impl PhoneNumber {
    pub fn parse(field: &str, input: &str) -> Result<Self, FieldError> {
        let raw = input.trim();
        if raw.is_empty() {
            return Err(FieldError::new(field, "电话号码不能为空"));
        }
        let bad = || {
            FieldError::new(
                field,
                format!(
                    "电话号码“{}”不是有效的手机号或固定电话（固定电话请带区号，如 0436-3212345）",
                    crate::text::clip(raw, 24)
                ),
            )
        };
        let mut digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '（' | '）')).collect();
        if let Some(rest) = digits.strip_prefix("+86").or_else(|| digits.strip_prefix("0086")) {
            digits = rest.to_string();
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let b = digits.as_bytes();
        // Mobile: 1[3-9] and nine more digits.
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            return Ok(PhoneNumber { canonical: digits, kind: PhoneKind::Mobile });
        }
        if is_service_number(&digits) {
            return Ok(PhoneNumber { canonical: digits, kind: PhoneKind::Service });
        }
        if b.first() == Some(&b'0') && b.len() >= 3 {
            let area_len = match b[1] {
                b'1' | b'2' => 3,
                b'3'..=b'9' => 4,
                _ => return Err(bad()),
            };
            if b[1] == b'1' && b[2] != b'0' {
                return Err(bad()); // 010 is the only 01x area code
            }
            if b.len() <= area_len {
                return Err(bad());
            }
            let (area, local) = digits.split_at(area_len);
            let lb = local.as_bytes();
            let ordinary = (7..=8).contains(&lb.len()) && (b'2'..=b'9').contains(&lb[0]);
            if ordinary {
                return Ok(PhoneNumber { canonical: format!("{area}-{local}"), kind: PhoneKind::Landline });
            }
            if is_service_number(local) {
                return Ok(PhoneNumber { canonical: format!("{area}-{local}"), kind: PhoneKind::Service });
            }
        }
        Err(bad())
    }

    /// A person's own number (a requester, a party, a booking): a public service
    /// number such as 12345 is refused, or receipts and reminders would go to a
    /// government hotline.
    pub fn parse_personal(field: &str, input: &str) -> Result<Self, FieldError> {
        let phone = Self::parse(field, input)?;
        if phone.kind == PhoneKind::Service {
            return Err(FieldError::new(
                field,
                format!("“{}”是公共服务号码，请填写本人的手机号或固定电话", phone.canonical),
            ));
        }
        Ok(phone)
    }

    pub fn as_str(&self) -> &str {
        &self.canonical
    }

    pub fn kind(&self) -> PhoneKind {
        self.kind
    }

    pub fn is_mobile(&self) -> bool {
        self.kind == PhoneKind::Mobile
    }

    /// Mobiles hide the middle four digits (138****5678); office lines are public.
    pub fn masked(&self) -> String {
        match self.kind {
            PhoneKind::Mobile => format!("{}****{}", &self.canonical[..3], &self.canonical[7..]),
            _ => self.canonical.clone(),
        }
    }

    /// The last four digits, which a citizen gives to follow a matter.
    pub fn last4(&self) -> &str {
        &self.canonical[self.canonical.len() - 4..]
    }
}

fn is_service_number(s: &str) -> bool {
    s.len() == 5 && s.starts_with("12") && s.bytes().all(|b| b.is_ascii_digit())
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_persons_number_is_not_a_service_number() {
        for input in ["12345", "12348", "0436-12348"] {
            let e = PhoneNumber::parse_personal("requester.phone", input).unwrap_err();
            assert!(e.message.contains("公共服务号码"), "{input}: {}", e.message);
            assert_eq!(e.field, "requester.phone");
        }
        assert!(PhoneNumber::parse_personal("phone", "13812345678").is_ok());
        assert!(PhoneNumber::parse_personal("phone", "0436-3212345").is_ok());
    }

    #[test]
    fn accepts_mobiles_landlines_and_service_numbers() {
        let cases = [
            ("13812345678", "13812345678", PhoneKind::Mobile),
            ("+86 138 1234 5678", "13812345678", PhoneKind::Mobile),
            ("19912345678", "19912345678", PhoneKind::Mobile),
            ("0436-3212345", "0436-3212345", PhoneKind::Landline),
            ("04363212345", "0436-3212345", PhoneKind::Landline),
            ("(010)62345678", "010-62345678", PhoneKind::Landline),
            ("021-5123456", "021-5123456", PhoneKind::Landline),
            ("12348", "12348", PhoneKind::Service),
            ("0436-12348", "0436-12348", PhoneKind::Service),
        ];
        for (input, canonical, kind) in cases {
            let p = PhoneNumber::parse("phone", input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.as_str(), canonical);
            assert_eq!(p.kind(), kind);
        }
    }

    #[test]
    fn rejects_what_is_not_a_mainland_number() {
        for input in [
            "",
            "12345678901",
            "1381234567",
            "138123456789",
            "0436-123",
            "011-62345678",
            "0436-0212345",
            "4008123456",
            "abc",
            "138-1234-567x",
            "+1 415 555 0100",
            "0436-323456789",
        ] {
            let err = PhoneNumber::parse("phone", input).unwrap_err();
            assert_eq!(err.field, "phone", "{input}");
            assert!(err.message.contains("电话号码"), "{input}");
        }
    }

    #[test]
    fn masking_hides_mobile_middle_digits() {
        let p = PhoneNumber::parse("phone", "13812345678").unwrap();
        assert_eq!(p.masked(), "138****5678");
        assert_eq!(p.last4(), "5678");
        assert_eq!(PhoneNumber::parse("p", "0436-3212345").unwrap().masked(), "0436-3212345");
    }
}
