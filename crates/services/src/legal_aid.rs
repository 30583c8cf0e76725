//! Legal aid use cases: the public eligibility check, which reads an
//! application's facts as typed, decides with the district's rules
//! ([`gongdao_domain::legal_aid::evaluate`]) and answers with the reasons. No login, no
//! side effects (the web layer limits it per address); and the case from filing to
//! archive, each step in the order [`next_status`] allows, with its statutory limit on
//! the district's calendar, its history entry and its audit entry in one transaction.

use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission};
use gongdao_domain::calendar::china_local;
use gongdao_domain::error::ValidationErrors;
use gongdao_domain::ids::{InstitutionId, RequestId};
use gongdao_domain::legal_aid::assignment::{Areas, Candidate, CandidateKind, Exclusion, Needs, rank};
use gongdao_domain::legal_aid::case::{
    Action, CaseFacts, CaseStatus, Channel, Decision, Dues, LegalAidCase, ObjectionResult, ObjectionStatus,
    TerminationGround, Verification, may_handle, next_status, takes_green_channel,
};
use gongdao_domain::legal_aid::{
    AidStage, Applicant, Application, CaseType, CriminalFacts, Hardship, Household, Matter, Reason, Sentence, Verdict,
    evaluate,
};
use gongdao_domain::network::{InstitutionType, PersonType};
use gongdao_domain::request::Group;
use gongdao_domain::{DivisionCode, FieldError, IdNumber, PhoneNumber, RegionLevel, text};
use gongdao_store::legal_aid::{self, ListFilter};
use gongdao_store::{ConnectionTrait, Page, accounts, counters, institutions, regions, requests};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Event as AuditEvent;
use crate::{ServiceError, Services};

/// The facts of an application, as typed. Fields not relevant to the case type may be
/// left out, and so may the income when the applicant is exempt from the check.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct EligibilityInput {
    /// `civil`, `administrative`, `criminal_suspect`, `criminal_victim`,
    /// `compulsory_treatment` or `retrial`.
    #[serde(default)]
    pub case_type: String,
    /// The matter of a civil or administrative case (`labour`, `support` …).
    pub matter: Option<String>,
    #[serde(default)]
    pub applicant: ApplicantInput,
    #[serde(default)]
    pub criminal: CriminalInput,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct ApplicantInput {
    /// The platform's group codes (`elderly`, `migrant_worker` …).
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub no_fixed_income: bool,
    /// Receives social or judicial assistance, or special care (优抚).
    #[serde(default)]
    pub social_assistance: bool,
    /// People in the household, the applicant included.
    #[schema(minimum = 1, maximum = 30)]
    pub household_size: Option<i64>,
    /// The household's monthly income in yuan.
    #[schema(minimum = 0, maximum = 10000000)]
    pub household_monthly_income: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct CriminalInput {
    #[serde(default)]
    pub minor: bool,
    #[serde(default)]
    pub sensory_disability: bool,
    #[serde(default)]
    pub mental_incapacity: bool,
    /// `life_or_death`, `three_years_or_more` or `under_three_years`.
    pub possible_sentence: Option<String>,
    #[serde(default)]
    pub death_penalty_review: bool,
    #[serde(default)]
    pub in_absentia: bool,
}

impl EligibilityInput {
    /// The application, or every field at fault.
    pub fn parse(&self) -> Result<Application, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let case_type = errors.check(CaseType::parse_field("case_type", &self.case_type));
        let needs_matter = matches!(case_type, Some(CaseType::Civil | CaseType::Administrative));
        let matter = match self.matter.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(code) => errors.check(Matter::parse_field("matter", code)),
            None if needs_matter => {
                errors.push(FieldError::new("matter", "请选择申请法律援助的事项"));
                None
            }
            None => None,
        };
        let a = &self.applicant;
        let groups: Vec<Group> =
            a.groups.iter().filter_map(|g| errors.check(Group::parse_field("applicant.groups", g))).collect();
        let household = match (a.household_size, a.household_monthly_income) {
            (None, None) => None,
            (Some(size), Some(income)) => match Household::parse(size, income) {
                Ok(h) => Some(h),
                Err(e) => {
                    e.0.into_iter().for_each(|f| errors.push(f));
                    None
                }
            },
            (Some(_), None) => {
                errors.push(FieldError::new("applicant.household_monthly_income", "请同时填写家庭月收入（元）"));
                None
            }
            (None, Some(_)) => {
                errors.push(FieldError::new("applicant.household_size", "请同时填写家庭人口"));
                None
            }
        };
        let c = &self.criminal;
        let sentence = c
            .possible_sentence
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| errors.check(Sentence::parse_field("criminal.possible_sentence", s)));
        match case_type {
            Some(case_type) if errors.is_empty() => Ok(Application {
                case_type,
                matter,
                applicant: Applicant {
                    groups,
                    no_fixed_income: a.no_fixed_income,
                    social_assistance: a.social_assistance,
                    household,
                },
                criminal: CriminalFacts {
                    minor: c.minor,
                    sensory_disability: c.sensory_disability,
                    mental_incapacity: c.mental_incapacity,
                    possible_sentence: sentence,
                    death_penalty_review: c.death_penalty_review,
                    in_absentia: c.in_absentia,
                },
            }),
            _ => Err(errors),
        }
    }
}

/// The verdict with its reasons, each citing its article or policy.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EligibilityAnswer {
    /// `eligible`, `not_eligible` or `needs_review`.
    #[schema(value_type = String)]
    pub verdict: Verdict,
    /// `not_required`, `exempt`, `met`, `not_met` or `unknown`.
    #[schema(value_type = String)]
    pub hardship: Hardship,
    pub reasons: Vec<Reason>,
}

impl Services {
    /// Decides whether the facts qualify for legal aid under the installation's rules.
    pub async fn check_eligibility(&self, input: &EligibilityInput) -> Result<EligibilityAnswer, ServiceError> {
        let application = input.parse()?;
        let book = self.rules().await?;
        let e = evaluate(&book.installation().legal_aid, &application);
        Ok(EligibilityAnswer { verdict: e.verdict, hardship: e.hardship, reasons: e.reasons })
    }
}

/// An application as staff file it (or a notice from a court, procuratorate or police):
/// who applies, where, and the facts the eligibility engine reads.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct ApplicationInput {
    /// The legal aid centre or station receiving it.
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub centre_id: Option<String>,
    /// `window`, `hotline`, `online`, `kiosk`, `notice` or `forwarded`.
    #[serde(default)]
    pub channel: String,
    /// The organ that notified (通知辩护) or forwarded the application.
    pub notice_from: Option<String>,
    /// A service matter this application was filed as, if any.
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub request_id: Option<String>,
    /// Twelve-digit code of the applicant's village or township.
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    /// The opposing party, for the conflict-of-interest check.
    pub opponent: Option<String>,
    /// 案情简述.
    #[serde(default)]
    pub facts: String,
    /// 先行提供法律援助 (第四十四条).
    #[serde(default)]
    pub urgent: bool,
    /// How hardship is verified when it must be: `pledge` (default) or `lookup`.
    pub verification: Option<String>,
    #[serde(default)]
    pub eligibility: EligibilityInput,
}

/// A step on a case: which fields matter depends on the step.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct StepInput {
    /// The version of the case read (a step on a stale page is refused).
    pub version: Option<i64>,
    /// A note for the history; the reasons of a decision; the progress; the closing
    /// report; the materials still needed; the objection.
    pub text: Option<String>,
    /// The person assigned.
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub person_id: Option<String>,
    /// Why someone other than the first of the ranked list, or an excluded candidate.
    pub override_reason: Option<String>,
    /// Termination ground (第四十八条), e.g. `hired_counsel`.
    pub ground: Option<String>,
    /// An objection's outcome: `upheld` or `dismissed`.
    pub result: Option<String>,
    /// The closure review's quality score, 0–100.
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub score: Option<String>,
    /// At the closure review: the stages the case went through (`investigation`,
    /// `prosecution`, `first_instance`, `second_instance`, `arbitration`,
    /// `non_litigation`), which the subsidy is the sum of where the district pays by stage.
    #[serde(default)]
    pub stages: Vec<String>,
}

