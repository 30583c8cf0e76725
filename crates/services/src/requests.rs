//! Service requests: intake from every channel, the workflow of first-contact
//! responsibility (transfer, accept, refuse, resolve, close, reopen), the timeline,
//! and citizens following their matter by number.
//!
//! Every step is one transaction: the change (guarded by the version that was read),
//! its timeline event, its deadline job, its notifications and its audit entry.

use crate::evaluation::Completed;
use chrono::{DateTime, Utc};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission};
use gongdao_domain::evaluation::{EvalChannel, ServiceKind};
use gongdao_domain::ids::{IncidentId, InstitutionId, RequestId, UserId};
use gongdao_domain::request::{
    Category, Channel, EventKind, Handler, Holding, Priority, RequestDraft, RequestEvent, RequestInput, RequestNumber,
    RuleError, ServiceRequest, Status, Step, may_transfer_to,
};
use gongdao_domain::{DivisionCode, FieldError, RegionLevel, ValidationErrors, text};
use gongdao_store::outbox::{Channel as MessageChannel, NewMessage};
use gongdao_store::requests::{NewEvent, RequestFilter, RequestUpdate};
use gongdao_store::{ConnectionTrait, Versioned, accounts, institutions, jobs, outbox, regions, requests};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Event;
use crate::intake::{Prepared, PreparedEvent};
use crate::network::PageQuery;
use crate::rules::Rules;
use crate::{ServiceError, Services};
use gongdao_domain::calendar::{china_day, deadline_text};

/// The job that watches a request's deadlines (reminder, then escalation).
pub const DEADLINE_JOB: &str = "deadline";
/// The job that asks the owner to follow up (回访) after closing.
pub const FOLLOW_UP_JOB: &str = "follow_up";

/// What intake answers.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Created {
    pub id: RequestId,
    pub number: RequestNumber,
    pub status: Status,
    pub priority: Priority,
    /// When it must be resolved (限时办结).
    pub due_at: DateTime<Utc>,
    /// When it must be accepted, for a matter waiting in a queue.
    pub accept_due_at: Option<DateTime<Utc>>,
    /// The institution whose queue a self-service matter went to.
    pub routed_to: Option<String>,
}

/// A hand-over (流转): to an institution, optionally to one of its people.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct TransferInput {
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub to_institution: Option<String>,
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub to_user: Option<String>,
    #[serde(default)]
    pub reason: String,
    /// The version that was read; a stale one is a conflict.
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub version: Option<String>,
}

/// Any other step: an optional text (reason, reply, note) and the version read.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct StepInput {
    /// The reason (refuse, reopen), the answer (resolve) or a progress note (reply).
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub version: Option<String>,
}

/// Queue filters as typed into a query string.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// Status code: `pending`, `open`, `transferring`, `resolved`, `closed`; `active` for all open ones.
    pub status: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    /// Division code: matters arising in this region and below.
    #[param(pattern = r"^[1-9][0-9]{5}([0-9]{6})?$")]
    pub region: Option<String>,
    /// `true`: open and past the deadline.
    #[param(value_type = Option<bool>)]
    pub overdue: Option<String>,
    /// `true`: open and due within a day.
    #[param(value_type = Option<bool>)]
    pub due_soon: Option<String>,
    /// `true`: the matters I hold.
    #[param(value_type = Option<bool>)]
    pub mine: Option<String>,
    /// `true`: matters waiting for my institution's acceptance.
    #[param(value_type = Option<bool>)]
    pub waiting: Option<String>,
    /// `true`: matters I hold or my institution holds that nobody has taken yet (the
    /// set the “即将超时” and “已超时” counts beside the navigation are taken over).
    #[param(value_type = Option<bool>)]
    pub held: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub incident: Option<String>,
    /// Part of the number or the requester's name.
    pub q: Option<String>,
}

impl RequestQuery {
    /// Every open matter (of a region, if given), with no other filter.
    pub fn is_all_open(&self) -> bool {
        let RequestQuery { status, category, channel, region: _, overdue, due_soon, mine, waiting, held, incident, q } =
            self;
        blank(status) == Some("active")
            && [category, channel, overdue, due_soon, mine, waiting, held, incident, q]
                .into_iter()
                .all(|v| blank(v).is_none())
    }
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn flag(field: &str, v: &Option<String>) -> Result<Option<bool>, FieldError> {
    match blank(v) {
        None => Ok(None),
        Some("true" | "1" | "on") => Ok(Some(true)),
        Some("false" | "0" | "off") => Ok(Some(false)),
        Some(_) => Err(FieldError::new(field, "应为 true 或 false")),
    }
}

fn parse_version(v: &Option<String>) -> Result<Option<i64>, ServiceError> {
    match blank(v) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| ServiceError::field("version", "版本号应为整数")),
    }
}

