//! Legal aid cases and their history. A step writes the whole case row at the version
//! it read (a concurrent step gets `Stale`) and adds one history entry; history entries
//! are never changed. The candidates for an assignment are read with what their scores
//! need: open cases, recent assignments and whether they or their firm acted for the
//! opposing party (one indexed lookup by the opponent's blind index).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use gongdao_domain::DivisionCode;
use gongdao_domain::auth::Scope;
use gongdao_domain::calendar::china_local;
use gongdao_domain::legal_aid::case::{
    Action, CaseStatus, Channel, Decision, Event, LegalAidCase, ObjectionStatus, TerminationGround, Verification,
};
use gongdao_domain::legal_aid::{CaseType, Hardship, Matter, Sentence, Verdict};
use gongdao_domain::network::PersonType;
use gongdao_domain::request::Group;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::entity::{legal_aid_case as case, legal_aid_event as event, legal_aid_material as material, person, user};
use crate::sql::{code_set, codes, in_scope};
use crate::{Page, PiiCipher, StoreError, Versioned, institutions, regions};
use gongdao_domain::legal_aid::materials::{Material, MaterialKind};

pub use crate::entity::legal_aid_case::Model as CaseRecord;

/// Open work of an assigned person: counted as their load.
pub const OPEN: &[CaseStatus] = &[CaseStatus::Assigned, CaseStatus::Handling, CaseStatus::ClosingReview];

/// Builds the row of a new case: everything not known at receipt empty.
pub fn new_record(number: String, region: DivisionCode, centre_id: i64, now: DateTime<Utc>, by: i64) -> CaseRecord {
    CaseRecord {
        id: 0,
        number,
        region_code: region.to_db(),
        centre_id,
        request_id: None,
        channel: Channel::Window.code().into(),
        notice_from: None,
        case_type: CaseType::Civil.code().into(),
        matter: None,
        groups: String::new(),
        applicant_name: String::new(),
        applicant_name_bidx: String::new(),
        applicant_id_enc: None,
        applicant_id_masked: None,
        applicant_phone_enc: None,
        applicant_phone_masked: None,
        household_size: None,
        household_income_fen: None,
        possible_sentence: None,
        life_or_death: false,
        minor: false,
        opponent: None,
        opponent_bidx: None,
        facts: String::new(),
        verdict: Verdict::NeedsReview.code().into(),
        hardship: Hardship::Unknown.code().into(),
        verification: Verification::Pledge.code().into(),
        urgent: false,
        green_channel: false,
        status: CaseStatus::Received.code().into(),
        received_at: now,
        accepted_at: None,
        decide_due: None,
        materials_list: None,
        decision: None,
        decided_at: None,
        decision_reason: None,
        assign_due: None,
        assigned_at: None,
        assignee_id: None,
        assignee_institution_id: None,
        assignment_override: None,
        agreement_due: None,
        agreement_signed_at: None,
        closing_report: None,
        closing_submitted_at: None,
        last_progress_at: None,
        review_score: None,
        subsidy_fen: None,
        closed_at: None,
        followed_up_at: None,
        archived_at: None,
        termination_ground: None,
        objection_status: ObjectionStatus::None.code().into(),
        objection_filed_at: None,
        objection_due: None,
        created_by: Some(by),
        updated_at: now,
        version: 1,
        personal_data_erased_at: None,
    }
}

/// The `,code,` set of groups as kept in the row.
pub fn group_set(groups: &[Group]) -> String {
    code_set(groups.iter().map(|g| g.code()))
}

pub async fn insert(conn: &impl ConnectionTrait, record: CaseRecord) -> Result<i64, StoreError> {
    tally(conn, &[(&record, 1)]).await?;
    let mut active = record.into_active_model();
    active.id = NotSet;
    let r = case::Entity::insert(active).exec(conn).await?;
    Ok(r.last_insert_id)
}

/// Inserts many cases at once (the demo and the synthetic generator).
pub async fn insert_many(conn: &impl ConnectionTrait, records: Vec<CaseRecord>) -> Result<(), StoreError> {
    let pairs: Vec<(&CaseRecord, i64)> = records.iter().map(|r| (r, 1)).collect();
    tally(conn, &pairs).await?;
    // Sixty columns a row: 400 rows keep a statement under SQLite's 32,766 parameters.
    let mut rows = records.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<case::ActiveModel> = rows
            .by_ref()
            .take(400)
            .map(|r| {
                let mut a = r.into_active_model();
                a.id = NotSet;
                a
            })
            .collect();
        case::Entity::insert_many(chunk).exec_without_returning(conn).await?;
    }
    Ok(())
}

