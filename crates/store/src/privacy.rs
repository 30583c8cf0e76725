//! Erasing the personal data of finished work when its retention period has passed
//! (个人信息保护法 第十九条、第四十七条). The record stays for the statistics — category,
//! channel, region, dates, owner, outcome, the groups served, a party's gender and age —
//! while names, phones, ID numbers, addresses, employers and the words of the facts
//! (descriptions, replies, timeline notes, SMS texts, summaries, agreements, session
//! records) are replaced by a sealed marker or removed. Which rows are due is decided by
//! the services from the district's rules; this module finds candidates and erases one
//! finished piece of work at a time, each in the caller's transaction.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::StoreError;
use crate::entity::{booking, mediation_case, service_request};
use crate::pii::PiiCipher;
use crate::sql::raw;

/// What replaces a name.
pub const ERASED_NAME: &str = "（已清除）";
/// What replaces the words of the facts.
pub const ERASED_TEXT: &str = "（个人信息已按保存期限清除）";

/// A finished piece of work: when it finished and the region whose rules keep it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finished {
    pub id: i64,
    pub region: i64,
    pub finished_at: DateTime<Utc>,
}

const NOT_ERASED: &str = "personal_data_erased_at IS NULL";

/// Rows of `E` whose finishing time `at` is before `before`, not yet erased, after id
/// `after`, with their region.
async fn finished<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    [id, region, at]: [E::Column; 3],
    also: Condition,
    (before, after, limit): (DateTime<Utc>, i64, u64),
) -> Result<Vec<Finished>, StoreError> {
    let rows: Vec<(i64, i64, Option<DateTime<Utc>>)> = E::find()
        .select_only()
        .columns([id, region, at])
        .filter(also)
        .filter(at.lt(before))
        .filter(id.gt(after))
        .filter(Expr::cust(NOT_ERASED))
        .order_by_asc(id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(id, region, at)| Some(Finished { id, region, finished_at: at? })).collect())
}

/// Archived matters finished before `before`, not yet erased, after id `after`.
pub async fn closed_matters(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
    after: i64,
    limit: u64,
) -> Result<Vec<Finished>, StoreError> {
    use service_request::Column as C;
    let archived = Condition::all().add(C::Status.eq("closed"));
    finished::<service_request::Entity>(conn, [C::Id, C::RegionCode, C::ClosedAt], archived, (before, after, limit))
        .await
}

/// Mediation cases closed before `before`, not yet erased, after id `after`.
pub async fn closed_mediation_cases(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
    after: i64,
    limit: u64,
) -> Result<Vec<Finished>, StoreError> {
    use mediation_case::Column as C;
    finished::<mediation_case::Entity>(
        conn,
        [C::Id, C::RegionCode, C::ClosedAt],
        Condition::all(),
        (before, after, limit),
    )
    .await
}

/// Legal aid cases closed (or refused, or terminated) before `before`, not yet erased,
/// after id `after`.
pub async fn closed_legal_aid_cases(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
    after: i64,
    limit: u64,
) -> Result<Vec<Finished>, StoreError> {
    use crate::entity::legal_aid_case::Column as C;
    finished::<crate::entity::legal_aid_case::Entity>(
        conn,
        [C::Id, C::RegionCode, C::ClosedAt],
        Condition::all(),
        (before, after, limit),
    )
    .await
}

/// Erases a legal aid case's applicant (name, ID number, phone), the opposing party, the
/// facts, the materials list and the uploaded materials, the closing report and the notes
/// of its history, with the blind indexes of the names; type, matter, groups, region,
/// dates, decision and the assignment stay for the statistics.
pub async fn erase_legal_aid_case(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let text = || sea_orm::Value::from(cipher.seal(ERASED_TEXT));
    let done = exec(
        conn,
        "UPDATE legal_aid_cases SET applicant_name = $1, applicant_name_bidx = '', applicant_id_enc = NULL, \
         applicant_id_masked = NULL, applicant_phone_enc = NULL, applicant_phone_masked = NULL, \
         opponent = CASE WHEN opponent IS NULL THEN NULL ELSE $2 END, opponent_bidx = NULL, facts = $3, \
         materials_list = CASE WHEN materials_list IS NULL THEN NULL ELSE $4 END, \
         closing_report = CASE WHEN closing_report IS NULL THEN NULL ELSE $5 END, \
         decision_reason = CASE WHEN decision_reason IS NULL THEN NULL ELSE $6 END, \
         personal_data_erased_at = $7, version = version + 1 \
         WHERE id = $8 AND personal_data_erased_at IS NULL",
        vec![
            cipher.seal(ERASED_NAME).into(),
            cipher.seal(ERASED_NAME).into(),
            text(),
            text(),
            text(),
            text(),
            now.into(),
            id.into(),
        ],
    )
    .await?;
    if done == 0 {
        return Ok(false);
    }
    exec(
        conn,
        "UPDATE legal_aid_events SET note = CASE WHEN note IS NULL THEN NULL ELSE $1 END WHERE case_id = $2",
        vec![text(), id.into()],
    )
    .await?;
    // The uploaded materials (ID cards, pay slips …) go altogether.
    exec(conn, "DELETE FROM legal_aid_materials WHERE case_id = $1", vec![id.into()]).await?;
    Ok(true)
}

