//! The plan's progress computed from the records (issue 22). A district's plan is its
//! rules file `plan` (kept, checked, versioned and audited like the other rules files);
//! each indicator names a measure, computed here over the records of an area — a
//! district, or a township for a township's account — and compared with the target of
//! the stage in force. A measure over records the platform does not keep reports “no
//! data” and says why, never a made-up value. Each district's values are kept month by
//! month ([`Services::snapshot_plans`]), so a past month stays as it was.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use gongdao_domain::auth::{Actor, Permission, Scope};
use gongdao_domain::calendar::{first_of_month, from_china_local, last_months, month_key};
use gongdao_domain::network::{Certification, InstitutionType, PersonType, ServiceKind};
use gongdao_domain::plan::{Indicator, Measure, Plan, Status, Unit};
use gongdao_domain::{DivisionCode, RegionLevel};
use gongdao_store::plan::{self as store, Bounds, InstitutionFact, PersonFact, Snapshot};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{ServiceError, Services};

/// One record behind a figure that keeps it from its target (the drill-down).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Shortfall {
    /// The workstation, institution, advisor or worker.
    pub name: String,
    /// What it lacks, e.g. “缺：公证指引、司法鉴定指引”.
    pub detail: String,
}

/// An indicator computed for an area.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct IndicatorValue {
    pub id: String,
    pub name: String,
    /// Where in the plan it comes from, e.g. 一(三)近期1.
    pub section: String,
    #[schema(value_type = String)]
    pub measure: Measure,
    /// `%` or `个`.
    #[schema(value_type = String)]
    pub unit: Unit,
    /// `>=` or `<=`.
    pub direction: String,
    /// Null only when `status` is `no_data`.
    pub value: Option<f64>,
    /// The target of the stage in force (null when the plan sets none).
    pub target: Option<f64>,
    /// The stage the target belongs to.
    pub stage: String,
    /// How far from the target (0 once reached).
    pub gap: Option<f64>,
    /// `met`, `behind` or `no_data`.
    #[schema(value_type = String)]
    pub status: Status,
    /// What the figure counts, e.g. “22 个工作站中 11 个”.
    pub basis: String,
    /// The records behind a shortfall (at most [`SHORTFALLS_SHOWN`]).
    pub shortfalls: Vec<Shortfall>,
    /// How many records fall short in all.
    pub shortfall_count: usize,
    pub department: String,
    /// The district (for a city or province account comparing districts).
    #[schema(value_type = String)]
    pub district: DivisionCode,
    pub district_name: String,
}

/// The drill-down shows this many records; the count says how many there are.
pub const SHORTFALLS_SHOWN: usize = 200;

/// What one measure found.
struct Found {
    value: Option<f64>,
    basis: String,
    shortfalls: Vec<Shortfall>,
}

impl Found {
    fn none(reason: &str) -> Found {
        Found { value: None, basis: reason.to_string(), shortfalls: Vec::new() }
    }

    /// A share of `total` in per cent, or no data when there is nothing to count.
    fn share(part: usize, total: usize, of_what: &str, shortfalls: Vec<Shortfall>) -> Found {
        if total == 0 {
            return Found::none(&format!("本地区尚无{of_what}的记录"));
        }
        Found {
            value: Some(round1(part as f64 * 100.0 / total as f64)),
            basis: format!("{total} 个{of_what}中 {part} 个"),
            shortfalls,
        }
    }

    fn count(n: usize, what: &str, shortfalls: Vec<Shortfall>) -> Found {
        Found { value: Some(n as f64), basis: format!("现有{what} {n} 个"), shortfalls }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The records of an area the measures read, loaded once for all its indicators.
struct Facts {
    institutions: Vec<InstitutionFact>,
    people: Vec<PersonFact>,
    /// (person, village) appointments in force, with the kind of each person appointed.
    advisors: Vec<(i64, i64)>,
    advisor_people: HashMap<i64, (String, PersonType)>,
    archived: HashSet<(String, i64)>,
    /// Enforcement officers with a training this year.
    trained: HashSet<i64>,
    /// Trainee lawyers' days on duty this year.
    intern_days: HashMap<i64, i64>,
    /// This year's ratings, to `day`.
    ratings: gongdao_domain::evaluation::LevelCounts,
    /// This year's legal aid decisions and those made within the limit.
    decided: (i64, i64),
    /// Whether the plan lists key dates at all; this year's passed ones with the
    /// townships that held an outreach event in each; the area's townships.
    key_dates_listed: bool,
    passed_key_dates: Vec<KeyDateWindow>,
    townships: Vec<(DivisionCode, String)>,
}

/// A key date passed this year and the townships that went out to the people in it.
struct KeyDateWindow {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
    covered: HashSet<DivisionCode>,
}

/// Institutions counted as 各类法律服务机构 (规划 四(十)).
const SERVICE_FIRMS: &[InstitutionType] = &[
    InstitutionType::LawFirm,
    InstitutionType::NotaryOffice,
    InstitutionType::AppraisalInstitution,
    InstitutionType::GrassrootsLegalOffice,
    InstitutionType::ArbitrationBody,
];

/// Institutions that serve the public at a window, where a green channel is set (规划
/// 一(三)近期2 “各类法律服务机构”, 四(九)): the platforms, legal aid and the legal service
/// firms. Mediation committees and arbitration bodies resolve disputes rather than
/// receive applicants; the bureau itself serves through its centre.
const GREEN_CHANNEL_KINDS: &[InstitutionType] = &[
    InstitutionType::ServiceCenter,
    InstitutionType::Workstation,
    InstitutionType::VillageRoom,
    InstitutionType::LegalAidCenter,
    InstitutionType::LegalAidStation,
    InstitutionType::LawFirm,
    InstitutionType::NotaryOffice,
    InstitutionType::AppraisalInstitution,
    InstitutionType::GrassrootsLegalOffice,
];

/// People counted as 专业法律服务人员 (规划 四(十)).
const PROFESSIONALS: &[PersonType] =
    &[PersonType::Lawyer, PersonType::Notary, PersonType::GrassrootsLegalWorker, PersonType::LegalAidStaff];

/// Village legal advisors who count as professionals (规划 一(三)近期3).
const PROFESSIONAL_ADVISORS: &[PersonType] =
    &[PersonType::Lawyer, PersonType::Notary, PersonType::GrassrootsLegalWorker];

/// Public legal service platforms (规划 三(四)).
const PLATFORMS: &[InstitutionType] =
    &[InstitutionType::ServiceCenter, InstitutionType::Workstation, InstitutionType::VillageRoom];

/// Trainee lawyers' grassroots days owed (规划 四(七)).
const INTERN_DAYS: i64 = 30;

/// The instant a China-time day begins.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    from_china_local(day.and_hms_opt(0, 0, 0).expect("midnight"))
}

/// The plan that applies in an area and the area's district.
#[derive(Clone, Debug)]
pub struct PlanArea {
    pub district: DivisionCode,
    pub district_name: String,
    /// The region computed over: the district, or the caller's township.
    pub area: DivisionCode,
    pub plan: Arc<Plan>,
}

impl Services {
    /// The areas a caller sees the plan of: their district (or township) when their scope
    /// is a district or below; each district of their city or province that has a plan
    /// otherwise (`district` narrows it to one).
    pub async fn plan_areas(&self, actor: &Actor, district: Option<&str>) -> Result<Vec<PlanArea>, ServiceError> {
        actor.require(Permission::ViewPlan)?;
        self.areas_within(actor.scope, self.chosen_district(actor, district)?).await
    }

