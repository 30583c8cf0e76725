//! 指挥调度: the dispatch board over every open matter in scope, bulk reassignment, and
//! emergency incidents whose matters get a shorter time limit and their own board.

use chrono::{DateTime, Utc};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission, Scope};
use gongdao_domain::ids::{IncidentId, InstitutionId, RequestId, UserId};
use gongdao_domain::request::{
    BoardCounts, EventKind, Incident, Load, Priority, ServiceRequest, Status, may_transfer_to,
};
use gongdao_domain::{DivisionCode, FieldError, ValidationErrors, text};
use gongdao_store::incidents::{self, NewIncident};
use gongdao_store::outbox::{Channel as MessageChannel, NewMessage};
use gongdao_store::requests::{NewEvent, RequestUpdate};
use gongdao_store::{Page, Versioned, accounts, institutions, jobs, outbox, requests};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Event;
use crate::requests::{DEADLINE_JOB, RequestQuery, watch_time};
use crate::{ServiceError, Services};

/// What the dispatch board shows.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Board {
    pub counts: BoardCounts,
    /// The first page of open matters matching the filters, most urgent first.
    pub items: Vec<ServiceRequest>,
    /// How many open matters match the filters.
    pub total: u64,
    pub by_institution: Vec<Load>,
    pub by_person: Vec<Load>,
    pub incidents: Vec<Incident>,
}

