//! Service requests (工单) and their timeline. A request is visible to a scope when its
//! region, its owner's region or the region it is being handed to lies in the scope, so
//! that a township sees what comes from it and what is sent to it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use gongdao_domain::DivisionCode;
use gongdao_domain::RegionLevel;
use gongdao_domain::auth::Scope;
use gongdao_domain::ids::{IncidentId, InstitutionId, RequestId, UserId};
use gongdao_domain::request::{
    BoardCounts, Category, Channel, EventKind, Group, Load, Named, OwnerTally, Priority, RequestDraft, RequestEvent,
    RequestNumber, ServiceRequest, Status, board_totals,
};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entity::request_event;
use crate::entity::service_request::{self, Column, Entity, Model};
use crate::sql::{code_set, codes, contains, raw};
use crate::{Page, PiiCipher, StoreError, Versioned, accounts, institutions, regions};

/// A request to insert; the caller has numbered it and computed its deadlines.
pub struct NewRequest<'a> {
    pub number: &'a RequestNumber,
    pub draft: &'a RequestDraft,
    pub status: Status,
    pub first_owner: Option<UserId>,
    pub owner_user: Option<UserId>,
    pub owner_institution: Option<(InstitutionId, DivisionCode)>,
    pub accept_due_at: Option<DateTime<Utc>>,
    pub due_at: DateTime<Utc>,
    pub due_estimated: bool,
    pub now: DateTime<Utc>,
}

fn active_model(cipher: &PiiCipher, new: &NewRequest<'_>) -> service_request::ActiveModel {
    let d = new.draft;
    let r = &d.requester;
    service_request::ActiveModel {
        id: NotSet,
        number: Set(new.number.as_str().to_string()),
        channel: Set(d.channel.code().to_string()),
        category: Set(d.category.code().to_string()),
        status: Set(new.status.code().to_string()),
        is_open: Set(new.status.is_open()),
        priority: Set(d.priority.rank()),
        region_code: Set(d.region.to_db()),
        township_code: Set(d.region.ancestor_at(RegionLevel::Township).map(DivisionCode::to_db)),
        requester_name: Set(cipher.seal(&r.name)),
        requester_name_bidx: Set(Some(cipher.name_index(&r.name))),
        requester_phone_enc: Set(r.phone.as_ref().map(|p| cipher.seal(p.as_str()))),
        requester_phone_masked: Set(r.phone.as_ref().map(|p| p.masked())),
        requester_id_enc: Set(r.id_number.as_ref().map(|i| cipher.seal(i.as_str()))),
        requester_id_masked: Set(r.id_number.as_ref().map(|i| i.masked())),
        requester_groups: Set(code_set(r.groups.iter().map(|g| g.code()))),
        requester_address: Set(cipher.seal_opt(r.address.as_deref())),
        description: Set(cipher.seal(&d.description)),
        first_owner_user_id: Set(new.first_owner.map(|u| u.0)),
        owner_user_id: Set(new.owner_user.map(|u| u.0)),
        owner_institution_id: Set(new.owner_institution.map(|(i, _)| i.0)),
        owner_region_code: Set(new.owner_institution.map(|(_, r)| r.to_db())),
        target_user_id: Set(None),
        target_institution_id: Set(None),
        target_region_code: Set(None),
        transfer_reason: Set(None),
        incident_id: Set(None),
        accept_due_at: Set(new.accept_due_at),
        due_at: Set(new.due_at),
        due_estimated: Set(new.due_estimated),
        reminded_at: Set(None),
        escalated: Set(false),
        reply: Set(None),
        received_at: Set(new.now),
        resolved_at: Set(None),
        closed_at: Set(None),
        updated_at: Set(new.now),
        version: Set(1),
        event_id: Set(d.event_id),
    }
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    new: &NewRequest<'_>,
) -> Result<RequestId, StoreError> {
    let result = Entity::insert(active_model(cipher, new)).exec(conn).await?;
    Ok(RequestId(result.last_insert_id))
}

