//! Materials of a legal aid case (申请材料: ID cards, proof of hardship, contracts, pay
//! slips, judgments) as uploaded files. A file is recognised by its content, never by
//! its name or the type the browser claims: only PDF, JPEG and PNG are taken, the name's
//! extension must agree with the content, and the size is bounded.

use crate::FieldError;

crate::code_enum! {
    /// What an accepted file is.
    pub enum MaterialKind: "文件类型" {
        Pdf => ("pdf", "PDF 文件"),
        Jpeg => ("jpeg", "JPG 图片"),
        Png => ("png", "PNG 图片"),
    }
}

impl MaterialKind {
    /// The media type the file is served with.
    pub fn mime(self) -> &'static str {
        match self {
            MaterialKind::Pdf => "application/pdf",
            MaterialKind::Jpeg => "image/jpeg",
            MaterialKind::Png => "image/png",
        }
    }

    /// The bytes a file of this kind begins with.
    pub fn signature(self) -> &'static [u8] {
        match self {
            MaterialKind::Pdf => b"%PDF-",
            MaterialKind::Jpeg => &[0xff, 0xd8, 0xff],
            MaterialKind::Png => &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a],
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            MaterialKind::Pdf => &["pdf"],
            MaterialKind::Jpeg => &["jpg", "jpeg"],
            MaterialKind::Png => &["png"],
        }
    }
}

/// A file kept with a case, as listed (its content is fetched on its own).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Material {
    pub id: i64,
    pub case_id: i64,
    pub name: String,
    pub kind: MaterialKind,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the content, hex: what was filed is what is read back.
    pub sha256: String,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
}

/// The largest file taken: a phone's photo of a document, or a scanned PDF of a few pages.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// An uploaded file that passed the checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedFile {
    /// The name without any folder, control characters or more than 80 characters.
    pub name: String,
    pub kind: MaterialKind,
}

/// Checks an uploaded file (`field` names the form field in the messages).
pub fn check_upload(field: &str, name: &str, bytes: &[u8]) -> Result<CheckedFile, FieldError> {
    let err = |m: String| FieldError::new(field, m);
    if bytes.is_empty() {
        return Err(err("请选择要上传的文件（文件是空的）".into()));
    }
    if bytes.len() > MAX_BYTES {
        return Err(err(format!(
            "文件有 {:.1} MB，超过了 {} MB 的上限；请压缩图片或分成几个文件上传",
            bytes.len() as f64 / 1_048_576.0,
            MAX_BYTES / 1_048_576
        )));
    }
    let sniffed = infer::get(bytes).map(|t| t.mime_type());
    let kind = match sniffed {
        Some("application/pdf") => Some(MaterialKind::Pdf),
        Some("image/jpeg") => Some(MaterialKind::Jpeg),
        Some("image/png") => Some(MaterialKind::Png),
        _ => None,
    }
    // The signature must open the file: a PDF header further in (which readers
    // tolerate, and a file of another kind can carry) is not taken.
    .filter(|k| bytes.starts_with(k.signature()));
    let Some(kind) = kind else {
        let what = sniffed.map_or("无法识别的内容".to_string(), |m| format!("内容为 {m}"));
        return Err(err(format!("只能上传 PDF、JPG 或 PNG 文件（该文件{what}）")));
    };
    // Only the last part of a path; no control characters; a bounded length.
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_string();
    let clean: String = if clean.chars().count() > 80 {
        let ext = clean.rsplit_once('.').map(|(_, e)| e.to_string()).unwrap_or_default();
        let stem: String = clean.chars().take(70).collect();
        format!("{stem}….{ext}")
    } else {
        clean
    };
    let extension = clean.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !kind.extensions().contains(&extension.as_str()) {
        return Err(err(format!(
            "文件名“{}”的扩展名与内容（{}）不符，请确认上传的是原文件",
            crate::text::clip(&clean, 40),
            kind.label()
        )));
    }
    Ok(CheckedFile { name: clean, kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
    const JPEG: &[u8] = &[0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F', b'I', b'F', 0];

    #[test]
    fn pdf_jpeg_and_png_are_known_by_their_content() {
        assert_eq!(check_upload("file", "身份证.pdf", PDF).unwrap().kind, MaterialKind::Pdf);
        assert_eq!(check_upload("file", "工资条.PNG", PNG).unwrap().kind, MaterialKind::Png);
        assert_eq!(check_upload("file", "欠条.jpeg", JPEG).unwrap().kind, MaterialKind::Jpeg);
        assert_eq!(check_upload("file", "C:\\Users\\王\\欠条.jpg", JPEG).unwrap().name, "欠条.jpg");
    }

    #[test]
    fn other_content_a_lying_name_empty_and_oversized_files_are_refused_by_field() {
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff";
        let e = check_upload("file", "身份证.pdf", exe).unwrap_err();
        assert_eq!(e.field, "file");
        assert!(e.message.contains("只能上传"), "{}", e.message);
        let e = check_upload("file", "scan.pdf", PNG).unwrap_err();
        assert!(e.message.contains("扩展名") && e.message.contains("PNG"), "{}", e.message);
        assert!(check_upload("file", "无扩展名", PDF).is_err());
        assert!(check_upload("file", "a.pdf", b"").unwrap_err().message.contains("空"));
        let mut big = PDF.to_vec();
        big.resize(MAX_BYTES + 1, b' ');
        assert!(check_upload("file", "a.pdf", &big).unwrap_err().message.contains("超过了 5 MB"));
        let html = b"<html><script>alert(1)</script></html>";
        assert!(check_upload("file", "a.png", html).is_err());
        // Found by the fuzz target: a PDF header after other bytes is not a PDF here.
        let late = b"\0id-card\0\0\0\x80\n%PDF-1.4 1 0 obj";
        assert!(check_upload("file", "a.pdf", late).unwrap_err().message.contains("只能上传"));
    }

    #[test]
    fn long_names_are_shortened_keeping_the_extension() {
        let name = format!("{}.pdf", "很长的名字".repeat(30));
        let f = check_upload("file", &name, PDF).unwrap();
        assert!(f.name.chars().count() <= 80 && f.name.ends_with(".pdf"), "{}", f.name);
    }
}