    /// A district asked for in a query or a form: one inside the caller's scope (or the
    /// one their township belongs to); another is not theirs to see.
    fn chosen_district(&self, actor: &Actor, district: Option<&str>) -> Result<Option<DivisionCode>, ServiceError> {
        match district.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => {
                let code = DivisionCode::parse("district", d)?;
                if code.level() != RegionLevel::District {
                    return Err(ServiceError::field("district", "请选择一个区县"));
                }
                if !actor.scope.contains(code) && !code.contains(actor.scope.root) {
                    return Err(ServiceError::NotFound("区县"));
                }
                Ok(Some(code))
            }
            None => Ok(None),
        }
    }

    async fn areas_within(&self, scope: Scope, chosen: Option<DivisionCode>) -> Result<Vec<PlanArea>, ServiceError> {
        let book = self.rules().await?;
        let reader = self.store().reader();
        let districts: Vec<DivisionCode> = match (chosen, scope.root.ancestor_at(RegionLevel::District)) {
            (Some(d), _) => vec![d],
            (None, Some(d)) => vec![d],
            (None, None) => gongdao_store::regions::list_level(reader, scope, RegionLevel::District)
                .await?
                .into_iter()
                .map(|r| r.code)
                .collect(),
        };
        let names = gongdao_store::regions::names(reader, districts.iter().map(|d| d.to_db())).await?;
        let mut out = Vec::new();
        for d in districts {
            let Some(plan) = book.for_region(d).plan.clone() else { continue };
            // Below a district, the caller's own township is the area.
            let area =
                if scope.root.level() > RegionLevel::District && d.contains(scope.root) { scope.root } else { d };
            out.push(PlanArea {
                district: d,
                district_name: names.get(&d.to_db()).cloned().unwrap_or_default(),
                area,
                plan: Arc::new(plan),
            });
        }
        Ok(out)
    }

    /// The last `n` months to this one, oldest first (YYYY-MM).
    pub fn last_months(&self, n: u32) -> Vec<String> {
        last_months(self.today(), n)
    }

    /// Every indicator of the plans the caller sees, computed now.
    pub async fn plan_indicators(
        &self,
        actor: &Actor,
        district: Option<&str>,
    ) -> Result<Vec<IndicatorValue>, ServiceError> {
        let today = self.today();
        let mut out = Vec::new();
        for area in self.plan_areas(actor, district).await? {
            out.extend(self.indicators_of(&area, today).await?);
        }
        Ok(out)
    }

    /// An area's indicators as of `day` (today, or a month's end for a snapshot).
    pub async fn indicators_of(&self, area: &PlanArea, day: NaiveDate) -> Result<Vec<IndicatorValue>, ServiceError> {
        let facts = self.plan_facts(area.area, day, &area.plan).await?;
        Ok(area
            .plan
            .indicators
            .iter()
            .map(|ind| {
                let found = measure(ind, &facts);
                let target = ind.target_on(&area.plan, day);
                let (target_value, stage) = (target.map(|t| t.0), target.map(|t| t.1.name.clone()).unwrap_or_default());
                let shortfall_count = found.shortfalls.len();
                let mut shortfalls = found.shortfalls;
                shortfalls.truncate(SHORTFALLS_SHOWN);
                IndicatorValue {
                    id: ind.id.clone(),
                    name: ind.name.clone(),
                    section: ind.section.clone(),
                    measure: ind.measure,
                    unit: ind.unit,
                    direction: ind.direction.code().to_string(),
                    value: found.value,
                    target: target_value,
                    stage,
                    gap: ind.gap(found.value, target_value).map(round1),
                    status: ind.status(found.value, target_value),
                    basis: found.basis,
                    shortfalls,
                    shortfall_count,
                    department: ind.department.clone(),
                    district: area.district,
                    district_name: area.district_name.clone(),
                }
            })
            .collect())
    }

    async fn plan_facts(&self, area: DivisionCode, day: NaiveDate, plan: &Plan) -> Result<Facts, ServiceError> {
        let reader = self.store().reader();
        let bounds: Bounds = area.subtree_bounds();
        let uses = |m: Measure| plan.indicators.iter().any(|i| i.measure == m);
        let year_start = NaiveDate::from_ymd_opt(day.year(), 1, 1).expect("valid");
        let advisors = if uses(Measure::ProfessionalAdvisors) {
            store::advisors_on(reader, bounds, day).await?
        } else {
            Vec::new()
        };
        let advisor_ids: HashSet<i64> = advisors.iter().map(|(p, _)| *p).collect();
        let mut advisor_people = HashMap::new();
        for p in store::people_by_id(reader, advisor_ids).await? {
            advisor_people.insert(p.id, (p.name, p.kind));
        }
        let ratings = if uses(Measure::Satisfaction) {
            let rows = gongdao_store::evaluation::figure_rows(
                reader,
                Scope::new(area),
                &month_key(year_start),
                &month_key(day),
                None,
            )
            .await?;
            let mut all = gongdao_store::evaluation::Counters::default();
            for ((_, _, dim, _), c) in &rows {
                if *dim == gongdao_store::evaluation::ALL {
                    all.add(c, 1);
                }
            }
            all.level_counts()
        } else {
            Default::default()
        };
        let decided = if uses(Measure::LegalAidDecidedInTime) {
            let f =
                gongdao_store::legal_aid::figures(reader, Scope::new(area), &month_key(year_start), &month_key(day))
                    .await?;
            (f.totals.decided, f.totals.decided_in_time)
        } else {
            (0, 0)
        };
        let (townships, passed_key_dates) = if uses(Measure::KeyDateItinerant) {
            let townships = if area.level() == RegionLevel::Township {
                let names = gongdao_store::regions::names(reader, [area.to_db()]).await?;
                vec![(area, names.get(&area.to_db()).cloned().unwrap_or_default())]
            } else {
                gongdao_store::regions::list_level(reader, Scope::new(area), RegionLevel::Township)
                    .await?
                    .into_iter()
                    .map(|r| (r.code, r.name))
                    .collect()
            };
            // One small read a passed key date: the places that held an outreach event.
            let mut windows = Vec::new();
            for k in &plan.key_dates {
                let (from, to) = k.window(day.year());
                if to > day {
                    continue;
                }
                let covered = gongdao_store::events::outreach_regions(reader, bounds, from, to)
                    .await?
                    .into_iter()
                    .filter_map(|r| DivisionCode::from_db(r).and_then(|c| c.ancestor_at(RegionLevel::Township)))
                    .collect();
                windows.push(KeyDateWindow { name: k.name.clone(), from, to, covered });
            }
            (townships, windows)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Facts {
            key_dates_listed: !plan.key_dates.is_empty(),
            passed_key_dates,
            townships,
            institutions: store::institutions(reader, bounds).await?,
            people: store::people(reader, bounds).await?,
            advisors,
            advisor_people,
            archived: if uses(Measure::ArchiveCoverage) {
                store::archived(reader, bounds).await?
            } else {
                HashSet::new()
            },
            trained: if uses(Measure::EnforcementTrained) {
                store::trained(reader, bounds, PersonType::EnforcementOfficer, year_start, day).await?
            } else {
                HashSet::new()
            },
            intern_days: if uses(Measure::InternServiceDays) {
                store::duty_days(reader, bounds, PersonType::TraineeLawyer, year_start, day).await?
            } else {
                HashMap::new()
            },
            ratings,
            decided,
        })
    }

