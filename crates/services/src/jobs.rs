//! The background work of deadlines: reminders before a deadline, escalation to the
//! supervisors when it passes, the follow-up visit after closing. Each job is claimed
//! and carried out in one transaction, so its effects happen once even with several
//! instances on one PostgreSQL, and a job interrupted by a crash runs again after the
//! restart.

use chrono::{DateTime, Utc};
use gongdao_domain::DivisionCode;
use gongdao_domain::auth::Role;
use gongdao_domain::ids::{RequestId, UserId};
use gongdao_domain::request::{EventKind, Status};
use gongdao_store::outbox::{Channel as MessageChannel, NewMessage};
use gongdao_store::requests::{NewEvent, RequestUpdate};
use gongdao_store::{ConnectionTrait, accounts, jobs, outbox, requests};

use crate::requests::{DEADLINE_JOB, FOLLOW_UP_JOB};
use crate::rules::RuleBook;
use crate::{ServiceError, Services};
use gongdao_domain::calendar::deadline_text;

/// Failed runs after which a job is given up (and left for an administrator to see).
const MAX_FAILURES: i32 = 5;

/// What one job run decided.
enum Outcome {
    Done,
    Again(DateTime<Utc>),
}

impl Services {
    /// Runs jobs that are due, at most `max`, each in its own transaction. Returns how
    /// many ran. `instance` names this server in the job rows.
    pub async fn run_due_jobs(&self, instance: &str, max: usize) -> Result<usize, ServiceError> {
        let book = self.rules().await?;
        let mut ran = 0;
        while ran < max {
            let tx = self.store().begin().await?;
            let now = self.now();
            let Some(job) = jobs::claim_next(&tx, now).await? else {
                tx.commit().await?;
                break;
            };
            let outcome = match job.kind.as_str() {
                DEADLINE_JOB => self.watch_deadline(&tx, &book, RequestId(job.subject), now).await,
                FOLLOW_UP_JOB => self.follow_up(&tx, RequestId(job.subject), now).await,
                crate::legal_aid::LIMIT_JOB => self
                    .legal_aid_limit_job(&tx, &book, job.subject, now)
                    .await
                    .map(|again| again.map_or(Outcome::Done, Outcome::Again)),
                crate::evaluation::RECTIFICATION_JOB => self
                    .rectification_job(&tx, job.subject, now)
                    .await
                    .map(|again| again.map_or(Outcome::Done, Outcome::Again)),
                crate::mediation::CONFIRMATION_JOB => {
                    self.confirmation_reminder(&tx, job.subject, now).await.map(|_| Outcome::Done)
                }
                other => Err(ServiceError::Internal(format!("unknown job kind {other}"))),
            };
            match outcome {
                Ok(Outcome::Done) => jobs::finish(&tx, job.id, jobs::DONE, instance, None, now).await?,
                Ok(Outcome::Again(at)) => jobs::reschedule(&tx, job.id, at, instance, now).await?,
                Err(e) => {
                    // The job's own writes are discarded with this transaction; record
                    // the failure in a fresh one so it is not retried forever.
                    drop(tx);
                    tracing::error!(job = job.id, error = %e, "job failed");
                    let tx = self.store().begin().await?;
                    // Its failures, not its runs, decide: a job rescheduled many times
                    // by transfers and reopenings still gets five tries.
                    if job.failures + 1 >= MAX_FAILURES {
                        jobs::finish(&tx, job.id, jobs::FAILED, instance, Some(&e.to_string()), now).await?;
                    } else {
                        let again = now + chrono::Duration::minutes(5);
                        jobs::retry_after_error(&tx, job.id, again, instance, &e.to_string(), now).await?;
                    }
                    tx.commit().await?;
                    ran += 1;
                    continue;
                }
            }
            tx.commit().await?;
            ran += 1;
        }
        Ok(ran)
    }

