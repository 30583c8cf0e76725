//! Group commit for intake. Every new matter needs its number, its first timeline
//! events, its deadline job, its SMS receipt and its audit entry written in one
//! transaction. Matters that arrive together are written together: one transaction and
//! a handful of multi-row statements for a whole batch instead of a dozen statements
//! each, which is what lets one SQLite writer take thousands a second. If a batch
//! fails, its matters are retried one by one so that one bad matter cannot sink the
//! others.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use chrono::{DateTime, NaiveDate, Utc};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::ids::{InstitutionId, UserId};
use gongdao_domain::request::{EventKind, RequestDraft, RequestNumber, Status};
use gongdao_domain::{DivisionCode, PhoneNumber};
use gongdao_store::audit::NewAuditEntry;
use gongdao_store::outbox::{Channel as MessageChannel, NewMessage};
use gongdao_store::requests::{NewEvent, NewRequest};
use gongdao_store::{audit, counters, jobs, outbox, requests};
use tokio::sync::{mpsc, oneshot};

use crate::requests::{Created, DEADLINE_JOB};
use crate::{Inner, ServiceError, Services};

/// Everything about a new matter that can be decided before the writer sees it.
pub(crate) struct Prepared {
    pub draft: RequestDraft,
    pub status: Status,
    pub first_owner: Option<UserId>,
    pub owner_user: Option<UserId>,
    pub owner_institution: Option<(InstitutionId, DivisionCode)>,
    pub routed: Option<String>,
    pub accept_due: Option<DateTime<Utc>>,
    pub due: DateTime<Utc>,
    pub estimated: bool,
    pub district: DivisionCode,
    pub day: NaiveDate,
    pub events: Vec<PreparedEvent>,
    pub watch_at: DateTime<Utc>,
    /// The SMS receipt: phone and body, with `{number}` for the number.
    pub sms: Option<(PhoneNumber, String)>,
    /// Audit: actor id, actor name, address, summary with `{number}`.
    pub audit: (Option<i64>, String, String, String),
    pub now: DateTime<Utc>,
}

/// A timeline event of a matter not yet numbered.
pub(crate) struct PreparedEvent {
    pub kind: EventKind,
    pub actor_user: Option<UserId>,
    pub actor_name: String,
    pub institution: Option<InstitutionId>,
    pub note: Option<String>,
}

type Reply = oneshot::Sender<Result<Created, ServiceError>>;

/// The queue in front of the writer.
pub(crate) struct IntakeQueue {
    /// The writer's queue; replaced by a new writer if the old one has died (a panic
    /// while writing a batch answers that batch's callers with an error, and the next
    /// matter starts a fresh writer).
    sender: std::sync::Mutex<Option<mpsc::Sender<(Prepared, Reply)>>>,
}

impl IntakeQueue {
    pub fn new() -> IntakeQueue {
        IntakeQueue { sender: std::sync::Mutex::new(None) }
    }
}

/// Most matters written in one transaction.
const BATCH: usize = 64;

impl Services {
    /// Writes a prepared matter, together with whatever else is waiting.
    pub(crate) async fn commit_intake(&self, prepared: Prepared) -> Result<Created, ServiceError> {
        let sender = {
            let mut slot = self.inner_queue().sender.lock().expect("not poisoned");
            match slot.as_ref().filter(|s| !s.is_closed()) {
                Some(s) => s.clone(),
                None => {
                    if slot.is_some() {
                        tracing::error!("the intake writer had stopped; starting a new one");
                    }
                    let (tx, rx) = mpsc::channel(1024);
                    tokio::spawn(batcher(Arc::downgrade(&self.inner), rx));
                    *slot = Some(tx.clone());
                    tx
                }
            }
        };
        let (reply, answer) = oneshot::channel();
        sender.send((prepared, reply)).await.map_err(|_| ServiceError::Internal("intake queue closed".into()))?;
        answer.await.map_err(|_| ServiceError::Internal("intake writer stopped".into()))?
    }

