//! Moving sealed values to the current key after a rotation. Every column that holds
//! sealed personal data is listed here; the job reads a page of values not sealed by
//! the current key, opens each with the ring, seals it again (recomputing its blind
//! index) and writes it back only if nobody changed it meanwhile. A value no key of the
//! ring opens is left as it is and counted, never lost.

use sea_orm::ConnectionTrait;

use crate::StoreError;
use crate::pii::PiiCipher;
use crate::sql::raw;

/// A column of sealed values, and the blind index kept beside it, if any.
#[derive(Clone, Copy, Debug)]
pub struct SealedColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub index: Option<Index>,
    /// Held text in the clear before migration 13: an unmarked value is such a text
    /// (to seal), not a value sealed before keys were named.
    pub plain_before: bool,
}

/// A blind index beside a sealed column.
#[derive(Clone, Copy, Debug)]
pub enum Index {
    /// Of the value itself (an ID number).
    Value(&'static str),
    /// Of a person's name ([`PiiCipher::name_index`]).
    Name(&'static str),
}

const fn sealed(table: &'static str, column: &'static str) -> SealedColumn {
    SealedColumn { table, column, index: None, plain_before: false }
}

const fn text(table: &'static str, column: &'static str) -> SealedColumn {
    SealedColumn { table, column, index: None, plain_before: true }
}

/// Every sealed column of the schema.
pub const SEALED: &[SealedColumn] = &[
    SealedColumn { index: Some(Index::Value("id_number_hash")), ..sealed("people", "id_number_enc") },
    sealed("people", "phone_enc"),
    sealed("service_requests", "requester_phone_enc"),
    sealed("service_requests", "requester_id_enc"),
    SealedColumn { index: Some(Index::Name("requester_name_bidx")), ..text("service_requests", "requester_name") },
    text("service_requests", "requester_address"),
    text("service_requests", "description"),
    text("service_requests", "reply"),
    text("request_events", "note"),
    sealed("outbox", "recipient_phone_enc"),
    text("outbox", "body"),
    sealed("bookings", "phone_enc"),
    text("bookings", "name"),
    text("bookings", "address"),
    text("bookings", "reason"),
    sealed("mediation_parties", "phone_enc"),
    sealed("mediation_parties", "id_enc"),
    text("mediation_parties", "name"),
    text("mediation_parties", "address"),
    text("mediation_parties", "employer"),
    text("mediation_cases", "summary"),
    text("mediation_cases", "agreement_facts"),
    text("mediation_cases", "agreement_terms"),
    text("mediation_sessions", "present"),
    text("mediation_sessions", "record"),
    SealedColumn { index: Some(Index::Name("applicant_name_bidx")), ..sealed("legal_aid_cases", "applicant_name") },
    sealed("legal_aid_cases", "applicant_id_enc"),
    sealed("legal_aid_cases", "applicant_phone_enc"),
    SealedColumn { index: Some(Index::Name("opponent_bidx")), ..sealed("legal_aid_cases", "opponent") },
    sealed("legal_aid_cases", "facts"),
    sealed("legal_aid_cases", "decision_reason"),
    sealed("legal_aid_cases", "materials_list"),
    sealed("legal_aid_cases", "closing_report"),
    sealed("legal_aid_events", "note"),
    sealed("legal_aid_materials", "name"),
    sealed("legal_aid_materials", "content"),
    sealed("duty_services", "client_name_enc"),
    sealed("duty_services", "note_enc"),
    sealed("users", "totp_secret_enc"),
    sealed("users", "totp_pending_enc"),
];

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Values now sealed by the current key.
    pub moved: u64,
    /// Values no key of the ring opens (left as they are).
    pub unreadable: u64,
}

/// Moves up to `budget` values of every column to the current key, a page at a time.
pub async fn pass(conn: &impl ConnectionTrait, cipher: &PiiCipher, budget: u64) -> Result<Pass, StoreError> {
    let mut out = Pass::default();
    for col in SEALED {
        let mut after = 0i64;
        loop {
            if out.moved >= budget {
                return Ok(out);
            }
            let sql = format!(
                "SELECT id, {c} FROM {t} WHERE {c} IS NOT NULL AND {c} NOT LIKE $1 AND id > $2 ORDER BY id LIMIT 200",
                c = col.column,
                t = col.table
            );
            let rows = conn.query_all_raw(raw(conn, &sql, vec![cipher.current_pattern().into(), after.into()])).await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let id: i64 = row.try_get_by_index(0)?;
                let old: String = row.try_get_by_index(1)?;
                after = id;
                let opened = if col.plain_before { cipher.open_text(&old) } else { cipher.open(&old) };
                let Ok(plain) = opened else {
                    out.unreadable += 1;
                    continue;
                };
                let sealed = cipher.seal(&plain);
                let index = match col.index {
                    Some(Index::Value(c)) => Some((c, cipher.blind_index(&plain))),
                    Some(Index::Name(c)) => Some((c, cipher.name_index(&plain))),
                    None => None,
                };
                let (sql, values) = match index {
                    Some((index, digest)) => (
                        format!(
                            "UPDATE {t} SET {c} = $1, {index} = $2 WHERE id = $3 AND {c} = $4",
                            t = col.table,
                            c = col.column
                        ),
                        vec![sealed.into(), digest.into(), id.into(), old.into()],
                    ),
                    None => (
                        format!("UPDATE {t} SET {c} = $1 WHERE id = $2 AND {c} = $3", t = col.table, c = col.column),
                        vec![sealed.into(), id.into(), old.into()],
                    ),
                };
                out.moved += conn.execute_raw(raw(conn, &sql, values)).await?.rows_affected();
            }
        }
    }
    Ok(out)
}

/// How far a rotation has come in one column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnStatus {
    pub column: String,
    pub sealed: i64,
    /// Of those, sealed by the current key.
    pub current: i64,
}

pub async fn status(conn: &impl ConnectionTrait, cipher: &PiiCipher) -> Result<Vec<ColumnStatus>, StoreError> {
    let mut out = Vec::new();
    for col in SEALED {
        let sql = format!(
            "SELECT COUNT(*), COUNT(CASE WHEN {c} LIKE $1 THEN 1 END) FROM {t} WHERE {c} IS NOT NULL",
            c = col.column,
            t = col.table
        );
        let row = conn
            .query_one_raw(raw(conn, &sql, vec![cipher.current_pattern().into()]))
            .await?
            .ok_or_else(|| StoreError::corrupt("count answered nothing"))?;
        out.push(ColumnStatus {
            column: format!("{}.{}", col.table, col.column),
            sealed: row.try_get_by_index(0)?,
            current: row.try_get_by_index(1)?,
        });
    }
    Ok(out)
}