/// Bulk reassignment (改派) by a dispatcher.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct ReassignInput {
    #[serde(default)]
    pub ids: Vec<i64>,
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub to_institution: Option<String>,
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub to_user: Option<String>,
    #[serde(default)]
    pub reason: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct IncidentInput {
    #[serde(default)]
    pub title: String,
    pub description: Option<String>,
    /// Division code of the area concerned.
    #[serde(default)]
    pub region: String,
    /// Time limit of its matters, e.g. `24小时`; default from the deadline file.
    pub period: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct LinkInput {
    #[serde(default)]
    pub ids: Vec<i64>,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Waiting work of one person (see [`Services::workload`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Workload {
    pub requests: requests::Workload,
    pub unread: u64,
}

/// Matters one request may link to an incident (the longest board page).
pub const MAX_LINKED_AT_ONCE: usize = 500;

impl Services {
    /// The dispatch board: counts, the most urgent open matters, load per institution
    /// and person, open incidents.
    pub async fn board(
        &self,
        actor: &Actor,
        query: &RequestQuery,
        page: &crate::network::PageQuery,
    ) -> Result<Board, ServiceError> {
        actor.require(Permission::ViewBoard)?;
        let now = self.now();
        let within = blank(&query.region).map(|r| DivisionCode::parse("region", r)).transpose()?;
        let mut active = query.clone();
        if active.status.is_none() {
            active.status = Some("active".into());
        }
        let reader = self.store().reader();
        let soon = self.due_soon_from(now, actor.scope.root).await?;
        let summary = requests::board_summary(reader, actor.scope, within, now, soon).await?;
        // With no filter but the region, the page's total is the count of open matters
        // just summed: skip counting them a second time.
        let (items, total) = if active.is_all_open() {
            let (items, _) = self.requests_page(actor, &active, page, false).await?;
            (items, summary.counts.open as u64)
        } else {
            self.requests(actor, &active, page).await?
        };
        let incidents = incidents::list(reader, actor.scope, true).await?;
        Ok(Board {
            counts: summary.counts,
            items,
            total,
            by_institution: summary.by_institution,
            by_person: summary.by_person,
            incidents,
        })
    }

    /// 改派: moves open matters to another institution (its queue) or person at once.
    pub async fn reassign(&self, actor: &Actor, input: &ReassignInput) -> Result<usize, ServiceError> {
        actor.require(Permission::DispatchRequests)?;
        let mut errors = ValidationErrors::new();
        if input.ids.is_empty() {
            errors.push(FieldError::new("ids", "请选择要改派的事项"));
        }
        if input.ids.len() > 500 {
            errors.push(FieldError::new("ids", "一次最多改派500件"));
        }
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
        let reason = errors.check(text::required("reason", "改派理由", &input.reason, 500));
        errors.into_result()?;
        let (to_inst, reason) = (to_inst.expect("checked"), reason.expect("checked"));
        let tx = self.store().begin().await?;
        let target = institutions::get(&tx, Scope::new(self.config().home_region), to_inst)
            .await?
            .ok_or_else(|| ServiceError::field("to_institution", "接收机构不存在"))?;
        if !may_transfer_to(actor.scope.root, target.region) {
            return Err(ServiceError::field("to_institution", format!("“{}”不在您可调度的范围内", target.name)));
        }
        if let Some(u) = to_user
            && accounts::by_id(&tx, u).await?.filter(|u| u.active).and_then(|u| u.institution_id) != Some(to_inst)
        {
            return Err(ServiceError::field("to_user", format!("接收人不是“{}”的在岗人员", target.name)));
        }
        let now = self.now();
        let mut moved = 0;
        let mut notices = Vec::new();
        for id in &input.ids {
            let id = RequestId(*id);
            let m = requests::get_model(&tx, actor.scope, id)
                .await?
                .ok_or_else(|| ServiceError::field("ids", format!("事项 {} 不存在或不在您的管辖范围内", id)))?;
            if !Status::from_code(&m.status).is_some_and(Status::is_open) {
                return Err(ServiceError::field("ids", format!("事项 {} 已办结，不能改派", m.number)));
            }
            let update = RequestUpdate {
                status: Some(if to_user.is_some() { Status::Open } else { Status::Pending }),
                owner_user: Some(to_user),
                owner_institution: Some(Some((to_inst, target.region))),
                target_user: Some(None),
                target_institution: Some(None),
                accept_due_at: Some(None),
                ..Default::default()
            };
            match requests::update(&tx, id, Some(m.version), &update, now).await? {
                Versioned::Updated(()) => {}
                _ => return Err(ServiceError::stale("服务事项")),
            }
            requests::add_event(
                &tx,
                self.cipher(),
                &NewEvent {
                    request: id,
                    kind: EventKind::Reassigned,
                    at: now,
                    actor_user: Some(actor.user_id),
                    actor_name: actor.display_name.clone(),
                    institution: actor.institution_id,
                    note: Some(format!("改派至 {}：{reason}", target.name)),
                },
            )
            .await?;
            notices.push(m.number.clone());
            moved += 1;
        }
        let recipients: Vec<UserId> = match to_user {
            Some(u) => vec![u],
            None => accounts::of_institution(&tx, to_inst).await?.into_iter().map(|u| u.id).collect(),
        };
        let body = format!("指挥调度中心改派 {} 件事项给您：{}。理由：{reason}", moved, notices.join("、"));
        let messages: Vec<NewMessage> = recipients
            .into_iter()
            .map(|u| NewMessage {
                channel: MessageChannel::InApp,
                user: Some(u),
                phone: None,
                template: "reassigned",
                body: body.clone(),
                request: None,
                at: now,
            })
            .collect();
        outbox::enqueue_many(&tx, self.cipher(), &messages).await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Update,
                AuditObject::ServiceRequest,
                "-",
                actor.scope.root,
                format!("改派 {moved} 件事项至 {}", target.name),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(moved)
    }

    /// 应急响应: opens an incident with the time limit its matters will get.
    pub async fn open_incident(&self, actor: &Actor, input: &IncidentInput) -> Result<Incident, ServiceError> {
        actor.require(Permission::DispatchRequests)?;
        let book = self.rules().await?;
        let mut errors = ValidationErrors::new();
        let title = errors.check(text::required("title", "事件名称", &input.title, 60));
        let description = errors
            .check(text::optional_multiline("description", "事件说明", input.description.as_deref(), 2000))
            .flatten();
        let region = errors.check(DivisionCode::parse("region", &input.region));
        let rules = region.map_or(book.installation(), |r| book.for_region(r));
        let period = match blank(&input.period) {
            None => Some(rules.deadlines.incident.period),
            Some(p) => {
                errors.check(gongdao_domain::calendar::Period::parse(p).map_err(|e| FieldError::new("period", e.0)))
            }
        };
        errors.into_result()?;
        let (title, region, period) = (title.expect("checked"), region.expect("checked"), period.expect("checked"));
        if !actor.scope.contains(region) {
            return Err(ServiceError::field("region", "该区划不在您的管辖范围内"));
        }
        let now = self.now();
        let (due, _) = rules.due(now, period);
        let tx = self.store().begin().await?;
        if gongdao_store::regions::get(&tx, region).await?.is_none() {
            return Err(ServiceError::field("region", format!("行政区划代码“{region}”不存在")));
        }
        let id = incidents::insert(
            &tx,
            &NewIncident {
                title: &title,
                description: description.as_deref(),
                region,
                opened_by: actor.user_id,
                due_at: due,
                now,
            },
        )
        .await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Create,
                AuditObject::Incident,
                id,
                region,
                format!("启动应急响应：{title}（时限{period}）"),
            ),
        )
        .await?;
        tx.commit().await?;
        incidents::get(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("应急事件"))
    }

    /// Links matters to an incident: they become urgent and due no later than it.
    pub async fn link_to_incident(
        &self,
        actor: &Actor,
        incident: IncidentId,
        input: &LinkInput,
    ) -> Result<usize, ServiceError> {
        actor.require(Permission::DispatchRequests)?;
        if input.ids.is_empty() {
            return Err(ServiceError::field("ids", "请选择要纳入应急事件的事项"));
        }
        if input.ids.len() > MAX_LINKED_AT_ONCE {
            return Err(ServiceError::field("ids", format!("一次最多纳入{MAX_LINKED_AT_ONCE}件事项，请分批操作")));
        }
        // A matter ticked twice is linked once.
        let mut ids = input.ids.clone();
        ids.sort_unstable();
        ids.dedup();
        let book = self.rules().await?;
        let tx = self.store().begin().await?;
        let inc = incidents::get(&tx, actor.scope, incident).await?.ok_or(ServiceError::NotFound("应急事件"))?;
        if !inc.open {
            return Err(ServiceError::Conflict("该应急事件已结束".into()));
        }
        let now = self.now();
        for id in &ids {
            let id = RequestId(*id);
            let m = requests::get_model(&tx, actor.scope, id)
                .await?
                .ok_or_else(|| ServiceError::field("ids", format!("事项 {id} 不存在或不在您的管辖范围内")))?;
            if !Status::from_code(&m.status).is_some_and(Status::is_open) {
                return Err(ServiceError::field("ids", format!("事项 {} 已办结，不能纳入应急事件", m.number)));
            }
            let due = m.due_at.min(inc.due_at);
            let update = RequestUpdate {
                incident: Some(Some(incident)),
                priority: Some(Priority::Urgent),
                due_at: Some((due, m.due_estimated && due == m.due_at)),
                ..Default::default()
            };
            requests::update(&tx, id, None, &update, now).await?;
            requests::add_event(
                &tx,
                self.cipher(),
                &NewEvent {
                    request: id,
                    kind: EventKind::Incident,
                    at: now,
                    actor_user: Some(actor.user_id),
                    actor_name: actor.display_name.clone(),
                    institution: actor.institution_id,
                    note: Some(format!(
                        "纳入应急事件“{}”，限 {} 前办结",
                        inc.title,
                        gongdao_domain::calendar::deadline_text(due)
                    )),
                },
            )
            .await?;
            let rules = book.for_region(DivisionCode::from_db(m.region_code).unwrap_or(self.config().home_region));
            jobs::ensure(&tx, DEADLINE_JOB, id.0, watch_time(rules, m.accept_due_at, due, now), now).await?;
        }
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Update,
                AuditObject::Incident,
                incident,
                inc.region,
                format!("{} 件事项纳入应急事件“{}”", ids.len(), inc.title),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Links the matters ticked on the board to the incident chosen beside them (its id
    /// as typed in the form: empty when none was chosen).
    pub async fn link_ticked(
        &self,
        actor: &Actor,
        incident: &str,
        input: &LinkInput,
    ) -> Result<(Incident, usize), ServiceError> {
        actor.require(Permission::DispatchRequests)?;
        let id = incident
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|i| *i > 0)
            .map(IncidentId)
            .ok_or_else(|| ServiceError::field("incident", "请选择要纳入的应急事件"))?;
        let n = self.link_to_incident(actor, id, input).await?;
        let inc =
            incidents::get(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("应急事件"))?;
        Ok((inc, n))
    }

    pub async fn incidents(&self, actor: &Actor) -> Result<Vec<Incident>, ServiceError> {
        actor.require(Permission::ViewBoard)?;
        Ok(incidents::list(self.store().reader(), actor.scope, false).await?)
    }

    /// An incident and its matters (its own board).
    pub async fn incident(
        &self,
        actor: &Actor,
        id: IncidentId,
    ) -> Result<(Incident, Vec<ServiceRequest>), ServiceError> {
        actor.require(Permission::ViewBoard)?;
        let reader = self.store().reader();
        let inc = incidents::get(reader, actor.scope, id).await?.ok_or(ServiceError::NotFound("应急事件"))?;
        let filter = gongdao_store::requests::RequestFilter { incident: Some(id), ..Default::default() };
        let (items, _) =
            requests::list(reader, self.cipher(), actor.scope, &filter, self.now(), Page::new(500, 0), false).await?;
        Ok((inc, items))
    }

    pub async fn close_incident(&self, actor: &Actor, id: IncidentId) -> Result<(), ServiceError> {
        actor.require(Permission::DispatchRequests)?;
        let tx = self.store().begin().await?;
        let inc = incidents::get(&tx, actor.scope, id).await?.ok_or(ServiceError::NotFound("应急事件"))?;
        if !incidents::close(&tx, actor.scope, id, self.now()).await? {
            return Err(ServiceError::Conflict("该应急事件已结束".into()));
        }
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Update,
                AuditObject::Incident,
                id,
                inc.region,
                format!("结束应急响应：{}", inc.title),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What waits for the actor and their institution, for the counts beside the
    /// navigation: matters to accept, held, nearly due (within the reminder window of
    /// the deadline table) and overdue, and unread messages.
    pub async fn workload(&self, actor: &Actor) -> Result<Workload, ServiceError> {
        let reader = self.store().reader();
        let unread = outbox::unread(reader, actor.user_id).await?;
        if !actor.can(Permission::ViewRequests) {
            return Ok(Workload { unread, ..Default::default() });
        }
        let now = self.now();
        let soon = self.due_soon_from(now, actor.scope.root).await?;
        let w = requests::workload(reader, actor.user_id, actor.institution_id, now, soon).await?;
        Ok(Workload { requests: w, unread })
    }

    /// The actor's in-app messages and how many are unread.
    pub async fn inbox(&self, actor: &Actor) -> Result<(Vec<gongdao_store::outbox::Message>, u64), ServiceError> {
        let reader = self.store().reader();
        Ok((
            outbox::inbox(reader, self.cipher(), actor.user_id, 100).await?,
            outbox::unread(reader, actor.user_id).await?,
        ))
    }

    pub async fn mark_inbox_read(&self, actor: &Actor) -> Result<(), ServiceError> {
        outbox::mark_read(self.store().writer(), actor.user_id, self.now()).await?;
        Ok(())
    }

    /// Every message about a request, for its page.
    pub async fn request_messages(
        &self,
        actor: &Actor,
        id: RequestId,
    ) -> Result<Vec<gongdao_store::outbox::Message>, ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let reader = self.store().reader();
        requests::get_model(reader, actor.scope, id).await?.ok_or(ServiceError::NotFound("服务事项"))?;
        Ok(outbox::of_request(reader, self.cipher(), id).await?)
    }

    /// The deadline a period started now would have (for the settings page).
    pub async fn preview_due(&self, start: DateTime<Utc>, period: &str) -> Result<(DateTime<Utc>, bool), ServiceError> {
        let period = gongdao_domain::calendar::Period::parse(period).map_err(|e| ServiceError::field("period", e.0))?;
        // The calendar is one for all districts.
        let book = self.rules().await?;
        let (at, due) = book.installation().due(start, period);
        Ok((at, due.estimated))
    }
}