    /// Keeps this month's value of every indicator of every district with a plan (the
    /// month's row follows the records until the month is over; a past month's is never
    /// rewritten). Run by the housekeeping loop; returns how many values were kept.
    pub async fn snapshot_plans(&self) -> Result<usize, ServiceError> {
        let today = self.today();
        let mut kept = 0;
        for area in self.areas_within(Scope::new(self.config().home_region), None).await? {
            let values = self.indicators_of(&area, today).await?;
            kept += self.keep_values(&area, &month_key(today), values.iter(), true).await?;
        }
        Ok(kept)
    }

    /// Fills past months that have no snapshot with the values the dated records give for
    /// that month (satisfaction, legal aid decisions, events on key dates): what the demo
    /// and a newly imported plan start from. Figures of the network (institutions,
    /// people) have no history, so their past months stay empty rather than show today's
    /// value as the past's.
    pub async fn backfill_plan_snapshots(&self, months: u32) -> Result<usize, ServiceError> {
        let today = self.today();
        let mut kept = 0;
        for area in self.areas_within(Scope::new(self.config().home_region), None).await? {
            let mut end = first_of_month(today).pred_opt().expect("a day before");
            for _ in 0..months {
                let values = self.indicators_of(&area, end).await?;
                let dated_values = values.iter().filter(|v| dated(v.measure));
                kept += self.keep_values(&area, &month_key(end), dated_values, false).await?;
                end = first_of_month(end).pred_opt().expect("a day before");
            }
        }
        Ok(kept)
    }

    /// Keeps an area's values for a month in one transaction (`replace`: the month in
    /// progress; otherwise only where the month has none).
    async fn keep_values<'a>(
        &self,
        area: &PlanArea,
        month: &str,
        values: impl Iterator<Item = &'a IndicatorValue>,
        replace: bool,
    ) -> Result<usize, ServiceError> {
        let tx = self.store().begin().await?;
        let mut kept = 0;
        for v in values {
            let s = Snapshot {
                region: area.district.to_db(),
                plan_id: area.plan.id.clone(),
                indicator_id: v.id.clone(),
                month: month.to_string(),
                value: v.value,
                target: v.target,
            };
            store::put_snapshot(&tx, &s, replace, self.now()).await?;
            kept += 1;
        }
        tx.commit().await?;
        Ok(kept)
    }

    /// Each area's indicators as kept for this month by the housekeeping loop (every ten
    /// minutes): (status, value) by indicator id, or None for an area whose month is not
    /// kept yet. What a city's or province's comparison reads instead of computing every
    /// district's records on each view.
    pub async fn kept_standings(&self, areas: &[PlanArea]) -> Result<Vec<Option<Standing>>, ServiceError> {
        let month = month_key(self.today());
        // (district, plan) → indicator → (value, target)
        let mut kept: HashMap<(i64, String), KeptValues> = HashMap::new();
        for s in store::snapshots_of_month(self.store().reader(), &month).await? {
            kept.entry((s.region, s.plan_id)).or_default().insert(s.indicator_id, (s.value, s.target));
        }
        Ok(areas
            .iter()
            .map(|a| {
                let rows = kept.get(&(a.district.to_db(), a.plan.id.clone()))?;
                a.plan
                    .indicators
                    .iter()
                    .map(|i| rows.get(&i.id).map(|(v, t)| (i.id.clone(), (i.status(*v, *t), *v))))
                    .collect::<Option<BTreeMap<_, _>>>()
            })
            .collect())
    }

    /// The monthly values kept for a district's indicators, months `first..=last`.
    pub async fn plan_trends(
        &self,
        area: &PlanArea,
        first: &str,
        last: &str,
    ) -> Result<BTreeMap<String, Vec<(String, Option<f64>)>>, ServiceError> {
        let rows = store::snapshots(self.store().reader(), area.district.to_db(), &area.plan.id, first, last).await?;
        let mut out: BTreeMap<String, Vec<(String, Option<f64>)>> = BTreeMap::new();
        for s in rows {
            out.entry(s.indicator_id).or_default().push((s.month, s.value));
        }
        Ok(out)
    }

    /// Counts by month of an area's work (the months `first..=last` of `today`'s year
    /// and before): matters by category, legal aid applications, mediation cases, and
    /// the satisfaction rate. A closed month's counts of matters and mediation are kept
    /// once counted; the month in progress is counted each time.
    pub async fn plan_volumes(&self, area: DivisionCode, months: &[String]) -> Result<Volumes, ServiceError> {
        let reader = self.store().reader();
        let bounds = area.subtree_bounds();
        let (Some(first), Some(last)) = (months.first(), months.last()) else { return Ok(Volumes::default()) };
        let current = month_key(self.today());
        let mut kept: HashMap<(String, String), i64> = HashMap::new();
        for (m, series, n) in store::kept_volumes(reader, area.to_db(), first, last).await? {
            kept.insert((m, series), n);
        }
        let mut v = Volumes { months: months.to_vec(), ..Default::default() };
        for m in months {
            let day = NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
                .map_err(|_| ServiceError::Internal(format!("bad month {m}")))?;
            let closed = *m < current;
            let have = kept.contains_key(&(m.clone(), MEDIATION.to_string()));
            let (by_category, mediation) = if closed && have {
                let cats = kept
                    .iter()
                    .filter(|((km, s), _)| km == m && s.starts_with(REQUESTS))
                    .map(|((_, s), n)| (s[REQUESTS.len()..].to_string(), *n))
                    .collect::<Vec<_>>();
                (cats, kept[&(m.clone(), MEDIATION.to_string())])
            } else {
                let next = day.checked_add_months(chrono::Months::new(1)).expect("a next month");
                let (from, to) = (start_of(day), start_of(next));
                let cats = store::request_counts(reader, bounds, from, to).await?;
                let mediation = store::mediation_count(reader, bounds, from, to).await?;
                if closed {
                    let tx = self.store().begin().await?;
                    for (c, n) in &cats {
                        store::keep_volume(&tx, area.to_db(), m, &format!("{REQUESTS}{c}"), *n).await?;
                    }
                    store::keep_volume(&tx, area.to_db(), m, MEDIATION, mediation).await?;
                    tx.commit().await?;
                }
                (cats, mediation)
            };
            let n = |c: &str| by_category.iter().filter(|(k, _)| k == c).map(|(_, n)| *n).sum::<i64>();
            v.consultation.push(n("consultation"));
            v.requests.push(by_category.iter().map(|(_, n)| *n).sum());
            v.mediation.push(mediation);
        }
        let aid = gongdao_store::legal_aid::figures(reader, Scope::new(area), first, last).await?;
        let aid: HashMap<&str, i64> = aid.by_month.iter().map(|(m, n)| (m.as_str(), *n)).collect();
        let rated = gongdao_store::evaluation::figure_rows(reader, Scope::new(area), first, last, None).await?;
        let mut by_month: HashMap<&str, gongdao_store::evaluation::Counters> = HashMap::new();
        for ((m, _, dim, _), c) in &rated {
            if *dim == gongdao_store::evaluation::ALL {
                by_month.entry(m.as_str()).or_default().add(c, 1);
            }
        }
        for m in months {
            v.legal_aid.push(aid.get(m.as_str()).copied().unwrap_or(0));
            v.satisfaction.push(
                by_month.get(m.as_str()).and_then(|c| c.level_counts().satisfaction_rate()).map(|r| round1(r * 100.0)),
            );
        }
        Ok(v)
    }
}

