//! 诚信档案 (issue 21): every institution's and legal service worker's archive, its
//! entries (recorded by the directory's keepers, only added), what it lacks, its credit
//! rating from the district's formula over its entries and over figures computed from
//! operations (legal aid cases done, the satisfaction of the ratings attributed), with
//! each score kept; the coverage of the district; and the public directory, which shows
//! only what may be public (never an ID number, a phone, an address of a person, nor
//! who rated).

use std::collections::HashMap;

use chrono::NaiveDate;
use gongdao_domain::archive::{
    ArchiveKind, Credit, CreditRules, Entry, EntryInput, Operations, credit, in_force, licence_status,
    licensed_institution, licensed_person, missing, person_keeps_archive, standing,
};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission, Scope};
use gongdao_domain::ids::{InstitutionId, PersonId};
use gongdao_domain::network::{Institution, Person};
use gongdao_domain::{DivisionCode, FieldError};
use gongdao_store::archive::{self as store, Recorder, Score};
use gongdao_store::institutions::InstitutionFilter;
use gongdao_store::people::PersonFilter;
use gongdao_store::{ConnectionTrait, Page, institutions, people};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Event as AuditEvent;
use crate::{ServiceError, Services};

/// An archive as the directory's keepers and supervisors see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ArchiveView {
    pub archive_id: i64,
    #[schema(value_type = String)]
    pub kind: ArchiveKind,
    pub subject_id: i64,
    pub name: String,
    pub type_label: String,
    pub institution_name: Option<String>,
    pub region_name: String,
    pub licence_no: Option<String>,
    pub licence_status: String,
    pub entries: Vec<Entry>,
    /// What it lacks (a licence, last year's assessment).
    pub missing: Vec<String>,
    /// Computed from operations, not typed.
    pub legal_aid_cases: i64,
    /// Legal help given on duty (公益服务), from the duty records.
    pub duty_services: i64,
    pub rated: i64,
    pub satisfaction: Option<f64>,
    pub credit: Credit,
    /// The scores as they were computed, newest first.
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<Score>,
}

/// One line of the completeness check.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Incomplete {
    #[schema(value_type = String)]
    pub kind: ArchiveKind,
    pub subject_id: i64,
    pub name: String,
    pub missing: Vec<String>,
}

/// Coverage and completeness of the archives in scope.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ArchiveOverview {
    pub institutions: u64,
    pub institutions_archived: u64,
    pub people: u64,
    pub people_archived: u64,
    /// Archives over subjects (None without subjects).
    pub coverage: Option<f64>,
    pub incomplete: Vec<Incomplete>,
}

/// The subject of an archive, read in scope.
enum Subject {
    Institution(Institution),
    Person(Person),
}

impl Subject {
    fn licensed(&self) -> bool {
        match self {
            Subject::Institution(i) => licensed_institution(i.kind),
            Subject::Person(p) => licensed_person(p.kind),
        }
    }
}

fn parse_kind(kind: &str) -> Result<ArchiveKind, ServiceError> {
    ArchiveKind::from_code(kind.trim()).ok_or(ServiceError::NotFound("诚信档案"))
}

impl Services {
    /// The credit formula of the district an archive is kept in (its rules file).
    async fn credit_rules(&self, region_code: i64) -> Result<CreditRules, ServiceError> {
        let region = DivisionCode::from_db(region_code).unwrap_or(self.config().home_region);
        Ok(self.rules().await?.for_region(region).credit.clone())
    }

    async fn subject(
        &self,
        conn: &impl ConnectionTrait,
        scope: Scope,
        kind: ArchiveKind,
        id: i64,
    ) -> Result<Subject, ServiceError> {
        match kind {
            ArchiveKind::Institution => institutions::get(conn, scope, InstitutionId(id))
                .await?
                .map(Subject::Institution)
                .ok_or(ServiceError::NotFound("诚信档案")),
            ArchiveKind::Person => people::get(conn, scope, PersonId(id))
                .await?
                .filter(|p| person_keeps_archive(p.kind))
                .map(Subject::Person)
                .ok_or(ServiceError::NotFound("诚信档案")),
        }
    }

