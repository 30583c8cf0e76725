//! Appointments and home visits: institutions open slots, citizens and staff book them.
//! A full slot refuses the booking, even when two people press the button at once.

use gongdao_domain::appointment::{Booking, BookingInput, Slot, SlotInput, SlotKind};
use gongdao_domain::audit::{AuditAction, AuditObject};
use gongdao_domain::auth::{Actor, Permission, Scope};
use gongdao_domain::ids::InstitutionId;
use gongdao_domain::{FieldError, text};
use gongdao_store::appointments::{self, NewSlot};
use gongdao_store::audit::NewAuditEntry;
use gongdao_store::outbox::{Channel as MessageChannel, NewMessage};
use gongdao_store::{audit, counters, institutions, outbox};

use crate::audit::Event;
use crate::{ServiceError, Services};
use gongdao_domain::calendar::{china_day, china_local, from_china_local};

impl Services {
    /// Opens a slot at the actor's institution (or one in scope).
    pub async fn create_slot(&self, actor: &Actor, input: &SlotInput) -> Result<Slot, ServiceError> {
        actor.require(Permission::HandleRequests)?;
        let draft = input.parse(self.today())?;
        let institution = match input.institution_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => InstitutionId(s.parse().map_err(|_| ServiceError::field("institution_id", "机构编号不正确"))?),
            None => {
                actor.institution_id.ok_or_else(|| ServiceError::field("institution_id", "请选择开放预约的机构"))?
            }
        };
        let tx = self.store().begin().await?;
        let inst = institutions::get(&tx, actor.scope, institution)
            .await?
            .ok_or_else(|| ServiceError::field("institution_id", "机构不存在或不在您的管辖范围内"))?;
        let now = self.now();
        let starts_at = from_china_local(draft.starts);
        if starts_at <= now {
            return Err(ServiceError::field("start", "开始时间已经过去"));
        }
        let id = appointments::insert_slot(
            &tx,
            &NewSlot {
                institution,
                region: inst.region,
                kind: draft.kind,
                starts_at,
                ends_at: from_china_local(draft.ends),
                capacity: draft.capacity,
                note: draft.note,
                by: actor.user_id,
                now,
            },
        )
        .await?;
        self.audit(
            &tx,
            actor,
            Event::new(
                AuditAction::Create,
                AuditObject::Booking,
                format!("slot-{id}"),
                inst.region,
                format!("{} 开放{}时段 {}", inst.name, draft.kind.label(), draft.starts.format("%m月%d日 %H:%M")),
            ),
        )
        .await?;
        tx.commit().await?;
        appointments::slot(self.store().reader(), actor.scope, id).await?.ok_or(ServiceError::NotFound("预约时段"))
    }

    /// Upcoming slots and their bookings in the actor's scope.
    pub async fn bookings_overview(&self, actor: &Actor) -> Result<(Vec<Slot>, Vec<Booking>), ServiceError> {
        actor.require(Permission::ViewRequests)?;
        let reader = self.store().reader();
        let from = self.now() - chrono::Duration::hours(12);
        let slots = appointments::slots(reader, actor.scope, None, from, false).await?;
        let bookings = appointments::bookings(reader, actor.scope, from).await?;
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
        let day = china_day(now);
        let seq = counters::next(&tx, &format!("booking:{}", day.format("%Y%m%d"))).await?;
        let code = format!("YY{}-{seq:03}", day.format("%Y%m%d"));
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
        let bookings =
            appointments::bookings(self.store().reader(), home, slot.starts_at - chrono::Duration::seconds(1)).await?;
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
        let not_found = || ServiceError::NotFound("该预约");
        let booking = appointments::booking_by_code(&tx, &code).await?.ok_or_else(not_found)?;
        match actor {
            Some(a) => {
                appointments::slot(&tx, a.scope, booking.slot_id).await?.ok_or_else(not_found)?;
            }
            None => {
                let phone = self.cipher().open(&booking.phone_enc)?;
                let last4 = phone_last4.unwrap_or("").trim();
                if last4.len() != 4 || !phone.ends_with(last4) {
                    return Err(ServiceError::from(FieldError::new("phone_last4", "手机号后四位与预约时填写的不一致")));
                }
            }
        }
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