/// A candidate as the reviewer sees them.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RankedCandidate {
    pub person_id: i64,
    pub name: String,
    pub kind: String,
    /// The law firm or office they practise in, which the case is assigned to with them.
    pub institution_id: Option<i64>,
    pub institution: Option<String>,
    pub practice_years: u32,
    pub open_cases: u32,
    pub score: i32,
    /// Each part of the score, e.g. “业务专长与案件相符 +30”.
    pub reasons: Vec<String>,
    /// Why they may not take the case, if so.
    pub excluded: Option<String>,
}

/// A count of cases under a key (a month `YYYY-MM`, a status or a case type code) with
/// its Chinese label.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
}

/// The legal aid overview's figures.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LegalAidFigures {
    /// The first day of the period's first month: figures count whole months.
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub by_month: Vec<Count>,
    pub by_status: Vec<Count>,
    pub by_case_type: Vec<Count>,
    /// By how the application came in (窗口、12348 热线、网上、自助终端、通知辩护、转交).
    pub by_channel: Vec<Count>,
    /// By the applicant's township (key: its division code).
    pub by_township: Vec<Count>,
    /// By special group (a case of two groups counts in each).
    pub by_group: Vec<Count>,
    /// Applications received in the period.
    pub received: i64,
    /// Of them, with at least one special group (特殊群体).
    pub special_groups: i64,
    /// Cases past their closure review, whose aided person is to be visited (两及时), and
    /// of them those visited.
    pub follow_up_due: i64,
    pub followed_up: i64,
    /// Cases assigned or in hand now (及时追踪), and of them those with progress logged
    /// (or assigned) within the district's tracking interval of `tracking_days`.
    pub tracking_days: u32,
    pub tracking_due: i64,
    pub tracked: i64,
    pub decided: i64,
    pub decided_in_time: i64,
    pub assigned: i64,
    pub assigned_in_time: i64,
    pub green_channel: i64,
    pub green_same_day: i64,
}

fn optional_id(field: &str, label: &str, v: &Option<String>) -> Result<Option<i64>, FieldError> {
    gongdao_domain::ids::optional_id(field, label, v.as_deref())
}

/// The parsed application.
struct ApplicationDraft {
    centre_id: i64,
    channel: Channel,
    notice_from: Option<String>,
    request_id: Option<i64>,
    region: DivisionCode,
    name: String,
    id_number: Option<IdNumber>,
    phone: Option<PhoneNumber>,
    opponent: Option<String>,
    facts: String,
    urgent: bool,
    verification: Option<Verification>,
    application: Application,
}

impl ApplicationInput {
    fn parse(&self, today: chrono::NaiveDate) -> Result<ApplicationDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let centre_id = errors.check(optional_id("centre_id", "法律援助机构", &self.centre_id)).flatten();
        if centre_id.is_none() && !errors.0.iter().any(|e| e.field == "centre_id") {
            errors.push(FieldError::new("centre_id", "请选择受理的法律援助机构"));
        }
        let channel = errors.check(Channel::parse_field("channel", &self.channel));
        let notice_from =
            errors.check(text::optional("notice_from", "通知或转交机关", self.notice_from.as_deref(), 60)).flatten();
        if matches!(channel, Some(Channel::Notice | Channel::Forwarded)) && notice_from.is_none() {
            errors.push(FieldError::new("notice_from", "请填写通知或转交申请的机关（法律援助法第三十六、三十九条）"));
        }
        let request_id = errors.check(optional_id("request_id", "服务事项", &self.request_id)).flatten();
        let region = errors.check(DivisionCode::parse("region", &self.region));
        if let Some(r) = region
            && !matches!(r.level(), RegionLevel::Village | RegionLevel::Township)
        {
            errors.push(FieldError::new("region", "请选择申请人所在的乡镇（街道）或村（社区）"));
        }
        let name = errors.check(text::required("name", "申请人姓名", &self.name, 30));
        let id_number = match self.id_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => errors.check(IdNumber::parse("id_number", s, today)),
        };
        let phone = match self.phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => errors.check(PhoneNumber::parse_personal("phone", s)),
        };
        let opponent = errors.check(text::optional("opponent", "对方当事人", self.opponent.as_deref(), 60)).flatten();
        let facts = errors.check(text::optional_multiline("facts", "案情简述", Some(&self.facts), 4000)).flatten();
        if facts.is_none() && !errors.0.iter().any(|e| e.field == "facts") {
            errors.push(FieldError::new("facts", "请简要写明案情和申请事项"));
        }
        let verification = match self.verification.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => errors
                .check(Verification::parse_field("verification", v))
                .filter(|v| matches!(v, Verification::Pledge | Verification::Lookup))
                .or_else(|| {
                    errors.push(FieldError::new("verification", "核查方式应为个人诚信承诺或信息共享查询"));
                    None
                }),
        };
        let application = match self.eligibility.parse() {
            Ok(a) => Some(a),
            Err(e) => {
                for f in e.0 {
                    errors.push(FieldError::new(format!("eligibility.{}", f.field), f.message));
                }
                None
            }
        };
        errors.into_result()?;
        Ok(ApplicationDraft {
            centre_id: centre_id.expect("checked"),
            channel: channel.expect("checked"),
            notice_from,
            request_id,
            region: region.expect("checked"),
            name: name.expect("checked"),
            id_number,
            phone,
            opponent,
            facts: facts.expect("checked"),
            urgent: self.urgent,
            verification,
            application: application.expect("checked"),
        })
    }
}

/// Who may take which step: the centre's reviewer decides and assigns, the assigned
/// person works the case, the bureau's leader reviews objections (第四十九条).
pub fn permission_for(action: Action) -> Permission {
    match action {
        Action::SignAgreement | Action::LogProgress | Action::SubmitClosing | Action::Correct => {
            Permission::HandleLegalAid
        }
        Action::FileObjection => Permission::HandleRequests,
        Action::DecideObjection => Permission::DecideObjections,
        _ => Permission::ReviewLegalAid,
    }
}

/// The steps `actor` may take on the case now: those the order of steps allows and the
/// actor's role may take (an objection's review is offered whatever its outcome will be).
pub fn available_steps(actor: &Actor, c: &LegalAidCase) -> Vec<Action> {
    let facts = c.facts_for_steps();
    Action::ALL
        .iter()
        .copied()
        .filter(|a| {
            let outcome = (*a == Action::DecideObjection).then_some(ObjectionResult::Dismissed);
            actor.can(permission_for(*a))
                && (permission_for(*a) != Permission::HandleLegalAid || may_handle(actor, c.assignee_institution_id))
                && next_status(c.status, *a, facts, outcome).is_ok()
        })
        .collect()
}

/// Whether materials may still be added to a case of `status` (not once it is archived).
pub fn materials_open(status: CaseStatus) -> bool {
    status != CaseStatus::Archived
}

/// Whether the page offers `actor` to upload materials to a case of `status`.
pub fn may_upload_to(actor: &Actor, status: CaseStatus) -> bool {
    actor.can(Permission::HandleRequests) && materials_open(status)
}

fn candidate_kind(kind: PersonType) -> CandidateKind {
    match kind {
        PersonType::Lawyer => CandidateKind::Lawyer,
        PersonType::GrassrootsLegalWorker => CandidateKind::GrassrootsWorker,
        _ => CandidateKind::Staff,
    }
}

