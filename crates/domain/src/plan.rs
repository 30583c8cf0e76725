//! The plan as data (issue 22, first part: the file and its checks). A district writes
//! its plan — title, period, stages, the numeric **indicators** of 一(三) and 四 with
//! their targets per stage, and the **tasks** handed to departments — as a versioned
//! TOML file; the platform checks it whole before anything is kept: an unknown measure,
//! a target in a unit its measure does not report, a repeated id, a task without a lead
//! department, a stage outside the period, each refused with the line it is on.
//!
//! Each indicator names a **measure** from the library the platform computes from its
//! own records (this module names them and their units; computing them is the
//! service's). A measure over records the platform does not keep yet reports “no data”,
//! never a made-up value.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use toml::Spanned;

use crate::calendar::ConfigError;
use crate::rule_file::{located, toml_error};

crate::code_enum! {
    /// What a figure counts in.
    pub enum Unit: "单位" {
        Percent => ("%", "百分比"),
        Count => ("个", "个数"),
    }
}

crate::code_enum! {
    /// ≥ a target (most) or ≤ it (a backlog, a wait).
    pub enum Direction: "达标方向" {
        AtLeast => (">=", "不低于"),
        AtMost => ("<=", "不高于"),
    }
}

crate::code_enum! {
    /// The library of measures the platform computes (规划 一(三)、四).
    pub enum Measure: "指标算法" {
        OneStopWorkstations => ("one_stop_workstations", "提供“一站式”全部服务的乡镇工作站占比"),
        GreenChannel => ("green_channel", "设置特殊群体“绿色通道”的服务机构占比"),
        ProfessionalAdvisors => ("professional_advisors", "由律师、公证员、基层法律服务工作者担任的村（居）法律顾问占比"),
        DemonstrationVillages => ("demonstration_villages", "民主法治示范村（社区）数量"),
        EnforcementTrained => ("enforcement_trained", "行政执法人员培训率"),
        EnforcementCertified => ("enforcement_certified", "行政执法人员持证上岗率"),
        KeyDateItinerant => ("key_date_itinerant", "关键时间节点各乡镇开展巡回服务的比率"),
        SpecialGroupCoverage => ("special_group_coverage", "特殊、困难、重点群体公共法律服务覆盖率"),
        DemonstrationPlatforms => ("demonstration_platforms", "示范性公共法律服务实体平台数量"),
        LegalAidStations => ("legal_aid_stations", "法律援助工作站数量"),
        Institutions => ("institutions", "法律服务机构数量"),
        Professionals => ("professionals", "法律服务人员数量"),
        ArchiveCoverage => ("archive_coverage", "诚信档案覆盖率"),
        InternServiceDays => ("intern_service_days", "实习律师基层服务满30日的比率"),
        Satisfaction => ("satisfaction", "群众满意率"),
        LegalAidDecidedInTime => ("legal_aid_decided_in_time", "法律援助申请7日内作出决定的比率"),
    }
}

impl Measure {
    /// The unit the measure reports in; a target in another unit is refused.
    pub fn unit(self) -> Unit {
        use Measure::*;
        match self {
            DemonstrationVillages | DemonstrationPlatforms | LegalAidStations | Institutions | Professionals => {
                Unit::Count
            }
            _ => Unit::Percent,
        }
    }

