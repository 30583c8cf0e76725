//! An official document (公文) as content, before any layout: title, number, addressee,
//! form rows, paragraphs, the issuing body and date (GB/T 9704-2012 elements). One value
//! feeds both the printable page and the PDF, so the two never say different things.

/// A document ready to lay out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficialDocument {
    pub title: String,
    /// e.g. （2026）洮北法援决字第0012号.
    pub number: String,
    /// 主送: who it is addressed to, with the colon, or empty.
    pub addressee: String,
    /// Label–value lines of a form (the application register, the closing report).
    pub rows: Vec<(String, String)>,
    /// Body paragraphs; a line break inside one starts a new line (a list).
    pub paragraphs: Vec<String>,
    /// The issuing body (落款), above the seal's place.
    pub issuer: String,
    pub date: String,
    /// A code for the person served to scan, printed at the foot (the rating link of
    /// 好差评 on a closing document); None on every other document.
    pub scan: Option<ScanCode>,
}

/// What a printed code opens and the words under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanCode {
    pub url: String,
    pub caption: String,
}

impl OfficialDocument {
    /// The file name a bureau files it under: title and number, without characters that
    /// file systems refuse.
    pub fn file_name(&self, extension: &str) -> String {
        let stem: String = format!("{}{}", self.title, self.number)
            .chars()
            .filter(|c| !matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') && !c.is_control())
            .collect();
        format!("{stem}.{extension}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_keeps_chinese_and_drops_separators() {
        let d = OfficialDocument {
            title: "给予法律援助决定书".into(),
            number: "（2026）洮北法援决字第0012/号".into(),
            addressee: String::new(),
            rows: vec![],
            paragraphs: vec![],
            issuer: String::new(),
            date: String::new(),
            scan: None,
        };
        assert_eq!(d.file_name("pdf"), "给予法律援助决定书（2026）洮北法援决字第0012号.pdf");
    }
}
