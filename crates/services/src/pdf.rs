//! Official documents as PDF files a bureau can file, in the layout of GB/T 9704-2012
//! (党政机关公文格式): A4, margins 37 mm top, 35 mm bottom, 28 mm left and 26 mm right,
//! the title in 二号 (22 pt), the body in 三号 (16 pt, 28 characters a line), the issuing
//! body and date at the foot with room for the seal, page numbers “— n —”.
//!
//! Layout (line breaking by the font's own advance widths; closing punctuation never
//! starts a line) is done here over a measuring trait, so it is tested without a font.
//! Drawing is krilla's: it embeds only the glyphs used from the system's Noto CJK font
//! and writes a ToUnicode map, so the Chinese in the file can be searched, copied and
//! read back by any PDF reader.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use gongdao_domain::document::OfficialDocument;

const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0 * MM;
const PAGE_H: f32 = 297.0 * MM;
const TOP: f32 = 37.0 * MM;
const BOTTOM: f32 = 35.0 * MM;
const LEFT: f32 = 28.0 * MM;
const RIGHT: f32 = 26.0 * MM;
const TEXT_W: f32 = PAGE_W - LEFT - RIGHT;
const TITLE_SIZE: f32 = 22.0;
/// 三号 (16 pt) set tight enough that 28 characters fill a line of the 156 mm block.
const BODY_SIZE: f32 = TEXT_W / 28.0;
const TABLE_SIZE: f32 = 14.0;
const PAGE_NUMBER_SIZE: f32 = 14.0;
/// Line pitch as a multiple of the type size (22 lines of 三号 fill the text block).
const LEADING: f32 = 1.75;
/// Where the baseline sits below the top of a line, as a share of the size.
const ASCENT: f32 = 0.88;
const CELL_PAD: f32 = 2.0 * MM;

/// Where Debian (fonts-noto-cjk) and other distributions put the CJK fonts; the serif
/// face first, as official documents are set in a Song style.
pub const FONT_CANDIDATES: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
];

/// The font the documents are set in, read once.
pub struct DocumentFont {
    data: Arc<Vec<u8>>,
    /// The face within a collection (.ttc): the Simplified Chinese one.
    index: u32,
    pub path: PathBuf,
}

impl std::fmt::Debug for DocumentFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DocumentFont({}#{})", self.path.display(), self.index)
    }
}

impl DocumentFont {
    /// The configured font, or the first of [`FONT_CANDIDATES`] present.
    pub fn load(configured: Option<&Path>) -> Result<DocumentFont, String> {
        match configured {
            Some(path) => Self::open(path),
            None => FONT_CANDIDATES
                .iter()
                .map(Path::new)
                .find(|p| p.exists())
                .ok_or_else(|| {
                    "服务器未安装中文字体（fonts-noto-cjk），暂不能生成 PDF；请使用“打印”，或请管理员安装字体"
                        .to_string()
                })
                .and_then(Self::open),
        }
    }

    fn open(path: &Path) -> Result<DocumentFont, String> {
        use skrifa::MetadataProvider;
        let data = std::fs::read(path).map_err(|e| format!("字体文件 {} 无法读取：{e}", path.display()))?;
        let file = skrifa::raw::FileRef::new(&data).map_err(|_| format!("{} 不是字体文件", path.display()))?;
        // In a Noto CJK collection the faces are JP, KR, SC, TC, HK: take the one whose
        // family name says SC, else the first.
        let index = file
            .fonts()
            .position(|f| {
                f.ok()
                    .and_then(|f| f.localized_strings(skrifa::string::StringId::FAMILY_NAME).english_or_first())
                    .is_some_and(|name| name.to_string().ends_with(" SC"))
            })
            .unwrap_or(0) as u32;
        skrifa::FontRef::from_index(&data, index).map_err(|_| format!("{} 不是字体文件", path.display()))?;
        Ok(DocumentFont { data: Arc::new(data), index, path: path.to_path_buf() })
    }

