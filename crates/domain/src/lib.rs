//! Domain types and rules of gongdao (公道). No I/O lives here: no database, no clock,
//! no network. Everything the outer layers receive from users is parsed into these
//! types at the edge, so code further in can trust it.
//!
//! Reading order: [`error`] (how a rejected value is reported), the parsed values
//! ([`division`], [`id_number`], [`phone`], [`text`]), the service network
//! ([`network`]), then accounts and rights ([`auth`]) and the audit vocabulary
//! ([`audit`]).

pub mod appointment;
pub mod archive;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod code_enum;
pub mod deadline;
pub mod division;
pub mod document;
pub mod error;
pub mod evaluation;
pub mod event;
pub mod id_number;
pub mod identity;
pub mod ids;
pub mod law;
pub mod legal_aid;
pub mod mediation;
pub mod network;
pub mod phone;
pub mod plan;
pub mod privacy;
pub mod request;
pub mod routing;
pub mod rule_file;
pub mod text;

pub use division::{DivisionCode, RegionLevel};
pub use error::{FieldError, ValidationErrors};
pub use id_number::IdNumber;
pub use phone::PhoneNumber;