/// Inserts many requests (the generators and batched intake), in order.
pub async fn insert_many(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    news: &[NewRequest<'_>],
) -> Result<(), StoreError> {
    for chunk in news.chunks(300) {
        Entity::insert_many(chunk.iter().map(|n| active_model(cipher, n))).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Ids of requests by number (for batched inserts that need them back).
pub async fn ids_by_number(
    conn: &impl ConnectionTrait,
    numbers: &[String],
) -> Result<HashMap<String, RequestId>, StoreError> {
    let mut out = HashMap::with_capacity(numbers.len());
    for chunk in numbers.chunks(500) {
        let rows: Vec<(i64, String)> = Entity::find()
            .select_only()
            .column(Column::Id)
            .column(Column::Number)
            .filter(Column::Number.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows.into_iter().map(|(id, n)| (n, RequestId(id))));
    }
    Ok(out)
}

pub(crate) fn scope_condition(scope: Scope) -> Condition {
    let (lo, hi) = scope.bounds();
    Condition::any()
        .add(Column::RegionCode.between(lo, hi))
        .add(Column::OwnerRegionCode.between(lo, hi))
        .add(Column::TargetRegionCode.between(lo, hi))
}

/// What a queue or the dispatch board asks for.
#[derive(Clone, Debug, Default)]
pub struct RequestFilter {
    pub status: Option<Status>,
    pub open: Option<bool>,
    pub category: Option<Category>,
    pub channel: Option<Channel>,
    /// Only requests arising in this region's subtree.
    pub within: Option<DivisionCode>,
    /// `Some(true)`: open and past their deadline; `Some(false)`: not overdue.
    pub overdue: Option<bool>,
    /// Open and due before this time (nearly due).
    pub due_before: Option<DateTime<Utc>>,
    pub owner_user: Option<UserId>,
    pub owner_institution: Option<InstitutionId>,
    /// Handed to this institution and waiting for its acceptance, or in its queue.
    pub waiting_for: Option<InstitutionId>,
    /// Held by this person, or by this institution with no person on it yet.
    pub held_by: Option<(UserId, Option<InstitutionId>)>,
    pub incident: Option<IncidentId>,
    pub priority_at_least: Option<Priority>,
    /// Part of the number, or (through `name_indexes`) the requester's full name.
    pub text: Option<String>,
    /// The blind indexes of `text` as a name ([`PiiCipher::name_indexes`]).
    pub name_indexes: Vec<String>,
}

impl RequestFilter {
    /// Whether the filter admits open matters only.
    pub fn only_open(&self) -> bool {
        self.open == Some(true) || self.overdue == Some(true) || self.due_before.is_some()
    }
}

/// Open matters only, written as the bare column rather than `is_open = ?`: SQLite
/// uses a partial index (`WHERE is_open`) only when the query repeats its condition,
/// and a bound parameter does not.
fn open_only() -> Expr {
    Expr::col((Entity, Column::IsOpen))
}

fn filter_condition(scope: Scope, f: &RequestFilter, now: DateTime<Utc>) -> Condition {
    let mut c = Condition::all().add(scope_condition(scope));
    if let Some(s) = f.status {
        c = c.add(Column::Status.eq(s.code()));
    }
    if f.only_open() {
        c = c.add(open_only());
    } else if f.open == Some(false) {
        c = c.add(Column::IsOpen.eq(false));
    }
    if let Some(cat) = f.category {
        c = c.add(Column::Category.eq(cat.code()));
    }
    if let Some(ch) = f.channel {
        c = c.add(Column::Channel.eq(ch.code()));
    }
    if let Some(w) = f.within {
        let (lo, hi) = w.subtree_bounds();
        c = c.add(Column::RegionCode.between(lo, hi));
    }
    match f.overdue {
        Some(true) => c = c.add(Column::DueAt.lt(now)),
        Some(false) => c = c.add(Condition::any().add(Column::IsOpen.eq(false)).add(Column::DueAt.gte(now))),
        None => {}
    }
    if let Some(before) = f.due_before {
        c = c.add(Column::DueAt.lt(before));
    }
    if let Some(u) = f.owner_user {
        c = c.add(Column::OwnerUserId.eq(u.0));
    }
    if let Some(i) = f.owner_institution {
        c = c.add(Column::OwnerInstitutionId.eq(i.0));
    }
    if let Some(i) = f.waiting_for {
        c = c.add(
            Condition::any()
                .add(
                    Condition::all()
                        .add(Column::Status.eq(Status::Transferring.code()))
                        .add(Column::TargetInstitutionId.eq(i.0)),
                )
                .add(
                    Condition::all()
                        .add(Column::Status.eq(Status::Pending.code()))
                        .add(Column::OwnerInstitutionId.eq(i.0)),
                ),
        );
    }
    if let Some((user, institution)) = f.held_by {
        let mut held = Condition::any().add(Column::OwnerUserId.eq(user.0));
        if let Some(i) = institution {
            held =
                held.add(Condition::all().add(Column::OwnerInstitutionId.eq(i.0)).add(Column::OwnerUserId.is_null()));
        }
        c = c.add(held);
    }
    if let Some(i) = f.incident {
        c = c.add(Column::IncidentId.eq(i.0));
    }
    if let Some(p) = f.priority_at_least {
        c = c.add(Column::Priority.gte(p.rank()));
    }
    if let Some(t) = f.text.as_deref().filter(|t| !t.is_empty()) {
        let mut any = Condition::any().add(Column::Number.like(contains(t)));
        if !f.name_indexes.is_empty() {
            any = any.add(Column::RequesterNameBidx.is_in(f.name_indexes.clone()));
        }
        c = c.add(any);
    }
    c
}

/// One page, open matters first, then by priority and deadline: every queue puts the
/// green channel ahead (优先受理、优先办理).
pub async fn list(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    filter: &RequestFilter,
    now: DateTime<Utc>,
    page: Page,
    with_total: bool,
) -> Result<(Vec<ServiceRequest>, u64), StoreError> {
    let cond = filter_condition(scope, filter, now);
    let total = if with_total { Entity::find().filter(cond.clone()).count(conn).await? } else { 0 };
    let mut query = Entity::find().filter(cond);
    // Open matters only: ordered as the partial index `service_requests_open_queue`, so
    // a first page stops after its rows on both planners.
    if !filter.only_open() {
        query = query.order_by_desc(Column::IsOpen);
    }
    let models = query
        .order_by_desc(Column::Priority)
        .order_by_asc(Column::DueAt)
        .order_by_asc(Column::Id)
        .limit(page.limit)
        .offset(page.offset)
        .all(conn)
        .await?;
    Ok((views(conn, cipher, models, now).await?, total))
}

/// The raw record of a request in scope (for the workflow).
pub async fn get_model(conn: &impl ConnectionTrait, scope: Scope, id: RequestId) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find_by_id(id.0).filter(scope_condition(scope)).one(conn).await?)
}

pub async fn get(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    id: RequestId,
    now: DateTime<Utc>,
) -> Result<Option<ServiceRequest>, StoreError> {
    let Some(m) = get_model(conn, scope, id).await? else { return Ok(None) };
    Ok(views(conn, cipher, vec![m], now).await?.pop())
}

/// A request by its number, whatever the scope (citizens follow their matter by number
/// plus a check the caller makes).
pub async fn by_number(conn: &impl ConnectionTrait, number: &str) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find().filter(Column::Number.eq(number)).one(conn).await?)
}

