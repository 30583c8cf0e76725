//! Duty stations, their rosters and the services given there (值班律师). A month's
//! roster is replaced as a whole in one transaction; services are only ever added. The
//! person served and the note are sealed.

use chrono::{DateTime, NaiveDate, Utc};
use gongdao_domain::DivisionCode;
use gongdao_domain::auth::Scope;
use gongdao_domain::legal_aid::duty::{
    DutyCounts, DutyService, DutyServiceKind, DutyStation, KindCount, RosterEntry, Shift, Stage, StationMonth,
    StationPlace,
};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{duty_service as service, duty_shift as shift, duty_station as station, person};
use crate::sql::{code_set, codes, in_scope};
use crate::{Page, PiiCipher, StoreError, institutions, regions};

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> Result<NaiveDate, StoreError> {
    s.parse().map_err(|_| StoreError::Corrupt(format!("日期“{s}”无法读取")))
}

/// A new station.
pub struct NewStation {
    pub name: String,
    pub place: StationPlace,
    pub region: DivisionCode,
    pub centre_id: i64,
    pub address: String,
}

pub async fn insert_station(conn: &impl ConnectionTrait, s: NewStation, now: DateTime<Utc>) -> Result<i64, StoreError> {
    let r = station::Entity::insert(station::ActiveModel {
        id: NotSet,
        name: Set(s.name),
        place: Set(s.place.code().into()),
        region_code: Set(s.region.to_db()),
        centre_id: Set(s.centre_id),
        address: Set(s.address),
        created_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(r.last_insert_id)
}

async fn station_views(
    conn: &impl ConnectionTrait,
    models: Vec<station::Model>,
) -> Result<Vec<DutyStation>, StoreError> {
    let centres = institutions::names(conn, models.iter().map(|m| m.centre_id)).await?;
    let region_names = regions::names(conn, models.iter().map(|m| m.region_code)).await?;
    models
        .into_iter()
        .map(|m| {
            Ok(DutyStation {
                place: StationPlace::from_code(&m.place)
                    .ok_or_else(|| StoreError::Corrupt(format!("值班地点“{}”未知", m.place)))?,
                region: DivisionCode::from_db(m.region_code)
                    .ok_or_else(|| StoreError::corrupt("duty station region"))?,
                region_name: region_names.get(&m.region_code).cloned().unwrap_or_default(),
                centre_name: centres.get(&m.centre_id).cloned().unwrap_or_default(),
                id: m.id,
                name: m.name,
                centre_id: m.centre_id,
                address: m.address,
            })
        })
        .collect()
}

/// The stations in scope, by name.
pub async fn stations(conn: &impl ConnectionTrait, scope: Scope) -> Result<Vec<DutyStation>, StoreError> {
    let models = station::Entity::find()
        .filter(in_scope(station::Column::RegionCode, scope))
        .order_by_asc(station::Column::Name)
        .all(conn)
        .await?;
    station_views(conn, models).await
}

pub async fn station(conn: &impl ConnectionTrait, scope: Scope, id: i64) -> Result<Option<DutyStation>, StoreError> {
    let models = station::Entity::find_by_id(id).filter(in_scope(station::Column::RegionCode, scope)).all(conn).await?;
    Ok(station_views(conn, models).await?.pop())
}

/// Who is on duty at a station between two days (inclusive), by day.
pub async fn roster(
    conn: &impl ConnectionTrait,
    station_id: i64,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<RosterEntry>, StoreError> {
    let rows = shift::Entity::find()
        .filter(shift::Column::StationId.eq(station_id))
        .filter(shift::Column::Day.between(day_text(first), day_text(last)))
        .order_by_asc(shift::Column::Day)
        .order_by_asc(shift::Column::PersonId)
        .all(conn)
        .await?;
    let names = crate::people::names(conn, rows.iter().map(|r| r.person_id)).await?;
    rows.into_iter()
        .map(|r| {
            Ok(RosterEntry {
                day: parse_day(&r.day)?,
                person_name: names.get(&r.person_id).cloned().unwrap_or_default(),
                person_id: r.person_id,
            })
        })
        .collect()
}

/// Replaces the station's roster between two days with `shifts` (call in a transaction).
pub async fn replace_roster(
    conn: &impl ConnectionTrait,
    station_id: i64,
    first: NaiveDate,
    last: NaiveDate,
    shifts: &[Shift],
) -> Result<(), StoreError> {
    shift::Entity::delete_many()
        .filter(shift::Column::StationId.eq(station_id))
        .filter(shift::Column::Day.between(day_text(first), day_text(last)))
        .exec(conn)
        .await?;
    for chunk in shifts.chunks(500) {
        let rows = chunk.iter().map(|s| shift::ActiveModel {
            id: NotSet,
            station_id: Set(station_id),
            day: Set(day_text(s.day)),
            person_id: Set(s.person_id),
        });
        shift::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Shifts each person had at the station before `day`: who comes first next month.
pub async fn shifts_before(
    conn: &impl ConnectionTrait,
    station_id: i64,
    day: NaiveDate,
) -> Result<Vec<(i64, u32)>, StoreError> {
    let rows: Vec<(i64, i64)> = shift::Entity::find()
        .select_only()
        .column(shift::Column::PersonId)
        .column_as(shift::Column::Id.count(), "n")
        .filter(shift::Column::StationId.eq(station_id))
        .filter(shift::Column::Day.lt(day_text(day)))
        .group_by(shift::Column::PersonId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(p, n)| (p, u32::try_from(n).unwrap_or(u32::MAX))).collect())
}

pub async fn on_roster(
    conn: &impl ConnectionTrait,
    station_id: i64,
    day: NaiveDate,
    person_id: i64,
) -> Result<bool, StoreError> {
    Ok(shift::Entity::find()
        .filter(shift::Column::StationId.eq(station_id))
        .filter(shift::Column::Day.eq(day_text(day)))
        .filter(shift::Column::PersonId.eq(person_id))
        .count(conn)
        .await?
        > 0)
}

/// A service to record (already checked).
pub struct NewService {
    pub station_id: i64,
    pub region: DivisionCode,
    pub person_id: i64,
    pub served_on: NaiveDate,
    pub kinds: Vec<DutyServiceKind>,
    pub stage: Stage,
    pub client_name: Option<String>,
    pub note: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    pub forwarded_at: Option<DateTime<Utc>>,
    pub forwarded_late: bool,
}

pub async fn insert_services(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    services: Vec<NewService>,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let mut last = None;
    let mut rows = services.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<service::ActiveModel> = rows
            .by_ref()
            .take(500)
            .map(|s| service::ActiveModel {
                id: NotSet,
                station_id: Set(s.station_id),
                region_code: Set(s.region.to_db()),
                person_id: Set(s.person_id),
                served_on: Set(day_text(s.served_on)),
                kinds: Set(code_set(s.kinds.iter().map(|k| k.code()))),
                stage: Set(s.stage.code().into()),
                client_name_enc: Set(cipher.seal_opt(s.client_name.as_deref())),
                note_enc: Set(cipher.seal_opt(s.note.as_deref())),
                received_at: Set(s.received_at),
                forwarded_at: Set(s.forwarded_at),
                forwarded_late: Set(s.forwarded_late),
                created_by: Set(by),
                created_at: Set(now),
            })
            .collect();
        if chunk.len() == 1 {
            let one = chunk.into_iter().next().expect("one row");
            last = Some(service::Entity::insert(one).exec(conn).await?.last_insert_id);
        } else {
            service::Entity::insert_many(chunk).exec_without_returning(conn).await?;
        }
    }
    Ok(last)
}

/// Services in scope (of one station, when given), newest first.
pub async fn services(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    station_id: Option<i64>,
    page: Page,
) -> Result<(Vec<DutyService>, u64), StoreError> {
    let mut q = service::Entity::find().filter(in_scope(service::Column::RegionCode, scope));
    if let Some(id) = station_id {
        q = q.filter(service::Column::StationId.eq(id));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(service::Column::ServedOn)
        .order_by_desc(service::Column::Id)
        .limit(page.limit)
        .offset(page.offset)
        .all(conn)
        .await?;
    Ok((service_views(conn, cipher, rows).await?, total))
}

/// One service in scope.
pub async fn service(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    id: i64,
) -> Result<Option<DutyService>, StoreError> {
    let rows = service::Entity::find_by_id(id).filter(in_scope(service::Column::RegionCode, scope)).all(conn).await?;
    Ok(service_views(conn, cipher, rows).await?.pop())
}

/// Services as shown: names of their stations and lawyers read once, the person served
/// and the note opened.
async fn service_views(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    rows: Vec<service::Model>,
) -> Result<Vec<DutyService>, StoreError> {
    let people = crate::people::names(conn, rows.iter().map(|r| r.person_id)).await?;
    let stations = crate::sql::labels_by_id::<station::Entity>(
        conn,
        rows.iter().map(|r| r.station_id),
        station::Column::Id,
        station::Column::Name,
    )
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(DutyService {
                id: r.id,
                station_name: stations.get(&r.station_id).cloned().unwrap_or_default(),
                station_id: r.station_id,
                person_name: people.get(&r.person_id).cloned().unwrap_or_default(),
                person_id: r.person_id,
                served_on: parse_day(&r.served_on)?,
                kinds: codes(&r.kinds).filter_map(DutyServiceKind::from_code).collect(),
                stage: Stage::from_code(&r.stage).ok_or_else(|| StoreError::corrupt("duty service stage"))?,
                client_name: r.client_name_enc.as_deref().map(|s| cipher.open(s)).transpose()?,
                note: r.note_enc.as_deref().map(|s| cipher.open(s)).transpose()?,
                received_at: r.received_at,
                forwarded_at: r.forwarded_at,
                forwarded_late: r.forwarded_late,
            })
        })
        .collect()
}

/// Services by station and month, and by what was done, between two days: one pass.
pub async fn counts(
    conn: &impl ConnectionTrait,
    scope: Scope,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<DutyCounts, StoreError> {
    let (lo, hi) = scope.bounds();
    let kinds: String = DutyServiceKind::ALL
        .iter()
        .map(|k| format!(", SUM(CASE WHEN kinds LIKE '%,{},%' THEN 1 ELSE 0 END)", k.code()))
        .collect();
    let sql = format!(
        "SELECT station_id, substr(served_on, 1, 7) AS m, COUNT(*), \
           SUM(CASE WHEN forwarded_late THEN 1 ELSE 0 END){kinds} \
         FROM duty_services WHERE region_code BETWEEN $1 AND $2 AND served_on BETWEEN $3 AND $4 \
         GROUP BY station_id, m ORDER BY m, station_id"
    );
    let rows = conn
        .query_all_raw(crate::sql::raw(
            conn,
            &sql,
            vec![lo.into(), hi.into(), day_text(first).into(), day_text(last).into()],
        ))
        .await?;
    let mut out = DutyCounts::default();
    let mut by_kind = vec![0i64; DutyServiceKind::ALL.len()];
    for r in rows {
        let sum = |i: usize| r.try_get_by_index::<Option<i64>>(i).map(Option::unwrap_or_default);
        out.by_station_month.push(StationMonth {
            station_id: r.try_get_by_index(0)?,
            month: r.try_get_by_index(1)?,
            services: r.try_get_by_index(2)?,
        });
        out.forwarded_late += sum(3)?;
        for (k, n) in by_kind.iter_mut().enumerate() {
            *n += sum(4 + k)?;
        }
    }
    let forwarded = DutyServiceKind::ALL.iter().position(|k| *k == DutyServiceKind::Forwarded);
    out.forwarded = forwarded.map_or(0, |i| by_kind[i]);
    out.by_kind = DutyServiceKind::ALL
        .iter()
        .zip(by_kind)
        .map(|(k, services)| KindCount { kind: *k, label: k.label().into(), services })
        .collect();
    Ok(out)
}

/// Who may stand duty: active lawyers and legal aid staff in scope, by name.
pub async fn duty_lawyers(conn: &impl ConnectionTrait, scope: Scope) -> Result<Vec<(i64, String)>, StoreError> {
    use gongdao_domain::network::PersonType;
    let kinds = [PersonType::Lawyer, PersonType::LegalAidStaff];
    Ok(person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .column(person::Column::Name)
        .filter(in_scope(person::Column::RegionCode, scope))
        .filter(person::Column::Active.eq(true))
        .filter(person::Column::Kind.is_in(kinds.iter().map(|k| k.code())))
        .order_by_asc(person::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}
