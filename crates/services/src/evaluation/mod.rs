//! 好差评 (issue 21): an invitation made in the transaction that completes a service
//! (matter closed, mediation case closed, legal aid case archived), rated once on a
//! public page with a one-time token; every bad review opens a rectification task for
//! the institution that served (核实、整改、反馈, 15 working days on the platform
//! calendar by default), reminded and escalated by the job runner, checked by the
//! bureau, called back when the reviewer left a phone; an appeal the bureau upholds
//! takes the review out of the figures and keeps it on record. Social supervisors'
//! visits open the same tasks. Figures come from running tallies kept in the same
//! transactions (store::evaluation).

pub mod assessment;

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission, Role};
use gongdao_domain::calendar::last_day_text;
use gongdao_domain::document::ScanCode;
use gongdao_domain::error::ValidationErrors;
use gongdao_domain::evaluation::rectification::{
    CallBackResult, RectEvent, RectFacts, RectSource, RectStatus, RectStep, Rectification, Visit, may_see, may_work,
    next_status, permission_for,
};
use gongdao_domain::evaluation::{
    EvalChannel, Evaluation, EvaluationRules, LevelCounts, RatingInput, ServiceKind, participation_rate,
};
use gongdao_domain::ids::InstitutionId;
use gongdao_domain::{DivisionCode, FieldError, PhoneNumber, text};
use gongdao_store::evaluation::{
    self as store, EvaluationFilter, NewInvitation, NewRectification, NewVisit, RectChange, RectFilter,
};
use gongdao_store::outbox::{Channel as MessageChannel, NewMessage};
use gongdao_store::{ConnectionTrait, Versioned, accounts, institutions, outbox, regions};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use utoipa::ToSchema;

use crate::audit::Event as AuditEvent;
use crate::network::PageQuery;
use crate::rules::Rules;
use crate::{ServiceError, Services};

/// Reminds the institution before a rectification is due and escalates to the bureau
/// when it is not fed back in time.
pub const RECTIFICATION_JOB: &str = "rectification";

/// A service just completed, to be rated.
pub(crate) struct Completed {
    pub kind: ServiceKind,
    pub id: i64,
    pub number: String,
    pub channel: EvalChannel,
    pub region: DivisionCode,
    pub institution_id: Option<i64>,
    pub served_by: Option<i64>,
    pub phone: Option<PhoneNumber>,
}

impl Completed {
    /// A service completed before it could be rated, its phone opened.
    fn of_stored(c: &store::CompletedService, cipher: &gongdao_store::PiiCipher) -> Completed {
        Completed {
            kind: c.kind,
            id: c.id,
            number: c.number.clone(),
            channel: c.channel,
            region: c.region,
            institution_id: c.institution_id,
            served_by: c.served_by,
            phone: c
                .phone_enc
                .as_deref()
                .and_then(|p| cipher.open(p).ok())
                .and_then(|p| PhoneNumber::parse("phone", &p).ok()),
        }
    }

    /// Its invitation row, with `token` open until `expires_at`.
    fn invitation(&self, token: &str, expires_at: DateTime<Utc>) -> NewInvitation {
        NewInvitation {
            token_hash: token_hash(token),
            token: token.to_string(),
            service_kind: self.kind,
            service_id: self.id,
            service_number: self.number.clone(),
            channel: self.channel,
            region: self.region,
            institution_id: self.institution_id,
            served_by: self.served_by,
            phone: self.phone.as_ref().map(|p| p.as_str().to_string()),
            expires_at,
        }
    }
}

/// A code to scan as an SVG drawing for a page (print and screen alike); the PDF draws
/// the same modules itself ([`crate::pdf`]).
pub fn scan_code_svg(code: &ScanCode) -> String {
    match qrcode::QrCode::new(code.url.as_bytes()) {
        Ok(qr) => qr.render::<qrcode::render::svg::Color<'_>>().min_dimensions(160, 160).quiet_zone(true).build(),
        Err(_) => String::new(),
    }
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A rating as posted to `POST /api/v1/evaluations`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct EvaluationInput {
    /// The one-time token of the invitation (from the SMS link or the QR code).
    #[serde(default)]
    pub token: String,
    /// 1–5, 5 = 非常满意, 1 = 非常不满意.
    pub level: Option<i64>,
    /// Indicator → 1–5 (the channel's indicators, e.g. 服务态度).
    #[serde(default)]
    pub indicators: BTreeMap<String, i64>,
    /// Bad-review reason codes (only with level 1 or 2, then at least one).
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// What the rating page shows for a valid token.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RatingInvitation {
    pub service_kind_label: String,
    pub service_number: String,
    pub institution_name: String,
    #[schema(value_type = String)]
    pub channel: EvalChannel,
    pub indicators: Vec<String>,
    /// (code, label) of the bad-review reasons.
    pub reasons: Vec<(String, String)>,
    pub expires_on: NaiveDate,
}

/// What a citizen is told after rating.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RatingReceipt {
    pub id: i64,
    pub level: i64,
    pub level_label: String,
    /// A bad review: the institution must answer by this day.
    pub answer_by: Option<NaiveDate>,
}

/// One row of figures (a month, township, institution, person or channel).
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct FigureRow {
    pub key: String,
    pub label: String,
    /// Services completed (each got an invitation).
    pub completed: i64,
    /// Ratings counted (an upheld appeal's excluded).
    pub rated: i64,
    /// By level, 非常满意 first.
    pub by_level: [i64; 5],
    pub bad: i64,
    /// 满意率 (not 差评 over rated), None without ratings.
    pub satisfaction: Option<f64>,
    pub average: Option<f64>,
    /// 参评率 (rated over completed).
    pub participation: Option<f64>,
    pub excluded: i64,
    pub rectified_on_time: i64,
    pub rectified_late: i64,
    pub call_back_owed: i64,
    pub called_back: i64,
}

impl FigureRow {
    fn of(key: String, label: String, c: &store::Counters) -> FigureRow {
        let levels: LevelCounts = c.level_counts();
        FigureRow {
            key,
            label,
            completed: c.completed,
            rated: levels.total(),
            by_level: levels.by_level,
            bad: levels.bad(),
            satisfaction: levels.satisfaction_rate(),
            average: levels.average(),
            participation: participation_rate(levels.total() + c.excluded, c.completed),
            excluded: c.excluded,
            rectified_on_time: c.rectified_on_time,
            rectified_late: c.rectified_late,
            call_back_owed: c.call_back_owed,
            called_back: c.called_back,
        }
    }

    /// 差评按时整改率: fed back by the due day over the bad reviews fed back or due.
    pub fn on_time_rate(&self) -> Option<f64> {
        let d = self.rectified_on_time + self.rectified_late;
        (d > 0).then(|| self.rectified_on_time as f64 / d as f64)
    }

    /// 回访率 of real-name bad reviews.
    pub fn call_back_rate(&self) -> Option<f64> {
        (self.call_back_owed > 0).then(|| self.called_back as f64 / self.call_back_owed as f64)
    }
}

/// The overview's figures over a period.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EvaluationFigures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: FigureRow,
    pub by_month: Vec<FigureRow>,
    pub by_township: Vec<FigureRow>,
    pub by_institution: Vec<FigureRow>,
    pub by_person: Vec<FigureRow>,
    pub by_channel: Vec<FigureRow>,
    /// Rectification tasks open now, and of them past their due day.
    pub open_tasks: u64,
    pub overdue_tasks: u64,
}

