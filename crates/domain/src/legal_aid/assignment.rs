//! Choosing who handles a legal aid case (指派): every candidate is scored by how well
//! their specialty fits the matter, how many cases they already carry, whether they
//! work in the applicant's township and how many cases they were given lately (so work
//! goes round), and excluded for a conflict of interest or when 法律援助法 第二十六条
//! asks for experience they lack. The reviewer sees each part of every score and every
//! exclusion, and may choose someone else with a recorded reason.
//!
//! [`rank`] ranks the candidates for one case; [`assign_all`] hands out many pending
//! cases at once (a dispatcher rebalancing a district or a province), one after another,
//! each choice counting against the chosen candidate's load for the next.

use crate::DivisionCode;
use crate::RegionLevel;
use crate::legal_aid::{CaseType, Matter};

/// Kinds of people a case may be assigned to (程序规定 第二十四条).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateKind {
    Lawyer,
    /// 基层法律服务工作者: not for criminal defence.
    GrassrootsWorker,
    /// The legal aid centre's own staff with a legal qualification.
    Staff,
}

/// Fields of work, as a bit set so that a match is one AND.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas(pub u16);

impl Areas {
    const LABOUR: u16 = 1;
    const FAMILY: u16 = 1 << 1;
    const INJURY: u16 = 1 << 2;
    const LAND: u16 = 1 << 3;
    const CRIMINAL: u16 = 1 << 4;
    const ADMINISTRATIVE: u16 = 1 << 5;
    const CIVIL: u16 = 1 << 6;
    const MINORS: u16 = 1 << 7;

    /// The areas a person's specialties (free text as kept in the directory) cover.
    pub fn of_specialties<'a>(specialties: impl IntoIterator<Item = &'a str>) -> Areas {
        let mut bits = 0;
        for s in specialties {
            for (words, bit) in [
                (&["劳动", "工伤", "社保", "社会保险"][..], Self::LABOUR),
                (&["婚姻", "家庭", "继承", "赡养", "抚养"][..], Self::FAMILY),
                (&["交通", "人身损害", "医疗", "侵权"][..], Self::INJURY),
                (&["土地", "征地", "农村", "承包"][..], Self::LAND),
                (&["刑事", "辩护"][..], Self::CRIMINAL),
                (&["行政", "国家赔偿"][..], Self::ADMINISTRATIVE),
                (&["合同", "借贷", "房产", "物业", "民事", "基层法律服务"][..], Self::CIVIL),
                (&["未成年"][..], Self::MINORS),
            ] {
                if words.iter().any(|w| s.contains(w)) {
                    bits |= bit;
                }
            }
        }
        Areas(bits)
    }

    /// The area a case needs.
    pub fn of_case(case_type: CaseType, matter: Option<Matter>) -> Areas {
        use Matter as M;
        let bits = match case_type {
            CaseType::CriminalSuspect | CaseType::CriminalVictim | CaseType::CompulsoryTreatment => Self::CRIMINAL,
            CaseType::Administrative => Self::ADMINISTRATIVE,
            CaseType::Retrial | CaseType::Civil => match matter {
                Some(M::Labour | M::SocialInsurance) => Self::LABOUR,
                Some(M::Support | M::DomesticViolence | M::Capacity) => Self::FAMILY,
                Some(M::PersonalInjury | M::Environment | M::GoodSamaritan) => Self::INJURY,
                Some(M::Land | M::Farming) => Self::LAND,
                Some(M::StateCompensation | M::AcquittalCompensation | M::Pension) => Self::ADMINISTRATIVE,
                _ => Self::CIVIL,
            },
        };
        Areas(bits)
    }

    pub fn covers(self, need: Areas) -> bool {
        self.0 & need.0 != 0
    }
}

