//! Appointments and home visits: institutions open slots, citizens and staff book them.
//! A full slot refuses the booking, even when two people press the button at once.

use gongdao_domain::appointment::{Booking, BookingInput, Slot, SlotInput, SlotKind};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission, Scope};
use gongdao_domain::ids::InstitutionId;
use gongdao_domain::text;
use gongdao_store::appointments::{self, NewSlot};
use gongdao_store::audit::NewAuditEntry;
use gongdao_store::outbox::{Channel as MessageChannel, NewMessage};
use gongdao_store::{audit, institutions, outbox};

use crate::audit::Event;
use crate::{ServiceError, Services};
use gongdao_domain::calendar::{china_day, china_local, from_china_local};

/// What [`Services::open_slots`] opened.
#[derive(Clone, Debug)]
pub struct OpenedSlots {
    pub ids: Vec<i64>,
    /// In words, for the page: “平台镇公共法律服务工作站 开放到窗口办理时段 …”.
    pub summary: String,
}

impl Services {
    /// Opens a slot at the actor's institution (or one in scope); with `until`, the
    /// first of the slots opened on every working day of the range.
    pub async fn create_slot(&self, actor: &Actor, input: &SlotInput) -> Result<Slot, ServiceError> {
        let opened = self.open_slots(actor, input).await?;
        let first = opened.ids.first().copied().ok_or(ServiceError::NotFound("预约时段"))?;
        appointments::slot(self.store().reader(), actor.scope, first).await?.ok_or(ServiceError::NotFound("预约时段"))
    }

