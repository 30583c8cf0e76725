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
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::bad_request("body", "请求体无法读取或超过大小限制"))?;
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
            ApiError::bad_request(field.clone(), format!("字段 {field} 的值不正确：{inner}"))
        }
    })
}

/// An HTML form body; repeated keys fill lists.
pub struct HtmlForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for HtmlForm<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::bad_request("body", "表单无法读取或超过大小限制"))?;
        serde_html_form::from_bytes(&bytes)
            .map(HtmlForm)
            .map_err(|e| ApiError::bad_request("body", format!("表单内容不正确：{e}")))
    }
}

/// An HTML form body and its fields as they came: a page that rejects the input
/// shows it again ([`crate::pages::Errors::of_form`]).
pub struct PostedForm<T>(pub T, pub crate::pages::Posted);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PostedForm<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::bad_request("body", "表单无法读取或超过大小限制"))?;
        let value = serde_html_form::from_bytes(&bytes)
            .map_err(|e| ApiError::bad_request("body", format!("表单内容不正确：{e}")))?;
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