    /// Figures from operations of subjects of one kind (one, or all at once): legal aid
    /// and duty work done, and the satisfaction and number of an institution's ratings
    /// (a person's ratings go to the accounts that served).
    async fn operations_of(
        &self,
        kind: ArchiveKind,
        subject: Option<i64>,
    ) -> Result<HashMap<i64, (Operations, i64)>, ServiceError> {
        let reader = self.store().reader();
        let done = store::done_counts(reader, kind, subject).await?;
        let ratings = match kind {
            ArchiveKind::Institution => gongdao_store::evaluation::institution_counters(reader, subject).await?,
            ArchiveKind::Person => HashMap::new(),
        };
        let ids: std::collections::HashSet<i64> = done.keys().chain(ratings.keys()).copied().collect();
        Ok(ids
            .into_iter()
            .map(|id| {
                let d = done.get(&id).copied().unwrap_or_default();
                let levels = ratings.get(&id).map(|c| c.level_counts()).unwrap_or_default();
                let ops = Operations {
                    legal_aid_cases: d.legal_aid_cases,
                    duty_services: d.duty_services,
                    satisfaction: levels.satisfaction_rate(),
                };
                (id, (ops, levels.total()))
            })
            .collect())
    }

    /// [`Self::operations_of`] one subject.
    async fn operations(&self, kind: ArchiveKind, id: i64) -> Result<(Operations, i64), ServiceError> {
        Ok(self.operations_of(kind, Some(id)).await?.remove(&id).unwrap_or_default())
    }

    async fn view_of(&self, archive: store::ArchiveRecord, subject: Subject) -> Result<ArchiveView, ServiceError> {
        let reader = self.store().reader();
        let kind =
            ArchiveKind::from_code(&archive.kind).ok_or_else(|| ServiceError::Internal("archive kind".into()))?;
        let entries = store::entries(reader, archive.id).await?;
        let today = self.today();
        let (ops, rated) = self.operations(kind, archive.subject_id).await?;
        let licensed = subject.licensed();
        let (name, type_label, institution_name, region_name, licence_no) = match &subject {
            Subject::Institution(i) => (i.name.clone(), i.kind.label().to_string(), None, i.region_name.clone(), None),
            Subject::Person(p) => (
                p.name.clone(),
                p.kind.label().to_string(),
                p.institution_name.clone(),
                p.region_name.clone(),
                p.licence_no.clone(),
            ),
        };
        Ok(ArchiveView {
            archive_id: archive.id,
            kind,
            subject_id: archive.subject_id,
            name,
            type_label,
            institution_name,
            region_name,
            licence_no,
            licence_status: licence_status(licensed, &entries, today).into(),
            missing: missing(licensed, &entries, today),
            legal_aid_cases: ops.legal_aid_cases,
            duty_services: ops.duty_services,
            rated,
            satisfaction: ops.satisfaction,
            credit: credit(&self.credit_rules(archive.region_code).await?, &entries, ops, today),
            history: store::scores(reader, archive.id).await?,
            entries,
        })
    }

    /// An institution's or worker's archive in scope.
    pub async fn archive(&self, actor: &Actor, kind: &str, id: i64) -> Result<ArchiveView, ServiceError> {
        actor.require(Permission::ViewNetwork)?;
        let kind = parse_kind(kind)?;
        let reader = self.store().reader();
        let subject = self.subject(reader, actor.scope, kind, id).await?;
        let archive = store::of_subject(reader, kind, id).await?.ok_or(ServiceError::NotFound("诚信档案"))?;
        self.view_of(archive, subject).await
    }

