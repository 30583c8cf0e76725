//! Legal aid (法律援助): who may have it, decided from the facts of an application.
//!
//! [`evaluate`] is a pure function from an [`Application`] to an [`Eligibility`]: a
//! verdict, the outcome of the hardship condition, and the reasons, each citing the
//! article of 法律援助法 or the district policy it rests on. The criminal rules are the
//! law's own structure (第二十四、二十五、二十八、二十九、三十三条); the civil and
//! administrative matters, the hardship standard (第三十四条), the exemptions (第四十二条)
//! and the district's policies are data ([`EligibilityRules`], `data/legal-aid/
//! eligibility.toml`) a district can change.

pub mod assignment;
pub mod case;
pub mod documents;
pub mod duty;
pub mod materials;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::calendar::ConfigError;
use crate::error::{FieldError, ValidationErrors};
use crate::request::Group;
use crate::rule_file::toml_error;

/// The law every article number here belongs to.
pub const LAW: &str = "法律援助法";

crate::code_enum! {
    /// 案件类型
    pub enum CaseType: "案件类型" {
        Civil => ("civil", "民事"),
        Administrative => ("administrative", "行政"),
        CriminalSuspect => ("criminal_suspect", "刑事（犯罪嫌疑人、被告人）"),
        CriminalVictim => ("criminal_victim", "刑事（被害人、自诉人、附带民事诉讼原告人）"),
        CompulsoryTreatment => ("compulsory_treatment", "强制医疗"),
        Retrial => ("retrial", "申诉、再审"),
    }
}

impl CaseType {
    /// A case in which the assigned lawyer defends (辩护人) rather than represents.
    pub fn is_criminal_defence(self) -> bool {
        matches!(self, CaseType::CriminalSuspect)
    }
}

crate::code_enum! {
    /// 申请事项（民事、行政）
    pub enum Matter: "申请事项" {
        StateCompensation => ("state_compensation", "请求国家赔偿"),
        SocialInsurance => ("social_insurance", "请求社会保险待遇或者社会救助"),
        Pension => ("pension", "请求发给抚恤金"),
        Support => ("support", "请求给付赡养费、抚养费、扶养费"),
        Labour => ("labour", "请求确认劳动关系或者支付劳动报酬"),
        Capacity => ("capacity", "请求认定无民事行为能力或者限制民事行为能力"),
        PersonalInjury => ("personal_injury", "请求人身损害赔偿"),
        Environment => ("environment", "请求环境污染、生态破坏损害赔偿"),
        HeroRights => ("hero_rights", "维护英雄烈士的人格权益"),
        GoodSamaritan => ("good_samaritan", "因见义勇为主张民事权益"),
        AcquittalCompensation => ("acquittal_compensation", "再审改判无罪请求国家赔偿"),
        DomesticViolence => ("domestic_violence", "遭受虐待、遗弃或者家庭暴力"),
        Land => ("land", "土地纠纷"),
        Farming => ("farming", "农业生产纠纷"),
        Other => ("other", "其他事项"),
    }
}

crate::code_enum! {
    /// 可能判处的刑罚
    pub enum Sentence: "可能判处的刑罚" {
        LifeOrDeath => ("life_or_death", "无期徒刑、死刑"),
        ThreeYearsOrMore => ("three_years_or_more", "三年以上有期徒刑"),
        UnderThreeYears => ("under_three_years", "三年以下有期徒刑或者更轻的刑罚"),
    }
}

crate::code_enum! {
    /// 审查结论
    pub enum Verdict: "审查结论" {
        Eligible => ("eligible", "符合法律援助条件"),
        NotEligible => ("not_eligible", "不符合法律援助条件"),
        NeedsReview => ("needs_review", "需由法律援助机构审查"),
    }
}

crate::code_enum! {
    /// 经济困难条件
    pub enum Hardship: "经济困难条件" {
        NotRequired => ("not_required", "不受经济困难条件限制"),
        Exempt => ("exempt", "免予核查经济困难状况"),
        Met => ("met", "符合经济困难标准"),
        NotMet => ("not_met", "不符合经济困难标准"),
        Unknown => ("unknown", "尚不清楚，需核查"),
    }
}

/// Income in fen (分), so sums and comparisons are exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fen(pub i64);