/// A step on a rectification task.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct RectStepInput {
    /// The version read (stale → 409).
    pub version: Option<i64>,
    /// What was found, done, told, decided (required for every step but `pass`).
    #[serde(default)]
    pub note: String,
    /// For `call_back`: `satisfied`, `unsatisfied` or `unreachable`.
    #[serde(default)]
    pub result: Option<String>,
}

/// A task with its history, the steps the viewer may take, and (for the call-back
/// agent only, while a call-back is owed) the reviewer's phone.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RectDetail {
    pub task: Rectification,
    pub events: Vec<RectEvent>,
    pub evaluation: Option<Evaluation>,
    #[schema(value_type = Vec<String>)]
    pub steps: Vec<RectStep>,
    pub reviewer_phone: Option<String>,
}

/// A social supervisor's visit.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct VisitInput {
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub institution_id: Option<String>,
    /// YYYY-MM-DD, not in the future.
    #[serde(default)]
    pub visited_on: String,
    #[serde(default)]
    pub findings: String,
    /// The findings need the institution to rectify (opens a task).
    #[serde(default)]
    pub needs_rectification: bool,
}

/// Which tasks a listing shows.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RectQuery {
    /// `open` (not closed), `overdue`, or a status code.
    pub state: Option<String>,
}

/// Which evaluations a listing shows.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluationQuery {
    /// `bad` for 差评 only.
    pub level: Option<String>,
    pub channel: Option<String>,
    /// `request`, `mediation` or `legal_aid`.
    pub kind: Option<String>,
    pub institution_id: Option<String>,
}

impl Services {
    fn evaluation_rules(&self, rules: &Rules) -> EvaluationRules {
        rules.evaluation.clone()
    }