fn rule_error(e: RuleError) -> ServiceError {
    match e {
        RuleError::NotYours(m) => ServiceError::Forbidden(m),
        RuleError::WrongState(m) => ServiceError::Conflict(m),
    }
}

pub(crate) fn holding_of(m: &gongdao_store::entity::service_request::Model) -> Holding {
    Holding {
        status: Status::from_code(&m.status).unwrap_or(Status::Open),
        owner_user: m.owner_user_id.map(UserId),
        owner_institution: m.owner_institution_id.map(InstitutionId),
        target_user: m.target_user_id.map(UserId),
        target_institution: m.target_institution_id.map(InstitutionId),
    }
}

fn handler(actor: &Actor) -> Handler {
    Handler {
        user: actor.user_id,
        institution: actor.institution_id,
        dispatcher: actor.can(Permission::DispatchRequests),
    }
}

/// When the deadline job should next look at a request: the reminder time of the
/// earliest deadline still ahead, or now.
pub(crate) fn watch_time(
    rules: &Rules,
    accept_due: Option<DateTime<Utc>>,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let deadline = accept_due.map_or(due, |a| a.min(due));
    let remind = deadline - chrono::Duration::hours(i64::from(rules.deadlines.reminder_before_hours));
    remind.max(now)
}

impl RequestQuery {
    /// `soon`: the end of the “nearly due” window (the deadline table's reminder time).
    fn parse(&self, actor: &Actor, soon: DateTime<Utc>) -> Result<RequestFilter, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut filter = RequestFilter::default();
        match blank(&self.status) {
            None => {}
            Some("active") => filter.open = Some(true),
            Some(s) => filter.status = errors.check(Status::parse_field("status", s)),
        }
        filter.category = blank(&self.category).and_then(|c| errors.check(Category::parse_field("category", c)));
        filter.channel = blank(&self.channel).and_then(|c| errors.check(Channel::parse_field("channel", c)));
        filter.within = blank(&self.region).and_then(|r| errors.check(DivisionCode::parse("region", r)));
        filter.overdue = errors.check(flag("overdue", &self.overdue)).flatten();
        // Nearly due: not overdue yet, due within the reminder window.
        if errors.check(flag("due_soon", &self.due_soon)).flatten() == Some(true) {
            filter.due_before = Some(soon);
            filter.overdue.get_or_insert(false);
        }
        if errors.check(flag("mine", &self.mine)).flatten() == Some(true) {
            filter.owner_user = Some(actor.user_id);
        }
        if errors.check(flag("held", &self.held)).flatten() == Some(true) {
            filter.held_by = Some((actor.user_id, actor.institution_id));
        }
        if errors.check(flag("waiting", &self.waiting)).flatten() == Some(true) {
            match actor.institution_id {
                Some(i) => filter.waiting_for = Some(i),
                None => errors.push(FieldError::new("waiting", "您的账号没有所属机构，没有待受理队列")),
            }
        }
        filter.incident = blank(&self.incident).and_then(|i| {
            errors.check(
                i.parse::<i64>().map(IncidentId).map_err(|_| FieldError::new("incident", "应急事件编号应为整数")),
            )
        });
        filter.text = blank(&self.q).map(|q| text::clip(q, 40).trim_end_matches('…').to_string());
        errors.into_result()?;
        Ok(filter)
    }
}

