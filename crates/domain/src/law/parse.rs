//! One LawRefBook Markdown file to a [`ParsedText`]: the title (first H1) and optional
//! subtitle (second H1, e.g. the book of 民法典), the dated history lines up to
//! `<!-- INFO END -->`, then structure headings (any depth of `#`) and articles, each
//! starting a line with 第…条 and a space, its later paragraphs following on their own
//! lines. Known typos of the corpus are survived: 笫 for 第, and a space before 条
//! (`第一百二十八 条侦查人员…`).

use chrono::NaiveDate;

use super::{ArticleNumber, HistoryEntry, parse_chinese_number};

const INFO_END: &str = "<!-- INFO END -->";

/// An article: its number, the headings it sits under (编/章/节), its paragraphs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedArticle {
    pub number: ArticleNumber,
    pub headings: Vec<String>,
    pub paragraphs: Vec<String>,
    /// The line the article starts on, 1-based.
    pub line: usize,
}

/// Paragraphs outside articles under their headings: a preamble, or a case's prose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedSection {
    pub headings: Vec<String>,
    pub paragraphs: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedText {
    pub title: String,
    pub subtitle: Option<String>,
    pub history: Vec<HistoryEntry>,
    pub articles: Vec<ParsedArticle>,
    pub sections: Vec<ParsedSection>,
}

/// Why a file cannot be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第 {} 行：{}", self.line, self.message)
    }
}

/// Whether a file is only a folder index (front matter and nothing else).
pub fn is_index_only(text: &str) -> bool {
    strip_front_matter(text).1.iter().all(|(_, l)| l.trim().is_empty())
}

/// Parses a whole file.
pub fn parse_text(text: &str) -> Result<ParsedText, ParseError> {
    let (_, lines) = strip_front_matter(text);
    let mut title = None;
    let mut subtitle = None;
    let mut history = Vec::new();
    let mut body_start = None;
    for (i, (line_no, raw)) in lines.iter().enumerate() {
        if raw.trim() == INFO_END || raw.trim_start().starts_with(INFO_END) {
            body_start = Some(i + 1);
            break;
        }
        let line = strip_comments(raw);
        let line = line.trim();
        if let Some(h1) = line.strip_prefix("# ") {
            let h1 = collapse_spaces(h1);
            if title.is_none() {
                title = Some(h1);
            } else if subtitle.is_none() {
                subtitle = Some(h1);
            }
        } else if let Some((date, event)) = leading_date(line) {
            let date = date.ok_or_else(|| ParseError { line: *line_no, message: format!("日期无效：{line}") })?;
            history.push(HistoryEntry { date, event: event.trim().to_string() });
        }
    }
    let first_line = lines.first().map(|(n, _)| *n).unwrap_or(1);
    let title = title
        .filter(|t| !t.is_empty())
        .ok_or(ParseError { line: first_line, message: "缺少标题（以“# ”开头的第一行）".into() })?;
    let body_start = body_start.ok_or(ParseError {
        line: lines.last().map(|(n, _)| *n).unwrap_or(1),
        message: format!("缺少文件头结束标记 {INFO_END}"),
    })?;

    let mut headings: Vec<(usize, String)> = Vec::new();
    let mut articles: Vec<ParsedArticle> = Vec::new();
    let mut sections: Vec<ParsedSection> = Vec::new();
    let mut in_article = false;
    for (line_no, raw) in &lines[body_start..] {
        let line = strip_comments(raw);
        let line = line.trim();
        if line.is_empty() || line.chars().all(|c| c == '-') {
            continue;
        }
        if let Some((level, text)) = heading(line) {
            headings.retain(|(l, _)| *l < level);
            headings.push((level, text));
            in_article = false;
            continue;
        }
        if let Some((number, rest)) = article_start(line) {
            if let Some(prev) = articles.iter().find(|a| a.number == number) {
                return Err(ParseError {
                    line: *line_no,
                    message: format!("{}重复出现（第 {} 行已有）", number.label(), prev.line),
                });
            }
            let mut paragraphs = Vec::new();
            if !rest.is_empty() {
                paragraphs.push(rest.to_string());
            }
            articles.push(ParsedArticle {
                number,
                headings: headings.iter().map(|(_, t)| t.clone()).collect(),
                paragraphs,
                line: *line_no,
            });
            in_article = true;
            continue;
        }
        if in_article && let Some(article) = articles.last_mut() {
            article.paragraphs.push(line.to_string());
            continue;
        }
        let heading_texts: Vec<String> = headings.iter().map(|(_, t)| t.clone()).collect();
        match sections.last_mut() {
            Some(s) if s.headings == heading_texts => s.paragraphs.push(line.to_string()),
            _ => sections.push(ParsedSection { headings: heading_texts, paragraphs: vec![line.to_string()] }),
        }
    }
    Ok(ParsedText { title, subtitle, history, articles, sections })
}