impl Services {
    /// 受理登记: files an application or a notice at a legal aid centre or station in
    /// scope, with the engine's verdict on its facts. A notice (通知辩护) needs no
    /// review: it is to be assigned within three days (第三十六条).
    pub async fn file_legal_aid(&self, actor: &Actor, input: &ApplicationInput) -> Result<LegalAidCase, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let d = input.parse(self.today())?;
        if !actor.scope.contains(d.region) {
            return Err(ServiceError::field("region", "申请人所在地不在您的管辖范围内"));
        }
        let book = self.rules().await?;
        let rules = book.for_region(d.region);
        let e = evaluate(&rules.legal_aid, &d.application);
        let tx = self.store().begin().await?;
        let centre = institutions::get(&tx, actor.scope, InstitutionId(d.centre_id))
            .await?
            .filter(|i| matches!(i.kind, InstitutionType::LegalAidCenter | InstitutionType::LegalAidStation))
            .ok_or_else(|| ServiceError::field("centre_id", "请选择您管辖范围内的法律援助中心或工作站"))?;
        if let Some(request) = d.request_id
            && requests::get_model(&tx, actor.scope, RequestId(request)).await?.is_none()
        {
            return Err(ServiceError::field("request_id", "关联的服务事项不存在或不在您的管辖范围内"));
        }
        let now = self.now();
        let district = d.region.ancestor_at(RegionLevel::District).unwrap_or(d.region);
        let year = china_local(now).format("%Y").to_string();
        let seq = counters::next(&tx, &format!("legal_aid:{district}:{year}")).await?;
        let short = regions::get(&tx, district)
            .await?
            .map(|r| r.name.trim_end_matches(['区', '县', '市']).to_string())
            .unwrap_or_default();
        let number = format!("（{year}）{short}法援字第{seq:04}号");
        let cipher = self.cipher();
        let mut r = legal_aid::new_record(number.clone(), d.region, centre.id.0, now, actor.user_id.0);
        let a = &d.application;
        r.request_id = d.request_id;
        r.channel = d.channel.code().into();
        r.notice_from = d.notice_from.clone();
        r.case_type = a.case_type.code().into();
        r.matter = a.matter.map(|m| m.code().into());
        r.groups = legal_aid::group_set(&a.applicant.groups);
        r.applicant_name = cipher.seal(&d.name);
        r.applicant_name_bidx = cipher.name_index(&d.name);
        r.applicant_id_enc = d.id_number.as_ref().map(|x| cipher.seal(x.as_str()));
        r.applicant_id_masked = d.id_number.as_ref().map(|x| x.masked());
        r.applicant_phone_enc = d.phone.as_ref().map(|x| cipher.seal(x.as_str()));
        r.applicant_phone_masked = d.phone.as_ref().map(|x| x.masked());
        r.household_size = a.applicant.household.map(|h| h.size as i32);
        r.household_income_fen = a.applicant.household.map(|h| h.monthly_income.0);
        r.possible_sentence = a.criminal.possible_sentence.map(|s| s.code().into());
        r.life_or_death =
            a.criminal.possible_sentence == Some(Sentence::LifeOrDeath) || a.criminal.death_penalty_review;
        r.minor = a.criminal.minor || a.applicant.groups.contains(&Group::Minor);
        r.opponent = d.opponent.as_deref().map(|o| cipher.seal(o));
        r.opponent_bidx = d.opponent.as_deref().map(|o| cipher.name_index(o));
        r.facts = cipher.seal(&d.facts);
        r.verdict = e.verdict.code().into();
        r.hardship = e.hardship.code().into();
        r.verification = match e.hardship {
            Hardship::NotRequired => Verification::NotRequired,
            Hardship::Exempt => Verification::Exempt,
            _ => d.verification.unwrap_or(Verification::Pledge),
        }
        .code()
        .into();
        r.urgent = d.urgent;
        r.green_channel = takes_green_channel(&a.applicant.groups, a.matter, e.hardship);
        if matches!(d.channel, Channel::Notice) {
            // A notice is itself the decision: assign within three days of it.
            r.status = CaseStatus::Granted.code().into();
            r.accepted_at = Some(now);
            r.decision = Some(Decision::Grant.code().into());
            r.decided_at = Some(now);
            r.decision_reason = Some(
                cipher.seal(&format!("{}通知指派（法律援助法第三十六条）", d.notice_from.clone().unwrap_or_default())),
            );
            r.assign_due = Some(rules.due(now, rules.deadlines.legal_aid.notice_assign.period).0);
        }
        let hours = rules.deadlines.reminder_before_hours;
        let mut watched = r.clone();
        let id = legal_aid::insert(&tx, r).await?;
        watched.id = id;
        self.watch_legal_aid_limit(&tx, &watched, hours).await?;
        let note = format!("{}，{}", d.channel.label(), a.case_type.label());
        legal_aid::add_event(
            &tx,
            cipher,
            id,
            Action::Accept,
            Some(&format!("收到申请：{note}")),
            Some(actor.user_id.0),
            now,
        )
        .await?;
        self.audit(
            &tx,
            actor,
            AuditEvent::new(
                AuditAction::Create,
                AuditObject::LegalAidCase,
                id,
                d.region,
                format!("法律援助登记 {number}（{note}）"),
            ),
        )
        .await?;
        tx.commit().await?;
        // Whoever filed it sees what they filed (a lawyer too, though it is not yet
        // assigned to their firm).
        legal_aid::get(self.store().reader(), self.cipher(), actor.scope, id)
            .await?
            .ok_or(ServiceError::NotFound("法律援助案件"))
    }

    pub async fn legal_aid_case(&self, actor: &Actor, id: i64) -> Result<LegalAidCase, ServiceError> {
        actor.require(Permission::ViewRequests)?;
        legal_aid::get(self.store().reader(), self.cipher(), actor.scope, id)
            .await?
            .filter(|c| may_handle(actor, c.assignee_institution_id))
            .ok_or(ServiceError::NotFound("法律援助案件"))
    }

    /// A case's row in the actor's reach: in their scope and, for a lawyer, assigned to
    /// their firm (see [`may_handle`]); otherwise not found, as if it did not exist.
    async fn record_in_reach(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> Result<legal_aid::CaseRecord, ServiceError> {
        legal_aid::record(conn, actor.scope, id)
            .await?
            .filter(|m| may_handle(actor, m.assignee_institution_id))
            .ok_or(ServiceError::NotFound("法律援助案件"))
    }

    pub async fn legal_aid_cases(
        &self,
        actor: &Actor,
        status: Option<&str>,
        case_type: Option<&str>,
        page: &crate::network::PageQuery,
    ) -> Result<(Vec<LegalAidCase>, u64), ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let mut errors = ValidationErrors::new();
        let status = status
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| errors.check(CaseStatus::parse_field("status", s)));
        let case_type = case_type
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| errors.check(CaseType::parse_field("case_type", s)));
        errors.into_result()?;
        let page: Page = page.parse()?;
        // A lawyer lists their firm's cases only (none without a firm).
        let firm = (actor.role == gongdao_domain::auth::Role::Lawyer).then(|| actor.institution_id.map_or(-1, |i| i.0));
        let filter = ListFilter { status, case_type, firm };
        Ok(legal_aid::list(self.store().reader(), self.cipher(), actor.scope, &filter, page).await?)
    }

    /// The ranked candidates for a case, with the reason for every score and exclusion.
    pub async fn legal_aid_candidates(&self, actor: &Actor, id: i64) -> Result<Vec<RankedCandidate>, ServiceError> {
        actor.require(Permission::ReviewLegalAid)?;
        let conn = self.store().reader();
        let m = legal_aid::record(conn, actor.scope, id).await?.ok_or(ServiceError::NotFound("法律援助案件"))?;
        self.rank_candidates(conn, actor, &m).await
    }

    async fn rank_candidates(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        m: &legal_aid::CaseRecord,
    ) -> Result<Vec<RankedCandidate>, ServiceError> {
        let since = self.now() - chrono::Duration::days(90);
        let rows = legal_aid::candidates(conn, actor.scope, m.opponent_bidx.as_deref(), since).await?;
        let bad = || ServiceError::Internal("bad legal aid case".into());
        let needs = Needs {
            case_type: CaseType::from_code(&m.case_type).ok_or_else(bad)?,
            matter: m.matter.as_deref().and_then(Matter::from_code),
            region: DivisionCode::from_db(m.region_code).ok_or_else(bad)?,
            opponents: m.opponent_bidx.iter().cloned().collect(),
            life_or_death: m.life_or_death,
            minor: m.minor,
        };
        let candidates: Vec<Candidate> = rows
            .iter()
            .map(|r| Candidate {
                person_id: r.person_id,
                name: r.name.clone(),
                kind: candidate_kind(r.kind),
                firm_id: r.institution_id,
                region: r.region,
                areas: Areas::of_specialties(r.specialties.iter().map(String::as_str)),
                practice_years: r.practice_years,
                open_cases: r.open_cases,
                recent_assignments: r.recent_assignments,
                clients: if r.acted_for_opponent { needs.opponents.clone() } else { Vec::new() },
            })
            .collect();
        let by_id: std::collections::HashMap<i64, &legal_aid::CandidateRow> =
            rows.iter().map(|r| (r.person_id, r)).collect();
        Ok(rank(&needs, &candidates)
            .into_iter()
            .filter_map(|x| {
                let r = by_id.get(&x.person_id)?;
                Some(RankedCandidate {
                    person_id: x.person_id,
                    name: r.name.clone(),
                    kind: r.kind.label().into(),
                    institution_id: r.institution_id,
                    institution: r.institution_name.clone(),
                    practice_years: r.practice_years,
                    open_cases: r.open_cases,
                    score: x.score,
                    reasons: x.parts.iter().map(|p| format!("{} {:+}", p.what, p.points)).collect(),
                    excluded: x.exclusion.as_ref().map(Exclusion::text),
                })
            })
            .collect())
    }

    /// One step on a case, in order (see [`next_status`]); the step and its note go to
    /// the history and the audit trail in the same transaction.
    pub async fn legal_aid_step(
        &self,
        actor: &Actor,
        id: i64,
        action: Action,
        input: &StepInput,
    ) -> Result<LegalAidCase, ServiceError> {
        actor.require(permission_for(action))?;
        let book = self.rules().await?;
        let tx = self.store().begin().await?;
        let m = self.record_in_reach(&tx, actor, id).await?;
        if input.version.is_some_and(|v| v != m.version) {
            return Err(ServiceError::stale("法律援助案件"));
        }
        if permission_for(action) == Permission::HandleLegalAid && !may_handle(actor, m.assignee_institution_id) {
            return Err(ServiceError::Forbidden("该案件未指派给您所在的律师事务所，只有承办律师可以办理此步骤".into()));
        }
        let current = step_state(&m)?;
        let region = DivisionCode::from_db(m.region_code).unwrap_or(self.config().home_region);
        let rules = book.for_region(region);
        let limits = &rules.deadlines.legal_aid;
        let objection = match action {
            Action::DecideObjection => {
                Some(ObjectionResult::parse_field("result", input.result.as_deref().unwrap_or("").trim())?)
            }
            _ => None,
        };
        let next =
            next_status(current.status, action, current.facts, objection).map_err(|e| ServiceError::Conflict(e.0))?;
        let now = self.now();
        let cipher = self.cipher();
        let text = |label: &str, required: bool| -> Result<Option<String>, ServiceError> {
            let t = text::optional_multiline("text", label, input.text.as_deref(), 4000)?;
            if required && t.is_none() {
                return Err(ServiceError::field("text", format!("请填写{label}")));
            }
            Ok(t)
        };
        let mut r = m.clone();
        r.status = next.code().into();
        let mut note: Option<String> = None;
        match action {
            Action::Accept => {
                r.accepted_at = Some(now);
                r.decide_due = Some(rules.due(now, limits.decide.period).0);
                note = text("备注", false)?;
            }
            Action::RequestMaterials => {
                let list = text("需要补充的全部材料（一次性告知）", true)?.expect("required");
                r.materials_list = Some(cipher.seal(&list));
                // The time waiting for materials does not count (第四十三条第二款).
                r.decide_due = None;
                note = Some(format!("一次性告知补充材料：{list}"));
            }
            Action::MaterialsReceived => {
                r.decide_due = Some(rules.due(now, limits.decide.period).0);
                note = text("备注", false)?;
            }
            Action::Grant | Action::Refuse => {
                let reason = text(
                    if action == Action::Grant { "决定理由" } else { "不予法律援助的理由" },
                    action == Action::Refuse,
                )?;
                r.decision =
                    Some(if action == Action::Grant { Decision::Grant } else { Decision::Refuse }.code().into());
                r.decided_at = Some(now);
                r.decision_reason = reason.as_deref().map(|t| cipher.seal(t));
                if next == CaseStatus::Granted {
                    r.assign_due = Some(rules.due(now, limits.assign.period).0);
                }
                if next == CaseStatus::Terminated {
                    r.termination_ground = Some(TerminationGround::NoLongerEligible.code().into());
                }
                note = reason;
            }
            Action::Assign => {
                let person = optional_id("person_id", "承办人员", &input.person_id)?
                    .ok_or_else(|| ServiceError::field("person_id", "请选择承办人员"))?;
                let ranked = self.rank_candidates(&tx, actor, &m).await?;
                let pos = ranked
                    .iter()
                    .position(|c| c.person_id == person)
                    .ok_or_else(|| ServiceError::field("person_id", "承办人员不在您管辖范围内的候选人中"))?;
                let chosen = &ranked[pos];
                let override_reason =
                    text::optional("override_reason", "改选理由", input.override_reason.as_deref(), 200)?;
                if chosen.excluded.is_some() && override_reason.is_none() {
                    return Err(ServiceError::field(
                        "override_reason",
                        format!(
                            "{}：{}；确需指派的，请写明理由",
                            chosen.name,
                            chosen.excluded.clone().unwrap_or_default()
                        ),
                    ));
                }
                if pos > 0 && ranked[0].excluded.is_none() && override_reason.is_none() {
                    return Err(ServiceError::field(
                        "override_reason",
                        format!("推荐人选是{}，改选{}请写明理由", ranked[0].name, chosen.name),
                    ));
                }
                r.assignee_id = Some(person);
                r.assignee_institution_id = chosen.institution_id;
                r.assigned_at = Some(now);
                r.assignment_override = override_reason.clone();
                r.agreement_due = Some(rules.due(now, limits.agreement.period).0);
                note = Some(match &override_reason {
                    Some(why) => format!("指派{}（改选理由：{why}）", chosen.name),
                    None => format!("指派{}（得分{}）", chosen.name, chosen.score),
                });
            }
            Action::SignAgreement => {
                r.agreement_signed_at = Some(now);
                note = text("备注", false)?;
            }
            Action::LogProgress | Action::Correct => {
                note = text(if action == Action::Correct { "更正内容" } else { "办理进展" }, true)?;
                if action == Action::LogProgress {
                    r.last_progress_at = Some(now);
                }
            }
            Action::SubmitClosing => {
                let report = text("结案报告", true)?.expect("required");
                r.closing_report = Some(cipher.seal(&report));
                r.closing_submitted_at = Some(now);
                note = Some("提交结案报告（法律援助法第五十条）".into());
            }
            Action::ReviewClosing => {
                let score = input
                    .score
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .and_then(|s| s.parse::<i32>().ok())
                    .filter(|s| (0..=100).contains(s))
                    .ok_or_else(|| ServiceError::field("score", "质量评分应为0到100之间的整数"))?;
                r.review_score = Some(score);
                r.closed_at = Some(now);
                let mut stages = Vec::new();
                for code in &input.stages {
                    stages.push(AidStage::parse_field("stages", code)?);
                }
                let case_type =
                    CaseType::from_code(&m.case_type).ok_or_else(|| ServiceError::Internal("case type".into()))?;
                let due = rules.legal_aid.subsidy_due(case_type, &stages)?;
                r.subsidy_fen = due.as_ref().map(|d| d.total.0);
                note = Some(format!(
                    "结案审查：质量评分{score}；{}",
                    due.map_or("本区未设补贴标准".to_string(), |d| d.describe())
                ));
            }
            Action::FollowUp => {
                r.followed_up_at = Some(now);
                note = text("回访情况", true)?;
            }
            Action::Archive => {
                r.archived_at = Some(now);
            }
            Action::Terminate => {
                let ground = TerminationGround::parse_field("ground", input.ground.as_deref().unwrap_or("").trim())?;
                r.termination_ground = Some(ground.code().into());
                r.closed_at = Some(now);
                let why = text("终止说明", false)?;
                note = Some(format!(
                    "终止（法律援助法第四十八条第{}项：{}）{}",
                    ground.item(),
                    ground.label(),
                    why.map(|w| format!("：{w}")).unwrap_or_default()
                ));
            }
            Action::FileObjection => {
                let what = text("异议内容", true)?.expect("required");
                r.objection_status = ObjectionStatus::Pending.code().into();
                r.objection_filed_at = Some(now);
                r.objection_due = Some(rules.due(now, limits.objection.period).0);
                note = Some(what);
            }
            Action::DecideObjection => {
                let result = objection.expect("parsed above");
                let reason = text("审查意见", true)?.expect("required");
                r.objection_status = if result == ObjectionResult::Upheld {
                    ObjectionStatus::Upheld
                } else {
                    ObjectionStatus::Dismissed
                }
                .code()
                .into();
                if result == ObjectionResult::Upheld {
                    if next == CaseStatus::Granted {
                        r.decision = Some(Decision::Grant.code().into());
                        r.decided_at = Some(now);
                        r.assign_due = Some(rules.due(now, limits.assign.period).0);
                    } else {
                        r.termination_ground = None;
                        r.closed_at = None;
                    }
                }
                note = Some(format!("{}：{reason}", result.label()));
            }
        }
        match legal_aid::save(&tx, &m, &r, now).await? {
            gongdao_store::Versioned::Updated(()) => {}
            gongdao_store::Versioned::Stale { .. } => return Err(ServiceError::stale("法律援助案件")),
            gongdao_store::Versioned::NotFound => return Err(ServiceError::NotFound("法律援助案件")),
        }
        legal_aid::add_event(&tx, cipher, id, action, note.as_deref(), Some(actor.user_id.0), now).await?;
        if action == Action::Archive && r.termination_ground.is_none() && r.assignee_institution_id.is_some() {
            // The applicant rates the firm that acted for them (one case, one rating).
            let phone = cipher
                .open_text_opt(r.applicant_phone_enc.as_deref())?
                .and_then(|p| gongdao_domain::PhoneNumber::parse("phone", &p).ok());
            let completed = crate::evaluation::Completed {
                kind: gongdao_domain::evaluation::ServiceKind::LegalAid,
                id,
                number: r.number.clone(),
                channel: gongdao_domain::evaluation::EvalChannel::Offline,
                region,
                institution_id: r.assignee_institution_id,
                served_by: None,
                phone,
            };
            self.invite_evaluation(&tx, rules, completed).await?;
        }
        self.watch_legal_aid_limit(&tx, &r, rules.deadlines.reminder_before_hours).await?;
        self.audit(
            &tx,
            actor,
            AuditEvent::new(
                AuditAction::Update,
                AuditObject::LegalAidCase,
                id,
                region,
                format!("{} {}", m.number, action.label()),
            ),
        )
        .await?;
        tx.commit().await?;
        self.legal_aid_case(actor, id).await
    }

    /// The overview's figures for the cases in scope received in `[from, to]`.
    pub async fn legal_aid_figures(
        &self,
        actor: &Actor,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<LegalAidFigures, ServiceError> {
        actor.require(Permission::ViewRequests)?;
        // Figures are kept by month of receipt: a period counts its whole months.
        let (first, last) = (from.format("%Y-%m").to_string(), to.format("%Y-%m").to_string());
        let f = legal_aid::figures(self.store().reader(), actor.scope, &first, &last).await?;
        let labelled = |pairs: Vec<(String, i64)>, label: &dyn Fn(&str) -> Option<&'static str>| -> Vec<Count> {
            pairs
                .into_iter()
                .map(|(key, count)| Count { label: label(&key).map_or(key.clone(), str::to_string), key, count })
                .collect()
        };
        let townships = regions::names(self.store().reader(), f.by_township.iter().map(|(code, _)| *code)).await?;
        let t = f.totals;
        // 及时追踪 is today's state of the cases in hand, whatever the period.
        let book = self.rules().await?;
        let interval = book.for_region(actor.scope.root).deadlines.legal_aid.tracking.period.amount;
        let since = self.now() - chrono::Duration::days(i64::from(interval));
        let (tracking_due, tracked) = legal_aid::tracking(self.store().reader(), actor.scope, since).await?;
        Ok(LegalAidFigures {
            from: chrono::NaiveDate::parse_from_str(&format!("{first}-01"), "%Y-%m-%d").unwrap_or(from),
            to,
            by_month: f.by_month.into_iter().map(|(key, count)| Count { label: key.clone(), key, count }).collect(),
            by_status: labelled(f.by_status, &|k| CaseStatus::from_code(k).map(|s| s.label())),
            by_case_type: labelled(f.by_case_type, &|k| CaseType::from_code(k).map(|s| s.label())),
            by_channel: labelled(f.by_channel, &|k| Channel::from_code(k).map(|s| s.label())),
            by_group: labelled(f.by_group, &|k| Group::from_code(k).map(|s| s.label())),
            by_township: f
                .by_township
                .into_iter()
                .map(|(code, count)| Count {
                    key: code.to_string(),
                    label: townships.get(&code).cloned().unwrap_or_else(|| code.to_string()),
                    count,
                })
                .collect(),
            received: t.n,
            special_groups: f.special,
            decided: t.decided,
            decided_in_time: t.decided_in_time,
            assigned: t.assigned,
            assigned_in_time: t.assigned_in_time,
            green_channel: t.green,
            green_same_day: t.green_same_day,
            follow_up_due: t.follow_up_due,
            followed_up: t.followed_up,
            tracking_days: interval,
            tracking_due,
            tracked,
        })
    }
}