    /// Adds an entry (the directory's keepers): checked against the archive (not before
    /// the licence, a period that ends after it starts, a correction of an entry of this
    /// archive, a complaint's matter in scope); the new credit score kept with it; in
    /// one transaction with its audit entry.
    pub async fn add_archive_entry(
        &self,
        actor: &Actor,
        kind: &str,
        id: i64,
        input: &EntryInput,
    ) -> Result<ArchiveView, ServiceError> {
        actor.require(Permission::ManageNetwork)?;
        let kind = parse_kind(kind)?;
        let tx = self.store().begin().await?;
        // The subject must be in the actor's scope: an archive outside it is not found.
        self.subject(&tx, actor.scope, kind, id).await?;
        let archive = store::of_subject(&tx, kind, id).await?.ok_or(ServiceError::NotFound("诚信档案"))?;
        let entries = store::entries(&tx, archive.id).await?;
        let licensed_on = standing(&entries)
            .iter()
            .filter(|e| e.kind == gongdao_domain::archive::EntryKind::Licence)
            .map(|e| e.occurred_on)
            .min();
        let mut entry = input.check(licensed_on, self.today())?;
        if let Some(number) = input.request_number.as_deref().map(str::trim).filter(|n| !n.is_empty())
            && entry.request_id.is_none()
        {
            let found = gongdao_store::requests::by_number(&tx, number).await?;
            entry.request_id = Some(found.map_or(-1, |m| m.id));
        }
        if let Some(c) = entry.corrects
            && !entries.iter().any(|e| e.id == c)
        {
            return Err(ServiceError::field("corrects", "要更正的条目不在这份档案中"));
        }
        if let Some(r) = entry.request_id
            && gongdao_store::requests::get_model(&tx, actor.scope, gongdao_domain::ids::RequestId(r)).await?.is_none()
        {
            let field = if input.request_id.is_some() { "request_id" } else { "request_number" };
            return Err(ServiceError::field(field, "投诉关联的事项不存在或不在您的管辖范围内"));
        }
        let now = self.now();
        let entry_id = store::add_entry(
            &tx,
            archive.id,
            &entry,
            Recorder { user: Some(actor.user_id.0), name: &actor.display_name },
            now,
        )
        .await?;
        let region = DivisionCode::from_db(archive.region_code).unwrap_or(actor.scope.root);
        self.audit(
            &tx,
            actor,
            AuditEvent::new(
                AuditAction::Create,
                AuditObject::Archive,
                entry_id,
                region,
                format!("诚信档案 {}：{}（{}）", archive.id, entry.kind.label(), entry.title),
            ),
        )
        .await?;
        tx.commit().await?;
        let subject = self.subject(self.store().reader(), actor.scope, kind, id).await?;
        let view = self.view_of(archive.clone(), subject).await?;
        let score = Score {
            score: view.credit.score,
            grade: view.credit.grade.clone(),
            reason: format!("新增{}：{}", entry.kind.label(), entry.title),
            at: now,
        };
        store::add_score(self.store().writer(), archive.id, &score).await?;
        let subject = self.subject(self.store().reader(), actor.scope, kind, id).await?;
        self.view_of(archive, subject).await
    }

    /// Coverage (archives over institutions and legal service workers in scope, 100 %
    /// by construction) and the archives that lack required content.
    pub async fn archive_overview(&self, actor: &Actor) -> Result<ArchiveOverview, ServiceError> {
        let lines = self.archive_lines(actor, false).await?;
        let count = |kind: ArchiveKind, archived: bool| {
            lines.iter().filter(|l| l.kind == kind && (!archived || l.archived)).count() as u64
        };
        let subjects = lines.len() as u64;
        let archived = lines.iter().filter(|l| l.archived).count() as u64;
        Ok(ArchiveOverview {
            institutions: count(ArchiveKind::Institution, false),
            institutions_archived: count(ArchiveKind::Institution, true),
            people: count(ArchiveKind::Person, false),
            people_archived: count(ArchiveKind::Person, true),
            coverage: (subjects > 0).then(|| archived as f64 / subjects as f64),
            incomplete: lines
                .into_iter()
                .filter(|l| l.archived && !l.missing.is_empty())
                .map(|l| Incomplete { kind: l.kind, subject_id: l.subject_id, name: l.name, missing: l.missing })
                .collect(),
        })
    }
}

