//! Delivery of the outbox. Messages are leased in a short transaction, sent outside it,
//! then marked sent or retried with exponential backoff; a sender that is down loses
//! nothing. The default sender appends to a file; a webhook sender posts to an SMS
//! gateway.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use chrono::Duration;
use gongdao_store::outbox;
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

use crate::{ServiceError, Services};

/// One SMS to send. `id` is stable across retries, for the gateway to drop duplicates.
#[derive(Clone, Debug, Serialize)]
pub struct Sms {
    pub id: i64,
    pub phone: String,
    pub template: String,
    pub body: String,
}

pub type SendResult<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Something that delivers text messages.
pub trait Sender: Send + Sync {
    fn send<'a>(&'a self, sms: &'a Sms) -> SendResult<'a>;
}

/// Appends each message as a JSON line to a file (the default, and for demos).
pub struct FileSender {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileSender {
    pub fn new(path: PathBuf) -> FileSender {
        FileSender { path, lock: Mutex::new(()) }
    }
}

impl Sender for FileSender {
    fn send<'a>(&'a self, sms: &'a Sms) -> SendResult<'a> {
        Box::pin(async move {
            let _guard = self.lock.lock().await;
            let line = serde_json::to_string(sms).map_err(|e| e.to_string())? + "\n";
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .await
                .map_err(|e| format!("{}: {e}", self.path.display()))?;
            file.write_all(line.as_bytes()).await.map_err(|e| e.to_string())?;
            // tokio writes in the background: only a flush says the line reached the
            // file, and a message may be marked sent only then.
            file.flush().await.map_err(|e| e.to_string())
        })
    }
}

/// Posts each message as JSON to an SMS gateway; any 2xx answer counts as sent.
pub struct WebhookSender {
    url: String,
    client: reqwest::Client,
}

impl WebhookSender {
    pub fn new(url: String) -> WebhookSender {
        let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build().expect("client");
        WebhookSender { url, client }
    }
}

impl Sender for WebhookSender {
    fn send<'a>(&'a self, sms: &'a Sms) -> SendResult<'a> {
        Box::pin(async move {
            let response = self.client.post(&self.url).json(sms).send().await.map_err(|e| e.to_string())?;
            if response.status().is_success() { Ok(()) } else { Err(format!("gateway answered {}", response.status())) }
        })
    }
}

/// Retries: 1, 2, 4 … minutes, at most an hour apart, giving up after ten attempts.
pub fn backoff(attempts: i32) -> Option<Duration> {
    if attempts >= 10 {
        return None;
    }
    Some(Duration::minutes((1i64 << attempts.clamp(0, 6)).min(60)))
}

/// How long a leased message is hidden from other deliverers while it is being sent.
const LEASE: Duration = Duration::seconds(60);

impl Services {
    /// Sends up to `max` due SMS messages through `sender`. Returns (sent, failed).
    pub async fn deliver_outbox(&self, sender: &Arc<dyn Sender>, max: u64) -> Result<(usize, usize), ServiceError> {
        let now = self.now();
        let tx = self.store().begin().await?;
        let due = outbox::claim_due(&tx, self.cipher(), now, max).await?;
        for m in &due {
            // Lease: retry after LEASE if this instance dies before marking it.
            outbox::mark_attempt_failed(&tx, m.id, "sending", Some(now + LEASE)).await?;
        }
        tx.commit().await?;
        let (mut sent, mut failed) = (0, 0);
        for m in due {
            let Some(phone) = m.phone.clone() else {
                outbox::mark_attempt_failed(self.store().writer(), m.id, "no phone", None).await?;
                failed += 1;
                continue;
            };
            let sms = Sms { id: m.id, phone, template: m.template.clone(), body: m.body.clone() };
            match sender.send(&sms).await {
                Ok(()) => {
                    outbox::mark_sent(self.store().writer(), m.id, self.now()).await?;
                    sent += 1;
                }
                Err(e) => {
                    // The lease counted one attempt already.
                    let attempts = m.attempts + 1;
                    outbox::mark_attempt_failed(
                        self.store().writer(),
                        m.id,
                        &e,
                        backoff(attempts).map(|d| self.now() + d),
                    )
                    .await?;
                    failed += 1;
                }
            }
        }
        Ok((sent, failed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_gives_up() {
        assert_eq!(backoff(0), Some(Duration::minutes(1)));
        assert_eq!(backoff(3), Some(Duration::minutes(8)));
        assert_eq!(backoff(9), Some(Duration::minutes(60)));
        assert_eq!(backoff(10), None);
    }
}
