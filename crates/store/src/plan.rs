//! What the plan's measures are computed from (issue 22): lean reads of the network,
//! appointments, trainings, duty days and archives of one area (a district or a
//! township, as a region range), the monthly snapshots of each indicator, and the
//! counts of matters by month — closed months kept once counted.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use gongdao_domain::network::{Certification, InstitutionType, PersonType};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::StoreError;
use crate::entity::{institution, person};
use crate::sql::{codes, raw};

/// A region subtree, `region_code BETWEEN lo AND hi`.
pub type Bounds = (i64, i64);

/// An institution as the measures see it.
#[derive(Clone, Debug, PartialEq)]
pub struct InstitutionFact {
    pub id: i64,
    pub kind: InstitutionType,
    pub name: String,
    pub region: i64,
    pub services: Vec<String>,
    pub green_channel: bool,
    /// `none`, `district`, `city`, `province`, `national`.
    pub demonstration: String,
}

/// A person as the measures see them.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonFact {
    pub id: i64,
    pub kind: PersonType,
    pub name: String,
    pub region: i64,
    pub active: bool,
    pub certification: Certification,
}

/// The institutions of an area.
pub async fn institutions(conn: &impl ConnectionTrait, (lo, hi): Bounds) -> Result<Vec<InstitutionFact>, StoreError> {
    let rows = institution::Entity::find().filter(institution::Column::RegionCode.between(lo, hi)).all(conn).await?;
    rows.into_iter()
        .map(|m| {
            Ok(InstitutionFact {
                id: m.id,
                kind: InstitutionType::from_code(&m.kind).ok_or_else(|| StoreError::corrupt("institution kind"))?,
                name: m.name,
                region: m.region_code,
                services: codes(&m.services).map(str::to_string).collect(),
                green_channel: m.green_channel,
                demonstration: m.demonstration_level,
            })
        })
        .collect()
}

/// The people of an area.
pub async fn people(conn: &impl ConnectionTrait, (lo, hi): Bounds) -> Result<Vec<PersonFact>, StoreError> {
    let rows = person::Entity::find().filter(person::Column::RegionCode.between(lo, hi)).all(conn).await?;
    rows.into_iter().map(person_fact).collect()
}

/// People by id, wherever they are (an advisor may come from another district's firm).
pub async fn people_by_id(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<Vec<PersonFact>, StoreError> {
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows = person::Entity::find().filter(person::Column::Id.is_in(chunk.iter().copied())).all(conn).await?;
        out.extend(rows.into_iter().map(person_fact).collect::<Result<Vec<_>, _>>()?);
    }
    Ok(out)
}

fn person_fact(m: person::Model) -> Result<PersonFact, StoreError> {
    Ok(PersonFact {
        id: m.id,
        kind: PersonType::from_code(&m.kind).ok_or_else(|| StoreError::corrupt("person kind"))?,
        name: m.name,
        region: m.region_code,
        active: m.active,
        certification: Certification::from_code(&m.certification)
            .ok_or_else(|| StoreError::corrupt("certification"))?,
    })
}

/// The advisors appointed to villages of an area on `day`: (person, village) pairs.
pub async fn advisors_on(
    conn: &impl ConnectionTrait,
    (lo, hi): Bounds,
    day: NaiveDate,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let sql = "SELECT person_id, village_code FROM advisor_appointments \
               WHERE village_code BETWEEN $1 AND $2 AND since <= $3 AND (until IS NULL OR until >= $3)";
    let rows = conn.query_all_raw(raw(conn, sql, vec![lo.into(), hi.into(), day.into()])).await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
}

