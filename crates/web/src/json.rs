//! A JSON body extractor whose rejections name the field in Chinese, and a form
//! extractor that understands repeated keys (checkbox groups).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `axum::Json`, but a malformed body is a 400 whose message names the field.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::bad_request("body", "请求体应为 JSON（Content-Type: application/json）"));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(unreadable_body)?;
        parse_json(&bytes).map(ApiJson)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request(
                "body",
                format!("请求体不是有效的 JSON（第{}行第{}列）", inner.line(), inner.column()),
            )
        } else {
            let field = if path == "." { "body".to_string() } else { path };
            ApiError::bad_request(
                field.clone(),
                format!("字段 {field} 的值不正确：{}", serde_in_chinese(&inner.to_string())),
            )
        }
    })
}

/// A body that could not be read: 413 when it is over the limit, else 400.
fn unreadable_body(rejection: axum::extract::rejection::BytesRejection) -> ApiError {
    let mut e = ApiError::bad_request("body", "请求体无法读取");
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        e.status = axum::http::StatusCode::PAYLOAD_TOO_LARGE;
        e.code = "too_large";
        e.message = "请求体过大".into();
        e.fields[0].message = e.message.clone();
    }
    e
}

/// serde's English for a value of the wrong kind, said in Chinese: “invalid type:
/// integer `5`, expected a string at line 1 column 10” → “应为文字，收到的是数字”.
fn serde_in_chinese(message: &str) -> String {
    let kind = |english: &str| -> &'static str {
        let e = english.trim();
        if e.contains("string") || e.contains("char") {
            "文字"
        } else if e.contains("bool") {
            "true 或 false"
        } else if e.contains("sequence") || e.contains("array") || e.contains("tuple") {
            "列表"
        } else if e.contains("map") || e.contains("struct") || e.contains("object") {
            "对象"
        } else if e.contains("null") || e.contains("unit") {
            "空值"
        } else if e.contains("float") {
            "数字"
        } else if e.contains("integer") || e.starts_with('i') || e.starts_with('u') {
            "整数"
        } else {
            "其他值"
        }
    };
    let core = message.split(" at line ").next().unwrap_or(message);
    if let Some(rest) = core.strip_prefix("invalid type: ")
        && let Some((got, expected)) = rest.split_once(", expected ")
    {
        let got = got.split(' ').next().unwrap_or(got);
        return format!("应为{}，收到的是{}", kind(expected), kind(got));
    }
    if let Some(rest) = core.strip_prefix("invalid value: ")
        && let Some((_, expected)) = rest.split_once(", expected ")
    {
        return format!("取值超出范围，应为{}", kind(expected));
    }
    if let Some(name) = core.strip_prefix("missing field ") {
        return format!("缺少字段 {}", name.trim_matches('`'));
    }
    if core.starts_with("unknown variant") {
        return "不是可选的值之一".into();
    }
    if core.starts_with("invalid length") {
        return "条目数量不对".into();
    }
    "格式不对".into()
}

/// An HTML form body; repeated keys fill lists.
pub struct HtmlForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for HtmlForm<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(unreadable_body)?;
        serde_html_form::from_bytes(&bytes)
            .map(HtmlForm)
            .map_err(|e| ApiError::bad_request("body", format!("表单内容不正确：{}", serde_in_chinese(&e.to_string()))))
    }
}

/// An HTML form body and its fields as they came: a page that rejects the input
/// shows it again ([`crate::pages::Errors::of_form`]).
pub struct PostedForm<T>(pub T, pub crate::pages::Posted);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PostedForm<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(unreadable_body)?;
        let value = serde_html_form::from_bytes(&bytes).map_err(|e| {
            ApiError::bad_request("body", format!("表单内容不正确：{}", serde_in_chinese(&e.to_string())))
        })?;
        let raw: Vec<(String, String)> = serde_html_form::from_bytes(&bytes).unwrap_or_default();
        let raw = raw.into_iter().filter(|(k, _)| k != crate::session::CSRF_FIELD).collect();
        Ok(PostedForm(value, crate::pages::Posted(raw)))
    }
}

/// Query-string parameters; a malformed one is a 400 naming the parameter, in Chinese.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_html_form::Deserializer::from_bytes(query.as_bytes());
        serde_path_to_error::deserialize(de).map(ApiQuery).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "query".to_string() } else { path };
            ApiError::bad_request(field.clone(), format!("查询参数 {field} 不正确：{}", e.into_inner()))
        })
    }
}

/// The one file of an upload form (the part named `file`), with its name as the browser
/// gave it; a request that is not a multipart form, or has no file, is a 400 naming
/// `file`; one over the limit a 413.
pub struct UploadedFile {
    pub name: String,
    pub bytes: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for UploadedFile {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let no_file = || ApiError::bad_request("file", "请选择要上传的文件（PDF、JPG 或 PNG）");
        let mut form = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|_| ApiError::bad_request("file", "请以表单（multipart/form-data）上传文件"))?;
        loop {
            let field = match form.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => return Err(no_file()),
                Err(e) => return Err(too_large_or(e.status(), "file", "上传的文件无法读取")),
            };
            if field.name() != Some("file") {
                continue;
            }
            let name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|e| too_large_or(e.status(), "file", "上传的文件无法读取"))?;
            return Ok(UploadedFile { name, bytes });
        }
    }
}

fn too_large_or(status: axum::http::StatusCode, field: &str, message: &str) -> ApiError {
    let mut e = ApiError::bad_request(field, message);
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        e.status = status;
        e.code = "too_large";
        e.message = "文件超过 5 MB 的上限，请压缩图片或分成几个文件上传".into();
        e.fields[0].message = e.message.clone();
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_kinds_are_said_in_chinese() {
        assert_eq!(
            serde_in_chinese("invalid type: integer `5`, expected a string at line 1 column 10"),
            "应为文字，收到的是整数"
        );
        assert_eq!(serde_in_chinese("invalid type: string \"x\", expected i64"), "应为整数，收到的是文字");
        assert_eq!(serde_in_chinese("invalid type: null, expected a sequence"), "应为列表，收到的是空值");
        assert_eq!(serde_in_chinese("invalid value: integer `-1`, expected u32"), "取值超出范围，应为整数");
        assert_eq!(serde_in_chinese("something new"), "格式不对");
    }
}