    fn metrics(&self) -> FontMetrics<'_> {
        use skrifa::MetadataProvider;
        let font = skrifa::FontRef::from_index(&self.data, self.index).expect("checked when loaded");
        FontMetrics {
            charmap: font.charmap(),
            glyphs: font.glyph_metrics(skrifa::instance::Size::new(1.0), skrifa::instance::LocationRef::default()),
        }
    }

    /// The document as a PDF file.
    pub fn render(&self, doc: &OfficialDocument) -> Result<Vec<u8>, String> {
        use krilla::geom::{PathBuilder, Point};
        use krilla::paint::{Fill, Stroke};
        use krilla::text::TextDirection;

        let pages = layout(doc, &self.metrics());
        let font = krilla::text::Font::new(krilla::Data::from(self.data.clone()), self.index)
            .ok_or_else(|| format!("字体 {} 无法使用", self.path.display()))?;
        let mut pdf = krilla::Document::new();
        pdf.set_metadata(
            krilla::metadata::Metadata::new()
                .title(format!("{} {}", doc.title, doc.number))
                .language("zh-CN".into())
                .creator("公道 公共法律服务平台".into()),
        );
        for marks in pages {
            let settings = krilla::page::PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid size");
            let mut page = pdf.start_page_with(settings);
            let mut surface = page.surface();
            for mark in marks {
                match mark {
                    Mark::Text { x, y, size, text } => {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill::default()));
                        surface.draw_text(Point::from_xy(x, y), font.clone(), size, &text, false, TextDirection::Auto);
                    }
                    Mark::Rule { x1, y1, x2, y2 } => {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke { width: 0.75, ..Default::default() }));
                        let mut path = PathBuilder::new();
                        path.move_to(x1, y1);
                        path.line_to(x2, y2);
                        if let Some(path) = path.finish() {
                            surface.draw_path(&path);
                        }
                    }
                    Mark::Block { x, y, w, h } => {
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill::default()));
                        let mut path = PathBuilder::new();
                        if let Some(rect) = krilla::geom::Rect::from_xywh(x, y, w, h) {
                            path.push_rect(rect);
                        }
                        if let Some(path) = path.finish() {
                            surface.draw_path(&path);
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        pdf.finish().map_err(|e| format!("PDF 生成失败：{e:?}"))
    }
}

/// How wide a character is, in ems.
pub(crate) trait Advance {
    fn advance(&self, c: char) -> f32;

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }
}

struct FontMetrics<'a> {
    charmap: skrifa::charmap::Charmap<'a>,
    glyphs: skrifa::metrics::GlyphMetrics<'a>,
}

impl Advance for FontMetrics<'_> {
    fn advance(&self, c: char) -> f32 {
        self.charmap.map(c).and_then(|g| self.glyphs.advance_width(g)).unwrap_or(1.0)
    }
}

/// What goes on a page; coordinates in points from the top left, text at its baseline.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    /// A filled rectangle (a run of dark modules of a printed code).
    Block {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// The printed code's side: 25 mm, which a phone reads at arm's length.
const SCAN_SIDE: f32 = 25.0 * MM;
const SCAN_CAPTION_SIZE: f32 = 10.5;

/// The dark modules of a QR code of `url` as filled runs, a row at a time, inside a
/// square of [`SCAN_SIDE`] whose top left is (`x`, `y`); none if the text cannot be
/// encoded (too long), so the document still prints.
pub(crate) fn scan_code_marks(url: &str, x: f32, y: f32) -> Vec<Mark> {
    let Ok(qr) = qrcode::QrCode::new(url.as_bytes()) else { return Vec::new() };
    let n = qr.width();
    let colors = qr.to_colors();
    let module = SCAN_SIDE / n as f32;
    let mut marks = Vec::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                marks.push(Mark::Block {
                    x: x + start as f32 * module,
                    y: y + row as f32 * module,
                    w: (col - start) as f32 * module,
                    h: module,
                });
            } else {
                col += 1;
            }
        }
    }
    marks
}

