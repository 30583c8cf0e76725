//! People's mediation (人民调解): registration, acceptance or refusal, sessions, the
//! agreement (调解协议书) or the failure, judicial confirmation within thirty days
//! (人民调解法 第三十三条, counted by the platform's calendar and reminded), the
//! follow-up on performance, and dispute screening campaigns.

use chrono::{DateTime, Utc};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission};
use gongdao_domain::mediation::{
    AgreementInput, CaseInput, CaseStatus, Confirmation, FindingInput, MediationCase, Performance, Screening,
    ScreeningInput, SessionInput,
};
use gongdao_domain::network::{InstitutionType, parse_date};
use gongdao_domain::{DivisionCode, FieldError, PhoneNumber, RegionLevel, ValidationErrors, text};
use gongdao_store::mediation::{self, CaseUpdate, NewCase};
use gongdao_store::outbox::{Channel as MessageChannel, NewMessage};
use gongdao_store::{ConnectionTrait, Page, Versioned, counters, institutions, jobs, outbox, regions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Event;
use crate::{ServiceError, Services};
use gongdao_domain::calendar::{china_local, from_china_local};

/// Reminds the parties before the judicial-confirmation window closes.
pub const CONFIRMATION_JOB: &str = "judicial_confirmation";

/// A step's text and the version read.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct CaseStep {
    pub text: Option<String>,
    pub version: Option<i64>,
}

/// Judicial confirmation as reported back by the parties.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct ConfirmationInput {
    /// `applied`, `confirmed` or `rejected`.
    #[serde(default)]
    pub status: String,
    pub court: Option<String>,
    pub version: Option<i64>,
}

/// The follow-up on performance (履行回访).
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct FollowUpInput {
    /// `performed`, `partial` or `not_performed`.
    #[serde(default)]
    pub performance: String,
    pub note: Option<String>,
    pub version: Option<i64>,
}

/// Guidance given when mediation fails (人民调解法 第二十六条).
pub const FAILURE_GUIDANCE: &str = "调解不成，依据人民调解法第二十六条，当事人可以依法通过仲裁、行政、司法等途径维护自己的权利：劳动争议可向劳动人事争议仲裁委员会申请仲裁，土地承包经营纠纷可申请农村土地承包仲裁，其他民事纠纷可向人民法院提起诉讼；经济困难的可申请法律援助。";

