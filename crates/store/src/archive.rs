//! 诚信档案: the archives (one per institution and per legal service worker, opened in
//! the transaction that writes the directory record, and for older records by
//! [`ensure`]), their entries (only added: the tables' triggers refuse an update or a
//! delete on both backends) and the credit scores as they were computed.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use gongdao_domain::archive::{ArchiveKind, Assessment, Entry, EntryKind, NewEntry, Sanction};
use gongdao_domain::auth::Scope;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::StoreError;
use crate::entity::{archive, archive_entry as entry, archive_score as score};
use crate::sql::in_scope;

pub use crate::entity::archive::Model as ArchiveRecord;

/// The person types that keep an archive, as stored codes (kept in step with
/// `domain::archive::person_keeps_archive`).
fn archived_person_codes() -> Vec<&'static str> {
    gongdao_domain::network::PersonType::ALL
        .iter()
        .filter(|t| gongdao_domain::archive::person_keeps_archive(**t))
        .map(|t| t.code())
        .collect()
}

/// Opens the archive of a new directory record (nothing when it has one).
pub async fn open(
    conn: &impl ConnectionTrait,
    kind: ArchiveKind,
    subject_id: i64,
    region_code: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO archives (kind, subject_id, region_code, created_at) VALUES ($1, $2, $3, $4) \
               ON CONFLICT (kind, subject_id) DO NOTHING";
    conn.execute_raw(crate::sql::raw(
        conn,
        sql,
        vec![kind.code().into(), subject_id.into(), region_code.into(), now.into()],
    ))
    .await?;
    Ok(())
}

/// Opens the archives that records from before archives (or written around the use
/// cases) lack. Returns how many were opened.
pub async fn ensure(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let codes: Vec<String> = archived_person_codes().into_iter().map(|c| format!("'{c}'")).collect();
    let institutions = "INSERT INTO archives (kind, subject_id, region_code, created_at) \
                        SELECT 'institution', i.id, i.region_code, $1 FROM institutions i \
                        WHERE NOT EXISTS (SELECT 1 FROM archives a WHERE a.kind = 'institution' AND a.subject_id = i.id)";
    let people = format!(
        "INSERT INTO archives (kind, subject_id, region_code, created_at) \
         SELECT 'person', p.id, p.region_code, $1 FROM people p WHERE p.kind IN ({}) \
         AND NOT EXISTS (SELECT 1 FROM archives a WHERE a.kind = 'person' AND a.subject_id = p.id)",
        codes.join(", ")
    );
    let a = conn.execute_raw(crate::sql::raw(conn, institutions, vec![now.into()])).await?.rows_affected();
    let b = conn.execute_raw(crate::sql::raw(conn, &people, vec![now.into()])).await?.rows_affected();
    Ok(a + b)
}

pub async fn of_subject(
    conn: &impl ConnectionTrait,
    kind: ArchiveKind,
    subject_id: i64,
) -> Result<Option<ArchiveRecord>, StoreError> {
    Ok(archive::Entity::find()
        .filter(archive::Column::Kind.eq(kind.code()))
        .filter(archive::Column::SubjectId.eq(subject_id))
        .one(conn)
        .await?)
}

/// The archives in scope.
pub async fn in_scope_all(conn: &impl ConnectionTrait, scope: Scope) -> Result<Vec<ArchiveRecord>, StoreError> {
    Ok(archive::Entity::find()
        .filter(in_scope(archive::Column::RegionCode, scope))
        .order_by_asc(archive::Column::Id)
        .all(conn)
        .await?)
}

fn parse_day(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("日期“{s}”无法读取")))
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn view(m: entry::Model) -> Result<Entry, StoreError> {
    let kind = EntryKind::from_code(&m.kind).ok_or_else(|| StoreError::corrupt("archive entry kind"))?;
    Ok(Entry {
        id: m.id,
        kind,
        kind_label: kind.label().into(),
        occurred_on: parse_day(&m.occurred_on)?,
        title: m.title,
        detail: m.detail,
        source: m.source,
        assessment: m.assessment.as_deref().and_then(Assessment::from_code),
        sanction: m.sanction.as_deref().and_then(Sanction::from_code),
        period_from: m.period_from.as_deref().map(parse_day).transpose()?,
        period_to: m.period_to.as_deref().map(parse_day).transpose()?,
        days: m.days,
        corrects: m.corrects_id,
        request_id: m.request_id,
        recorded_by: m.recorded_by_name,
        recorded_at: m.recorded_at,
    })
}