/// An area's indicators as kept: id → (status, value).
pub type Standing = BTreeMap<String, (Status, Option<f64>)>;

/// Kept values of one district's plan: indicator id → (value, target).
type KeptValues = BTreeMap<String, (Option<f64>, Option<f64>)>;

/// Series names of the kept monthly counts.
const REQUESTS: &str = "requests:";
const MEDIATION: &str = "mediation";

/// An area's work by month, each vector in the order of `months`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct Volumes {
    pub months: Vec<String>,
    /// Every matter received, by any channel.
    pub requests: Vec<i64>,
    /// Matters of the consultation category.
    pub consultation: Vec<i64>,
    pub legal_aid: Vec<i64>,
    pub mediation: Vec<i64>,
    /// 满意率 in per cent (null: no ratings that month).
    pub satisfaction: Vec<Option<f64>>,
}

/// Measures whose past months the dated records can tell.
fn dated(m: Measure) -> bool {
    matches!(m, Measure::Satisfaction | Measure::LegalAidDecidedInTime | Measure::KeyDateItinerant)
}

/// Computes one indicator from an area's records.
fn measure(ind: &Indicator, f: &Facts) -> Found {
    if let Some(reason) = ind.measure.missing_records() {
        return Found::none(reason);
    }
    let of_kinds = |kinds: &'static [InstitutionType]| f.institutions.iter().filter(move |i| kinds.contains(&i.kind));
    let active = |kinds: &'static [PersonType]| f.people.iter().filter(move |p| p.active && kinds.contains(&p.kind));
    match ind.measure {
        Measure::OneStopWorkstations => {
            let set: Vec<ServiceKind> =
                ind.list_param("services").iter().filter_map(|c| ServiceKind::from_code(c)).collect();
            let stations: Vec<&InstitutionFact> = of_kinds(&[InstitutionType::Workstation]).collect();
            let mut short = Vec::new();
            for s in &stations {
                let missing: Vec<&str> =
                    set.iter().filter(|k| !s.services.iter().any(|c| c == k.code())).map(|k| k.label()).collect();
                if !missing.is_empty() {
                    short.push(Shortfall { name: s.name.clone(), detail: format!("缺：{}", missing.join("、")) });
                }
            }
            Found::share(stations.len() - short.len(), stations.len(), "乡镇公共法律服务工作站", short)
        }
        Measure::GreenChannel => {
            let all: Vec<&InstitutionFact> = of_kinds(GREEN_CHANNEL_KINDS).collect();
            let short: Vec<Shortfall> = all
                .iter()
                .filter(|i| !i.green_channel)
                .map(|i| Shortfall { name: i.name.clone(), detail: format!("{}，未设绿色通道", i.kind.label()) })
                .collect();
            Found::share(all.len() - short.len(), all.len(), "法律服务机构", short)
        }
        Measure::ProfessionalAdvisors => {
            let people: BTreeMap<i64, &(String, PersonType)> =
                f.advisors.iter().filter_map(|(p, _)| f.advisor_people.get(p).map(|x| (*p, x))).collect();
            let short: Vec<Shortfall> = people
                .values()
                .filter(|(_, k)| !PROFESSIONAL_ADVISORS.contains(k))
                .map(|(name, k)| Shortfall {
                    name: name.clone(),
                    detail: format!("{}，不是律师、公证员或基层法律服务工作者", k.label()),
                })
                .collect();
            Found::share(people.len() - short.len(), people.len(), "在任村（居）法律顾问", short)
        }
        Measure::EnforcementTrained => {
            let officers: Vec<&PersonFact> = active(&[PersonType::EnforcementOfficer]).collect();
            let short: Vec<Shortfall> = officers
                .iter()
                .filter(|p| !f.trained.contains(&p.id))
                .map(|p| Shortfall { name: p.name.clone(), detail: "本年没有培训记录".into() })
                .collect();
            Found::share(officers.len() - short.len(), officers.len(), "行政执法人员", short)
        }
        Measure::EnforcementCertified => {
            let officers: Vec<&PersonFact> = active(&[PersonType::EnforcementOfficer]).collect();
            let short: Vec<Shortfall> = officers
                .iter()
                .filter(|p| p.certification != Certification::Certified)
                .map(|p| Shortfall { name: p.name.clone(), detail: p.certification.label().into() })
                .collect();
            Found::share(officers.len() - short.len(), officers.len(), "行政执法人员", short)
        }
        Measure::DemonstrationPlatforms => {
            let n = of_kinds(PLATFORMS).filter(|i| i.demonstration != "none").count();
            Found::count(n, "示范性公共法律服务实体平台", Vec::new())
        }
        Measure::LegalAidStations => {
            Found::count(of_kinds(&[InstitutionType::LegalAidStation]).count(), "法律援助工作站", Vec::new())
        }
        Measure::Institutions => Found::count(of_kinds(SERVICE_FIRMS).count(), "法律服务机构", Vec::new()),
        Measure::Professionals => {
            let n = active(PROFESSIONALS).count();
            Found {
                value: Some(n as f64),
                basis: format!("在职律师、公证员、基层法律服务工作者和法律援助人员 {n} 名"),
                shortfalls: Vec::new(),
            }
        }
        Measure::ArchiveCoverage => {
            let mut total = 0;
            let mut short = Vec::new();
            for i in &f.institutions {
                total += 1;
                if !f.archived.contains(&("institution".to_string(), i.id)) {
                    short.push(Shortfall {
                        name: i.name.clone(), detail: format!("{}，没有诚信档案", i.kind.label())
                    });
                }
            }
            for p in f.people.iter().filter(|p| gongdao_domain::archive::person_keeps_archive(p.kind)) {
                total += 1;
                if !f.archived.contains(&("person".to_string(), p.id)) {
                    short.push(Shortfall {
                        name: p.name.clone(), detail: format!("{}，没有诚信档案", p.kind.label())
                    });
                }
            }
            Found::share(total - short.len(), total, "法律服务机构和人员", short)
        }
        Measure::InternServiceDays => {
            let interns: Vec<&PersonFact> = active(&[PersonType::TraineeLawyer]).collect();
            let short: Vec<Shortfall> = interns
                .iter()
                .filter_map(|p| {
                    let days = f.intern_days.get(&p.id).copied().unwrap_or(0);
                    (days < INTERN_DAYS).then(|| Shortfall {
                        name: p.name.clone(),
                        detail: format!("本年基层值班 {days} 天，差 {} 天", INTERN_DAYS - days),
                    })
                })
                .collect();
            Found::share(interns.len() - short.len(), interns.len(), "实习律师", short)
        }
        Measure::Satisfaction => match f.ratings.satisfaction_rate() {
            Some(r) => Found {
                value: Some(round1(r * 100.0)),
                basis: format!("本年 {} 条评价中差评 {} 条", f.ratings.total(), f.ratings.bad()),
                shortfalls: Vec::new(),
            },
            None => Found::none("本年尚无服务评价"),
        },
        Measure::LegalAidDecidedInTime => {
            let (decided, in_time) = f.decided;
            if decided == 0 {
                return Found::none("本年尚无作出决定的法律援助申请");
            }
            Found {
                value: Some(round1(in_time as f64 * 100.0 / decided as f64)),
                basis: format!("本年作出决定 {decided} 件，7日内 {in_time} 件"),
                shortfalls: Vec::new(),
            }
        }
        Measure::KeyDateItinerant => {
            if !f.key_dates_listed {
                return Found::none("规划文件没有列出关键时间节点（[[key_date]]）");
            }
            let passed = &f.passed_key_dates;
            if passed.is_empty() || f.townships.is_empty() {
                return Found::none("本年尚未过任何关键时间节点");
            }
            let mut short = Vec::new();
            let total = passed.len() * f.townships.len();
            for k in passed {
                let (from, to) = (k.from, k.to);
                for (t, name) in &f.townships {
                    if !k.covered.contains(t) {
                        short.push(Shortfall {
                            name: name.clone(),
                            detail: format!(
                                "{}（{} 至 {}）没有巡回服务、法律服务大集或普法宣传",
                                k.name,
                                from.format("%m-%d"),
                                to.format("%m-%d")
                            ),
                        });
                    }
                }
            }
            let mut found = Found::share(total - short.len(), total, "乡镇（街道）的关键时间节点", short);
            found.basis = format!(
                "本年已过 {} 个关键时间节点 × {} 个乡镇（街道），其中 {} 个开展了活动",
                passed.len(),
                f.townships.len(),
                total - found.shortfalls.len()
            );
            found
        }
        Measure::DemonstrationVillages | Measure::SpecialGroupCoverage => {
            Found::none(ind.measure.missing_records().unwrap_or("无数据"))
        }
    }
}

