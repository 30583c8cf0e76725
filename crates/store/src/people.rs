//! People (人员): professionals, mediators, advisors, volunteers … with their trainings
//! and village appointments. ID numbers and phones are sealed at rest; lists carry only
//! their masked forms.

use chrono::{DateTime, Utc};
use gongdao_domain::auth::Scope;
use gongdao_domain::division::DivisionCode;
use gongdao_domain::ids::{InstitutionId, PersonId};
use gongdao_domain::network::{
    AdvisorAppointment, AppointmentDraft, Certification, Employment, Gender, Person, PersonDraft, PersonType,
    PersonalData, Training, TrainingDraft,
};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::entity::person::{self, Column, Entity};
use crate::entity::{appointment, training};
use crate::sql::{contains, in_scope};
use crate::{Page, PiiCipher, StoreError, Versioned, institutions, regions};

/// What a directory listing asks for.
#[derive(Clone, Debug, Default)]
pub struct PersonFilter {
    pub kind: Option<PersonType>,
    pub within: Option<DivisionCode>,
    pub institution: Option<InstitutionId>,
    /// Part of the name or licence number.
    pub text: Option<String>,
    pub active: Option<bool>,
}

const SPECIALTY_SEPARATOR: &str = "、";

fn to_domain(m: person::Model, region_name: String, institution_name: Option<String>) -> Result<Person, StoreError> {
    let corrupt = |what: &str| StoreError::corrupt(format!("person {} {what}", m.id));
    Ok(Person {
        id: PersonId(m.id),
        kind: PersonType::from_code(&m.kind).ok_or_else(|| corrupt("kind"))?,
        gender: m.gender.as_deref().map(|g| Gender::from_code(g).ok_or_else(|| corrupt("gender"))).transpose()?,
        institution_id: m.institution_id.map(InstitutionId),
        institution_name,
        region: DivisionCode::from_db(m.region_code).ok_or_else(|| corrupt("region"))?,
        region_name,
        id_number_masked: m.id_number_masked,
        phone_masked: m.phone_masked,
        licence_no: m.licence_no,
        practice_years: m.practice_years,
        specialties: m.specialties.split(SPECIALTY_SEPARATOR).filter(|s| !s.is_empty()).map(str::to_string).collect(),
        certification: Certification::from_code(&m.certification).ok_or_else(|| corrupt("certification"))?,
        employment: m
            .employment
            .as_deref()
            .map(|e| Employment::from_code(e).ok_or_else(|| corrupt("employment")))
            .transpose()?,
        active: m.active,
        note: m.note,
        version: m.version,
        updated_at: m.updated_at,
        name: m.name,
    })
}

async fn labelled(conn: &impl ConnectionTrait, models: Vec<person::Model>) -> Result<Vec<Person>, StoreError> {
    let regions = regions::names(conn, models.iter().map(|m| m.region_code)).await?;
    let insts = institutions::names(conn, models.iter().filter_map(|m| m.institution_id)).await?;
    models
        .into_iter()
        .map(|m| {
            let region = regions.get(&m.region_code).cloned().unwrap_or_default();
            let inst = m.institution_id.and_then(|i| insts.get(&i).cloned());
            to_domain(m, region, inst)
        })
        .collect()
}

fn condition(scope: Scope, filter: &PersonFilter) -> Condition {
    let mut cond = in_scope(Column::RegionCode, scope);
    if let Some(kind) = filter.kind {
        cond = cond.add(Column::Kind.eq(kind.code()));
    }
    if let Some(within) = filter.within {
        let (lo, hi) = within.subtree_bounds();
        cond = cond.add(Column::RegionCode.between(lo, hi));
    }
    if let Some(inst) = filter.institution {
        cond = cond.add(Column::InstitutionId.eq(inst.0));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        cond = cond
            .add(Condition::any().add(Column::Name.like(contains(text))).add(Column::LicenceNo.like(contains(text))));
    }
    if let Some(active) = filter.active {
        cond = cond.add(Column::Active.eq(active));
    }
    cond
}

pub async fn list(
    conn: &impl ConnectionTrait,
    scope: Scope,
    filter: &PersonFilter,
    page: Page,
) -> Result<(Vec<Person>, u64), StoreError> {
    let cond = condition(scope, filter);
    let total = Entity::find().filter(cond.clone()).count(conn).await?;
    let models = Entity::find()
        .filter(cond)
        .order_by_asc(Column::RegionCode)
        .order_by_asc(Column::Kind)
        .order_by_asc(Column::Id)
        .limit(page.limit)
        .offset(page.offset)
        .all(conn)
        .await?;
    Ok((labelled(conn, models).await?, total))
}