impl Services {
    /// A period of figures as typed: `from` and `to` (YYYY-MM-DD, default the year up to
    /// today), at most ten years, `from` not after `to`.
    pub fn figure_period(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<(chrono::NaiveDate, chrono::NaiveDate), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let today = self.today();
        let mut day = |field: &str, label: &str, v: Option<&str>, default: chrono::NaiveDate| match v
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Some(default),
            Some(s) => errors.check(gongdao_domain::network::parse_date(field, label, s)),
        };
        let to = day("to", "截止日期", to, today);
        // By default the twelve months up to this one, whole months (as figures are kept).
        let twelve_months = chrono::Datelike::with_day(&today, 1)
            .and_then(|d| d.checked_sub_months(chrono::Months::new(11)))
            .unwrap_or(today);
        let from = day("from", "起始日期", from, twelve_months);
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                errors.push(FieldError::new("from", "起始日期不能晚于截止日期"));
            } else if (t - f).num_days() > 3660 {
                errors.push(FieldError::new("from", "统计期间最长十年"));
            }
        }
        errors.into_result()?;
        Ok((from.expect("checked"), to.expect("checked")))
    }
}

/// How many synthetic cases to write, and how many of them still open.
#[derive(Clone, Copy, Debug)]
pub struct LegalAidSynthSpec {
    pub count: u32,
    /// Spread over this many days before today.
    pub days: i64,
    pub seed: u64,
}

