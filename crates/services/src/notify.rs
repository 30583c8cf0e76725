//! Delivery of the outbox. Messages are leased in a short transaction (the lease counts
//! the attempt, once), sent outside it several at a time, then marked sent or retried
//! with exponential backoff; a sender that is down loses nothing, and a message whose
//! phone cannot be opened fails alone. The default sender writes a file that holds no
//! personal data in the clear; a webhook sender posts to an SMS gateway.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use gongdao_domain::PhoneNumber;
use gongdao_store::{PiiCipher, outbox};
use serde::{Deserialize, Serialize};
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

/// A line of the file sender's log: the phone masked, the message sealed with the
/// installation's key (personal data never lies on disk in the clear).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct SmsLogLine {
    pub at: DateTime<Utc>,
    pub id: i64,
    pub phone: String,
    pub template: String,
    pub sealed: String,
}

/// Appends each message to a file of the day, `sms-outbox-YYYY-MM-DD.log` in its folder
/// (the default sender, for demos and before a gateway is set up). The folder is made
/// when missing; the files are readable by their owner only. `gongdao sms-log` shows
/// them opened.
pub struct FileSender {
    dir: PathBuf,
    cipher: PiiCipher,
    lock: Mutex<()>,
}

/// The file of the day's messages in `dir`.
pub fn sms_log_path(dir: &Path, day: chrono::NaiveDate) -> PathBuf {
    dir.join(format!("sms-outbox-{day}.log"))
}