/// One township's row of the dashboard's coverage grid.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TownshipCoverage {
    #[schema(value_type = String)]
    pub township: DivisionCode,
    pub name: String,
    /// The township's workstation offers the whole one-stop set (null: no workstation).
    pub one_stop: Option<bool>,
    /// What its workstation lacks.
    pub missing: Vec<String>,
    /// Institutions with the green channel, of those in the township.
    pub green: (usize, usize),
    /// Villages with an advisor in force, of the township's villages.
    pub advised: (usize, usize),
    pub legal_aid_stations: usize,
}

impl Services {
    /// The coverage of each township of an area: one-stop workstation, green channel,
    /// village advisors, legal aid stations.
    pub async fn township_coverage(&self, area: &PlanArea) -> Result<Vec<TownshipCoverage>, ServiceError> {
        let reader = self.store().reader();
        let scope = Scope::new(area.area);
        let townships = gongdao_store::regions::list_level(reader, scope, RegionLevel::Township).await?;
        let villages = gongdao_store::regions::list_level(reader, scope, RegionLevel::Village).await?;
        let bounds = area.area.subtree_bounds();
        let institutions = store::institutions(reader, bounds).await?;
        let advised: HashSet<i64> =
            store::advisors_on(reader, bounds, self.today()).await?.into_iter().map(|(_, v)| v).collect();
        let set: Vec<ServiceKind> = area
            .plan
            .indicators
            .iter()
            .find(|i| i.measure == Measure::OneStopWorkstations)
            .map(|i| i.list_param("services").iter().filter_map(|c| ServiceKind::from_code(c)).collect())
            .unwrap_or_default();
        let township_of = |code: i64| DivisionCode::from_db(code).and_then(|c| c.ancestor_at(RegionLevel::Township));
        Ok(townships
            .into_iter()
            .map(|t| {
                let here: Vec<&InstitutionFact> =
                    institutions.iter().filter(|i| township_of(i.region) == Some(t.code)).collect();
                let station = here.iter().find(|i| i.kind == InstitutionType::Workstation);
                let missing: Vec<String> = station
                    .map(|s| {
                        set.iter()
                            .filter(|k| !s.services.iter().any(|c| c == k.code()))
                            .map(|k| k.label().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                let services = here.iter().filter(|i| GREEN_CHANNEL_KINDS.contains(&i.kind));
                let (green, all) = services.fold((0, 0), |(g, a), i| (g + usize::from(i.green_channel), a + 1));
                let own_villages: Vec<i64> = villages
                    .iter()
                    .filter(|v| v.code.ancestor_at(RegionLevel::Township) == Some(t.code))
                    .map(|v| v.code.to_db())
                    .collect();
                TownshipCoverage {
                    township: t.code,
                    name: t.name,
                    one_stop: station.map(|_| missing.is_empty()),
                    missing,
                    green: (green, all),
                    advised: (own_villages.iter().filter(|v| advised.contains(v)).count(), own_villages.len()),
                    legal_aid_stations: here.iter().filter(|i| i.kind == InstitutionType::LegalAidStation).count(),
                }
            })
            .collect())
    }
}

/// A task of the plan with where it stands (任务清单、督查).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct TaskView {
    pub id: String,
    pub section: String,
    pub title: String,
    pub lead: String,
    pub cooperating: Vec<String>,
    pub due: NaiveDate,
    pub output: String,
    /// Names of the indicators that measure it.
    pub indicators: Vec<String>,
    /// The latest reported percentage (null: no report yet).
    pub percent: Option<i64>,
    /// `done`, `overdue`, `at_risk`, `on_track`, `not_reported`.
    #[schema(value_type = String)]
    pub status: gongdao_domain::plan::TaskStatus,
    /// Days left to the due day (negative: days overdue).
    pub days_left: i64,
    pub last_report: Option<ReportView>,
    /// Whether the caller's department may report on it.
    pub can_report: bool,
    #[schema(value_type = String)]
    pub district: DivisionCode,
}

/// A progress report as shown.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ReportView {
    pub department: String,
    pub percent: i64,
    pub note: String,
    pub attachment: Option<String>,
    pub reporter: String,
    pub reported_at: DateTime<Utc>,
    /// When, in China time (YYYY-MM-DD HH:MM), for pages and exports.
    pub reported_local: String,
}

impl From<store::TaskReport> for ReportView {
    fn from(r: store::TaskReport) -> ReportView {
        ReportView {
            department: r.department,
            percent: r.percent,
            note: r.note,
            attachment: r.attachment,
            reporter: r.reporter,
            reported_local: gongdao_domain::calendar::china_local(r.reported_at).format("%Y-%m-%d %H:%M").to_string(),
            reported_at: r.reported_at,
        }
    }
}

/// A progress report as typed into the form or the JSON body.
#[derive(Clone, Debug, Default, serde::Deserialize, Serialize, ToSchema)]
pub struct ReportInput {
    /// 0–100.
    #[serde(default, deserialize_with = "gongdao_domain::network::number_or_text")]
    #[schema(value_type = Option<i64>)]
    pub percent: Option<String>,
    /// What was done since the last report.
    #[serde(default)]
    pub note: String,
    /// A document number or where the evidence is kept (文号、链接).
    pub attachment: Option<String>,
    /// The district of the task (a city's or province's account).
    pub district: Option<String>,
}

impl Services {
    /// The tasks of the plans the caller sees, each with its latest report and standing.
    pub async fn plan_tasks(&self, actor: &Actor, district: Option<&str>) -> Result<Vec<TaskView>, ServiceError> {
        // The bureau supervises every task; a department sees them to report on its own.
        if !actor.can(Permission::ViewPlan) {
            actor.require(Permission::ReportPlanTasks)?;
        }
        let today = self.today();
        let department = self.department_of(actor).await?;
        let mut out = Vec::new();
        for area in self.areas_within(actor.scope, self.chosen_district(actor, district)?).await? {
            let reports = store::reports(self.store().reader(), area.district.to_db(), &area.plan.id, None).await?;
            let mut latest: HashMap<String, store::TaskReport> = HashMap::new();
            for r in reports {
                latest.insert(r.task_id.clone(), r);
            }
            for t in &area.plan.tasks {
                let last = latest.remove(&t.id);
                let percent = last.as_ref().map(|r| r.percent);
                let status = t.status(area.plan.from, percent.map(|p| p.clamp(0, 100) as u8), today);
                out.push(TaskView {
                    id: t.id.clone(),
                    section: t.section.clone(),
                    title: t.title.clone(),
                    lead: t.lead.clone(),
                    cooperating: t.cooperating.clone(),
                    due: t.due,
                    output: t.output.clone(),
                    indicators: t
                        .indicators
                        .iter()
                        .filter_map(|id| area.plan.indicators.iter().find(|i| &i.id == id).map(|i| i.name.clone()))
                        .collect(),
                    percent,
                    status,
                    days_left: (t.due - today).num_days(),
                    last_report: last.map(ReportView::from),
                    can_report: department.as_deref().is_some_and(|d| t.involves(d)),
                    district: area.district,
                });
            }
        }
        Ok(out)
    }