/// Facts of the synthetic applications: (case type, matter, facts).
const SYNTH_FACTS: &[(CaseType, Option<Matter>, &str)] = &[
    (CaseType::Civil, Some(Matter::Labour), "在工地打工，包工头拖欠工资"),
    (CaseType::Civil, Some(Matter::Labour), "在饭店干活被辞退，不给结算工资"),
    (CaseType::Civil, Some(Matter::PersonalInjury), "骑电动车被轿车撞伤，对方不赔医药费"),
    (CaseType::Civil, Some(Matter::PersonalInjury), "在工厂干活手被机器轧伤，工伤赔偿没有着落"),
    (CaseType::Civil, Some(Matter::Support), "子女不给赡养费，老人生活困难"),
    (CaseType::Civil, Some(Matter::Support), "离婚后对方不给孩子抚养费"),
    (CaseType::Civil, Some(Matter::DomesticViolence), "长期遭受丈夫殴打，要求离婚"),
    (CaseType::Civil, Some(Matter::Land), "承包地被村里收回另行发包"),
    (CaseType::Civil, Some(Matter::Farming), "买到假种子，玉米减产"),
    (CaseType::Civil, Some(Matter::SocialInsurance), "单位不给缴纳社会保险"),
    (CaseType::Administrative, Some(Matter::StateCompensation), "被错误拘留，请求国家赔偿"),
    (CaseType::CriminalSuspect, None, "涉嫌盗窃被刑事拘留，家里无力请律师"),
    (CaseType::CriminalSuspect, None, "涉嫌故意伤害，可能判处三年以上有期徒刑"),
    (CaseType::CriminalVictim, None, "被人打伤，对方已被起诉，要求附带民事赔偿"),
    (CaseType::Retrial, None, "对已生效的判决不服，申请再审"),
];