/// Drops a leading `---` … `---` block; returns the remaining lines with their 1-based
/// numbers.
fn strip_front_matter(text: &str) -> (usize, Vec<(usize, &str)>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    if lines.first().map(|(_, l)| l.trim()) == Some("---")
        && let Some(end) = lines.iter().skip(1).position(|(_, l)| l.trim().starts_with("---"))
    {
        let skip = end + 2;
        return (skip, lines[skip..].to_vec());
    }
    (0, lines)
}

fn strip_comments(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `## 第一章  总 则` → (2, "第一章 总 则").
fn heading(line: &str) -> Option<(usize, String)> {
    let level = line.chars().take_while(|c| *c == '#').count();
    if level == 0 {
        return None;
    }
    let text = line[level..].trim();
    if !line[level..].starts_with(char::is_whitespace) || text.is_empty() {
        return None;
    }
    Some((level, collapse_spaces(text)))
}

/// `2021年8月20日 第十三届…通过` → the date (None when it is not a real date) and the
/// rest; `None` when the line does not start with a date.
fn leading_date(line: &str) -> Option<(Option<NaiveDate>, &str)> {
    let (year, rest) = line.split_once('年')?;
    let (month, rest) = rest.split_once('月')?;
    let (day, rest) = rest.split_once('日')?;
    let numeric =
        |s: &str, len: std::ops::RangeInclusive<usize>| len.contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit());
    if !(numeric(year, 4..=4) && numeric(month, 1..=2) && numeric(day, 1..=2)) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    Some((date, rest))
}

fn is_numeral(c: char) -> bool {
    "零〇一二三四五六七八九十百千万两".contains(c) || c.is_ascii_digit()
}