    /// The parameters the measure takes: a name and the values it accepts (empty: any);
    /// a list parameter takes several, separated by commas.
    pub fn parameters(self) -> &'static [Param] {
        match self {
            Measure::DemonstrationVillages => {
                &[Param { name: "level", values: &["national", "provincial", "city", "district"], list: false }]
            }
            // 规划 三(二): 矛盾纠纷化解、法治宣传、基层法律服务、法律咨询 进驻工作站，统筹提供
            // 法律援助、公证、司法鉴定等法律服务指引 — the set is the district's to write.
            Measure::OneStopWorkstations => &[Param { name: "services", values: SERVICE_CODES, list: true }],
            _ => &[],
        }
    }

    /// Where the figure comes from on the platform (the assessment workbook's 数据来源).
    pub fn source(self) -> &'static str {
        use Measure::*;
        match self {
            OneStopWorkstations => "机构名录：乡镇公共法律服务工作站的服务项目",
            GreenChannel => "机构名录：各服务机构的绿色通道设置",
            ProfessionalAdvisors => "村（居）法律顾问聘任记录和人员名录",
            EnforcementTrained => "人员名录（行政执法人员）和本年培训记录",
            EnforcementCertified => "人员名录（行政执法人员）的资格状态",
            DemonstrationPlatforms => "机构名录：公共法律服务实体平台的示范级别",
            LegalAidStations => "机构名录：法律援助工作站",
            Institutions => "机构名录：律师事务所、公证处、司法鉴定机构、基层法律服务所、仲裁机构",
            Professionals => "人员名录：在职律师、公证员、基层法律服务工作者、法律援助人员",
            ArchiveCoverage => "诚信档案（一机构一档、一人员一档）",
            InternServiceDays => "人员名录（实习律师）和本年值班排班",
            Satisfaction => "服务评价（好差评）本年统计",
            LegalAidDecidedInTime => "法律援助案件本年审查决定记录",
            KeyDateItinerant => "活动登记：本年关键时间节点内已举办的巡回服务、法律服务大集和普法宣传",
            DemonstrationVillages | SpecialGroupCoverage => "平台暂无记录",
        }
    }

    /// Whether the platform keeps the records this measure is computed from. Those it
    /// does not keep yet report “no data”, with [`Measure::missing_records`] saying why.
    pub fn missing_records(self) -> Option<&'static str> {
        use Measure::*;
        match self {
            DemonstrationVillages => Some("平台尚未登记民主法治示范村（社区）的创建和命名"),
            SpecialGroupCoverage => Some("平台没有特殊、困难、重点群体的人数底数，无法计算覆盖率"),
            _ => None,
        }
    }
}

/// One parameter of a measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    /// The values accepted (empty: any).
    pub values: &'static [&'static str],
    /// Several values separated by commas.
    pub list: bool,
}

const SERVICE_CODES: &[&str] = &[
    "consultation",
    "mediation",
    "legal_aid_intake",
    "legal_aid_handling",
    "legal_education",
    "grassroots_legal_service",
    "notary",
    "notary_guidance",
    "appraisal",
    "appraisal_guidance",
    "lawyer_service",
    "arbitration",
    "enterprise_checkup",
];

crate::code_enum! {
    /// Where an indicator stands against its target.
    pub enum Status: "达标情况" {
        Met => ("met", "已达标"),
        Behind => ("behind", "未达标"),
        NoData => ("no_data", "无数据"),
    }
}

impl Direction {
    /// Whether `value` reaches `target` in this direction.
    pub fn reaches(self, value: f64, target: f64) -> bool {
        // Figures are shown to one decimal: 69.96 % is shown and counted as 70.0 %.
        let value = (value * 10.0).round() / 10.0;
        match self {
            Direction::AtLeast => value >= target,
            Direction::AtMost => value <= target,
        }
    }
}

impl Indicator {
    /// The target that applies on `day`: the current stage's; failing that, the next
    /// stage's (what the district works towards); failing that, the last earlier one's
    /// (a near-term target reached should stay reached).
    pub fn target_on<'p>(&self, plan: &'p Plan, day: NaiveDate) -> Option<(f64, &'p Stage)> {
        let current = plan.stages.iter().position(|s| day <= s.until).unwrap_or(plan.stages.len() - 1);
        let found = |s: &'p Stage| self.targets.get(&s.id).map(|t| (*t, s));
        plan.stages[current..].iter().find_map(found).or_else(|| plan.stages[..current].iter().rev().find_map(found))
    }

    /// Where a value stands against a target.
    pub fn status(&self, value: Option<f64>, target: Option<f64>) -> Status {
        match (value, target) {
            (Some(v), Some(t)) if self.direction.reaches(v, t) => Status::Met,
            (Some(_), Some(_)) => Status::Behind,
            (Some(_), None) => Status::Met,
            (None, _) => Status::NoData,
        }
    }

    /// How far a value is from its target (positive: still to go), in the unit.
    pub fn gap(&self, value: Option<f64>, target: Option<f64>) -> Option<f64> {
        let (v, t) = (value?, target?);
        let gap = match self.direction {
            Direction::AtLeast => t - v,
            Direction::AtMost => v - t,
        };
        Some(gap.max(0.0))
    }

    /// The service codes of a one-stop set parameter.
    pub fn list_param(&self, name: &str) -> Vec<&str> {
        self.params
            .get(name)
            .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }
}