/// Who files a matter.
enum Intaker<'a> {
    Staff(&'a Actor),
    /// A citizen online or at a kiosk, from this address.
    Citizen(&'a str),
}

impl Services {
    /// Logs a matter received by a member of staff (window, hotline, itinerant, home
    /// visit, letter): they own it until someone else accepts it (首问负责).
    pub async fn create_request(&self, actor: &Actor, input: &RequestInput) -> Result<Created, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let draft = input.parse(self.today())?;
        self.intake(Intaker::Staff(actor), draft).await
    }

    /// A matter already checked (a consultation at an event, which names it).
    pub(crate) async fn create_request_draft(
        &self,
        actor: &Actor,
        draft: gongdao_domain::request::RequestDraft,
    ) -> Result<Created, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        self.intake(Intaker::Staff(actor), draft).await
    }

    /// A citizen files a matter online or at a kiosk; it goes to the queue the routing
    /// rules name.
    pub async fn submit_request(&self, input: &RequestInput, kiosk: bool, ip: &str) -> Result<Created, ServiceError> {
        let mut input = input.clone();
        input.channel = if kiosk { Channel::Kiosk } else { Channel::Online }.code().into();
        // Citizens cannot mark their own matter urgent; the green channel follows groups.
        input.priority = None;
        let draft = input.parse(self.today())?;
        self.intake(Intaker::Citizen(ip), draft).await
    }

    async fn intake(&self, who: Intaker<'_>, draft: RequestDraft) -> Result<Created, ServiceError> {
        let book = self.rules().await?;
        let now = self.now();
        let home = self.config().home_region;
        if !home.contains(draft.region) {
            return Err(ServiceError::field("region", format!("行政区划“{}”不在本平台的服务范围内", draft.region)));
        }
        // The rules of the district the matter arises in.
        let rules = book.for_region(draft.region);
        // Everything but the writes is decided here, on the readers, concurrently.
        let reader = self.store().reader();
        let region = regions::get(reader, draft.region)
            .await?
            .ok_or_else(|| ServiceError::field("region", format!("行政区划代码“{}”不存在", draft.region)))?;
        let district = draft.region.ancestor_at(RegionLevel::District).expect("checked: at or below a district");
        let (resolve_due, resolve) = rules.due(now, rules.deadlines.rule(draft.category, Step::Resolve).period);
        let (status, first_owner, owner_user, owner_institution, routed) = match who {
            Intaker::Staff(actor) => {
                let inst = match actor.institution_id {
                    Some(i) => institutions::region_of(reader, i).await?.map(|r| (i, r)),
                    None => None,
                };
                (Status::Open, Some(actor.user_id), Some(actor.user_id), inst, None)
            }
            Intaker::Citizen(_) => {
                let mut found = None;
                for kind in rules.routing.targets(draft.category) {
                    if let Some(hit) = institutions::nearest(reader, *kind, draft.region).await? {
                        found = Some(hit);
                        break;
                    }
                }
                let routed = found.as_ref().map(|(_, _, name)| name.clone());
                (Status::Pending, None, None, found.map(|(i, r, _)| (i, r)), routed)
            }
        };
        let accept_due = (status == Status::Pending)
            .then(|| rules.due(now, rules.deadlines.rule(draft.category, Step::Accept).period).0);
        let (actor_user, actor_name, actor_inst) = match who {
            Intaker::Staff(a) => (Some(a.user_id), a.display_name.clone(), a.institution_id),
            Intaker::Citizen(_) => (None, format!("群众自助（{}）", draft.channel.label()), None),
        };
        let mut events = vec![PreparedEvent {
            kind: EventKind::Received,
            actor_user,
            actor_name,
            institution: actor_inst,
            note: Some(format!("{} · {} · {}", draft.channel.label(), draft.category.label(), region.name)),
        }];
        if status == Status::Pending {
            events.push(PreparedEvent {
                kind: EventKind::Routed,
                actor_user: None,
                actor_name: "系统".into(),
                institution: owner_institution.map(|(i, _)| i),
                note: Some(match &routed {
                    Some(name) => format!("按分派规则分派至 {name}"),
                    None => "未找到对应机构，待指挥调度中心分派".into(),
                }),
            });
        }
        let sms = match &draft.requester.phone {
            Some(phone) => Some((
                phone.clone(),
                format!(
                    "【{}公共法律服务】{}，您的{}事项已登记，编号{{number}}，将于{}前办结。可凭编号和手机号后四位查询进度，咨询请拨打12348。",
                    self.site_name(reader).await?,
                    draft.requester.name,
                    draft.category.label(),
                    deadline_text(resolve_due),
                ),
            )),
            None => None,
        };
        let summary = format!("登记服务事项 {{number}}（{}，{}）", draft.category.label(), draft.channel.label());
        let audit = match who {
            Intaker::Staff(a) => (Some(a.user_id.0), a.username.clone(), a.ip.clone(), summary),
            Intaker::Citizen(ip) => (None, "群众".to_string(), ip.to_string(), summary),
        };
        self.commit_intake(Prepared {
            status,
            first_owner,
            owner_user,
            owner_institution,
            routed,
            accept_due,
            due: resolve_due,
            estimated: resolve.estimated,
            district,
            day: china_day(now),
            events,
            watch_at: watch_time(rules, accept_due, resolve_due, now),
            sms,
            audit,
            now,
            draft,
        })
        .await
    }

    /// The name shown in messages, e.g. 洮北区. Takes the connection in use: a second
    /// connection taken while a transaction holds one can starve a small pool.
    pub(crate) async fn site_name(&self, conn: &impl ConnectionTrait) -> Result<String, ServiceError> {
        if let Some(name) = self.inner.site_name.read().expect("not poisoned").clone() {
            return Ok(name);
        }
        let name = regions::get(conn, self.config().home_region).await?.map(|r| r.name).unwrap_or_default();
        *self.inner.site_name.write().expect("not poisoned") = Some(name.clone());
        Ok(name)
    }

    /// Forgets the cached site name (after a region is renamed).
    pub(crate) fn forget_site_name(&self) {
        *self.inner.site_name.write().expect("not poisoned") = None;
    }

    /// Matters in the actor's scope, open first, green channel and soonest due first.
    pub async fn requests(
        &self,
        actor: &Actor,
        query: &RequestQuery,
        page: &PageQuery,
    ) -> Result<(Vec<ServiceRequest>, u64), ServiceError> {
        self.requests_page(actor, query, page, true).await
    }

    /// A page of matters, counting the total only when asked.
    pub(crate) async fn requests_page(
        &self,
        actor: &Actor,
        query: &RequestQuery,
        page: &PageQuery,
        with_total: bool,
    ) -> Result<(Vec<ServiceRequest>, u64), ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let now = self.now();
        let soon = self.due_soon_from(now, actor.scope.root).await?;
        let filter = query.parse(actor, soon);
        let page = page.parse();
        let (mut filter, page) = match (filter, page) {
            (Ok(f), Ok(p)) => (f, p),
            (Err(mut a), Err(b)) => {
                a.0.extend(b.0);
                return Err(a.into());
            }
            (Err(e), _) | (_, Err(e)) => return Err(e.into()),
        };
        // A name is found whole, through its blind index: it is not stored in the clear.
        if let Some(t) = &filter.text {
            filter.name_indexes = self.cipher().name_indexes(t);
        }
        Ok(requests::list(self.store().reader(), self.cipher(), actor.scope, &filter, now, page, with_total).await?)
    }

    /// The region a stored matter arises in (the home region for a row that names none
    /// this installation knows, which the foreign key rules out).
    pub(crate) fn region_of(&self, m: &gongdao_store::entity::service_request::Model) -> DivisionCode {
        DivisionCode::from_db(m.region_code).unwrap_or(self.config().home_region)
    }

    /// The end of the “nearly due” window that starts now: the reminder time of the
    /// deadline table, so the counts, the filters and the reminders agree.
    /// The end of the “nearly due” window for someone whose scope is rooted at
    /// `region` (the reminder window of its district's deadline table).
    pub async fn due_soon_from(&self, now: DateTime<Utc>, region: DivisionCode) -> Result<DateTime<Utc>, ServiceError> {
        let book = self.rules().await?;
        let rules = book.for_region(region);
        Ok(now + chrono::Duration::hours(i64::from(rules.deadlines.reminder_before_hours)))
    }

    /// One matter with its timeline.
    pub async fn request(
        &self,
        actor: &Actor,
        id: RequestId,
    ) -> Result<(ServiceRequest, Vec<RequestEvent>), ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let reader = self.store().reader();
        let request = requests::get(reader, self.cipher(), actor.scope, id, self.now())
            .await?
            .ok_or(ServiceError::NotFound("服务事项"))?;
        let events = requests::events(reader, self.cipher(), id).await?;
        Ok((request, events))
    }

    /// The requester's phone and ID number in the clear; audited.
    pub async fn reveal_requester(
        &self,
        actor: &Actor,
        id: RequestId,
    ) -> Result<gongdao_domain::network::PersonalData, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let tx = self.store().begin().await?;
        let m = requests::get_model(&tx, actor.scope, id).await?.ok_or(ServiceError::NotFound("服务事项"))?;
        let (phone, id_number) = requests::requester_personal(self.cipher(), &m)?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::ViewPersonalData,
                AuditObject::ServiceRequest,
                id,
                DivisionCode::from_db(m.region_code).unwrap_or(actor.scope.root),
                format!("查看事项 {} 当事人的电话和身份证号码", m.number),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(gongdao_domain::network::PersonalData { id_number, phone })
    }

    /// Loads a matter for a step: in scope, with the version the change must match.
    async fn for_step(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        id: RequestId,
        version: &Option<String>,
    ) -> Result<(gongdao_store::entity::service_request::Model, i64), ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let wanted = parse_version(version)?;
        let m = requests::get_model(conn, actor.scope, id).await?.ok_or(ServiceError::NotFound("服务事项"))?;
        if let Some(v) = wanted
            && v != m.version
        {
            return Err(ServiceError::stale("服务事项"));
        }
        Ok((m.clone(), m.version))
    }

    /// Writes a step's change and its event, or reports a conflict.
    #[allow(clippy::too_many_arguments)]
    async fn commit_step(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        m: &gongdao_store::entity::service_request::Model,
        version: i64,
        update: RequestUpdate,
        kind: EventKind,
        note: Option<String>,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let id = RequestId(m.id);
        match requests::update(conn, id, Some(version), &update, now).await? {
            Versioned::Updated(()) => {}
            Versioned::Stale { .. } => return Err(ServiceError::stale("服务事项")),
            Versioned::NotFound => return Err(ServiceError::NotFound("服务事项")),
        }
        requests::add_event(
            conn,
            self.cipher(),
            &NewEvent {
                request: id,
                kind,
                at: now,
                actor_user: Some(actor.user_id),
                actor_name: actor.display_name.clone(),
                institution: actor.institution_id,
                note: note.clone(),
            },
        )
        .await?;
        let region = DivisionCode::from_db(m.region_code).unwrap_or(actor.scope.root);
        let summary = match &note {
            Some(n) => format!("事项 {}：{}（{}）", m.number, kind.label(), text::clip(n, 60)),
            None => format!("事项 {}：{}", m.number, kind.label()),
        };
        self.audit(conn, actor, Event::new(AuditAction::Update, AuditObject::ServiceRequest, id, region, summary)).await
    }

    async fn view(&self, actor: &Actor, id: RequestId) -> Result<ServiceRequest, ServiceError> {
        requests::get(self.store().reader(), self.cipher(), actor.scope, id, self.now())
            .await?
            .ok_or(ServiceError::NotFound("服务事项"))
    }

    /// 流转: hands a matter to an institution (and optionally one of its people). The
    /// owner keeps it until the other side accepts.
    pub async fn transfer_request(
        &self,
        actor: &Actor,
        id: RequestId,
        input: &TransferInput,
    ) -> Result<ServiceRequest, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let mut errors = ValidationErrors::new();
        let to_inst = match blank(&input.to_institution) {
            None => {
                errors.push(FieldError::new("to_institution", "请选择接收机构"));
                None
            }
            Some(s) => errors.check(
                s.parse::<i64>()
                    .map(InstitutionId)
                    .map_err(|_| FieldError::new("to_institution", "接收机构编号不正确")),
            ),
        };
        let to_user = blank(&input.to_user).and_then(|s| {
            errors.check(s.parse::<i64>().map(UserId).map_err(|_| FieldError::new("to_user", "接收人编号不正确")))
        });
        let reason = errors.check(text::required("reason", "流转理由", &input.reason, 500));
        errors.into_result()?;
        let (to_inst, reason) = (to_inst.expect("checked"), reason.expect("checked"));
        let book = self.rules().await?;
        let tx = self.store().begin().await?;
        let (m, version) = self.for_step(&tx, actor, id, &input.version).await?;
        let rules = book.for_region(self.region_of(&m));
        holding_of(&m).check_transfer(handler(actor)).map_err(rule_error)?;
        let home = gongdao_domain::auth::Scope::new(self.config().home_region);
        let target = institutions::get(&tx, home, to_inst)
            .await?
            .ok_or_else(|| ServiceError::field("to_institution", "接收机构不存在"))?;
        if !may_transfer_to(actor.scope.root, target.region) {
            return Err(ServiceError::field(
                "to_institution",
                format!("“{}”不在您可流转的范围内：只能流转给本辖区内的机构或上级机构", target.name),
            ));
        }
        if Some(to_inst) == m.owner_institution_id.map(InstitutionId)
            && to_user.is_none()
            && m.status != Status::Pending.code()
        {
            return Err(ServiceError::field("to_institution", "该事项已在这个机构办理，请选择其他机构或指定接收人"));
        }
        if let Some(u) = to_user {
            let user = accounts::by_id(&tx, u).await?.filter(|u| u.active);
            if user.as_ref().and_then(|u| u.institution_id) != Some(to_inst) {
                return Err(ServiceError::field("to_user", format!("接收人不是“{}”的在岗人员", target.name)));
            }
        }
        let category = Category::from_code(&m.category).unwrap_or(Category::Other);
        let now = self.now();
        let (accept_due, _) = rules.due(now, rules.deadlines.rule(category, Step::Accept).period);
        let update = RequestUpdate {
            status: Some(Status::Transferring),
            target_user: Some(to_user),
            target_institution: Some(Some((to_inst, target.region))),
            transfer_reason: Some(Some(reason.clone())),
            accept_due_at: Some(Some(accept_due)),
            ..Default::default()
        };
        self.commit_step(
            &tx,
            actor,
            &m,
            version,
            update,
            EventKind::Transferred,
            Some(format!("流转至 {}：{reason}", target.name)),
        )
        .await?;
        jobs::ensure(&tx, DEADLINE_JOB, m.id, watch_time(rules, Some(accept_due), m.due_at, now), now).await?;
        let recipients = match to_user {
            Some(u) => vec![u],
            None => accounts::of_institution(&tx, to_inst).await?.into_iter().map(|u| u.id).collect(),
        };
        let messages: Vec<NewMessage> = recipients
            .into_iter()
            .map(|u| NewMessage {
                channel: MessageChannel::InApp,
                user: Some(u),
                phone: None,
                template: "transfer",
                body: format!(
                    "{} 将事项 {} 流转给您，请于 {} 前受理。理由：{reason}",
                    actor.display_name,
                    m.number,
                    deadline_text(accept_due)
                ),
                request: Some(id),
                at: now,
            })
            .collect();
        outbox::enqueue_many(&tx, self.cipher(), &messages).await?;
        tx.commit().await?;
        self.view(actor, id).await
    }

    /// 受理: takes on a matter handed over (or waiting in the institution's queue); it
    /// becomes the acceptor's, and the previous owner is told.
    pub async fn accept_request(
        &self,
        actor: &Actor,
        id: RequestId,
        input: &StepInput,
    ) -> Result<ServiceRequest, ServiceError> {
        let tx = self.store().begin().await?;
        let (m, version) = self.for_step(&tx, actor, id, &input.version).await?;
        holding_of(&m).check_accept(handler(actor)).map_err(rule_error)?;
        let inst = match actor.institution_id {
            Some(i) => institutions::get(&tx, gongdao_domain::auth::Scope::new(self.config().home_region), i)
                .await?
                .map(|x| (i, x.region)),
            None => None,
        };
        let previous = m.owner_user_id;
        let update = RequestUpdate {
            status: Some(Status::Open),
            owner_user: Some(Some(actor.user_id)),
            owner_institution: Some(inst),
            target_user: Some(None),
            target_institution: Some(None),
            accept_due_at: Some(None),
            ..Default::default()
        };
        self.commit_step(&tx, actor, &m, version, update, EventKind::Accepted, None).await?;
        if let Some(prev) = previous.filter(|p| *p != actor.user_id.0) {
            outbox::enqueue(
                &tx,
                self.cipher(),
                &NewMessage {
                    channel: MessageChannel::InApp,
                    user: Some(UserId(prev)),
                    phone: None,
                    template: "accepted",
                    body: format!("您流转的事项 {} 已由 {} 受理", m.number, actor.display_name),
                    request: Some(id),
                    at: self.now(),
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.view(actor, id).await
    }

    /// 退回: refuses a hand-over with a reason; the matter stays with its owner.
    pub async fn refuse_request(
        &self,
        actor: &Actor,
        id: RequestId,
        input: &StepInput,
    ) -> Result<ServiceRequest, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let reason = text::required("text", "退回理由", input.text.as_deref().unwrap_or(""), 500)?;
        let tx = self.store().begin().await?;
        let (m, version) = self.for_step(&tx, actor, id, &input.version).await?;
        holding_of(&m).check_refuse(handler(actor)).map_err(rule_error)?;
        let update = RequestUpdate {
            status: Some(if m.owner_user_id.is_some() { Status::Open } else { Status::Pending }),
            target_user: Some(None),
            target_institution: Some(None),
            accept_due_at: Some(None),
            ..Default::default()
        };
        self.commit_step(&tx, actor, &m, version, update, EventKind::Refused, Some(reason.clone())).await?;
        if let Some(owner) = m.owner_user_id {
            outbox::enqueue(
                &tx,
                self.cipher(),
                &NewMessage {
                    channel: MessageChannel::InApp,
                    user: Some(UserId(owner)),
                    phone: None,
                    template: "refused",
                    body: format!("事项 {} 被 {} 退回：{reason}", m.number, actor.display_name),
                    request: Some(id),
                    at: self.now(),
                },
            )
            .await?;
        }
        tx.commit().await?;
        self.view(actor, id).await
    }

    /// 答复: a progress note by the owner, on the timeline.
    pub async fn reply_request(
        &self,
        actor: &Actor,
        id: RequestId,
        input: &StepInput,
    ) -> Result<ServiceRequest, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let note = text::optional_multiline("text", "答复内容", input.text.as_deref(), 2000)?
            .ok_or_else(|| ServiceError::field("text", "请填写答复内容"))?;
        let tx = self.store().begin().await?;
        let (m, version) = self.for_step(&tx, actor, id, &input.version).await?;
        holding_of(&m).check_owner(handler(actor), "答复").map_err(rule_error)?;
        self.commit_step(&tx, actor, &m, version, RequestUpdate::default(), EventKind::Replied, Some(note)).await?;
        tx.commit().await?;
        self.view(actor, id).await
    }

    /// 办结: resolves a matter with the answer given; the requester is told by SMS.
    pub async fn resolve_request(
        &self,
        actor: &Actor,
        id: RequestId,
        input: &StepInput,
    ) -> Result<ServiceRequest, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let answer = text::optional_multiline("text", "办理结果", input.text.as_deref(), 4000)?
            .ok_or_else(|| ServiceError::field("text", "请填写办理结果"))?;
        let tx = self.store().begin().await?;
        let (m, version) = self.for_step(&tx, actor, id, &input.version).await?;
        holding_of(&m).check_owner(handler(actor), "办结").map_err(rule_error)?;
        if m.status == Status::Transferring.code() {
            return Err(ServiceError::Conflict("该事项正在流转中，请等待对方受理或退回后再办结".into()));
        }
        let now = self.now();
        let update = RequestUpdate {
            status: Some(Status::Resolved),
            reply: Some(Some(self.cipher().sealed(&answer))),
            resolved_at: Some(Some(now)),
            ..Default::default()
        };
        self.commit_step(&tx, actor, &m, version, update, EventKind::Resolved, Some(answer)).await?;
        self.sms_to_requester(
            &tx,
            &m,
            "resolved",
            format!("您的事项{}已办结，办理结果请查询或留意工作人员联系。如有疑问请拨打12348。", m.number),
        )
        .await?;
        tx.commit().await?;
        self.view(actor, id).await
    }

    async fn sms_to_requester(
        &self,
        conn: &impl ConnectionTrait,
        m: &gongdao_store::entity::service_request::Model,
        template: &'static str,
        body: String,
    ) -> Result<(), ServiceError> {
        let (phone, _) = requests::requester_personal(self.cipher(), m)?;
        if let Some(phone) = phone.and_then(|p| gongdao_domain::PhoneNumber::parse("phone", &p).ok()) {
            let body = format!("【{}公共法律服务】{body}", self.site_name(conn).await?);
            outbox::enqueue(
                conn,
                self.cipher(),
                &NewMessage {
                    channel: MessageChannel::Sms,
                    user: None,
                    phone: Some(phone),
                    template,
                    body,
                    request: Some(RequestId(m.id)),
                    at: self.now(),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// 归档: closes a resolved matter; invites the requester to evaluate the service
    /// and schedules the follow-up visit (回访).
    pub async fn close_request(
        &self,
        actor: &Actor,
        id: RequestId,
        input: &StepInput,
    ) -> Result<ServiceRequest, ServiceError> {
        let book = self.rules().await?;
        let tx = self.store().begin().await?;
        let (m, version) = self.for_step(&tx, actor, id, &input.version).await?;
        let rules = book.for_region(self.region_of(&m));
        holding_of(&m).check_close(handler(actor)).map_err(rule_error)?;
        let now = self.now();
        let update = RequestUpdate { status: Some(Status::Closed), closed_at: Some(Some(now)), ..Default::default() };
        self.commit_step(
            &tx,
            actor,
            &m,
            version,
            update,
            EventKind::Closed,
            input.text.clone().filter(|t| !t.trim().is_empty()),
        )
        .await?;
        let category = Category::from_code(&m.category).unwrap_or(Category::Other);
        let (follow_up, _) = rules.due(now, rules.deadlines.rule(category, Step::FollowUp).period);
        jobs::schedule(&tx, FOLLOW_UP_JOB, m.id, follow_up, now).await?;
        let phone = requests::requester_personal(self.cipher(), &m)?
            .0
            .and_then(|p| gongdao_domain::PhoneNumber::parse("phone", &p).ok());
        let channel = gongdao_domain::request::Channel::from_code(&m.channel)
            .map_or(EvalChannel::Offline, EvalChannel::of_request);
        let completed = Completed {
            kind: ServiceKind::Request,
            id: m.id,
            number: m.number.clone(),
            channel,
            region: self.region_of(&m),
            institution_id: m.owner_institution_id,
            served_by: m.owner_user_id,
            phone,
        };
        self.invite_evaluation(&tx, rules, completed).await?;
        tx.commit().await?;
        self.view(actor, id).await
    }

    /// 重新办理: reopens a resolved or closed matter with a reason.
    pub async fn reopen_request(
        &self,
        actor: &Actor,
        id: RequestId,
        input: &StepInput,
    ) -> Result<ServiceRequest, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let reason = text::required("text", "重新办理的理由", input.text.as_deref().unwrap_or(""), 500)?;
        let book = self.rules().await?;
        let tx = self.store().begin().await?;
        let (m, version) = self.for_step(&tx, actor, id, &input.version).await?;
        let rules = book.for_region(self.region_of(&m));
        holding_of(&m).check_reopen(handler(actor)).map_err(rule_error)?;
        let now = self.now();
        let owner = if m.owner_user_id.is_some() { None } else { Some(Some(actor.user_id)) };
        let update = RequestUpdate {
            status: Some(Status::Open),
            owner_user: owner,
            resolved_at: Some(None),
            closed_at: Some(None),
            ..Default::default()
        };
        self.commit_step(&tx, actor, &m, version, update, EventKind::Reopened, Some(reason)).await?;
        jobs::ensure(&tx, DEADLINE_JOB, m.id, watch_time(rules, None, m.due_at, now), now).await?;
        tx.commit().await?;
        self.view(actor, id).await
    }

    /// Where the actor may hand a matter, the routing rules' choice first.
    pub async fn transfer_targets(
        &self,
        actor: &Actor,
        id: RequestId,
    ) -> Result<Vec<gongdao_domain::request::Named>, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let book = self.rules().await?;
        let reader = self.store().reader();
        let m = requests::get_model(reader, actor.scope, id).await?.ok_or(ServiceError::NotFound("服务事项"))?;
        let region = DivisionCode::from_db(m.region_code).ok_or_else(|| ServiceError::Internal("bad region".into()))?;
        let rules = book.for_region(region);
        let category = Category::from_code(&m.category).unwrap_or(Category::Other);
        let mut out = Vec::new();
        for kind in rules.routing.targets(category) {
            if let Some((i, _, name)) = institutions::nearest(reader, *kind, region).await? {
                out.push(gongdao_domain::request::Named { id: i.0, name: format!("{name}（推荐）") });
                break;
            }
        }
        let home = gongdao_domain::auth::Scope::new(self.config().home_region);
        let all = institutions::list_all(reader, home, &Default::default(), 5000).await?;
        for i in all {
            let serves = !matches!(
                i.kind,
                gongdao_domain::network::InstitutionType::MediationCommittee
                    | gongdao_domain::network::InstitutionType::VillageRoom
            ) || region.ancestor_at(RegionLevel::Township) == i.region.ancestor_at(RegionLevel::Township);
            if may_transfer_to(actor.scope.root, i.region) && serves && !out.iter().any(|o| o.id == i.id.0) {
                out.push(gongdao_domain::request::Named {
                    id: i.id.0,
                    name: format!("{}（{}）", i.name, i.region_name),
                });
            }
        }
        Ok(out)
    }
}

/// What a citizen sees when following a matter: no staff names, no personal data.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PublicStatus {
    pub number: RequestNumber,
    pub category: Category,
    pub status: Status,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub handled_by: Option<String>,
    pub reply: Option<String>,
    pub steps: Vec<PublicStep>,
    /// The rating page of a closed matter not yet rated (its invitation still open).
    pub rating_link: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PublicStep {
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub institution: Option<String>,
}

impl Services {
    /// A citizen follows a matter by its number and the last four digits of the phone
    /// given at intake. A wrong pair answers "not found" either way.
    pub async fn track_request(&self, number: &str, last4: &str) -> Result<PublicStatus, ServiceError> {
        let number = RequestNumber::parse("number", number)?;
        let last4 = last4.trim();
        if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ServiceError::field("phone_last4", "请填写登记时所留手机号的后四位数字"));
        }
        let reader = self.store().reader();
        let not_found =
            || ServiceError::NoMatch("没有找到该事项：请核对事项编号和登记时所留手机号的后四位，或拨打 12348 查询");
        // Four digits are few: wrong answers are counted per matter, from any address.
        let target = format!("track:{}", number.as_str());
        self.lookup_allowed(&target).await?;
        let Some(m) = requests::by_number(reader, number.as_str()).await? else {
            self.lookup_missed(&target).await?;
            return Err(not_found());
        };
        let (phone, _) = requests::requester_personal(self.cipher(), &m)?;
        if !phone.is_some_and(|p| p.ends_with(last4)) {
            self.lookup_missed(&target).await?;
            return Err(not_found());
        }
        let events = requests::events(reader, self.cipher(), RequestId(m.id)).await?;
        let owner = match m.owner_institution_id {
            Some(i) => institutions::names(reader, [i]).await?.remove(&i),
            None => None,
        };
        let rating_link = if m.status == Status::Closed.code() {
            self.rating_link_of(ServiceKind::Request, m.id).await?
        } else {
            None
        };
        Ok(PublicStatus {
            rating_link,
            number,
            category: Category::from_code(&m.category).unwrap_or(Category::Other),
            status: Status::from_code(&m.status).unwrap_or(Status::Open),
            received_at: m.received_at,
            due_at: m.due_at,
            handled_by: owner,
            reply: self.cipher().open_text_opt(m.reply.as_deref())?,
            steps: events
                .into_iter()
                .filter(|e| !matches!(e.kind, EventKind::Note | EventKind::Reminded | EventKind::Escalated))
                .map(|e| PublicStep { at: e.at, kind: e.kind, institution: e.institution })
                .collect(),
        })
    }
}