    /// Opens the same hours on one day, or on every working day of a range (the
    /// platform's holiday calendar decides which), in one transaction.
    pub async fn open_slots(&self, actor: &Actor, input: &SlotInput) -> Result<OpenedSlots, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let draft = input.parse(self.today())?;
        let institution = match input.institution_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => InstitutionId(s.parse().map_err(|_| ServiceError::field("institution_id", "机构编号不正确"))?),
            None => {
                actor.institution_id.ok_or_else(|| ServiceError::field("institution_id", "请选择开放预约的机构"))?
            }
        };
        // The holiday calendar is the State Council's, the same for every district.
        let book = self.rules().await?;
        let rules = book.installation();
        let now = self.now();
        let days: Vec<_> = draft
            .days(|d| rules.calendar.is_workday(d))
            .into_iter()
            .filter(|d| from_china_local(d.and_time(draft.start)) > now)
            .collect();
        if days.is_empty() {
            let field = if draft.first == draft.last { "start" } else { "until" };
            return Err(ServiceError::field(field, "所选日期内没有可开放的时段（时间已经过去，或都是节假日）"));
        }
        let tx = self.store().begin().await?;
        let inst = institutions::get(&tx, actor.scope, institution)
            .await?
            .ok_or_else(|| ServiceError::field("institution_id", "机构不存在或不在您的管辖范围内"))?;
        let mut ids = Vec::with_capacity(days.len());
        for day in &days {
            let id = appointments::insert_slot(
                &tx,
                &NewSlot {
                    institution,
                    region: inst.region,
                    kind: draft.kind,
                    starts_at: from_china_local(day.and_time(draft.start)),
                    ends_at: from_china_local(day.and_time(draft.end)),
                    capacity: draft.capacity,
                    note: draft.note.clone(),
                    by: actor.user_id,
                    now,
                },
            )
            .await?;
            ids.push(id);
        }
        let (first, last) = (days[0], days[days.len() - 1]);
        let when = if first == last {
            format!("{} {}", first.format("%Y-%m-%d"), draft.start.format("%H:%M"))
        } else {
            format!(
                "{} 至 {} 的 {} 个工作日 {}",
                first.format("%Y-%m-%d"),
                last.format("%Y-%m-%d"),
                days.len(),
                draft.start.format("%H:%M")
            )
        };
        let summary = format!("{} 开放{}时段 {when}–{}", inst.name, draft.kind.label(), draft.end.format("%H:%M"));
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Create,
                AuditObject::Booking,
                format!("slot-{}", ids[0]),
                inst.region,
                summary.clone(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(OpenedSlots { ids, summary })
    }

    /// Upcoming slots and their bookings in the actor's scope.
    pub async fn bookings_overview(&self, actor: &Actor) -> Result<(Vec<Slot>, Vec<Booking>), ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let reader = self.store().reader();
        let from = self.now() - chrono::Duration::hours(12);
        let slots = appointments::slots(reader, actor.scope, None, from, false).await?;
        let bookings = appointments::bookings(reader, self.cipher(), actor.scope, from).await?;
        Ok((slots, bookings))
    }

    /// Open slots with places left (public).
    pub async fn public_slots(&self, institution: Option<i64>) -> Result<Vec<Slot>, ServiceError> {
        let home = Scope::new(self.config().home_region);
        Ok(appointments::slots(self.store().reader(), home, institution.map(InstitutionId), self.now(), true).await?)
    }

    /// Books a place: by a citizen (no actor) or by staff on their behalf. The SMS
    /// confirmation is queued in the same transaction.
    pub async fn book(&self, actor: Option<&Actor>, input: &BookingInput, ip: &str) -> Result<Booking, ServiceError> {
        if let Some(a) = actor {
            a.require(Permission::HandleRequests)?;
        }
        let draft = input.parse()?;
        let home = Scope::new(self.config().home_region);
        let scope = actor.map_or(home, |a| a.scope);
        let now = self.now();
        let tx = self.store().begin().await?;
        let slot = appointments::slot(&tx, scope, draft.slot_id)
            .await?
            .ok_or_else(|| ServiceError::field("slot_id", "预约时段不存在"))?;
        if slot.starts_at <= now {
            return Err(ServiceError::field("slot_id", "该时段已经过去，请选择其他时段"));
        }
        if slot.kind == SlotKind::HomeVisit && draft.address.is_none() {
            return Err(ServiceError::field("address", "上门服务请填写详细地址"));
        }
        if !appointments::take_place(&tx, slot.id).await? {
            return Err(ServiceError::Conflict("该时段已约满，请选择其他时段".into()));
        }
        let code = self.new_booking_code(&tx, china_day(now)).await?;
        let id = appointments::insert_booking(&tx, self.cipher(), &code, &draft, actor.map(|a| a.user_id), now).await?;
        let site = self.site_name(&tx).await?;
        let body = format!(
            "【{site}公共法律服务】{}，您已预约{} {}的{}，预约码{code}。如需取消，请凭预约码办理或致电12348。",
            draft.name,
            slot.institution_name,
            china_local(slot.starts_at).format("%m月%d日 %H:%M"),
            slot.kind.label(),
        );
        outbox::enqueue(
            &tx,
            self.cipher(),
            &NewMessage {
                channel: MessageChannel::Sms,
                user: None,
                phone: Some(draft.phone.clone()),
                template: "appointment",
                body,
                request: None,
                at: now,
            },
        )
        .await?;
        let summary =
            format!("预约 {code}：{} {}", slot.institution_name, china_local(slot.starts_at).format("%m月%d日 %H:%M"));
        let region = institutions::get(&tx, home, InstitutionId(slot.institution_id))
            .await?
            .map_or(self.config().home_region, |i| i.region);
        match actor {
            Some(a) => {
                self.audit(&tx, a, Event::new(AuditAction::Create, AuditObject::Booking, id, region, summary)).await?
            }
            None => {
                audit::append(
                    &tx,
                    &NewAuditEntry {
                        at: now,
                        actor_id: None,
                        actor_name: "群众".into(),
                        ip: ip.to_string(),
                        scope: region,
                        action: AuditAction::Create,
                        object_type: AuditObject::Booking,
                        object_id: Some(id.to_string()),
                        summary,
                        changes: None,
                    },
                )
                .await?
            }
        }
        tx.commit().await?;
        let bookings = appointments::bookings(
            self.store().reader(),
            self.cipher(),
            home,
            slot.starts_at - chrono::Duration::seconds(1),
        )
        .await?;
        bookings.into_iter().find(|b| b.id == id).ok_or(ServiceError::NotFound("预约"))
    }

    /// Cancels a booking by its code: staff in scope, or the citizen who gives the last
    /// four digits of the phone used to book.
    pub async fn cancel_booking(
        &self,
        actor: Option<&Actor>,
        code: &str,
        phone_last4: Option<&str>,
    ) -> Result<(), ServiceError> {
        if let Some(a) = actor {
            a.require(Permission::HandleRequests)?;
        }
        let code = text::required("code", "预约码", code, 30)?;
        let tx = self.store().begin().await?;
        // A citizen is told the same whether the code or the digits are wrong, so a
        // guess learns nothing about which codes exist.
        let not_found = || match actor {
            Some(_) => ServiceError::NotFound("该预约"),
            None => ServiceError::NoMatch("没有找到该预约：请核对预约码和预约时所留手机号的后四位"),
        };
        let booking = match actor {
            Some(a) => {
                let booking = appointments::booking_by_code(&tx, &code).await?.ok_or_else(not_found)?;
                appointments::slot(&tx, a.scope, booking.slot_id).await?.ok_or_else(not_found)?;
                booking
            }
            None => {
                // Wrong answers are counted per code, from any address.
                let target = format!("booking:{}", code.to_uppercase());
                self.lookup_allowed(&target).await?;
                let found = appointments::booking_by_code(&tx, &code).await?;
                let last4 = phone_last4.unwrap_or("").trim();
                let matches = match &found {
                    Some(b) => last4.len() == 4 && self.cipher().open(&b.phone_enc)?.ends_with(last4),
                    None => false,
                };
                match found {
                    Some(b) if matches => b,
                    _ => {
                        drop(tx);
                        self.lookup_missed(&target).await?;
                        return Err(not_found());
                    }
                }
            }
        };
        if !appointments::cancel(&tx, booking.id, self.now()).await? {
            return Err(ServiceError::Conflict("该预约已取消或已完成".into()));
        }
        if let Some(a) = actor {
            self.audit(
                &tx,
                a,
                Event::new(
                    AuditAction::Update,
                    AuditObject::Booking,
                    booking.id,
                    a.scope.root,
                    format!("取消预约 {code}"),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Services {
    /// 办结: the service booked was given. Staff in the slot's scope mark it, and the
    /// person served is invited to rate it in the same transaction (一次一评); the
    /// rating is attributed to the institution and to the account that completed it.
    pub async fn complete_booking(&self, actor: &Actor, code: &str) -> Result<Booking, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let code = text::required("code", "预约码", code, 30)?;
        let now = self.now();
        let tx = self.store().begin().await?;
        let booking = appointments::booking_by_code(&tx, &code).await?.ok_or(ServiceError::NotFound("该预约"))?;
        let slot =
            appointments::slot(&tx, actor.scope, booking.slot_id).await?.ok_or(ServiceError::NotFound("该预约"))?;
        let status = gongdao_domain::appointment::BookingStatus::from_code(&booking.status)
            .ok_or_else(|| ServiceError::Internal("booking status".into()))?;
        status.completion_check(slot.starts_at, now).map_err(ServiceError::Conflict)?;
        if !appointments::complete(&tx, booking.id, actor.user_id, now).await? {
            return Err(ServiceError::Conflict("该预约已取消或已办结".into()));
        }
        let region = institutions::get(&tx, actor.scope, InstitutionId(slot.institution_id))
            .await?
            .map_or(self.config().home_region, |i| i.region);
        let book = self.rules().await?;
        let completed = crate::evaluation::Completed {
            kind: gongdao_domain::evaluation::ServiceKind::Appointment,
            id: booking.id,
            number: booking.code.clone(),
            channel: gongdao_domain::evaluation::EvalChannel::Offline,
            region,
            institution_id: Some(slot.institution_id),
            served_by: Some(actor.user_id.0),
            phone: gongdao_domain::PhoneNumber::parse("phone", &self.cipher().open(&booking.phone_enc)?).ok(),
        };
        self.invite_evaluation(&tx, book.for_region(region), completed).await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Update,
                AuditObject::Booking,
                booking.id,
                region,
                format!("办结预约 {code}（{}）", slot.institution_name),
            ),
        )
        .await?;
        tx.commit().await?;
        let bookings = appointments::bookings(
            self.store().reader(),
            self.cipher(),
            actor.scope,
            slot.starts_at - chrono::Duration::seconds(1),
        )
        .await?;
        bookings.into_iter().find(|b| b.id == booking.id).ok_or(ServiceError::NotFound("预约"))
    }

    /// A booking code a citizen can read out (“YY20261207-483920”) that cannot be
    /// guessed from another: six random digits after the day, drawn again on the rare
    /// repeat.
    async fn new_booking_code(
        &self,
        conn: &impl gongdao_store::ConnectionTrait,
        day: chrono::NaiveDate,
    ) -> Result<String, ServiceError> {
        use rand::Rng;
        for _ in 0..8 {
            let n: u32 = rand::rng().random_range(0..1_000_000);
            let code = format!("YY{}-{n:06}", day.format("%Y%m%d"));
            if appointments::booking_by_code(conn, &code).await?.is_none() {
                return Ok(code);
            }
        }
        Err(ServiceError::Internal("no free booking code".into()))
    }
}
