//! Appointment slots and bookings. A booking takes a place with one guarded increment
//! (`booked < capacity`), so two people can never get the last place at once.

use chrono::{DateTime, Utc};
use gongdao_domain::DivisionCode;
use gongdao_domain::appointment::{Booking, BookingDraft, BookingStatus, Slot, SlotKind};
use gongdao_domain::auth::Scope;
use gongdao_domain::ids::{InstitutionId, UserId};
use gongdao_domain::request::Group;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{booking, slot};
use crate::sql::{code_set, codes, in_scope};
use crate::{PiiCipher, StoreError, institutions};

pub struct NewSlot {
    pub institution: InstitutionId,
    pub region: DivisionCode,
    pub kind: SlotKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i32,
    pub note: Option<String>,
    pub by: UserId,
    pub now: DateTime<Utc>,
}

pub async fn insert_slot(conn: &impl ConnectionTrait, s: &NewSlot) -> Result<i64, StoreError> {
    let r = slot::Entity::insert(slot::ActiveModel {
        id: NotSet,
        institution_id: Set(s.institution.0),
        region_code: Set(s.region.to_db()),
        kind: Set(s.kind.code().to_string()),
        starts_at: Set(s.starts_at),
        ends_at: Set(s.ends_at),
        capacity: Set(s.capacity),
        booked: Set(0),
        note: Set(s.note.clone()),
        created_by: Set(Some(s.by.0)),
        created_at: Set(s.now),
    })
    .exec(conn)
    .await?;
    Ok(r.last_insert_id)
}

async fn slot_views(conn: &impl ConnectionTrait, models: Vec<slot::Model>) -> Result<Vec<Slot>, StoreError> {
    let ids: Vec<i64> = models.iter().map(|m| m.institution_id).collect();
    let names = institutions::names(conn, ids).await?;
    models
        .into_iter()
        .map(|m| {
            Ok(Slot {
                id: m.id,
                institution_name: names.get(&m.institution_id).cloned().unwrap_or_default(),
                institution_id: m.institution_id,
                kind: SlotKind::from_code(&m.kind).ok_or_else(|| StoreError::corrupt("slot kind"))?,
                starts_at: m.starts_at,
                ends_at: m.ends_at,
                capacity: m.capacity,
                booked: m.booked,
                note: m.note,
            })
        })
        .collect()
}

/// Slots in scope starting after `from`, optionally of one institution, soonest first.
pub async fn slots(
    conn: &impl ConnectionTrait,
    scope: Scope,
    institution: Option<InstitutionId>,
    from: DateTime<Utc>,
    only_free: bool,
) -> Result<Vec<Slot>, StoreError> {
    let mut q =
        slot::Entity::find().filter(in_scope(slot::Column::RegionCode, scope)).filter(slot::Column::StartsAt.gte(from));
    if let Some(i) = institution {
        q = q.filter(slot::Column::InstitutionId.eq(i.0));
    }
    if only_free {
        q = q.filter(Expr::col(slot::Column::Booked).lt(Expr::col(slot::Column::Capacity)));
    }
    let models = q.order_by_asc(slot::Column::StartsAt).order_by_asc(slot::Column::Id).limit(500).all(conn).await?;
    slot_views(conn, models).await
}

pub async fn slot(conn: &impl ConnectionTrait, scope: Scope, id: i64) -> Result<Option<Slot>, StoreError> {
    let Some(m) = slot::Entity::find_by_id(id).filter(in_scope(slot::Column::RegionCode, scope)).one(conn).await?
    else {
        return Ok(None);
    };
    Ok(slot_views(conn, vec![m]).await?.pop())
}

