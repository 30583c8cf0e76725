//! 好差评: invitations, ratings, their running tallies, supervisors' visits and the
//! rectification tasks with their history. A rating uses its invitation once (an
//! `UPDATE … WHERE used_at IS NULL` that must touch one row), ratings are never changed
//! except to be excluded by an upheld appeal, task history is only added to. Every write
//! that changes a figure moves the tallies in the same transaction; `rebuild_tallies`
//! computes them from the rows, and the tests hold the two equal.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use gongdao_domain::DivisionCode;
use gongdao_domain::auth::Scope;
use gongdao_domain::calendar::china_local;
use gongdao_domain::evaluation::rectification::{RectEvent, RectSource, RectStatus, RectStep, Rectification, Visit};
use gongdao_domain::evaluation::{EvalChannel, Evaluation, Level, LevelCounts, Rating, ServiceKind};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{
    evaluation as eval, evaluation_invitation as invitation, rectification as rect, rectification_event as rect_event,
    supervision_visit as visit,
};
use crate::sql::{code_set, codes, in_scope};
use crate::{Page, PiiCipher, StoreError, Versioned, accounts, institutions, regions};

pub use crate::entity::evaluation::Model as EvaluationRecord;
pub use crate::entity::evaluation_invitation::Model as InvitationRecord;
pub use crate::entity::rectification::Model as RectRecord;

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("日期“{s}”无法读取")))
}

/// A completed service's invitation to rate it.
pub struct NewInvitation {
    /// SHA-256 (hex) of the token; the token itself is sealed.
    pub token_hash: String,
    pub token: String,
    pub service_kind: ServiceKind,
    pub service_id: i64,
    pub service_number: String,
    pub channel: EvalChannel,
    pub region: DivisionCode,
    pub institution_id: Option<i64>,
    pub served_by: Option<i64>,
    /// The person served's phone, for the SMS and a real-name call-back.
    pub phone: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Keeps an invitation unless the service already has one (one service, one
/// evaluation: a matter closed again after reopening is not rated twice). Returns the
/// new invitation's id.
pub async fn insert_invitation(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    n: NewInvitation,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    if invitation_for_service(conn, n.service_kind, n.service_id).await?.is_some() {
        return Ok(None);
    }
    let id = invitation::Entity::insert(invitation_model(cipher, &n, now, None)).exec(conn).await?.last_insert_id;
    tally(conn, &[invited(&n, now)]).await?;
    Ok(Some(id))
}

/// Many invitations at once, each made at its own time (the demo and the generator),
/// with their tallies.
pub async fn insert_invitations(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    ns: &[(NewInvitation, DateTime<Utc>)],
) -> Result<(), StoreError> {
    for chunk in ns.chunks(300) {
        let models = chunk.iter().map(|(n, at)| invitation_model(cipher, n, *at, None));
        invitation::Entity::insert_many(models).exec_without_returning(conn).await?;
        let deltas: Vec<(Source, Counters)> = chunk.iter().map(|(n, at)| invited(n, *at)).collect();
        tally(conn, &deltas).await?;
    }
    Ok(())
}

fn invitation_model(
    cipher: &PiiCipher,
    n: &NewInvitation,
    created_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
) -> invitation::ActiveModel {
    invitation::ActiveModel {
        id: NotSet,
        token_hash: Set(n.token_hash.clone()),
        token_enc: Set(cipher.seal(&n.token)),
        service_kind: Set(n.service_kind.code().into()),
        service_id: Set(n.service_id),
        service_number: Set(n.service_number.clone()),
        channel: Set(n.channel.code().into()),
        region_code: Set(n.region.to_db()),
        institution_id: Set(n.institution_id),
        served_by: Set(n.served_by),
        phone_enc: Set(cipher.seal_opt(n.phone.as_deref())),
        created_at: Set(created_at),
        expires_at: Set(n.expires_at),
        used_at: Set(used_at),
    }
}

/// What an invitation made at `at` adds: one service completed.
fn invited(n: &NewInvitation, at: DateTime<Utc>) -> (Source, Counters) {
    let key = key_of(at, n.region.to_db(), n.institution_id, n.served_by, n.channel.code());
    (key, Counters { completed: 1, ..Default::default() })
}

/// What a fresh rating with `inv` at `at` adds (see [`rating_counters`]).
fn rating_of(
    inv: &InvitationRecord,
    level: gongdao_domain::evaluation::Level,
    at: DateTime<Utc>,
) -> (Source, Counters) {
    let key = key_of(at, inv.region_code, inv.institution_id, inv.served_by, &inv.channel);
    (key, level_counters(level.score(), inv.phone_enc.is_some()))
}

pub async fn invitation_count(conn: &impl ConnectionTrait) -> Result<i64, StoreError> {
    Ok(invitation::Entity::find().count(conn).await? as i64)
}

pub async fn invitation_by_token(
    conn: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<InvitationRecord>, StoreError> {
    Ok(invitation::Entity::find().filter(invitation::Column::TokenHash.eq(token_hash)).one(conn).await?)
}

pub async fn invitation_for_service(
    conn: &impl ConnectionTrait,
    kind: ServiceKind,
    id: i64,
) -> Result<Option<InvitationRecord>, StoreError> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::ServiceKind.eq(kind.code()))
        .filter(invitation::Column::ServiceId.eq(id))
        .one(conn)
        .await?)
}

/// Keeps a rating given with `inv`, using the invitation up. `None` when the invitation
/// was used meanwhile (a second submission racing the first).
pub async fn insert_evaluation(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    inv: &InvitationRecord,
    rating: &Rating,
    now: DateTime<Utc>,
) -> Result<Option<EvaluationRecord>, StoreError> {
    let used = invitation::Entity::update_many()
        .col_expr(invitation::Column::UsedAt, sea_orm::sea_query::Expr::value(now))
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    if used.rows_affected != 1 {
        return Ok(None);
    }
    let model = evaluation_model(cipher, inv, rating, now)?;
    let id = eval::Entity::insert(model).exec(conn).await?.last_insert_id;
    let e = eval::Entity::find_by_id(id).one(conn).await?.ok_or_else(|| StoreError::corrupt("evaluation"))?;
    tally(conn, &[(evaluation_key(&e), rating_counters(&e))]).await?;
    Ok(Some(e))
}