    /// One task's reports, oldest first.
    pub async fn task_reports(
        &self,
        actor: &Actor,
        district: Option<&str>,
        task_id: &str,
    ) -> Result<(TaskView, Vec<ReportView>), ServiceError> {
        let task = self
            .plan_tasks(actor, district)
            .await?
            .into_iter()
            .find(|t| t.id == task_id)
            .ok_or(ServiceError::NotFound("任务"))?;
        let areas = self.areas_within(actor.scope, Some(task.district)).await?;
        let area = areas.first().ok_or(ServiceError::NotFound("任务"))?;
        let reports =
            store::reports(self.store().reader(), area.district.to_db(), &area.plan.id, Some(task_id)).await?;
        Ok((task, reports.into_iter().map(ReportView::from).collect()))
    }

    /// A department's progress report on a task it leads or co-operates on; refused for
    /// another department's task, and the percentage named when it is not 0–100.
    pub async fn report_task(
        &self,
        actor: &Actor,
        task_id: &str,
        input: &ReportInput,
    ) -> Result<TaskView, ServiceError> {
        actor.require(Permission::ReportPlanTasks)?;
        let areas = self.areas_within(actor.scope, self.chosen_district(actor, input.district.as_deref())?).await?;
        let (area, task) = areas
            .iter()
            .find_map(|a| a.plan.tasks.iter().find(|t| t.id == task_id).map(|t| (a, t)))
            .ok_or(ServiceError::NotFound("任务"))?;
        let department = self.department_of(actor).await?.ok_or_else(|| {
            ServiceError::Forbidden("您的账号没有所属部门，不能报告规划任务进度；请管理员在账号中填写所属部门".into())
        })?;
        if !task.involves(&department) {
            return Err(ServiceError::Forbidden(format!(
                "任务“{}”由{}牵头，{}不是牵头或配合部门，不能报告它的进度",
                task.title, task.lead, department
            )));
        }
        let mut errors = gongdao_domain::ValidationErrors::new();
        let percent = match input.percent.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(gongdao_domain::FieldError::new("percent", "请填写完成进度（0 到 100 的整数）"));
                None
            }
            Some(s) => errors.check(
                s.trim_end_matches('%')
                    .parse::<i64>()
                    .ok()
                    .filter(|p| (0..=100).contains(p))
                    .ok_or_else(|| gongdao_domain::FieldError::new("percent", "完成进度应为 0 到 100 的整数")),
            ),
        };
        let note = errors.check(gongdao_domain::text::required_multiline("note", "进展情况", &input.note, 2000));
        let attachment =
            errors.check(gongdao_domain::text::optional("attachment", "佐证材料", input.attachment.as_deref(), 200));
        errors.into_result()?;
        let (percent, note, attachment) = (percent.expect("checked"), note.expect("checked"), attachment.flatten());
        let tx = self.store().begin().await?;
        store::insert_report(
            &tx,
            &store::NewTaskReport {
                region: area.district.to_db(),
                plan_id: &area.plan.id,
                task_id: &task.id,
                department: &department,
                percent,
                note: &note,
                attachment: attachment.as_deref(),
                reported_by: actor.user_id.0,
                reporter: &actor.display_name,
            },
            self.now(),
        )
        .await?;
        self.audit(
            &tx,
            actor,
            crate::audit::Event::new(
                gongdao_domain::audit::AuditAction::Create,
                gongdao_domain::audit::AuditObject::Config,
                format!("plan:{}:{}", area.plan.id, task.id),
                area.district,
                format!("报告规划任务进度：{} {}%", task.title, percent),
            ),
        )
        .await?;
        tx.commit().await?;
        self.plan_tasks(actor, Some(&area.district.to_string()))
            .await?
            .into_iter()
            .find(|t| t.id == task.id)
            .ok_or(ServiceError::NotFound("任务"))
    }

    /// The department the actor's account reports for.
    async fn department_of(&self, actor: &Actor) -> Result<Option<String>, ServiceError> {
        Ok(gongdao_store::accounts::find_by_username(self.store().reader(), &actor.username)
            .await?
            .and_then(|u| u.department))
    }
}

