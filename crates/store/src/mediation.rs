//! People's mediation cases, their parties and sessions, and screening campaigns.

use chrono::{DateTime, NaiveDate, Utc};
use gongdao_domain::DivisionCode;
use gongdao_domain::auth::Scope;
use gongdao_domain::mediation::{
    Agreement, CaseDraft, CaseSource, CaseStatus, Confirmation, DisputeType, Finding, FindingDraft, MediationCase,
    Party, PartyRole, Performance, Screening, Session, SessionDraft,
};
use gongdao_domain::network::Gender;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{
    mediation_case as case, mediation_party as party, mediation_session as session, screening_campaign as campaign,
    screening_finding as finding,
};
use crate::sql::in_scope;
use crate::{Page, PiiCipher, StoreError, Versioned, institutions, regions};

pub use crate::entity::mediation_case::Model as CaseRecord;

pub struct NewCase<'a> {
    pub number: &'a str,
    pub draft: &'a CaseDraft,
    pub region: DivisionCode,
    pub by: i64,
    pub now: DateTime<Utc>,
}

pub async fn insert(conn: &impl ConnectionTrait, cipher: &PiiCipher, new: &NewCase<'_>) -> Result<i64, StoreError> {
    let d = new.draft;
    let r = case::Entity::insert(case::ActiveModel {
        id: NotSet,
        number: Set(new.number.to_string()),
        committee_id: Set(d.committee_id),
        region_code: Set(new.region.to_db()),
        dispute_type: Set(d.dispute_type.code().into()),
        source: Set(d.source.code().into()),
        request_id: Set(d.request_id),
        summary: Set(cipher.seal(&d.summary)),
        status: Set(CaseStatus::Applied.code().into()),
        applied_at: Set(new.now),
        accepted_at: Set(None),
        due_at: Set(None),
        refused_reason: Set(None),
        failure_guidance: Set(None),
        agreement_facts: Set(None),
        agreement_terms: Set(None),
        agreement_performance: Set(None),
        agreement_signed_on: Set(None),
        agreement_oral: Set(false),
        confirmation_due: Set(None),
        confirmation: Set(Confirmation::None.code().into()),
        confirmation_court: Set(None),
        performance: Set(Performance::Pending.code().into()),
        performance_note: Set(None),
        closed_at: Set(None),
        created_by: Set(Some(new.by)),
        updated_at: Set(new.now),
        version: Set(1),
    })
    .exec(conn)
    .await?;
    let id = r.last_insert_id;
    party::Entity::insert_many(d.parties.iter().map(|p| party::ActiveModel {
        id: NotSet,
        case_id: Set(id),
        role: Set(p.role.code().into()),
        name: Set(cipher.seal(&p.name)),
        phone_enc: Set(p.phone.as_ref().map(|x| cipher.seal(x.as_str()))),
        phone_masked: Set(p.phone.as_ref().map(|x| x.masked())),
        id_enc: Set(p.id_number.as_ref().map(|x| cipher.seal(x.as_str()))),
        id_masked: Set(p.id_number.as_ref().map(|x| x.masked())),
        address: Set(cipher.seal_opt(p.address.as_deref())),
        gender: Set(p.gender.map(|g| g.code().to_string())),
        birth_year: Set(p.birth_year),
        ethnicity: Set(p.ethnicity.clone()),
        occupation: Set(p.occupation.clone()),
        employer: Set(cipher.seal_opt(p.employer.as_deref())),
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}

pub async fn record(conn: &impl ConnectionTrait, scope: Scope, id: i64) -> Result<Option<CaseRecord>, StoreError> {
    Ok(case::Entity::find_by_id(id).filter(in_scope(case::Column::RegionCode, scope)).one(conn).await?)
}

/// The phones of a case's parties, opened (for reminders).
pub async fn party_phones(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    id: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = party::Entity::find().filter(party::Column::CaseId.eq(id)).all(conn).await?;
    let mut out = Vec::new();
    for p in rows {
        if let Some(enc) = p.phone_enc {
            out.push((cipher.open_text(&p.name)?, cipher.open(&enc)?));
        }
    }
    Ok(out)
}

pub async fn case_by_id(conn: &impl ConnectionTrait, id: i64) -> Result<Option<CaseRecord>, StoreError> {
    Ok(case::Entity::find_by_id(id).one(conn).await?)
}

async fn view(conn: &impl ConnectionTrait, cipher: &PiiCipher, m: CaseRecord) -> Result<MediationCase, StoreError> {
    let corrupt = |what: &str| StoreError::corrupt(format!("mediation case {} {what}", m.id));
    let names = institutions::names(conn, [m.committee_id]).await?;
    let parties =
        party::Entity::find().filter(party::Column::CaseId.eq(m.id)).order_by_asc(party::Column::Id).all(conn).await?;
    let sessions = session::Entity::find()
        .filter(session::Column::CaseId.eq(m.id))
        .order_by_asc(session::Column::HeldAt)
        .all(conn)
        .await?;
    let agreement = match (
        &m.agreement_facts,
        &m.agreement_terms,
        &m.agreement_performance,
        m.agreement_signed_on,
        m.confirmation_due,
    ) {
        (Some(f), Some(t), Some(p), Some(s), Some(c)) => Some(Agreement {
            facts: cipher.open_text(f)?,
            terms: cipher.open_text(t)?,
            performance: p.clone(),
            signed_on: s,
            oral: m.agreement_oral,
            effective_on: s,
            confirmation_due: c,
        }),
        _ => None,
    };
    Ok(MediationCase {
        id: m.id,
        committee_name: names.get(&m.committee_id).cloned().unwrap_or_default(),
        committee_id: m.committee_id,
        region: DivisionCode::from_db(m.region_code).ok_or_else(|| corrupt("region"))?,
        dispute_type: DisputeType::from_code(&m.dispute_type).ok_or_else(|| corrupt("type"))?,
        source: CaseSource::from_code(&m.source).ok_or_else(|| corrupt("source"))?,
        status: CaseStatus::from_code(&m.status).ok_or_else(|| corrupt("status"))?,
        confirmation: Confirmation::from_code(&m.confirmation).ok_or_else(|| corrupt("confirmation"))?,
        performance: Performance::from_code(&m.performance).ok_or_else(|| corrupt("performance"))?,
        parties: parties
            .into_iter()
            .map(|p| {
                Ok(Party {
                    id: p.id,
                    role: PartyRole::from_code(&p.role).ok_or_else(|| StoreError::corrupt("party role"))?,
                    name: cipher.open_text(&p.name)?,
                    phone_masked: p.phone_masked,
                    id_masked: p.id_masked,
                    address: cipher.open_text_opt(p.address.as_deref())?,
                    gender: p.gender.as_deref().and_then(Gender::from_code),
                    birth_year: p.birth_year,
                    ethnicity: p.ethnicity,
                    occupation: p.occupation,
                    employer: cipher.open_text_opt(p.employer.as_deref())?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        sessions: sessions
            .into_iter()
            .map(|s| {
                Ok(Session {
                    id: s.id,
                    held_at: s.held_at,
                    place: s.place,
                    mediators: s.mediators,
                    present: cipher.open_text(&s.present)?,
                    record: cipher.open_text(&s.record)?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        agreement,
        number: m.number,
        request_id: m.request_id,
        summary: cipher.open_text(&m.summary)?,
        applied_at: m.applied_at,
        accepted_at: m.accepted_at,
        due_at: m.due_at,
        refused_reason: m.refused_reason,
        failure_guidance: m.failure_guidance,
        confirmation_court: m.confirmation_court,
        performance_note: m.performance_note,
        version: m.version,
    })
}

pub async fn get(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    id: i64,
) -> Result<Option<MediationCase>, StoreError> {
    match record(conn, scope, id).await? {
        Some(m) => Ok(Some(view(conn, cipher, m).await?)),
        None => Ok(None),
    }
}

/// Cases in scope, open ones first, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    status: Option<CaseStatus>,
    page: Page,
) -> Result<(Vec<MediationCase>, u64), StoreError> {
    let mut q = case::Entity::find().filter(in_scope(case::Column::RegionCode, scope));
    if let Some(s) = status {
        q = q.filter(case::Column::Status.eq(s.code()));
    }
    let total = q.clone().count(conn).await?;
    let models = q.order_by_desc(case::Column::Id).limit(page.limit).offset(page.offset).all(conn).await?;
    let mut out = Vec::with_capacity(models.len());
    for m in models {
        out.push(view(conn, cipher, m).await?);
    }
    Ok((out, total))
}

/// An agreement as the store writes it: the facts and terms sealed.
#[derive(Clone, Debug)]
pub struct AgreementRecord {
    pub facts: crate::pii::Sealed,
    pub terms: crate::pii::Sealed,
    pub performance: String,
    pub signed_on: NaiveDate,
    pub oral: bool,
    pub confirmation_due: NaiveDate,
}

/// A change to a case; `None` leaves a field unchanged.
#[derive(Clone, Debug, Default)]
pub struct CaseUpdate {
    pub status: Option<CaseStatus>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
    pub refused_reason: Option<String>,
    pub failure_guidance: Option<String>,
    pub agreement: Option<AgreementRecord>,
    pub confirmation: Option<(Confirmation, Option<String>)>,
    pub performance: Option<(Performance, Option<String>)>,
    pub closed_at: Option<DateTime<Utc>>,
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: i64,
    version: i64,
    u: &CaseUpdate,
    now: DateTime<Utc>,
) -> Result<Versioned<()>, StoreError> {
    let mut q = case::Entity::update_many()
        .col_expr(case::Column::UpdatedAt, now.into())
        .col_expr(case::Column::Version, Expr::col(case::Column::Version).add(1))
        .filter(case::Column::Id.eq(id))
        .filter(case::Column::Version.eq(version));
    if let Some(s) = u.status {
        q = q.col_expr(case::Column::Status, s.code().into());
    }
    if let Some(a) = u.accepted_at {
        q = q.col_expr(case::Column::AcceptedAt, Some(a).into());
    }
    if let Some(d) = u.due_at {
        q = q.col_expr(case::Column::DueAt, Some(d).into());
    }
    if let Some(r) = &u.refused_reason {
        q = q.col_expr(case::Column::RefusedReason, Some(r.clone()).into());
    }
    if let Some(g) = &u.failure_guidance {
        q = q.col_expr(case::Column::FailureGuidance, Some(g.clone()).into());
    }
    if let Some(a) = &u.agreement {
        q = q
            .col_expr(case::Column::AgreementFacts, Some(a.facts.clone().into_inner()).into())
            .col_expr(case::Column::AgreementTerms, Some(a.terms.clone().into_inner()).into())
            .col_expr(case::Column::AgreementPerformance, Some(a.performance.clone()).into())
            .col_expr(case::Column::AgreementSignedOn, Some(a.signed_on).into())
            .col_expr(case::Column::AgreementOral, a.oral.into())
            .col_expr(case::Column::ConfirmationDue, Some(a.confirmation_due).into());
    }
    if let Some((c, court)) = &u.confirmation {
        q = q
            .col_expr(case::Column::Confirmation, c.code().into())
            .col_expr(case::Column::ConfirmationCourt, court.clone().into());
    }
    if let Some((p, note)) = &u.performance {
        q = q
            .col_expr(case::Column::Performance, p.code().into())
            .col_expr(case::Column::PerformanceNote, note.clone().into());
    }
    if let Some(c) = u.closed_at {
        q = q.col_expr(case::Column::ClosedAt, Some(c).into());
    }
    if q.exec(conn).await?.rows_affected == 1 {
        return Ok(Versioned::Updated(()));
    }
    let current: Option<i64> =
        case::Entity::find_by_id(id).select_only().column(case::Column::Version).into_tuple().one(conn).await?;
    Ok(current.map_or(Versioned::NotFound, |current| Versioned::Stale { current }))
}

pub async fn add_session(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    id: i64,
    s: &SessionDraft,
    held_at: DateTime<Utc>,
    by: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    session::Entity::insert(session::ActiveModel {
        id: NotSet,
        case_id: Set(id),
        held_at: Set(held_at),
        place: Set(s.place.clone()),
        mediators: Set(s.mediators.clone()),
        present: Set(cipher.seal(&s.present)),
        record: Set(cipher.seal(&s.record)),
        created_by: Set(Some(by)),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

pub async fn insert_campaign(
    conn: &impl ConnectionTrait,
    title: &str,
    region: DivisionCode,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let r = campaign::Entity::insert(campaign::ActiveModel {
        id: NotSet,
        title: Set(title.to_string()),
        region_code: Set(region.to_db()),
        starts_on: Set(starts_on),
        ends_on: Set(ends_on),
        created_by: Set(Some(by)),
        created_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(r.last_insert_id)
}

pub async fn add_finding(
    conn: &impl ConnectionTrait,
    campaign_id: i64,
    f: &FindingDraft,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    finding::Entity::insert(finding::ActiveModel {
        id: NotSet,
        campaign_id: Set(campaign_id),
        village_code: Set(f.village.to_db()),
        dispute_type: Set(f.dispute_type.code().into()),
        count: Set(f.count),
        resolved: Set(f.resolved),
        note: Set(f.note.clone()),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// Campaigns in scope with their findings.
pub async fn campaigns(conn: &impl ConnectionTrait, scope: Scope) -> Result<Vec<Screening>, StoreError> {
    let models = campaign::Entity::find()
        .filter(in_scope(campaign::Column::RegionCode, scope))
        .order_by_desc(campaign::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<i64> = models.iter().map(|m| m.id).collect();
    let findings = if ids.is_empty() {
        Vec::new()
    } else {
        finding::Entity::find()
            .filter(finding::Column::CampaignId.is_in(ids))
            .order_by_asc(finding::Column::VillageCode)
            .all(conn)
            .await?
    };
    let codes: Vec<i64> = models.iter().map(|m| m.region_code).chain(findings.iter().map(|f| f.village_code)).collect();
    let names = regions::names(conn, codes).await?;
    models
        .into_iter()
        .map(|m| {
            let mine: Vec<Finding> = findings
                .iter()
                .filter(|f| f.campaign_id == m.id)
                .map(|f| {
                    Ok(Finding {
                        id: f.id,
                        village: DivisionCode::from_db(f.village_code)
                            .ok_or_else(|| StoreError::corrupt("finding village"))?,
                        village_name: names.get(&f.village_code).cloned().unwrap_or_default(),
                        dispute_type: DisputeType::from_code(&f.dispute_type)
                            .ok_or_else(|| StoreError::corrupt("finding type"))?,
                        count: f.count,
                        resolved: f.resolved,
                        note: f.note.clone(),
                    })
                })
                .collect::<Result<_, StoreError>>()?;
            Ok(Screening {
                id: m.id,
                title: m.title,
                region: DivisionCode::from_db(m.region_code).ok_or_else(|| StoreError::corrupt("campaign region"))?,
                region_name: names.get(&m.region_code).cloned().unwrap_or_default(),
                starts_on: m.starts_on,
                ends_on: m.ends_on,
                total: mine.iter().map(|f| i64::from(f.count)).sum(),
                resolved: mine.iter().map(|f| i64::from(f.resolved)).sum(),
                findings: mine,
            })
        })
        .collect()
}

pub async fn campaign_region(
    conn: &impl ConnectionTrait,
    scope: Scope,
    id: i64,
) -> Result<Option<DivisionCode>, StoreError> {
    let m = campaign::Entity::find_by_id(id).filter(in_scope(campaign::Column::RegionCode, scope)).one(conn).await?;
    Ok(m.and_then(|m| DivisionCode::from_db(m.region_code)))
}
