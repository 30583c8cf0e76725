//! A demo district that is alive on its first start: matters at every step of their
//! way (waiting in a township's queue, handed over, in hand, nearly due, overdue and
//! escalated, resolved, closed, reopened), an emergency incident, people's mediation
//! cases at each stage, and appointment slots for the coming weeks.
//!
//! Everything is made through the same use cases a member of staff or a citizen would
//! use, so timelines, deadlines, jobs, messages and the audit trail are all real. A few
//! matters are then moved back in time as a whole (received, deadlines, timeline), so
//! that some are nearly due or overdue on the day the demo starts.

use chrono::{Duration, NaiveTime};
use gongdao_domain::appointment::SlotInput;
use gongdao_domain::auth::Actor;
use gongdao_domain::ids::RequestId;
use gongdao_domain::mediation::{AgreementInput, CaseInput, PartyInput, SessionInput};
use gongdao_domain::network::InstitutionType;
use gongdao_domain::request::{RequestInput, RequesterInput};
use gongdao_store::{accounts, appointments, institutions, jobs, requests};

use crate::dispatch::{IncidentInput, LinkInput};
use crate::mediation::CaseStep;
use crate::requests::{DEADLINE_JOB, StepInput, TransferInput};
use crate::{ServiceError, Services};

/// A matter as the demo tells it: who brings it, from where, about what.
struct Story {
    category: &'static str,
    village: &'static str,
    name: &'static str,
    phone: &'static str,
    groups: &'static [&'static str],
    description: &'static str,
}

const fn story(
    category: &'static str,
    village: &'static str,
    name: &'static str,
    phone: &'static str,
    groups: &'static [&'static str],
    description: &'static str,
) -> Story {
    Story { category, village, name, phone, groups, description }
}

/// Citizens who filed online or at a kiosk: they wait in their township's queue.
const FILED: &[Story] = &[
    story(
        "consultation",
        "220802100201",
        "王秀兰",
        "13904360121",
        &["elderly"],
        "儿子外出打工，三年没给赡养费，想问问怎么要。",
    ),
    story(
        "legal_aid",
        "220802100202",
        "赵德福",
        "13504361187",
        &["migrant_worker"],
        "在工地干了八个月，老板拖欠工资两万三千元不给，想申请法律援助。",
    ),
    story(
        "mediation",
        "220802100203",
        "刘桂芝",
        "15804362210",
        &[],
        "邻居盖房占了我家的排水沟，下雨院子里积水，想请村里调解。",
    ),
    story(
        "consultation",
        "220802101201",
        "孙海涛",
        "13704365532",
        &[],
        "承包的地被村里收回了，合同还没到期，该怎么办？",
    ),
    story(
        "legal_aid",
        "220802102201",
        "周淑珍",
        "13844360987",
        &["disabled"],
        "在厂里受了工伤，单位不给申报，想请律师。",
    ),
];

/// Calls the hotline took and handed to a township's workstation.
const CALLS: &[Story] = &[
    story(
        "mediation",
        "220802100204",
        "李大爷",
        "13904368876",
        &["elderly"],
        "来电人称与儿媳因赡养问题多次争吵，希望村调委会上门调解。",
    ),
    story(
        "consultation",
        "220802100205",
        "陈玉梅",
        "15143601234",
        &["left_behind"],
        "丈夫在外务工，来电咨询孩子上学和户口迁移的问题。",
    ),
];

