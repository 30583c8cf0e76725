//! The notification outbox: messages written in the same transaction as the event that
//! causes them, delivered later by a sender with retries, so none is lost when the SMS
//! gateway is down. In-app messages stay here as the user's inbox.

use chrono::{DateTime, Utc};
use gongdao_domain::PhoneNumber;
use gongdao_domain::ids::{RequestId, UserId};
pub use gongdao_domain::request::Message;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::outbox::{self, Column, Entity};
use crate::{PiiCipher, StoreError};

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";

/// How a message reaches its recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Sms,
    InApp,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::InApp => "in_app",
        }
    }
}

/// A message to queue.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub channel: Channel,
    pub user: Option<UserId>,
    pub phone: Option<PhoneNumber>,
    /// What kind of message (`receipt`, `reminder`, `escalation`, `appointment`, `evaluation` …).
    pub template: &'static str,
    pub body: String,
    pub request: Option<RequestId>,
    pub at: DateTime<Utc>,
}

fn model(cipher: &PiiCipher, m: &NewMessage) -> outbox::ActiveModel {
    outbox::ActiveModel {
        id: NotSet,
        channel: Set(m.channel.code().to_string()),
        recipient_user_id: Set(m.user.map(|u| u.0)),
        recipient_phone_enc: Set(m.phone.as_ref().map(|p| cipher.seal(p.as_str()))),
        recipient_masked: Set(m.phone.as_ref().map(|p| p.masked())),
        template: Set(m.template.to_string()),
        body: Set(cipher.seal(&m.body)),
        request_id: Set(m.request.map(|r| r.0)),
        // In-app messages are delivered by being stored.
        state: Set(if m.channel == Channel::InApp { SENT } else { PENDING }.to_string()),
        attempts: Set(0),
        next_attempt_at: Set(m.at),
        last_error: Set(None),
        created_at: Set(m.at),
        sent_at: Set(if m.channel == Channel::InApp { Some(m.at) } else { None }),
        read_at: Set(None),
    }
}

pub async fn enqueue(conn: &impl ConnectionTrait, cipher: &PiiCipher, m: &NewMessage) -> Result<(), StoreError> {
    Entity::insert(model(cipher, m)).exec_without_returning(conn).await?;
    Ok(())
}

pub async fn enqueue_many(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    ms: &[NewMessage],
) -> Result<(), StoreError> {
    for chunk in ms.chunks(500) {
        Entity::insert_many(chunk.iter().map(|m| model(cipher, m))).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// A message waiting for delivery, with the phone opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub id: i64,
    /// The phone in the clear; `Err` when its sealed form does not open (another key):
    /// that message alone fails, the others go.
    pub phone: Result<Option<String>, String>,
    pub template: String,
    pub body: String,
    pub request: Option<i64>,
    pub attempts: i32,
}

/// Up to `limit` due SMS messages, locked for this transaction.
pub async fn claim_due(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Pending>, StoreError> {
    let models = Entity::find()
        .filter(Column::State.eq(PENDING))
        .filter(Column::NextAttemptAt.lte(now))
        .order_by_asc(Column::NextAttemptAt)
        .order_by_asc(Column::Id)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(conn)
        .await?;
    Ok(models
        .into_iter()
        .map(|m| {
            // A text or phone another key sealed fails this message alone.
            let body = cipher.open_text(&m.body).map_err(|e| e.to_string());
            let phone = m.recipient_phone_enc.as_deref().map(|p| cipher.open(p)).transpose().map_err(|e| e.to_string());
            Pending {
                phone: body.as_ref().map_err(Clone::clone).and(phone),
                id: m.id,
                template: m.template,
                body: body.unwrap_or_default(),
                request: m.request_id,
                attempts: m.attempts,
            }
        })
        .collect())
}

/// Leases a claimed message until `until` (another deliverer skips it meanwhile) and
/// counts the attempt: each try counts once, here.
pub async fn lease(conn: &impl ConnectionTrait, ids: &[i64], until: DateTime<Utc>) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    Entity::update_many()
        .col_expr(Column::Attempts, sea_orm::sea_query::Expr::col(Column::Attempts).add(1))
        .col_expr(Column::NextAttemptAt, until.into())
        .col_expr(Column::LastError, Some("sending".to_string()).into())
        .filter(Column::Id.is_in(ids.iter().copied()))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn mark_sent(conn: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    mark_all_sent(conn, &[id], now).await
}

/// Marks a batch sent in one statement (a write per message would queue behind intake
/// on SQLite's single writer).
pub async fn mark_all_sent(conn: &impl ConnectionTrait, ids: &[i64], now: DateTime<Utc>) -> Result<(), StoreError> {
    for chunk in ids.chunks(500) {
        Entity::update_many()
            .col_expr(Column::State, SENT.into())
            .col_expr(Column::SentAt, Some(now).into())
            .col_expr(Column::LastError, Option::<String>::None.into())
            .filter(Column::Id.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Records why a leased attempt failed: retry at `next`, or give up (`failed`) when
/// `next` is None. (The attempt was counted by its lease.)
pub async fn mark_attempt_failed(
    conn: &impl ConnectionTrait,
    id: i64,
    error: &str,
    next: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    let mut q =
        Entity::update_many().col_expr(Column::LastError, Some(error.to_string()).into()).filter(Column::Id.eq(id));
    q = match next {
        Some(at) => q.col_expr(Column::NextAttemptAt, at.into()),
        None => q.col_expr(Column::State, FAILED.into()),
    };
    q.exec(conn).await?;
    Ok(())
}

fn message(cipher: &PiiCipher, m: outbox::Model) -> Result<Message, StoreError> {
    Ok(Message {
        id: m.id,
        channel: m.channel,
        template: m.template,
        body: cipher.open_text(&m.body)?,
        recipient: m.recipient_masked,
        request_id: m.request_id,
        state: m.state,
        attempts: m.attempts,
        created_at: m.created_at,
        read_at: m.read_at,
    })
}

/// A user's in-app messages, newest first.
pub async fn inbox(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    user: UserId,
    limit: u64,
) -> Result<Vec<Message>, StoreError> {
    Entity::find()
        .filter(Column::RecipientUserId.eq(user.0))
        .filter(Column::Channel.eq(Channel::InApp.code()))
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| message(cipher, m))
        .collect()
}

pub async fn unread(conn: &impl ConnectionTrait, user: UserId) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(Column::RecipientUserId.eq(user.0))
        .filter(Column::Channel.eq(Channel::InApp.code()))
        .filter(Column::ReadAt.is_null())
        .count(conn)
        .await?)
}

pub async fn mark_read(conn: &impl ConnectionTrait, user: UserId, now: DateTime<Utc>) -> Result<(), StoreError> {
    Entity::update_many()
        .col_expr(Column::ReadAt, Some(now).into())
        .filter(Column::RecipientUserId.eq(user.0))
        .filter(Column::ReadAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Every message about a request (SMS and in-app), oldest first.
pub async fn of_request(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    request: RequestId,
) -> Result<Vec<Message>, StoreError> {
    Entity::find()
        .filter(Column::RequestId.eq(request.0))
        .order_by_asc(Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| message(cipher, m))
        .collect()
}

/// Counts by state, for health pages and tests.
pub async fn count_state(conn: &impl ConnectionTrait, state: &str) -> Result<u64, StoreError> {
    Ok(Entity::find().filter(Column::State.eq(state)).count(conn).await?)
}

use sea_orm::sea_query::ExprTrait as _;