pub async fn record(conn: &impl ConnectionTrait, scope: Scope, id: i64) -> Result<Option<CaseRecord>, StoreError> {
    Ok(case::Entity::find_by_id(id).filter(in_scope(case::Column::RegionCode, scope)).one(conn).await?)
}

/// Writes a step's changes: the whole row, if it is still at `version` (which grows by
/// one), and moves its tallies from what it was (`before`) to what it is.
pub async fn save(
    conn: &impl ConnectionTrait,
    before: &CaseRecord,
    changed: &CaseRecord,
    now: DateTime<Utc>,
) -> Result<Versioned<()>, StoreError> {
    let mut active = changed.clone().into_active_model().reset_all();
    active.id = NotSet;
    active.version = Set(changed.version + 1);
    active.updated_at = Set(now);
    let r = case::Entity::update_many()
        .set(active)
        .filter(case::Column::Id.eq(changed.id))
        .filter(case::Column::Version.eq(changed.version))
        .exec(conn)
        .await?;
    if r.rows_affected == 1 {
        tally(conn, &[(before, -1), (changed, 1)]).await?;
        return Ok(Versioned::Updated(()));
    }
    let current: Option<i64> =
        case::Entity::find_by_id(changed.id).select_only().column(case::Column::Version).into_tuple().one(conn).await?;
    Ok(current.map_or(Versioned::NotFound, |current| Versioned::Stale { current }))
}

