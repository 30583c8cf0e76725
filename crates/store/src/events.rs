//! Events (活动): legal education and itinerant services, their consultations, and the
//! held events that go out to the people, read by day for the plan's key-date measure.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use gongdao_domain::DivisionCode;
use gongdao_domain::auth::Scope;
use gongdao_domain::event::{Event, EventDraft, EventKind};
use gongdao_domain::ids::InstitutionId;
use sea_orm::ConnectionTrait;

use crate::sql::{Page, raw};
use crate::{StoreError, institutions, regions};

/// The columns written for a new event, in [`INSERT`]'s order.
fn values_of(d: &EventDraft, by: Option<i64>, now: DateTime<Utc>) -> [sea_orm::Value; 11] {
    [
        d.region.to_db().into(),
        d.kind.code().into(),
        d.title.clone().into(),
        d.held_on.to_string().into(),
        d.institution_id.map(|i| i.0).into(),
        d.organisers.clone().into(),
        d.audience.into(),
        d.topic.clone().into(),
        d.held.into(),
        by.into(),
        now.into(),
    ]
}

const INSERT: &str = "INSERT INTO events (region_code, kind, title, held_on, institution_id, organisers, audience, \
                      topic, held, created_by, created_at) VALUES ";

/// Keeps a new event; answers its id.
pub async fn insert(
    conn: &impl ConnectionTrait,
    d: &EventDraft,
    by: i64,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let sql = format!("{INSERT}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id");
    let values = values_of(d, Some(by), now).to_vec();
    let row = conn.query_one_raw(raw(conn, &sql, values)).await?.ok_or_else(|| StoreError::corrupt("event id"))?;
    Ok(row.try_get_by_index(0)?)
}

/// Many events at once (the demo, the synthetic generator).
pub async fn insert_many(
    conn: &impl ConnectionTrait,
    drafts: &[EventDraft],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in drafts.chunks(500) {
        let mut sql = String::from(INSERT);
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 11);
        for (i, d) in chunk.iter().enumerate() {
            let placeholders: Vec<String> = (1..=11).map(|k| format!("${}", i * 11 + k)).collect();
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("({})", placeholders.join(", ")));
            values.extend(values_of(d, None, now));
        }
        conn.execute_raw(raw(conn, &sql, values)).await?;
    }
    Ok(())
}

const COLUMNS: &str = "id, region_code, kind, title, held_on, institution_id, organisers, audience, topic, held";

/// Events in scope, newest day first, and how many there are in all.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: Scope,
    kind: Option<EventKind>,
    page: Page,
) -> Result<(Vec<Event>, u64), StoreError> {
    let (lo, hi) = scope.bounds();
    let mut filter = String::from("region_code BETWEEN $1 AND $2");
    let mut values: Vec<sea_orm::Value> = vec![lo.into(), hi.into()];
    if let Some(k) = kind {
        filter.push_str(" AND kind = $3");
        values.push(k.code().into());
    }
    let count_sql = format!("SELECT COUNT(*) FROM events WHERE {filter}");
    let total: i64 = conn
        .query_one_raw(raw(conn, &count_sql, values.clone()))
        .await?
        .map(|r| r.try_get_by_index(0))
        .transpose()?
        .unwrap_or(0);
    let sql = format!(
        "SELECT {COLUMNS} FROM events WHERE {filter} ORDER BY held_on DESC, id DESC LIMIT {} OFFSET {}",
        page.limit, page.offset
    );
    let rows = conn.query_all_raw(raw(conn, &sql, values)).await?;
    Ok((views(conn, rows).await?, u64::try_from(total).unwrap_or(0)))
}

/// One event in scope.
pub async fn get(conn: &impl ConnectionTrait, scope: Scope, id: i64) -> Result<Option<Event>, StoreError> {
    let (lo, hi) = scope.bounds();
    let sql = format!("SELECT {COLUMNS} FROM events WHERE id = $1 AND region_code BETWEEN $2 AND $3");
    let rows = conn.query_all_raw(raw(conn, &sql, vec![id.into(), lo.into(), hi.into()])).await?;
    Ok(views(conn, rows).await?.into_iter().next())
}