/// The people of `kind` in an area with a training dated `from..=to`.
pub async fn trained(
    conn: &impl ConnectionTrait,
    (lo, hi): Bounds,
    kind: PersonType,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashSet<i64>, StoreError> {
    let sql = "SELECT DISTINCT t.person_id FROM trainings t JOIN people p ON p.id = t.person_id \
               WHERE p.region_code BETWEEN $1 AND $2 AND p.kind = $3 AND t.date BETWEEN $4 AND $5";
    let values = vec![lo.into(), hi.into(), kind.code().into(), from.into(), to.into()];
    let rows = conn.query_all_raw(raw(conn, sql, values)).await?;
    rows.iter().map(|r| Ok(r.try_get_by_index(0)?)).collect()
}

/// The subjects of an area that have an integrity archive: (`institution` | `person`, id).
pub async fn archived(conn: &impl ConnectionTrait, (lo, hi): Bounds) -> Result<HashSet<(String, i64)>, StoreError> {
    let sql = "SELECT kind, subject_id FROM archives WHERE region_code BETWEEN $1 AND $2";
    let rows = conn.query_all_raw(raw(conn, sql, vec![lo.into(), hi.into()])).await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
}

/// Days on duty (distinct days of the duty roster) of each person of `kind` in an area,
/// days `from..=to`.
pub async fn duty_days(
    conn: &impl ConnectionTrait,
    (lo, hi): Bounds,
    kind: PersonType,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<i64, i64>, StoreError> {
    // Days are YYYY-MM-DD text on both backends.
    let sql = "SELECT s.person_id, COUNT(DISTINCT s.day) FROM duty_shifts s JOIN people p ON p.id = s.person_id \
               WHERE p.region_code BETWEEN $1 AND $2 AND p.kind = $3 AND s.day BETWEEN $4 AND $5 \
               GROUP BY s.person_id";
    let values = vec![lo.into(), hi.into(), kind.code().into(), from.to_string().into(), to.to_string().into()];
    let rows = conn.query_all_raw(raw(conn, sql, values)).await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
}

// ---- snapshots ----

/// An indicator's value as it stood in a month.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub region: i64,
    pub plan_id: String,
    pub indicator_id: String,
    /// YYYY-MM (China time).
    pub month: String,
    pub value: Option<f64>,
    pub target: Option<f64>,
}

/// Keeps a month's value: `replace` for the month still current (its value follows the
/// records until the month is over); otherwise only where the month has none yet.
pub async fn put_snapshot(
    conn: &impl ConnectionTrait,
    s: &Snapshot,
    replace: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let on_conflict = if replace {
        "DO UPDATE SET value = excluded.value, target = excluded.target, taken_at = excluded.taken_at"
    } else {
        "DO NOTHING"
    };
    let sql = format!(
        "INSERT INTO plan_snapshots (region_code, plan_id, indicator_id, month, value, target, taken_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (region_code, plan_id, indicator_id, month) {on_conflict}"
    );
    let values = vec![
        s.region.into(),
        s.plan_id.clone().into(),
        s.indicator_id.clone().into(),
        s.month.clone().into(),
        s.value.into(),
        s.target.into(),
        now.into(),
    ];
    conn.execute_raw(raw(conn, &sql, values)).await?;
    Ok(())
}

/// The snapshots of an area's plan, months `first..=last`, by indicator then month.
pub async fn snapshots(
    conn: &impl ConnectionTrait,
    region: i64,
    plan_id: &str,
    first: &str,
    last: &str,
) -> Result<Vec<Snapshot>, StoreError> {
    let sql = "SELECT indicator_id, month, value, target FROM plan_snapshots \
               WHERE region_code = $1 AND plan_id = $2 AND month BETWEEN $3 AND $4 ORDER BY indicator_id, month";
    let values = vec![region.into(), plan_id.into(), first.into(), last.into()];
    let rows = conn.query_all_raw(raw(conn, sql, values)).await?;
    rows.iter()
        .map(|r| {
            Ok(Snapshot {
                region,
                plan_id: plan_id.to_string(),
                indicator_id: r.try_get_by_index(0)?,
                month: r.try_get_by_index(1)?,
                value: r.try_get_by_index(2)?,
                target: r.try_get_by_index(3)?,
            })
        })
        .collect()
}

// ---- volumes ----

/// Matters received in an area in `[from, to)`, by category.
pub async fn request_counts(
    conn: &impl ConnectionTrait,
    (lo, hi): Bounds,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, i64)>, StoreError> {
    // Led by the received time (service_requests_received): a month's range, its
    // region and category read from the index alone.
    let sql = "SELECT category, COUNT(*) FROM service_requests \
               WHERE received_at >= $1 AND received_at < $2 AND region_code BETWEEN $3 AND $4 GROUP BY category";
    let rows = conn.query_all_raw(raw(conn, sql, vec![from.into(), to.into(), lo.into(), hi.into()])).await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
}

/// Mediation cases applied for in an area in `[from, to)`.
pub async fn mediation_count(
    conn: &impl ConnectionTrait,
    (lo, hi): Bounds,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let sql = "SELECT COUNT(*) FROM mediation_cases \
               WHERE applied_at >= $1 AND applied_at < $2 AND region_code BETWEEN $3 AND $4";
    let row = conn.query_one_raw(raw(conn, sql, vec![from.into(), to.into(), lo.into(), hi.into()])).await?;
    Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0))
}