/// Adds an entry to the case history.
pub async fn add_event(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    case_id: i64,
    action: Action,
    note: Option<&str>,
    by: Option<i64>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    event::ActiveModel {
        id: NotSet,
        case_id: Set(case_id),
        action: Set(action.code().into()),
        note: Set(cipher.seal_opt(note)),
        by_user: Set(by),
        at: Set(at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

fn fen_to_yuan(f: i64) -> f64 {
    f as f64 / 100.0
}

/// The names a page of cases shows, read once for the page.
struct Names {
    institutions: HashMap<i64, String>,
    regions: HashMap<i64, String>,
    people: HashMap<i64, String>,
}

async fn names_for(conn: &impl ConnectionTrait, models: &[CaseRecord]) -> Result<Names, StoreError> {
    let mut institution_ids: Vec<i64> = models.iter().map(|m| m.centre_id).collect();
    institution_ids.extend(models.iter().filter_map(|m| m.assignee_institution_id));
    let region_codes: Vec<i64> = models.iter().map(|m| m.region_code).collect();
    let institutions = institutions::names(conn, institution_ids).await?;
    let regions = regions::names(conn, region_codes).await?;
    let people = crate::people::names(conn, models.iter().filter_map(|m| m.assignee_id)).await?;
    Ok(Names { institutions, regions, people })
}

async fn history(conn: &impl ConnectionTrait, cipher: &PiiCipher, id: i64) -> Result<Vec<Event>, StoreError> {
    let rows =
        event::Entity::find().filter(event::Column::CaseId.eq(id)).order_by_asc(event::Column::Id).all(conn).await?;
    let users: Vec<i64> = rows.iter().filter_map(|e| e.by_user).collect();
    let user_names: HashMap<i64, String> = if users.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(users))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect()
    };
    rows.into_iter()
        .map(|e| {
            Ok(Event {
                id: e.id,
                action: Action::from_code(&e.action)
                    .ok_or_else(|| StoreError::corrupt(format!("legal aid event {} action", e.id)))?,
                note: cipher.open_text_opt(e.note.as_deref())?,
                by_name: e.by_user.and_then(|u| user_names.get(&u).cloned()),
                at: e.at,
            })
        })
        .collect()
}

fn view(cipher: &PiiCipher, m: CaseRecord, names: &Names, events: Vec<Event>) -> Result<LegalAidCase, StoreError> {
    let corrupt = |what: &str| StoreError::corrupt(format!("legal aid case {} {what}", m.id));
    let region_names = &names.regions;
    let assignee_name = m.assignee_id.and_then(|p| names.people.get(&p).cloned());
    let names = &names.institutions;
    Ok(LegalAidCase {
        id: m.id,
        region: DivisionCode::from_db(m.region_code).ok_or_else(|| corrupt("region"))?,
        region_name: region_names.get(&m.region_code).cloned().unwrap_or_default(),
        centre_name: names.get(&m.centre_id).cloned().unwrap_or_default(),
        centre_id: m.centre_id,
        request_id: m.request_id,
        channel: Channel::from_code(&m.channel).ok_or_else(|| corrupt("channel"))?,
        notice_from: m.notice_from,
        case_type: CaseType::from_code(&m.case_type).ok_or_else(|| corrupt("case type"))?,
        matter: m.matter.as_deref().map(|c| Matter::from_code(c).ok_or_else(|| corrupt("matter"))).transpose()?,
        groups: codes(&m.groups).filter_map(Group::from_code).collect(),
        applicant_name: cipher.open_text(&m.applicant_name)?,
        applicant_id_masked: m.applicant_id_masked,
        applicant_phone_masked: m.applicant_phone_masked,
        household_size: m.household_size,
        household_monthly_income: m.household_income_fen.map(fen_to_yuan),
        possible_sentence: m.possible_sentence.as_deref().and_then(Sentence::from_code),
        life_or_death: m.life_or_death,
        minor: m.minor,
        opponent: cipher.open_text_opt(m.opponent.as_deref())?,
        facts: cipher.open_text(&m.facts)?,
        verdict: Verdict::from_code(&m.verdict).ok_or_else(|| corrupt("verdict"))?,
        hardship: Hardship::from_code(&m.hardship).ok_or_else(|| corrupt("hardship"))?,
        verification: Verification::from_code(&m.verification).ok_or_else(|| corrupt("verification"))?,
        urgent: m.urgent,
        green_channel: m.green_channel,
        status: CaseStatus::from_code(&m.status).ok_or_else(|| corrupt("status"))?,
        received_at: m.received_at,
        accepted_at: m.accepted_at,
        decide_due: m.decide_due,
        materials_list: cipher.open_text_opt(m.materials_list.as_deref())?,
        decision: m.decision.as_deref().and_then(Decision::from_code),
        decided_at: m.decided_at,
        decision_reason: cipher.open_text_opt(m.decision_reason.as_deref())?,
        assign_due: m.assign_due,
        assigned_at: m.assigned_at,
        assignee_id: m.assignee_id,
        assignee_name,
        assignee_institution_id: m.assignee_institution_id,
        assignee_institution_name: m.assignee_institution_id.and_then(|i| names.get(&i).cloned()),
        assignment_override: m.assignment_override,
        agreement_due: m.agreement_due,
        agreement_signed_at: m.agreement_signed_at,
        closing_report: cipher.open_text_opt(m.closing_report.as_deref())?,
        closing_submitted_at: m.closing_submitted_at,
        last_progress_at: m.last_progress_at,
        review_score: m.review_score,
        subsidy: m.subsidy_fen.map(fen_to_yuan),
        closed_at: m.closed_at,
        followed_up_at: m.followed_up_at,
        archived_at: m.archived_at,
        termination_ground: m.termination_ground.as_deref().and_then(TerminationGround::from_code),
        objection: ObjectionStatus::from_code(&m.objection_status).ok_or_else(|| corrupt("objection"))?,
        objection_filed_at: m.objection_filed_at,
        objection_due: m.objection_due,
        events,
        number: m.number,
        version: m.version,
    })
}

pub async fn get(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    id: i64,
) -> Result<Option<LegalAidCase>, StoreError> {
    match record(conn, scope, id).await? {
        Some(m) => {
            let names = names_for(conn, std::slice::from_ref(&m)).await?;
            let events = history(conn, cipher, m.id).await?;
            Ok(Some(view(cipher, m, &names, events)?))
        }
        None => Ok(None),
    }
}

/// What a list of cases is narrowed to.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub status: Option<CaseStatus>,
    pub case_type: Option<CaseType>,
    /// Only the cases assigned to this institution (a lawyer's firm).
    pub firm: Option<i64>,
}