impl Services {
    /// Writes synthetic legal aid cases over the home district's villages (the demo's
    /// history and the benchmarks): received over the last `days`, the older the further
    /// along, with the dates, limits, decisions and assignments each stage has.
    pub async fn synthesize_legal_aid(
        &self,
        spec: &LegalAidSynthSpec,
        progress: impl Fn(&str),
    ) -> Result<u64, ServiceError> {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let home = gongdao_domain::auth::Scope::new(self.config().home_region);
        let reader = self.store().reader();
        let villages: Vec<DivisionCode> =
            regions::list_level(reader, home, RegionLevel::Village).await?.into_iter().map(|r| r.code).collect();
        let centres: Vec<(i64, DivisionCode)> = institutions::keys(reader, home)
            .await?
            .into_iter()
            .filter(|(_, kind, _, _)| {
                kind == InstitutionType::LegalAidCenter.code() || kind == InstitutionType::LegalAidStation.code()
            })
            .filter_map(|(id, _, region, _)| DivisionCode::from_db(region).map(|r| (id, r)))
            .collect();
        let lawyers = legal_aid::candidates(reader, home, None, self.now()).await?;
        if villages.is_empty() || centres.is_empty() || lawyers.is_empty() {
            return Err(ServiceError::Conflict("数据库中没有村、法律援助机构或律师，请先生成演示数据".into()));
        }
        let district =
            self.config().home_region.ancestor_at(RegionLevel::District).unwrap_or(self.config().home_region);
        let short = regions::get(reader, district)
            .await?
            .map(|r| r.name.trim_end_matches(['区', '县', '市']).to_string())
            .unwrap_or_default();
        let book = self.rules().await?;
        let rules = book.for_region(district);
        let limits = rules.deadlines.legal_aid.clone();
        let mut rng = StdRng::seed_from_u64(spec.seed);
        let now = self.now();
        let cipher = self.cipher().clone();
        let by = accounts::find_by_username(reader, "reviewer").await?.map(|u| u.id.0).unwrap_or(0);
        let mut written = 0u64;
        let batch = 5_000u32;
        while written < u64::from(spec.count) {
            let size = batch.min(spec.count - written as u32);
            let mut records = Vec::with_capacity(size as usize);
            for _ in 0..size {
                let age_days = rng.random_range(0..spec.days.max(1));
                let received =
                    now - chrono::Duration::days(age_days) - chrono::Duration::minutes(rng.random_range(0..480));
                let village = villages[rng.random_range(0..villages.len())];
                let township = village.ancestor_at(RegionLevel::Township).unwrap_or(village);
                let centre = centres
                    .iter()
                    .find(|(_, r)| *r == township && rng.random_bool(0.6))
                    .or_else(|| centres.iter().find(|(_, r)| r.level() == RegionLevel::District))
                    .unwrap_or(&centres[0])
                    .0;
                let (case_type, matter, facts) = SYNTH_FACTS[rng.random_range(0..SYNTH_FACTS.len())];
                let mut groups = Vec::new();
                if matches!(matter, Some(Matter::Labour)) && rng.random_bool(0.7) {
                    groups.push(Group::MigrantWorker);
                }
                if rng.random_bool(0.2) {
                    groups.push(
                        [Group::Elderly, Group::Disabled, Group::Rural, Group::Women, Group::Minor]
                            [rng.random_range(0..5)],
                    );
                }
                let application = Application {
                    case_type,
                    matter,
                    applicant: Applicant {
                        groups: groups.clone(),
                        no_fixed_income: rng.random_bool(0.3),
                        social_assistance: rng.random_bool(0.1),
                        household: Some(Household {
                            size: rng.random_range(1..6),
                            monthly_income: gongdao_domain::legal_aid::Fen(rng.random_range(0..900_000)),
                        }),
                    },
                    criminal: CriminalFacts {
                        possible_sentence: Some(Sentence::ALL[rng.random_range(0..Sentence::ALL.len())]),
                        minor: rng.random_bool(0.05),
                        ..CriminalFacts::default()
                    },
                };
                let e = evaluate(&rules.legal_aid, &application);
                let name = crate::names::person_name(&mut rng);
                let phone = crate::names::mobile(&mut rng);
                let mut r = legal_aid::new_record(String::new(), village, centre, received, by);
                r.channel = [Channel::Window, Channel::Window, Channel::Hotline, Channel::Online, Channel::Kiosk]
                    [rng.random_range(0..5)]
                .code()
                .into();
                r.case_type = case_type.code().into();
                r.matter = matter.map(|m| m.code().into());
                r.groups = legal_aid::group_set(&groups);
                r.applicant_name = cipher.seal(&name);
                r.applicant_name_bidx = cipher.name_index(&name);
                let phone = PhoneNumber::parse("phone", &phone).ok();
                r.applicant_phone_masked = phone.as_ref().map(PhoneNumber::masked);
                r.applicant_phone_enc = phone.as_ref().map(|p| cipher.seal(p.as_str()));
                r.household_size = application.applicant.household.map(|h| h.size as i32);
                r.household_income_fen = application.applicant.household.map(|h| h.monthly_income.0);
                r.possible_sentence = application.criminal.possible_sentence.map(|s| s.code().into());
                r.life_or_death = application.criminal.possible_sentence == Some(Sentence::LifeOrDeath);
                r.minor = application.criminal.minor;
                r.facts = cipher.seal(facts);
                r.verdict = e.verdict.code().into();
                r.hardship = e.hardship.code().into();
                r.verification = match e.hardship {
                    Hardship::NotRequired => Verification::NotRequired,
                    Hardship::Exempt => Verification::Exempt,
                    _ => Verification::Pledge,
                }
                .code()
                .into();
                r.green_channel = takes_green_channel(&groups, matter, e.hardship);
                // How far along: the older, the further.
                let roll: f64 = rng.random();
                let stage = match age_days {
                    0..=2 => rng.random_range(0..4),
                    3..=20 => rng.random_range(2..6),
                    21..=90 => rng.random_range(4..8),
                    _ => rng.random_range(6..10),
                };
                let refused = e.verdict == Verdict::NotEligible && roll < 0.8;
                let hours = |rng: &mut StdRng, lo: i64, hi: i64| chrono::Duration::hours(rng.random_range(lo..hi));
                let same_day = r.green_channel && rng.random_bool(0.8);
                let mut t = received + chrono::Duration::minutes(rng.random_range(5..90));
                r.status = CaseStatus::Received.code().into();
                if stage >= 1 {
                    r.accepted_at = Some(t);
                    r.decide_due = Some(rules.due(t, limits.decide.period).0);
                    r.status = CaseStatus::Reviewing.code().into();
                }
                if stage >= 2 {
                    t += if same_day {
                        chrono::Duration::minutes(30)
                    } else if roll < 0.05 {
                        chrono::Duration::days(9)
                    } else {
                        hours(&mut rng, 4, 120)
                    };
                    r.decided_at = Some(t);
                    if refused {
                        r.decision = Some(Decision::Refuse.code().into());
                        r.decision_reason = Some(cipher.seal("经审查，申请人家庭经济状况不符合经济困难标准"));
                        r.status = CaseStatus::Refused.code().into();
                        r.closed_at = Some(t);
                    } else {
                        r.decision = Some(Decision::Grant.code().into());
                        r.assign_due = Some(rules.due(t, limits.assign.period).0);
                        r.status = CaseStatus::Granted.code().into();
                    }
                }
                if stage >= 3 && !refused {
                    t += if same_day {
                        chrono::Duration::minutes(30)
                    } else if roll > 0.95 {
                        chrono::Duration::days(4)
                    } else {
                        hours(&mut rng, 1, 60)
                    };
                    let needs_lawyer = matches!(case_type, CaseType::CriminalSuspect | CaseType::CriminalVictim);
                    let pool: Vec<&legal_aid::CandidateRow> =
                        lawyers.iter().filter(|l| !needs_lawyer || l.kind == PersonType::Lawyer).collect();
                    let who = pool[rng.random_range(0..pool.len())];
                    r.assignee_id = Some(who.person_id);
                    r.assignee_institution_id = who.institution_id;
                    r.assigned_at = Some(t);
                    r.agreement_due = Some(rules.due(t, limits.agreement.period).0);
                    r.status = CaseStatus::Assigned.code().into();
                }
                if stage >= 4 && !refused {
                    t += hours(&mut rng, 2, 96);
                    r.agreement_signed_at = Some(t);
                    r.status = CaseStatus::Handling.code().into();
                    // Progress logged some days after the agreement; most cases in hand
                    // have word within the month, some have gone quiet.
                    let quiet = chrono::Duration::days(rng.random_range(1..60));
                    r.last_progress_at = Some((t + quiet).min(now));
                    if roll > 0.97 {
                        r.status = CaseStatus::Terminated.code().into();
                        r.termination_ground = Some(TerminationGround::HiredCounsel.code().into());
                        r.closed_at = Some(t + chrono::Duration::days(10));
                    }
                }
                let terminated = r.status == CaseStatus::Terminated.code();
                let mut last = t;
                if stage >= 6 && !refused && !terminated {
                    t += chrono::Duration::days(rng.random_range(20..80));
                    r.closing_report = Some(cipher.seal("案件办理完毕，结果已告知受援人"));
                    r.closing_submitted_at = Some(t);
                    r.status = CaseStatus::ClosingReview.code().into();
                    last = t;
                }
                if stage >= 7 && !refused && !terminated && t < now {
                    t += chrono::Duration::days(rng.random_range(1..15));
                    r.review_score = Some(rng.random_range(70..100));
                    r.subsidy_fen = rules.legal_aid.subsidy(case_type).map(|s| s.amount.0);
                    r.closed_at = Some(t);
                    r.status = CaseStatus::Closed.code().into();
                    last = t;
                }
                if stage >= 8 && !refused && !terminated && t < now {
                    t += chrono::Duration::days(rng.random_range(3..20));
                    r.followed_up_at = Some(t);
                    last = t;
                }
                if stage >= 9 && r.followed_up_at.is_some() && t < now {
                    t += chrono::Duration::days(rng.random_range(1..10));
                    r.archived_at = Some(t);
                    r.status = CaseStatus::Archived.code().into();
                    last = t;
                }
                r.updated_at = last.min(now);
                records.push(r);
            }
            // Numbers in the order received, per year, from the district's counters.
            records.sort_by_key(|r| r.received_at);
            let tx = self.store().begin().await?;
            let mut by_year: std::collections::BTreeMap<String, Vec<usize>> = std::collections::BTreeMap::new();
            for (i, r) in records.iter().enumerate() {
                by_year.entry(china_local(r.received_at).format("%Y").to_string()).or_default().push(i);
            }
            for (year, idx) in by_year {
                let last = counters::take(&tx, &format!("legal_aid:{district}:{year}"), idx.len() as i64).await?;
                let first = last - idx.len() as i64 + 1;
                for (k, i) in idx.into_iter().enumerate() {
                    records[i].number = format!("（{year}）{short}法援字第{:04}号", first + k as i64);
                }
            }
            legal_aid::insert_many(&tx, records).await?;
            tx.commit().await?;
            written += u64::from(size);
            progress(&format!("已写入法律援助案件 {written}/{}", spec.count));
        }
        self.store().analyze().await?;
        Ok(written)
    }
}