/// A person who may be assigned, with what the score needs to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub person_id: i64,
    pub name: String,
    pub kind: CandidateKind,
    /// The law firm or legal service office they practise in.
    pub firm_id: Option<i64>,
    /// Where they work (their institution's region).
    pub region: DivisionCode,
    pub areas: Areas,
    /// Years of practice (执业年限), for 第二十六条.
    pub practice_years: u32,
    /// Cases assigned and not yet closed.
    pub open_cases: u32,
    /// Cases assigned over the rotation window (the last 90 days).
    pub recent_assignments: u32,
    /// Blind indexes of the names of everyone the candidate or their firm acts or acted
    /// for, sorted, so a conflict is a binary search.
    pub clients: Vec<String>,
}

/// What a case asks of whoever handles it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Needs {
    pub case_type: CaseType,
    pub matter: Option<Matter>,
    /// The applicant's region (a village or township).
    pub region: DivisionCode,
    /// Blind indexes of the opposing parties' names.
    pub opponents: Vec<String>,
    /// Possible life imprisonment or death, or death-penalty review (第二十六条).
    pub life_or_death: bool,
    /// The recipient is a minor (程序规定 第二十六条: someone familiar with minors).
    pub minor: bool,
}

/// Why a candidate may not take the case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exclusion {
    /// The candidate or their firm acts or acted for an opposing party.
    Conflict,
    /// Life-or-death cases need a lawyer with 3 years of practice (第二十六条).
    Article26 { years: u32 },
    /// Criminal defence and representation are for lawyers and qualified staff.
    NotALawyer,
}

impl Exclusion {
    pub fn text(&self) -> String {
        match self {
            Exclusion::Conflict => "利益冲突：本人或所在机构曾代理对方当事人".into(),
            Exclusion::Article26 { years } => {
                format!(
                    "可能判处无期徒刑、死刑的案件须由三年以上相关执业经历的律师承办（法律援助法第二十六条），执业{years}年"
                )
            }
            Exclusion::NotALawyer => "刑事案件须由律师或具有律师资格的法律援助人员承办".into(),
        }
    }
}

/// One part of a score, shown to the reviewer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScorePart {
    pub what: &'static str,
    pub points: i32,
}

/// A candidate's place for one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ranked {
    pub person_id: i64,
    pub score: i32,
    pub parts: Vec<ScorePart>,
    pub exclusion: Option<Exclusion>,
}

/// Points per part. Rotation weighs more than any one fit, so that over a long run
/// equally suited candidates receive equal shares.
pub const SPECIALTY_POINTS: i32 = 30;
pub const TOWNSHIP_POINTS: i32 = 15;
pub const MINORS_POINTS: i32 = 10;
pub const LOAD_POINTS: i32 = -4;
pub const ROTATION_POINTS: i32 = -12;

/// The life-or-death threshold of 第二十六条, in years of practice.
pub const ARTICLE_26_YEARS: u32 = 3;

fn exclusion(needs: &Needs, c: &Candidate) -> Option<Exclusion> {
    if needs.opponents.iter().any(|o| c.clients.binary_search(o).is_ok()) {
        return Some(Exclusion::Conflict);
    }
    let criminal =
        matches!(needs.case_type, CaseType::CriminalSuspect | CaseType::CriminalVictim | CaseType::CompulsoryTreatment);
    if criminal && c.kind == CandidateKind::GrassrootsWorker {
        return Some(Exclusion::NotALawyer);
    }
    if needs.life_or_death && (c.kind != CandidateKind::Lawyer || c.practice_years < ARTICLE_26_YEARS) {
        return Some(Exclusion::Article26 { years: c.practice_years });
    }
    None
}