/// Cases in scope, newest first, without their history.
pub async fn list(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    filter: &ListFilter,
    page: Page,
) -> Result<(Vec<LegalAidCase>, u64), StoreError> {
    let mut q = case::Entity::find().filter(in_scope(case::Column::RegionCode, scope));
    if let Some(s) = filter.status {
        q = q.filter(case::Column::Status.eq(s.code()));
    }
    if let Some(t) = filter.case_type {
        q = q.filter(case::Column::CaseType.eq(t.code()));
    }
    if let Some(f) = filter.firm {
        q = q.filter(case::Column::AssigneeInstitutionId.eq(f));
    }
    // The count from the tallies where they can say it: counting a million rows is most
    // of a list's time.
    let tallied = match filter.firm {
        None => tallied_count(conn, scope, filter.status, filter.case_type).await?,
        Some(_) => None,
    };
    let total = match tallied {
        Some(n) => n,
        None => q.clone().count(conn).await?,
    };
    let models = q.order_by_desc(case::Column::Id).limit(page.limit).offset(page.offset).all(conn).await?;
    let names = names_for(conn, &models).await?;
    let out = models.into_iter().map(|m| view(cipher, m, &names, Vec::new())).collect::<Result<_, _>>()?;
    Ok((out, total))
}

/// A person who may be assigned, as the directory and the cases know them.
#[derive(Clone, Debug)]
pub struct CandidateRow {
    pub person_id: i64,
    pub name: String,
    pub kind: PersonType,
    pub institution_id: Option<i64>,
    pub institution_name: Option<String>,
    pub region: DivisionCode,
    pub specialties: Vec<String>,
    pub practice_years: u32,
    pub open_cases: u32,
    pub recent_assignments: u32,
    /// They or their firm act or acted for the opposing party of the case asked about.
    pub acted_for_opponent: bool,
}

/// The active lawyers, grassroots legal workers and legal aid staff in scope.
pub async fn candidates(
    conn: &impl ConnectionTrait,
    scope: Scope,
    opponent_bidx: Option<&str>,
    since: DateTime<Utc>,
) -> Result<Vec<CandidateRow>, StoreError> {
    let kinds = [PersonType::Lawyer, PersonType::GrassrootsLegalWorker, PersonType::LegalAidStaff];
    let people = person::Entity::find()
        .filter(in_scope(person::Column::RegionCode, scope))
        .filter(person::Column::Active.eq(true))
        .filter(person::Column::Kind.is_in(kinds.iter().map(|k| k.code())))
        .order_by_asc(person::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let mut open: HashMap<i64, u32> = HashMap::new();
    let mut recent: HashMap<i64, u32> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(i64, i64)> = case::Entity::find()
            .select_only()
            .column(case::Column::AssigneeId)
            .column_as(case::Column::Id.count(), "n")
            .filter(case::Column::AssigneeId.is_in(chunk.to_vec()))
            .filter(case::Column::Status.is_in(OPEN.iter().map(|s| s.code())))
            .group_by(case::Column::AssigneeId)
            .into_tuple()
            .all(conn)
            .await?;
        open.extend(rows.into_iter().map(|(p, n)| (p, n as u32)));
        let rows: Vec<(i64, i64)> = case::Entity::find()
            .select_only()
            .column(case::Column::AssigneeId)
            .column_as(case::Column::Id.count(), "n")
            .filter(case::Column::AssigneeId.is_in(chunk.to_vec()))
            .filter(case::Column::AssignedAt.gte(since))
            .group_by(case::Column::AssigneeId)
            .into_tuple()
            .all(conn)
            .await?;
        recent.extend(rows.into_iter().map(|(p, n)| (p, n as u32)));
    }
    // Who acted for the opponent: the people and firms assigned to cases the opponent
    // applied in.
    let (mut acted_people, mut acted_firms) = (HashSet::new(), HashSet::new());
    if let Some(bidx) = opponent_bidx {
        let rows: Vec<(Option<i64>, Option<i64>)> = case::Entity::find()
            .select_only()
            .column(case::Column::AssigneeId)
            .column(case::Column::AssigneeInstitutionId)
            .filter(case::Column::ApplicantNameBidx.eq(bidx))
            .filter(case::Column::AssigneeId.is_not_null())
            .into_tuple()
            .all(conn)
            .await?;
        for (p, f) in rows {
            acted_people.extend(p);
            acted_firms.extend(f);
        }
    }
    let inst_ids: Vec<i64> = people.iter().filter_map(|p| p.institution_id).collect();
    let inst_names = institutions::names(conn, inst_ids.iter().copied()).await?;
    let inst_regions = institutions::regions(conn, inst_ids).await?;
    people
        .into_iter()
        .map(|p| {
            let kind = PersonType::from_code(&p.kind).ok_or_else(|| StoreError::corrupt("person kind"))?;
            let region = p
                .institution_id
                .and_then(|i| inst_regions.get(&i).copied())
                .or_else(|| DivisionCode::from_db(p.region_code))
                .ok_or_else(|| StoreError::corrupt("person region"))?;
            Ok(CandidateRow {
                acted_for_opponent: acted_people.contains(&p.id)
                    || p.institution_id.is_some_and(|i| acted_firms.contains(&i)),
                person_id: p.id,
                kind,
                institution_name: p.institution_id.and_then(|i| inst_names.get(&i).cloned()),
                institution_id: p.institution_id,
                region,
                specialties: codes(&p.specialties).map(str::to_string).collect(),
                practice_years: p.practice_years.unwrap_or(0).max(0) as u32,
                open_cases: open.get(&p.id).copied().unwrap_or(0),
                recent_assignments: recent.get(&p.id).copied().unwrap_or(0),
                name: p.name,
            })
        })
        .collect()
}