/// A stage of the plan (近期, 远期) and the day its targets are due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    pub id: String,
    pub name: String,
    pub until: NaiveDate,
}

/// One numeric target of the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    /// Where in the plan it comes from, e.g. 一(三)近期1.
    pub section: String,
    pub measure: Measure,
    pub params: BTreeMap<String, String>,
    pub unit: Unit,
    pub direction: Direction,
    /// Stage id → target.
    pub targets: BTreeMap<String, f64>,
    pub department: String,
}

/// A task handed to departments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    pub id: String,
    pub section: String,
    pub title: String,
    pub lead: String,
    pub cooperating: Vec<String>,
    pub due: NaiveDate,
    pub output: String,
    /// Indicators that measure it.
    pub indicators: Vec<String>,
}

/// A checked plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub source: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub stages: Vec<Stage>,
    pub indicators: Vec<Indicator>,
    pub tasks: Vec<Task>,
    /// Key dates on which every township should hold an itinerant service (三(三)).
    pub key_dates: Vec<KeyDate>,
}

/// A key date of the year (国家宪法日, 民法典宣传月 …): a window of days, the same each
/// year, in which every township should hold an itinerant service or legal education.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyDate {
    pub id: String,
    pub name: String,
    /// (month, day) of the first and the last day.
    pub from: (u32, u32),
    pub to: (u32, u32),
}

impl KeyDate {
    /// The window in `year` (a 02-29 end falls back to 02-28).
    pub fn window(&self, year: i32) -> (NaiveDate, NaiveDate) {
        let day = |(m, d): (u32, u32)| {
            NaiveDate::from_ymd_opt(year, m, d).or_else(|| NaiveDate::from_ymd_opt(year, m, d - 1)).expect("checked")
        };
        (day(self.from), day(self.to))
    }