impl Fen {
    /// Yuan as typed (at most two decimals are kept), within a household's plausible
    /// range: refuses negative and absurd amounts.
    pub fn from_yuan(field: &str, yuan: f64) -> Result<Fen, FieldError> {
        if !yuan.is_finite() || yuan < 0.0 {
            return Err(FieldError::new(field, "家庭月收入不能为负数"));
        }
        if yuan > 10_000_000.0 {
            return Err(FieldError::new(field, "家庭月收入数额不合理，请按元填写"));
        }
        Ok(Fen((yuan * 100.0).round() as i64))
    }
}

/// A household's size and monthly income.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Household {
    pub size: u32,
    pub monthly_income: Fen,
}

impl Household {
    pub const MAX_SIZE: u32 = 30;

    pub fn parse(size: i64, income_yuan: f64) -> Result<Household, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let size = errors.check(if (1..=i64::from(Self::MAX_SIZE)).contains(&size) {
            Ok(size as u32)
        } else {
            Err(FieldError::new("applicant.household_size", "家庭人口应为1到30人（含申请人本人）"))
        });
        let income = errors.check(Fen::from_yuan("applicant.household_monthly_income", income_yuan));
        match (size, income) {
            (Some(size), Some(monthly_income)) if errors.is_empty() => Ok(Household { size, monthly_income }),
            _ => Err(errors),
        }
    }
}

/// What the applicant says of themselves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applicant {
    pub groups: Vec<Group>,
    pub no_fixed_income: bool,
    pub social_assistance: bool,
    /// None: not given (the hardship may then be unknown).
    pub household: Option<Household>,
}

/// The facts of a criminal case that decide a mandatory defender.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CriminalFacts {
    pub minor: bool,
    pub sensory_disability: bool,
    pub mental_incapacity: bool,
    pub possible_sentence: Option<Sentence>,
    pub death_penalty_review: bool,
    pub in_absentia: bool,
}

/// An application as the engine reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    pub case_type: CaseType,
    /// The matter of a civil or administrative case (required there).
    pub matter: Option<Matter>,
    pub applicant: Applicant,
    pub criminal: CriminalFacts,
}

/// Where a reason comes from: an article (and item) of 法律援助法, or a district policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Source {
    Law {
        law: String,
        article: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        item: Option<u32>,
    },
    Policy {
        policy: String,
    },
}

impl Source {
    pub fn article(article: u32, item: Option<u32>) -> Source {
        Source::Law { law: LAW.into(), article, item }
    }

    pub fn policy(text: &str) -> Source {
        Source::Policy { policy: text.into() }
    }
}

/// One reason of a verdict, in plain Chinese, with its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Reason {
    pub text: String,
    pub source: Source,
}

/// The engine's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eligibility {
    pub verdict: Verdict,
    pub hardship: Hardship,
    pub reasons: Vec<Reason>,
}

/// A civil or administrative matter the rules know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatterRule {
    pub matter: Matter,
    pub label: String,
    pub basis: MatterBasis,
    /// False: no hardship condition (第三十二条).
    pub hardship: bool,
    /// The case is for the legal aid body to weigh (第三十一条第九项: other matters by law).
    pub review: bool,
}

/// Why a matter is in scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MatterBasis {
    Law {
        article: u32,
        item: Option<u32>,
    },
    /// A supplementary matter of the district's plan, for these groups only.
    Policy {
        text: String,
        groups: Vec<Group>,
    },
}

/// A district policy waiving the hardship review for applicants in all of `groups`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiver {
    pub groups: Vec<Group>,
    pub policy: String,
}

/// The district's legal aid conditions (see the module's words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EligibilityRules {
    pub income_line_per_person: Fen,
    pub income_line_source: String,
    pub exempt_without_fixed_income: Vec<Group>,
    pub exempt_migrant_worker_matters: Vec<Matter>,
    pub waivers: Vec<Waiver>,
    pub criminal_three_years_policy: Option<String>,
    pub matters: Vec<MatterRule>,
    /// 办案补贴标准 per case type (第五十二条; set by the province).
    pub subsidies: Vec<Subsidy>,
}

crate::code_enum! {
    /// The stage of proceedings an aided case went through (办案阶段), which the
    /// subsidy is paid by.
    pub enum AidStage: "办案阶段" {
        Investigation => ("investigation", "侦查阶段"),
        Prosecution => ("prosecution", "审查起诉阶段"),
        FirstInstance => ("first_instance", "一审"),
        SecondInstance => ("second_instance", "二审"),
        Arbitration => ("arbitration", "仲裁"),
        NonLitigation => ("non_litigation", "非诉讼代理（调解、和解）"),
    }
}