/// Figures of the legal aid overview.
/// Counters of the time limits and the follow-up, on a tally's total row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub n: i64,
    pub decided: i64,
    pub decided_in_time: i64,
    pub assigned: i64,
    pub assigned_in_time: i64,
    pub green: i64,
    /// Green-channel cases assigned the day they were received (三立即).
    pub green_same_day: i64,
    /// Cases past their closure review, whose aided person is to be visited (两及时).
    pub follow_up_due: i64,
    pub followed_up: i64,
}

impl Counters {
    fn array(&self) -> [i64; 9] {
        [
            self.n,
            self.decided,
            self.decided_in_time,
            self.assigned,
            self.assigned_in_time,
            self.green,
            self.green_same_day,
            self.follow_up_due,
            self.followed_up,
        ]
    }

    fn from_array(a: [i64; 9]) -> Counters {
        Counters {
            n: a[0],
            decided: a[1],
            decided_in_time: a[2],
            assigned: a[3],
            assigned_in_time: a[4],
            green: a[5],
            green_same_day: a[6],
            follow_up_due: a[7],
            followed_up: a[8],
        }
    }

    fn add(&mut self, other: &Counters, sign: i64) {
        let mut a = self.array();
        for (x, y) in a.iter_mut().zip(other.array()) {
            *x += sign * y;
        }
        *self = Counters::from_array(a);
    }
}

/// The dimensions cases are tallied by; `All` carries the counters.
const ALL: &str = "all";
const STATUS: &str = "status";
const CASE_TYPE: &str = "case_type";
const CHANNEL: &str = "channel";
const GROUP: &str = "group";
/// Cases with at least one special group (特殊群体), for the coverage figure.
const SPECIAL: &str = "special";

