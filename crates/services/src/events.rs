//! Events (活动, 规划 三(三)、五(十四)): recorded by the people who run them, planned or
//! held, with the key dates of the district's plan they fall on; consultations taken at
//! an event become service requests of channel `itinerant` that name it. The plan's
//! key-date measure reads the held events that go out to the people.

use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission, Scope};
use gongdao_domain::event::{Event, EventInput, EventKind, NOT_YET};
use gongdao_domain::request::RequestInput;
use gongdao_store::events as store;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::audit::Event as AuditEvent;
use crate::network::PageQuery;
use crate::requests::Created;
use crate::{ServiceError, Services};

/// The list's filter.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// An event kind code.
    pub kind: Option<String>,
}

impl Services {
    /// Records an event (planned, or held on a day up to today) in the caller's scope;
    /// the organising institution must be inside it too.
    pub async fn create_event(&self, actor: &Actor, input: &EventInput) -> Result<Event, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let draft = input.parse(self.today())?;
        if !actor.scope.contains(draft.region) {
            return Err(ServiceError::field("region", "活动地点不在您的数据范围内"));
        }
        if let Some(inst) = draft.institution_id
            && gongdao_store::institutions::get(self.store().reader(), actor.scope, inst).await?.is_none()
        {
            return Err(ServiceError::field("institution_id", "主办机构不存在或不在您的数据范围内"));
        }
        let tx = self.store().begin().await?;
        let id = store::insert(&tx, &draft, actor.user_id.0, self.now()).await?;
        let what = if draft.held { "登记活动" } else { "登记计划活动" };
        self.audit(
            &tx,
            actor,
            AuditEvent::new(
                AuditAction::Create,
                AuditObject::Region,
                id,
                draft.region,
                format!("{what}：{}", draft.title),
            ),
        )
        .await?;
        tx.commit().await?;
        self.event(actor, id).await
    }

    /// Events in the caller's scope, newest first.
    pub async fn events(
        &self,
        actor: &Actor,
        query: &EventQuery,
        page: &PageQuery,
    ) -> Result<(Vec<Event>, u64), ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let kind = match query.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            Some(k) => Some(EventKind::parse_field("kind", k)?),
            None => None,
        };
        let (mut events, total) = store::list(self.store().reader(), actor.scope, kind, page.parse()?).await?;
        self.tag_key_dates(&mut events).await?;
        Ok((events, total))
    }

    /// One event in the caller's scope.
    pub async fn event(&self, actor: &Actor, id: i64) -> Result<Event, ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let mut e = store::get(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("活动"))?;
        self.tag_key_dates(std::slice::from_mut(&mut e)).await?;
        Ok(e)
    }

    /// Confirms a planned event as held — not before its day.
    pub async fn mark_event_held(&self, actor: &Actor, id: i64) -> Result<Event, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let e = store::get(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("活动"))?;
        if e.held {
            return Err(ServiceError::Conflict("该活动已登记为已举办".into()));
        }
        if e.held_on > self.today() {
            return Err(ServiceError::field("held_on", NOT_YET));
        }
        let tx = self.store().begin().await?;
        store::mark_held(&tx, id).await?;
        self.audit(
            &tx,
            actor,
            AuditEvent::new(
                AuditAction::Update,
                AuditObject::Region,
                id,
                e.region,
                format!("确认活动已举办：{}", e.title),
            ),
        )
        .await?;
        tx.commit().await?;
        self.event(actor, id).await
    }

    /// A consultation taken at a held event: a service request of channel `itinerant`
    /// in the event's place (unless another is given), naming the event.
    pub async fn event_consultation(
        &self,
        actor: &Actor,
        id: i64,
        input: &RequestInput,
    ) -> Result<Created, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let e = store::get(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("活动"))?;
        if !e.held {
            return Err(ServiceError::Conflict("活动尚未举办，举办后才能登记现场咨询".into()));
        }
        let mut input = input.clone();
        input.channel = gongdao_domain::request::Channel::Itinerant.code().into();
        if input.region.trim().is_empty() {
            input.region = e.region.to_string();
        }
        let mut draft = input.parse(self.today())?;
        draft.event_id = Some(e.id);
        self.create_request_draft(actor, draft).await
    }

    /// Names the plan's key dates each event falls on.
    async fn tag_key_dates(&self, events: &mut [Event]) -> Result<(), ServiceError> {
        let book = self.rules().await?;
        for e in events {
            if let Some(plan) = &book.for_region(e.region).plan {
                e.key_dates = plan.key_dates.iter().filter(|k| k.contains(e.held_on)).map(|k| k.name.clone()).collect();
            }
        }
        Ok(())
    }

    /// The events of a scope (the demo, tests): every kind, whether held.
    pub async fn event_count(&self, scope: Scope) -> Result<u64, ServiceError> {
        let (_, n) = store::list(self.store().reader(), scope, None, gongdao_store::Page::new(1, 0)).await?;
        Ok(n)
    }
}

