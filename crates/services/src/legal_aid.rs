//! Legal aid use cases. So far: the public eligibility check, which reads an
//! application's facts as typed, decides with the district's rules
//! ([`gongdao_domain::legal_aid::evaluate`]) and answers with the reasons. No login, no
//! side effects (the web layer limits it per address).

use gongdao_domain::FieldError;
use gongdao_domain::error::ValidationErrors;
use gongdao_domain::legal_aid::{
    Applicant, Application, CaseType, CriminalFacts, Hardship, Household, Matter, Reason, Sentence, Verdict, evaluate,
};
use gongdao_domain::request::Group;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{ServiceError, Services};

/// The facts of an application, as typed. Fields not relevant to the case type may be
/// left out, and so may the income when the applicant is exempt from the check.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct EligibilityInput {
    /// `civil`, `administrative`, `criminal_suspect`, `criminal_victim`,
    /// `compulsory_treatment` or `retrial`.
    #[serde(default)]
    pub case_type: String,
    /// The matter of a civil or administrative case (`labour`, `support` …).
    pub matter: Option<String>,
    #[serde(default)]
    pub applicant: ApplicantInput,
    #[serde(default)]
    pub criminal: CriminalInput,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct ApplicantInput {
    /// The platform's group codes (`elderly`, `migrant_worker` …).
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub no_fixed_income: bool,
    /// Receives social or judicial assistance, or special care (优抚).
    #[serde(default)]
    pub social_assistance: bool,
    /// People in the household, the applicant included.
    #[schema(minimum = 1, maximum = 30)]
    pub household_size: Option<i64>,
    /// The household's monthly income in yuan.
    #[schema(minimum = 0, maximum = 10000000)]
    pub household_monthly_income: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct CriminalInput {
    #[serde(default)]
    pub minor: bool,
    #[serde(default)]
    pub sensory_disability: bool,
    #[serde(default)]
    pub mental_incapacity: bool,
    /// `life_or_death`, `three_years_or_more` or `under_three_years`.
    pub possible_sentence: Option<String>,
    #[serde(default)]
    pub death_penalty_review: bool,
    #[serde(default)]
    pub in_absentia: bool,
}

impl EligibilityInput {
    /// The application, or every field at fault.
    pub fn parse(&self) -> Result<Application, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let case_type = errors.check(CaseType::parse_field("case_type", &self.case_type));
        let needs_matter = matches!(case_type, Some(CaseType::Civil | CaseType::Administrative));
        let matter = match self.matter.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(code) => errors.check(Matter::parse_field("matter", code)),
            None if needs_matter => {
                errors.push(FieldError::new("matter", "请选择申请法律援助的事项"));
                None
            }
            None => None,
        };
        let a = &self.applicant;
        let groups: Vec<Group> =
            a.groups.iter().filter_map(|g| errors.check(Group::parse_field("applicant.groups", g))).collect();
        let household = match (a.household_size, a.household_monthly_income) {
            (None, None) => None,
            (Some(size), Some(income)) => match Household::parse(size, income) {
                Ok(h) => Some(h),
                Err(e) => {
                    e.0.into_iter().for_each(|f| errors.push(f));
                    None
                }
            },
            (Some(_), None) => {
                errors.push(FieldError::new("applicant.household_monthly_income", "请同时填写家庭月收入（元）"));
                None
            }
            (None, Some(_)) => {
                errors.push(FieldError::new("applicant.household_size", "请同时填写家庭人口"));
                None
            }
        };
        let c = &self.criminal;
        let sentence = c
            .possible_sentence
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|s| errors.check(Sentence::parse_field("criminal.possible_sentence", s)));
        match case_type {
            Some(case_type) if errors.is_empty() => Ok(Application {
                case_type,
                matter,
                applicant: Applicant {
                    groups,
                    no_fixed_income: a.no_fixed_income,
                    social_assistance: a.social_assistance,
                    household,
                },
                criminal: CriminalFacts {
                    minor: c.minor,
                    sensory_disability: c.sensory_disability,
                    mental_incapacity: c.mental_incapacity,
                    possible_sentence: sentence,
                    death_penalty_review: c.death_penalty_review,
                    in_absentia: c.in_absentia,
                },
            }),
            _ => Err(errors),
        }
    }
}

/// The verdict with its reasons, each citing its article or policy.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EligibilityAnswer {
    /// `eligible`, `not_eligible` or `needs_review`.
    #[schema(value_type = String)]
    pub verdict: Verdict,
    /// `not_required`, `exempt`, `met`, `not_met` or `unknown`.
    #[schema(value_type = String)]
    pub hardship: Hardship,
    pub reasons: Vec<Reason>,
}

impl Services {
    /// Decides whether the facts qualify for legal aid under the installation's rules.
    pub async fn check_eligibility(&self, input: &EligibilityInput) -> Result<EligibilityAnswer, ServiceError> {
        let application = input.parse()?;
        let book = self.rules().await?;
        let e = evaluate(&book.installation().legal_aid, &application);
        Ok(EligibilityAnswer { verdict: e.verdict, hardship: e.hardship, reasons: e.reasons })
    }
}