/// A tally row's key: month of receipt (China time), township code, dimension, item.
type TallyKey = (String, i64, &'static str, String);

/// What one case adds to the tallies.
fn contribution(r: &CaseRecord) -> Vec<(TallyKey, Counters)> {
    let month = china_local(r.received_at).format("%Y-%m").to_string();
    let township = r.region_code - r.region_code % 1000;
    let key = |dim: &'static str, item: &str| (month.clone(), township, dim, item.to_string());
    let one = Counters { n: 1, ..Default::default() };
    let assigned_same_day = r.assigned_at.is_some_and(|a| china_local(a).date() == china_local(r.received_at).date());
    let reviewed = r.closed_at.is_some() && r.termination_ground.is_none() && r.review_score.is_some();
    let totals = Counters {
        n: 1,
        decided: i64::from(r.decided_at.is_some() && r.decide_due.is_some()),
        decided_in_time: i64::from(matches!((r.decided_at, r.decide_due), (Some(d), Some(due)) if d <= due)),
        assigned: i64::from(r.assigned_at.is_some() && r.assign_due.is_some()),
        assigned_in_time: i64::from(matches!((r.assigned_at, r.assign_due), (Some(a), Some(due)) if a <= due)),
        green: i64::from(r.green_channel),
        green_same_day: i64::from(r.green_channel && assigned_same_day),
        follow_up_due: i64::from(reviewed),
        followed_up: i64::from(reviewed && r.followed_up_at.is_some()),
    };
    let mut out = vec![
        (key(ALL, ""), totals),
        (key(STATUS, &r.status), one),
        (key(CASE_TYPE, &r.case_type), one),
        (key(CHANNEL, &r.channel), one),
    ];
    let mut any = false;
    for g in codes(&r.groups) {
        out.push((key(GROUP, g), one));
        any = true;
    }
    if any {
        out.push((key(SPECIAL, ""), one));
    }
    out
}

/// Adds `sign` times each case's contribution to the tallies, in one statement per row
/// touched.
async fn tally(conn: &impl ConnectionTrait, cases: &[(&CaseRecord, i64)]) -> Result<(), StoreError> {
    let mut sums: HashMap<TallyKey, Counters> = HashMap::new();
    for (r, sign) in cases {
        for (key, c) in contribution(r) {
            sums.entry(key).or_default().add(&c, *sign);
        }
    }
    let sql = "INSERT INTO legal_aid_tallies (month, township, dim, item, n, decided, decided_in_time, assigned, \
                 assigned_in_time, green, green_same_day, follow_up_due, followed_up) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
               ON CONFLICT (township, month, dim, item) DO UPDATE SET n = legal_aid_tallies.n + excluded.n, \
                 decided = legal_aid_tallies.decided + excluded.decided, \
                 decided_in_time = legal_aid_tallies.decided_in_time + excluded.decided_in_time, \
                 assigned = legal_aid_tallies.assigned + excluded.assigned, \
                 assigned_in_time = legal_aid_tallies.assigned_in_time + excluded.assigned_in_time, \
                 green = legal_aid_tallies.green + excluded.green, \
                 green_same_day = legal_aid_tallies.green_same_day + excluded.green_same_day, \
                 follow_up_due = legal_aid_tallies.follow_up_due + excluded.follow_up_due, \
                 followed_up = legal_aid_tallies.followed_up + excluded.followed_up";
    let mut rows: Vec<_> = sums.into_iter().filter(|(_, c)| *c != Counters::default()).collect();
    // A fixed order, so that concurrent writers lock the rows in the same order.
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for ((month, township, dim, item), c) in rows {
        let mut values: Vec<sea_orm::Value> = vec![month.into(), township.into(), dim.into(), item.into()];
        values.extend(c.array().into_iter().map(sea_orm::Value::from));
        conn.execute_raw(crate::sql::raw(conn, sql, values)).await?;
    }
    Ok(())
}

/// Builds the tallies from the cases when they are empty and there are cases (a database
/// from before the tallies, or one restored without them).
pub async fn ensure_tallies(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let tallied: Option<i64> = conn
        .query_one_raw(crate::sql::raw(conn, "SELECT COUNT(*) FROM legal_aid_tallies", vec![]))
        .await?
        .map(|r| r.try_get_by_index(0))
        .transpose()?;
    if tallied.unwrap_or(0) > 0 || case::Entity::find().count(conn).await? == 0 {
        return Ok(0);
    }
    let mut last = 0i64;
    let mut done = 0u64;
    loop {
        let page = case::Entity::find()
            .filter(case::Column::Id.gt(last))
            .order_by_asc(case::Column::Id)
            .limit(5000)
            .all(conn)
            .await?;
        let Some(end) = page.last().map(|r| r.id) else { break };
        let pairs: Vec<(&CaseRecord, i64)> = page.iter().map(|r| (r, 1)).collect();
        tally(conn, &pairs).await?;
        done += page.len() as u64;
        last = end;
    }
    Ok(done)
}

/// The overview's figures, by month of receipt, status, type, channel, township and
/// special group, with the time-limit, 三立即 and follow-up counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// (YYYY-MM, count) of applications received.
    pub by_month: Vec<(String, i64)>,
    /// (status code, count).
    pub by_status: Vec<(String, i64)>,
    /// (case type code, count).
    pub by_case_type: Vec<(String, i64)>,
    pub by_channel: Vec<(String, i64)>,
    /// (township code, count).
    pub by_township: Vec<(i64, i64)>,
    /// (group code, count).
    pub by_group: Vec<(String, i64)>,
    /// Cases with at least one special group.
    pub special: i64,
    pub totals: Counters,
}