impl Services {
    /// Every institution and every legal service worker in scope: the subjects that
    /// must each have an archive.
    async fn archive_subjects(&self, scope: Scope) -> Result<(Vec<Institution>, Vec<Person>), ServiceError> {
        let reader = self.store().reader();
        let mut insts = Vec::new();
        let mut offset = 0;
        loop {
            let (items, total) =
                institutions::list(reader, scope, &InstitutionFilter::default(), Page::new(Page::MAX_LIMIT, offset))
                    .await?;
            offset += items.len() as u64;
            let done = items.is_empty() || offset >= total;
            insts.extend(items);
            if done {
                break;
            }
        }
        let mut persons = Vec::new();
        offset = 0;
        loop {
            let (items, total) =
                people::list(reader, scope, &PersonFilter::default(), Page::new(Page::MAX_LIMIT, offset)).await?;
            offset += items.len() as u64;
            let done = items.is_empty() || offset >= total;
            persons.extend(items.into_iter().filter(|p| person_keeps_archive(p.kind)));
            if done {
                break;
            }
        }
        Ok((insts, persons))
    }

    /// Every institution and worker in scope on one line: whether it has its archive,
    /// what its standing entries hold, what it lacks and, `with_credit`, its credit
    /// today from its entries and operations (the assessment package's ledger).
    pub(crate) async fn archive_lines(
        &self,
        actor: &Actor,
        with_credit: bool,
    ) -> Result<Vec<ArchiveLine>, ServiceError> {
        actor.require(Permission::ViewNetwork)?;
        let reader = self.store().reader();
        let (insts, persons) = self.archive_subjects(actor.scope).await?;
        let archives = store::in_scope_all(reader, actor.scope).await?;
        let by_subject: HashMap<(String, i64), i64> =
            archives.iter().map(|a| ((a.kind.clone(), a.subject_id), a.id)).collect();
        let entries = store::entries_of(reader, &archives.iter().map(|a| a.id).collect::<Vec<_>>()).await?;
        let today = self.today();
        let book = self.rules().await?;
        let rules_of = |region: i64| {
            let region = DivisionCode::from_db(region).unwrap_or(self.config().home_region);
            &book.for_region(region).credit
        };
        let regions: HashMap<i64, i64> = archives.iter().map(|a| (a.id, a.region_code)).collect();
        // Every subject's operations in a few grouped queries, not a few per subject.
        let mut operations = HashMap::new();
        if with_credit {
            for kind in [ArchiveKind::Institution, ArchiveKind::Person] {
                operations.insert(kind, self.operations_of(kind, None).await?);
            }
        }
        let subjects = insts
            .into_iter()
            .map(|i| {
                (
                    ArchiveKind::Institution,
                    i.id.0,
                    i.name,
                    i.kind.label().to_string(),
                    i.region_name,
                    licensed_institution(i.kind),
                )
            })
            .chain(persons.into_iter().map(|p| {
                let licensed = licensed_person(p.kind);
                (ArchiveKind::Person, p.id.0, p.name, p.kind.label().to_string(), p.region_name, licensed)
            }));
        let mut out = Vec::new();
        for (kind, id, name, type_label, region_name, licensed) in subjects {
            let line = ArchiveLine::blank(kind, id, name, type_label, region_name);
            let Some(archive) = by_subject.get(&(kind.code().to_string(), id)) else {
                out.push(ArchiveLine { missing: vec!["没有档案".into()], ..line });
                continue;
            };
            let entries = entries.get(archive).map(Vec::as_slice).unwrap_or(&[]);
            let ops = operations.get(&kind).map(|by_id| by_id.get(&id).map(|o| o.0).unwrap_or_default());
            let standing = standing(entries);
            let count = |k: gongdao_domain::archive::EntryKind| standing.iter().filter(|e| e.kind == k).count();
            let rules = rules_of(regions.get(archive).copied().unwrap_or_default());
            let c = ops.map(|ops| credit(rules, entries, ops, today));
            out.push(ArchiveLine {
                archived: true,
                entries: standing.len(),
                rewards: count(gongdao_domain::archive::EntryKind::Reward),
                complaints: count(gongdao_domain::archive::EntryKind::Complaint),
                sanctions_in_force: standing.iter().filter(|e| in_force(e, today)).count(),
                legal_aid_cases: ops.map_or(0, |o| o.legal_aid_cases),
                duty_services: ops.map_or(0, |o| o.duty_services),
                satisfaction: ops.and_then(|o| o.satisfaction),
                score: c.as_ref().map(|c| c.score),
                grade: c.map(|c| c.grade).unwrap_or_default(),
                missing: missing(licensed, entries, today),
                ..line
            });
        }
        Ok(out)
    }
}