/// An archive's entries, by date.
pub async fn entries(conn: &impl ConnectionTrait, archive_id: i64) -> Result<Vec<Entry>, StoreError> {
    entry::Entity::find()
        .filter(entry::Column::ArchiveId.eq(archive_id))
        .order_by_asc(entry::Column::OccurredOn)
        .order_by_asc(entry::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(view)
        .collect()
}

/// The entries of many archives, by archive.
pub async fn entries_of(
    conn: &impl ConnectionTrait,
    archive_ids: &[i64],
) -> Result<HashMap<i64, Vec<Entry>>, StoreError> {
    let mut out: HashMap<i64, Vec<Entry>> = HashMap::new();
    for chunk in archive_ids.chunks(500) {
        let rows = entry::Entity::find()
            .filter(entry::Column::ArchiveId.is_in(chunk.iter().copied()))
            .order_by_asc(entry::Column::Id)
            .all(conn)
            .await?;
        for r in rows {
            let archive = r.archive_id;
            out.entry(archive).or_default().push(view(r)?);
        }
    }
    Ok(out)
}

/// Who recorded an entry.
pub struct Recorder<'a> {
    pub user: Option<i64>,
    pub name: &'a str,
}

/// Adds an entry (already checked). Returns its id.
pub async fn add_entry(
    conn: &impl ConnectionTrait,
    archive_id: i64,
    e: &NewEntry,
    by: Recorder<'_>,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    Ok(entry::Entity::insert(entry::ActiveModel {
        id: NotSet,
        archive_id: Set(archive_id),
        kind: Set(e.kind.code().into()),
        occurred_on: Set(day_text(e.occurred_on)),
        title: Set(e.title.clone()),
        detail: Set(e.detail.clone()),
        source: Set(e.source.clone()),
        assessment: Set(e.assessment.map(|a| a.code().into())),
        sanction: Set(e.sanction.map(|s| s.code().into())),
        period_from: Set(e.period_from.map(day_text)),
        period_to: Set(e.period_to.map(day_text)),
        days: Set(e.days),
        corrects_id: Set(e.corrects),
        request_id: Set(e.request_id),
        recorded_by: Set(by.user),
        recorded_by_name: Set(by.name.into()),
        recorded_at: Set(now),
    })
    .exec(conn)
    .await?
    .last_insert_id)
}

/// A credit score as it was computed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Score {
    pub score: i64,
    pub grade: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

pub async fn add_score(conn: &impl ConnectionTrait, archive_id: i64, s: &Score) -> Result<(), StoreError> {
    score::Entity::insert(score::ActiveModel {
        id: NotSet,
        archive_id: Set(archive_id),
        score: Set(s.score),
        grade: Set(s.grade.clone()),
        reason: Set(s.reason.clone()),
        at: Set(s.at),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// An archive's scores, newest first.
pub async fn scores(conn: &impl ConnectionTrait, archive_id: i64) -> Result<Vec<Score>, StoreError> {
    Ok(score::Entity::find()
        .filter(score::Column::ArchiveId.eq(archive_id))
        .order_by_desc(score::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Score { score: m.score, grade: m.grade, reason: m.reason, at: m.at })
        .collect())
}

/// What subjects of one kind did, computed from operations (for their archives): per
/// subject id, the legal aid cases completed (archived, not terminated) by the person
/// or the firm, and the legal help given on duty (值班律师) by the person or by the
/// people of the institution. Of one subject, or of all at once (the ledger).
pub async fn done_counts(
    conn: &impl ConnectionTrait,
    kind: ArchiveKind,
    subject: Option<i64>,
) -> Result<HashMap<i64, Done>, StoreError> {
    let (assignee, duty) = match kind {
        ArchiveKind::Person => {
            ("assignee_id", "SELECT s.person_id, COUNT(*) FROM duty_services s WHERE s.person_id IS NOT NULL")
        }
        ArchiveKind::Institution => (
            "assignee_institution_id",
            "SELECT p.institution_id, COUNT(*) FROM duty_services s JOIN people p ON p.id = s.person_id \
             WHERE p.institution_id IS NOT NULL",
        ),
    };
    let duty_subject = if kind == ArchiveKind::Person { "s.person_id" } else { "p.institution_id" };
    let legal_aid = format!(
        "SELECT {assignee}, COUNT(*) FROM legal_aid_cases \
         WHERE archived_at IS NOT NULL AND termination_ground IS NULL AND {assignee} IS NOT NULL"
    );
    let only = |column: &str| if subject.is_some() { format!(" AND {column} = $1") } else { String::new() };
    let values: Vec<sea_orm::Value> = subject.into_iter().map(Into::into).collect();
    let mut out: HashMap<i64, Done> = HashMap::new();
    for (sql, duty_counts) in [
        (format!("{legal_aid}{} GROUP BY {assignee}", only(assignee)), false),
        (format!("{duty}{} GROUP BY {duty_subject}", only(duty_subject)), true),
    ] {
        for r in conn.query_all_raw(crate::sql::raw(conn, &sql, values.clone())).await? {
            let (id, n): (i64, i64) = (r.try_get_by_index(0)?, r.try_get_by_index(1)?);
            let done = out.entry(id).or_default();
            if duty_counts { done.duty_services = n } else { done.legal_aid_cases = n }
        }
    }
    Ok(out)
}

/// A subject's counts in [`done_counts`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Done {
    pub legal_aid_cases: i64,
    pub duty_services: i64,
}