fn fold(rows: impl IntoIterator<Item = (TallyKey, Counters)>) -> Figures {
    use std::collections::BTreeMap;
    let mut maps: HashMap<&'static str, BTreeMap<String, i64>> = HashMap::new();
    let (mut months, mut townships) = (BTreeMap::new(), BTreeMap::new());
    let mut f = Figures::default();
    for ((month, township, dim, item), c) in rows {
        match dim {
            ALL => {
                f.totals.add(&c, 1);
                *months.entry(month).or_insert(0) += c.n;
                *townships.entry(township).or_insert(0) += c.n;
            }
            SPECIAL => f.special += c.n,
            _ => *maps.entry(dim).or_default().entry(item).or_insert(0) += c.n,
        }
    }
    let mut take = |dim: &str| maps.remove(dim).unwrap_or_default().into_iter().filter(|(_, n)| *n != 0).collect();
    f.by_status = take(STATUS);
    f.by_case_type = take(CASE_TYPE);
    f.by_channel = take(CHANNEL);
    f.by_group = take(GROUP);
    f.by_month = months.into_iter().filter(|(_, n)| *n != 0).collect();
    f.by_township = townships.into_iter().filter(|(_, n)| *n != 0).collect();
    f
}

/// The figures of the cases in scope received in the months `first..=last` (YYYY-MM):
/// from the tallies, a few rows a township and month. A village's scope is narrower than
/// a tally: its cases are read and tallied here instead.
pub async fn figures(
    conn: &impl ConnectionTrait,
    scope: Scope,
    first: &str,
    last: &str,
) -> Result<Figures, StoreError> {
    let (lo, hi) = scope.bounds();
    if scope.root.level() == gongdao_domain::RegionLevel::Village {
        let cases = case::Entity::find().filter(in_scope(case::Column::RegionCode, scope)).all(conn).await?;
        let rows = cases
            .iter()
            .flat_map(contribution)
            .filter(|((month, ..), _)| month.as_str() >= first && month.as_str() <= last);
        return Ok(fold(rows.collect::<Vec<_>>()));
    }
    let sql = "SELECT month, township, dim, item, n, decided, decided_in_time, assigned, assigned_in_time, green, \
                 green_same_day, follow_up_due, followed_up FROM legal_aid_tallies \
               WHERE township BETWEEN $1 AND $2 AND month BETWEEN $3 AND $4";
    let rows = conn
        .query_all_raw(crate::sql::raw(conn, sql, vec![(lo - lo % 1000).into(), hi.into(), first.into(), last.into()]))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let dim: String = r.try_get_by_index(2)?;
        let dim = [ALL, STATUS, CASE_TYPE, CHANNEL, GROUP, SPECIAL]
            .into_iter()
            .find(|d| *d == dim)
            .ok_or_else(|| StoreError::corrupt("tally dimension"))?;
        let mut a = [0i64; 9];
        for (i, x) in a.iter_mut().enumerate() {
            *x = r.try_get_by_index(4 + i)?;
        }
        out.push((
            (r.try_get_by_index(0)?, r.try_get_by_index(1)?, dim, r.try_get_by_index(3)?),
            Counters::from_array(a),
        ));
    }
    Ok(fold(out))
}

