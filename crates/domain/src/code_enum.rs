//! Closed vocabularies (institution types, roles, services …) each have a stable
//! snake_case code used in the API, the database and data files, and a Chinese label
//! shown to users. [`code_enum!`] declares one such vocabulary in one place.

/// Declares a vocabulary: `Variant => ("code", "标签")`. The type gets `ALL`, `code()`,
/// `label()`, `from_code()`, `parse_field()`, serde as its code, and an OpenAPI schema
/// listing every code with its label.
#[macro_export]
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident => ($code:literal, $label:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in the order users see them.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];
            /// What this vocabulary is called in Chinese, for messages.
            #[allow(dead_code)]
            pub const WHAT: &'static str = $what;

            /// The stable snake_case code.
            pub const fn code(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }

            /// The Chinese label.
            pub const fn label(self) -> &'static str {
                match self { $( $name::$variant => $label ),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $( $code => Some($name::$variant), )+ _ => None }
            }

            /// Parses a code sent by a user, naming `field` when it is unknown.
            pub fn parse_field(field: &str, code: &str) -> Result<Self, $crate::FieldError> {
                let code = code.trim();
                if code.is_empty() {
                    return Err($crate::FieldError::new(field, format!("请选择{}", $what)));
                }
                Self::from_code(code).ok_or_else(|| {
                    $crate::FieldError::new(
                        field,
                        format!("{}“{}”不是平台已知的{}", $what, $crate::text::clip(code, 40), $what),
                    )
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::FieldError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse_field(stringify!($name), s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                Self::from_code(&code).ok_or_else(|| {
                    let known: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                    serde::de::Error::custom(format!(
                        "未知的{}代码“{}”，可选：{}", $what, code, known.join(", ")
                    ))
                })
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let described: Vec<String> =
                    Self::ALL.iter().map(|v| format!("`{}` {}", v.code(), v.label())).collect();
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some(Self::ALL.iter().map(|v| v.code())))
                    .description(Some(format!("{}：{}", $what, described.join("；"))))
                    .build()
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

#[cfg(test)]
mod tests {
    crate::code_enum! {
        enum Fruit: "水果" {
            Apple => ("apple", "苹果"),
            Pear => ("pear", "梨"),
        }
    }

    #[test]
    fn codes_and_labels_round_trip() {
        for fruit in Fruit::ALL {
            assert_eq!(Fruit::from_code(fruit.code()), Some(*fruit));
        }
        assert_eq!(Fruit::Pear.label(), "梨");
        assert_eq!(Fruit::from_code("banana"), None);
    }

    #[test]
    fn unknown_code_names_the_field_in_chinese() {
        let err = Fruit::parse_field("fruit", "banana").unwrap_err();
        assert_eq!(err.field, "fruit");
        assert!(err.message.contains("banana") && err.message.contains("水果"));
        let err = Fruit::parse_field("fruit", "  ").unwrap_err();
        assert_eq!(err.message, "请选择水果");
    }
}