/// The counts kept for an area's closed months `first..=last`: (month, series, n).
pub async fn kept_volumes(
    conn: &impl ConnectionTrait,
    region: i64,
    first: &str,
    last: &str,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    let sql = "SELECT month, series, n FROM plan_volumes WHERE region_code = $1 AND month BETWEEN $2 AND $3";
    let rows = conn.query_all_raw(raw(conn, sql, vec![region.into(), first.into(), last.into()])).await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?, r.try_get_by_index(2)?))).collect()
}

/// Keeps a closed month's count (a month already kept stays as it is).
pub async fn keep_volume(
    conn: &impl ConnectionTrait,
    region: i64,
    month: &str,
    series: &str,
    n: i64,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO plan_volumes (region_code, month, series, n) VALUES ($1, $2, $3, $4) \
               ON CONFLICT (region_code, month, series) DO NOTHING";
    conn.execute_raw(raw(conn, sql, vec![region.into(), month.into(), series.into(), n.into()])).await?;
    Ok(())
}

// ---- task reports ----

/// A progress report on a task, as kept.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskReport {
    pub id: i64,
    pub task_id: String,
    pub department: String,
    pub percent: i64,
    pub note: String,
    /// A document number or where the evidence is kept.
    pub attachment: Option<String>,
    pub reporter: String,
    pub reported_at: DateTime<Utc>,
}

/// A report to keep.
pub struct NewTaskReport<'a> {
    pub region: i64,
    pub plan_id: &'a str,
    pub task_id: &'a str,
    pub department: &'a str,
    pub percent: i64,
    pub note: &'a str,
    pub attachment: Option<&'a str>,
    pub reported_by: i64,
    pub reporter: &'a str,
}

