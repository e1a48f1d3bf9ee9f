//! Columns that hold one of a fixed set of strings become GraphQL enums.

/// Declares a GraphQL enum whose values map one-to-one onto the strings a column stores.
///
/// ```text
/// db_enum!(
///     /// Where a studio focuses.
///     BusinessArea { Marketing = "marketing", Sales = "sales" }
/// );
/// ```
#[macro_export]
macro_rules! db_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// The value stored in the database.
            pub fn as_db(self) -> &'static str {
                match self {
                    $(Self::$variant => $value),+
                }
            }

            /// Reads a stored value; an unknown value means the database and the code disagree.
            pub fn from_db(value: &str) -> Result<Self, $crate::GraphError> {
                match value {
                    $($value => Ok(Self::$variant),)+
                    other => Err($crate::GraphError::internal(&format!(
                        "unknown {} value {other:?}",
                        stringify!($name)
                    ))),
                }
            }
        }
    };
}