/// Marks a planned event held.
pub async fn mark_held(conn: &impl ConnectionTrait, id: i64) -> Result<(), StoreError> {
    conn.execute_raw(raw(conn, "UPDATE events SET held = $1 WHERE id = $2", vec![true.into(), id.into()])).await?;
    Ok(())
}

async fn views(conn: &impl ConnectionTrait, rows: Vec<sea_orm::QueryResult>) -> Result<Vec<Event>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let kind: String = r.try_get_by_index(2)?;
        let day: String = r.try_get_by_index(4)?;
        let region: i64 = r.try_get_by_index(1)?;
        out.push(Event {
            id: r.try_get_by_index(0)?,
            kind: EventKind::from_code(&kind).ok_or_else(|| StoreError::corrupt("event kind"))?,
            title: r.try_get_by_index(3)?,
            held_on: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| StoreError::corrupt("event day"))?,
            region: DivisionCode::from_db(region).ok_or_else(|| StoreError::corrupt("event region"))?,
            region_name: String::new(),
            institution_id: r.try_get_by_index::<Option<i64>>(5)?.map(InstitutionId),
            institution_name: None,
            organisers: r.try_get_by_index(6)?,
            audience: r.try_get_by_index(7)?,
            topic: r.try_get_by_index(8)?,
            held: r.try_get_by_index(9)?,
            key_dates: Vec::new(),
            consultations: 0,
        });
    }
    let places = regions::names(conn, out.iter().map(|e| e.region.to_db())).await?;
    let organisers = institutions::names(conn, out.iter().filter_map(|e| e.institution_id.map(|i| i.0))).await?;
    let counts = consultations(conn, out.iter().map(|e| e.id).collect()).await?;
    for e in &mut out {
        e.region_name = places.get(&e.region.to_db()).cloned().unwrap_or_default();
        e.institution_name = e.institution_id.and_then(|i| organisers.get(&i.0).cloned());
        e.consultations = counts.get(&e.id).copied().unwrap_or(0);
    }
    Ok(out)
}

/// How many consultations each event took (service requests naming it).
async fn consultations(conn: &impl ConnectionTrait, ids: Vec<i64>) -> Result<HashMap<i64, i64>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    // Ids are numbers the store itself read: safe to inline, and one statement however many.
    let sql = format!(
        "SELECT event_id, COUNT(*) FROM service_requests WHERE event_id IN ({}) GROUP BY event_id",
        list.join(", ")
    );
    let rows = conn.query_all_raw(raw(conn, &sql, vec![])).await?;
    rows.iter().map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?))).collect()
}

/// The places (township or village) of an area where a held event that goes out to the
/// people took place on a day `from..=to` — each once, however many events it held.
pub async fn outreach_regions(
    conn: &impl ConnectionTrait,
    (lo, hi): (i64, i64),
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<i64>, StoreError> {
    let kinds: Vec<String> =
        EventKind::ALL.iter().filter(|k| k.goes_out()).map(|k| format!("'{}'", k.code())).collect();
    let sql = format!(
        "SELECT DISTINCT region_code FROM events WHERE held_on BETWEEN $1 AND $2 AND region_code BETWEEN $3 AND $4 \
         AND held = $5 AND kind IN ({})",
        kinds.join(", ")
    );
    let values = vec![from.to_string().into(), to.to_string().into(), lo.into(), hi.into(), true.into()];
    let rows = conn.query_all_raw(raw(conn, &sql, values)).await?;
    rows.iter().map(|r| Ok(r.try_get_by_index(0)?)).collect()
}

/// How many events there are in all (the synthetic generator's check).
pub async fn count_all(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let row = conn.query_one_raw(raw(conn, "SELECT COUNT(*) FROM events", vec![])).await?;
    Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}
