//! Small query pieces shared by the repositories.

use gongdao_domain::auth::Scope;
use sea_orm::sea_query::LikeExpr;
use sea_orm::{ColumnTrait, Condition};

/// `column BETWEEN lo AND hi` for the scope's region subtree.
pub(crate) fn in_scope<C: ColumnTrait>(column: C, scope: Scope) -> Condition {
    let (lo, hi) = scope.bounds();
    Condition::all().add(column.between(lo, hi))
}

/// A LIKE pattern matching `text` anywhere, with the user's `%` and `_` taken literally.
pub(crate) fn contains(text: &str) -> LikeExpr {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// Page bounds: at most `max` rows a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub limit: u64,
    pub offset: u64,
}

impl Page {
    pub const MAX_LIMIT: u64 = 1000;

    pub fn new(limit: u64, offset: u64) -> Self {
        Page {
            limit: limit.clamp(1, Self::MAX_LIMIT),
            offset,
        }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page {
            limit: 100,
            offset: 0,
        }
    }
}