impl ArchiveLine {
    /// A subject's line before anything is known of its archive.
    fn blank(kind: ArchiveKind, subject_id: i64, name: String, type_label: String, region_name: String) -> Self {
        ArchiveLine {
            kind,
            subject_id,
            name,
            type_label,
            region_name,
            archived: false,
            entries: 0,
            rewards: 0,
            complaints: 0,
            sanctions_in_force: 0,
            legal_aid_cases: 0,
            duty_services: 0,
            satisfaction: None,
            score: None,
            grade: String::new(),
            missing: Vec::new(),
        }
    }
}

/// One archive on a ledger line.
#[derive(Clone, Debug)]
pub struct ArchiveLine {
    pub kind: ArchiveKind,
    pub subject_id: i64,
    pub name: String,
    pub type_label: String,
    pub region_name: String,
    /// False only if an archive were missing (coverage is by construction).
    pub archived: bool,
    /// Standing entries (corrected ones left out).
    pub entries: usize,
    pub rewards: usize,
    pub complaints: usize,
    pub sanctions_in_force: usize,
    pub legal_aid_cases: i64,
    pub duty_services: i64,
    pub satisfaction: Option<f64>,
    pub score: Option<i64>,
    pub grade: String,
    pub missing: Vec<String>,
}

/// A line of the public directory.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DirectoryItem {
    /// `institution` or `person`.
    pub kind: String,
    pub id: i64,
    pub name: String,
    pub type_label: String,
    pub region_name: String,
    /// A person's institution.
    pub institution_name: Option<String>,
}

/// What the public directory searches for.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Part of a name.
    pub q: Option<String>,
    /// `institution` or `person`.
    pub kind: Option<String>,
}

/// An entry as the public sees it: what and when, from where.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublicEntry {
    pub occurred_on: chrono::NaiveDate,
    pub what: String,
    pub source: String,
    pub until: Option<chrono::NaiveDate>,
}

/// A public profile (服务公开): nothing beyond what may be public.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PublicProfile {
    pub kind: String,
    pub id: i64,
    pub name: String,
    pub type_label: String,
    pub region_name: String,
    pub institution_id: Option<i64>,
    pub institution_name: Option<String>,
    /// An institution's services, hours and address (a service point's, public).
    pub services: Vec<String>,
    pub opening_hours: Option<String>,
    /// A service point's address (an institution's only; a person's is never shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_address: Option<String>,
    /// A person's practice (licence number, years, specialties), as the national
    /// lawyers' platform shows them.
    pub licence_no: Option<String>,
    pub practice_years: Option<i32>,
    pub specialties: Vec<String>,
    pub licence_status: String,
    pub rated: i64,
    pub satisfaction: Option<f64>,
    pub legal_aid_cases: i64,
    /// Legal help given on duty (公益服务).
    pub duty_services: i64,
    pub latest_assessment: Option<String>,
    pub rewards: Vec<PublicEntry>,
    /// Sanctions and penalties within their publicity period only.
    pub discipline_in_force: Vec<PublicEntry>,
    pub credit_grade: String,
    /// An institution's workers in the directory.
    pub people: Vec<DirectoryItem>,
}