impl Sender for FileSender {
    fn send<'a>(&'a self, sms: &'a Sms) -> SendResult<'a> {
        Box::pin(async move {
            let _guard = self.lock.lock().await;
            let now = Utc::now();
            let phone = PhoneNumber::parse("phone", &sms.phone).map(|p| p.masked()).unwrap_or_else(|_| "***".into());
            let line = SmsLogLine {
                at: now,
                id: sms.id,
                phone,
                template: sms.template.clone(),
                sealed: self.cipher.seal(&sms.body),
            };
            let line = serde_json::to_string(&line).map_err(|e| e.to_string())? + "\n";
            tokio::fs::create_dir_all(&self.dir).await.map_err(|e| format!("{}: {e}", self.dir.display()))?;
            let path = sms_log_path(&self.dir, gongdao_domain::calendar::china_day(now));
            let mut options = tokio::fs::OpenOptions::new();
            options.create(true).append(true);
            #[cfg(unix)]
            options.mode(0o600);
            let mut file = options.open(&path).await.map_err(|e| format!("{}: {e}", path.display()))?;
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

/// How long one send may take.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl WebhookSender {
    pub fn new(url: String) -> WebhookSender {
        let client = reqwest::Client::builder().timeout(SEND_TIMEOUT).build().expect("client");
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

/// Messages sent at once: at a gateway's usual 20–50 ms an answer, 300–800 a second,
/// more than intake's bursts (about 470 filings a second) need.
const CONCURRENT_SENDS: usize = 16;

/// SMS leased at a time by [`Services::drain_outbox`], and the batches it sends at most.
pub const DRAIN_BATCH: u64 = 100;
pub const DRAIN_BATCHES: usize = 20;

/// How long a leased batch of `n` is hidden from other deliverers: long enough for
/// every send of the batch to time out, with a minute to spare, so another instance
/// never sends a message that is still being sent.
pub fn lease_for(n: usize) -> Duration {
    let rounds = n.div_ceil(CONCURRENT_SENDS) as i64;
    Duration::seconds(60) + Duration::from_std(SEND_TIMEOUT).expect("small") * rounds as i32
}

impl Services {
    /// The default sender: the day's file in `dir`, sealed with this installation's key.
    pub fn file_sender(&self, dir: PathBuf) -> FileSender {
        FileSender { dir, cipher: self.cipher().clone(), lock: Mutex::new(()) }
    }

    /// The file sender's log of a day, opened (for `gongdao sms-log` and tests).
    pub fn read_sms_log(&self, path: &Path) -> Result<Vec<(SmsLogLine, String)>, ServiceError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ServiceError::Internal(format!("{}: {e}", path.display())))?;
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let line: SmsLogLine = serde_json::from_str(l).map_err(|e| ServiceError::Internal(e.to_string()))?;
                let body = self.cipher().open(&line.sealed)?;
                Ok((line, body))
            })
            .collect()
    }

    /// Sends what is due, batch after batch while they come back full: after a burst of
    /// filings the outbox holds many batches, and one a tick would leave it behind for
    /// minutes. Bounded ([`DRAIN_BATCHES`]) so the jobs get their turn. Returns (sent,
    /// failed).
    pub async fn drain_outbox(&self, sender: &Arc<dyn Sender>) -> Result<(usize, usize), ServiceError> {
        let (mut sent, mut failed) = (0, 0);
        for _ in 0..DRAIN_BATCHES {
            let (s, f) = self.deliver_outbox(sender, DRAIN_BATCH).await?;
            (sent, failed) = (sent + s, failed + f);
            if ((s + f) as u64) < DRAIN_BATCH {
                break;
            }
        }
        Ok((sent, failed))
    }

    /// Sends up to `max` due SMS messages through `sender`, several at a time. Returns
    /// (sent, failed).
    pub async fn deliver_outbox(&self, sender: &Arc<dyn Sender>, max: u64) -> Result<(usize, usize), ServiceError> {
        let now = self.now();
        let tx = self.store().begin().await?;
        let due = outbox::claim_due(&tx, self.cipher(), now, max).await?;
        let ids: Vec<i64> = due.iter().map(|m| m.id).collect();
        // Lease: retried after the lease if this instance dies before marking them.
        outbox::lease(&tx, &ids, now + lease_for(ids.len())).await?;
        tx.commit().await?;
        let results: Vec<(outbox::Pending, Result<(), String>)> = futures::stream::iter(due)
            .map(|m| async move {
                let result = match &m.phone {
                    Err(e) => Err(format!("手机号无法解密（{e}）：本实例的密钥与数据库不符？")),
                    Ok(None) => Err("no phone".to_string()),
                    Ok(Some(phone)) => {
                        let sms =
                            Sms { id: m.id, phone: phone.clone(), template: m.template.clone(), body: m.body.clone() };
                        sender.send(&sms).await
                    }
                };
                (m, result)
            })
            .buffer_unordered(CONCURRENT_SENDS)
            .collect()
            .await;
        let mut sent_ids = Vec::new();
        let mut failed = 0;
        for (m, result) in results {
            match result {
                Ok(()) => sent_ids.push(m.id),
                Err(e) => {
                    // The lease counted this attempt; a message that cannot be sent at
                    // all (no phone, unreadable) is not tried again.
                    let attempts = m.attempts + 1;
                    let retry = match &m.phone {
                        Ok(Some(_)) => backoff(attempts).map(|d| self.now() + d),
                        _ => None,
                    };
                    if retry.is_none() || attempts == 1 {
                        tracing::warn!(message = m.id, error = %e, "SMS not sent");
                    }
                    outbox::mark_attempt_failed(self.store().writer(), m.id, &e, retry).await?;
                    failed += 1;
                }
            }
        }
        outbox::mark_all_sent(self.store().writer(), &sent_ids, self.now()).await?;
        Ok((sent_ids.len(), failed))
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

    #[test]
    fn a_lease_outlasts_every_send_of_its_batch() {
        assert_eq!(lease_for(0), Duration::seconds(60));
        assert_eq!(lease_for(16), Duration::seconds(70));
        // 100 messages, 16 at a time, each up to 10 s: 70 s of sending under a 130 s lease.
        assert_eq!(lease_for(100), Duration::seconds(130));
    }
}