impl Services {
    /// 调解登记: registers an application or referral at a mediation committee in scope.
    pub async fn register_case(&self, actor: &Actor, input: &CaseInput) -> Result<MediationCase, ServiceError> {
        actor.require(Permission::HandleMediation)?;
        let draft = input.parse(self.today())?;
        let tx = self.store().begin().await?;
        let committee = institutions::get(&tx, actor.scope, gongdao_domain::ids::InstitutionId(draft.committee_id))
            .await?
            .filter(|i| i.kind == InstitutionType::MediationCommittee)
            .ok_or_else(|| ServiceError::field("committee_id", "请选择您管辖范围内的人民调解委员会"))?;
        // A matter it comes from must be one the mediator may see: an id outside the
        // scope (or one that does not exist) is refused alike, naming the field.
        if let Some(request) = draft.request_id
            && gongdao_store::requests::get_model(&tx, actor.scope, gongdao_domain::ids::RequestId(request))
                .await?
                .is_none()
        {
            return Err(ServiceError::field("request_id", "关联的服务事项不存在或不在您的管辖范围内"));
        }
        let now = self.now();
        let district = committee.region.ancestor_at(RegionLevel::District).unwrap_or(committee.region);
        let year = china_local(now).format("%Y").to_string();
        let seq = counters::next(&tx, &format!("mediation:{district}:{year}")).await?;
        let short = regions::get(&tx, district)
            .await?
            .map(|r| r.name.trim_end_matches(['区', '县', '市']).to_string())
            .unwrap_or_default();
        let number = format!("（{year}）{short}调字第{seq:04}号");
        let id = mediation::insert(
            &tx,
            self.cipher(),
            &NewCase { number: &number, draft: &draft, region: committee.region, by: actor.user_id.0, now },
        )
        .await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Create,
                AuditObject::MediationCase,
                id,
                committee.region,
                format!("调解登记 {number}（{}）", draft.dispute_type.label()),
            ),
        )
        .await?;
        tx.commit().await?;
        self.mediation_case(actor, id).await
    }

    pub async fn mediation_case(&self, actor: &Actor, id: i64) -> Result<MediationCase, ServiceError> {
        actor.require(Permission::ViewRequests)?;
        mediation::get(self.store().reader(), self.cipher(), actor.scope, id)
            .await?
            .ok_or(ServiceError::NotFound("调解案件"))
    }

    pub async fn mediation_cases(
        &self,
        actor: &Actor,
        status: Option<&str>,
        page: &crate::network::PageQuery,
    ) -> Result<(Vec<MediationCase>, u64), ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(CaseStatus::parse_field("status", s)?),
            None => None,
        };
        let page: Page = page.parse()?;
        Ok(mediation::list(self.store().reader(), self.cipher(), actor.scope, status, page).await?)
    }

    /// Loads a case for a step, in scope, at the version read.
    async fn case_for_step(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
        version: Option<i64>,
    ) -> Result<(mediation::CaseRecord, CaseStatus), ServiceError> {
        actor.require(Permission::HandleMediation)?;
        let m = mediation::record(conn, actor.scope, id).await?.ok_or(ServiceError::NotFound("调解案件"))?;
        if version.is_some_and(|v| v != m.version) {
            return Err(ServiceError::stale("调解案件"));
        }
        let status =
            CaseStatus::from_code(&m.status).ok_or_else(|| ServiceError::Internal("bad case status".into()))?;
        Ok((m, status))
    }

    async fn apply_case_update(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        m: &mediation::CaseRecord,
        update: CaseUpdate,
        summary: String,
    ) -> Result<(), ServiceError> {
        match mediation::update(conn, m.id, m.version, &update, self.now()).await? {
            Versioned::Updated(()) => {}
            Versioned::Stale { .. } => return Err(ServiceError::stale("调解案件")),
            Versioned::NotFound => return Err(ServiceError::NotFound("调解案件")),
        }
        let region = DivisionCode::from_db(m.region_code).unwrap_or(actor.scope.root);
        self.audit(
            conn,
            actor,
            Event::new(
                AuditAction::Update,
                AuditObject::MediationCase,
                m.id,
                region,
                format!("{} {summary}", m.number),
            ),
        )
        .await
    }

    fn wrong_state(status: CaseStatus, what: &str) -> ServiceError {
        ServiceError::Conflict(format!("该案件{}，不能{what}", status.label()))
    }

    /// 受理: the case is accepted and due within the usual time limit (data: 1个月).
    pub async fn accept_case(&self, actor: &Actor, id: i64, input: &CaseStep) -> Result<MediationCase, ServiceError> {
        actor.require(Permission::HandleMediation)?;
        let book = self.rules().await?;
        let tx = self.store().begin().await?;
        let (m, status) = self.case_for_step(&tx, actor, id, input.version).await?;
        let rules = book.for_region(DivisionCode::from_db(m.region_code).unwrap_or(self.config().home_region));
        if status != CaseStatus::Applied {
            return Err(Self::wrong_state(status, "受理"));
        }
        let now = self.now();
        let (due, _) = rules.due(now, rules.deadlines.mediation.period);
        let update = CaseUpdate {
            status: Some(CaseStatus::Mediating),
            accepted_at: Some(now),
            due_at: Some(due),
            ..Default::default()
        };
        self.apply_case_update(&tx, actor, &m, update, "受理".into()).await?;
        tx.commit().await?;
        self.mediation_case(actor, id).await
    }

    /// 不予受理, with the reason.
    pub async fn refuse_case(&self, actor: &Actor, id: i64, input: &CaseStep) -> Result<MediationCase, ServiceError> {
        actor.require(Permission::HandleMediation)?;
        let reason = text::required("text", "不予受理的理由", input.text.as_deref().unwrap_or(""), 500)?;
        let tx = self.store().begin().await?;
        let (m, status) = self.case_for_step(&tx, actor, id, input.version).await?;
        if status != CaseStatus::Applied {
            return Err(Self::wrong_state(status, "不予受理"));
        }
        let update = CaseUpdate {
            status: Some(CaseStatus::Refused),
            refused_reason: Some(reason),
            closed_at: Some(self.now()),
            ..Default::default()
        };
        self.apply_case_update(&tx, actor, &m, update, "不予受理".into()).await?;
        tx.commit().await?;
        self.mediation_case(actor, id).await
    }

    /// 调解工作记录: adds a session to the case file.
    pub async fn add_session(
        &self,
        actor: &Actor,
        id: i64,
        input: &SessionInput,
    ) -> Result<MediationCase, ServiceError> {
        actor.require(Permission::HandleMediation)?;
        let draft = input.parse(self.today())?;
        let tx = self.store().begin().await?;
        let (m, status) = self.case_for_step(&tx, actor, id, None).await?;
        if status != CaseStatus::Mediating {
            return Err(Self::wrong_state(status, "记录调解"));
        }
        mediation::add_session(
            &tx,
            self.cipher(),
            id,
            &draft,
            from_china_local(draft.held_at),
            actor.user_id.0,
            self.now(),
        )
        .await?;
        let region = DivisionCode::from_db(m.region_code).unwrap_or(actor.scope.root);
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Update,
                AuditObject::MediationCase,
                id,
                region,
                format!("{} 记录调解（{}）", m.number, draft.place),
            ),
        )
        .await?;
        tx.commit().await?;
        self.mediation_case(actor, id).await
    }

    /// 调解协议: records the agreement; it takes effect when signed (第二十九条), and the
    /// parties may apply for judicial confirmation within thirty days (第三十三条): the
    /// last day is counted by the calendar, and a reminder is scheduled.
    pub async fn record_agreement(
        &self,
        actor: &Actor,
        id: i64,
        input: &AgreementInput,
        version: Option<i64>,
    ) -> Result<MediationCase, ServiceError> {
        actor.require(Permission::HandleMediation)?;
        let draft = input.parse(self.today())?;
        let book = self.rules().await?;
        let tx = self.store().begin().await?;
        let (m, status) = self.case_for_step(&tx, actor, id, version).await?;
        let rules = book.for_region(DivisionCode::from_db(m.region_code).unwrap_or(self.config().home_region));
        if status != CaseStatus::Mediating {
            return Err(Self::wrong_state(status, "记录调解协议"));
        }
        let effective = draft.signed_on.and_hms_opt(12, 0, 0).expect("valid");
        let due = rules.calendar.due(effective, rules.deadlines.judicial_confirmation.period).last_day;
        let update = CaseUpdate {
            status: Some(CaseStatus::Agreed),
            agreement: Some(mediation::AgreementRecord {
                facts: self.cipher().sealed(&draft.facts),
                terms: self.cipher().sealed(&draft.terms),
                performance: draft.performance.clone(),
                signed_on: draft.signed_on,
                oral: draft.oral,
                confirmation_due: due,
            }),
            ..Default::default()
        };
        self.apply_case_update(&tx, actor, &m, update, "达成调解协议".into()).await?;
        let now = self.now();
        let remind_day = due
            .checked_sub_signed(chrono::Duration::days(i64::from(rules.deadlines.judicial_confirmation_reminder_days)))
            .unwrap_or(due);
        let remind_at = from_china_local(remind_day.and_hms_opt(9, 0, 0).expect("valid")).max(now);
        jobs::schedule(&tx, CONFIRMATION_JOB, id, remind_at, now).await?;
        let body = format!(
            "【{}人民调解】您参加调解的纠纷已达成调解协议（{}），协议自{}起生效。如需司法确认，请于{}前与对方共同向人民法院申请（人民调解法第三十三条）。",
            self.site_name(&tx).await?,
            m.number,
            draft.signed_on.format("%Y-%m-%d"),
            gongdao_domain::calendar::last_day_text(due),
        );
        self.sms_to_parties(&tx, id, "agreement", &body).await?;
        tx.commit().await?;
        self.mediation_case(actor, id).await
    }

    async fn sms_to_parties(
        &self,
        conn: &impl ConnectionTrait,
        id: i64,
        template: &'static str,
        body: &str,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let messages: Vec<NewMessage> = mediation::party_phones(conn, self.cipher(), id)
            .await?
            .into_iter()
            .filter_map(|(name, phone)| {
                PhoneNumber::parse("phone", &phone).ok().map(|p| NewMessage {
                    channel: MessageChannel::Sms,
                    user: None,
                    phone: Some(p),
                    template,
                    body: format!("{name}，{body}"),
                    request: None,
                    at: now,
                })
            })
            .collect();
        outbox::enqueue_many(conn, self.cipher(), &messages).await?;
        Ok(())
    }

    /// The first party with a phone rates the mediation (one case, one rating); the
    /// committee and the mediator who closed it are rated.
    async fn invite_mediation_rating(
        &self,
        conn: &impl ConnectionTrait,
        book: &crate::rules::RuleBook,
        actor: &Actor,
        m: &mediation::CaseRecord,
    ) -> Result<(), ServiceError> {
        let region = DivisionCode::from_db(m.region_code).unwrap_or(self.config().home_region);
        let phone = mediation::party_phones(conn, self.cipher(), m.id)
            .await?
            .into_iter()
            .find_map(|(_, p)| PhoneNumber::parse("phone", &p).ok());
        let completed = crate::evaluation::Completed {
            kind: gongdao_domain::evaluation::ServiceKind::Mediation,
            id: m.id,
            number: m.number.clone(),
            channel: gongdao_domain::evaluation::EvalChannel::Offline,
            region,
            institution_id: Some(m.committee_id),
            served_by: Some(actor.user_id.0),
            phone,
        };
        self.invite_evaluation(conn, book.for_region(region), completed).await
    }

    /// 调解不成: ends mediation with guidance to arbitration or litigation (第二十六条).
    pub async fn record_failure(
        &self,
        actor: &Actor,
        id: i64,
        input: &CaseStep,
    ) -> Result<MediationCase, ServiceError> {
        actor.require(Permission::HandleMediation)?;
        let note = text::optional_multiline("text", "说明", input.text.as_deref(), 2000)?;
        let book = self.rules().await?;
        let tx = self.store().begin().await?;
        let (m, status) = self.case_for_step(&tx, actor, id, input.version).await?;
        if status != CaseStatus::Mediating {
            return Err(Self::wrong_state(status, "终止调解"));
        }
        let guidance = match note {
            Some(n) => format!("{n}\n{FAILURE_GUIDANCE}"),
            None => FAILURE_GUIDANCE.to_string(),
        };
        let update = CaseUpdate {
            status: Some(CaseStatus::Failed),
            failure_guidance: Some(guidance),
            closed_at: Some(self.now()),
            ..Default::default()
        };
        self.apply_case_update(&tx, actor, &m, update, "调解不成".into()).await?;
        self.invite_mediation_rating(&tx, &book, actor, &m).await?;
        tx.commit().await?;
        self.mediation_case(actor, id).await
    }

    /// Records what became of the judicial confirmation.
    pub async fn record_confirmation(
        &self,
        actor: &Actor,
        id: i64,
        input: &ConfirmationInput,
    ) -> Result<MediationCase, ServiceError> {
        actor.require(Permission::HandleMediation)?;
        let mut errors = ValidationErrors::new();
        let status = errors.check(Confirmation::parse_field("status", &input.status));
        if status == Some(Confirmation::None) {
            errors.push(FieldError::new("status", "请选择申请、确认有效或确认无效"));
        }
        let court = errors.check(text::optional("court", "人民法院", input.court.as_deref(), 60)).flatten();
        errors.into_result()?;
        let tx = self.store().begin().await?;
        let (m, case_status) = self.case_for_step(&tx, actor, id, input.version).await?;
        if case_status != CaseStatus::Agreed {
            return Err(Self::wrong_state(case_status, "登记司法确认"));
        }
        let status = status.expect("checked");
        let update = CaseUpdate { confirmation: Some((status, court)), ..Default::default() };
        self.apply_case_update(&tx, actor, &m, update, format!("司法确认：{}", status.label())).await?;
        tx.commit().await?;
        self.mediation_case(actor, id).await
    }

    /// 回访: the performance of the agreement (第三十一条); performed closes the case.
    pub async fn follow_up_case(
        &self,
        actor: &Actor,
        id: i64,
        input: &FollowUpInput,
    ) -> Result<MediationCase, ServiceError> {
        actor.require(Permission::HandleMediation)?;
        let mut errors = ValidationErrors::new();
        let performance = errors.check(Performance::parse_field("performance", &input.performance));
        if performance == Some(Performance::Pending) {
            errors.push(FieldError::new("performance", "请选择履行情况"));
        }
        let note = errors.check(text::optional_multiline("note", "回访情况", input.note.as_deref(), 2000)).flatten();
        errors.into_result()?;
        let book = self.rules().await?;
        let tx = self.store().begin().await?;
        let (m, status) = self.case_for_step(&tx, actor, id, input.version).await?;
        if status != CaseStatus::Agreed {
            return Err(Self::wrong_state(status, "回访履行情况"));
        }
        let performance = performance.expect("checked");
        let closes = performance == Performance::Performed;
        let update = CaseUpdate {
            performance: Some((performance, note)),
            status: closes.then_some(CaseStatus::Closed),
            closed_at: closes.then_some(self.now()),
            ..Default::default()
        };
        self.apply_case_update(&tx, actor, &m, update, format!("回访：{}", performance.label())).await?;
        if closes {
            self.invite_mediation_rating(&tx, &book, actor, &m).await?;
        }
        tx.commit().await?;
        self.mediation_case(actor, id).await
    }

    /// The background reminder before the judicial-confirmation window closes.
    pub(crate) async fn confirmation_reminder(
        &self,
        conn: &impl ConnectionTrait,
        case_id: i64,
        _now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let Some(m) = mediation::case_by_id(conn, case_id).await? else { return Ok(()) };
        if m.status != CaseStatus::Agreed.code() || m.confirmation != Confirmation::None.code() {
            return Ok(());
        }
        let Some(due) = m.confirmation_due else { return Ok(()) };
        let body = format!(
            "【{}人民调解】提醒：调解协议（{}）申请司法确认的期限至{}，如需申请请与对方共同前往人民法院。",
            self.site_name(conn).await?,
            m.number,
            gongdao_domain::calendar::last_day_text(due),
        );
        self.sms_to_parties(conn, case_id, "confirmation_reminder", &body).await
    }

    /// 矛盾纠纷排查: opens a campaign over a region in scope.
    pub async fn open_screening(&self, actor: &Actor, input: &ScreeningInput) -> Result<i64, ServiceError> {
        actor.require(Permission::HandleMediation)?;
        let mut errors = ValidationErrors::new();
        let title = errors.check(text::required("title", "排查活动名称", &input.title, 60));
        let region = errors.check(DivisionCode::parse("region", &input.region));
        let starts = errors.check(parse_date("starts_on", "开始日期", &input.starts_on));
        let ends = errors.check(parse_date("ends_on", "结束日期", &input.ends_on));
        if let (Some(s), Some(e)) = (starts, ends)
            && e < s
        {
            errors.push(FieldError::new("ends_on", "结束日期不能早于开始日期"));
        }
        errors.into_result()?;
        let region = region.expect("checked");
        if !actor.scope.contains(region) {
            return Err(ServiceError::field("region", "该区划不在您的管辖范围内"));
        }
        let tx = self.store().begin().await?;
        let id = mediation::insert_campaign(
            &tx,
            &title.clone().expect("checked"),
            region,
            starts.expect("checked"),
            ends.expect("checked"),
            actor.user_id.0,
            self.now(),
        )
        .await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Create,
                AuditObject::MediationCase,
                format!("screening-{id}"),
                region,
                format!("矛盾纠纷排查：{}", title.expect("checked")),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records disputes a campaign found in a village.
    pub async fn add_finding(&self, actor: &Actor, campaign: i64, input: &FindingInput) -> Result<(), ServiceError> {
        actor.require(Permission::HandleMediation)?;
        let draft = input.parse()?;
        let tx = self.store().begin().await?;
        let region =
            mediation::campaign_region(&tx, actor.scope, campaign).await?.ok_or(ServiceError::NotFound("排查活动"))?;
        if !region.contains(draft.village) {
            return Err(ServiceError::field("village", "该村（社区）不在本次排查的范围内"));
        }
        if regions::get(&tx, draft.village).await?.is_none() {
            return Err(ServiceError::field("village", format!("行政区划代码“{}”不存在", draft.village)));
        }
        mediation::add_finding(&tx, campaign, &draft, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn screenings(&self, actor: &Actor) -> Result<Vec<Screening>, ServiceError> {
        actor.require(Permission::ViewRequests)?;
        Ok(mediation::campaigns(self.store().reader(), actor.scope).await?)
    }
}