impl Services {
    /// The public directory: institutions and legal service workers by name.
    pub async fn directory(&self, q: &DirectoryQuery) -> Result<Vec<DirectoryItem>, ServiceError> {
        let reader = self.store().reader();
        let home = Scope::new(self.config().home_region);
        let text =
            q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(30).collect::<String>());
        let kind = q.kind.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(k) = kind
            && ArchiveKind::from_code(k).is_none()
        {
            return Err(FieldError::new("kind", "类别只能是机构（institution）或人员（person）").into());
        }
        let mut out = Vec::new();
        let page = Page::new(200, 0);
        if kind != Some("person") {
            let filter = InstitutionFilter { text: text.clone(), ..Default::default() };
            let (items, _) = institutions::list(reader, home, &filter, page).await?;
            out.extend(items.into_iter().map(|i| DirectoryItem {
                kind: "institution".into(),
                id: i.id.0,
                name: i.name,
                type_label: i.kind.label().into(),
                region_name: i.region_name,
                institution_name: None,
            }));
        }
        if kind != Some("institution") {
            let filter = PersonFilter { text, active: Some(true), ..Default::default() };
            let (items, _) = people::list(reader, home, &filter, page).await?;
            out.extend(items.into_iter().filter(|p| person_keeps_archive(p.kind)).map(|p| DirectoryItem {
                kind: "person".into(),
                id: p.id.0,
                name: p.name,
                type_label: p.kind.label().into(),
                region_name: p.region_name,
                institution_name: p.institution_name,
            }));
        }
        Ok(out)
    }

    /// A public profile of an institution or a worker of the installation.
    pub async fn public_profile(&self, kind: &str, id: i64) -> Result<PublicProfile, ServiceError> {
        let kind = parse_kind(kind)?;
        let reader = self.store().reader();
        let home = Scope::new(self.config().home_region);
        let subject = self.subject(reader, home, kind, id).await?;
        let archive = store::of_subject(reader, kind, id).await?.ok_or(ServiceError::NotFound("诚信档案"))?;
        let entries = store::entries(reader, archive.id).await?;
        let today = self.today();
        let (ops, rated) = self.operations(kind, id).await?;
        let licensed = subject.licensed();
        let standing_entries = standing(&entries);
        let public = |e: &&Entry| PublicEntry {
            occurred_on: e.occurred_on,
            what: match e.sanction {
                Some(s) => format!("{}：{}", s.label(), e.title),
                None => e.title.clone(),
            },
            source: e.source.clone(),
            until: e.period_to,
        };
        let rewards = standing_entries
            .iter()
            .filter(|e| e.kind == gongdao_domain::archive::EntryKind::Reward)
            .map(public)
            .collect();
        let discipline_in_force = standing_entries.iter().filter(|e| in_force(e, today)).map(public).collect();
        let latest_assessment = standing_entries
            .iter()
            .filter(|e| e.kind == gongdao_domain::archive::EntryKind::AnnualAssessment)
            .max_by_key(|e| e.occurred_on)
            .and_then(|e| {
                e.assessment.map(|a| format!("{}年度：{}", chrono::Datelike::year(&e.occurred_on), a.label()))
            });
        let credit_grade = credit(&self.credit_rules(archive.region_code).await?, &entries, ops, today).grade;
        let base = PublicProfile {
            kind: kind.code().into(),
            id,
            name: String::new(),
            type_label: String::new(),
            region_name: String::new(),
            institution_id: None,
            institution_name: None,
            services: Vec::new(),
            opening_hours: None,
            service_address: None,
            licence_no: None,
            practice_years: None,
            specialties: Vec::new(),
            licence_status: licence_status(licensed, &entries, today).into(),
            rated,
            satisfaction: ops.satisfaction,
            legal_aid_cases: ops.legal_aid_cases,
            duty_services: ops.duty_services,
            latest_assessment,
            rewards,
            discipline_in_force,
            credit_grade,
            people: Vec::new(),
        };
        Ok(match subject {
            Subject::Institution(i) => {
                let filter = PersonFilter { institution: Some(i.id), active: Some(true), ..Default::default() };
                let (staff, _) = people::list(reader, home, &filter, Page::new(200, 0)).await?;
                PublicProfile {
                    name: i.name,
                    type_label: i.kind.label().into(),
                    region_name: i.region_name,
                    services: i.services.iter().map(|s| s.label().to_string()).collect(),
                    opening_hours: i.opening_hours,
                    service_address: i.address,
                    people: staff
                        .into_iter()
                        .filter(|p| person_keeps_archive(p.kind))
                        .map(|p| DirectoryItem {
                            kind: "person".into(),
                            id: p.id.0,
                            name: p.name,
                            type_label: p.kind.label().into(),
                            region_name: p.region_name,
                            institution_name: None,
                        })
                        .collect(),
                    ..base
                }
            }
            Subject::Person(p) => PublicProfile {
                name: p.name,
                type_label: p.kind.label().into(),
                region_name: p.region_name,
                institution_id: p.institution_id.map(|i| i.0),
                institution_name: p.institution_name,
                licence_no: p.licence_no,
                practice_years: p.practice_years,
                specialties: p.specialties,
                ..base
            },
        })
    }
}