/// A request by id whatever the scope, for background work.
pub async fn model_by_id(conn: &impl ConnectionTrait, id: RequestId) -> Result<Option<Model>, StoreError> {
    Ok(Entity::find_by_id(id.0).one(conn).await?)
}

/// Decrypts the requester's phone and ID number.
pub fn requester_personal(cipher: &PiiCipher, m: &Model) -> Result<(Option<String>, Option<String>), StoreError> {
    Ok((
        m.requester_phone_enc.as_deref().map(|s| cipher.open(s)).transpose()?,
        m.requester_id_enc.as_deref().map(|s| cipher.open(s)).transpose()?,
    ))
}

/// Domain views of records, with the names of people, institutions and regions.
pub async fn views(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    models: Vec<Model>,
    now: DateTime<Utc>,
) -> Result<Vec<ServiceRequest>, StoreError> {
    // Collected first: iterator closures held across an await trip up Send inference.
    let user_ids: Vec<i64> =
        models.iter().flat_map(|m| [m.first_owner_user_id, m.owner_user_id, m.target_user_id]).flatten().collect();
    let users = accounts::names(conn, user_ids).await?;
    let inst_ids: Vec<i64> =
        models.iter().flat_map(|m| [m.owner_institution_id, m.target_institution_id]).flatten().collect();
    let insts = institutions::names(conn, inst_ids).await?;
    let region_names = regions::names(conn, models.iter().map(|m| m.region_code)).await?;
    let named = |id: Option<i64>, names: &HashMap<i64, String>| {
        id.map(|id| Named { id, name: names.get(&id).cloned().unwrap_or_default() })
    };
    models
        .into_iter()
        .map(|m| {
            let corrupt = |what: &str| StoreError::corrupt(format!("request {} {what}", m.id));
            let status = Status::from_code(&m.status).ok_or_else(|| corrupt("status"))?;
            Ok(ServiceRequest {
                id: RequestId(m.id),
                number: RequestNumber::parse("number", &m.number).map_err(|_| corrupt("number"))?,
                channel: Channel::from_code(&m.channel).ok_or_else(|| corrupt("channel"))?,
                category: Category::from_code(&m.category).ok_or_else(|| corrupt("category"))?,
                status,
                priority: Priority::from_rank(m.priority),
                region: DivisionCode::from_db(m.region_code).ok_or_else(|| corrupt("region"))?,
                region_name: region_names.get(&m.region_code).cloned().unwrap_or_default(),
                requester_name: cipher.open_text(&m.requester_name)?,
                requester_phone_masked: m.requester_phone_masked,
                requester_id_masked: m.requester_id_masked,
                requester_groups: codes(&m.requester_groups).filter_map(Group::from_code).collect(),
                requester_address: cipher.open_text_opt(m.requester_address.as_deref())?,
                description: cipher.open_text(&m.description)?,
                first_owner: named(m.first_owner_user_id, &users),
                owner_user: named(m.owner_user_id, &users),
                owner_institution: named(m.owner_institution_id, &insts),
                target_user: named(m.target_user_id, &users),
                target_institution: named(m.target_institution_id, &insts),
                transfer_reason: m.transfer_reason,
                incident_id: m.incident_id.map(IncidentId),
                accept_due_at: m.accept_due_at,
                due_at: m.due_at,
                due_estimated: m.due_estimated,
                overdue: status.is_open() && m.due_at < now,
                escalated: m.escalated,
                reply: cipher.open_text_opt(m.reply.as_deref())?,
                received_at: m.received_at,
                resolved_at: m.resolved_at,
                closed_at: m.closed_at,
                version: m.version,
            })
        })
        .collect()
}

