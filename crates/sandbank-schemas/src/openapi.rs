//! The bridge between these models and OpenAPI documents built with `utoipa`.
//!
//! Sandbank derives one schema per type, with `schemars`. OpenAPI documents must show the same
//! schemas, not a second derivation that could drift. So a model used as a request or response
//! body implements `utoipa::ToSchema` with `openapi_component!` (below): its schema is only a reference,
//! `#/components/schemas/<Name>`, and the component itself is filled in from the JSON Schema
//! document when the OpenAPI document is assembled (see `sandbank_registry::openapi`).
//!
//! The implementations live here because Rust only allows implementing a foreign trait
//! (`ToSchema`) for a type in the crate that defines the type or the trait.

#[doc(hidden)]
pub use utoipa as __utoipa;

/// Implements `utoipa::PartialSchema` and `utoipa::ToSchema` for each type as a reference to the
/// named component: `openapi_component!(Account => "Account", Problem => "Problem");`
#[macro_export]
macro_rules! openapi_component {
    ($($ty:ty => $name:literal),* $(,)?) => {$(
        impl $crate::openapi::__utoipa::PartialSchema for $ty {
            fn schema() -> $crate::openapi::__utoipa::openapi::RefOr<
                $crate::openapi::__utoipa::openapi::schema::Schema,
            > {
                $crate::openapi::__utoipa::openapi::RefOr::Ref(
                    $crate::openapi::__utoipa::openapi::Ref::from_schema_name($name),
                )
            }
        }

        impl $crate::openapi::__utoipa::ToSchema for $ty {
            fn name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed($name)
            }
        }
    )*};
}

openapi_component!(
    crate::Account => "Account",
    crate::Balance => "Balance",
    crate::Transaction => "Transaction",
    crate::Statement => "Statement",
    crate::Holding => "Holding",
    crate::InsurancePolicy => "InsurancePolicy",
    crate::InsuranceClaim => "InsuranceClaim",
    crate::ClaimRequest => "InsuranceClaimRequest",
    crate::Card => "Card",
    crate::CardControlsUpdate => "CardControlsUpdate",
    crate::Party => "Party",
    crate::AccountParty => "AccountParty",
    crate::PaymentRequest => "PaymentRequest",
    crate::Payment => "Payment",
    crate::PaymentEvent => "PaymentEvent",
    crate::Consent => "Consent",
    crate::AuthorizationDetail => "AuthorizationDetail",
    crate::Problem => "Problem",
);

/// A typed page: `Page<Account>` is the component `AccountPage`, the catalogue's `Page` with
/// `data` narrowed to an array of `Account`. utoipa cannot name a generic body, so a route
/// names its page through a type alias (`type AccountPage = Page<Account>`) and this impl turns
/// any alias into its component: one rule for every list, none written by hand.
impl<T: __utoipa::ToSchema> __utoipa::PartialSchema for crate::Page<T> {
    fn schema() -> __utoipa::openapi::RefOr<__utoipa::openapi::schema::Schema> {
        use __utoipa::openapi::schema::{AllOfBuilder, ArrayBuilder, ObjectBuilder};
        use __utoipa::openapi::{Ref, RefOr};
        let item = T::name();
        let data = ObjectBuilder::new().property(
            "data",
            ArrayBuilder::new()
                .items(T::schema())
                .description(Some(format!("The `{item}`s on this page."))),
        );
        RefOr::T(
            AllOfBuilder::new()
                .item(Ref::from_schema_name("Page"))
                .item(data)
                .description(Some(format!("A page of `{item}`s.")))
                .into(),
        )
    }
}

impl<T: __utoipa::ToSchema> __utoipa::ToSchema for crate::Page<T> {
    fn name() -> ::std::borrow::Cow<'static, str> {
        ::std::borrow::Cow::Owned(format!("{}Page", T::name()))
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            __utoipa::openapi::RefOr<__utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}

/// The component name of a catalogue schema: its name in PascalCase (`insurance-policy` →
/// `InsurancePolicy`), which is also the Rust type's name.
pub fn component_name(schema_name: &str) -> String {
    schema_name
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use utoipa::ToSchema;

    use super::*;

    #[test]
    fn component_names_are_pascal_case_type_names() {
        assert_eq!(component_name("insurance-policy"), "InsurancePolicy");
        assert_eq!(component_name("account"), "Account");
        assert_eq!(
            crate::InsurancePolicy::name(),
            component_name("insurance-policy")
        );
        assert_eq!(
            crate::CardControlsUpdate::name(),
            component_name("card-controls-update")
        );
    }

    #[test]
    fn a_typed_page_is_the_page_with_typed_items() {
        type AccountPage = crate::Page<crate::Account>;
        assert_eq!(AccountPage::name(), "AccountPage");
        let schema =
            serde_json::to_value(<AccountPage as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["allOf"][0]["$ref"], "#/components/schemas/Page");
        assert_eq!(
            schema["allOf"][1]["properties"]["data"]["items"]["$ref"],
            "#/components/schemas/Account"
        );
    }
}