    /// Makes the invitation of a completed service in the caller's transaction, and
    /// sends its link by SMS when the person served left a phone. A service already
    /// invited is not invited again.
    pub(crate) async fn invite_evaluation(
        &self,
        conn: &impl ConnectionTrait,
        rules: &Rules,
        c: Completed,
    ) -> Result<(), ServiceError> {
        let token = new_token();
        let now = self.now();
        let days = rules.evaluation.token_valid_days;
        let new = c.invitation(&token, now + chrono::Duration::days(i64::from(days)));
        let made = store::insert_invitation(conn, self.cipher(), new, now).await?;
        if let (Some(_), Some(phone)) = (made, c.phone.clone()) {
            let body = format!(
                "【{}公共法律服务】您的{}{}已办结。服务一次评价一次，请点击 {}/rate/{token} 评价（{days}天内有效，每次服务评价一次）。",
                self.site_name(conn).await?,
                c.kind.label(),
                c.number,
                self.config().public_url,
            );
            outbox::enqueue(
                conn,
                self.cipher(),
                &NewMessage {
                    channel: MessageChannel::Sms,
                    user: None,
                    phone: Some(phone),
                    template: "evaluation",
                    body,
                    request: (c.kind == ServiceKind::Request).then_some(gongdao_domain::ids::RequestId(c.id)),
                    at: now,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// The rating link of a completed service, for whoever has proved they were served
    /// (the tracking page) or holds its closing document: None once rated or expired.
    pub async fn rating_link_of(&self, kind: ServiceKind, id: i64) -> Result<Option<String>, ServiceError> {
        let reader = self.store().reader();
        let Some(inv) = store::invitation_for_service(reader, kind, id).await? else { return Ok(None) };
        if inv.used_at.is_some() || inv.expires_at <= self.now() {
            return Ok(None);
        }
        Ok(Some(format!("/rate/{}", self.cipher().open(&inv.token_enc)?)))
    }

    /// The code printed on a service's closing document (办结告知单, 结案报告, 调解协议书)
    /// while its rating is open: the whole public address, for a phone's camera. Callers
    /// have already read the service in the actor's scope.
    pub async fn rating_scan_code(&self, kind: ServiceKind, id: i64) -> Result<Option<ScanCode>, ServiceError> {
        let base = self.config().public_url.trim_end_matches('/').to_string();
        Ok(self
            .rating_link_of(kind, id)
            .await?
            .map(|path| ScanCode { url: format!("{base}{path}"), caption: "手机扫码，评价这次服务".into() }))
    }

    async fn open_invitation(&self, token: &str) -> Result<store::InvitationRecord, ServiceError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(ServiceError::field("token", "缺少评价码，请从短信链接或二维码进入"));
        }
        if token.len() > 64 {
            return Err(ServiceError::field("token", "评价码不正确，请从短信链接或二维码进入"));
        }
        let inv = store::invitation_by_token(self.store().reader(), &token_hash(token))
            .await?
            .ok_or_else(|| ServiceError::field("token", "评价码不正确，请从短信链接或二维码进入"))?;
        if inv.used_at.is_some() {
            return Err(ServiceError::Conflict("这次服务已经评价过了，每次服务只评价一次。谢谢您！".into()));
        }
        if inv.expires_at <= self.now() {
            return Err(ServiceError::field("token", "评价链接已过期。如有意见，请拨打 12348 反映"));
        }
        Ok(inv)
    }

    /// What the rating page asks for a token.
    pub async fn rating_invitation(&self, token: &str) -> Result<RatingInvitation, ServiceError> {
        let inv = self.open_invitation(token).await?;
        let book = self.rules().await?;
        let rules = &book.for_region(region_of(inv.region_code)?).evaluation;
        let channel = EvalChannel::from_code(&inv.channel).ok_or_else(|| ServiceError::Internal("channel".into()))?;
        let institution_name = match inv.institution_id {
            Some(i) => institutions::names(self.store().reader(), [i]).await?.remove(&i).unwrap_or_default(),
            None => String::new(),
        };
        Ok(RatingInvitation {
            service_kind_label: ServiceKind::from_code(&inv.service_kind).map(|k| k.label()).unwrap_or("").into(),
            service_number: inv.service_number,
            institution_name,
            channel,
            indicators: rules.indicators.get(&channel).cloned().unwrap_or_default(),
            reasons: rules.bad_reasons.iter().map(|r| (r.code.clone(), r.label.clone())).collect(),
            expires_on: gongdao_domain::calendar::china_day(inv.expires_at),
        })
    }

    /// 评价: keeps a citizen's rating (no login; the token is the right to rate once).
    /// A bad review opens its rectification task in the same transaction.
    pub async fn submit_evaluation(&self, input: &EvaluationInput) -> Result<RatingReceipt, ServiceError> {
        let inv = self.open_invitation(&input.token).await?;
        let book = self.rules().await?;
        let region = region_of(inv.region_code)?;
        let rules = book.for_region(region);
        let eval_rules = self.evaluation_rules(rules);
        let channel = EvalChannel::from_code(&inv.channel).ok_or_else(|| ServiceError::Internal("channel".into()))?;
        let rating = RatingInput {
            level: input.level,
            indicators: input.indicators.clone(),
            reasons: input.reasons.clone(),
            comment: input.comment.clone(),
        }
        .check(&eval_rules, channel)?;
        let now = self.now();
        let tx = self.store().begin().await?;
        let Some(e) = store::insert_evaluation(&tx, self.cipher(), &inv, &rating, now).await? else {
            return Err(ServiceError::Conflict("这次服务已经评价过了，每次服务只评价一次。谢谢您！".into()));
        };
        let mut answer_by = None;
        if rating.level.is_bad() {
            let reasons: Vec<String> = rating.reasons.iter().map(|r| eval_rules.reason_label(r)).collect();
            let subject = format!(
                "{}{}：{}（{}）{}",
                ServiceKind::from_code(&inv.service_kind).map(|k| k.label()).unwrap_or(""),
                inv.service_number,
                rating.level.label(),
                reasons.join("、"),
                rating.comment.as_deref().map(|c| format!("。评价人意见：{c}")).unwrap_or_default(),
            );
            let task = NewRectification {
                source: RectSource::Review,
                evaluation_id: Some(e.id),
                visit_id: None,
                institution_id: inv.institution_id,
                region,
                subject,
                real_name: e.real_name,
                due_on: NaiveDate::MIN,
            };
            answer_by = Some(self.open_rectification(&tx, rules, task).await?);
        }
        tx.commit().await?;
        Ok(RatingReceipt { id: e.id, level: rating.level.score(), level_label: rating.level.label().into(), answer_by })
    }

    /// Opens a task due after the district's rectification period, tells the
    /// institution, and schedules its reminder. Returns the due day.
    async fn open_rectification(
        &self,
        conn: &impl ConnectionTrait,
        rules: &Rules,
        mut task: NewRectification,
    ) -> Result<NaiveDate, ServiceError> {
        let now = self.now();
        let (due_at, due) = rules.due(now, rules.deadlines.rectification.period);
        task.due_on = due.last_day;
        let id = store::insert_rectification(conn, self.cipher(), &task, now).await?;
        let remind_at = due_at - chrono::Duration::hours(i64::from(rules.deadlines.reminder_before_hours));
        gongdao_store::jobs::schedule(conn, RECTIFICATION_JOB, id, remind_at.max(now), now).await?;
        if let Some(inst) = task.institution_id {
            let what = match task.source {
                RectSource::Review => "收到一条差评",
                RectSource::Visit => "社会监督员走访发现问题",
            };
            let body = format!(
                "{what}，请于{}前核实、整改并反馈（整改任务 {id}）。",
                last_day_text(gongdao_domain::calendar::china_day(due_at))
            );
            self.tell_institution(conn, inst, "rectification", &body).await?;
        }
        Ok(task.due_on)
    }

    async fn tell_institution(
        &self,
        conn: &impl ConnectionTrait,
        institution: i64,
        template: &'static str,
        body: &str,
    ) -> Result<(), ServiceError> {
        let users = accounts::of_institution(conn, InstitutionId(institution)).await?;
        let messages: Vec<NewMessage> = users
            .into_iter()
            .map(|u| NewMessage {
                channel: MessageChannel::InApp,
                user: Some(u.id),
                phone: None,
                template,
                body: body.to_string(),
                request: None,
                at: self.now(),
            })
            .collect();
        outbox::enqueue_many(conn, self.cipher(), &messages).await?;
        Ok(())
    }

    /// The institution a lawyer or mediator is limited to (None: the whole scope).
    fn own_institution_limit(actor: &Actor) -> Option<i64> {
        match actor.role {
            Role::Lawyer | Role::Mediator => Some(actor.institution_id.map_or(-1, |i| i.0)),
            _ => None,
        }
    }

    /// Evaluations in scope, newest first (never who rated).
    pub async fn evaluations(
        &self,
        actor: &Actor,
        q: &EvaluationQuery,
        page: &PageQuery,
    ) -> Result<(Vec<Evaluation>, u64), ServiceError> {
        actor.require(Permission::ViewEvaluations)?;
        let mut errors = ValidationErrors::new();
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let only_bad = match blank(&q.level).as_deref() {
            None => false,
            Some("bad") => true,
            Some(_) => {
                errors.push(FieldError::new("level", "等级筛选只能是 bad（差评）"));
                false
            }
        };
        let channel = blank(&q.channel).and_then(|c| errors.check(EvalChannel::parse_field("channel", &c)));
        let kind = blank(&q.kind).and_then(|k| errors.check(ServiceKind::parse_field("kind", &k)));
        let chosen = blank(&q.institution_id).and_then(|i| {
            errors.check(i.parse::<i64>().map_err(|_| FieldError::new("institution_id", "机构编号应为数字")))
        });
        errors.into_result()?;
        let institution = match (Self::own_institution_limit(actor), chosen) {
            (Some(own), Some(c)) if own != c => return Ok((Vec::new(), 0)),
            (Some(own), _) => Some(own),
            (None, c) => c,
        };
        let filter = EvaluationFilter { institution, only_bad, channel, kind, period: None };
        let book = self.rules().await?;
        let rules = book.installation().evaluation.clone();
        let label = move |code: &str| rules.reason_label(code);
        Ok(store::list(self.store().reader(), self.cipher(), actor.scope, &filter, page.parse()?, &label).await?)
    }

    pub async fn evaluation(&self, actor: &Actor, id: i64) -> Result<Evaluation, ServiceError> {
        actor.require(Permission::ViewEvaluations)?;
        let book = self.rules().await?;
        let rules = book.installation().evaluation.clone();
        let label = move |code: &str| rules.reason_label(code);
        let e = store::get(self.store().reader(), self.cipher(), actor.scope, id, &label)
            .await?
            .filter(|e| may_see(actor.role, actor.institution_id.map(|i| i.0), e.institution_id))
            .ok_or(ServiceError::NotFound("评价"))?;
        Ok(e)
    }

    /// Figures over whole months from `from`'s to `to`'s, from the tallies.
    pub async fn evaluation_figures(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<EvaluationFigures, ServiceError> {
        actor.require(Permission::ViewEvaluations)?;
        let reader = self.store().reader();
        let (first, last) = (from.format("%Y-%m").to_string(), to.format("%Y-%m").to_string());
        let limit = Self::own_institution_limit(actor);
        let rows = store::figure_rows(reader, actor.scope, &first, &last, limit).await?;
        let mut total = store::Counters::default();
        let mut months: BTreeMap<String, store::Counters> = BTreeMap::new();
        let mut townships: BTreeMap<i64, store::Counters> = BTreeMap::new();
        let mut insts: BTreeMap<i64, store::Counters> = BTreeMap::new();
        let mut people: BTreeMap<i64, store::Counters> = BTreeMap::new();
        let mut channels: BTreeMap<String, store::Counters> = BTreeMap::new();
        let id = |item: &str| item.parse::<i64>().unwrap_or(0);
        for ((month, township, dim, item), c) in &rows {
            match *dim {
                store::ALL => {
                    total.add(c, 1);
                    months.entry(month.clone()).or_default().add(c, 1);
                    townships.entry(*township).or_default().add(c, 1);
                }
                store::INSTITUTION => insts.entry(id(item)).or_default().add(c, 1),
                store::PERSON => people.entry(id(item)).or_default().add(c, 1),
                _ => channels.entry(item.clone()).or_default().add(c, 1),
            }
        }
        let region_names = regions::names(reader, townships.keys().copied()).await?;
        let inst_names = institutions::names(reader, insts.keys().copied()).await?;
        let people_names = accounts::names(reader, people.keys().copied()).await?;
        // Every month of the period, empty ones too, so a chart's gaps show.
        let mut by_month = Vec::new();
        let mut m = from.with_day(1).unwrap_or(from);
        while m <= to {
            let key = m.format("%Y-%m").to_string();
            let c = months.get(&key).copied().unwrap_or_default();
            by_month.push(FigureRow::of(key.clone(), key, &c));
            m = m.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDate::MAX);
        }
        let named =
            |map: BTreeMap<i64, store::Counters>, names: &std::collections::HashMap<i64, String>, none: &str| {
                let mut rows: Vec<FigureRow> = map
                    .into_iter()
                    .map(|(k, c)| {
                        let label = names.get(&k).cloned().unwrap_or_else(|| none.to_string());
                        FigureRow::of(k.to_string(), label, &c)
                    })
                    .collect();
                rows.sort_by(|a, b| b.completed.cmp(&a.completed).then(a.label.cmp(&b.label)));
                rows
            };
        let township_names: std::collections::HashMap<i64, String> = region_names;
        let (open_tasks, overdue_tasks) = store::open_task_counts(reader, actor.scope, limit, self.today()).await?;
        Ok(EvaluationFigures {
            from,
            to,
            total: FigureRow::of("all".into(), "合计".into(), &total),
            by_month,
            by_township: named(townships, &township_names, "（未知乡镇）"),
            by_institution: named(insts, &inst_names, "（未指定机构）"),
            by_person: named(people, &people_names, "（未指定人员）"),
            by_channel: channels
                .into_iter()
                .map(|(k, c)| {
                    let label = EvalChannel::from_code(&k).map(|c| c.label()).unwrap_or("其他").to_string();
                    FigureRow::of(k, label, &c)
                })
                .collect(),
            open_tasks,
            overdue_tasks,
        })
    }

    /// The figures as an .xlsx workbook (one sheet of lines).
    pub async fn export_evaluation_figures(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<u8>, ServiceError> {
        let f = self.evaluation_figures(actor, from, to).await?;
        let pct = |r: Option<f64>| r.map_or_else(|| "无数据".to_string(), |r| format!("{:.1}%", r * 100.0));
        let mut rows: Vec<(String, String, String)> = vec![
            ("统计期间".into(), format!("{} 至 {}", f.from, f.to), String::new()),
            ("办结服务（件）".into(), f.total.completed.to_string(), String::new()),
            ("评价（条）".into(), f.total.rated.to_string(), format!("参评率 {}", pct(f.total.participation))),
            ("满意率".into(), format!("{}/{}", f.total.rated - f.total.bad, f.total.rated), pct(f.total.satisfaction)),
            ("差评（条）".into(), f.total.bad.to_string(), String::new()),
            (
                "差评按时整改".into(),
                format!("{}/{}", f.total.rectified_on_time, f.total.rectified_on_time + f.total.rectified_late),
                pct(f.total.on_time_rate()),
            ),
            (
                "实名差评回访".into(),
                format!("{}/{}", f.total.called_back, f.total.call_back_owed),
                pct(f.total.call_back_rate()),
            ),
            ("申诉成立、不计入统计（条）".into(), f.total.excluded.to_string(), String::new()),
        ];
        let line = |prefix: &str, r: &FigureRow| {
            (format!("{prefix}{}", r.label), format!("评价 {} / 办结 {}", r.rated, r.completed), pct(r.satisfaction))
        };
        rows.extend(f.by_month.iter().map(|r| line("月份：", r)));
        rows.extend(f.by_township.iter().map(|r| line("乡镇（街道）：", r)));
        rows.extend(f.by_institution.iter().map(|r| line("机构：", r)));
        rows.extend(f.by_person.iter().map(|r| line("人员：", r)));
        rows.extend(f.by_channel.iter().map(|r| line("渠道：", r)));
        let n = rows.len();
        let bytes = crate::export::three_columns(
            "服务评价统计",
            self.export_title("服务评价（好差评）统计"),
            ["项目", "数量", "满意率或比例"],
            rows,
        )
        .await?;
        self.audit_export(actor, AuditObject::Evaluation, "服务评价统计", n, None).await?;
        Ok(bytes)
    }

    /// The published figures (服务公开): the district's totals and each institution's,
    /// by month, over the last twelve months; no person, no comment.
    pub async fn public_evaluation_figures(&self) -> Result<EvaluationFigures, ServiceError> {
        let (from, to) = self.figure_period(None, None)?;
        let reader = self.store().reader();
        let scope = gongdao_domain::auth::Scope::new(self.config().home_region);
        let (first, last) = (from.format("%Y-%m").to_string(), to.format("%Y-%m").to_string());
        let rows = store::figure_rows(reader, scope, &first, &last, None).await?;
        let mut total = store::Counters::default();
        let mut months: BTreeMap<String, store::Counters> = BTreeMap::new();
        let mut insts: BTreeMap<i64, store::Counters> = BTreeMap::new();
        for ((month, _, dim, item), c) in &rows {
            match *dim {
                store::ALL => {
                    total.add(c, 1);
                    months.entry(month.clone()).or_default().add(c, 1);
                }
                store::INSTITUTION => insts.entry(item.parse().unwrap_or(0)).or_default().add(c, 1),
                _ => {}
            }
        }
        let names = institutions::names(reader, insts.keys().copied()).await?;
        let mut by_institution: Vec<FigureRow> = insts
            .into_iter()
            .filter(|(k, _)| *k != 0)
            .map(|(k, c)| FigureRow::of(k.to_string(), names.get(&k).cloned().unwrap_or_default(), &c))
            .filter(|r| r.rated > 0)
            .collect();
        by_institution.sort_by_key(|r| std::cmp::Reverse(r.rated));
        let mut by_month = Vec::new();
        let mut m = from.with_day(1).unwrap_or(from);
        while m <= to {
            let key = m.format("%Y-%m").to_string();
            by_month.push(FigureRow::of(key.clone(), key.clone(), &months.get(&key).copied().unwrap_or_default()));
            m = m.checked_add_months(chrono::Months::new(1)).unwrap_or(NaiveDate::MAX);
        }
        Ok(EvaluationFigures {
            from,
            to,
            total: FigureRow::of("all".into(), "合计".into(), &total),
            by_month,
            by_township: Vec::new(),
            by_institution,
            by_person: Vec::new(),
            by_channel: Vec::new(),
            open_tasks: 0,
            overdue_tasks: 0,
        })
    }

    // ---- rectification ----

    /// Tasks in scope the actor may see, newest first.
    pub async fn rectifications(
        &self,
        actor: &Actor,
        q: &RectQuery,
        page: &PageQuery,
    ) -> Result<(Vec<Rectification>, u64), ServiceError> {
        actor.require(Permission::ViewEvaluations)?;
        let today = self.today();
        let mut filter = RectFilter { institution: Self::own_institution_limit(actor), ..Default::default() };
        match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {}
            Some("open") => {
                filter.statuses = RectStatus::ALL.iter().copied().filter(|s| *s != RectStatus::Closed).collect();
            }
            Some("overdue") => filter.overdue_on = Some(today),
            Some(s) => filter.statuses = vec![RectStatus::parse_field("state", s)?],
        }
        Ok(store::rectifications(self.store().reader(), self.cipher(), actor.scope, &filter, today, page.parse()?)
            .await?)
    }

    async fn task_in_reach(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        id: i64,
    ) -> Result<store::RectRecord, ServiceError> {
        store::rectification_record(conn, actor.scope, id)
            .await?
            .filter(|t| may_see(actor.role, actor.institution_id.map(|i| i.0), t.institution_id))
            .ok_or(ServiceError::NotFound("整改任务"))
    }

    pub async fn rectification(&self, actor: &Actor, id: i64) -> Result<RectDetail, ServiceError> {
        actor.require(Permission::ViewEvaluations)?;
        let reader = self.store().reader();
        let record = self.task_in_reach(reader, actor, id).await?;
        let today = self.today();
        let task = store::rect_views(reader, self.cipher(), vec![record.clone()], today)
            .await?
            .pop()
            .ok_or(ServiceError::NotFound("整改任务"))?;
        let events = store::rect_events(reader, self.cipher(), id).await?;
        let evaluation = match record.evaluation_id {
            Some(e) => Some(self.evaluation(actor, e).await?),
            None => None,
        };
        let facts = facts_of(&record);
        let steps: Vec<RectStep> = RectStep::ALL
            .iter()
            .copied()
            .filter(|s| next_status(task.status, *s, facts).is_ok())
            .filter(|s| actor.role.can(permission_for(*s)))
            .filter(|s| {
                permission_for(*s) != Permission::RectifyReviews
                    || may_work(actor.role, actor.institution_id.map(|i| i.0), record.institution_id)
            })
            .collect();
        let reviewer_phone = match (record.evaluation_id, task.status) {
            (Some(e), RectStatus::CallBack) if actor.role.can(Permission::CallBackReviewers) => {
                store::reviewer_phone(reader, self.cipher(), e).await?
            }
            _ => None,
        };
        Ok(RectDetail { task, events, evaluation, steps, reviewer_phone })
    }

    /// Takes one step on a task: the domain's order, the step's right, the
    /// institution's own staff for its own work, a note for the record, at the version
    /// read; its history entry, figures, messages and audit entry in one transaction.
    pub async fn rectification_step(
        &self,
        actor: &Actor,
        id: i64,
        step: RectStep,
        input: &RectStepInput,
    ) -> Result<RectDetail, ServiceError> {
        actor.require(Permission::ViewEvaluations)?;
        actor.require(permission_for(step))?;
        let mut errors = ValidationErrors::new();
        let version = match input.version {
            Some(v) => Some(v),
            None => {
                errors.push(FieldError::new("version", "缺少版本号，请刷新页面后重试"));
                None
            }
        };
        let note_label = match step {
            RectStep::Verify => "核实情况",
            RectStep::Rectify => "整改措施",
            RectStep::Feedback => "向评价人反馈的内容",
            RectStep::Pass => "审核意见",
            RectStep::Return => "退回理由",
            RectStep::CallBack => "回访情况",
            RectStep::Appeal => "申诉理由",
            RectStep::Uphold | RectStep::Reject => "复核意见",
        };
        let note = if step == RectStep::Pass {
            errors.check(text::optional_multiline("note", note_label, Some(&input.note), 1000)).flatten()
        } else {
            errors.check(text::required_multiline("note", note_label, &input.note, 1000))
        };
        let result = if step == RectStep::CallBack {
            match input.result.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => {
                    errors.push(FieldError::new("result", "请选择回访结果"));
                    None
                }
                Some(r) => errors.check(CallBackResult::parse_field("result", r)),
            }
        } else {
            None
        };
        errors.into_result()?;
        let tx = self.store().begin().await?;
        let record = self.task_in_reach(&tx, actor, id).await?;
        if permission_for(step) == Permission::RectifyReviews
            && !may_work(actor.role, actor.institution_id.map(|i| i.0), record.institution_id)
        {
            return Err(ServiceError::Forbidden("只有被评价机构的工作人员才能核实、整改、反馈或申诉".into()));
        }
        if version != Some(record.version) {
            return Err(ServiceError::stale("整改任务"));
        }
        let status = RectStatus::from_code(&record.status)
            .ok_or_else(|| ServiceError::Internal("rectification status".into()))?;
        let next = next_status(status, step, facts_of(&record)).map_err(ServiceError::Conflict)?;
        let now = self.now();
        let today = self.today();
        let change = RectChange {
            status: next,
            appealed: record.appealed || step == RectStep::Appeal,
            fed_back_on: if step == RectStep::Feedback {
                Some(today)
            } else {
                record.fed_back_on.as_deref().and_then(|d| d.parse().ok())
            },
            closed_at: (next == RectStatus::Closed).then_some(now),
        };
        let mut note = note.unwrap_or_default();
        if let Some(r) = result {
            note = format!("{}。{note}", r.label());
        }
        match store::save_rectification(&tx, &record, &change).await? {
            Versioned::Updated(()) => {}
            Versioned::NotFound => return Err(ServiceError::NotFound("整改任务")),
            Versioned::Stale { .. } => return Err(ServiceError::stale("整改任务")),
        }
        store::add_rect_event(
            &tx,
            self.cipher(),
            store::NewRectEvent {
                task: id,
                step,
                note: &note,
                by: Some(actor.user_id.0),
                by_name: &actor.display_name,
                at: now,
            },
        )
        .await?;
        let region = region_of(record.region_code)?;
        match step {
            RectStep::Uphold => {
                if let Some(e) = record.evaluation_id {
                    let e = store::evaluation_record(&tx, e).await?.ok_or(ServiceError::NotFound("评价"))?;
                    store::exclude(&tx, &e).await?;
                }
            }
            RectStep::Feedback => {
                // The reviewer hears what was done, by SMS to the phone they left.
                if let Some(e) = record.evaluation_id
                    && let Some(phone) = store::reviewer_phone(&tx, self.cipher(), e).await?
                    && let Ok(phone) = PhoneNumber::parse("phone", &phone)
                {
                    let body = format!(
                        "【{}公共法律服务】感谢您的评价。对您反映的问题，我们的整改情况：{}",
                        self.site_name(&tx).await?,
                        text::clip(&note, 200)
                    );
                    outbox::enqueue(
                        &tx,
                        self.cipher(),
                        &NewMessage {
                            channel: MessageChannel::Sms,
                            user: None,
                            phone: Some(phone),
                            template: "rectification_feedback",
                            body,
                            request: None,
                            at: now,
                        },
                    )
                    .await?;
                }
            }
            RectStep::Return | RectStep::Reject => {
                if let Some(inst) = record.institution_id {
                    let body = format!("整改任务 {id}：{}。{}", step.label(), text::clip(&note, 200));
                    self.tell_institution(&tx, inst, "rectification", &body).await?;
                }
            }
            _ => {}
        }
        self.audit(
            &tx,
            actor,
            AuditEvent::new(
                AuditAction::Update,
                AuditObject::Rectification,
                id,
                region,
                format!("整改任务 {id}：{}", step.label()),
            ),
        )
        .await?;
        tx.commit().await?;
        self.rectification(actor, id).await
    }

    /// The background reminder and escalation of a task. Returns when to look again.
    pub(crate) async fn rectification_job(
        &self,
        conn: &impl ConnectionTrait,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, ServiceError> {
        let Some(t) = store::rectification_by_id(conn, id).await? else { return Ok(None) };
        let status = RectStatus::from_code(&t.status).unwrap_or(RectStatus::Closed);
        if t.fed_back_on.is_some() || matches!(status, RectStatus::Closed | RectStatus::Appealing) {
            return Ok(None);
        }
        let region = region_of(t.region_code)?;
        let due: NaiveDate = t.due_on.parse().map_err(|_| ServiceError::Internal("due day".into()))?;
        let end_of_due = gongdao_domain::calendar::from_china_local(
            due.succ_opt().unwrap_or(due).and_hms_opt(0, 0, 0).expect("midnight"),
        );
        if now < end_of_due {
            if !t.reminded {
                if let Some(inst) = t.institution_id {
                    let body =
                        format!("提醒：整改任务 {id} 应于{}前核实、整改并反馈，请抓紧办理。", last_day_text(due));
                    self.tell_institution(conn, inst, "rectification_reminder", &body).await?;
                }
                store::mark_nudged(conn, id, false).await?;
            }
            return Ok(Some(end_of_due));
        }
        if !t.escalated {
            let leaders = accounts::supervisors_of(conn, region, &[Role::Leader]).await?;
            let inst_name = match t.institution_id {
                Some(i) => institutions::names(conn, [i]).await?.remove(&i).unwrap_or_default(),
                None => String::new(),
            };
            let body = format!("督办：{inst_name}的整改任务 {id} 已超过整改期限（{}），尚未反馈。", last_day_text(due));
            let messages: Vec<NewMessage> = leaders
                .into_iter()
                .map(|u| NewMessage {
                    channel: MessageChannel::InApp,
                    user: Some(u.id),
                    phone: None,
                    template: "rectification_escalation",
                    body: body.clone(),
                    request: None,
                    at: now,
                })
                .collect();
            outbox::enqueue_many(conn, self.cipher(), &messages).await?;
            if let Some(inst) = t.institution_id {
                self.tell_institution(conn, inst, "rectification_escalation", &body).await?;
            }
            store::mark_nudged(conn, id, true).await?;
        }
        Ok(None)
    }

    // ---- supervision ----

    /// 社会监督员走访: records a visit to an institution in scope; findings that need
    /// it open a rectification task like a bad review's.
    pub async fn record_visit(&self, actor: &Actor, input: &VisitInput) -> Result<Visit, ServiceError> {
        actor.require(Permission::RecordSupervision)?;
        let mut errors = ValidationErrors::new();
        let institution = match input.institution_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                errors.push(FieldError::new("institution_id", "请选择走访的机构"));
                None
            }
            Some(s) => {
                errors.check(s.parse::<i64>().map_err(|_| FieldError::new("institution_id", "机构编号应为数字")))
            }
        };
        let day = errors.check(gongdao_domain::network::parse_date("visited_on", "走访日期", &input.visited_on));
        if day.is_some_and(|d| d > self.today()) {
            errors.push(FieldError::new("visited_on", "走访日期不能晚于今天"));
        }
        let findings = errors.check(text::required_multiline("findings", "走访发现", &input.findings, 2000));
        errors.into_result()?;
        let (institution, day, findings) =
            (institution.expect("checked"), day.expect("checked"), findings.expect("checked"));
        let book = self.rules().await?;
        let tx = self.store().begin().await?;
        let inst = institutions::get(&tx, actor.scope, InstitutionId(institution))
            .await?
            .ok_or_else(|| ServiceError::field("institution_id", "该机构不存在或不在您的监督范围内"))?;
        let now = self.now();
        let visit_id = store::insert_visit(
            &tx,
            self.cipher(),
            &NewVisit {
                region: inst.region,
                institution_id: institution,
                visited_on: day,
                supervisor_id: actor.user_id.0,
                findings: findings.clone(),
                needs_rectification: input.needs_rectification,
            },
            now,
        )
        .await?;
        if input.needs_rectification {
            let task = NewRectification {
                source: RectSource::Visit,
                evaluation_id: None,
                visit_id: Some(visit_id),
                institution_id: Some(institution),
                region: inst.region,
                subject: format!("{} 社会监督员走访发现：{findings}", day.format("%Y-%m-%d")),
                real_name: false,
                due_on: NaiveDate::MIN,
            };
            self.open_rectification(&tx, book.for_region(inst.region), task).await?;
        }
        self.audit(
            &tx,
            actor,
            AuditEvent::new(
                AuditAction::Create,
                AuditObject::SupervisionVisit,
                visit_id,
                inst.region,
                format!("走访 {}", inst.name),
            ),
        )
        .await?;
        tx.commit().await?;
        store::visits(self.store().reader(), self.cipher(), actor.scope, 200)
            .await?
            .into_iter()
            .find(|v| v.id == visit_id)
            .ok_or(ServiceError::NotFound("走访记录"))
    }