impl Services {
    /// An official document of a case in scope (see [`gongdao_domain::legal_aid::documents`]).
    pub async fn legal_aid_document(
        &self,
        actor: &Actor,
        id: i64,
        kind: &str,
    ) -> Result<gongdao_domain::legal_aid::documents::OfficialDocument, ServiceError> {
        use gongdao_domain::legal_aid::documents::{DocumentKind, document};
        let kind = DocumentKind::parse_field("kind", kind).map_err(|_| ServiceError::NotFound("文书"))?;
        let c = self.legal_aid_case(actor, id).await?;
        let mut doc = document(&c, kind, self.today()).map_err(ServiceError::Conflict)?;
        if kind == DocumentKind::Closing {
            doc.scan = self.rating_scan_code(gongdao_domain::evaluation::ServiceKind::LegalAid, id).await?;
        }
        Ok(doc)
    }

    /// An official document of a case in scope as a PDF file, with the name to file it
    /// under.
    pub async fn legal_aid_document_pdf(
        &self,
        actor: &Actor,
        id: i64,
        kind: &str,
    ) -> Result<(String, Vec<u8>), ServiceError> {
        let doc = self.legal_aid_document(actor, id, kind).await?;
        let name = doc.file_name("pdf");
        Ok((name, self.document_pdf(doc).await?))
    }