/// A change to a request; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct RequestUpdate {
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub owner_user: Option<Option<UserId>>,
    pub owner_institution: Option<Option<(InstitutionId, DivisionCode)>>,
    pub target_user: Option<Option<UserId>>,
    pub target_institution: Option<Option<(InstitutionId, DivisionCode)>>,
    pub transfer_reason: Option<Option<String>>,
    pub incident: Option<Option<IncidentId>>,
    pub accept_due_at: Option<Option<DateTime<Utc>>>,
    pub due_at: Option<(DateTime<Utc>, bool)>,
    /// The reply, sealed.
    pub reply: Option<Option<crate::pii::Sealed>>,
    pub resolved_at: Option<Option<DateTime<Utc>>>,
    pub closed_at: Option<Option<DateTime<Utc>>>,
    pub reminded_at: Option<Option<DateTime<Utc>>>,
    pub escalated: Option<bool>,
}

/// Applies a change. With `expected_version` the change is guarded (a user acting on
/// what they read) and bumps the version; without, it is background bookkeeping
/// (reminders, escalation) that must not make a user's next step fail.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: RequestId,
    expected_version: Option<i64>,
    u: &RequestUpdate,
    now: DateTime<Utc>,
) -> Result<Versioned<()>, StoreError> {
    let mut q = Entity::update_many().col_expr(Column::UpdatedAt, now.into()).filter(Column::Id.eq(id.0));
    if let Some(s) = u.status {
        q = q.col_expr(Column::Status, s.code().into()).col_expr(Column::IsOpen, s.is_open().into());
    }
    if let Some(p) = u.priority {
        q = q.col_expr(Column::Priority, p.rank().into());
    }
    if let Some(o) = u.owner_user {
        q = q.col_expr(Column::OwnerUserId, o.map(|u| u.0).into());
    }
    if let Some(o) = u.owner_institution {
        q = q
            .col_expr(Column::OwnerInstitutionId, o.map(|(i, _)| i.0).into())
            .col_expr(Column::OwnerRegionCode, o.map(|(_, r)| r.to_db()).into());
    }
    if let Some(t) = u.target_user {
        q = q.col_expr(Column::TargetUserId, t.map(|u| u.0).into());
    }
    if let Some(t) = u.target_institution {
        q = q
            .col_expr(Column::TargetInstitutionId, t.map(|(i, _)| i.0).into())
            .col_expr(Column::TargetRegionCode, t.map(|(_, r)| r.to_db()).into());
    }
    if let Some(r) = &u.transfer_reason {
        q = q.col_expr(Column::TransferReason, r.clone().into());
    }
    if let Some(i) = u.incident {
        q = q.col_expr(Column::IncidentId, i.map(|i| i.0).into());
    }
    if let Some(a) = u.accept_due_at {
        q = q.col_expr(Column::AcceptDueAt, a.into());
    }
    if let Some((due, estimated)) = u.due_at {
        q = q.col_expr(Column::DueAt, due.into()).col_expr(Column::DueEstimated, estimated.into());
    }
    if let Some(r) = &u.reply {
        q = q.col_expr(Column::Reply, r.clone().map(crate::pii::Sealed::into_inner).into());
    }
    if let Some(r) = u.resolved_at {
        q = q.col_expr(Column::ResolvedAt, r.into());
    }
    if let Some(c) = u.closed_at {
        q = q.col_expr(Column::ClosedAt, c.into());
    }
    if let Some(r) = u.reminded_at {
        q = q.col_expr(Column::RemindedAt, r.into());
    }
    if let Some(e) = u.escalated {
        q = q.col_expr(Column::Escalated, e.into());
    }
    if let Some(v) = expected_version {
        q = q.filter(Column::Version.eq(v)).col_expr(Column::Version, Expr::col(Column::Version).add(1));
    }
    let result = q.exec(conn).await?;
    if result.rows_affected == 1 {
        return Ok(Versioned::Updated(()));
    }
    let current: Option<i64> =
        Entity::find_by_id(id.0).select_only().column(Column::Version).into_tuple().one(conn).await?;
    Ok(match current {
        Some(current) => Versioned::Stale { current },
        None => Versioned::NotFound,
    })
}