/// Takes a place in a slot; false when it is full.
pub async fn take_place(conn: &impl ConnectionTrait, slot_id: i64) -> Result<bool, StoreError> {
    let r = slot::Entity::update_many()
        .col_expr(slot::Column::Booked, Expr::col(slot::Column::Booked).add(1))
        .filter(slot::Column::Id.eq(slot_id))
        .filter(Expr::col(slot::Column::Booked).lt(Expr::col(slot::Column::Capacity)))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

pub async fn insert_booking(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    code: &str,
    draft: &BookingDraft,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let r = booking::Entity::insert(booking::ActiveModel {
        id: NotSet,
        code: Set(code.to_string()),
        slot_id: Set(draft.slot_id),
        request_id: Set(None),
        name: Set(cipher.seal(&draft.name)),
        phone_enc: Set(cipher.seal(draft.phone.as_str())),
        phone_masked: Set(draft.phone.masked()),
        address: Set(cipher.seal_opt(draft.address.as_deref())),
        reason: Set(cipher.seal(&draft.reason)),
        groups: Set(code_set(draft.groups.iter().map(|g| g.code()))),
        status: Set(BookingStatus::Booked.code().to_string()),
        booked_by: Set(by.map(|u| u.0)),
        created_at: Set(now),
        cancelled_at: Set(None),
        done_at: Set(None),
        done_by: Set(None),
    })
    .exec(conn)
    .await?;
    Ok(r.last_insert_id)
}

/// Bookings of the slots in scope from `from`, soonest first.
pub async fn bookings(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    from: DateTime<Utc>,
) -> Result<Vec<Booking>, StoreError> {
    let slots = slots(conn, scope, None, from, false).await?;
    let ids: Vec<i64> = slots.iter().map(|s| s.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let models = booking::Entity::find()
        .filter(booking::Column::SlotId.is_in(ids))
        .order_by_asc(booking::Column::Id)
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(models.len());
    for m in models {
        let s = slots.iter().find(|s| s.id == m.slot_id).expect("selected by slot");
        out.push(Booking {
            id: m.id,
            code: m.code,
            slot_id: m.slot_id,
            institution_name: s.institution_name.clone(),
            kind: s.kind,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            name: cipher.open_text(&m.name)?,
            phone_masked: m.phone_masked,
            address: cipher.open_text_opt(m.address.as_deref())?,
            reason: cipher.open_text(&m.reason)?,
            groups: codes(&m.groups).filter_map(Group::from_code).collect(),
            status: BookingStatus::from_code(&m.status).ok_or_else(|| StoreError::corrupt("booking status"))?,
            created_at: m.created_at,
        });
    }
    out.sort_by_key(|b| (b.starts_at, b.id));
    Ok(out)
}

/// A booking by code, for cancelling: (id, slot id, status, sealed phone).
pub async fn booking_by_code(conn: &impl ConnectionTrait, code: &str) -> Result<Option<booking::Model>, StoreError> {
    Ok(booking::Entity::find().filter(booking::Column::Code.eq(code)).one(conn).await?)
}

/// Cancels a booking and frees its place; false when it was not booked.
pub async fn cancel(conn: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let Some(m) = booking::Entity::find_by_id(id).one(conn).await? else { return Ok(false) };
    let r = booking::Entity::update_many()
        .col_expr(booking::Column::Status, BookingStatus::Cancelled.code().into())
        .col_expr(booking::Column::CancelledAt, Some(now).into())
        .filter(booking::Column::Id.eq(id))
        .filter(booking::Column::Status.eq(BookingStatus::Booked.code()))
        .exec(conn)
        .await?;
    if r.rows_affected == 0 {
        return Ok(false);
    }
    slot::Entity::update_many()
        .col_expr(slot::Column::Booked, Expr::col(slot::Column::Booked).sub(1))
        .filter(slot::Column::Id.eq(m.slot_id))
        .exec(conn)
        .await?;
    Ok(true)
}

/// Marks a standing booking 已完成 by `by`; false when it was no longer standing (a
/// concurrent cancel or completion), so the caller's transaction changes nothing.
pub async fn complete(
    conn: &impl ConnectionTrait,
    id: i64,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let r = booking::Entity::update_many()
        .col_expr(booking::Column::Status, BookingStatus::Done.code().into())
        .col_expr(booking::Column::DoneAt, Some(now).into())
        .col_expr(booking::Column::DoneBy, Some(by.0).into())
        .filter(booking::Column::Id.eq(id))
        .filter(booking::Column::Status.eq(BookingStatus::Booked.code()))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// How many slots an institution has that have not started yet.
pub async fn upcoming_count(
    conn: &impl ConnectionTrait,
    institution: InstitutionId,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(slot::Entity::find()
        .filter(slot::Column::InstitutionId.eq(institution.0))
        .filter(slot::Column::StartsAt.gt(now))
        .count(conn)
        .await?)
}