fn same_township(a: DivisionCode, b: DivisionCode) -> bool {
    match (a.ancestor_at(RegionLevel::Township), b.ancestor_at(RegionLevel::Township)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// The score of one candidate for one case, without the parts (for bulk assignment).
fn points(needs: &Needs, need: Areas, c: &Candidate) -> i32 {
    let mut p = 0;
    if c.areas.covers(need) {
        p += SPECIALTY_POINTS;
    }
    if needs.minor && c.areas.covers(Areas(Areas::MINORS)) {
        p += MINORS_POINTS;
    }
    if same_township(needs.region, c.region) {
        p += TOWNSHIP_POINTS;
    }
    p + LOAD_POINTS * c.open_cases as i32 + ROTATION_POINTS * c.recent_assignments as i32
}

/// Every candidate for a case: those who may take it first, best score first (ties to
/// the one with fewer recent assignments, then the lower id, so the order is stable);
/// then the excluded, each with the reason.
pub fn rank(needs: &Needs, candidates: &[Candidate]) -> Vec<Ranked> {
    let need = Areas::of_case(needs.case_type, needs.matter);
    let mut out: Vec<(Ranked, u32)> = candidates
        .iter()
        .map(|c| {
            let mut parts = Vec::new();
            if c.areas.covers(need) {
                parts.push(ScorePart { what: "业务专长与案件相符", points: SPECIALTY_POINTS });
            }
            if needs.minor && c.areas.covers(Areas(Areas::MINORS)) {
                parts.push(ScorePart { what: "熟悉未成年人案件", points: MINORS_POINTS });
            }
            if same_township(needs.region, c.region) {
                parts.push(ScorePart { what: "与申请人同一乡镇（街道）", points: TOWNSHIP_POINTS });
            }
            if c.open_cases > 0 {
                parts.push(ScorePart { what: "在办案件", points: LOAD_POINTS * c.open_cases as i32 });
            }
            if c.recent_assignments > 0 {
                parts.push(ScorePart {
                    what: "近90日已指派（轮换）",
                    points: ROTATION_POINTS * c.recent_assignments as i32,
                });
            }
            let score = points(needs, need, c);
            (Ranked { person_id: c.person_id, score, parts, exclusion: exclusion(needs, c) }, c.recent_assignments)
        })
        .collect();
    out.sort_by(|(a, ra), (b, rb)| {
        a.exclusion
            .is_some()
            .cmp(&b.exclusion.is_some())
            .then(b.score.cmp(&a.score))
            .then(ra.cmp(rb))
            .then(a.person_id.cmp(&b.person_id))
    });
    out.into_iter().map(|(r, _)| r).collect()
}

/// Hands out `cases` in order: each goes to the best candidate who may take it, whose
/// load and rotation count then grow by one. `None` where nobody may take a case.
pub fn assign_all(cases: &[Needs], candidates: &mut [Candidate]) -> Vec<Option<i64>> {
    cases
        .iter()
        .map(|needs| {
            let need = Areas::of_case(needs.case_type, needs.matter);
            let mut best: Option<(usize, i32)> = None;
            for (i, c) in candidates.iter().enumerate() {
                let p = points(needs, need, c);
                if best.is_some_and(|(_, b)| p <= b) || exclusion(needs, c).is_some() {
                    continue;
                }
                best = Some((i, p));
            }
            best.map(|(i, _)| {
                let c = &mut candidates[i];
                c.open_cases += 1;
                c.recent_assignments += 1;
                c.person_id
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(code: &str) -> DivisionCode {
        DivisionCode::parse("region", code).unwrap()
    }

    fn lawyer(id: i64, years: u32, specialties: &[&str]) -> Candidate {
        Candidate {
            person_id: id,
            name: format!("律师{id}"),
            kind: CandidateKind::Lawyer,
            firm_id: Some(100 + id % 3),
            region: region("220802000000"),
            areas: Areas::of_specialties(specialties.iter().copied()),
            practice_years: years,
            open_cases: 0,
            recent_assignments: 0,
            clients: Vec::new(),
        }
    }

    fn wages() -> Needs {
        Needs {
            case_type: CaseType::Civil,
            matter: Some(Matter::Labour),
            region: region("220802100201"),
            opponents: vec!["idx-boss".into()],
            life_or_death: false,
            minor: false,
        }
    }

    #[test]
    fn the_specialist_in_the_township_comes_first_and_says_why() {
        let mut near = lawyer(1, 5, &["劳动争议"]);
        near.region = region("220802100000");
        let far = lawyer(2, 5, &["劳动争议"]);
        let other = lawyer(3, 5, &["婚姻家庭"]);
        let r = rank(&wages(), &[other, far, near]);
        assert_eq!(r.iter().map(|r| r.person_id).collect::<Vec<_>>(), vec![1, 2, 3]);
        assert!(r[0].parts.iter().any(|p| p.what.contains("同一乡镇")));
        assert_eq!(r[0].score, SPECIALTY_POINTS + TOWNSHIP_POINTS);
    }

    #[test]
    fn a_conflict_excludes_even_the_best_fit() {
        let mut acted = lawyer(1, 10, &["劳动争议"]);
        acted.clients = vec!["idx-a".into(), "idx-boss".into()];
        let r = rank(&wages(), &[acted, lawyer(2, 1, &[])]);
        assert_eq!(r[0].person_id, 2);
        assert_eq!(r[1].exclusion, Some(Exclusion::Conflict));
    }

    #[test]
    fn article_26_asks_three_years_for_life_or_death() {
        let needs = Needs {
            case_type: CaseType::CriminalSuspect,
            matter: None,
            life_or_death: true,
            opponents: vec![],
            ..wages()
        };
        let young = lawyer(1, 2, &["刑事辩护"]);
        let seasoned = lawyer(2, 3, &[]);
        let mut worker = lawyer(3, 20, &["刑事辩护"]);
        worker.kind = CandidateKind::GrassrootsWorker;
        let r = rank(&needs, &[young, seasoned, worker]);
        assert_eq!(r[0].person_id, 2);
        assert!(r[0].exclusion.is_none());
        assert!(r.iter().any(|x| x.person_id == 1 && x.exclusion == Some(Exclusion::Article26 { years: 2 })));
        assert!(r.iter().any(|x| x.person_id == 3 && x.exclusion == Some(Exclusion::NotALawyer)));
        let mut cands = vec![lawyer(1, 2, &["刑事辩护"])];
        assert_eq!(assign_all(&[needs], &mut cands), vec![None]);
    }

    #[test]
    fn over_a_long_run_nobody_gets_more_than_a_fair_share() {
        let specialties = ["劳动争议", "婚姻家庭", "交通事故", "土地承包"];
        let mut cands: Vec<Candidate> = (0..20).map(|i| lawyer(i, 5, &[specialties[i as usize % 4]])).collect();
        let matters = [Matter::Labour, Matter::Support, Matter::PersonalInjury, Matter::Land];
        let cases: Vec<Needs> =
            (0..1000).map(|i| Needs { matter: Some(matters[i % 4]), opponents: vec![], ..wages() }).collect();
        let chosen = assign_all(&cases, &mut cands);
        assert!(chosen.iter().all(Option::is_some));
        let most = cands.iter().map(|c| c.recent_assignments).max().unwrap();
        let least = cands.iter().map(|c| c.recent_assignments).min().unwrap();
        assert!(most <= 1000 / 20 + 2, "most {most}");
        assert!(least + 4 >= 1000 / 20, "least {least}");
    }

    #[test]
    fn specialties_are_read_from_the_directory_words() {
        assert!(Areas::of_specialties(["劳动争议"]).covers(Areas::of_case(CaseType::Civil, Some(Matter::Labour))));
        assert!(Areas::of_specialties(["刑事辩护"]).covers(Areas::of_case(CaseType::CriminalSuspect, None)));
        assert!(!Areas::of_specialties(["公司法务"]).covers(Areas::of_case(CaseType::Civil, Some(Matter::Land))));
    }
}