/// Characters that may not begin a line (避头点): they stay at the end of the line before.
fn closes(c: char) -> bool {
    "，。、；：！？）》」』】〉”’…—%,.;:!?)]".contains(c)
}

/// Characters that may not end a line (避尾点): they go down with what follows.
fn opens(c: char) -> bool {
    "（《「『【〈“‘([".contains(c)
}

/// Splits text into lines: `first` wide for the first line, `rest` for the others. Runs
/// of Latin letters and digits (numbers, dates, case codes) are not broken unless one
/// alone is wider than a line.
pub(crate) fn wrap(m: &impl Advance, text: &str, size: f32, first: f32, rest: f32) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for c in text.chars() {
        let joins = c.is_ascii_alphanumeric()
            && tokens.last().and_then(|t| t.chars().last()).is_some_and(|p| p.is_ascii_alphanumeric());
        let after_opener = tokens.last().and_then(|t| t.chars().last()).is_some_and(opens);
        match tokens.last_mut() {
            Some(t) if joins || after_opener => t.push(c),
            _ => tokens.push(c.to_string()),
        }
    }
    let mut lines = vec![String::new()];
    let mut width = 0.0;
    for token in tokens {
        let w = m.width(&token, size);
        let avail = if lines.len() == 1 { first } else { rest };
        let line = lines.last_mut().expect("one line at least");
        let hangs = token.chars().all(closes);
        if width + w <= avail + 0.01 || line.is_empty() && w <= avail || hangs && !line.is_empty() {
            line.push_str(&token);
            width += w;
        } else if w > rest {
            // A run longer than a line: break it where it overflows.
            for c in token.chars() {
                let cw = m.advance(c) * size;
                let avail = if lines.len() == 1 { first } else { rest };
                if width + cw > avail && !lines.last().expect("one line").is_empty() {
                    lines.push(String::new());
                    width = 0.0;
                }
                lines.last_mut().expect("one line").push(c);
                width += cw;
            }
        } else {
            lines.push(token);
            width = w;
        }
    }
    lines
}

struct Pages {
    pages: Vec<Vec<Mark>>,
    /// Top of the next line on the current page.
    y: f32,
}

impl Pages {
    fn new() -> Self {
        Pages { pages: vec![Vec::new()], y: TOP }
    }

