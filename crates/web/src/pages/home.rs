//! `/`: the citizens' front door (门户) — ask a legal question right there, search the
//! law, apply, book, follow a matter, find a service point, call 12348 — and, for a
//! signed-in member of staff, their workbench: what waits for them and what they can
//! reach.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use gongdao_domain::auth::Permission;
use gongdao_services::network::{InstitutionQuery, PageQuery, PersonQuery};

use super::{Layout, page_error, render};
use crate::AppState;
use crate::session::{PageActor, Visitor, encode_component};

pub struct Stat {
    pub label: &'static str,
    pub value: u64,
    pub href: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    name: String,
    role: &'static str,
    scope: String,
    stats: Vec<Stat>,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    layout: Layout,
    /// Example questions: the text and its query-string form.
    examples: Vec<(&'static str, String)>,
}

pub async fn home(State(state): State<AppState>, visitor: Visitor) -> Response {
    match (&visitor.kiosk, &visitor.user) {
        (None, Some(user)) => workbench(&state, user).await,
        _ => {
            let layout = Layout::for_visitor(&state, &visitor, "公共法律服务", "/").await;
            let examples = super::laws::EXAMPLES.iter().map(|e| (*e, encode_component(e))).collect();
            render(StatusCode::OK, &PortalPage { layout, examples })
        }
    }
}

async fn workbench(state: &AppState, user: &PageActor) -> Response {
    let layout = Layout::for_user(state, user, "首页", "/").await;
    let actor = &user.actor;
    let mut stats = Vec::new();
    if actor.can(Permission::ViewNetwork) {
        let one = PageQuery { page: None, per_page: Some("1".into()) };
        let count = |query: InstitutionQuery| {
            let state = state.clone();
            let one = one.clone();
            async move { state.services.institutions(actor, &query, &one).await.map(|(_, n)| n) }
        };
        let all = count(InstitutionQuery::default()).await;
        let workstations = count(InstitutionQuery { kind: Some("workstation".into()), ..Default::default() }).await;
        let green = count(InstitutionQuery { green_channel: Some("true".into()), ..Default::default() }).await;
        let people = state.services.people(actor, &PersonQuery::default(), &one).await.map(|(_, n)| n);
        match (all, workstations, green, people) {
            (Ok(all), Ok(workstations), Ok(green), Ok(people)) => {
                stats.push(Stat { label: "机构", value: all, href: "/institutions" });
                stats.push(Stat {
                    label: "公共法律服务工作站",
                    value: workstations,
                    href: "/institutions?type=workstation",
                });
                stats.push(Stat {
                    label: "设有绿色通道的机构",
                    value: green,
                    href: "/institutions?green_channel=true",
                });
                stats.push(Stat { label: "人员", value: people, href: "/people" });
            }
            (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => {
                return page_error(e);
            }
        }
    }
    let scope = layout.user.as_ref().map(|u| u.scope.clone()).unwrap_or_default();
    render(
        StatusCode::OK,
        &HomePage { name: actor.display_name.clone(), role: actor.role.label(), scope, stats, layout },
    )
}