/// A subsidy standard: the amount paid for a case of a type (in a stage, when the
/// standard is set by stage), with its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subsidy {
    pub case_type: CaseType,
    pub stage: Option<AidStage>,
    pub amount: Fen,
    pub source: String,
}

/// A case's subsidy: the standards it was computed from, and their sum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubsidyDue {
    pub parts: Vec<Subsidy>,
    pub total: Fen,
}

impl SubsidyDue {
    /// “一审 1500 元 + 二审 1000 元 = 2500 元（依据…）”.
    pub fn describe(&self) -> String {
        let yuan = |f: Fen| format!("{} 元", f.0 / 100);
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|p| match p.stage {
                Some(stage) => format!("{} {}", stage.label(), yuan(p.amount)),
                None => yuan(p.amount),
            })
            .collect();
        let mut sources: Vec<&str> = self.parts.iter().map(|p| p.source.as_str()).collect();
        sources.dedup();
        let sum =
            if parts.len() > 1 { format!("{} = {}", parts.join(" + "), yuan(self.total)) } else { parts.join("") };
        format!("补贴 {sum}（{}）", sources.join("；"))
    }
}

impl EligibilityRules {
    /// The subsidy standard for a case type as a whole, if the district has set one.
    pub fn subsidy(&self, case_type: CaseType) -> Option<&Subsidy> {
        self.subsidies.iter().find(|s| s.case_type == case_type && s.stage.is_none())
    }