/// Matters taken at the 平台镇 window and kept there (首问负责).
const WALK_INS: &[Story] = &[
    story(
        "consultation",
        "220802100201",
        "张凤霞",
        "13894361102",
        &[],
        "购买的农药无效，庄稼减产，询问如何向商家索赔。",
    ),
    story("mediation", "220802100202", "王建国", "13596365507", &[], "与邻居因宅基地界线发生争执，要求调解。"),
    story(
        "consultation",
        "220802100203",
        "马春生",
        "13009367719",
        &["elderly"],
        "老伴去世，子女对房产继承有争议，咨询法定继承的顺序。",
    ),
    story(
        "legal_aid",
        "220802100204",
        "韩立军",
        "15643609921",
        &["migrant_worker"],
        "务工时从脚手架上摔伤，老板只给了三千元，咨询工伤赔偿。",
    ),
    story(
        "consultation",
        "220802100205",
        "吴秀英",
        "13154362286",
        &[],
        "借给亲戚五万元，约定一年还，现在不承认了，有借条。",
    ),
    story("notary", "220802100206", "郑宏伟", "13843604417", &[], "办理继承公证需要准备哪些材料。"),
    story(
        "consultation",
        "220802100201",
        "冯丽娟",
        "15948365543",
        &["women"],
        "丈夫长期酗酒打人，想了解人身安全保护令。",
    ),
    story("complaint", "220802100202", "黄志强", "13384369906", &[], "对村里土地流转费分配有意见，反映情况。"),
];

impl Services {
    /// Brings the freshly seeded demo district to life (see the module's words).
    pub async fn seed_demo_activity(&self) -> Result<(), ServiceError> {
        let hotline = self.demo_actor("hotline").await?;
        let window = self.demo_actor("window").await?;
        let dispatch = self.demo_actor("dispatch").await?;
        let mediator = self.demo_actor("mediator").await?;
        let workstation =
            window.institution_id.ok_or_else(|| ServiceError::Internal("window has no institution".into()))?;

        // Citizens' own filings wait in the queues the routing rules chose.
        for s in FILED {
            self.submit_request(&input("online", s), false, "demo").await?;
        }
        // Calls handed to the 平台镇 workstation, waiting for its acceptance.
        for s in CALLS {
            let c = self.create_request(&hotline, &input("hotline", s)).await?;
            let t = TransferInput {
                to_institution: Some(workstation.to_string()),
                reason: "需要当地工作站上门了解情况".into(),
                ..Default::default()
            };
            self.transfer_request(&hotline, c.id, &t).await?;
        }
        // Walk-ins: some in hand, some done, one reopened.
        let mut walk_ins = Vec::new();
        for s in WALK_INS {
            walk_ins.push(self.create_request(&window, &input("window", s)).await?.id);
        }
        let step = |text: &str| StepInput { text: Some(text.into()), version: None };
        self.reply_request(&window, walk_ins[0], &step("已告知当事人保留购买凭证和农药包装，可先与商家协商。")).await?;
        for (i, answer) in [
            (2, "已告知法定继承顺序（民法典第一千一百二十七条），建议协商不成再向村调委会申请调解。"),
            (4, "已告知借款纠纷诉讼时效和起诉所需材料，当事人表示先协商。"),
            (5, "已告知继承公证所需材料清单，当事人已前往公证处。"),
        ] {
            self.resolve_request(&window, walk_ins[i], &step(answer)).await?;
        }
        for i in [4, 5] {
            self.close_request(&window, walk_ins[i], &StepInput::default()).await?;
        }
        self.reopen_request(&window, walk_ins[2], &step("当事人回电称子女仍有争议，要求继续办理。")).await?;
        // Some of what is in hand came in earlier: one is nearly due, two are overdue
        // (the jobs escalate them on their next round).
        self.shift_back(walk_ins[1], Duration::days(29)).await?;
        self.shift_back(walk_ins[3], Duration::days(9)).await?;
        self.shift_back(walk_ins[7], Duration::days(5)).await?;
        // One was archived over three years ago: its retention period has ended, so its
        // personal data is erased and only the record remains (个人信息保护法 第四十七条).
        self.shift_back(walk_ins[5], Duration::days(3 * 365 + 40)).await?;

        // An emergency incident with two matters in it.
        let incident = self
            .open_incident(
                &dispatch,
                &IncidentInput {
                    title: "平台镇民乐村土地流转纠纷".into(),
                    description: Some("村民集中反映土地流转费分配问题，需尽快化解。".into()),
                    region: "220802100000".into(),
                    period: None,
                },
            )
            .await?;
        self.link_to_incident(&dispatch, incident.id, &LinkInput { ids: vec![walk_ins[7].0, walk_ins[1].0] }).await?;

        self.seed_demo_mediation(&mediator).await?;
        self.seed_demo_legal_aid().await?;
        self.seed_demo_duty().await?;
        self.seed_demo_appointments().await?;
        self.seed_demo_evaluations().await?;
        self.seed_demo_archives().await?;
        self.erase_expired_personal_data().await?;
        self.seed_demo_events(&window).await?;
        // The plan's trends: past months from the dated records, this month from all.
        self.backfill_plan_snapshots(23).await?;
        self.snapshot_plans().await?;
        self.seed_demo_task_reports().await?;
        Ok(())
    }