/// One step to record in a timeline.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub request: RequestId,
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub actor_user: Option<UserId>,
    pub actor_name: String,
    pub institution: Option<InstitutionId>,
    pub note: Option<String>,
}

fn event_model(cipher: &PiiCipher, e: &NewEvent) -> request_event::ActiveModel {
    request_event::ActiveModel {
        id: NotSet,
        request_id: Set(e.request.0),
        kind: Set(e.kind.code().to_string()),
        at: Set(e.at),
        actor_user_id: Set(e.actor_user.map(|u| u.0)),
        actor_name: Set(e.actor_name.clone()),
        institution_id: Set(e.institution.map(|i| i.0)),
        // A step's words may repeat the facts of the matter: sealed like them.
        note: Set(cipher.seal_opt(e.note.as_deref())),
    }
}

pub async fn add_event(conn: &impl ConnectionTrait, cipher: &PiiCipher, e: &NewEvent) -> Result<(), StoreError> {
    request_event::Entity::insert(event_model(cipher, e)).exec_without_returning(conn).await?;
    Ok(())
}

pub async fn add_events(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    for chunk in events.chunks(500) {
        request_event::Entity::insert_many(chunk.iter().map(|e| event_model(cipher, e)))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The timeline, oldest first.
pub async fn events(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    id: RequestId,
) -> Result<Vec<RequestEvent>, StoreError> {
    let models = request_event::Entity::find()
        .filter(request_event::Column::RequestId.eq(id.0))
        .order_by_asc(request_event::Column::Id)
        .all(conn)
        .await?;
    let insts = institutions::names(conn, models.iter().filter_map(|m| m.institution_id)).await?;
    models
        .into_iter()
        .map(|m| {
            Ok(RequestEvent {
                id: m.id,
                kind: EventKind::from_code(&m.kind)
                    .ok_or_else(|| StoreError::corrupt(format!("event {} kind", m.id)))?,
                at: m.at,
                actor: m.actor_name,
                institution: m.institution_id.and_then(|i| insts.get(&i).cloned()),
                note: cipher.open_text_opt(m.note.as_deref())?,
            })
        })
        .collect()
}

/// Counts of open matters in scope (one pass over the open rows).
/// What the dispatch board sums.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoardSummary {
    pub counts: BoardCounts,
    pub by_institution: Vec<Load>,
    pub by_person: Vec<Load>,
}

/// How many institutions and people the board lists by load.
const BOARD_TOP: usize = 50;

/// The board's counts and loads in one pass over the open matters in scope (arising in
/// `within`, if given), answered from the partial index `service_requests_board`.
/// `is_open` is written as a literal so that both planners can use that index.
pub async fn board_summary(
    conn: &impl ConnectionTrait,
    scope: Scope,
    within: Option<DivisionCode>,
    now: DateTime<Utc>,
    soon: DateTime<Utc>,
) -> Result<BoardSummary, StoreError> {
    let (slo, shi) = scope.bounds();
    let (wlo, whi) = within.map(|w| w.subtree_bounds()).unwrap_or((slo, shi));
    let stmt = raw(
        conn,
        "SELECT owner_institution_id, owner_user_id, COUNT(*), \
         SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN status = 'transferring' THEN 1 ELSE 0 END), \
         SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END), \
         SUM(CASE WHEN due_at >= $1 AND due_at < $2 THEN 1 ELSE 0 END), \
         SUM(CASE WHEN escalated THEN 1 ELSE 0 END), \
         SUM(CASE WHEN priority = 1 THEN 1 ELSE 0 END), \
         SUM(CASE WHEN priority >= 2 THEN 1 ELSE 0 END) \
         FROM service_requests WHERE is_open \
         AND (region_code BETWEEN $3 AND $4 OR owner_region_code BETWEEN $3 AND $4 OR target_region_code BETWEEN $3 AND $4) \
         AND region_code BETWEEN $5 AND $6 \
         GROUP BY owner_institution_id, owner_user_id",
        vec![now.into(), soon.into(), slo.into(), shi.into(), wlo.into(), whi.into()],
    );
    let rows = conn.query_all_raw(stmt).await?;
    let mut tallies = Vec::with_capacity(rows.len());
    for r in rows {
        // Sums of integer CASEs are bigints on PostgreSQL and integers on SQLite.
        let n = |i: usize| r.try_get_by_index::<i64>(i);
        tallies.push(OwnerTally {
            institution: r.try_get_by_index::<Option<i64>>(0)?,
            user: r.try_get_by_index::<Option<i64>>(1)?,
            counts: BoardCounts {
                open: n(2)?,
                pending: n(3)?,
                transferring: n(4)?,
                overdue: n(5)?,
                due_soon: n(6)?,
                escalated: n(7)?,
                green: n(8)?,
                urgent: n(9)?,
            },
        });
    }
    let totals = board_totals(&tallies, BOARD_TOP);
    let inst_names = institutions::names(conn, totals.by_institution.iter().map(|l| l.0)).await?;
    let user_names = accounts::names(conn, totals.by_person.iter().map(|l| l.0)).await?;
    let loads = |v: Vec<(i64, i64, i64)>, names: &std::collections::HashMap<i64, String>| {
        v.into_iter()
            .map(|(id, open, overdue)| Load { id, name: names.get(&id).cloned().unwrap_or_default(), open, overdue })
            .collect()
    };
    Ok(BoardSummary {
        counts: totals.counts,
        by_institution: loads(totals.by_institution, &inst_names),
        by_person: loads(totals.by_person, &user_names),
    })
}

/// What waits for one person and their institution: the counts shown beside the
/// navigation on every page, each answered from an index on (holder, is_open).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Workload {
    /// Open matters the person holds.
    pub mine: i64,
    /// Handed or routed to the institution and not yet accepted (待我受理).
    pub waiting: i64,
    /// Open matters of the person or the institution due within the warning window.
    pub due_soon: i64,
    /// Open matters of the person or the institution past their deadline.
    pub overdue: i64,
}