    pub async fn visits(&self, actor: &Actor) -> Result<Vec<Visit>, ServiceError> {
        actor.require(Permission::ViewEvaluations)?;
        let limit = Self::own_institution_limit(actor);
        let all = store::visits(self.store().reader(), self.cipher(), actor.scope, 200).await?;
        Ok(all.into_iter().filter(|v| limit.is_none_or(|i| i == v.institution_id)).collect())
    }
}

fn facts_of(t: &store::RectRecord) -> RectFacts {
    RectFacts { real_name: t.real_name, appealed: t.appealed, source: RectSource::from_code(&t.source) }
}

fn region_of(code: i64) -> Result<DivisionCode, ServiceError> {
    DivisionCode::from_db(code).ok_or_else(|| ServiceError::Internal("bad region".into()))
}

/// What `gongdao synth-evaluations` writes.
#[derive(Clone, Copy, Debug)]
pub struct EvaluationSynthSpec {
    /// Rated services.
    pub count: u32,
    /// Spread over this many days before today.
    pub days: i64,
    /// Open invitations besides, whose tokens are returned (for the load test of rating).
    pub open: u32,
    pub seed: u64,
}

impl Services {
    /// Writes synthetic rated services (and open invitations) for the benchmarks, at
    /// the institutions of the installation, in transactions of 5,000 with their
    /// tallies. Returns how many were rated and the open invitations' tokens.
    pub async fn synthesize_evaluations(
        &self,
        spec: &EvaluationSynthSpec,
        progress: impl Fn(&str),
    ) -> Result<(u64, Vec<String>), ServiceError> {
        use gongdao_domain::evaluation::Level;
        use gongdao_domain::network::InstitutionType;
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let home = gongdao_domain::auth::Scope::new(self.config().home_region);
        let reader = self.store().reader();
        let served_kinds = [
            InstitutionType::Workstation,
            InstitutionType::MediationCommittee,
            InstitutionType::LawFirm,
            InstitutionType::LegalAidCenter,
        ];
        let places: Vec<(i64, DivisionCode)> = institutions::keys(reader, home)
            .await?
            .into_iter()
            .filter(|(_, kind, _, _)| served_kinds.iter().any(|k| k.code() == kind))
            .filter_map(|(id, _, region, _)| DivisionCode::from_db(region).map(|r| (id, r)))
            .collect();
        if places.is_empty() {
            return Err(ServiceError::Conflict("数据库中没有服务机构，请先生成演示数据".into()));
        }
        let staff: Vec<i64> = accounts::list(reader, home)
            .await?
            .into_iter()
            .filter(|u| u.role.can(Permission::HandleRequests))
            .map(|u| u.id.0)
            .collect();
        let book = self.rules().await?;
        let rules = book.installation().evaluation.clone();
        let days = i64::from(rules.token_valid_days);
        let base = 1_000_000_000_000 + store::invitation_count(reader).await?;
        let mut rng = StdRng::seed_from_u64(spec.seed);
        let now = self.now();
        let channels = [
            EvalChannel::Offline,
            EvalChannel::Offline,
            EvalChannel::Offline,
            EvalChannel::Hotline,
            EvalChannel::Hotline,
            EvalChannel::Online,
            EvalChannel::Kiosk,
        ];
        let total = u64::from(spec.count) + u64::from(spec.open);
        let mut tokens = Vec::with_capacity(spec.open as usize);
        let mut done = 0u64;
        while done < total {
            let size = 5_000.min(total - done);
            let mut rows = Vec::with_capacity(size as usize);
            for k in 0..size {
                let serial = done + k;
                let rated = serial < u64::from(spec.count);
                let (institution, region) = places[rng.random_range(0..places.len())];
                let completed_at = if rated {
                    now - chrono::Duration::minutes(rng.random_range(60..spec.days.max(1) * 1440))
                } else {
                    now - chrono::Duration::minutes(rng.random_range(1..1440))
                };
                let channel = channels[rng.random_range(0..channels.len())];
                let token = new_token();
                let rating = rated.then(|| {
                    let level = Level::from_score("level", demo_level(rng.random_range(0..1_000_000))).expect("1–5");
                    let reasons = if level.is_bad() {
                        vec![rules.bad_reasons[rng.random_range(0..rules.bad_reasons.len())].code.clone()]
                    } else {
                        Vec::new()
                    };
                    let rating = gongdao_domain::evaluation::Rating {
                        level,
                        indicators: BTreeMap::new(),
                        reasons,
                        comment: None,
                    };
                    let at = (completed_at + chrono::Duration::minutes(rng.random_range(5..2880))).min(now);
                    (rating, at)
                });
                if !rated {
                    tokens.push(token.clone());
                }
                let served_by =
                    (!staff.is_empty() && rng.random_bool(0.8)).then(|| staff[rng.random_range(0..staff.len())]);
                rows.push(store::SynthRated {
                    invitation: NewInvitation {
                        token_hash: token_hash(&token),
                        token,
                        service_kind: ServiceKind::Request,
                        service_id: base + serial as i64,
                        service_number: format!("SYN-{}", base + serial as i64),
                        channel,
                        region,
                        institution_id: Some(institution),
                        served_by,
                        phone: rng.random_bool(0.3).then(|| format!("138{:08}", rng.random_range(0..100_000_000))),
                        expires_at: if rated { completed_at } else { now } + chrono::Duration::days(days),
                    },
                    completed_at,
                    rating,
                });
            }
            let tx = self.store().begin().await?;
            store::insert_rated(&tx, self.cipher(), &rows).await?;
            tx.commit().await?;
            done += size;
            progress(&format!("已写入 {done}/{total}"));
        }
        self.store().analyze().await?;
        Ok((u64::from(spec.count), tokens))
    }
}