    pub(crate) async fn demo_actor(&self, username: &str) -> Result<Actor, ServiceError> {
        let user = accounts::find_by_username(self.store().reader(), username)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("demo account {username} missing")))?;
        Ok(crate::auth::actor_of(&user, "demo"))
    }

    /// Moves a matter's whole history back by `by`, as if it had come in then.
    async fn shift_back(&self, id: RequestId, by: Duration) -> Result<(), ServiceError> {
        let tx = self.store().begin().await?;
        requests::shift_back(&tx, id, by).await?;
        // Let the deadline job look again now: it reminds or escalates as due.
        jobs::ensure(&tx, DEADLINE_JOB, id.0, self.now(), self.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn seed_demo_mediation(&self, mediator: &Actor) -> Result<(), ServiceError> {
        let reader = self.store().reader();
        let committees: Vec<i64> = institutions::keys(reader, mediator.scope)
            .await?
            .into_iter()
            .filter(|(_, kind, _, _)| kind == InstitutionType::MediationCommittee.code())
            .map(|(id, ..)| id)
            .collect();
        let Some(&committee) = committees.first() else { return Ok(()) };
        let party = |role: &str, name: &str, phone: &str| PartyInput {
            role: role.into(),
            name: name.into(),
            phone: Some(phone.into()),
            ..Default::default()
        };
        let case = |kind: &str, summary: &str, a: PartyInput, b: PartyInput| CaseInput {
            committee_id: Some(committee.to_string()),
            dispute_type: kind.into(),
            source: "application".into(),
            summary: summary.into(),
            parties: vec![a, b],
            ..Default::default()
        };
        // Waiting for acceptance.
        self.register_case(
            mediator,
            &case(
                "neighbourhood",
                "两户因院墙滴水发生争执，互不相让。",
                party("applicant", "高玉芬", "13504367781"),
                party("respondent", "高长海", "13644361190"),
            ),
        )
        .await?;
        // In mediation, with a session on record.
        let session = |time: &str, present: &str, record: &str| SessionInput {
            date: self.today().to_string(),
            time: time.into(),
            place: "村调委会调解室".into(),
            mediators: "人民调解员".into(),
            present: present.into(),
            record: record.into(),
        };
        let c = self
            .register_case(
                mediator,
                &case(
                    "marriage_family",
                    "老人要求三个子女按月给付赡养费，子女对分担比例有争议。",
                    party("applicant", "李淑琴", "13904362251"),
                    party("respondent", "李国庆", "15804363364"),
                ),
            )
            .await?;
        let c = self.accept_case(mediator, c.id, &CaseStep::default()).await?;
        let s = session("09:30", "李淑琴、李国庆", "双方陈述了各自意见，约定下周再次调解，届时其他子女到场。");
        self.add_session(mediator, c.id, &s).await?;
        // Agreed, with the written agreement.
        let c = self
            .register_case(
                mediator,
                &case(
                    "contract",
                    "收购方拖欠玉米款八千元。",
                    party("applicant", "杨春雷", "13304368872"),
                    party("respondent", "何振东", "13944361145"),
                ),
            )
            .await?;
        let c = self.accept_case(mediator, c.id, &CaseStep::default()).await?;
        self.add_session(mediator, c.id, &session("14:00", "杨春雷、何振东", "经调解，双方同意分两期付清。")).await?;
        let c = self.mediation_case(mediator, c.id).await?;
        self.record_agreement(
            mediator,
            c.id,
            &AgreementInput {
                facts: "何振东于今年十月收购杨春雷玉米，尚欠货款八千元未付。".into(),
                terms: "何振东向杨春雷支付玉米款八千元。".into(),
                performance: "本协议生效之日起十日内付四千元，三十日内付清余款。".into(),
                signed_on: self.today().to_string(),
                oral: None,
            },
            Some(c.version),
        )
        .await?;
        Ok(())
    }

    /// Appointments the 平台镇 window has served over the last months (办结, so they are
    /// rated with the other services), and one person booked for this hour who has not
    /// yet been served, so the list shows its 办结 button.
    async fn seed_demo_appointments(&self) -> Result<(), ServiceError> {
        use gongdao_domain::appointment::BookingDraft;
        use gongdao_store::appointments::NewSlot;
        let window = self.demo_actor("window").await?;
        let Some(institution) = window.institution_id else { return Ok(()) };
        let now = self.now();
        let people = [
            ("刘桂芝", "13904361201", "女儿离婚后外孙的抚养问题"),
            ("赵德胜", "13904361202", "承包地被邻村占用"),
            ("孙玉兰", "13904361203", "老伴去世后房产过户"),
            ("马福贵", "13904361204", "在工地受伤老板不给钱"),
            ("王淑琴", "13904361205", "想立一份遗嘱"),
            ("李长海", "13904361206", "借给亲戚的钱要不回来"),
            ("陈秀英", "13904361207", "儿子不给赡养费"),
            ("杨树林", "13904361208", "宅基地边界纠纷"),
        ];
        let tx = self.store().begin().await?;
        for (n, (name, phone, reason)) in people.iter().enumerate() {
            let current = n == people.len() - 1;
            // Every ninth day back, at 09:00 China time; the last one now.
            let starts_at = if current {
                now - Duration::minutes(10)
            } else {
                let day = self.today() - Duration::days(9 * (people.len() - n) as i64);
                gongdao_domain::calendar::from_china_local(day.and_hms_opt(9, 0, 0).expect("09:00"))
            };
            let slot = appointments::insert_slot(
                &tx,
                &NewSlot {
                    institution,
                    region: window.scope.root,
                    kind: gongdao_domain::appointment::SlotKind::Visit,
                    starts_at,
                    ends_at: starts_at + Duration::hours(1),
                    capacity: 1,
                    note: None,
                    by: window.user_id,
                    now: starts_at - Duration::days(3),
                },
            )
            .await?;
            appointments::take_place(&tx, slot).await?;
            let draft = BookingDraft {
                slot_id: slot,
                name: name.to_string(),
                phone: gongdao_domain::PhoneNumber::parse("phone", phone)?,
                address: None,
                reason: reason.to_string(),
                groups: Vec::new(),
            };
            let code =
                format!("YY{}-{:06}", gongdao_domain::calendar::china_day(starts_at).format("%Y%m%d"), 900_100 + n);
            let id =
                appointments::insert_booking(&tx, self.cipher(), &code, &draft, None, starts_at - Duration::days(3))
                    .await?;
            if !current {
                appointments::complete(&tx, id, window.user_id, starts_at + Duration::minutes(40)).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Keeps the demo's appointment slots open for the coming weeks: on every start,
    /// each demo service point without slots ahead gets them for three weeks of
    /// working days, so `/book` always has something to book.
    pub async fn ensure_demo_slots(&self) -> Result<(), ServiceError> {
        let window = self.demo_actor("window").await?;
        let reader = self.store().reader();
        let home = gongdao_domain::auth::Scope::new(self.config().home_region);
        let admin = Actor { scope: home, ..window.clone() };
        let points: Vec<i64> = institutions::keys(reader, home)
            .await?
            .into_iter()
            .filter(|(_, kind, _, _)| {
                kind == InstitutionType::ServiceCenter.code() || kind == InstitutionType::LegalAidCenter.code()
            })
            .map(|(id, ..)| id)
            .chain(window.institution_id.map(|i| i.0))
            .collect();
        let today = self.today();
        for id in points {
            if appointments::upcoming_count(reader, gongdao_domain::ids::InstitutionId(id), self.now()).await? > 0 {
                continue;
            }
            let first = (today + Duration::days(1)).to_string();
            let until = (today + Duration::days(21)).to_string();
            for (kind, start, end, capacity) in [
                ("visit", NaiveTime::from_hms_opt(9, 0, 0), NaiveTime::from_hms_opt(11, 30, 0), "4"),
                ("visit", NaiveTime::from_hms_opt(14, 0, 0), NaiveTime::from_hms_opt(16, 30, 0), "4"),
                ("home_visit", NaiveTime::from_hms_opt(14, 0, 0), NaiveTime::from_hms_opt(17, 0, 0), "2"),
            ] {
                let (Some(start), Some(end)) = (start, end) else { continue };
                let input = SlotInput {
                    kind: kind.into(),
                    institution_id: Some(id.to_string()),
                    date: first.clone(),
                    until: Some(until.clone()),
                    start: start.format("%H:%M").to_string(),
                    end: end.format("%H:%M").to_string(),
                    capacity: Some(capacity.into()),
                    note: (kind == "home_visit").then(|| "行动不便的老年人、残疾人可预约上门".to_string()),
                };
                self.open_slots(&admin, &input).await?;
            }
        }
        Ok(())
    }
}

fn input(channel: &str, s: &Story) -> RequestInput {
    RequestInput {
        channel: channel.into(),
        category: s.category.into(),
        requester: RequesterInput {
            name: s.name.into(),
            phone: Some(s.phone.into()),
            groups: s.groups.iter().map(|g| g.to_string()).collect(),
            ..Default::default()
        },
        region: s.village.into(),
        description: s.description.into(),
        priority: None,
    }
}

impl Services {
    /// Legal aid in the demo: a year of history (synthetic, so the figures and the chart
    /// show something), and cases filed and worked through the real steps today, one at
    /// each stage, so every list, limit and action can be tried.
    /// Duty stations at the court, the procuratorate and the detention centre, each with
    /// a year of rosters and services (so the counts and the chart show something) and
    /// this month's roster drawn from today on.
    pub(crate) async fn seed_demo_duty(&self) -> Result<(), ServiceError> {
        use crate::duty::{RosterInput, StationInput};
        use gongdao_domain::legal_aid::duty::{DutyServiceKind as K, Stage, draw_roster};
        use gongdao_store::duty::{self, NewService};
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};

        let reviewer = self.demo_actor("reviewer").await?;
        let keys = institutions::keys(self.store().reader(), reviewer.scope).await?;
        let centre = keys
            .iter()
            .find(|(_, _, _, n)| n == "洮北区法律援助中心")
            .map(|(id, ..)| id.to_string())
            .ok_or_else(|| ServiceError::Internal("demo legal aid centre missing".into()))?;
        let lawyers: Vec<i64> = self.duty_lawyers(&reviewer).await?.into_iter().map(|l| l.id).collect();
        let today = self.today();
        let this_month = today.format("%Y-%m").to_string();
        let first_of_month = chrono::NaiveDate::parse_from_str(&format!("{this_month}-01"), "%Y-%m-%d")
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let since = first_of_month.checked_sub_months(chrono::Months::new(11)).unwrap_or(first_of_month);
        let calendar = self.rules().await?.for_region(self.inner.config.home_region).calendar.clone();
        let mut rng = StdRng::seed_from_u64(30);
        let stations = [
            ("洮北区人民法院法律援助工作站", "court", "白城市洮北区新华西大路", 2usize, 0..4),
            ("洮北区人民检察院法律援助工作站", "procuratorate", "白城市洮北区海明西路", 1, 0..3),
            ("白城市看守所值班律师工作站", "detention", "白城市洮北区平安镇", 1, 1..5),
        ];
        let names = ["王某", "李某某", "赵某", "刘某", "陈某某", "杨某", "张某", "孙某", "周某某", "吴某"];
        for (k, (name, place, address, per_day, per_shift)) in stations.into_iter().enumerate() {
            let st = self
                .create_duty_station(
                    &reviewer,
                    &StationInput {
                        name: name.into(),
                        place: place.into(),
                        centre_id: Some(centre.clone()),
                        address: address.into(),
                    },
                )
                .await?;
            // Each station has its own turn of six lawyers.
            let turn: Vec<i64> = lawyers.iter().copied().skip(k * 3).chain(lawyers.iter().copied()).take(6).collect();
            let past = draw_roster(&calendar, since, today.pred_opt().unwrap_or(today), &turn, per_day, &[]);
            let mut services = Vec::new();
            for shift in past.iter() {
                for _ in 0..rng.random_range(per_shift.clone()) {
                    let mut kinds = vec![K::Advice];
                    for (kind, chance) in [
                        (K::Procedure, 0.5),
                        (K::PleaSigning, 0.35),
                        (K::Opinion, 0.2),
                        (K::ChangeMeasure, 0.08),
                        (K::Meeting, 0.1),
                        (K::Forwarded, 0.06),
                    ] {
                        if rng.random_bool(chance) {
                            kinds.push(kind);
                        }
                    }
                    let forwarded = kinds.contains(&K::Forwarded);
                    let received = forwarded.then(|| {
                        gongdao_domain::calendar::from_china_local(
                            shift.day.and_hms_opt(9 + rng.random_range(0..6), 0, 0).expect("a time"),
                        )
                    });
                    // Most pass an application on the same day; one in eight later than a day.
                    let forwarded_at = received
                        .map(|r| r + Duration::hours(if rng.random_bool(0.125) { 30 } else { rng.random_range(1..8) }));
                    services.push(NewService {
                        station_id: st.id,
                        region: st.region,
                        person_id: shift.person_id,
                        served_on: shift.day,
                        stage: match place {
                            "court" => Stage::Trial,
                            "procuratorate" => Stage::Prosecution,
                            _ => Stage::Investigation,
                        },
                        client_name: Some(names[rng.random_range(0..names.len())].into()),
                        note: None,
                        received_at: received,
                        forwarded_late: matches!((received, forwarded_at), (Some(r), Some(f)) if (f - r).num_hours() > 24),
                        forwarded_at,
                        kinds,
                    });
                }
            }
            let tx = self.store().begin().await?;
            duty::replace_roster(&tx, st.id, since, today.pred_opt().unwrap_or(today), &past).await?;
            duty::insert_services(&tx, self.cipher(), services, Some(reviewer.user_id.0), self.now()).await?;
            tx.commit().await?;
            self.draw_duty_roster(
                &reviewer,
                st.id,
                &RosterInput { month: this_month.clone(), person_ids: turn, per_day: Some(per_day as u32) },
            )
            .await?;
        }
        Ok(())
    }

    pub(crate) async fn seed_demo_legal_aid(&self) -> Result<(), ServiceError> {
        use crate::legal_aid::{ApplicantInput, ApplicationInput, CriminalInput, EligibilityInput, LegalAidSynthSpec};
        use gongdao_domain::legal_aid::case::Action;
        self.synthesize_legal_aid(&LegalAidSynthSpec { count: 240, days: 365, seed: 20 }, |_| {}).await?;
        let window = self.demo_actor("window").await?;
        let reviewer = self.demo_actor("reviewer").await?;
        let lawyer = self.demo_actor("lawyer").await?;
        let reader = self.store().reader();
        let keys = institutions::keys(reader, reviewer.scope).await?;
        let find = |name: &str| keys.iter().find(|(_, _, _, n)| n == name).map(|(id, ..)| id.to_string());
        let station = find("平台镇法律援助工作站");
        let centre = find("洮北区法律援助中心");
        let app = |centre: &Option<String>,
                   region: &str,
                   name: &str,
                   phone: &str,
                   opponent: &str,
                   facts: &str,
                   e: EligibilityInput| {
            ApplicationInput {
                centre_id: centre.clone(),
                channel: "window".into(),
                region: region.into(),
                name: name.into(),
                phone: Some(phone.into()),
                opponent: (!opponent.is_empty()).then(|| opponent.into()),
                facts: facts.into(),
                eligibility: e,
                ..Default::default()
            }
        };
        let civil = |matter: &str, groups: &[&str]| EligibilityInput {
            case_type: "civil".into(),
            matter: Some(matter.into()),
            applicant: ApplicantInput { groups: groups.iter().map(|g| g.to_string()).collect(), ..Default::default() },
            ..Default::default()
        };
        let step = |text: &str| crate::legal_aid::StepInput { text: Some(text.into()), ..Default::default() };
        // Just received at the 平台镇 station.
        self.file_legal_aid(
            &window,
            &app(
                &station,
                "220802100201",
                "刘桂兰",
                "13844360012",
                "刘国富",
                "七十八岁，三个儿子都不给赡养费，也不管看病。",
                civil("support", &["elderly", "rural"]),
            ),
        )
        .await?;
        // Under review, with materials asked for once and in full.
        let c = self
            .file_legal_aid(
                &window,
                &app(
                    &station,
                    "220802100202",
                    "马春生",
                    "13604361178",
                    "白城市某建筑公司",
                    "在县城工地干了十个月，公司拖欠工资三万二千元。",
                    civil("labour", &["migrant_worker"]),
                ),
            )
            .await?;
        self.legal_aid_step(&reviewer, c.id, Action::Accept, &step("窗口当场受理")).await?;
        self.legal_aid_step(
            &reviewer,
            c.id,
            Action::RequestMaterials,
            &step("1. 身份证复印件；2. 考勤记录或工友证言；3. 工资欠条或聊天记录"),
        )
        .await?;
        // Decided, waiting for assignment.
        let c = self
            .file_legal_aid(
                &window,
                &app(
                    &station,
                    "220802100203",
                    "孙丽娜",
                    "15904362236",
                    "孙某某",
                    "长期遭受丈夫打骂，想离婚并要求孩子抚养权。",
                    civil("domestic_violence", &["women"]),
                ),
            )
            .await?;
        self.legal_aid_step(&reviewer, c.id, Action::Accept, &step("")).await?;
        self.legal_aid_step(
            &reviewer,
            c.id,
            Action::Grant,
            &step("遭受家庭暴力，不受经济困难条件限制（法律援助法第三十二条）"),
        )
        .await?;
        // A notice from the court: a minor, to be assigned within three days.
        let notice = ApplicationInput {
            channel: "notice".into(),
            notice_from: Some("洮北区人民法院".into()),
            eligibility: EligibilityInput {
                case_type: "criminal_suspect".into(),
                criminal: CriminalInput { minor: true, ..Default::default() },
                ..Default::default()
            },
            ..app(
                &centre,
                "220802001001",
                "张小军",
                "13504360091",
                "",
                "十六岁，涉嫌盗窃，法院通知指派辩护律师。",
                EligibilityInput::default(),
            )
        };
        self.file_legal_aid(&reviewer, &notice).await?;
        // Assigned and in hand, with progress on record.
        for (region, name, phone, opponent, facts, matter, groups) in [
            (
                "220802100204",
                "赵德林",
                "13944365521",
                "钱某",
                "骑电动车被货车撞伤，对方保险公司拒赔。",
                "personal_injury",
                &["rural"][..],
            ),
            (
                "220802100205",
                "周玉梅",
                "13304369987",
                "村民委员会",
                "承包的十二亩地被村里收回另行发包。",
                "land",
                &["rural"][..],
            ),
        ] {
            let c = self
                .file_legal_aid(&window, &app(&station, region, name, phone, opponent, facts, civil(matter, groups)))
                .await?;
            self.legal_aid_step(&reviewer, c.id, Action::Accept, &step("")).await?;
            self.legal_aid_step(&reviewer, c.id, Action::Grant, &step("符合法律援助条件")).await?;
            let ranked = self.legal_aid_candidates(&reviewer, c.id).await?;
            // The demo's lawyer takes these on: a candidate of their firm, with the reason
            // recorded when the ranking put someone else first.
            let firm = lawyer.institution_id.map(|i| i.0);
            let Some(chosen) = ranked.iter().find(|r| r.excluded.is_none() && r.institution_id == firm) else {
                continue;
            };
            let passed_over = ranked.first().is_some_and(|r| r.person_id != chosen.person_id);
            let assign = crate::legal_aid::StepInput {
                person_id: Some(chosen.person_id.to_string()),
                override_reason: passed_over.then(|| "受援人申请由该律师事务所承办".to_string()),
                ..Default::default()
            };
            self.legal_aid_step(&reviewer, c.id, Action::Assign, &assign).await?;
            self.legal_aid_step(&lawyer, c.id, Action::SignAgreement, &step("与受援人签订委托协议和授权委托书"))
                .await?;
            self.legal_aid_step(&lawyer, c.id, Action::LogProgress, &step("会见受援人，调取证据")).await?;
        }
        // Refused, and an objection waiting for the bureau.
        let rich = EligibilityInput {
            case_type: "civil".into(),
            matter: Some("labour".into()),
            applicant: ApplicantInput {
                household_size: Some(2),
                household_monthly_income: Some(9000.0),
                ..Default::default()
            },
            ..Default::default()
        };
        let c = self
            .file_legal_aid(
                &window,
                &app(
                    &station,
                    "220802100206",
                    "钱志强",
                    "13844362245",
                    "某物流公司",
                    "被公司辞退，要求经济补偿。",
                    rich,
                ),
            )
            .await?;
        self.legal_aid_step(&reviewer, c.id, Action::Accept, &step("")).await?;
        self.legal_aid_step(
            &reviewer,
            c.id,
            Action::Refuse,
            &step("家庭月人均收入4500元，高于本地经济困难标准（法律援助法第三十四条）"),
        )
        .await?;
        self.legal_aid_step(&window, c.id, Action::FileObjection, &step("申请人称妻子已失业，家庭收入登记有误"))
            .await?;
        Ok(())
    }

    /// The departments' progress reports on the plan's tasks: most of the public legal
    /// service section's done, one short; the legal aid centre's part done.
    async fn seed_demo_task_reports(&self) -> Result<(), ServiceError> {
        let dispatch = self.demo_actor("dispatch").await?;
        let reviewer = self.demo_actor("reviewer").await?;
        for actor in [&dispatch, &reviewer] {
            let tasks = self.plan_tasks(actor, None).await?;
            for (i, t) in tasks.iter().filter(|t| t.can_report).enumerate() {
                let (percent, note) = match i % 4 {
                    1 => ("80", "已完成大部分工作，剩余部分列入下一年度计划。"),
                    3 => ("60", "已制定实施方案并在部分乡镇试点，尚未全面铺开。"),
                    _ => ("100", "已按规划要求完成，相关制度文件已印发。"),
                };
                let input = crate::plan::ReportInput {
                    percent: Some(percent.into()),
                    note: note.into(),
                    attachment: Some(format!("洮司发〔2025〕{}号", 10 + i)),
                    district: None,
                };
                self.report_task(actor, &t.id, &input).await?;
            }
        }
        Ok(())
    }
}