/// Many ratings at once (the demo and the generator): each invitation given is used,
/// the tallies moved.
pub async fn insert_evaluations(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    rated: &[(InvitationRecord, Rating, DateTime<Utc>)],
) -> Result<(), StoreError> {
    for chunk in rated.chunks(300) {
        for (inv, _, at) in chunk {
            invitation::Entity::update_many()
                .col_expr(invitation::Column::UsedAt, sea_orm::sea_query::Expr::value(*at))
                .filter(invitation::Column::Id.eq(inv.id))
                .exec(conn)
                .await?;
        }
        let mut models = Vec::with_capacity(chunk.len());
        let mut deltas = Vec::with_capacity(chunk.len());
        for (inv, rating, at) in chunk {
            deltas.push(rating_of(inv, rating.level, *at));
            models.push(evaluation_model(cipher, inv, rating, *at)?);
        }
        eval::Entity::insert_many(models).exec_without_returning(conn).await?;
        tally(conn, &deltas).await?;
    }
    Ok(())
}

fn evaluation_model(
    cipher: &PiiCipher,
    inv: &InvitationRecord,
    rating: &Rating,
    at: DateTime<Utc>,
) -> Result<eval::ActiveModel, StoreError> {
    let indicators: BTreeMap<&str, i64> = rating.indicators.iter().map(|(k, v)| (k.as_str(), v.score())).collect();
    Ok(eval::ActiveModel {
        id: NotSet,
        invitation_id: Set(inv.id),
        service_kind: Set(inv.service_kind.clone()),
        service_id: Set(inv.service_id),
        service_number: Set(inv.service_number.clone()),
        channel: Set(inv.channel.clone()),
        region_code: Set(inv.region_code),
        institution_id: Set(inv.institution_id),
        served_by: Set(inv.served_by),
        level: Set(rating.level.score()),
        indicators: Set(serde_json::to_string(&indicators).map_err(|e| StoreError::Corrupt(e.to_string()))?),
        reasons: Set(code_set(rating.reasons.iter().map(String::as_str))),
        comment_enc: Set(cipher.seal_opt(rating.comment.as_deref())),
        real_name: Set(inv.phone_enc.is_some()),
        excluded: Set(false),
        created_at: Set(at),
    })
}

/// A service completed before it could be rated (finished before 好差评 existed, or
/// seeded), as the demo backfills them.
#[derive(Clone, Debug)]
pub struct CompletedService {
    pub kind: ServiceKind,
    pub id: i64,
    pub number: String,
    pub channel: EvalChannel,
    pub region: DivisionCode,
    pub institution_id: Option<i64>,
    pub served_by: Option<i64>,
    pub phone_enc: Option<String>,
    pub completed_at: DateTime<Utc>,
}