impl Services {
    /// The demo's archives: licences as the directory states them (a worker's from
    /// their practice years), last year's assessment for most, a few rewards, a
    /// sanction in force, a trainee's grassroots days; two archives left lacking their
    /// assessment so the completeness check has something to say. Through the use case,
    /// so each entry has its audit entry and score.
    pub(crate) async fn seed_demo_archives(&self) -> Result<(), ServiceError> {
        use chrono::Datelike;
        let admin = self.demo_actor("admin").await?;
        let today = self.today();
        let last_year = today.year() - 1;
        let page = Page::new(Page::MAX_LIMIT, 0);
        let reader = self.store().reader();
        let (insts, _) = institutions::list(reader, admin.scope, &InstitutionFilter::default(), page).await?;
        let (persons, _) = people::list(reader, admin.scope, &PersonFilter::default(), page).await?;
        let entry = |kind: &str, on: NaiveDate, title: &str, source: &str| EntryInput {
            kind: kind.into(),
            occurred_on: on.to_string(),
            title: title.into(),
            source: source.into(),
            ..Default::default()
        };
        let assessed_on = NaiveDate::from_ymd_opt(today.year(), 3, 20).filter(|d| *d <= today).unwrap_or(today);
        for (n, i) in insts.iter().filter(|i| licensed_institution(i.kind)).enumerate() {
            let licensed = NaiveDate::from_ymd_opt(2008 + (n as i32 % 12), 5, 10).unwrap_or(today);
            self.add_archive_entry(
                &admin,
                "institution",
                i.id.0,
                &entry("licence", licensed, "取得执业许可证", "白城市司法局"),
            )
            .await?;
            let mut a = entry("annual_assessment", assessed_on, &format!("{last_year}年度检查考核"), "白城市司法局");
            a.assessment = Some("competent".into());
            self.add_archive_entry(&admin, "institution", i.id.0, &a).await?;
        }
        for (n, p) in persons.iter().filter(|p| licensed_person(p.kind)).enumerate() {
            let years = p.practice_years.unwrap_or(5).clamp(1, 40);
            let licensed = NaiveDate::from_ymd_opt(today.year() - years, 7, 1).unwrap_or(today);
            self.add_archive_entry(&admin, "person", p.id.0, &entry("licence", licensed, "取得执业证", "吉林省司法厅"))
                .await?;
            if n % 9 == 4 {
                continue; // last year's assessment not yet recorded
            }
            let mut a = entry("annual_assessment", assessed_on, &format!("{last_year}年度考核"), "白城市律师协会");
            a.assessment = Some(if n % 13 == 7 { "basically_competent" } else { "competent" }.into());
            self.add_archive_entry(&admin, "person", p.id.0, &a).await?;
            if n % 5 == 0 {
                let on = NaiveDate::from_ymd_opt(last_year, 12, 4).unwrap_or(today);
                self.add_archive_entry(
                    &admin,
                    "person",
                    p.id.0,
                    &entry("reward", on, "宪法宣传月活动先进个人", "洮北区司法局"),
                )
                .await?;
            }
            if n == 3 {
                let on = today - chrono::Duration::days(60);
                let mut d = entry("discipline", on, "未按规定履行告知义务", "白律协处字〔2026〕2号");
                d.sanction = Some("circular_criticism".into());
                d.period_from = Some(on.to_string());
                d.period_to = Some((on + chrono::Duration::days(365)).to_string());
                self.add_archive_entry(&admin, "person", p.id.0, &d).await?;
            }
        }
        for p in persons.iter().filter(|p| p.kind == gongdao_domain::network::PersonType::TraineeLawyer).take(3) {
            let on = today - chrono::Duration::days(40);
            let mut d = entry("service_days", on, "在乡镇公共法律服务工作站服务", "平台镇司法所");
            d.days = Some(32);
            self.add_archive_entry(&admin, "person", p.id.0, &d).await?;
        }
        Ok(())
    }
}