impl Services {
    /// The demo district's events: on each key date of the plan passed in the last two
    /// years, most townships held an itinerant service, a service fair or legal education
    /// (a few did not, so the key-date indicator has something to show); 法治课堂 in
    /// villages through the year; a service fair planned for next week; and consultations
    /// taken at the latest event.
    pub(crate) async fn seed_demo_events(&self, window: &Actor) -> Result<(), ServiceError> {
        use chrono::Datelike;
        let today = self.today();
        let home = Scope::new(self.config().home_region);
        let reader = self.store().reader();
        let townships = gongdao_store::regions::list_level(reader, home, gongdao_domain::RegionLevel::Township).await?;
        let villages = gongdao_store::regions::list_level(reader, home, gongdao_domain::RegionLevel::Village).await?;
        let book = self.rules().await?;
        let Some(plan) = book.for_region(home.root).plan.clone() else { return Ok(()) };
        let mut drafts = Vec::new();
        let out_kinds = [EventKind::Itinerant, EventKind::ServiceFair, EventKind::LegalEducation];
        for year in [today.year() - 1, today.year()] {
            for (k, key) in plan.key_dates.iter().enumerate() {
                let (from, to) = key.window(year);
                if to > today {
                    continue;
                }
                for (t, township) in townships.iter().enumerate() {
                    // Three in ten townships missed this year's constitution week, one in
                    // ten the others.
                    let missed = if k + 1 == plan.key_dates.len() {
                        (t + k) % 10 < 3
                    } else {
                        (t + k + year as usize).is_multiple_of(10)
                    };
                    if missed {
                        continue;
                    }
                    let span = (to - from).num_days().max(0);
                    let day = from + chrono::Duration::days((t as i64 * 3) % (span + 1));
                    let kind = out_kinds[(t + k) % out_kinds.len()];
                    drafts.push(gongdao_domain::event::EventDraft {
                        kind,
                        title: format!("{}{}{}", township.name, key.name, kind.label()),
                        held_on: day,
                        region: township.code,
                        institution_id: None,
                        organisers: "司法所工作人员、村（居）法律顾问".into(),
                        audience: 40 + ((t * 37 + k * 11) % 160) as i64,
                        topic: key.name.clone(),
                        held: true,
                    });
                }
            }
        }
        // 乡村振兴法治课堂 in villages, one a fortnight across the last two years.
        for (i, v) in villages.iter().enumerate().step_by(4) {
            let day = today - chrono::Duration::days(((i * 14) % 700) as i64 + 1);
            drafts.push(gongdao_domain::event::EventDraft {
                kind: EventKind::RuleOfLawClass,
                title: format!("{}乡村振兴法治课堂", v.name),
                held_on: day,
                region: v.code,
                institution_id: None,
                organisers: "村（居）法律顾问".into(),
                audience: 25 + (i % 40) as i64,
                topic: "土地承包经营权流转、赡养纠纷".into(),
                held: true,
            });
        }
        // This year's village elections: advisors served at a third of them.
        for (i, v) in villages.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
            drafts.push(gongdao_domain::event::EventDraft {
                kind: EventKind::ElectionService,
                title: format!("{}村（社区）换届选举法律服务", v.name),
                held_on: today - chrono::Duration::days(30 + (i % 60) as i64),
                region: v.code,
                institution_id: None,
                organisers: "村（居）法律顾问".into(),
                audience: 0,
                topic: "选举程序合法性审查".into(),
                held: true,
            });
        }
        gongdao_store::events::insert_many(self.store().writer(), &drafts, self.now()).await?;
        // Next week's service fair, planned.
        let fair = EventInput {
            kind: EventKind::ServiceFair.code().into(),
            title: "平台镇法律服务大集".into(),
            held_on: (today + chrono::Duration::days(7)).to_string(),
            region: "220802100000".into(),
            organisers: "区公共法律服务中心、律师事务所".into(),
            audience: Some("0".into()),
            topic: "农民工工资、土地流转".into(),
            held: Some(false),
            ..Default::default()
        };
        self.create_event(window, &fair).await?;
        // A held one today at 平台镇, with two consultations taken there.
        let today_event = EventInput {
            kind: EventKind::Itinerant.code().into(),
            title: "平台镇巡回法律服务进村".into(),
            held_on: today.to_string(),
            region: "220802100201".into(),
            organisers: "平台镇司法所、村法律顾问".into(),
            audience: Some("56".into()),
            topic: "婚姻家庭、土地承包".into(),
            held: Some(true),
            ..Default::default()
        };
        let e = self.create_event(window, &today_event).await?;
        for (name, phone, question) in [
            ("王桂兰", "13943608721", "儿子外出打工不给赡养费，想问怎么办。"),
            ("李振国", "15804368830", "承包地被邻居占了一垄，想问能不能找村里调解。"),
        ] {
            let input = RequestInput {
                category: "consultation".into(),
                requester: gongdao_domain::request::RequesterInput {
                    name: name.into(),
                    phone: Some(phone.into()),
                    ..Default::default()
                },
                description: question.into(),
                ..Default::default()
            };
            self.event_consultation(window, e.id, &input).await?;
        }
        Ok(())
    }

    /// Synthetic events for the benchmarks: `count` held events spread over the
    /// townships and villages of the installation and the last `days` days.
    pub async fn synthesize_events(&self, count: u32, days: u32) -> Result<u64, ServiceError> {
        use rand::{Rng, SeedableRng};
        let home = Scope::new(self.config().home_region);
        let reader = self.store().reader();
        let places: Vec<gongdao_domain::DivisionCode> = gongdao_store::regions::list(reader, home)
            .await?
            .into_iter()
            .filter(|r| r.level >= gongdao_domain::RegionLevel::Township)
            .map(|r| r.code)
            .collect();
        if places.is_empty() {
            return Err(ServiceError::Internal("no townships to hold events in".into()));
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(1204);
        let today = self.today();
        let mut batch = Vec::with_capacity(5_000);
        for i in 0..count {
            let kind = EventKind::ALL[rng.random_range(0..EventKind::ALL.len())];
            batch.push(gongdao_domain::event::EventDraft {
                kind,
                title: format!("合成数据：{}{i}", kind.label()),
                held_on: today - chrono::Duration::days(rng.random_range(0..days.max(1)) as i64),
                region: places[rng.random_range(0..places.len())],
                institution_id: None,
                organisers: String::new(),
                audience: rng.random_range(10..300),
                topic: String::new(),
                held: true,
            });
            if batch.len() == 5_000 {
                gongdao_store::events::insert_many(self.store().writer(), &batch, self.now()).await?;
                batch.clear();
            }
        }
        gongdao_store::events::insert_many(self.store().writer(), &batch, self.now()).await?;
        Ok(gongdao_store::events::count_all(reader).await?)
    }
}