    async fn watch_deadline(
        &self,
        conn: &impl ConnectionTrait,
        book: &RuleBook,
        id: RequestId,
        now: DateTime<Utc>,
    ) -> Result<Outcome, ServiceError> {
        let Some(m) = requests::model_by_id(conn, id).await? else { return Ok(Outcome::Done) };
        let rules = book.for_region(DivisionCode::from_db(m.region_code).unwrap_or(self.config().home_region));
        let status = Status::from_code(&m.status).unwrap_or(Status::Open);
        if !status.is_open() {
            return Ok(Outcome::Done);
        }
        let waiting = matches!(status, Status::Pending | Status::Transferring);
        let deadline = match (waiting, m.accept_due_at) {
            (true, Some(a)) => a.min(m.due_at),
            _ => m.due_at,
        };
        let remind_at = deadline - chrono::Duration::hours(i64::from(rules.deadlines.reminder_before_hours));
        if now < remind_at {
            return Ok(Outcome::Again(remind_at));
        }
        let region = DivisionCode::from_db(m.region_code).unwrap_or(self.config().home_region);
        if now < deadline {
            if m.reminded_at.is_none_or(|r| r < remind_at) {
                let what = if deadline == m.due_at { "办结" } else { "受理" };
                let note = format!("将于 {} 到达{what}时限", deadline_text(deadline));
                self.system_step(
                    conn,
                    id,
                    EventKind::Reminded,
                    &note,
                    RequestUpdate { reminded_at: Some(Some(now)), ..Default::default() },
                    now,
                )
                .await?;
                let recipients = self.holders(conn, &m).await?;
                self.notify_users(
                    conn,
                    &recipients,
                    "reminder",
                    format!("事项 {} {note}，请及时办理", m.number),
                    id,
                    now,
                )
                .await?;
            }
            return Ok(Outcome::Again(deadline));
        }
        if !m.escalated {
            let note = format!(
                "已超过{}时限（{}）",
                if deadline == m.due_at { "办结" } else { "受理" },
                deadline_text(deadline)
            );
            self.system_step(
                conn,
                id,
                EventKind::Escalated,
                &note,
                RequestUpdate { escalated: Some(true), ..Default::default() },
                now,
            )
            .await?;
            let supervisors: Vec<UserId> = accounts::supervisors_of(conn, region, &[Role::Dispatcher, Role::Leader])
                .await?
                .into_iter()
                .map(|u| u.id)
                .collect();
            let mut recipients = self.holders(conn, &m).await?;
            recipients.extend(supervisors);
            recipients.sort();
            recipients.dedup();
            self.notify_users(conn, &recipients, "escalation", format!("督办：事项 {} {note}", m.number), id, now)
                .await?;
        }
        // Still watch the resolve deadline when the acceptance deadline was the one passed.
        if deadline < m.due_at && now < m.due_at { Ok(Outcome::Again(m.due_at)) } else { Ok(Outcome::Done) }
    }

    /// The owner, or the people of the institution it waits at.
    async fn holders(
        &self,
        conn: &impl ConnectionTrait,
        m: &gongdao_store::entity::service_request::Model,
    ) -> Result<Vec<UserId>, ServiceError> {
        if let Some(u) = m.target_user_id.or(if m.status == Status::Open.code() { m.owner_user_id } else { None }) {
            return Ok(vec![UserId(u)]);
        }
        let inst = m.target_institution_id.or(m.owner_institution_id);
        let mut out: Vec<UserId> = match inst {
            Some(i) => accounts::of_institution(conn, gongdao_domain::ids::InstitutionId(i))
                .await?
                .into_iter()
                .map(|u| u.id)
                .collect(),
            None => Vec::new(),
        };
        if let Some(o) = m.owner_user_id {
            out.push(UserId(o));
        }
        Ok(out)
    }

    async fn notify_users(
        &self,
        conn: &impl ConnectionTrait,
        users: &[UserId],
        template: &'static str,
        body: String,
        id: RequestId,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let messages: Vec<NewMessage> = users
            .iter()
            .map(|u| NewMessage {
                channel: MessageChannel::InApp,
                user: Some(*u),
                phone: None,
                template,
                body: body.clone(),
                request: Some(id),
                at: now,
            })
            .collect();
        outbox::enqueue_many(conn, self.cipher(), &messages).await?;
        Ok(())
    }

    async fn system_step(
        &self,
        conn: &impl ConnectionTrait,
        id: RequestId,
        kind: EventKind,
        note: &str,
        update: RequestUpdate,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        requests::update(conn, id, None, &update, now).await?;
        requests::add_event(
            conn,
            self.cipher(),
            &NewEvent {
                request: id,
                kind,
                at: now,
                actor_user: None,
                actor_name: "系统".into(),
                institution: None,
                note: Some(note.to_string()),
            },
        )
        .await?;
        Ok(())
    }

    async fn follow_up(
        &self,
        conn: &impl ConnectionTrait,
        id: RequestId,
        now: DateTime<Utc>,
    ) -> Result<Outcome, ServiceError> {
        let Some(m) = requests::model_by_id(conn, id).await? else { return Ok(Outcome::Done) };
        if m.status != Status::Closed.code() {
            return Ok(Outcome::Done);
        }
        if let Some(owner) = m.owner_user_id {
            let name = self.cipher().open_text(&m.requester_name)?;
            self.notify_users(
                conn,
                &[UserId(owner)],
                "follow_up",
                format!("请对已归档事项 {}（{}）进行回访，了解当事人满意度", m.number, name),
                id,
                now,
            )
            .await?;
        }
        requests::add_event(
            conn,
            self.cipher(),
            &NewEvent {
                request: id,
                kind: EventKind::FollowedUp,
                at: now,
                actor_user: None,
                actor_name: "系统".into(),
                institution: None,
                note: Some("已提醒承办人回访".into()),
            },
        )
        .await?;
        Ok(Outcome::Done)
    }
}
