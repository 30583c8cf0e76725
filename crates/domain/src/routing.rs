//! Routing rules (分派规则): which kind of institution a self-service matter goes to,
//! by category, read from the district's routing file.

use serde::Deserialize;

use toml::Spanned;

use crate::calendar::ConfigError;
use crate::network::InstitutionType;
use crate::request::Category;
use crate::rule_file::{located, toml_error};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// `None` matches every category.
    pub category: Option<Category>,
    /// Institution types to try in order.
    pub to: Vec<InstitutionType>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingTable {
    pub routes: Vec<Route>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    rule: Vec<RuleEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    category: Spanned<String>,
    to: Spanned<String>,
    #[serde(default)]
    fallback: Vec<Spanned<String>>,
}

impl RoutingTable {
    pub fn parse(text: &str) -> Result<RoutingTable, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| toml_error("分派规则文件", text, &e))?;
        let mut routes = Vec::new();
        for r in &file.rule {
            let category =
                match r.category.get_ref().trim() {
                    "*" => None,
                    code => Some(Category::from_code(code).ok_or_else(|| {
                        located(text, r.category.span(), format!("事项类别“{code}”不是平台已知的类别"))
                    })?),
                };
            let mut to = Vec::new();
            for code in std::iter::once(&r.to).chain(&r.fallback) {
                to.push(InstitutionType::from_code(code.get_ref().trim()).ok_or_else(|| {
                    located(text, code.span(), format!("机构类型“{}”不是平台已知的类型", code.get_ref()))
                })?);
            }
            routes.push(Route { category, to });
        }
        if !routes.iter().any(|r| r.category.is_none()) {
            return Err(ConfigError("分派规则缺少兜底规则（category = \"*\"）".into()));
        }
        Ok(RoutingTable { routes })
    }

    /// The institution types to try for a category, in order.
    pub fn targets(&self, category: Category) -> &[InstitutionType] {
        self.routes.iter().find(|r| r.category.is_none_or(|c| c == category)).map(|r| r.to.as_slice()).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules() {
        let t = RoutingTable::parse(include_str!("../../../data/routing.toml")).unwrap();
        assert_eq!(t.targets(Category::LegalAid), &[InstitutionType::LegalAidCenter, InstitutionType::ServiceCenter]);
        assert_eq!(t.targets(Category::Consultation)[0], InstitutionType::Workstation);
        assert!(RoutingTable::parse("[[rule]]\ncategory = \"x\"\nto = \"workstation\"").unwrap_err().0.contains("“x”"));
        assert!(
            RoutingTable::parse("[[rule]]\ncategory = \"consultation\"\nto = \"castle\"")
                .unwrap_err()
                .0
                .contains("castle")
        );
        assert!(
            RoutingTable::parse("[[rule]]\ncategory = \"consultation\"\nto = \"workstation\"")
                .unwrap_err()
                .0
                .contains("兜底")
        );
    }
}