pub async fn insert_report(
    conn: &impl ConnectionTrait,
    r: &NewTaskReport<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO plan_task_reports \
               (region_code, plan_id, task_id, department, percent, note, attachment, reported_by, reporter, reported_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    let values = vec![
        r.region.into(),
        r.plan_id.into(),
        r.task_id.into(),
        r.department.into(),
        r.percent.into(),
        r.note.into(),
        r.attachment.map(str::to_string).into(),
        r.reported_by.into(),
        r.reporter.into(),
        now.into(),
    ];
    conn.execute_raw(raw(conn, sql, values)).await?;
    Ok(())
}

/// Every report on a district's plan (or on one task of it), oldest first.
pub async fn reports(
    conn: &impl ConnectionTrait,
    region: i64,
    plan_id: &str,
    task_id: Option<&str>,
) -> Result<Vec<TaskReport>, StoreError> {
    let mut sql = "SELECT id, task_id, department, percent, note, attachment, reporter, reported_at \
                   FROM plan_task_reports WHERE region_code = $1 AND plan_id = $2"
        .to_string();
    let mut values: Vec<sea_orm::Value> = vec![region.into(), plan_id.into()];
    if let Some(t) = task_id {
        sql.push_str(" AND task_id = $3");
        values.push(t.into());
    }
    sql.push_str(" ORDER BY id");
    let rows = conn.query_all_raw(raw(conn, &sql, values)).await?;
    rows.iter()
        .map(|r| {
            Ok(TaskReport {
                id: r.try_get_by_index(0)?,
                task_id: r.try_get_by_index(1)?,
                department: r.try_get_by_index(2)?,
                percent: r.try_get_by_index(3)?,
                note: r.try_get_by_index(4)?,
                attachment: r.try_get_by_index(5)?,
                reporter: r.try_get_by_index(6)?,
                reported_at: r.try_get_by_index(7)?,
            })
        })
        .collect()
}

// ---- advisors' five items ----

/// Agricultural legal aid cases assigned to each of `people` received `from..to`.
pub async fn farm_cases_by_assignee(
    conn: &impl ConnectionTrait,
    people: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HashMap<i64, i64>, StoreError> {
    if people.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = people.iter().map(i64::to_string).collect();
    // The ids are the store's own numbers: inlined, one statement however many.
    let sql = format!(
        "SELECT assignee_id, COUNT(*) FROM legal_aid_cases WHERE assignee_id IN ({}) AND matter IN ('land', 'farming') \
         AND received_at >= $1 AND received_at < $2 GROUP BY assignee_id",
        ids.join(", ")
    );
    let rows = conn.query_all_raw(raw(conn, &sql, vec![from.into(), to.into()])).await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
}

/// Held events of `kind` in each village of an area, days `from..=to`.
pub async fn events_by_village(
    conn: &impl ConnectionTrait,
    (lo, hi): Bounds,
    kind: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<i64, i64>, StoreError> {
    let sql = "SELECT region_code, COUNT(*) FROM events WHERE held_on BETWEEN $1 AND $2 AND region_code BETWEEN $3 AND $4 \
               AND held = $5 AND kind = $6 GROUP BY region_code";
    let values = vec![from.to_string().into(), to.to_string().into(), lo.into(), hi.into(), true.into(), kind.into()];
    let rows = conn.query_all_raw(raw(conn, sql, values)).await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
}

/// Dispute screening findings recorded for each village of an area `from..to`.
pub async fn screenings_by_village(
    conn: &impl ConnectionTrait,
    (lo, hi): Bounds,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HashMap<i64, i64>, StoreError> {
    let sql = "SELECT village_code, COUNT(*) FROM screening_findings WHERE village_code BETWEEN $1 AND $2 \
               AND created_at >= $3 AND created_at < $4 GROUP BY village_code";
    let rows = conn.query_all_raw(raw(conn, sql, vec![lo.into(), hi.into(), from.into(), to.into()])).await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
}

/// Consultations received from each village of an area `from..to`.
pub async fn consultations_by_village(
    conn: &impl ConnectionTrait,
    (lo, hi): Bounds,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HashMap<i64, i64>, StoreError> {
    let sql = "SELECT region_code, COUNT(*) FROM service_requests WHERE received_at >= $1 AND received_at < $2 \
               AND region_code BETWEEN $3 AND $4 AND category = 'consultation' GROUP BY region_code";
    let rows = conn.query_all_raw(raw(conn, sql, vec![from.into(), to.into(), lo.into(), hi.into()])).await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
}

/// Every district's values kept for one month (the comparison of a city or province).
pub async fn snapshots_of_month(conn: &impl ConnectionTrait, month: &str) -> Result<Vec<Snapshot>, StoreError> {
    let sql = "SELECT region_code, plan_id, indicator_id, value, target FROM plan_snapshots WHERE month = $1";
    let rows = conn.query_all_raw(raw(conn, sql, vec![month.into()])).await?;
    rows.iter()
        .map(|r| {
            Ok(Snapshot {
                region: r.try_get_by_index(0)?,
                plan_id: r.try_get_by_index(1)?,
                indicator_id: r.try_get_by_index(2)?,
                month: month.to_string(),
                value: r.try_get_by_index(3)?,
                target: r.try_get_by_index(4)?,
            })
        })
        .collect()
}