/// The part of the plan an indicator comes from: the numeral of its section (一 of 一(三)).
fn part_of(section: &str) -> String {
    section
        .chars()
        .next()
        .filter(|c| "一二三四五六七八九十".contains(*c))
        .map(String::from)
        .unwrap_or_else(|| "其他".into())
}

fn figure_text(v: Option<f64>, unit: Unit) -> String {
    match (v, unit) {
        (None, _) => "无数据".into(),
        (Some(v), Unit::Percent) => format!("{v:.1}%"),
        (Some(v), Unit::Count) => format!("{v:.0}"),
    }
}

impl Services {
    /// The year's assessment workbook of a district's plan (考评材料): an overview, one
    /// sheet per part of the plan with each indicator's value, target, status and the
    /// source of its figure, the records behind the shortfalls, the monthly values kept,
    /// and the task list with the latest reports.
    pub async fn plan_workbook(&self, actor: &Actor, district: Option<&str>) -> Result<Vec<u8>, ServiceError> {
        use crate::export::{TextSheet, text_workbook};
        let areas = self.plan_areas(actor, district).await?;
        let area = match areas.as_slice() {
            [one] => one.clone(),
            [] => return Err(ServiceError::NotFound("规划")),
            _ => return Err(ServiceError::field("district", "请选择一个区县，导出它的考评材料")),
        };
        let today = self.today();
        let values = self.indicators_of(&area, today).await?;
        let tasks = self.plan_tasks(actor, Some(&area.district.to_string())).await?;
        let trends = self.plan_trends(&area, &month_key(area.plan.from), &month_key(today)).await?;
        let title = |what: &str| self.export_title(&format!("{}{}{what}", area.district_name, area.plan.title));
        let count = |s: Status| values.iter().filter(|v| v.status == s).count().to_string();
        let task_count =
            |s: gongdao_domain::plan::TaskStatus| tasks.iter().filter(|t| t.status == s).count().to_string();
        let mut overview = vec![
            vec!["规划".into(), area.plan.title.clone(), area.plan.source.clone()],
            vec!["区县".into(), area.district_name.clone(), area.district.to_string()],
            vec![
                "规划期".into(),
                format!("{} 至 {}", area.plan.from, area.plan.to),
                format!("第 {} 版", area.plan.version),
            ],
            vec!["统计日期".into(), today.to_string(), "指标按当日的记录计算".into()],
            vec!["指标".into(), values.len().to_string(), String::new()],
            vec!["已达标".into(), count(Status::Met), String::new()],
            vec!["未达标".into(), count(Status::Behind), String::new()],
            vec!["无数据".into(), count(Status::NoData), "平台尚无相应记录的指标，不填估计值".into()],
            vec!["任务".into(), tasks.len().to_string(), String::new()],
        ];
        for s in gongdao_domain::plan::TaskStatus::ALL {
            overview.push(vec![format!("任务：{}", s.label()), task_count(*s), String::new()]);
        }
        let mut sheets = vec![TextSheet {
            name: "概况",
            title: title("考评材料"),
            columns: vec![("项目", 20.0), ("内容", 40.0), ("说明", 40.0)],
            rows: overview,
        }];
        let mut parts: Vec<String> = values.iter().map(|v| part_of(&v.section)).collect();
        parts.dedup();
        let mut seen = HashSet::new();
        parts.retain(|p| seen.insert(p.clone()));
        const PART_SHEETS: [&str; 11] = [
            "指标-一",
            "指标-二",
            "指标-三",
            "指标-四",
            "指标-五",
            "指标-六",
            "指标-七",
            "指标-八",
            "指标-九",
            "指标-十",
            "指标-其他",
        ];
        for part in parts {
            let name = PART_SHEETS.iter().find(|n| n.ends_with(part.as_str())).copied().unwrap_or("指标-其他");
            let rows = values
                .iter()
                .filter(|v| part_of(&v.section) == part)
                .map(|v| {
                    vec![
                        v.name.clone(),
                        v.section.clone(),
                        figure_text(v.value, v.unit),
                        v.target.map_or_else(
                            || "—".into(),
                            |t| format!("{} {}", v.direction, figure_text(Some(t), v.unit)),
                        ),
                        v.stage.clone(),
                        v.gap.map_or_else(String::new, |g| figure_text(Some(g), v.unit)),
                        v.status.label().to_string(),
                        v.basis.clone(),
                        v.measure.source().to_string(),
                        v.department.clone(),
                    ]
                })
                .collect();
            sheets.push(TextSheet {
                name,
                title: title(&format!("规划第{part}部分的指标")),
                columns: vec![
                    ("指标", 36.0),
                    ("出处", 14.0),
                    ("当前值", 10.0),
                    ("目标", 12.0),
                    ("阶段", 22.0),
                    ("差距", 10.0),
                    ("达标情况", 10.0),
                    ("计算依据", 30.0),
                    ("数据来源", 36.0),
                    ("责任部门", 24.0),
                ],
                rows,
            });
        }
        sheets.push(TextSheet {
            name: "未达标明细",
            title: title("未达标指标的明细记录"),
            columns: vec![("指标", 36.0), ("记录", 30.0), ("情况", 50.0)],
            rows: values
                .iter()
                .flat_map(|v| v.shortfalls.iter().map(move |s| vec![v.name.clone(), s.name.clone(), s.detail.clone()]))
                .collect(),
        });
        let mut trend_rows = Vec::new();
        for v in &values {
            for (m, x) in trends.get(&v.id).into_iter().flatten() {
                trend_rows.push(vec![v.name.clone(), m.clone(), figure_text(*x, v.unit)]);
            }
        }
        sheets.push(TextSheet {
            name: "月度走势",
            title: title("指标月度数值（每月留存，过去的月份不随新数据改变）"),
            columns: vec![("指标", 36.0), ("月份", 10.0), ("数值", 10.0)],
            rows: trend_rows,
        });
        sheets.push(TextSheet {
            name: "任务清单",
            title: title("任务清单和进度"),
            columns: vec![
                ("出处", 10.0),
                ("任务", 30.0),
                ("牵头部门", 24.0),
                ("配合部门", 30.0),
                ("完成期限", 12.0),
                ("进度", 8.0),
                ("情况", 12.0),
                ("最近报告", 40.0),
                ("佐证材料", 20.0),
            ],
            rows: tasks
                .iter()
                .map(|t| {
                    let last = t.last_report.as_ref();
                    vec![
                        t.section.clone(),
                        t.title.clone(),
                        t.lead.clone(),
                        t.cooperating.join("、"),
                        t.due.to_string(),
                        t.percent.map_or_else(|| "—".into(), |p| format!("{p}%")),
                        t.status.label().to_string(),
                        last.map_or_else(String::new, |r| format!("{} {}：{}", r.reported_local, r.department, r.note)),
                        last.and_then(|r| r.attachment.clone()).unwrap_or_default(),
                    ]
                })
                .collect(),
        });
        text_workbook(sheets).await
    }
}