/// Counts one person's and one institution's waiting work (three small indexed reads).
pub async fn workload(
    conn: &impl ConnectionTrait,
    user: UserId,
    institution: Option<InstitutionId>,
    now: DateTime<Utc>,
    soon: DateTime<Utc>,
) -> Result<Workload, StoreError> {
    let tally = |holder: &str, id: i64| {
        raw(
            conn,
            &format!(
                "SELECT COUNT(*), \
                 SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN due_at < $2 THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN due_at >= $2 AND due_at < $3 THEN 1 ELSE 0 END) \
                 FROM service_requests WHERE {holder} = $1 AND is_open"
            ),
            vec![id.into(), now.into(), soon.into()],
        )
    };
    // NULL sums (no rows) read as zero.
    let read = |r: &sea_orm::QueryResult, i: usize| r.try_get_by_index::<Option<i64>>(i).map(|v| v.unwrap_or(0));
    let mut w = Workload::default();
    // The person's own matters.
    if let Some(r) = conn.query_one_raw(tally("owner_user_id", user.0)).await? {
        w.mine = read(&r, 0)?;
        w.overdue += read(&r, 2)?;
        w.due_soon += read(&r, 3)?;
    }
    if let Some(i) = institution {
        // The institution's matters: those pending wait for its acceptance; those no
        // person has taken yet are its own to watch.
        let queue = raw(
            conn,
            "SELECT COUNT(*), \
             SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN owner_user_id IS NULL AND due_at < $2 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN owner_user_id IS NULL AND due_at >= $2 AND due_at < $3 THEN 1 ELSE 0 END) \
             FROM service_requests WHERE owner_institution_id = $1 AND is_open",
            vec![i.0.into(), now.into(), soon.into()],
        );
        if let Some(r) = conn.query_one_raw(queue).await? {
            w.waiting += read(&r, 1)?;
            w.overdue += read(&r, 2)?;
            w.due_soon += read(&r, 3)?;
        }
        // Handed over to the institution and waiting for its acceptance.
        let handed = raw(
            conn,
            "SELECT COUNT(*) FROM service_requests WHERE target_institution_id = $1 AND is_open \
             AND status = 'transferring'",
            vec![i.0.into()],
        );
        if let Some(r) = conn.query_one_raw(handed).await? {
            w.waiting += read(&r, 0)?;
        }
    }
    Ok(w)
}