/// `第一百三十三条之一 在道路上…` → the number and the rest of the line.
fn article_start(line: &str) -> Option<(ArticleNumber, &str)> {
    let rest = line.strip_prefix('第').or_else(|| line.strip_prefix('笫'))?;
    let digits_end = rest.find(|c: char| !is_numeral(c))?;
    let (digits, rest) = rest.split_at(digits_end);
    let spaced = rest.starts_with(char::is_whitespace);
    let rest = rest.trim_start().strip_prefix('条')?;
    let (suffix, rest) = match rest.strip_prefix('之') {
        Some(after) => {
            let end = after.find(|c: char| !is_numeral(c)).unwrap_or(after.len());
            (parse_chinese_number(&after[..end])?, &after[end..])
        }
        None => (0, rest),
    };
    // An article is followed by a space or nothing; `第三十一条的决定` is prose. When the
    // typist put the space before 条 instead, the text follows 条 directly.
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace) || spaced) {
        return None;
    }
    let number = parse_chinese_number(digits).filter(|n| *n > 0)?;
    Some((ArticleNumber { number, suffix }, rest.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const AID: &str = "# 中华人民共和国法律援助法\n\n2021年8月20日 第十三届全国人民代表大会常务委员会第三十次会议通过\n\n<!-- INFO END -->\n\n## 第一章 总 则\n\n第一条 为了规范和促进法律援助工作，制定本法。\n\n第二条 本法所称法律援助，是国家建立的制度。\n\n## 第二章  机构和人员\n\n第四条 县级以上人民政府应当将法律援助工作纳入规划。\n\n县级以上人民政府应当健全法律援助保障体系。\n";

    #[test]
    fn reads_title_history_headings_and_articles_spanning_paragraphs() {
        let p = parse_text(AID).unwrap();
        assert_eq!(p.title, "中华人民共和国法律援助法");
        assert_eq!(p.subtitle, None);
        assert_eq!(
            p.history,
            vec![HistoryEntry {
                date: d("2021-08-20"),
                event: "第十三届全国人民代表大会常务委员会第三十次会议通过".into()
            }]
        );
        assert_eq!(p.articles.len(), 3);
        assert_eq!(p.articles[0].number, ArticleNumber::new(1));
        assert_eq!(p.articles[0].headings, vec!["第一章 总 则"]);
        assert_eq!(p.articles[0].line, 9);
        let fourth = &p.articles[2];
        assert_eq!(fourth.headings, vec!["第二章 机构和人员"]);
        assert_eq!(
            fourth.paragraphs,
            vec!["县级以上人民政府应当将法律援助工作纳入规划。", "县级以上人民政府应当健全法律援助保障体系。"]
        );
    }

    #[test]
    fn two_h1s_give_title_and_subtitle_and_nested_headings_stack() {
        let text = "# 中华人民共和国民法典\n\n# 婚姻家庭编\n\n2020年5月28日 通过\n\n2021年1月1日 施行\n\n<!-- INFO END -->\n\n## 第五编 婚姻家庭\n### 第四章 离婚\n#### 第一节 一般规定\n第一千零七十九条 夫妻一方要求离婚的，可以由有关组织进行调解。\n\n### 第五章 收养\n第一千零九十三条 下列未成年人，可以被收养：\n";
        let p = parse_text(text).unwrap();
        assert_eq!(p.title, "中华人民共和国民法典");
        assert_eq!(p.subtitle.as_deref(), Some("婚姻家庭编"));
        assert_eq!(p.history.len(), 2);
        assert_eq!(p.articles[0].number, ArticleNumber::new(1079));
        assert_eq!(p.articles[0].headings, vec!["第五编 婚姻家庭", "第四章 离婚", "第一节 一般规定"]);
        // A shallower heading closes the deeper ones.
        assert_eq!(p.articles[1].headings, vec!["第五编 婚姻家庭", "第五章 收养"]);
    }

    #[test]
    fn suffixed_articles_and_the_corpus_typos_are_read() {
        let text = "# 刑法\n\n<!-- INFO END -->\n\n第一百三十三条 交通肇事。\n\n第一百三十三条之一 在道路上驾驶机动车。\n\n笫五十四条 笫 for 第。\n\n第一百二十八 条侦查人员对于与犯罪有关的场所进行勘验。\n\n第三十一条的决定 is prose of the article before.\n";
        let p = parse_text(text).unwrap();
        let numbers: Vec<_> = p.articles.iter().map(|a| (a.number.number, a.number.suffix)).collect();
        assert_eq!(numbers, vec![(133, 0), (133, 1), (54, 0), (128, 0)]);
        assert_eq!(p.articles[3].paragraphs[0], "侦查人员对于与犯罪有关的场所进行勘验。");
        assert_eq!(p.articles[3].paragraphs[1], "第三十一条的决定 is prose of the article before.");
    }

    #[test]
    fn files_without_dates_and_cases_without_articles_parse() {
        let case = "# 加班费的仲裁时效应当如何认定\n\n<!-- INFO END -->\n\n## 基本案情\n\n张某于2016年7月入职。\n\n## 裁判结果\n\n支付加班费。\n";
        let p = parse_text(case).unwrap();
        assert!(p.history.is_empty());
        assert!(p.articles.is_empty());
        assert_eq!(p.sections.len(), 2);
        assert_eq!(p.sections[0].headings, vec!["基本案情"]);
        assert_eq!(p.sections[1].paragraphs, vec!["支付加班费。"]);
    }

    #[test]
    fn index_files_are_recognised() {
        assert!(is_index_only("---\nbookCollapseSection: true\n---\n"));
        assert!(is_index_only("---\nbookHidden: true\n---\n\n"));
        assert!(!is_index_only(AID));
    }

    #[test]
    fn front_matter_and_comments_are_ignored() {
        let text = "---\nweight: 1\n---\n# 标题 <!-- 注释 -->\n\n<!-- INFO END -->\n第一条 内容<!-- 备注 -->。\n";
        let p = parse_text(text).unwrap();
        assert_eq!(p.title, "标题");
        assert_eq!(p.articles[0].paragraphs, vec!["内容。"]);
    }

    #[test]
    fn malformed_files_are_reported_with_their_line() {
        let no_title = "2021年1月1日 施行\n<!-- INFO END -->\n第一条 x\n";
        assert_eq!(parse_text(no_title).unwrap_err().line, 1);
        let no_end = "# 标题\n\n第一条 x\n";
        assert!(parse_text(no_end).unwrap_err().message.contains("INFO END"));
        let bad_date = "# 标题\n2021年13月1日 通过\n<!-- INFO END -->\n";
        assert_eq!(parse_text(bad_date).unwrap_err().line, 2);
        let twice = "# 标题\n<!-- INFO END -->\n第一条 a\n第二条 b\n第一条 c\n";
        let e = parse_text(twice).unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("第一条重复出现"), "{}", e.message);
    }
}