/// One village legal advisor's five items of a year (五个一).
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AdvisorDuties {
    pub person_id: i64,
    pub name: String,
    /// 律师, 基层法律服务工作者 …
    pub kind: String,
    /// The villages and communities served (names, with their township).
    pub villages: Vec<String>,
    /// For each item (in [`AdvisorItem::ALL`]'s order): how many records prove it.
    pub counts: Vec<i64>,
    /// How many of the five are done.
    pub done: usize,
}

/// A township's advisors at a glance.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct AdvisorTownship {
    pub township: String,
    pub advisors: usize,
    /// Advisors with all five items done.
    pub complete: usize,
    /// For each item: how many advisors have done it.
    pub by_item: Vec<usize>,
}

impl Services {
    /// Every advisor in force in the caller's area with the five items of `year` as the
    /// records show them (none ticked by hand), and each township's summary.
    pub async fn advisor_duties(
        &self,
        actor: &Actor,
        year: Option<i32>,
    ) -> Result<(i32, Vec<AdvisorDuties>, Vec<AdvisorTownship>), ServiceError> {
        use gongdao_domain::plan::AdvisorItem;
        if !actor.can(Permission::ViewPlan) {
            actor.require(Permission::ReportPlanTasks)?;
        }
        let today = self.today();
        let year = year.unwrap_or(today.year());
        if !(2000..=today.year()).contains(&year) {
            return Err(ServiceError::field("year", format!("年份应在 2000 到 {} 之间", today.year())));
        }
        let (first, last) = (
            NaiveDate::from_ymd_opt(year, 1, 1).expect("valid"),
            NaiveDate::from_ymd_opt(year, 12, 31).expect("valid").min(today),
        );
        let (from, to) = (start_of(first), start_of(last.succ_opt().expect("a next day")));
        let reader = self.store().reader();
        let area = actor.scope.root;
        let bounds = area.subtree_bounds();
        let appointments = store::advisors_on(reader, bounds, last).await?;
        let mut villages_of: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (person, village) in &appointments {
            villages_of.entry(*person).or_default().push(*village);
        }
        let ids: Vec<i64> = villages_of.keys().copied().collect();
        let people: HashMap<i64, PersonFact> =
            store::people_by_id(reader, ids.clone()).await?.into_iter().map(|p| (p.id, p)).collect();
        let cases = store::farm_cases_by_assignee(reader, &ids, from, to).await?;
        let classes = store::events_by_village(reader, bounds, "rule_of_law_class", first, last).await?;
        let elections = store::events_by_village(reader, bounds, "election_service", first, last).await?;
        let screenings = store::screenings_by_village(reader, bounds, from, to).await?;
        let consultations = store::consultations_by_village(reader, bounds, from, to).await?;
        let names = gongdao_store::regions::names(reader, appointments.iter().map(|(_, v)| *v)).await?;
        let in_villages = |m: &HashMap<i64, i64>, vs: &[i64]| vs.iter().filter_map(|v| m.get(v)).sum::<i64>();
        let mut duties = Vec::new();
        for (person, vs) in &villages_of {
            let Some(p) = people.get(person) else { continue };
            let counts: Vec<i64> = AdvisorItem::ALL
                .iter()
                .map(|item| match item {
                    AdvisorItem::FarmLegalAid => cases.get(person).copied().unwrap_or(0),
                    AdvisorItem::RuleOfLawClass => in_villages(&classes, vs),
                    AdvisorItem::Election => in_villages(&elections, vs),
                    AdvisorItem::Screening => in_villages(&screenings, vs),
                    AdvisorItem::FarmConsultation => in_villages(&consultations, vs),
                })
                .collect();
            duties.push(AdvisorDuties {
                person_id: *person,
                name: p.name.clone(),
                kind: p.kind.label().to_string(),
                villages: vs.iter().map(|v| names.get(v).cloned().unwrap_or_else(|| v.to_string())).collect(),
                done: counts.iter().filter(|n| **n > 0).count(),
                counts,
            });
        }
        duties.sort_by(|a, b| a.done.cmp(&b.done).then_with(|| a.villages.cmp(&b.villages)));
        // Each township's summary, by the township of the advisor's first village.
        let township_of = |v: i64| DivisionCode::from_db(v).and_then(|c| c.ancestor_at(RegionLevel::Township));
        let township_names = gongdao_store::regions::names(
            reader,
            appointments.iter().filter_map(|(_, v)| township_of(*v)).map(|t| t.to_db()),
        )
        .await?;
        let mut by_township: BTreeMap<String, AdvisorTownship> = BTreeMap::new();
        for d in &duties {
            let Some(first_village) = villages_of.get(&d.person_id).and_then(|vs| vs.first()) else { continue };
            let name =
                township_of(*first_village).and_then(|t| township_names.get(&t.to_db()).cloned()).unwrap_or_default();
            let row = by_township.entry(name.clone()).or_insert_with(|| AdvisorTownship {
                township: name,
                advisors: 0,
                complete: 0,
                by_item: vec![0; AdvisorItem::ALL.len()],
            });
            row.advisors += 1;
            row.complete += usize::from(d.done == AdvisorItem::ALL.len());
            for (i, n) in d.counts.iter().enumerate() {
                row.by_item[i] += usize::from(*n > 0);
            }
        }
        Ok((year, duties, by_township.into_values().collect()))
    }
}