/// A level for the demo's `n`th rating: mostly 非常满意 and 满意, a few 基本满意, about
/// one in twenty-five a bad review.
fn demo_level(n: u64) -> i64 {
    match n % 25 {
        0 => 2,
        1..=3 => 3,
        4..=10 => 4,
        _ => 5,
    }
}

/// A small deterministic mixer (splitmix64), so the demo is the same on every start.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

impl Services {
    /// The demo's evaluations: every service the demo completed gets its invitation as
    /// of its completion; four in five were rated, most well; the older bad reviews
    /// were rectified (most on time) and called back; a few recent ones stand at each
    /// step of the loop, taken by the demo accounts through the same use cases as
    /// staff; a supervisor's visit opened one more task.
    pub(crate) async fn seed_demo_evaluations(&self) -> Result<(), ServiceError> {
        // Two years of consultations closed at the township windows and the hotline,
        // so the figures have a history to show.
        let history = crate::demo::RequestSynthSpec { count: 400, open_share: 0.0, seed: 21 };
        self.synthesize_requests(&history, |_| {}).await?;
        let reader = self.store().reader();
        let handlers: std::collections::HashSet<i64> =
            accounts::list(reader, gongdao_domain::auth::Scope::new(self.config().home_region))
                .await?
                .into_iter()
                .filter(|u| u.role.can(Permission::HandleRequests))
                .map(|u| u.id.0)
                .collect();
        let mut done = store::completed_without_invitation(reader, self.cipher()).await?;
        // A synthetic matter's owner may be any account; only those who serve are rated.
        for c in &mut done {
            c.served_by = c.served_by.filter(|u| handlers.contains(u));
        }
        if done.is_empty() {
            return Ok(());
        }
        let book = self.rules().await?;
        let now = self.now();
        // The six latest services of an institution with a demo account are rated badly
        // through the use case, so that the loop shows each of its steps; their links are
        // still open.
        let mut staffed: std::collections::HashMap<Option<i64>, bool> = std::collections::HashMap::new();
        let mut live_ids = std::collections::HashSet::new();
        for c in done.iter().rev() {
            if live_ids.len() == 6 {
                break;
            }
            let has = match staffed.get(&c.institution_id) {
                Some(h) => *h,
                None => {
                    let h = self.demo_staff_of(c.institution_id).await?.is_some();
                    staffed.insert(c.institution_id, h);
                    h
                }
            };
            // The demo's appointments stay history: the loop is shown on matters.
            if has && c.kind != ServiceKind::Appointment {
                live_ids.insert((c.kind, c.id));
            }
        }
        let mut tokens = Vec::with_capacity(done.len());
        let invitations: Vec<(NewInvitation, DateTime<Utc>)> = done
            .iter()
            .map(|c| {
                let live = live_ids.contains(&(c.kind, c.id));
                let token = new_token();
                tokens.push(token.clone());
                let days = book.for_region(c.region).evaluation.token_valid_days;
                let expires_at = if live { now } else { c.completed_at } + chrono::Duration::days(i64::from(days));
                (Completed::of_stored(c, self.cipher()).invitation(&token, expires_at), c.completed_at)
            })
            .collect();
        let tx = self.store().begin().await?;
        store::insert_invitations(&tx, self.cipher(), &invitations).await?;
        tx.commit().await?;

        // The live ones walk the loop through the use cases; the rest are history,
        // rated a day or two after completion.
        let rules = &book.installation().evaluation;
        let mut history = Vec::new();
        let mut live: Vec<(String, i64)> = Vec::new();
        for (n, ((new, at), token)) in invitations.iter().zip(&tokens).enumerate() {
            let r = mix(n as u64 + 7);
            if live_ids.contains(&(new.service_kind, new.service_id)) {
                live.push((token.clone(), 1 + (r >> 20) as i64 % 2));
                continue;
            }
            if r.is_multiple_of(5) {
                continue; // not rated
            }
            let level = demo_level(r >> 8);
            let bad = level <= 2;
            let rated_at = *at + chrono::Duration::hours(2 + (r >> 12) as i64 % 40);
            if rated_at >= now {
                continue;
            }
            let channel_items = rules.indicators.get(&new.channel).cloned().unwrap_or_default();
            let indicators =
                channel_items.iter().map(|i| (i.clone(), (level + (r >> 16) as i64 % 2).clamp(1, 5))).collect();
            let reasons = if bad { vec![rules.bad_reasons[(r >> 24) as usize % 5].code.clone()] } else { Vec::new() };
            let comment = match (bad, r % 7) {
                (true, _) => Some("等了很久才有人答复，希望改进。".to_string()),
                (false, 0) => Some("工作人员很耐心，讲得很清楚，谢谢！".to_string()),
                _ => None,
            };
            let rating = RatingInput { level: Some(level), indicators, reasons, comment }
                .check(rules, new.channel)
                .map_err(ServiceError::Invalid)?;
            history.push((new.token_hash.clone(), rating, rated_at));
        }
        // History, with the older bad reviews' tasks done (most in time).
        let tx = self.store().begin().await?;
        let mut rated = Vec::with_capacity(history.len());
        for (hash, rating, at) in history {
            if let Some(inv) = store::invitation_by_token(&tx, &hash).await? {
                rated.push((inv, rating, at));
            }
        }
        store::insert_evaluations(&tx, self.cipher(), &rated).await?;
        for (n, (inv, rating, at)) in rated.iter().enumerate().filter(|(_, (_, r, _))| r.level.is_bad()) {
            let Some(e) = store::evaluation_by_invitation(&tx, inv.id).await? else { continue };
            let region = region_of(inv.region_code)?;
            let rules = book.for_region(region);
            let due = rules.due(*at, rules.deadlines.rectification.period).1.last_day;
            let task = NewRectification {
                source: RectSource::Review,
                evaluation_id: Some(e.id),
                visit_id: None,
                institution_id: inv.institution_id,
                region,
                subject: format!(
                    "{}{}：{}",
                    ServiceKind::from_code(&inv.service_kind).map(|k| k.label()).unwrap_or(""),
                    inv.service_number,
                    rating.level.label()
                ),
                real_name: e.real_name,
                due_on: due,
            };
            let id = store::insert_rectification(&tx, self.cipher(), &task, *at).await?;
            let late = n % 4 == 3;
            let fed = if late {
                due + chrono::Duration::days(3)
            } else {
                gongdao_domain::calendar::china_day(*at) + chrono::Duration::days(6)
            };
            let mut record = store::rectification_by_id(&tx, id).await?.ok_or(ServiceError::NotFound("整改任务"))?;
            let steps: &[(RectStatus, RectStep, &str)] = &[
                (RectStatus::Verified, RectStep::Verify, "已与当事人电话核实，情况属实。"),
                (RectStatus::Rectified, RectStep::Rectify, "已对窗口人员批评教育，明确一次性告知要求。"),
                (RectStatus::FedBack, RectStep::Feedback, "已电话向评价人说明整改情况并致歉。"),
                (if e.real_name { RectStatus::CallBack } else { RectStatus::Closed }, RectStep::Pass, "整改到位。"),
                (RectStatus::Closed, RectStep::CallBack, "对整改满意。"),
            ];
            for (status, step, note) in steps {
                if record.status == RectStatus::Closed.code() {
                    break;
                }
                let change = RectChange {
                    status: *status,
                    appealed: false,
                    fed_back_on: (*status != RectStatus::Verified && *status != RectStatus::Rectified).then_some(fed),
                    closed_at: (*status == RectStatus::Closed).then_some(*at + chrono::Duration::days(10)),
                };
                store::save_rectification(&tx, &record, &change).await?;
                store::add_rect_event(
                    &tx,
                    self.cipher(),
                    store::NewRectEvent { task: id, step: *step, note, by: None, by_name: "演示数据", at: *at },
                )
                .await?;
                record = store::rectification_by_id(&tx, id).await?.ok_or(ServiceError::NotFound("整改任务"))?;
            }
        }
        tx.commit().await?;

        // The recent ones through the use cases.
        let leader = self.demo_actor("leader").await?;
        let mut tasks = Vec::new();
        for (token, level) in &live {
            let input = EvaluationInput {
                token: token.clone(),
                level: Some(*level),
                reasons: vec!["slow".into(), "unclear".into()],
                comment: Some("打了好几次电话才有人回，说的也听不太懂。".to_string()),
                ..Default::default()
            };
            let receipt = self.submit_evaluation(&input).await?;
            if receipt.answer_by.is_some() {
                let e = store::evaluation_record(self.store().reader(), receipt.id)
                    .await?
                    .ok_or(ServiceError::NotFound("评价"))?;
                tasks.push(e);
            }
        }
        // Each task a step further than the one before: 待核实, 整改中, 待反馈, 待审核,
        // 待回访 (已办结 as in the history), 申诉复核中.
        for (n, e) in tasks.iter().enumerate() {
            let Some(task) = store::rectification_of_evaluation(self.store().reader(), e.id).await? else { continue };
            let Some(staff) = self.demo_staff_of(e.institution_id).await? else { continue };
            let plan: Vec<(&Actor, RectStep, &str)> = match n % 6 {
                0 => vec![],
                1 => vec![(&staff, RectStep::Verify, "已调阅记录并与当事人联系，等待时间确实较长。")],
                2 => vec![
                    (&staff, RectStep::Verify, "核实属实：答复前后用了五天。"),
                    (&staff, RectStep::Rectify, "已明确咨询当日答复，复杂问题三日内回电。"),
                ],
                3 => vec![
                    (&staff, RectStep::Verify, "核实属实。"),
                    (&staff, RectStep::Rectify, "已组织窗口人员学习一次性告知制度。"),
                    (&staff, RectStep::Feedback, "已向您说明整改措施，再次致歉，欢迎监督。"),
                ],
                4 => vec![
                    (&staff, RectStep::Verify, "核实属实。"),
                    (&staff, RectStep::Rectify, "已调整值班安排，保证电话有人接听。"),
                    (&staff, RectStep::Feedback, "已告知整改情况。"),
                    (&leader, RectStep::Pass, "整改到位。"),
                ],
                _ => vec![(&staff, RectStep::Appeal, "当日已电话答复并有通话记录，评价与事实不符，申请复核。")],
            };
            for (actor, step, note) in plan {
                let current = store::rectification_by_id(self.store().reader(), task.id)
                    .await?
                    .ok_or(ServiceError::NotFound("整改任务"))?;
                let input = RectStepInput { version: Some(current.version), note: note.into(), result: None };
                self.rectification_step(actor, task.id, step, &input).await?;
            }
        }
        // A social supervisor's visit that found something to put right.
        let supervisor = self.demo_actor("supervisor").await?;
        let window = self.demo_actor("window").await?;
        if let Some(inst) = window.institution_id {
            let visit = VisitInput {
                institution_id: Some(inst.0.to_string()),
                visited_on: (self.today() - chrono::Duration::days(3)).to_string(),
                findings: "窗口未公示办事指南和投诉电话，群众等候区没有座椅。".into(),
                needs_rectification: true,
            };
            self.record_visit(&supervisor, &visit).await?;
            let ok = VisitInput {
                institution_id: Some(inst.0.to_string()),
                visited_on: (self.today() - chrono::Duration::days(40)).to_string(),
                findings: "窗口工作人员佩戴工作牌，服务热情，办事指南齐全。".into(),
                needs_rectification: false,
            };
            self.record_visit(&supervisor, &ok).await?;
        }
        Ok(())
    }

    /// A demo account working at `institution`, if the demo has one there.
    async fn demo_staff_of(&self, institution: Option<i64>) -> Result<Option<Actor>, ServiceError> {
        let Some(inst) = institution else { return Ok(None) };
        for name in ["window", "mediator", "lawyer", "reviewer"] {
            let a = self.demo_actor(name).await?;
            if a.institution_id.map(|i| i.0) == Some(inst) {
                return Ok(Some(a));
            }
        }
        Ok(None)
    }
}