pub async fn list_all(
    conn: &impl ConnectionTrait,
    scope: Scope,
    filter: &PersonFilter,
    max: u64,
) -> Result<Vec<Person>, StoreError> {
    let models = Entity::find()
        .filter(condition(scope, filter))
        .order_by_asc(Column::RegionCode)
        .order_by_asc(Column::Kind)
        .order_by_asc(Column::Id)
        .limit(max)
        .all(conn)
        .await?;
    labelled(conn, models).await
}

pub async fn get(conn: &impl ConnectionTrait, scope: Scope, id: PersonId) -> Result<Option<Person>, StoreError> {
    let Some(m) = Entity::find_by_id(id.0).filter(in_scope(Column::RegionCode, scope)).one(conn).await? else {
        return Ok(None);
    };
    Ok(labelled(conn, vec![m]).await?.pop())
}

/// The unmasked personal data of a person inside the scope.
pub async fn personal_data(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    id: PersonId,
) -> Result<Option<PersonalData>, StoreError> {
    let Some(m) = Entity::find_by_id(id.0).filter(in_scope(Column::RegionCode, scope)).one(conn).await? else {
        return Ok(None);
    };
    Ok(Some(PersonalData {
        id_number: m.id_number_enc.as_deref().map(|s| cipher.open(s)).transpose()?,
        phone: m.phone_enc.as_deref().map(|s| cipher.open(s)).transpose()?,
    }))
}

/// The unmasked personal data of many people inside the scope, by id (an export).
pub async fn personal_data_many(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, PersonalData>, StoreError> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows = Entity::find()
            .filter(Column::Id.is_in(chunk.iter().copied()))
            .filter(in_scope(Column::RegionCode, scope))
            .all(conn)
            .await?;
        for m in rows {
            let data = PersonalData {
                id_number: m.id_number_enc.as_deref().map(|s| cipher.open(s)).transpose()?,
                phone: m.phone_enc.as_deref().map(|s| cipher.open(s)).transpose()?,
            };
            out.insert(m.id, data);
        }
    }
    Ok(out)
}