    /// The subsidy of a case of `case_type` that went through `stages` (第五十二条): the
    /// sum of the standards of its stages, or the type's standard where the district set
    /// none by stage. None when the district has no standard for the type; an error
    /// naming the stage when it has standards by stage but not for one of these.
    pub fn subsidy_due(&self, case_type: CaseType, stages: &[AidStage]) -> Result<Option<SubsidyDue>, FieldError> {
        let by_stage: Vec<&Subsidy> =
            self.subsidies.iter().filter(|s| s.case_type == case_type && s.stage.is_some()).collect();
        let parts: Vec<Subsidy> = if by_stage.is_empty() || stages.is_empty() {
            match self.subsidy(case_type) {
                Some(s) => vec![s.clone()],
                None if by_stage.is_empty() => return Ok(None),
                None => {
                    return Err(FieldError::new(
                        "stages",
                        format!("{}的补贴按办案阶段计算，请选择办理过的阶段", case_type.label()),
                    ));
                }
            }
        } else {
            let mut seen = Vec::new();
            let mut parts = Vec::new();
            for stage in stages {
                if seen.contains(stage) {
                    continue;
                }
                seen.push(*stage);
                let s = by_stage.iter().find(|s| s.stage == Some(*stage)).ok_or_else(|| {
                    FieldError::new("stages", format!("本区未设定{}{}的补贴标准", case_type.label(), stage.label()))
                })?;
                parts.push((*s).clone());
            }
            parts
        };
        let total = Fen(parts.iter().map(|p| p.amount.0).sum());
        Ok(Some(SubsidyDue { parts, total }))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    hardship: HardshipEntry,
    exempt_without_fixed_income: Vec<String>,
    exempt_migrant_worker_matters: Vec<String>,
    #[serde(default)]
    waiver: Vec<WaiverEntry>,
    criminal_three_years_policy: Option<String>,
    matter: Vec<MatterEntry>,
    #[serde(default)]
    subsidy: Vec<SubsidyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubsidyEntry {
    case_type: String,
    /// A stage code ([`AidStage`]); none: the whole case.
    stage: Option<String>,
    amount: f64,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HardshipEntry {
    monthly_income_per_person: f64,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverEntry {
    groups: Vec<String>,
    policy: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatterEntry {
    code: String,
    label: String,
    article: Option<u32>,
    item: Option<u32>,
    #[serde(default = "yes")]
    hardship: bool,
    #[serde(default)]
    review: bool,
    policy: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
}

fn yes() -> bool {
    true
}

fn bad(message: String) -> ConfigError {
    ConfigError(message)
}

fn groups(codes: &[String]) -> Result<Vec<Group>, ConfigError> {
    codes
        .iter()
        .map(|c| Group::from_code(c.trim()).ok_or_else(|| bad(format!("群体“{c}”不是平台已知的群体"))))
        .collect()
}

fn matters(codes: &[String]) -> Result<Vec<Matter>, ConfigError> {
    codes
        .iter()
        .map(|c| Matter::from_code(c.trim()).ok_or_else(|| bad(format!("事项“{c}”不是平台已知的事项"))))
        .collect()
}

impl EligibilityRules {
    /// Reads the rules file; a file missing a matter, citing nothing, or naming an
    /// unknown group or matter is refused whole.
    pub fn parse(text: &str) -> Result<EligibilityRules, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| toml_error("法律援助条件文件", text, &e))?;
        let line = Fen::from_yuan("monthly_income_per_person", file.hardship.monthly_income_per_person)
            .map_err(|e| bad(format!("经济困难标准：{}", e.message)))?;
        if file.hardship.source.trim().is_empty() {
            return Err(bad("经济困难标准缺少依据（source）".into()));
        }
        let mut rules = Vec::new();
        for m in &file.matter {
            let matter =
                Matter::from_code(m.code.trim()).ok_or_else(|| bad(format!("事项“{}”不是平台已知的事项", m.code)))?;
            let basis = match (m.article, &m.policy) {
                (Some(article), None) => MatterBasis::Law { article, item: m.item },
                (None, Some(text)) if !text.trim().is_empty() && !m.groups.is_empty() => {
                    MatterBasis::Policy { text: text.trim().into(), groups: groups(&m.groups)? }
                }
                _ => {
                    return Err(bad(format!(
                        "事项“{}”应写明法律依据（article、item）或本区政策（policy 和适用的 groups），二者择一",
                        m.code
                    )));
                }
            };
            if rules.iter().any(|r: &MatterRule| r.matter == matter) {
                return Err(bad(format!("事项“{}”重复出现", m.code)));
            }
            rules.push(MatterRule { matter, label: m.label.clone(), basis, hardship: m.hardship, review: m.review });
        }
        for matter in Matter::ALL {
            if !rules.iter().any(|r| r.matter == *matter) {
                return Err(bad(format!("法律援助条件文件缺少事项“{}”（{}）", matter.label(), matter.code())));
            }
        }
        let waivers = file
            .waiver
            .iter()
            .map(|w| {
                if w.groups.is_empty() || w.policy.trim().is_empty() {
                    return Err(bad("每条免审政策都应写明群体（groups）和依据（policy）".into()));
                }
                Ok(Waiver { groups: groups(&w.groups)?, policy: w.policy.trim().into() })
            })
            .collect::<Result<_, _>>()?;
        let mut subsidies: Vec<Subsidy> = Vec::new();
        for e in &file.subsidy {
            let case_type = CaseType::from_code(e.case_type.trim())
                .ok_or_else(|| bad(format!("补贴标准：案件类型“{}”不是平台已知的类型", e.case_type)))?;
            let amount = Fen::from_yuan("amount", e.amount).map_err(|err| bad(format!("补贴标准：{}", err.message)))?;
            if e.source.trim().is_empty() {
                return Err(bad(format!("补贴标准“{}”缺少依据（source）", case_type.label())));
            }
            let stage = match e.stage.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(code) => Some(
                    AidStage::from_code(code)
                        .ok_or_else(|| bad(format!("补贴标准：办案阶段“{code}”不是平台已知的阶段")))?,
                ),
            };
            if subsidies.iter().any(|s| s.case_type == case_type && s.stage == stage) {
                let what = stage.map_or(String::new(), |s| s.label().to_string());
                return Err(bad(format!("补贴标准“{}{what}”重复出现", case_type.label())));
            }
            subsidies.push(Subsidy { case_type, stage, amount, source: e.source.trim().into() });
        }
        Ok(EligibilityRules {
            subsidies,
            income_line_per_person: line,
            income_line_source: file.hardship.source.trim().into(),
            exempt_without_fixed_income: groups(&file.exempt_without_fixed_income)?,
            exempt_migrant_worker_matters: matters(&file.exempt_migrant_worker_matters)?,
            waivers,
            criminal_three_years_policy: file.criminal_three_years_policy.filter(|p| !p.trim().is_empty()),
            matters: rules,
        })
    }

    fn matter(&self, matter: Matter) -> &MatterRule {
        self.matters.iter().find(|r| r.matter == matter).expect("every matter checked when parsed")
    }
}

/// Yuan for a message: “1400元”, “1400.50元”.
fn yuan(f: Fen) -> String {
    if f.0 % 100 == 0 { format!("{}元", f.0 / 100) } else { format!("{}.{:02}元", f.0 / 100, f.0 % 100) }
}

fn reason(text: impl Into<String>, source: Source) -> Reason {
    Reason { text: text.into(), source }
}

/// The hardship condition for an applicant whose case carries it: exempt (第四十二条 or
/// a district waiver), met or not against the standard, or unknown without the income.
fn hardship(rules: &EligibilityRules, app: &Application, reasons: &mut Vec<Reason>) -> Hardship {
    let a = &app.applicant;
    let has = |g: Group| a.groups.contains(&g);
    if a.no_fixed_income
        && let Some(g) = rules.exempt_without_fixed_income.iter().find(|g| has(**g))
    {
        reasons.push(reason(
            format!("申请人属于无固定生活来源的{}，免予核查经济困难状况", g.label()),
            Source::article(42, Some(1)),
        ));
        return Hardship::Exempt;
    }
    if a.social_assistance {
        reasons
            .push(reason("申请人是社会救助、司法救助或者优抚对象，免予核查经济困难状况", Source::article(42, Some(2))));
        return Hardship::Exempt;
    }
    if has(Group::MigrantWorker)
        && let Some(m) = app.matter.filter(|m| rules.exempt_migrant_worker_matters.contains(m))
    {
        reasons.push(reason(format!("进城务工人员{}，免予核查经济困难状况", m.label()), Source::article(42, Some(3))));
        return Hardship::Exempt;
    }
    if let Some(w) = rules.waivers.iter().find(|w| w.groups.iter().all(|g| has(*g))) {
        let who: Vec<&str> = w.groups.iter().map(|g| g.label()).collect();
        reasons.push(reason(
            format!("申请人属于{}，按本区政策免予经济困难审查", who.join("、")),
            Source::policy(&w.policy),
        ));
        return Hardship::Exempt;
    }
    let Some(h) = a.household else {
        reasons.push(reason(
            "尚未提供家庭人口和月收入，经济困难状况需由法律援助机构核查（可作个人诚信承诺）",
            Source::article(41, None),
        ));
        return Hardship::Unknown;
    };
    let per_person = Fen(h.monthly_income.0 / i64::from(h.size));
    let line = rules.income_line_per_person;
    if per_person < line {
        reasons.push(reason(
            format!("家庭月人均收入约{}，低于本地经济困难标准{}", yuan(per_person), yuan(line)),
            Source::article(34, None),
        ));
        Hardship::Met
    } else {
        reasons.push(reason(
            format!(
                "家庭月人均收入约{}，不低于本地经济困难标准{}（{}）",
                yuan(per_person),
                yuan(line),
                rules.income_line_source
            ),
            Source::article(34, None),
        ));
        Hardship::NotMet
    }
}

/// The verdict where the hardship condition applies.
fn with_hardship(h: Hardship) -> Verdict {
    match h {
        Hardship::Exempt | Hardship::Met | Hardship::NotRequired => Verdict::Eligible,
        Hardship::NotMet => Verdict::NotEligible,
        Hardship::Unknown => Verdict::NeedsReview,
    }
}

/// Decides an application (see the module's words).
pub fn evaluate(rules: &EligibilityRules, app: &Application) -> Eligibility {
    let mut reasons = Vec::new();
    let c = &app.criminal;
    let (verdict, hardship) = match app.case_type {
        CaseType::CriminalSuspect => {
            let mandatory: Vec<(u32, &str)> = [
                (c.minor, 1, "犯罪嫌疑人、被告人是未成年人"),
                (c.sensory_disability, 2, "犯罪嫌疑人、被告人是视力、听力、言语残疾人"),
                (c.mental_incapacity, 3, "犯罪嫌疑人、被告人是不能完全辨认自己行为的成年人"),
                (c.possible_sentence == Some(Sentence::LifeOrDeath), 4, "犯罪嫌疑人、被告人可能被判处无期徒刑、死刑"),
                (c.death_penalty_review, 5, "是申请法律援助的死刑复核案件被告人"),
                (c.in_absentia, 6, "是缺席审判案件的被告人"),
            ]
            .into_iter()
            .filter(|(applies, ..)| *applies)
            .map(|(_, item, text)| (item, text))
            .collect();
            if !mandatory.is_empty() {
                for (item, text) in mandatory {
                    reasons.push(reason(
                        format!("{text}，没有委托辩护人的，应当通知法律援助机构指派律师担任辩护人"),
                        Source::article(25, Some(item)),
                    ));
                }
                (Verdict::Eligible, Hardship::NotRequired)
            } else if let (Some(Sentence::ThreeYearsOrMore), Some(policy)) =
                (c.possible_sentence, &rules.criminal_three_years_policy)
            {
                reasons.push(reason("犯罪嫌疑人、被告人没有委托辩护人的，可以申请法律援助", Source::article(24, None)));
                reasons.push(reason("可能被判处三年以上有期徒刑，按本区政策免予经济困难审查", Source::policy(policy)));
                (Verdict::Eligible, Hardship::Exempt)
            } else {
                reasons.push(reason(
                    "犯罪嫌疑人、被告人因经济困难或者其他原因没有委托辩护人的，可以申请法律援助",
                    Source::article(24, None),
                ));
                let h = hardship(rules, app, &mut reasons);
                match h {
                    // 第二十四条 also allows “other reasons”: not a refusal by itself.
                    Hardship::NotMet => {
                        reasons.push(reason(
                            "经济状况不符合标准，是否因其他原因给予法律援助，由法律援助机构审查决定",
                            Source::article(24, None),
                        ));
                        (Verdict::NeedsReview, h)
                    }
                    _ => (with_hardship(h), h),
                }
            }
        }
        CaseType::CompulsoryTreatment => {
            reasons.push(reason(
                "强制医疗案件的被申请人或者被告人没有委托诉讼代理人的，应当通知法律援助机构指派律师",
                Source::article(28, None),
            ));
            (Verdict::Eligible, Hardship::NotRequired)
        }
        CaseType::CriminalVictim | CaseType::Retrial => {
            let (article, text) = if app.case_type == CaseType::CriminalVictim {
                (29, "刑事案件的被害人、自诉人、附带民事诉讼原告人因经济困难没有委托诉讼代理人的，可以申请法律援助")
            } else {
                (33, "申诉、再审案件的当事人因经济困难没有委托辩护人或者诉讼代理人的，可以申请法律援助")
            };
            reasons.push(reason(text, Source::article(article, None)));
            let h = hardship(rules, app, &mut reasons);
            (with_hardship(h), h)
        }
        CaseType::Civil | CaseType::Administrative => {
            let matter = app.matter.unwrap_or(Matter::Other);
            let rule = rules.matter(matter);
            match &rule.basis {
                MatterBasis::Policy { text, groups } => {
                    if let Some(g) = groups.iter().find(|g| app.applicant.groups.contains(g)) {
                        reasons.push(reason(
                            format!("{}的{}，本区已纳入法律援助补充事项", g.label(), rule.label),
                            Source::policy(text),
                        ));
                        let h = hardship(rules, app, &mut reasons);
                        (with_hardship(h), h)
                    } else {
                        let who: Vec<&str> = groups.iter().map(|g| g.label()).collect();
                        reasons.push(reason(
                            format!(
                                "{}只对{}纳入补充事项，且不在法律援助法第三十一条所列事项之内",
                                rule.label,
                                who.join("、")
                            ),
                            Source::article(31, None),
                        ));
                        (Verdict::NotEligible, Hardship::NotRequired)
                    }
                }
                MatterBasis::Law { article, item } => {
                    let source = Source::article(*article, *item);
                    if !rule.hardship {
                        reasons.push(reason(format!("{}，不受经济困难条件的限制", rule.label), source));
                        (Verdict::Eligible, Hardship::NotRequired)
                    } else if rule.review {
                        reasons.push(reason(
                            "所述事项不在法律援助法第三十一条列明的事项之内，是否属于法律、法规、规章规定的其他情形，由法律援助机构审查",
                            source,
                        ));
                        let h = hardship(rules, app, &mut reasons);
                        let v = if h == Hardship::NotMet { Verdict::NotEligible } else { Verdict::NeedsReview };
                        (v, h)
                    } else {
                        reasons.push(reason(
                            format!("{}，因经济困难没有委托代理人的，可以申请法律援助", rule.label),
                            source,
                        ));
                        let h = hardship(rules, app, &mut reasons);
                        (with_hardship(h), h)
                    }
                }
            }
        }
    };
    Eligibility { verdict, hardship, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../../data/legal-aid/eligibility.toml");

    #[test]
    fn the_shipped_rules_parse_and_cite_their_sources() {
        let r = EligibilityRules::parse(SHIPPED).unwrap();
        assert_eq!(r.income_line_per_person, Fen(140_000));
        assert_eq!(r.matters.len(), Matter::ALL.len());
        assert!(r.waivers.iter().all(|w| w.policy.contains("规划")));
    }

    #[test]
    fn bad_rules_are_refused_with_the_reason() {
        let missing = SHIPPED.replace("code = \"pension\"", "code = \"support\"");
        assert!(EligibilityRules::parse(&missing).unwrap_err().0.contains("重复"));
        let unknown = SHIPPED.replace("groups = [\"left_behind\"]", "groups = [\"astronaut\"]");
        assert!(EligibilityRules::parse(&unknown).unwrap_err().0.contains("astronaut"));
        let negative = SHIPPED.replace("monthly_income_per_person = 1400", "monthly_income_per_person = -1");
        assert!(EligibilityRules::parse(&negative).unwrap_err().0.contains("负数"));
        let both = SHIPPED.replace("label = \"土地承包、流转纠纷\"", "label = \"土地承包、流转纠纷\"\narticle = 31");
        assert!(EligibilityRules::parse(&both).unwrap_err().0.contains("二者择一"));
    }

    #[test]
    fn a_household_of_none_or_an_absurd_income_is_refused_by_field() {
        let e = Household::parse(0, 1000.0).unwrap_err();
        assert_eq!(e.first().unwrap().field, "applicant.household_size");
        let e = Household::parse(3, -5.0).unwrap_err();
        assert_eq!(e.first().unwrap().field, "applicant.household_monthly_income");
        assert!(Household::parse(3, 1e12).is_err());
        assert!(Household::parse(3, f64::NAN).is_err());
        assert_eq!(Household::parse(3, 2999.995).unwrap().monthly_income, Fen(300_000));
    }

    #[test]
    fn the_subsidy_is_the_sum_of_the_stages_gone_through() {
        let r = EligibilityRules::parse(SHIPPED).unwrap();
        let due = r
            .subsidy_due(
                CaseType::CriminalSuspect,
                &[AidStage::Investigation, AidStage::Prosecution, AidStage::FirstInstance],
            )
            .unwrap()
            .unwrap();
        assert_eq!(due.total, Fen(280_000));
        assert!(
            due.describe().starts_with(
                "补贴 侦查阶段 800 元 + 审查起诉阶段 800 元 + 一审 1200 元 = 2800 元（法律援助法 第五十二条"
            )
        );
        // A stage named twice is paid once; no stage chosen: the whole-case standard.
        let twice =
            r.subsidy_due(CaseType::Civil, &[AidStage::FirstInstance, AidStage::FirstInstance]).unwrap().unwrap();
        assert_eq!(twice.total, Fen(150_000));
        assert_eq!(r.subsidy_due(CaseType::Civil, &[]).unwrap().unwrap().total, Fen(150_000));
        // A stage without a standard is named; a type with none by stage pays as a whole.
        let e = r.subsidy_due(CaseType::CriminalSuspect, &[AidStage::Arbitration]).unwrap_err();
        assert_eq!(e.field, "stages");
        assert!(e.message.contains("仲裁"), "{}", e.message);
        assert_eq!(r.subsidy_due(CaseType::Retrial, &[AidStage::FirstInstance]).unwrap().unwrap().total, Fen(150_000));
        // A district without any standard for a type: nothing to pay, not an error.
        let none = SHIPPED.split("[[subsidy]]").next().unwrap().to_string();
        assert_eq!(
            EligibilityRules::parse(&none).unwrap().subsidy_due(CaseType::Civil, &[AidStage::FirstInstance]),
            Ok(None)
        );
        let unknown = SHIPPED.replace("stage = \"arbitration\"", "stage = \"appeal_to_heaven\"");
        assert!(EligibilityRules::parse(&unknown).unwrap_err().0.contains("appeal_to_heaven"));
        let twice = SHIPPED.replace("stage = \"arbitration\"", "stage = \"first_instance\"");
        assert!(EligibilityRules::parse(&twice).unwrap_err().0.contains("重复"));
    }
}