    /// Makes room for `height`, starting a new page when it does not fit.
    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_H - BOTTOM && self.y > TOP {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    fn mark(&mut self, mark: Mark) {
        self.pages.last_mut().expect("one page at least").push(mark);
    }

    fn text(&mut self, x: f32, size: f32, text: String) {
        let y = self.y + size * ASCENT;
        self.mark(Mark::Text { x, y, size, text });
    }

    /// One line: room for it, then the text at `x` from the left margin's start.
    fn line(&mut self, x: f32, size: f32, text: String) {
        self.room(size * LEADING);
        self.text(x, size, text);
        self.y += size * LEADING;
    }
}

/// Lays the document out on A4 pages.
pub(crate) fn layout(doc: &OfficialDocument, m: &impl Advance) -> Vec<Vec<Mark>> {
    let mut p = Pages::new();
    // Where a line of this width starts when centred.
    let centred = |width: f32| LEFT + (TEXT_W - width).max(0.0) / 2.0;

    for line in wrap(m, &doc.title, TITLE_SIZE, TEXT_W, TEXT_W) {
        p.line(centred(m.width(&line, TITLE_SIZE)), TITLE_SIZE, line);
    }
    if !doc.number.is_empty() {
        p.line(centred(m.width(&doc.number, BODY_SIZE)), BODY_SIZE, doc.number.clone());
    }
    p.y += BODY_SIZE * 0.5;
    if !doc.addressee.is_empty() {
        for line in wrap(m, &doc.addressee, BODY_SIZE, TEXT_W, TEXT_W) {
            p.line(LEFT, BODY_SIZE, line);
        }
    }

    // The form: two columns, a label and its value, ruled.
    let label_w = TEXT_W * 0.3;
    let cell = |w: f32| w - 2.0 * CELL_PAD;
    let pitch = TABLE_SIZE * 1.5;
    for (i, (label, value)) in doc.rows.iter().enumerate() {
        let labels = wrap(m, label, TABLE_SIZE, cell(label_w), cell(label_w));
        let values = wrap(m, value, TABLE_SIZE, cell(TEXT_W - label_w), cell(TEXT_W - label_w));
        let height = labels.len().max(values.len()) as f32 * pitch + 2.0 * CELL_PAD;
        let page_before = p.pages.len();
        p.room(height);
        let top = p.y;
        if i == 0 || p.pages.len() != page_before {
            p.mark(Mark::Rule { x1: LEFT, y1: top, x2: LEFT + TEXT_W, y2: top });
        }
        for (k, line) in labels.into_iter().enumerate() {
            let y = top + CELL_PAD + k as f32 * pitch + (pitch - TABLE_SIZE) / 2.0 + TABLE_SIZE * ASCENT;
            p.mark(Mark::Text { x: LEFT + CELL_PAD, y, size: TABLE_SIZE, text: line });
        }
        for (k, line) in values.into_iter().enumerate() {
            let y = top + CELL_PAD + k as f32 * pitch + (pitch - TABLE_SIZE) / 2.0 + TABLE_SIZE * ASCENT;
            p.mark(Mark::Text { x: LEFT + label_w + CELL_PAD, y, size: TABLE_SIZE, text: line });
        }
        let bottom = top + height;
        for x in [LEFT, LEFT + label_w, LEFT + TEXT_W] {
            p.mark(Mark::Rule { x1: x, y1: top, x2: x, y2: bottom });
        }
        p.mark(Mark::Rule { x1: LEFT, y1: bottom, x2: LEFT + TEXT_W, y2: bottom });
        p.y = bottom;
    }
    if !doc.rows.is_empty() {
        p.y += BODY_SIZE * 0.5;
    }

    // The body: each paragraph (and each line of a list) indented by two characters.
    let indent = 2.0 * BODY_SIZE;
    for paragraph in &doc.paragraphs {
        for part in paragraph.split('\n').map(str::trim).filter(|s| !s.is_empty()) {
            for (k, line) in wrap(m, part, BODY_SIZE, TEXT_W - indent, TEXT_W).into_iter().enumerate() {
                p.line(if k == 0 { LEFT + indent } else { LEFT }, BODY_SIZE, line);
            }
        }
    }

    // The foot: the issuing body centred over the date, the date four characters from
    // the right edge; the seal is pressed over both, so there is room above them.
    p.room(BODY_SIZE * LEADING * 5.0);
    let foot_top = p.y;
    p.y += BODY_SIZE * LEADING * 2.0;
    let date_w = m.width(&doc.date, BODY_SIZE);
    let date_x = LEFT + TEXT_W - 4.0 * BODY_SIZE - date_w;
    let issuer_w = m.width(&doc.issuer, BODY_SIZE);
    let issuer_x = (date_x + (date_w - issuer_w) / 2.0).clamp(LEFT, (LEFT + TEXT_W - issuer_w).max(LEFT));
    p.line(issuer_x, BODY_SIZE, doc.issuer.clone());
    p.line(date_x, BODY_SIZE, doc.date.clone());
    // The code to scan sits at the left of the foot, clear of the seal's place.
    if let Some(code) = &doc.scan {
        for mark in scan_code_marks(&code.url, LEFT, foot_top + BODY_SIZE * 0.5) {
            p.mark(mark);
        }
        let caption_y = foot_top + BODY_SIZE * 0.5 + SCAN_SIDE + SCAN_CAPTION_SIZE * 1.2;
        p.mark(Mark::Text { x: LEFT, y: caption_y, size: SCAN_CAPTION_SIZE, text: code.caption.clone() });
        p.y = p.y.max(caption_y + SCAN_CAPTION_SIZE);
    }

    // Page numbers under the text block.
    for (n, page) in p.pages.iter_mut().enumerate() {
        let text = format!("— {} —", n + 1);
        let x = LEFT + (TEXT_W - m.width(&text, PAGE_NUMBER_SIZE)) / 2.0;
        page.push(Mark::Text { x, y: PAGE_H - BOTTOM + 7.0 * MM + PAGE_NUMBER_SIZE, size: PAGE_NUMBER_SIZE, text });
    }
    p.pages
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Full-width Chinese, half-width Latin: how a CJK font measures.
    struct Monospace;
    impl Advance for Monospace {
        fn advance(&self, c: char) -> f32 {
            if c.is_ascii() { 0.5 } else { 1.0 }
        }
    }

    fn doc(paragraphs: Vec<String>, rows: Vec<(String, String)>) -> OfficialDocument {
        OfficialDocument {
            title: "给予法律援助决定书".into(),
            number: "（2026）洮北法援决字第0012号".into(),
            addressee: "张三：".into(),
            rows,
            paragraphs,
            issuer: "洮北区法律援助中心".into(),
            date: "2026年12月7日".into(),
            scan: None,
        }
    }

    fn texts(pages: &[Vec<Mark>]) -> Vec<(usize, f32, f32, f32, String)> {
        let mut out = Vec::new();
        for (n, page) in pages.iter().enumerate() {
            for mark in page {
                if let Mark::Text { x, y, size, text } = mark {
                    out.push((n, *x, *y, *size, text.clone()));
                }
            }
        }
        out
    }

    #[test]
    fn a_body_line_holds_28_characters() {
        let lines = wrap(&Monospace, &"法".repeat(60), BODY_SIZE, TEXT_W, TEXT_W);
        assert_eq!(lines.iter().map(|l| l.chars().count()).collect::<Vec<_>>(), vec![28, 28, 4]);
        assert!((BODY_SIZE - 16.0).abs() < 0.3, "三号 is 16 pt");
    }

    #[test]
    fn closing_punctuation_never_starts_a_line_and_numbers_are_not_split() {
        let text = format!("{}，依据第四十三条，2026年12月07日作出决定。", "审".repeat(26));
        let lines = wrap(&Monospace, &text, BODY_SIZE, TEXT_W, TEXT_W);
        assert!(lines.len() >= 2);
        for line in &lines[1..] {
            assert!(!line.starts_with(closes), "{line}");
        }
        assert!(lines.iter().any(|l| l.contains("2026")), "{lines:?}");
        let long_code = "A".repeat(200);
        let lines = wrap(&Monospace, &long_code, BODY_SIZE, TEXT_W, TEXT_W);
        assert!(lines.len() > 1 && lines.concat() == long_code);
        for line in &lines {
            assert!(Monospace.width(line, BODY_SIZE) <= TEXT_W + 0.01);
        }
    }

    #[test]
    fn opening_brackets_stay_with_what_follows() {
        let text = format!("{}（第四十八条）", "审".repeat(26));
        let lines = wrap(&Monospace, &text, BODY_SIZE, TEXT_W, TEXT_W);
        assert!(lines.iter().all(|l| !l.ends_with('（')), "{lines:?}");
    }

    #[test]
    fn every_text_stays_inside_the_text_block_and_long_documents_go_on_to_new_pages() {
        let long: Vec<String> = (0..40).map(|i| format!("第{i}段。{}", "法律援助".repeat(20))).collect();
        let rows: Vec<(String, String)> = (0..12).map(|i| (format!("项目{i}"), "内容".repeat(40))).collect();
        let pages = layout(&doc(long, rows), &Monospace);
        assert!(pages.len() > 3, "{} pages", pages.len());
        let all = texts(&pages);
        for (_, x, y, size, text) in &all {
            assert!(*x >= LEFT - 0.01, "{text} at x {x}");
            assert!(x + Monospace.width(text, *size) <= LEFT + TEXT_W + 2.0 * BODY_SIZE, "{text} runs off");
            if !text.starts_with('—') {
                assert!(*y >= TOP && *y <= PAGE_H - BOTTOM, "{text} at y {y}");
            }
        }
        // Every page has its number, in order.
        for (n, page) in pages.iter().enumerate() {
            let want = format!("— {} —", n + 1);
            assert!(page.iter().any(|m| matches!(m, Mark::Text { text, .. } if *text == want)));
        }
        // Nothing is lost: every paragraph's words appear in order.
        let body: String = all.iter().map(|t| t.4.as_str()).collect();
        assert!(body.contains("第39段。"));
        assert!(body.find("第0段").unwrap() < body.find("第39段").unwrap());
    }

    #[test]
    fn the_title_is_centred_and_the_date_ends_four_characters_from_the_right() {
        let pages = layout(&doc(vec!["经审查，决定给予法律援助。".into()], vec![]), &Monospace);
        let all = texts(&pages);
        let title = all.iter().find(|t| t.4 == "给予法律援助决定书").unwrap();
        let mid = title.1 + Monospace.width(&title.4, TITLE_SIZE) / 2.0;
        assert!((mid - (LEFT + TEXT_W / 2.0)).abs() < 0.5);
        let date = all.iter().find(|t| t.4 == "2026年12月7日").unwrap();
        let end = date.1 + Monospace.width(&date.4, BODY_SIZE);
        assert!((LEFT + TEXT_W - end - 4.0 * BODY_SIZE).abs() < 0.5);
        let issuer = all.iter().find(|t| t.4 == "洮北区法律援助中心").unwrap();
        assert!(issuer.2 < date.2 && issuer.2 > all.iter().find(|t| t.4.starts_with("经审查")).unwrap().2);
    }

    #[test]
    fn a_closing_document_carries_its_code_at_the_foot_clear_of_the_issuer() {
        let mut d = doc(vec!["本案已结案。".into()], vec![]);
        d.scan = Some(gongdao_domain::document::ScanCode {
            url: "https://fw.example.gov.cn/rate/AbCdEfGhIjKlMnOpQrStUv".into(),
            caption: "手机扫码，评价这次服务".into(),
        });
        let pages = layout(&d, &Monospace);
        let last = pages.last().unwrap();
        let blocks: Vec<(f32, f32, f32, f32)> = last
            .iter()
            .filter_map(|m| match m {
                Mark::Block { x, y, w, h } => Some((*x, *y, *w, *h)),
                _ => None,
            })
            .collect();
        assert!(blocks.len() > 50, "a QR code's modules are drawn: {}", blocks.len());
        let right = blocks.iter().map(|b| b.0 + b.2).fold(0.0f32, f32::max);
        let bottom = blocks.iter().map(|b| b.1 + b.3).fold(0.0f32, f32::max);
        assert!(blocks.iter().all(|b| b.0 >= LEFT - 0.01) && right <= LEFT + SCAN_SIDE + 0.01);
        assert!(bottom <= PAGE_H - BOTTOM, "inside the text block");
        let all = texts(&pages);
        let issuer = all.iter().find(|t| t.4 == "洮北区法律援助中心").unwrap();
        assert!(issuer.1 > right, "the issuer and the seal's place stay right of the code");
        let caption = all.iter().find(|t| t.4 == "手机扫码，评价这次服务").unwrap();
        assert!(caption.2 > bottom, "the caption is under the code");
        // Without a code, nothing is drawn there.
        let plain = layout(&doc(vec!["本案已结案。".into()], vec![]), &Monospace);
        assert!(!plain.iter().flatten().any(|m| matches!(m, Mark::Block { .. })));
    }
}