    /// The key dates a day falls in.
    pub fn contains(&self, day: NaiveDate) -> bool {
        let (a, b) = self.window(day.year());
        a <= day && day <= b
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    id: Spanned<String>,
    version: u32,
    title: String,
    #[serde(default)]
    source: String,
    from: Spanned<String>,
    to: Spanned<String>,
    #[serde(default)]
    stage: Vec<Spanned<StageEntry>>,
    #[serde(default)]
    indicator: Vec<Spanned<IndicatorEntry>>,
    #[serde(default)]
    task: Vec<Spanned<TaskEntry>>,
    #[serde(default)]
    key_date: Vec<Spanned<KeyDateEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyDateEntry {
    id: Spanned<String>,
    name: String,
    from: Spanned<String>,
    to: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StageEntry {
    id: Spanned<String>,
    name: String,
    until: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorEntry {
    id: Spanned<String>,
    name: String,
    section: String,
    measure: Spanned<String>,
    #[serde(default)]
    params: BTreeMap<String, Spanned<String>>,
    unit: Spanned<String>,
    #[serde(default = "at_least")]
    direction: Spanned<String>,
    targets: Spanned<BTreeMap<String, Spanned<f64>>>,
    department: Spanned<String>,
}

fn nobody() -> Spanned<String> {
    Spanned::new(0..0, String::new())
}

fn at_least() -> Spanned<String> {
    Spanned::new(0..0, ">=".to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskEntry {
    id: Spanned<String>,
    section: String,
    title: String,
    #[serde(default = "nobody")]
    lead: Spanned<String>,
    #[serde(default)]
    cooperating: Vec<String>,
    due: Spanned<String>,
    #[serde(default)]
    output: String,
    #[serde(default)]
    indicators: Vec<Spanned<String>>,
}

/// The longest id: a readable slug, kept in addresses and files.
const MAX_ID: usize = 40;

impl Plan {
    /// Parses and checks a plan file; the first problem found is said with its line.
    pub fn parse(text: &str) -> Result<Plan, ConfigError> {
        let f: File = toml::from_str(text).map_err(|e| toml_error("规划文件", text, &e))?;
        let at = |span: std::ops::Range<usize>, message: String| located(text, span, message);
        let date = |s: &Spanned<String>, what: &str| {
            NaiveDate::parse_from_str(s.get_ref().trim(), "%Y-%m-%d")
                .map_err(|_| at(s.span(), format!("{what}应为 YYYY-MM-DD 格式的日期，如 2025-12-31")))
        };
        let id_of = |s: &Spanned<String>, what: &str| {
            let id = s.get_ref().trim();
            let ok = !id.is_empty()
                && id.len() <= MAX_ID
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if ok {
                Ok(id.to_string())
            } else {
                Err(at(s.span(), format!("{what}编号应为 1 到 {MAX_ID} 个英文字母、数字或连字符")))
            }
        };
        let id = id_of(&f.id, "规划")?;
        let (from, to) = (date(&f.from, "规划起始日期")?, date(&f.to, "规划截止日期")?);
        if to <= from {
            return Err(at(f.to.span(), "规划截止日期应晚于起始日期".into()));
        }
        if f.title.trim().is_empty() {
            return Err(ConfigError("规划文件缺少标题（title）".into()));
        }

        let mut stages = Vec::new();
        for s in &f.stage {
            let e = s.get_ref();
            let stage_id = id_of(&e.id, "阶段")?;
            if stages.iter().any(|x: &Stage| x.id == stage_id) {
                return Err(at(e.id.span(), format!("阶段编号“{stage_id}”重复")));
            }
            let until = date(&e.until, "阶段截止日期")?;
            if until < from || until > to {
                return Err(at(e.until.span(), format!("阶段截止日期 {until} 不在规划期 {from} 至 {to} 之内")));
            }
            stages.push(Stage { id: stage_id, name: e.name.trim().to_string(), until });
        }
        if stages.is_empty() {
            return Err(ConfigError("规划文件至少要有一个阶段（[[stage]]）".into()));
        }

        let mut indicators: Vec<Indicator> = Vec::new();
        for s in &f.indicator {
            let e = s.get_ref();
            let ind_id = id_of(&e.id, "指标")?;
            if indicators.iter().any(|x| x.id == ind_id) {
                return Err(at(e.id.span(), format!("指标编号“{ind_id}”重复")));
            }
            let measure = Measure::from_code(e.measure.get_ref().trim()).ok_or_else(|| {
                at(e.measure.span(), format!("不认识指标算法“{}”，可用的见平台的指标算法表", e.measure.get_ref()))
            })?;
            let unit = Unit::from_code(e.unit.get_ref().trim())
                .ok_or_else(|| at(e.unit.span(), format!("单位“{}”应为 % 或 个", e.unit.get_ref())))?;
            if unit != measure.unit() {
                return Err(at(
                    e.unit.span(),
                    format!(
                        "“{}”按{}计算，单位应为 {}",
                        measure.label(),
                        measure.unit().label(),
                        measure.unit().code()
                    ),
                ));
            }
            let direction = Direction::from_code(e.direction.get_ref().trim())
                .ok_or_else(|| at(e.direction.span(), "达标方向应为 >= 或 <=".into()))?;
            let mut params = BTreeMap::new();
            for (name, value) in &e.params {
                let Some(param) = measure.parameters().iter().find(|p| p.name == name) else {
                    return Err(at(value.span(), format!("指标算法“{}”没有参数“{name}”", measure.code())));
                };
                let v = value.get_ref().trim();
                let items: Vec<&str> =
                    if param.list { v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect() } else { vec![v] };
                if items.is_empty() {
                    return Err(at(value.span(), format!("参数 {name} 不能为空")));
                }
                if let Some(bad) = items.iter().find(|i| !param.values.is_empty() && !param.values.contains(i)) {
                    let how = if param.list { "每一项" } else { "" };
                    return Err(at(
                        value.span(),
                        format!("参数 {name} 的“{bad}”不认识：{how}应为 {} 之一", param.values.join("、")),
                    ));
                }
                params.insert(name.clone(), items.join(","));
            }
            if let Some(missing) = measure.parameters().iter().find(|p| !params.contains_key(p.name)) {
                return Err(at(e.measure.span(), format!("指标算法“{}”需要参数 {}", measure.code(), missing.name)));
            }
            let mut targets = BTreeMap::new();
            for (stage, target) in e.targets.get_ref() {
                if !stages.iter().any(|s| &s.id == stage) {
                    return Err(at(target.span(), format!("目标所属阶段“{stage}”不在规划的阶段中")));
                }
                let t = *target.get_ref();
                let in_range = match unit {
                    Unit::Percent => (0.0..=100.0).contains(&t),
                    Unit::Count => t >= 0.0 && t.fract() == 0.0,
                };
                if !in_range {
                    let expect =
                        if unit == Unit::Percent { "0 到 100 之间的百分数" } else { "不小于 0 的整数" };
                    return Err(at(target.span(), format!("目标值应为{expect}")));
                }
                targets.insert(stage.clone(), t);
            }
            if targets.is_empty() {
                return Err(at(e.targets.span(), "指标至少要有一个阶段目标".into()));
            }
            let department = e.department.get_ref().trim();
            if department.is_empty() {
                return Err(at(e.department.span(), "指标要写明责任部门".into()));
            }
            indicators.push(Indicator {
                id: ind_id,
                name: e.name.trim().to_string(),
                section: e.section.trim().to_string(),
                measure,
                params,
                unit,
                direction,
                targets,
                department: department.to_string(),
            });
        }

        let known: BTreeSet<&str> = indicators.iter().map(|i| i.id.as_str()).collect();
        let mut tasks: Vec<Task> = Vec::new();
        for s in &f.task {
            let e = s.get_ref();
            let task_id = id_of(&e.id, "任务")?;
            if tasks.iter().any(|x| x.id == task_id) {
                return Err(at(e.id.span(), format!("任务编号“{task_id}”重复")));
            }
            let lead = e.lead.get_ref().trim();
            if lead.is_empty() {
                return Err(at(e.id.span(), format!("任务“{task_id}”没有牵头部门（lead）")));
            }
            let due = date(&e.due, "任务完成期限")?;
            if due < from || due > to {
                return Err(at(e.due.span(), format!("任务完成期限 {due} 不在规划期 {from} 至 {to} 之内")));
            }
            let mut linked = Vec::new();
            for i in &e.indicators {
                if !known.contains(i.get_ref().trim()) {
                    return Err(at(i.span(), format!("任务关联的指标“{}”不存在", i.get_ref())));
                }
                linked.push(i.get_ref().trim().to_string());
            }
            if e.title.trim().is_empty() {
                return Err(at(e.id.span(), format!("任务“{task_id}”没有名称（title）")));
            }
            tasks.push(Task {
                id: task_id,
                section: e.section.trim().to_string(),
                title: e.title.trim().to_string(),
                lead: lead.to_string(),
                cooperating: e.cooperating.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect(),
                due,
                output: e.output.trim().to_string(),
                indicators: linked,
            });
        }
        let mut key_dates: Vec<KeyDate> = Vec::new();
        for s in &f.key_date {
            let e = s.get_ref();
            let key_id = id_of(&e.id, "关键时间节点")?;
            if key_dates.iter().any(|k| k.id == key_id) {
                return Err(at(e.id.span(), format!("关键时间节点编号“{key_id}”重复")));
            }
            let month_day = |v: &Spanned<String>| {
                let text = v.get_ref().trim();
                text.split_once('-')
                    .and_then(|(m, d)| Some((m.parse::<u32>().ok()?, d.parse::<u32>().ok()?)))
                    .filter(|(m, d)| NaiveDate::from_ymd_opt(2024, *m, *d).is_some())
                    .ok_or_else(|| at(v.span(), "关键时间节点的日期应为 月-日，如 12-04".into()))
            };
            let (from_md, to_md) = (month_day(&e.from)?, month_day(&e.to)?);
            if to_md < from_md {
                return Err(at(e.to.span(), "关键时间节点的结束日期应不早于开始日期（同一年内）".into()));
            }
            if e.name.trim().is_empty() {
                return Err(at(e.id.span(), format!("关键时间节点“{key_id}”没有名称")));
            }
            key_dates.push(KeyDate { id: key_id, name: e.name.trim().to_string(), from: from_md, to: to_md });
        }
        Ok(Plan {
            id,
            version: f.version,
            title: f.title.trim().to_string(),
            source: f.source.trim().to_string(),
            from,
            to,
            stages,
            indicators,
            tasks,
            key_dates,
        })
    }

    /// The stage whose targets apply on `day`: the first not yet due, else the last.
    pub fn stage_on(&self, day: NaiveDate) -> &Stage {
        self.stages.iter().find(|s| day <= s.until).unwrap_or_else(|| self.stages.last().expect("a plan has a stage"))
    }
}

crate::code_enum! {
    /// Where a task stands (督查): from its latest progress report and its due day.
    pub enum TaskStatus: "任务进度" {
        Done => ("done", "已完成"),
        Overdue => ("overdue", "已超期"),
        AtRisk => ("at_risk", "有延误风险"),
        OnTrack => ("on_track", "按计划推进"),
        NotReported => ("not_reported", "未报告进度"),
    }
}

/// How many days before its due day a task unfinished is at risk whatever its pace.
pub const AT_RISK_DAYS: i64 = 30;

/// How far (in percentage points) a task may trail the share of its time gone before it
/// is at risk.
pub const AT_RISK_LAG: f64 = 25.0;

impl Task {
    /// Where the task stands on `today` with its latest reported percentage (none: no
    /// report yet). A task is done at 100 %, overdue past its due day, at risk within
    /// [`AT_RISK_DAYS`] of it or when it trails the time gone since the plan began by
    /// more than [`AT_RISK_LAG`] points.
    pub fn status(&self, plan_from: NaiveDate, percent: Option<u8>, today: NaiveDate) -> TaskStatus {
        match percent {
            Some(100) => TaskStatus::Done,
            _ if today > self.due => TaskStatus::Overdue,
            _ if (self.due - today).num_days() <= AT_RISK_DAYS => TaskStatus::AtRisk,
            None => TaskStatus::NotReported,
            Some(p) => {
                let span = (self.due - plan_from).num_days().max(1) as f64;
                let gone = ((today - plan_from).num_days().max(0) as f64 / span * 100.0).min(100.0);
                if f64::from(p) + AT_RISK_LAG < gone { TaskStatus::AtRisk } else { TaskStatus::OnTrack }
            }
        }
    }

    /// Whether `department` leads or co-operates on the task (and so may report on it).
    pub fn involves(&self, department: &str) -> bool {
        let d = department.trim();
        !d.is_empty() && (self.lead == d || self.cooperating.iter().any(|c| c == d))
    }
}

crate::code_enum! {
    /// The five items each village legal advisor owes every year (规划 五(十三)“五个一”:
    /// 办理一件涉农法律援助案件、开办一场“乡村振兴法治课堂”、服务一次乡村换届选举、参与一次
    /// 矛盾纠纷排查化解、举办一场涉农法律咨询).
    pub enum AdvisorItem: "五个一" {
        FarmLegalAid => ("farm_legal_aid", "涉农法律援助案件"),
        RuleOfLawClass => ("rule_of_law_class", "乡村振兴法治课堂"),
        Election => ("election", "服务乡村换届选举"),
        Screening => ("screening", "矛盾纠纷排查化解"),
        FarmConsultation => ("farm_consultation", "涉农法律咨询"),
    }
}

impl AdvisorItem {
    /// Which record proves the item (the advisors' page says so).
    pub fn evidence(self) -> &'static str {
        match self {
            AdvisorItem::FarmLegalAid => "本年指派给该顾问、事项为土地或农业生产纠纷的法律援助案件",
            AdvisorItem::RuleOfLawClass => "本年在其服务村（社区）举办的“乡村振兴法治课堂”活动",
            AdvisorItem::Election => "本年在其服务村（社区）举办的“村（社区）选举法律服务”活动",
            AdvisorItem::Screening => "本年在其服务村（社区）登记的矛盾纠纷排查结果",
            AdvisorItem::FarmConsultation => "本年其服务村（社区）的法律咨询事项",
        }
    }
}

/// The demo district's plan, as shipped.
pub const DEMO_PLAN: &str = include_str!("../../../data/plan/taobei-2021-2025.toml");

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"id = "p"
version = 1
title = "测试规划"
from = "2021-01-01"
to = "2025-12-31"

[[stage]]
id = "near"
name = "近期"
until = "2023-05-31"

[[indicator]]
id = "green"
name = "绿色通道设置率"
section = "一(三)近期2"
measure = "green_channel"
unit = "%"
targets = { near = 70 }
department = "区法律援助中心"

[[task]]
id = "t1"
section = "四(九)"
title = "设置绿色通道"
lead = "区法律援助中心"
due = "2023-05-31"
indicators = ["green"]
"#;

    fn refused(text: &str) -> String {
        Plan::parse(text).expect_err("refused").0
    }

    #[test]
    fn a_small_plan_parses_with_its_defaults() {
        let p = Plan::parse(SMALL).unwrap();
        assert_eq!(p.indicators[0].direction, Direction::AtLeast);
        assert_eq!(p.indicators[0].targets["near"], 70.0);
        assert_eq!(p.tasks[0].indicators, vec!["green"]);
        assert_eq!(p.stage_on(NaiveDate::from_ymd_opt(2022, 1, 1).unwrap()).id, "near");
        assert_eq!(
            p.stage_on(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()).id,
            "near",
            "past the plan: the last stage"
        );
    }

    #[test]
    fn each_mistake_is_refused_with_its_line() {
        let cases = [
            (SMALL.replace("green_channel", "happiness"), "第 16 行", "不认识指标算法"),
            (SMALL.replace("unit = \"%\"", "unit = \"个\""), "第 17 行", "单位应为 %"),
            (SMALL.replace("near = 70", "near = 170"), "第 18 行", "0 到 100"),
            (SMALL.replace("near = 70", "far = 70"), "第 18 行", "不在规划的阶段中"),
            (SMALL.replace("lead = \"区法律援助中心\"\n", ""), "第 22 行", "没有牵头部门"),
            (SMALL.replace("until = \"2023-05-31\"", "until = \"2027-05-31\""), "第 10 行", "不在规划期"),
            (SMALL.replace("indicators = [\"green\"]", "indicators = [\"blue\"]"), "第 27 行", "不存在"),
            (SMALL.replace("id = \"t1\"", "id = \"green 1\""), "第 22 行", "编号应为"),
            (
                format!(
                    "{SMALL}\n[[task]]\nid = \"t1\"\nsection = \"x\"\ntitle = \"x\"\nlead = \"x\"\ndue = \"2024-01-01\"\n"
                ),
                "第 30 行",
                "重复",
            ),
            (
                SMALL
                    .replace("measure = \"green_channel\"", "measure = \"demonstration_villages\"")
                    .replace("unit = \"%\"", "unit = \"个\""),
                "第 16 行",
                "需要参数 level",
            ),
        ];
        for (text, line, words) in cases {
            let e = refused(&text);
            assert!(e.starts_with(line) && e.contains(words), "{line} {words}: {e}");
        }
        let e = refused(&SMALL.replace("title = \"测试规划\"\n", "title = \"测试规划\"\ncolour = \"red\"\n"));
        assert!(e.contains("colour"), "{e}");
    }

    #[test]
    fn a_count_is_whole_and_a_parameter_is_one_of_its_values() {
        let villages = SMALL
            .replace(
                "measure = \"green_channel\"",
                "measure = \"demonstration_villages\"\nparams = { level = \"provincial\" }",
            )
            .replace("unit = \"%\"", "unit = \"个\"")
            .replace("near = 70", "near = 8");
        let p = Plan::parse(&villages).unwrap();
        assert_eq!(p.indicators[0].params["level"], "provincial");
        assert!(refused(&villages.replace("near = 8", "near = 8.5")).contains("整数"));
        assert!(refused(&villages.replace("\"provincial\"", "\"galactic\"")).contains("参数 level 的“galactic”不认识"));
    }

    #[test]
    fn a_task_is_done_overdue_at_risk_or_on_track() {
        let p = Plan::parse(SMALL).unwrap();
        let t = &p.tasks[0]; // due 2023-05-31, the plan from 2021-01-01
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(t.status(p.from, Some(100), day("2024-01-01")), TaskStatus::Done);
        assert_eq!(t.status(p.from, Some(90), day("2023-06-01")), TaskStatus::Overdue);
        assert_eq!(t.status(p.from, Some(90), day("2023-05-10")), TaskStatus::AtRisk, "within 30 days");
        assert_eq!(t.status(p.from, None, day("2021-03-01")), TaskStatus::NotReported);
        // Half the time gone (439 of 880 days): 20 % trails by more than 25 points, 30 % does not.
        assert_eq!(t.status(p.from, Some(20), day("2022-03-16")), TaskStatus::AtRisk);
        assert_eq!(t.status(p.from, Some(30), day("2022-03-16")), TaskStatus::OnTrack);
        assert!(t.involves("区法律援助中心") && !t.involves("区公证处") && !t.involves(" "));
    }

    #[test]
    fn the_demo_plan_holds_every_target_of_section_one_three() {
        let p = Plan::parse(DEMO_PLAN).unwrap();
        let target = |measure: Measure, stage: &str| {
            p.indicators.iter().filter(|i| i.measure == measure).find_map(|i| i.targets.get(stage).copied())
        };
        // 一(三) near term to 2023-05.
        assert_eq!(target(Measure::OneStopWorkstations, "near"), Some(50.0));
        assert_eq!(target(Measure::GreenChannel, "near"), Some(70.0));
        assert_eq!(target(Measure::ProfessionalAdvisors, "near"), Some(70.0));
        assert_eq!(target(Measure::EnforcementTrained, "near"), Some(98.0));
        assert_eq!(target(Measure::EnforcementCertified, "near"), Some(100.0));
        let villages: Vec<(&str, f64)> = p
            .indicators
            .iter()
            .filter(|i| i.measure == Measure::DemonstrationVillages)
            .map(|i| (i.params["level"].as_str(), i.targets["near"]))
            .collect();
        assert!(villages.contains(&("provincial", 8.0)) && villages.contains(&("national", 1.0)), "{villages:?}");
        // Long term to 2025, and 三(三)'s key dates.
        assert_eq!(target(Measure::SpecialGroupCoverage, "long"), Some(80.0));
        assert_eq!(target(Measure::KeyDateItinerant, "long"), Some(100.0));
        // Tasks from sections 三 to 八, each with a lead department.
        for section in ["三", "四", "五", "六", "七", "八"] {
            assert!(p.tasks.iter().any(|t| t.section.starts_with(section)), "a task of section {section}");
        }
        assert!(p.tasks.iter().all(|t| !t.lead.is_empty()));
    }
}