/// How many cases in scope have the status or type given (or all), from the tallies
/// when they can say (not for a village's scope, nor for both filters at once).
pub async fn tallied_count(
    conn: &impl ConnectionTrait,
    scope: Scope,
    status: Option<CaseStatus>,
    case_type: Option<CaseType>,
) -> Result<Option<u64>, StoreError> {
    let (dim, item) = match (status, case_type) {
        (None, None) => (ALL, ""),
        (Some(s), None) => (STATUS, s.code()),
        (None, Some(t)) => (CASE_TYPE, t.code()),
        (Some(_), Some(_)) => return Ok(None),
    };
    if scope.root.level() == gongdao_domain::RegionLevel::Village {
        return Ok(None);
    }
    let (lo, hi) = scope.bounds();
    let sql = "SELECT CAST(SUM(n) AS BIGINT) FROM legal_aid_tallies WHERE township BETWEEN $1 AND $2 AND dim = $3 AND item = $4";
    let row = conn
        .query_one_raw(crate::sql::raw(conn, sql, vec![(lo - lo % 1000).into(), hi.into(), dim.into(), item.into()]))
        .await?;
    let n: Option<i64> = row.map(|r| r.try_get_by_index::<Option<i64>>(0)).transpose()?.flatten();
    Ok(Some(u64::try_from(n.unwrap_or(0)).unwrap_or(0)))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Keeps an uploaded file with a case (already checked), its name and content sealed.
pub async fn add_material(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    case_id: i64,
    file: &gongdao_domain::legal_aid::materials::CheckedFile,
    bytes: &[u8],
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Material, StoreError> {
    use base64::Engine as _;
    let sha256 = sha256_hex(bytes);
    let content = base64::engine::general_purpose::STANDARD.encode(bytes);
    let r = material::Entity::insert(material::ActiveModel {
        id: NotSet,
        case_id: Set(case_id),
        name: Set(cipher.seal(&file.name)),
        kind: Set(file.kind.code().into()),
        size: Set(bytes.len() as i64),
        sha256: Set(sha256.clone()),
        content: Set(cipher.seal(&content)),
        uploaded_by: Set(by),
        uploaded_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(Material {
        id: r.last_insert_id,
        case_id,
        name: file.name.clone(),
        kind: file.kind,
        size: bytes.len() as i64,
        sha256,
        uploaded_at: now,
    })
}

/// A material's row without its content.
#[derive(sea_orm::FromQueryResult)]
struct MaterialRow {
    id: i64,
    case_id: i64,
    name: String,
    kind: String,
    size: i64,
    sha256: String,
    uploaded_at: DateTime<Utc>,
}

impl MaterialRow {
    fn view(self, cipher: &PiiCipher) -> Result<Material, StoreError> {
        Ok(Material {
            id: self.id,
            case_id: self.case_id,
            name: cipher.open(&self.name)?,
            kind: MaterialKind::from_code(&self.kind).ok_or_else(|| StoreError::corrupt("material kind"))?,
            size: self.size,
            sha256: self.sha256,
            uploaded_at: self.uploaded_at,
        })
    }
}

/// The files of a case, oldest first, without their content.
pub async fn materials(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    case_id: i64,
) -> Result<Vec<Material>, StoreError> {
    let rows = material::Entity::find()
        .select_only()
        .columns([
            material::Column::Id,
            material::Column::CaseId,
            material::Column::Name,
            material::Column::Kind,
            material::Column::Size,
            material::Column::Sha256,
            material::Column::UploadedAt,
        ])
        .filter(material::Column::CaseId.eq(case_id))
        .order_by_asc(material::Column::Id)
        .into_model::<MaterialRow>()
        .all(conn)
        .await?;
    rows.into_iter().map(|r| r.view(cipher)).collect()
}

/// One file of a case with its content, checked against its digest.
pub async fn material(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    case_id: i64,
    id: i64,
) -> Result<Option<(Material, Vec<u8>)>, StoreError> {
    use base64::Engine as _;
    let Some(m) = material::Entity::find_by_id(id).filter(material::Column::CaseId.eq(case_id)).one(conn).await? else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cipher.open(&m.content)?)
        .map_err(|_| StoreError::corrupt("material content"))?;
    if sha256_hex(&bytes) != m.sha256 {
        return Err(StoreError::corrupt(format!("material {id} does not match its digest")));
    }
    let row = MaterialRow {
        id: m.id,
        case_id: m.case_id,
        name: m.name,
        kind: m.kind,
        size: m.size,
        sha256: m.sha256,
        uploaded_at: m.uploaded_at,
    };
    Ok(Some((row.view(cipher)?, bytes)))
}

/// The cases in scope assigned or in hand (及时追踪: due), and of them those whose last
/// contact — the last progress logged, or the assignment — is at or after `since` (done).
pub async fn tracking(
    conn: &impl ConnectionTrait,
    scope: Scope,
    since: DateTime<Utc>,
) -> Result<(i64, i64), StoreError> {
    let (lo, hi) = scope.bounds();
    let sql = "SELECT COUNT(*), CAST(SUM(CASE WHEN COALESCE(last_progress_at, assigned_at) >= $3 THEN 1 ELSE 0 END) AS BIGINT) \
               FROM legal_aid_cases WHERE region_code BETWEEN $1 AND $2 AND status IN ('assigned', 'handling')";
    let row = conn.query_one_raw(crate::sql::raw(conn, sql, vec![lo.into(), hi.into(), since.into()])).await?;
    match row {
        Some(r) => Ok((r.try_get_by_index(0)?, r.try_get_by_index::<Option<i64>>(1)?.unwrap_or(0))),
        None => Ok((0, 0)),
    }
}