    /// The overview's figures as an .xlsx file (one sheet of lines: what, how many).
    pub async fn export_legal_aid_figures(
        &self,
        actor: &Actor,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<u8>, ServiceError> {
        let f = self.legal_aid_figures(actor, from, to).await?;
        let rate = |n: i64, d: i64| {
            if d == 0 { "无数据".to_string() } else { format!("{:.1}%", n as f64 * 100.0 / d as f64) }
        };
        let mut rows: Vec<(String, String, String)> = vec![
            ("统计期间".into(), format!("{} 至 {}", f.from, f.to), String::new()),
            ("收到申请（件）".into(), f.received.to_string(), String::new()),
            ("特殊群体申请".into(), format!("{}/{}", f.special_groups, f.received), rate(f.special_groups, f.received)),
            (
                "7日内作出决定".into(),
                format!("{}/{}", f.decided_in_time, f.decided),
                rate(f.decided_in_time, f.decided),
            ),
            (
                "3日内指派".into(),
                format!("{}/{}", f.assigned_in_time, f.assigned),
                rate(f.assigned_in_time, f.assigned),
            ),
            ("绿色通道案件".into(), f.green_channel.to_string(), String::new()),
            (
                "绿色通道当日指派（三立即）".into(),
                f.green_same_day.to_string(),
                rate(f.green_same_day, f.green_channel),
            ),
            (
                format!("在办案件{}日内有进展（及时追踪）", f.tracking_days),
                format!("{}/{}", f.tracked, f.tracking_due),
                rate(f.tracked, f.tracking_due),
            ),
            (
                "结案后回访（及时回访）".into(),
                format!("{}/{}", f.followed_up, f.follow_up_due),
                rate(f.followed_up, f.follow_up_due),
            ),
        ];
        rows.extend(f.by_month.iter().map(|c| (format!("{} 收到申请", c.label), c.count.to_string(), String::new())));
        rows.extend(
            f.by_case_type.iter().map(|c| (format!("案件类型：{}", c.label), c.count.to_string(), String::new())),
        );
        rows.extend(f.by_status.iter().map(|c| (format!("状态：{}", c.label), c.count.to_string(), String::new())));
        let share = |c: &Count| rate(c.count, f.received);
        rows.extend(f.by_channel.iter().map(|c| (format!("渠道：{}", c.label), c.count.to_string(), share(c))));
        rows.extend(
            f.by_township.iter().map(|c| (format!("乡镇（街道）：{}", c.label), c.count.to_string(), share(c))),
        );
        rows.extend(f.by_group.iter().map(|c| (format!("特殊群体：{}", c.label), c.count.to_string(), share(c))));
        let n = rows.len();
        let bytes = crate::export::three_columns(
            "法律援助统计",
            self.export_title("法律援助统计"),
            ["项目", "数量", "比例"],
            rows,
        )
        .await?;
        self.audit_export(actor, AuditObject::LegalAidCase, "法律援助统计", n, None).await?;
        Ok(bytes)
    }
}

/// Reminds the reviewers before a case's running limit ends and tells them and the
/// bureau's leaders when it has passed (督办).
pub const LIMIT_JOB: &str = "legal_aid_limit";

/// What a stored case's status, objection and limits are, read from its row.
struct StepState {
    status: CaseStatus,
    objection: ObjectionStatus,
    facts: CaseFacts,
}

fn step_state(m: &legal_aid::CaseRecord) -> Result<StepState, ServiceError> {
    let bad = || ServiceError::Internal(format!("legal aid case {} has an unknown state", m.id));
    let objection = ObjectionStatus::from_code(&m.objection_status).ok_or_else(bad)?;
    Ok(StepState {
        status: CaseStatus::from_code(&m.status).ok_or_else(bad)?,
        objection,
        facts: CaseFacts {
            urgent: m.urgent,
            decided: m.decision.is_some(),
            objection_pending: objection == ObjectionStatus::Pending,
            objection_filed: objection != ObjectionStatus::None,
            followed_up: m.followed_up_at.is_some(),
        },
    })
}

/// The limit running on a stored case, if any: what it is and when it ends.
fn running_limit(m: &legal_aid::CaseRecord) -> Option<(&'static str, chrono::DateTime<chrono::Utc>)> {
    let state = step_state(m).ok()?;
    let dues =
        Dues { decide: m.decide_due, assign: m.assign_due, agreement: m.agreement_due, objection: m.objection_due };
    gongdao_domain::legal_aid::case::running_limit(state.status, state.objection, dues)
}

impl Services {
    /// Schedules the reminder of the limit now running on the case, if one is.
    async fn watch_legal_aid_limit(
        &self,
        conn: &impl ConnectionTrait,
        m: &legal_aid::CaseRecord,
        hours: u32,
    ) -> Result<(), ServiceError> {
        if let Some((_, due)) = running_limit(m) {
            let at = due - chrono::Duration::hours(i64::from(hours));
            gongdao_store::jobs::ensure(conn, LIMIT_JOB, m.id, at, self.now()).await?;
        }
        Ok(())
    }

    /// The job: before the limit, a reminder to the reviewers in whose scope the case
    /// is; after it, the same to them and to the leaders. Each once per limit.
    pub(crate) async fn legal_aid_limit_job(
        &self,
        conn: &impl ConnectionTrait,
        book: &crate::rules::RuleBook,
        id: i64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, ServiceError> {
        use gongdao_domain::auth::Role;
        let Some(m) = legal_aid::record(conn, gongdao_domain::auth::Scope::new(self.config().home_region), id).await?
        else {
            return Ok(None);
        };
        let Some((what, due)) = running_limit(&m) else { return Ok(None) };
        let region = DivisionCode::from_db(m.region_code).unwrap_or(self.config().home_region);
        let rules = book.for_region(region);
        let remind_at = due - chrono::Duration::hours(i64::from(rules.deadlines.reminder_before_hours));
        if now < remind_at {
            return Ok(Some(remind_at));
        }
        let overdue = now >= due;
        let roles: &[Role] = if overdue { &[Role::LegalAidReviewer, Role::Leader] } else { &[Role::LegalAidReviewer] };
        let users = accounts::supervisors_of(conn, region, roles).await?;
        let body = if overdue {
            format!(
                "督办：法律援助案件 {} 已超过{what}时限（{}）",
                m.number,
                gongdao_domain::calendar::deadline_text(due)
            )
        } else {
            format!(
                "法律援助案件 {} 将于 {} 到达{what}时限，请及时办理",
                m.number,
                gongdao_domain::calendar::deadline_text(due)
            )
        };
        let messages: Vec<gongdao_store::outbox::NewMessage> = users
            .iter()
            .map(|u| gongdao_store::outbox::NewMessage {
                channel: gongdao_store::outbox::Channel::InApp,
                user: Some(u.id),
                phone: None,
                template: if overdue { "escalation" } else { "reminder" },
                body: body.clone(),
                request: m.request_id.map(RequestId),
                at: now,
            })
            .collect();
        gongdao_store::outbox::enqueue_many(conn, self.cipher(), &messages).await?;
        Ok(if overdue { None } else { Some(due) })
    }
}

impl Services {
    /// Whether the actor may add materials: asked before an upload's body is read, so
    /// that one without the right is refused as such, whatever they sent.
    pub fn may_add_legal_aid_materials(&self, actor: &Actor) -> Result<(), ServiceError> {
        Ok(actor.require(Permission::HandleRequests)?)
    }

    /// Keeps an uploaded file with a case in scope (recognised by its content, see
    /// [`gongdao_domain::legal_aid::materials::check_upload`]); not once archived.
    pub async fn upload_legal_aid_material(
        &self,
        actor: &Actor,
        case_id: i64,
        name: &str,
        bytes: &[u8],
    ) -> Result<gongdao_domain::legal_aid::materials::Material, ServiceError> {
        self.may_add_legal_aid_materials(actor)?;
        let tx = self.store().begin().await?;
        let m = self.record_in_reach(&tx, actor, case_id).await?;
        let file = gongdao_domain::legal_aid::materials::check_upload("file", name, bytes)?;
        if !CaseStatus::from_code(&m.status).is_some_and(materials_open) {
            return Err(ServiceError::Conflict("案件已归档，不能再添加材料".into()));
        }
        let material =
            legal_aid::add_material(&tx, self.cipher(), case_id, &file, bytes, Some(actor.user_id.0), self.now())
                .await?;
        let region = DivisionCode::from_db(m.region_code).unwrap_or(self.config().home_region);
        self.audit(
            &tx,
            actor,
            AuditEvent::new(
                AuditAction::Create,
                AuditObject::LegalAidCase,
                case_id,
                region,
                format!("{} 上传材料（{}，{} 字节）", m.number, file.kind.label(), bytes.len()),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(material)
    }

    /// The files of a case in scope.
    pub async fn legal_aid_materials(
        &self,
        actor: &Actor,
        case_id: i64,
    ) -> Result<Vec<gongdao_domain::legal_aid::materials::Material>, ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let reader = self.store().reader();
        self.record_in_reach(reader, actor, case_id).await?;
        Ok(legal_aid::materials(reader, self.cipher(), case_id).await?)
    }

    /// One file of a case in scope, with its content.
    pub async fn legal_aid_material_file(
        &self,
        actor: &Actor,
        case_id: i64,
        id: i64,
    ) -> Result<(gongdao_domain::legal_aid::materials::Material, Vec<u8>), ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let reader = self.store().reader();
        self.record_in_reach(reader, actor, case_id).await?;
        legal_aid::material(reader, self.cipher(), case_id, id).await?.ok_or(ServiceError::NotFound("材料"))
    }
}