    /// Writes a batch in one transaction.
    async fn write_batch(&self, batch: &[Prepared]) -> Result<Vec<Created>, ServiceError> {
        let tx = self.store().begin().await?;
        // Numbers: one counter update per district and day in the batch.
        let mut needed: BTreeMap<(DivisionCode, NaiveDate), i64> = BTreeMap::new();
        for p in batch {
            *needed.entry((p.district, p.day)).or_default() += 1;
        }
        let mut next: BTreeMap<(DivisionCode, NaiveDate), i64> = BTreeMap::new();
        for ((district, day), n) in &needed {
            let last = counters::take(&tx, &format!("request:{district}:{}", day.format("%Y%m%d")), *n).await?;
            next.insert((*district, *day), last - n + 1);
        }
        let numbers: Vec<RequestNumber> = batch
            .iter()
            .map(|p| {
                let seq = next.get_mut(&(p.district, p.day)).expect("counted");
                let number = RequestNumber::new(p.district, p.day, *seq);
                *seq += 1;
                number
            })
            .collect();
        let news: Vec<NewRequest<'_>> = batch
            .iter()
            .zip(&numbers)
            .map(|(p, number)| NewRequest {
                number,
                draft: &p.draft,
                status: p.status,
                first_owner: p.first_owner,
                owner_user: p.owner_user,
                owner_institution: p.owner_institution,
                accept_due_at: p.accept_due,
                due_at: p.due,
                due_estimated: p.estimated,
                now: p.now,
            })
            .collect();
        requests::insert_many(&tx, self.cipher(), &news).await?;
        let ids = requests::ids_by_number(&tx, &numbers.iter().map(|n| n.to_string()).collect::<Vec<_>>()).await?;
        let mut events = Vec::new();
        let mut watch = Vec::with_capacity(batch.len());
        let mut sms = Vec::new();
        let mut audits = Vec::with_capacity(batch.len());
        let mut created = Vec::with_capacity(batch.len());
        for (p, number) in batch.iter().zip(&numbers) {
            let id = *ids
                .get(number.as_str())
                .ok_or_else(|| ServiceError::Internal(format!("request {number} not found after insert")))?;
            for e in &p.events {
                events.push(NewEvent {
                    request: id,
                    kind: e.kind,
                    at: p.now,
                    actor_user: e.actor_user,
                    actor_name: e.actor_name.clone(),
                    institution: e.institution,
                    note: e.note.clone(),
                });
            }
            watch.push((DEADLINE_JOB, id.0, p.watch_at));
            if let Some((phone, body)) = &p.sms {
                sms.push(NewMessage {
                    channel: MessageChannel::Sms,
                    user: None,
                    phone: Some(phone.clone()),
                    template: "receipt",
                    body: body.replace("{number}", number.as_str()),
                    request: Some(id),
                    at: p.now,
                });
            }
            let (actor_id, actor_name, ip, summary) = &p.audit;
            audits.push(NewAuditEntry {
                at: p.now,
                actor_id: *actor_id,
                actor_name: actor_name.clone(),
                ip: ip.clone(),
                scope: p.draft.region,
                action: AuditAction::Create,
                object_type: AuditObject::ServiceRequest,
                object_id: Some(id.to_string()),
                summary: summary.replace("{number}", number.as_str()),
                changes: None,
            });
            created.push(Created {
                id,
                number: number.clone(),
                status: p.status,
                priority: p.draft.priority,
                due_at: p.due,
                accept_due_at: p.accept_due,
                routed_to: p.routed.clone(),
            });
        }
        requests::add_events(&tx, self.cipher(), &events).await?;
        jobs::schedule_many(&tx, &watch, batch[0].now).await?;
        outbox::enqueue_many(&tx, self.cipher(), &sms).await?;
        audit::append_many(&tx, &audits).await?;
        tx.commit().await?;
        Ok(created)
    }
}

/// The writer: takes what is waiting (up to [`BATCH`]) and writes it at once. It holds
/// the services only weakly, so it ends when they are dropped.
async fn batcher(inner: Weak<Inner>, mut rx: mpsc::Receiver<(Prepared, Reply)>) {
    let mut batch: Vec<(Prepared, Reply)> = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let Some(inner) = inner.upgrade() else { return };
        let services = Services { inner };
        let (prepared, replies): (Vec<Prepared>, Vec<Reply>) = batch.drain(..).unzip();
        match services.write_batch(&prepared).await {
            Ok(created) => {
                for (reply, c) in replies.into_iter().zip(created) {
                    let _ = reply.send(Ok(c));
                }
            }
            Err(e) if prepared.len() == 1 => {
                let _ = replies.into_iter().next().expect("one").send(Err(e));
            }
            Err(e) => {
                tracing::warn!(error = %e, size = prepared.len(), "intake batch failed; writing its matters one by one");
                for (p, reply) in prepared.into_iter().zip(replies) {
                    let result = services.write_batch(std::slice::from_ref(&p)).await.map(|mut c| c.remove(0));
                    let _ = reply.send(result);
                }
            }
        }
    }
}
