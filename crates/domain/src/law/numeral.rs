//! Chinese numerals as written in article numbers (第一千零七十九条 = 1079) and their
//! inverse, for labels.

/// The value of a Chinese numeral such as 一千零七十九, 两百, 十五 or plain digits.
/// `None` for anything else, or for values beyond a million (no law has that many).
pub fn parse_chinese_number(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.chars().all(|c| c.is_ascii_digit()) {
        return text.parse().ok().filter(|n| *n <= 1_000_000);
    }
    let mut total: u32 = 0; // completed groups of ten thousand
    let mut section: u32 = 0; // below ten thousand
    let mut digit: Option<u32> = None;
    for c in text.chars() {
        match c {
            // A zero only marks a gap (一百零五); the next digit fills it.
            '零' | '〇' => {}
            '一' => digit = Some(1),
            '二' | '两' => digit = Some(2),
            '三' => digit = Some(3),
            '四' => digit = Some(4),
            '五' => digit = Some(5),
            '六' => digit = Some(6),
            '七' => digit = Some(7),
            '八' => digit = Some(8),
            '九' => digit = Some(9),
            '十' | '百' | '千' => {
                let unit = match c {
                    '十' => 10,
                    '百' => 100,
                    _ => 1000,
                };
                // 十五 means 一十五: a bare unit counts once.
                section += digit.take().unwrap_or(1) * unit;
            }
            '万' => {
                total += (section + digit.take().unwrap_or(0)) * 10_000;
                section = 0;
            }
            _ => return None,
        }
    }
    let value = total + section + digit.unwrap_or(0);
    (value <= 1_000_000).then_some(value)
}

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// The Chinese numeral of `n` as laws write it: 1079 → 一千零七十九, 15 → 十五,
/// 110 → 一百一十.
pub fn chinese_number(n: u32) -> String {
    if n == 0 {
        return DIGITS[0].to_string();
    }
    if n >= 10_000 {
        let high = chinese_number(n / 10_000);
        let low = n % 10_000;
        return match low {
            0 => format!("{high}万"),
            1..=999 => format!("{high}万零{}", chinese_number(low)),
            _ => format!("{high}万{}", chinese_number(low)),
        };
    }
    let units = [(1000, "千"), (100, "百"), (10, "十"), (1, "")];
    let mut out = String::new();
    let mut pending_zero = false;
    for (value, unit) in units {
        let d = (n / value) % 10;
        if d == 0 {
            if !out.is_empty() {
                pending_zero = true;
            }
            continue;
        }
        if pending_zero {
            out.push_str(DIGITS[0]);
            pending_zero = false;
        }
        // 十五, not 一十五, when ten leads.
        if !(d == 1 && value == 10 && out.is_empty()) {
            out.push_str(DIGITS[d as usize]);
        }
        out.push_str(unit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_numerals_of_article_numbers() {
        let cases = [
            ("一", Some(1)),
            ("十", Some(10)),
            ("十五", Some(15)),
            ("二十", Some(20)),
            ("一百", Some(100)),
            ("一百一十", Some(110)),
            ("一百零五", Some(105)),
            ("一千零七十九", Some(1079)),
            ("一千二百六十", Some(1260)),
            ("两百", Some(200)),
            ("一万零一", Some(10001)),
            ("123", Some(123)),
            ("", None),
            ("条", None),
            ("十a", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_chinese_number(text), want, "{text}");
        }
    }

    #[test]
    fn writes_numerals_the_way_laws_do() {
        let cases = [
            (1, "一"),
            (10, "十"),
            (15, "十五"),
            (20, "二十"),
            (105, "一百零五"),
            (110, "一百一十"),
            (1000, "一千"),
            (1079, "一千零七十九"),
            (1260, "一千二百六十"),
            (2003, "二千零三"),
            (10001, "一万零一"),
        ];
        for (n, want) in cases {
            assert_eq!(chinese_number(n), want, "{n}");
        }
    }

    #[test]
    fn every_number_round_trips() {
        for n in 1..=3000 {
            assert_eq!(parse_chinese_number(&chinese_number(n)), Some(n), "{n}");
        }
    }
}
