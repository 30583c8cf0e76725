//! One integration-test binary: a module per feature, each talking to a real server
//! over loopback, on SQLite and (when reachable, always in CI) PostgreSQL.

mod api;
mod appointments;
mod archive;
mod authz;
mod browser;
mod crash;
mod crawl;
mod duty;
mod evaluation;
mod evaluation_browser;
mod events;
mod front_door;
mod hardening;
mod helpers;
mod identity;
mod laws;
mod legal_aid;
mod legal_aid_browser;
mod mediation;
mod outbox;
mod plan;
mod plan_browser;
mod process;
mod requests;
mod schema;
mod scope;
mod semantic;
mod storage;