/// Completed services with no invitation: archived legal aid cases with a firm, closed
/// or failed mediation cases, closed matters, completed appointments.
pub async fn completed_without_invitation(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
) -> Result<Vec<CompletedService>, StoreError> {
    use crate::entity::{legal_aid_case, mediation_case, service_request};
    let invited: std::collections::HashSet<(String, i64)> = invitation::Entity::find()
        .select_only()
        .column(invitation::Column::ServiceKind)
        .column(invitation::Column::ServiceId)
        .into_tuple::<(String, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let fresh = |kind: ServiceKind, id: i64| !invited.contains(&(kind.code().to_string(), id));
    let region = |code: i64| DivisionCode::from_db(code).ok_or_else(|| StoreError::corrupt("service region"));
    let mut out = Vec::new();
    for c in legal_aid_case::Entity::find()
        .filter(legal_aid_case::Column::ArchivedAt.is_not_null())
        .filter(legal_aid_case::Column::TerminationGround.is_null())
        .filter(legal_aid_case::Column::AssigneeInstitutionId.is_not_null())
        .all(conn)
        .await?
    {
        if fresh(ServiceKind::LegalAid, c.id) {
            out.push(CompletedService {
                kind: ServiceKind::LegalAid,
                id: c.id,
                number: c.number,
                channel: EvalChannel::Offline,
                region: region(c.region_code)?,
                institution_id: c.assignee_institution_id,
                served_by: None,
                phone_enc: c.applicant_phone_enc,
                completed_at: c.archived_at.unwrap_or(c.updated_at),
            });
        }
    }
    for c in mediation_case::Entity::find()
        .filter(mediation_case::Column::Status.is_in(["closed", "failed"]))
        .all(conn)
        .await?
    {
        if fresh(ServiceKind::Mediation, c.id) {
            let phone = crate::mediation::party_phones(conn, cipher, c.id)
                .await?
                .into_iter()
                .next()
                .map(|(_, p)| cipher.seal(&p));
            out.push(CompletedService {
                kind: ServiceKind::Mediation,
                id: c.id,
                number: c.number,
                channel: EvalChannel::Offline,
                region: region(c.region_code)?,
                institution_id: Some(c.committee_id),
                served_by: c.created_by,
                phone_enc: phone,
                completed_at: c.closed_at.unwrap_or(c.updated_at),
            });
        }
    }
    for r in service_request::Entity::find().filter(service_request::Column::Status.eq("closed")).all(conn).await? {
        if fresh(ServiceKind::Request, r.id) {
            let channel = gongdao_domain::request::Channel::from_code(&r.channel)
                .map_or(EvalChannel::Offline, EvalChannel::of_request);
            out.push(CompletedService {
                kind: ServiceKind::Request,
                id: r.id,
                number: r.number,
                channel,
                region: region(r.region_code)?,
                institution_id: r.owner_institution_id,
                served_by: r.owner_user_id,
                phone_enc: r.requester_phone_enc,
                completed_at: r.closed_at.unwrap_or(r.received_at),
            });
        }
    }
    let done = crate::entity::booking::Entity::find()
        .filter(crate::entity::booking::Column::Status.eq(gongdao_domain::appointment::BookingStatus::Done.code()))
        .all(conn)
        .await?;
    let slots: std::collections::HashMap<i64, crate::entity::slot::Model> = crate::entity::slot::Entity::find()
        .filter(crate::entity::slot::Column::Id.is_in(done.iter().map(|b| b.slot_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    for b in done {
        let Some(slot) = slots.get(&b.slot_id) else { continue };
        if fresh(ServiceKind::Appointment, b.id) {
            out.push(CompletedService {
                kind: ServiceKind::Appointment,
                id: b.id,
                number: b.code,
                channel: EvalChannel::Offline,
                region: region(slot.region_code)?,
                institution_id: Some(slot.institution_id),
                served_by: b.done_by,
                phone_enc: Some(b.phone_enc),
                completed_at: b.done_at.unwrap_or(slot.ends_at),
            });
        }
    }
    out.sort_by_key(|c| c.completed_at);
    Ok(out)
}

/// A service written by the generator: its invitation, when it was completed, and its
/// rating with when it was given (None: still open).
pub struct SynthRated {
    pub invitation: NewInvitation,
    pub completed_at: DateTime<Utc>,
    pub rating: Option<(Rating, DateTime<Utc>)>,
}

/// Writes generated services in one pass a chunk: the invitations (used where rated),
/// the ratings, and the tallies.
pub async fn insert_rated(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    rows: &[SynthRated],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        let models = chunk
            .iter()
            .map(|r| invitation_model(cipher, &r.invitation, r.completed_at, r.rating.as_ref().map(|(_, at)| *at)));
        invitation::Entity::insert_many(models).exec_without_returning(conn).await?;
        let ids: HashMap<String, i64> = invitation::Entity::find()
            .select_only()
            .column(invitation::Column::TokenHash)
            .column(invitation::Column::Id)
            .filter(invitation::Column::TokenHash.is_in(chunk.iter().map(|r| r.invitation.token_hash.clone())))
            .into_tuple::<(String, i64)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let mut evals = Vec::new();
        let mut deltas = Vec::with_capacity(chunk.len() * 2);
        for r in chunk {
            let n = &r.invitation;
            deltas.push(invited(n, r.completed_at));
            let Some((rating, at)) = &r.rating else { continue };
            let id = *ids.get(&n.token_hash).ok_or_else(|| StoreError::corrupt("generated invitation"))?;
            // The invitation as just written, for the rating's attribution.
            let inv = InvitationRecord {
                id,
                token_hash: String::new(),
                token_enc: String::new(),
                service_kind: n.service_kind.code().into(),
                service_id: n.service_id,
                service_number: n.service_number.clone(),
                channel: n.channel.code().into(),
                region_code: n.region.to_db(),
                institution_id: n.institution_id,
                served_by: n.served_by,
                phone_enc: n.phone.as_ref().map(|_| String::new()),
                created_at: r.completed_at,
                expires_at: n.expires_at,
                used_at: Some(*at),
            };
            deltas.push(rating_of(&inv, rating.level, *at));
            evals.push(evaluation_model(cipher, &inv, rating, *at)?);
        }
        if !evals.is_empty() {
            eval::Entity::insert_many(evals).exec_without_returning(conn).await?;
        }
        tally(conn, &deltas).await?;
    }
    Ok(())
}

/// Invitations not yet used, oldest first (the demo rates some of them).
pub async fn open_invitations(conn: &impl ConnectionTrait, limit: u64) -> Result<Vec<InvitationRecord>, StoreError> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::UsedAt.is_null())
        .order_by_asc(invitation::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

pub async fn evaluation_by_invitation(
    conn: &impl ConnectionTrait,
    invitation_id: i64,
) -> Result<Option<EvaluationRecord>, StoreError> {
    Ok(eval::Entity::find().filter(eval::Column::InvitationId.eq(invitation_id)).one(conn).await?)
}

pub async fn rectification_of_evaluation(
    conn: &impl ConnectionTrait,
    evaluation_id: i64,
) -> Result<Option<RectRecord>, StoreError> {
    Ok(rect::Entity::find().filter(rect::Column::EvaluationId.eq(evaluation_id)).one(conn).await?)
}

pub async fn evaluation_record(conn: &impl ConnectionTrait, id: i64) -> Result<Option<EvaluationRecord>, StoreError> {
    Ok(eval::Entity::find_by_id(id).one(conn).await?)
}

/// Excludes a rating from the figures (an upheld appeal); it stays on record.
pub async fn exclude(conn: &impl ConnectionTrait, e: &EvaluationRecord) -> Result<(), StoreError> {
    if e.excluded {
        return Ok(());
    }
    eval::Entity::update_many()
        .col_expr(eval::Column::Excluded, sea_orm::sea_query::Expr::value(true))
        .filter(eval::Column::Id.eq(e.id))
        .exec(conn)
        .await?;
    let mut now_excluded = e.clone();
    now_excluded.excluded = true;
    let mut delta = rating_counters(&now_excluded);
    delta.add(&rating_counters(e), -1);
    tally(conn, &[(evaluation_key(e), delta)]).await
}

/// Which evaluations a listing shows.
#[derive(Clone, Debug, Default)]
pub struct EvaluationFilter {
    /// Only this institution's (a lawyer's or mediator's own; or chosen).
    pub institution: Option<i64>,
    pub only_bad: bool,
    pub channel: Option<EvalChannel>,
    pub kind: Option<ServiceKind>,
    /// Only those given in [from, to) (an assessment's period).
    pub period: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Evaluations in scope, newest first, with the count.
pub async fn list(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    filter: &EvaluationFilter,
    page: Page,
    reason_label: &(dyn Fn(&str) -> String + Sync),
) -> Result<(Vec<Evaluation>, u64), StoreError> {
    let mut q = eval::Entity::find().filter(in_scope(eval::Column::RegionCode, scope));
    if let Some(i) = filter.institution {
        q = q.filter(eval::Column::InstitutionId.eq(i));
    }
    if filter.only_bad {
        q = q.filter(eval::Column::Level.lte(2));
    }
    if let Some(c) = filter.channel {
        q = q.filter(eval::Column::Channel.eq(c.code()));
    }
    if let Some(k) = filter.kind {
        q = q.filter(eval::Column::ServiceKind.eq(k.code()));
    }
    if let Some((from, to)) = filter.period {
        q = q.filter(eval::Column::CreatedAt.gte(from)).filter(eval::Column::CreatedAt.lt(to));
    }
    // The count from the tallies where they can say it: counting millions of rows is
    // most of a list's time otherwise.
    let total = match tallied_count(conn, scope, filter).await? {
        Some(n) => n,
        None => q.clone().count(conn).await?,
    };
    let rows = q.order_by_desc(eval::Column::Id).limit(page.limit).offset(page.offset).all(conn).await?;
    Ok((views(conn, cipher, rows, reason_label).await?, total))
}

/// How many evaluations a filter matches, summed in SQL over the tallies (every month):
/// not for a village's scope (narrower than a tally row) nor by kind of service (not a
/// tally dimension). Excluded ratings are bad reviews by construction (only they are
/// appealed), so they count among the bad.
async fn tallied_count(
    conn: &impl ConnectionTrait,
    scope: Scope,
    filter: &EvaluationFilter,
) -> Result<Option<u64>, StoreError> {
    if filter.kind.is_some() || filter.period.is_some() || scope.root.level() == gongdao_domain::RegionLevel::Village {
        return Ok(None);
    }
    let (dim, item) = match (filter.institution, filter.channel) {
        (None, None) => (ALL, String::new()),
        (Some(i), None) => (INSTITUTION, i.to_string()),
        (None, Some(c)) => (CHANNEL, c.code().to_string()),
        (Some(_), Some(_)) => return Ok(None),
    };
    let (lo, hi) = scope.bounds();
    let sum = if filter.only_bad { "v2 + v1 + excluded" } else { "v5 + v4 + v3 + v2 + v1 + excluded" };
    let sql = format!(
        "SELECT CAST(SUM({sum}) AS BIGINT) FROM evaluation_tallies WHERE township BETWEEN $1 AND $2 AND dim = $3 AND item = $4"
    );
    let values: Vec<sea_orm::Value> = vec![(lo - lo % 1000).into(), hi.into(), dim.into(), item.into()];
    let row = conn.query_one_raw(crate::sql::raw(conn, &sql, values)).await?;
    let n: Option<i64> = row.map(|r| r.try_get_by_index::<Option<i64>>(0)).transpose()?.flatten();
    Ok(Some(u64::try_from(n.unwrap_or(0)).unwrap_or(0)))
}

pub async fn get(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    id: i64,
    reason_label: &(dyn Fn(&str) -> String + Sync),
) -> Result<Option<Evaluation>, StoreError> {
    let rows = eval::Entity::find_by_id(id).filter(in_scope(eval::Column::RegionCode, scope)).all(conn).await?;
    Ok(views(conn, cipher, rows, reason_label).await?.pop())
}

async fn views(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    rows: Vec<EvaluationRecord>,
    reason_label: &(dyn Fn(&str) -> String + Sync),
) -> Result<Vec<Evaluation>, StoreError> {
    let inst = institutions::names(conn, rows.iter().filter_map(|r| r.institution_id)).await?;
    let users = accounts::names(conn, rows.iter().filter_map(|r| r.served_by)).await?;
    let region_names = regions::names(conn, rows.iter().map(|r| r.region_code)).await?;
    let tasks = tasks_by(conn, rect::Column::EvaluationId, rows.iter().map(|r| r.id)).await?;
    rows.into_iter()
        .map(|r| {
            let level = Level::from_score("level", r.level).map_err(|_| StoreError::corrupt("evaluation level"))?;
            Ok(Evaluation {
                id: r.id,
                service_kind: ServiceKind::from_code(&r.service_kind)
                    .ok_or_else(|| StoreError::corrupt("evaluation kind"))?,
                service_id: r.service_id,
                service_number: r.service_number,
                channel: EvalChannel::from_code(&r.channel).ok_or_else(|| StoreError::corrupt("evaluation channel"))?,
                level: r.level,
                level_label: level.label().into(),
                indicators: serde_json::from_str(&r.indicators).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                reasons: codes(&r.reasons).map(reason_label).collect(),
                comment: cipher.open_text_opt(r.comment_enc.as_deref())?,
                region: DivisionCode::from_db(r.region_code)
                    .map(|c| c.to_string())
                    .ok_or_else(|| StoreError::corrupt("evaluation region"))?,
                region_name: region_names.get(&r.region_code).cloned().unwrap_or_default(),
                institution_id: r.institution_id,
                institution_name: r.institution_id.and_then(|i| inst.get(&i).cloned()).unwrap_or_default(),
                served_by_name: r.served_by.and_then(|u| users.get(&u).cloned()).unwrap_or_default(),
                real_name: r.real_name,
                excluded: r.excluded,
                rectification_id: tasks.get(&r.id).copied(),
                created_at: r.created_at,
            })
        })
        .collect()
}

/// The rectification task of each evaluation or visit (by `column`), by its id.
async fn tasks_by(
    conn: &impl ConnectionTrait,
    column: rect::Column,
    ids: impl Iterator<Item = i64>,
) -> Result<HashMap<i64, i64>, StoreError> {
    Ok(rect::Entity::find()
        .select_only()
        .column(column)
        .column(rect::Column::Id)
        .filter(column.is_in(ids))
        .into_tuple::<(Option<i64>, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(of, task)| of.map(|of| (of, task)))
        .collect())
}

// ---- tallies ----

/// The counters of one tally row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub completed: i64,
    /// Ratings by level, 5 (非常满意) first; excluded ratings are not in them.
    pub levels: [i64; 5],
    pub excluded: i64,
    pub rectified_on_time: i64,
    pub rectified_late: i64,
    pub call_back_owed: i64,
    pub called_back: i64,
}

impl Counters {
    fn array(&self) -> [i64; 11] {
        let l = self.levels;
        [
            self.completed,
            l[0],
            l[1],
            l[2],
            l[3],
            l[4],
            self.excluded,
            self.rectified_on_time,
            self.rectified_late,
            self.call_back_owed,
            self.called_back,
        ]
    }

    fn from_array(a: [i64; 11]) -> Counters {
        Counters {
            completed: a[0],
            levels: [a[1], a[2], a[3], a[4], a[5]],
            excluded: a[6],
            rectified_on_time: a[7],
            rectified_late: a[8],
            call_back_owed: a[9],
            called_back: a[10],
        }
    }

    pub fn add(&mut self, other: &Counters, sign: i64) {
        let mut a = self.array();
        for (x, y) in a.iter_mut().zip(other.array()) {
            *x += sign * y;
        }
        *self = Counters::from_array(a);
    }

    pub fn level_counts(&self) -> LevelCounts {
        LevelCounts { by_level: self.levels }
    }
}

/// What a write is attributed to: month (China time), township, institution (0: none),
/// the account that served (0: none), channel. Each is kept on four tally rows.
pub type Source = (String, i64, i64, i64, String);

/// A tally row's key: month, township, dimension, item. The dimensions: `all` (item
/// ""), `institution`, `person` (the serving account) and `channel` — a row per value
/// rather than per combination, so a district's year is a few thousand rows however
/// many ratings it holds.
pub type TallyKey = (String, i64, &'static str, String);

pub const ALL: &str = "all";
pub const INSTITUTION: &str = "institution";
pub const PERSON: &str = "person";
pub const CHANNEL: &str = "channel";
const DIMS: [&str; 4] = [ALL, INSTITUTION, PERSON, CHANNEL];

fn key_of(at: DateTime<Utc>, region: i64, institution: Option<i64>, served_by: Option<i64>, channel: &str) -> Source {
    (
        china_local(at).format("%Y-%m").to_string(),
        region - region % 1000,
        institution.unwrap_or(0),
        served_by.unwrap_or(0),
        channel.to_string(),
    )
}

/// The four rows a source is kept on.
fn rows_of(s: &Source) -> [TallyKey; 4] {
    let (month, township, inst, served, channel) = s;
    [
        (month.clone(), *township, ALL, String::new()),
        (month.clone(), *township, INSTITUTION, inst.to_string()),
        (month.clone(), *township, PERSON, served.to_string()),
        (month.clone(), *township, CHANNEL, channel.clone()),
    ]
}

fn invitation_key(i: &InvitationRecord) -> Source {
    key_of(i.created_at, i.region_code, i.institution_id, i.served_by, &i.channel)
}

fn evaluation_key(e: &EvaluationRecord) -> Source {
    key_of(e.created_at, e.region_code, e.institution_id, e.served_by, &e.channel)
}

/// What a rating adds: its level (or, excluded, only the exclusion) and the call-back
/// a real-name bad review is owed.
fn rating_counters(e: &EvaluationRecord) -> Counters {
    if e.excluded { Counters { excluded: 1, ..Default::default() } } else { level_counters(e.level, e.real_name) }
}

/// A counted rating of `level` (1–5): its level, and the call-back a real-name bad
/// review is owed.
fn level_counters(level: i64, real_name: bool) -> Counters {
    let mut c = Counters::default();
    if (1..=5).contains(&level) {
        c.levels[(5 - level) as usize] = 1;
        c.call_back_owed = i64::from(level <= 2 && real_name);
    }
    c
}

fn expand(deltas: &[(Source, Counters)]) -> BTreeMap<TallyKey, Counters> {
    let mut sums: BTreeMap<TallyKey, Counters> = BTreeMap::new();
    for (source, c) in deltas {
        for key in rows_of(source) {
            sums.entry(key).or_default().add(c, 1);
        }
    }
    sums
}

/// Moves the tallies by each source's counters, one statement per row, in a fixed order.
pub async fn tally(conn: &impl ConnectionTrait, deltas: &[(Source, Counters)]) -> Result<(), StoreError> {
    let sql = "INSERT INTO evaluation_tallies (month, township, dim, item, completed, \
                 v5, v4, v3, v2, v1, excluded, rectified_on_time, rectified_late, call_back_owed, called_back) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
               ON CONFLICT (township, month, dim, item) DO UPDATE SET \
                 completed = evaluation_tallies.completed + excluded.completed, \
                 v5 = evaluation_tallies.v5 + excluded.v5, v4 = evaluation_tallies.v4 + excluded.v4, \
                 v3 = evaluation_tallies.v3 + excluded.v3, v2 = evaluation_tallies.v2 + excluded.v2, \
                 v1 = evaluation_tallies.v1 + excluded.v1, excluded = evaluation_tallies.excluded + excluded.excluded, \
                 rectified_on_time = evaluation_tallies.rectified_on_time + excluded.rectified_on_time, \
                 rectified_late = evaluation_tallies.rectified_late + excluded.rectified_late, \
                 call_back_owed = evaluation_tallies.call_back_owed + excluded.call_back_owed, \
                 called_back = evaluation_tallies.called_back + excluded.called_back";
    for ((month, township, dim, item), c) in expand(deltas) {
        if c == Counters::default() {
            continue;
        }
        let mut values: Vec<sea_orm::Value> = vec![month.into(), township.into(), dim.into(), item.into()];
        values.extend(c.array().into_iter().map(sea_orm::Value::from));
        conn.execute_raw(crate::sql::raw(conn, sql, values)).await?;
    }
    Ok(())
}

const COLUMNS: &str = "month, township, dim, item, completed, v5, v4, v3, v2, v1, excluded, \
                       rectified_on_time, rectified_late, call_back_owed, called_back";

/// The tally rows as stored (for the exactness tests).
pub async fn tallies(conn: &impl ConnectionTrait) -> Result<BTreeMap<TallyKey, Counters>, StoreError> {
    read_tallies(conn, crate::sql::raw(conn, &format!("SELECT {COLUMNS} FROM evaluation_tallies"), vec![])).await
}

async fn read_tallies(
    conn: &impl ConnectionTrait,
    stmt: sea_orm::Statement,
) -> Result<BTreeMap<TallyKey, Counters>, StoreError> {
    let mut out: BTreeMap<TallyKey, Counters> = BTreeMap::new();
    for r in conn.query_all_raw(stmt).await? {
        let mut a = [0i64; 11];
        for (i, x) in a.iter_mut().enumerate() {
            *x = r.try_get_by_index(4 + i)?;
        }
        let dim: String = r.try_get_by_index(2)?;
        let dim = DIMS.into_iter().find(|d| *d == dim).ok_or_else(|| StoreError::corrupt("tally dimension"))?;
        let key = (r.try_get_by_index(0)?, r.try_get_by_index(1)?, dim, r.try_get_by_index(3)?);
        let c = Counters::from_array(a);
        if c != Counters::default() {
            out.entry(key).or_default().add(&c, 1);
        }
    }
    Ok(out)
}

/// Which rows a recount reads.
#[derive(Clone, Copy, Debug, Default)]
struct Within {
    scope: Option<Scope>,
    institution: Option<i64>,
}

/// The tallies as the rows say they should be: what `tally` keeps, computed afresh
/// (all of them, or those of a scope and institution).
async fn recount_within(
    conn: &impl ConnectionTrait,
    within: Within,
) -> Result<BTreeMap<TallyKey, Counters>, StoreError> {
    let mut deltas: Vec<(Source, Counters)> = Vec::new();
    let mut last = 0;
    loop {
        let mut q = invitation::Entity::find().filter(invitation::Column::Id.gt(last));
        if let Some(s) = within.scope {
            q = q.filter(in_scope(invitation::Column::RegionCode, s));
        }
        if let Some(i) = within.institution {
            q = q.filter(invitation::Column::InstitutionId.eq(i));
        }
        let page = q.order_by_asc(invitation::Column::Id).limit(5000).all(conn).await?;
        let Some(end) = page.last().map(|r| r.id) else { break };
        deltas.extend(page.iter().map(|i| (invitation_key(i), Counters { completed: 1, ..Default::default() })));
        last = end;
    }
    let mut bad: HashMap<i64, (Source, bool)> = HashMap::new();
    last = 0;
    loop {
        let mut q = eval::Entity::find().filter(eval::Column::Id.gt(last));
        if let Some(s) = within.scope {
            q = q.filter(in_scope(eval::Column::RegionCode, s));
        }
        if let Some(i) = within.institution {
            q = q.filter(eval::Column::InstitutionId.eq(i));
        }
        let page = q.order_by_asc(eval::Column::Id).limit(5000).all(conn).await?;
        let Some(end) = page.last().map(|r| r.id) else { break };
        for e in &page {
            deltas.push((evaluation_key(e), rating_counters(e)));
            if e.level <= 2 {
                bad.insert(e.id, (evaluation_key(e), e.excluded));
            }
        }
        last = end;
    }
    let mut tasks = rect::Entity::find().filter(rect::Column::EvaluationId.is_not_null());
    if let Some(s) = within.scope {
        tasks = tasks.filter(in_scope(rect::Column::RegionCode, s));
    }
    for t in tasks.all(conn).await? {
        let Some((key, excluded)) = t.evaluation_id.and_then(|e| bad.get(&e)).cloned() else { continue };
        deltas.push((key.clone(), rectified_counters(&t)?));
        if t.status == RectStatus::Closed.code() && t.real_name && !excluded {
            deltas.push((key, Counters { called_back: 1, ..Default::default() }));
        }
    }
    Ok(expand(&deltas).into_iter().filter(|(_, c)| *c != Counters::default()).collect())
}

pub async fn recount(conn: &impl ConnectionTrait) -> Result<BTreeMap<TallyKey, Counters>, StoreError> {
    recount_within(conn, Within::default()).await
}

/// Fed back on or before the due day, or after it.
fn rectified_counters(t: &RectRecord) -> Result<Counters, StoreError> {
    let Some(fed) = t.fed_back_on.as_deref() else { return Ok(Counters::default()) };
    let on_time = parse_day(fed)? <= parse_day(&t.due_on)?;
    Ok(Counters { rectified_on_time: i64::from(on_time), rectified_late: i64::from(!on_time), ..Default::default() })
}

/// The tally rows of a scope and months (`first..=last`, YYYY-MM). A village's scope
/// and a single institution's figures (a lawyer's or mediator's own) are narrower than
/// a tally row: they are recounted from their own rows instead.
pub async fn figure_rows(
    conn: &impl ConnectionTrait,
    scope: Scope,
    first: &str,
    last: &str,
    institution: Option<i64>,
) -> Result<BTreeMap<TallyKey, Counters>, StoreError> {
    if institution.is_some() || scope.root.level() == gongdao_domain::RegionLevel::Village {
        let rows = recount_within(conn, Within { scope: Some(scope), institution }).await?;
        return Ok(rows.into_iter().filter(|((m, ..), _)| m.as_str() >= first && m.as_str() <= last).collect());
    }
    let (lo, hi) = scope.bounds();
    let sql = format!(
        "SELECT {COLUMNS} FROM evaluation_tallies WHERE township BETWEEN $1 AND $2 AND month BETWEEN $3 AND $4"
    );
    let values: Vec<sea_orm::Value> = vec![(lo - lo % 1000).into(), hi.into(), first.into(), last.into()];
    read_tallies(conn, crate::sql::raw(conn, &sql, values)).await
}

/// An institution's counters over every month, from its tally rows.
/// Each institution's counters over every month (an archive's satisfaction): of one
/// institution, or of all at once (the ledger).
pub async fn institution_counters(
    conn: &impl ConnectionTrait,
    institution: Option<i64>,
) -> Result<std::collections::HashMap<i64, Counters>, StoreError> {
    let mut sql = format!("SELECT {COLUMNS} FROM evaluation_tallies WHERE dim = $1");
    let mut values: Vec<sea_orm::Value> = vec![INSTITUTION.into()];
    if let Some(i) = institution {
        sql.push_str(" AND item = $2");
        values.push(i.to_string().into());
    }
    let mut out: std::collections::HashMap<i64, Counters> = std::collections::HashMap::new();
    for ((_, _, _, item), v) in read_tallies(conn, crate::sql::raw(conn, &sql, values)).await? {
        if let Ok(id) = item.parse::<i64>() {
            out.entry(id).or_default().add(&v, 1);
        }
    }
    Ok(out)
}

// ---- supervision visits ----

pub struct NewVisit {
    pub region: DivisionCode,
    pub institution_id: i64,
    pub visited_on: NaiveDate,
    pub supervisor_id: i64,
    pub findings: String,
    pub needs_rectification: bool,
}

pub async fn insert_visit(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    v: &NewVisit,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    Ok(visit::Entity::insert(visit::ActiveModel {
        id: NotSet,
        region_code: Set(v.region.to_db()),
        institution_id: Set(v.institution_id),
        visited_on: Set(day_text(v.visited_on)),
        supervisor_id: Set(v.supervisor_id),
        findings_enc: Set(cipher.seal(&v.findings)),
        needs_rectification: Set(v.needs_rectification),
        created_at: Set(now),
    })
    .exec(conn)
    .await?
    .last_insert_id)
}

/// Visits in scope, newest first.
pub async fn visits(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    limit: u64,
) -> Result<Vec<Visit>, StoreError> {
    let rows = visit::Entity::find()
        .filter(in_scope(visit::Column::RegionCode, scope))
        .order_by_desc(visit::Column::VisitedOn)
        .order_by_desc(visit::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    let inst = institutions::names(conn, rows.iter().map(|r| r.institution_id)).await?;
    let users = accounts::names(conn, rows.iter().map(|r| r.supervisor_id)).await?;
    let tasks = tasks_by(conn, rect::Column::VisitId, rows.iter().map(|r| r.id)).await?;
    rows.into_iter()
        .map(|r| {
            Ok(Visit {
                id: r.id,
                institution_id: r.institution_id,
                institution_name: inst.get(&r.institution_id).cloned().unwrap_or_default(),
                visited_on: parse_day(&r.visited_on)?,
                supervisor_name: users.get(&r.supervisor_id).cloned().unwrap_or_default(),
                findings: cipher.open_text(&r.findings_enc)?,
                rectification_id: tasks.get(&r.id).copied(),
            })
        })
        .collect()
}

// ---- rectification tasks ----

pub struct NewRectification {
    pub source: RectSource,
    pub evaluation_id: Option<i64>,
    pub visit_id: Option<i64>,
    pub institution_id: Option<i64>,
    pub region: DivisionCode,
    pub subject: String,
    pub real_name: bool,
    pub due_on: NaiveDate,
}

pub async fn insert_rectification(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    t: &NewRectification,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    Ok(rect::Entity::insert(rect::ActiveModel {
        id: NotSet,
        source: Set(t.source.code().into()),
        evaluation_id: Set(t.evaluation_id),
        visit_id: Set(t.visit_id),
        institution_id: Set(t.institution_id),
        region_code: Set(t.region.to_db()),
        status: Set(RectStatus::Open.code().into()),
        subject_enc: Set(cipher.seal(&t.subject)),
        real_name: Set(t.real_name),
        appealed: Set(false),
        due_on: Set(day_text(t.due_on)),
        fed_back_on: Set(None),
        reminded: Set(false),
        escalated: Set(false),
        opened_at: Set(now),
        closed_at: Set(None),
        version: Set(1),
    })
    .exec(conn)
    .await?
    .last_insert_id)
}

pub async fn rectification_record(
    conn: &impl ConnectionTrait,
    scope: Scope,
    id: i64,
) -> Result<Option<RectRecord>, StoreError> {
    Ok(rect::Entity::find_by_id(id).filter(in_scope(rect::Column::RegionCode, scope)).one(conn).await?)
}

/// Unscoped, for the background jobs.
pub async fn rectification_by_id(conn: &impl ConnectionTrait, id: i64) -> Result<Option<RectRecord>, StoreError> {
    Ok(rect::Entity::find_by_id(id).one(conn).await?)
}

/// Which tasks a listing shows.
#[derive(Clone, Debug, Default)]
pub struct RectFilter {
    pub institution: Option<i64>,
    /// Only these statuses (empty: all).
    pub statuses: Vec<RectStatus>,
    pub overdue_on: Option<NaiveDate>,
    /// Only those opened in [from, to) (an assessment's period).
    pub opened: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

pub async fn rectifications(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    filter: &RectFilter,
    today: NaiveDate,
    page: Page,
) -> Result<(Vec<Rectification>, u64), StoreError> {
    let mut q = rect::Entity::find().filter(in_scope(rect::Column::RegionCode, scope));
    if let Some(i) = filter.institution {
        q = q.filter(rect::Column::InstitutionId.eq(i));
    }
    if !filter.statuses.is_empty() {
        q = q.filter(rect::Column::Status.is_in(filter.statuses.iter().map(|s| s.code())));
    }
    if let Some(d) = filter.overdue_on {
        q = q.filter(rect::Column::DueOn.lt(day_text(d))).filter(rect::Column::FedBackOn.is_null());
    }
    if let Some((from, to)) = filter.opened {
        q = q.filter(rect::Column::OpenedAt.gte(from)).filter(rect::Column::OpenedAt.lt(to));
    }
    let total = q.clone().count(conn).await?;
    let rows = q.order_by_desc(rect::Column::Id).limit(page.limit).offset(page.offset).all(conn).await?;
    Ok((rect_views(conn, cipher, rows, today).await?, total))
}

pub async fn rect_views(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    rows: Vec<RectRecord>,
    today: NaiveDate,
) -> Result<Vec<Rectification>, StoreError> {
    let inst = institutions::names(conn, rows.iter().filter_map(|r| r.institution_id)).await?;
    let region_names = regions::names(conn, rows.iter().map(|r| r.region_code)).await?;
    rows.into_iter()
        .map(|r| {
            let status = RectStatus::from_code(&r.status).ok_or_else(|| StoreError::corrupt("rectification status"))?;
            let due_on = parse_day(&r.due_on)?;
            let fed = r.fed_back_on.as_deref().map(parse_day).transpose()?;
            Ok(Rectification {
                id: r.id,
                source: RectSource::from_code(&r.source).ok_or_else(|| StoreError::corrupt("rectification source"))?,
                evaluation_id: r.evaluation_id,
                visit_id: r.visit_id,
                status,
                status_label: status.label().into(),
                institution_id: r.institution_id,
                institution_name: r.institution_id.and_then(|i| inst.get(&i).cloned()).unwrap_or_default(),
                region: DivisionCode::from_db(r.region_code)
                    .map(|c| c.to_string())
                    .ok_or_else(|| StoreError::corrupt("rectification region"))?,
                region_name: region_names.get(&r.region_code).cloned().unwrap_or_default(),
                subject: cipher.open_text(&r.subject_enc)?,
                due_on,
                overdue: fed.is_none() && status != RectStatus::Closed && today > due_on,
                real_name: r.real_name,
                appealed: r.appealed,
                on_time: fed.map(|f| f <= due_on),
                opened_at: r.opened_at,
                closed_at: r.closed_at,
                version: r.version,
            })
        })
        .collect()
}

/// What a step changes on the task row.
pub struct RectChange {
    pub status: RectStatus,
    pub appealed: bool,
    pub fed_back_on: Option<NaiveDate>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Writes a step's change at the version read; moves the figures the step decides
/// (fed back on time or late, called back).
pub async fn save_rectification(
    conn: &impl ConnectionTrait,
    before: &RectRecord,
    change: &RectChange,
) -> Result<Versioned<()>, StoreError> {
    let r = rect::Entity::update_many()
        .col_expr(rect::Column::Status, sea_orm::sea_query::Expr::value(change.status.code()))
        .col_expr(rect::Column::Appealed, sea_orm::sea_query::Expr::value(change.appealed))
        .col_expr(rect::Column::FedBackOn, sea_orm::sea_query::Expr::value(change.fed_back_on.map(day_text)))
        .col_expr(rect::Column::ClosedAt, sea_orm::sea_query::Expr::value(change.closed_at))
        .col_expr(rect::Column::Version, sea_orm::sea_query::Expr::value(before.version + 1))
        .filter(rect::Column::Id.eq(before.id))
        .filter(rect::Column::Version.eq(before.version))
        .exec(conn)
        .await?;
    if r.rows_affected != 1 {
        let current: Option<i64> = rect::Entity::find_by_id(before.id)
            .select_only()
            .column(rect::Column::Version)
            .into_tuple()
            .one(conn)
            .await?;
        return Ok(current.map_or(Versioned::NotFound, |current| Versioned::Stale { current }));
    }
    if let Some(e) = before.evaluation_id {
        let e = evaluation_record(conn, e).await?.ok_or_else(|| StoreError::corrupt("task's evaluation"))?;
        let mut after = before.clone();
        after.fed_back_on = change.fed_back_on.map(day_text);
        let mut delta = rectified_counters(&after)?;
        delta.add(&rectified_counters(before)?, -1);
        let called_back = change.status == RectStatus::Closed
            && before.status == RectStatus::CallBack.code()
            && before.real_name
            && !e.excluded;
        delta.called_back = i64::from(called_back);
        tally(conn, &[(evaluation_key(&e), delta)]).await?;
    }
    Ok(Versioned::Updated(()))
}

/// Marks the reminder or the escalation as sent.
pub async fn mark_nudged(conn: &impl ConnectionTrait, id: i64, escalated: bool) -> Result<(), StoreError> {
    let column = if escalated { rect::Column::Escalated } else { rect::Column::Reminded };
    rect::Entity::update_many()
        .col_expr(column, sea_orm::sea_query::Expr::value(true))
        .filter(rect::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// A step taken on a task, for its history.
pub struct NewRectEvent<'a> {
    pub task: i64,
    pub step: RectStep,
    pub note: &'a str,
    pub by: Option<i64>,
    pub by_name: &'a str,
    pub at: DateTime<Utc>,
}

pub async fn add_rect_event(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    e: NewRectEvent<'_>,
) -> Result<(), StoreError> {
    rect_event::Entity::insert(rect_event::ActiveModel {
        id: NotSet,
        rectification_id: Set(e.task),
        step: Set(e.step.code().into()),
        note_enc: Set(cipher.seal(e.note)),
        by_user: Set(e.by),
        by_name: Set(e.by_name.into()),
        at: Set(e.at),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

pub async fn rect_events(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    task: i64,
) -> Result<Vec<RectEvent>, StoreError> {
    let rows = rect_event::Entity::find()
        .filter(rect_event::Column::RectificationId.eq(task))
        .order_by_asc(rect_event::Column::Id)
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|r| {
            let step = RectStep::from_code(&r.step).ok_or_else(|| StoreError::corrupt("rectification step"))?;
            Ok(RectEvent {
                step,
                step_label: step.label().into(),
                note: cipher.open_text(&r.note_enc)?,
                by_name: r.by_name,
                at: r.at,
            })
        })
        .collect()
}

/// The sealed phone of the reviewer behind a task (for the call-back), opened.
pub async fn reviewer_phone(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    evaluation_id: i64,
) -> Result<Option<String>, StoreError> {
    let Some(e) = evaluation_record(conn, evaluation_id).await? else { return Ok(None) };
    let inv = invitation::Entity::find_by_id(e.invitation_id).one(conn).await?;
    Ok(match inv.and_then(|i| i.phone_enc) {
        Some(p) => Some(cipher.open(&p)?),
        None => None,
    })
}

/// The tasks opened in [from, to) in scope, counted by where they stand, in one
/// aggregate (an assessment's summary; the task rows are for its workbook).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskCounts {
    pub opened: u64,
    pub from_reviews: u64,
    pub from_visits: u64,
    pub closed: u64,
    /// Fed back by the due day, and after it.
    pub on_time: u64,
    pub late: u64,
    /// Not closed, and of them past the due day without feedback.
    pub open: u64,
    pub overdue: u64,
    pub appealed: u64,
}

pub async fn task_counts(
    conn: &impl ConnectionTrait,
    scope: Scope,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    today: NaiveDate,
) -> Result<TaskCounts, StoreError> {
    let (lo, hi) = scope.bounds();
    let n = |cond: &str| format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)");
    let sql = format!(
        "SELECT COUNT(*), {}, {}, {}, {}, {}, {}, {}, {} FROM rectifications \
         WHERE region_code BETWEEN $1 AND $2 AND opened_at >= $3 AND opened_at < $4",
        n("source = 'review'"),
        n("source = 'visit'"),
        n("status = 'closed'"),
        n("fed_back_on IS NOT NULL AND fed_back_on <= due_on"),
        n("fed_back_on IS NOT NULL AND fed_back_on > due_on"),
        n("status <> 'closed'"),
        n("status <> 'closed' AND fed_back_on IS NULL AND due_on < $5"),
        n("appealed"),
    );
    let values: Vec<sea_orm::Value> = vec![lo.into(), hi.into(), from.into(), to.into(), day_text(today).into()];
    let row =
        conn.query_one_raw(crate::sql::raw(conn, &sql, values)).await?.ok_or_else(|| StoreError::corrupt("count"))?;
    let get = |i: usize| -> Result<u64, StoreError> { Ok(u64::try_from(row.try_get_by_index::<i64>(i)?).unwrap_or(0)) };
    Ok(TaskCounts {
        opened: get(0)?,
        from_reviews: get(1)?,
        from_visits: get(2)?,
        closed: get(3)?,
        on_time: get(4)?,
        late: get(5)?,
        open: get(6)?,
        overdue: get(7)?,
        appealed: get(8)?,
    })
}

/// Counts of open tasks by status in scope (the workbench and the overview).
pub async fn open_task_counts(
    conn: &impl ConnectionTrait,
    scope: Scope,
    institution: Option<i64>,
    today: NaiveDate,
) -> Result<(u64, u64), StoreError> {
    let mut q = rect::Entity::find()
        .filter(in_scope(rect::Column::RegionCode, scope))
        .filter(rect::Column::Status.ne(RectStatus::Closed.code()));
    if let Some(i) = institution {
        q = q.filter(rect::Column::InstitutionId.eq(i));
    }
    let open = q.clone().count(conn).await?;
    let overdue =
        q.filter(rect::Column::DueOn.lt(day_text(today))).filter(rect::Column::FedBackOn.is_null()).count(conn).await?;
    Ok((open, overdue))
}