/// Bookings made before `before`, not yet erased, after id `after`, with the region of
/// the service point they were made at.
pub async fn old_bookings(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
    after: i64,
    limit: u64,
) -> Result<Vec<Finished>, StoreError> {
    use booking::Column as C;
    let rows: Vec<(i64, i64, DateTime<Utc>)> = booking::Entity::find()
        .select_only()
        .columns([C::Id, C::SlotId, C::CreatedAt])
        .filter(C::CreatedAt.lt(before))
        .filter(C::Id.gt(after))
        .filter(Expr::cust(NOT_ERASED))
        .order_by_asc(C::Id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let slots: Vec<String> = rows.iter().map(|(_, slot, _)| slot.to_string()).collect();
    let sql = format!(
        "SELECT s.id, i.region_code FROM appointment_slots s JOIN institutions i ON i.id = s.institution_id \
         WHERE s.id IN ({})",
        slots.join(",")
    );
    let mut region_of = std::collections::HashMap::new();
    for row in conn.query_all_raw(raw(conn, &sql, vec![])).await? {
        region_of.insert(row.try_get_by_index::<i64>(0)?, row.try_get_by_index::<i64>(1)?);
    }
    rows.into_iter()
        .map(|(id, slot, at)| {
            let region = *region_of.get(&slot).ok_or_else(|| StoreError::corrupt(format!("booking {id} slot")))?;
            Ok(Finished { id, region, finished_at: at })
        })
        .collect()
}

async fn exec(conn: &impl ConnectionTrait, sql: &str, values: Vec<sea_orm::Value>) -> Result<u64, StoreError> {
    Ok(conn.execute_raw(raw(conn, sql, values)).await?.rows_affected())
}

/// Erases a matter's personal data with its timeline notes, SMS and bookings. Answers
/// false when it was erased already (by another instance).
pub async fn erase_matter(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = exec(
        conn,
        "UPDATE service_requests SET requester_name = $1, requester_name_bidx = NULL, requester_phone_enc = NULL, \
         requester_phone_masked = NULL, requester_id_enc = NULL, requester_id_masked = NULL, \
         requester_address = NULL, description = $2, reply = NULL, personal_data_erased_at = $3, \
         version = version + 1 WHERE id = $4 AND personal_data_erased_at IS NULL",
        vec![cipher.seal(ERASED_NAME).into(), cipher.seal(ERASED_TEXT).into(), now.into(), id.into()],
    )
    .await?;
    if done == 0 {
        return Ok(false);
    }
    exec(conn, "UPDATE request_events SET note = NULL WHERE request_id = $1", vec![id.into()]).await?;
    exec(
        conn,
        "UPDATE outbox SET recipient_phone_enc = NULL, recipient_masked = NULL, body = $1 WHERE request_id = $2",
        vec![cipher.seal(ERASED_TEXT).into(), id.into()],
    )
    .await?;
    erase_bookings(conn, cipher, "request_id", id, now).await?;
    Ok(true)
}

/// Erases a booking's name, phone, address and reason.
pub async fn erase_booking(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(erase_bookings(conn, cipher, "id", id, now).await? > 0)
}

/// Erases the bookings whose `column` (`id` or `request_id`) is `value`.
async fn erase_bookings(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    column: &str,
    value: i64,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let sql = format!(
        "UPDATE bookings SET name = $1, phone_enc = $2, phone_masked = '', address = NULL, reason = $3, \
         personal_data_erased_at = $4 WHERE {column} = $5 AND personal_data_erased_at IS NULL"
    );
    let values = vec![
        cipher.seal(ERASED_NAME).into(),
        cipher.seal("").into(),
        cipher.seal(ERASED_TEXT).into(),
        now.into(),
        value.into(),
    ];
    exec(conn, &sql, values).await
}

/// Erases a mediation case's parties, summary, agreement texts and session records; the
/// agreement stays recorded as made (its date, oral or written, performance).
pub async fn erase_mediation_case(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let text = || sea_orm::Value::from(cipher.seal(ERASED_TEXT));
    let done = exec(
        conn,
        "UPDATE mediation_cases SET summary = $1, \
         agreement_facts = CASE WHEN agreement_facts IS NULL THEN NULL ELSE $2 END, \
         agreement_terms = CASE WHEN agreement_terms IS NULL THEN NULL ELSE $3 END, \
         performance_note = NULL, personal_data_erased_at = $4, version = version + 1 \
         WHERE id = $5 AND personal_data_erased_at IS NULL",
        vec![text(), text(), text(), now.into(), id.into()],
    )
    .await?;
    if done == 0 {
        return Ok(false);
    }
    exec(
        conn,
        "UPDATE mediation_parties SET name = $1, phone_enc = NULL, phone_masked = NULL, id_enc = NULL, \
         id_masked = NULL, address = NULL, employer = NULL WHERE case_id = $2",
        vec![cipher.seal(ERASED_NAME).into(), id.into()],
    )
    .await?;
    exec(
        conn,
        "UPDATE mediation_sessions SET present = $1, record = $2 WHERE case_id = $3",
        vec![cipher.seal(ERASED_NAME).into(), text(), id.into()],
    )
    .await?;
    Ok(true)
}