/// Moves a matter's whole history back by `by` (the demo district's matters that came
/// in earlier): its number's day, reception, deadlines and timeline together.
pub async fn shift_back(conn: &impl ConnectionTrait, id: RequestId, by: chrono::Duration) -> Result<(), StoreError> {
    let Some(m) = model_by_id(conn, id).await? else { return Ok(()) };
    let back = |t: DateTime<Utc>| t - by;
    let number = RequestNumber::parse("number", &m.number).map_err(|_| StoreError::corrupt("request number"))?;
    let day = gongdao_domain::calendar::china_day(back(m.received_at));
    // A day of its own in the numbering: 9000 and up are not given out by intake.
    let renumbered = RequestNumber::new(number.district(), day, 9000 + number.sequence());
    let mut am: service_request::ActiveModel = m.clone().into();
    am.number = Set(renumbered.as_str().to_string());
    am.received_at = Set(back(m.received_at));
    am.due_at = Set(back(m.due_at));
    am.accept_due_at = Set(m.accept_due_at.map(back));
    am.resolved_at = Set(m.resolved_at.map(back));
    am.closed_at = Set(m.closed_at.map(back));
    am.updated_at = Set(back(m.updated_at));
    sea_orm::ActiveModelTrait::update(am, conn).await?;
    let events = request_event::Entity::find().filter(request_event::Column::RequestId.eq(id.0)).all(conn).await?;
    for e in events {
        let at = back(e.at);
        let mut am: request_event::ActiveModel = e.into();
        am.at = Set(at);
        sea_orm::ActiveModelTrait::update(am, conn).await?;
    }
    Ok(())
}

/// Ids of open requests linked to an incident.
pub async fn open_ids_of_incident(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
) -> Result<Vec<RequestId>, StoreError> {
    let ids: Vec<i64> = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::IncidentId.eq(incident.0))
        .filter(Column::IsOpen.eq(true))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().map(RequestId).collect())
}

/// How many requests are stored (benchmarks, tests).
pub async fn count_all(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(Entity::find().count(conn).await?)
}