fn active_model(
    cipher: &PiiCipher,
    draft: &PersonDraft,
    region: DivisionCode,
    now: DateTime<Utc>,
) -> person::ActiveModel {
    person::ActiveModel {
        id: NotSet,
        kind: Set(draft.kind.code().to_string()),
        name: Set(draft.name.clone()),
        gender: Set(draft.gender.map(|g| g.code().to_string())),
        institution_id: Set(draft.institution_id.map(|i| i.0)),
        region_code: Set(region.to_db()),
        id_number_enc: Set(draft.id_number.as_ref().map(|i| cipher.seal(i.as_str()))),
        id_number_hash: Set(draft.id_number.as_ref().map(|i| cipher.blind_index(i.as_str()))),
        id_number_masked: Set(draft.id_number.as_ref().map(|i| i.masked())),
        phone_enc: Set(draft.phone.as_ref().map(|p| cipher.seal(p.as_str()))),
        phone_masked: Set(draft.phone.as_ref().map(|p| p.masked())),
        licence_no: Set(draft.licence_no.clone()),
        practice_years: Set(draft.practice_years),
        specialties: Set(draft.specialties.join(SPECIALTY_SEPARATOR)),
        certification: Set(draft.certification.code().to_string()),
        employment: Set(draft.employment.map(|e| e.code().to_string())),
        active: Set(draft.active),
        note: Set(draft.note.clone()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Inserts a person at `region` (the caller resolved it from the institution when the
/// draft named none). A second person with the same ID number is
/// [`StoreError::Unique`] on `id_number_hash`.
pub async fn insert(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    draft: &PersonDraft,
    region: DivisionCode,
    now: DateTime<Utc>,
) -> Result<Person, StoreError> {
    let m = Entity::insert(active_model(cipher, draft, region, now)).exec_with_returning(conn).await?;
    open_archive(conn, &m, now).await?;
    Ok(labelled(conn, vec![m]).await?.pop().expect("one row"))
}

/// A legal service worker's integrity archive, opened with the record.
async fn open_archive(
    conn: &impl ConnectionTrait,
    m: &crate::entity::person::Model,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if PersonType::from_code(&m.kind).is_some_and(gongdao_domain::archive::person_keeps_archive) {
        crate::archive::open(conn, gongdao_domain::archive::ArchiveKind::Person, m.id, m.region_code, now).await?;
    }
    Ok(())
}

/// Inserts many people (the generators).
pub async fn insert_many(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    drafts: &[(PersonDraft, DivisionCode)],
    now: DateTime<Utc>,
) -> Result<Vec<PersonId>, StoreError> {
    let mut ids = Vec::with_capacity(drafts.len());
    for chunk in drafts.chunks(400) {
        let rows = Entity::insert_many(chunk.iter().map(|(d, r)| active_model(cipher, d, *r, now)))
            .exec_with_returning(conn)
            .await?;
        for m in &rows {
            open_archive(conn, m, now).await?;
        }
        ids.extend(rows.into_iter().map(|m| PersonId(m.id)));
    }
    Ok(ids)
}

#[allow(clippy::too_many_arguments)] // each is a distinct input of one guarded write
pub async fn update(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    scope: Scope,
    id: PersonId,
    expected_version: i64,
    draft: &PersonDraft,
    region: DivisionCode,
    now: DateTime<Utc>,
) -> Result<Versioned<Person>, StoreError> {
    let mut model = active_model(cipher, draft, region, now);
    model.created_at = NotSet;
    model.version = Set(expected_version + 1);
    // Forms never show personal data in the clear, so a blank ID number or phone on
    // update means "unchanged", not "erase".
    if draft.id_number.is_none() {
        model.id_number_enc = NotSet;
        model.id_number_hash = NotSet;
        model.id_number_masked = NotSet;
    }
    if draft.phone.is_none() {
        model.phone_enc = NotSet;
        model.phone_masked = NotSet;
    }
    let result = Entity::update_many()
        .set(model)
        .filter(Column::Id.eq(id.0))
        .filter(Column::Version.eq(expected_version))
        .filter(in_scope(Column::RegionCode, scope))
        .exec(conn)
        .await?;
    if result.rows_affected == 1 {
        return Ok(get(conn, scope, id).await?.map_or(Versioned::NotFound, Versioned::Updated));
    }
    Ok(match get(conn, scope, id).await? {
        Some(current) => Versioned::Stale { current: current.version },
        None => Versioned::NotFound,
    })
}

pub async fn delete(conn: &impl ConnectionTrait, scope: Scope, id: PersonId) -> Result<bool, StoreError> {
    let result = Entity::delete_many()
        .filter(Column::Id.eq(id.0))
        .filter(in_scope(Column::RegionCode, scope))
        .exec(conn)
        .await?;
    Ok(result.rows_affected > 0)
}

/// How many people work for an institution (to explain why it cannot be deleted).
pub async fn count_at_institution(conn: &impl ConnectionTrait, id: InstitutionId) -> Result<u64, StoreError> {
    Ok(Entity::find().filter(Column::InstitutionId.eq(id.0)).count(conn).await?)
}

/// The person registered with this ID number, found through its blind index.
pub async fn find_by_id_number(
    conn: &impl ConnectionTrait,
    cipher: &PiiCipher,
    id_number: &str,
) -> Result<Option<PersonId>, StoreError> {
    let id: Option<i64> = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::IdNumberHash.is_in(cipher.blind_indexes(id_number)))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(id.map(PersonId))
}

// Trainings (培训记录). The person's scope is checked by the caller through `get`.

fn training_to_domain(m: training::Model) -> Training {
    Training {
        id: m.id,
        person_id: PersonId(m.person_id),
        date: m.date,
        title: m.title,
        hours: m.hours,
        organiser: m.organiser,
    }
}

pub async fn trainings(conn: &impl ConnectionTrait, person: PersonId) -> Result<Vec<Training>, StoreError> {
    Ok(training::Entity::find()
        .filter(training::Column::PersonId.eq(person.0))
        .order_by_desc(training::Column::Date)
        .order_by_desc(training::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(training_to_domain)
        .collect())
}

pub async fn add_training(
    conn: &impl ConnectionTrait,
    person: PersonId,
    draft: &TrainingDraft,
    now: DateTime<Utc>,
) -> Result<Training, StoreError> {
    let m = training::Entity::insert(training::ActiveModel {
        id: NotSet,
        person_id: Set(person.0),
        date: Set(draft.date),
        title: Set(draft.title.clone()),
        hours: Set(draft.hours),
        organiser: Set(draft.organiser.clone()),
        created_at: Set(now),
    })
    .exec_with_returning(conn)
    .await?;
    Ok(training_to_domain(m))
}

pub async fn delete_training(conn: &impl ConnectionTrait, person: PersonId, id: i64) -> Result<bool, StoreError> {
    let r = training::Entity::delete_many()
        .filter(training::Column::Id.eq(id))
        .filter(training::Column::PersonId.eq(person.0))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

// Village legal advisor appointments (村居法律顾问聘任).

async fn appointments_labelled(
    conn: &impl ConnectionTrait,
    models: Vec<appointment::Model>,
) -> Result<Vec<AdvisorAppointment>, StoreError> {
    let villages = regions::names(conn, models.iter().map(|m| m.village_code)).await?;
    let person_ids: Vec<i64> = models.iter().map(|m| m.person_id).collect();
    let people: std::collections::HashMap<i64, String> = Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::Name)
        .filter(Column::Id.is_in(person_ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    models
        .into_iter()
        .map(|m| {
            Ok(AdvisorAppointment {
                id: m.id,
                person_id: PersonId(m.person_id),
                person_name: people.get(&m.person_id).cloned().unwrap_or_default(),
                village: DivisionCode::from_db(m.village_code)
                    .ok_or_else(|| StoreError::corrupt(format!("appointment {} village", m.id)))?,
                village_name: villages.get(&m.village_code).cloned().unwrap_or_default(),
                since: m.since,
                until: m.until,
            })
        })
        .collect()
}

pub async fn appointments(
    conn: &impl ConnectionTrait,
    person: PersonId,
) -> Result<Vec<AdvisorAppointment>, StoreError> {
    let models = appointment::Entity::find()
        .filter(appointment::Column::PersonId.eq(person.0))
        .order_by_desc(appointment::Column::Since)
        .all(conn)
        .await?;
    appointments_labelled(conn, models).await
}

pub async fn add_appointment(
    conn: &impl ConnectionTrait,
    person: PersonId,
    draft: &AppointmentDraft,
    now: DateTime<Utc>,
) -> Result<AdvisorAppointment, StoreError> {
    let m = appointment::Entity::insert(appointment::ActiveModel {
        id: NotSet,
        person_id: Set(person.0),
        village_code: Set(draft.village.to_db()),
        since: Set(draft.since),
        until: Set(draft.until),
        created_at: Set(now),
    })
    .exec_with_returning(conn)
    .await?;
    Ok(appointments_labelled(conn, vec![m]).await?.pop().expect("one row"))
}

pub async fn add_appointments_many(
    conn: &impl ConnectionTrait,
    rows: &[(PersonId, AppointmentDraft)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in rows.chunks(1000) {
        appointment::Entity::insert_many(chunk.iter().map(|(p, d)| appointment::ActiveModel {
            id: NotSet,
            person_id: Set(p.0),
            village_code: Set(d.village.to_db()),
            since: Set(d.since),
            until: Set(d.until),
            created_at: Set(now),
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

pub async fn delete_appointment(conn: &impl ConnectionTrait, person: PersonId, id: i64) -> Result<bool, StoreError> {
    let r = appointment::Entity::delete_many()
        .filter(appointment::Column::Id.eq(id))
        .filter(appointment::Column::PersonId.eq(person.0))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

/// A person's trainings and appointments go with them.
pub async fn delete_dependents(conn: &impl ConnectionTrait, person: PersonId) -> Result<(), StoreError> {
    training::Entity::delete_many().filter(training::Column::PersonId.eq(person.0)).exec(conn).await?;
    appointment::Entity::delete_many().filter(appointment::Column::PersonId.eq(person.0)).exec(conn).await?;
    Ok(())
}

/// Adds many trainings (the generators).
pub async fn add_trainings_many(
    conn: &impl ConnectionTrait,
    rows: &[(PersonId, TrainingDraft)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in rows.chunks(1000) {
        training::Entity::insert_many(chunk.iter().map(|(p, d)| training::ActiveModel {
            id: NotSet,
            person_id: Set(p.0),
            date: Set(d.date),
            title: Set(d.title.clone()),
            hours: Set(d.hours),
            organiser: Set(d.organiser.clone()),
            created_at: Set(now),
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// The names of people by id (for pages that show who was assigned or on duty), read
/// in chunks.
pub async fn names(
    conn: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, String>, StoreError> {
    crate::sql::labels_by_id::<Entity>(conn, ids, Column::Id, Column::Name).await
}
