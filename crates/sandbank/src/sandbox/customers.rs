//! `POST /sandbox/customers`: a new customer with the accounts a test asks for, and a history
//! simulated like everyone else's.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use sandbank_api::problem::PROBLEM_JSON;
use sandbank_schemas::{Account, Party, Problem};
use sandbank_synth::Generator;
use sandbank_synth::spec::{CustomerSpec, Product};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::auth::{Admin, AdminKeyRefused};
use super::body;
use super::error::SandboxError;
use super::state::{self, SandboxState};
use crate::app::AppState;

/// Most accounts one created customer may hold.
pub const MAX_ACCOUNTS: usize = 20;

/// The account types a created customer may hold, as `accountType` takes them (`CURRENT` is
/// also accepted for `CHECKING`).
pub const ACCOUNT_TYPES: [(&str, Product); 19] = [
    ("CHECKING", Product::Checking),
    ("SAVINGS", Product::Savings),
    ("TERM_DEPOSIT", Product::TermDeposit),
    ("MONEY_MARKET", Product::MoneyMarket),
    ("CREDIT_CARD", Product::CreditCard),
    ("CHARGE_CARD", Product::ChargeCard),
    ("MORTGAGE", Product::Mortgage),
    ("AUTO_LOAN", Product::AutoLoan),
    ("PERSONAL_LOAN", Product::PersonalLoan),
    ("BROKERAGE", Product::Brokerage),
    ("RETIREMENT", Product::Retirement),
    ("TERM_LIFE", Product::TermLife),
    ("WHOLE_LIFE", Product::WholeLife),
    ("AUTO_INSURANCE", Product::AutoInsurance),
    ("HOME_INSURANCE", Product::HomeInsurance),
    ("TRAVEL_INSURANCE", Product::TravelInsurance),
    ("COMMERCIAL_DEPOSIT", Product::CommercialDeposit),
    ("COMMERCIAL_LINE_OF_CREDIT", Product::CommercialLineOfCredit),
    ("COMMERCIAL_LOAN", Product::CommercialLoan),
];

/// The characters ECMA 262 calls white space or line terminators (`\s` in a JSON Schema
/// pattern), as a pattern class: a name or nickname must have one character outside it.
const SPACES: &str = r"\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";

/// Whether `c` is in [`SPACES`].
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// Whether a name or nickname has nothing but white space.
fn blank(text: &str) -> bool {
    text.chars().all(is_space)
}

/// The control characters (Unicode `Cc`, what [`char::is_control`] tests), as a pattern class.
const CONTROLS: &str = r"\x00-\x1f\x7f-\x9f";

/// The account types that only an organisation holds.
const COMMERCIAL: [&str; 3] = [
    "COMMERCIAL_DEPOSIT",
    "COMMERCIAL_LINE_OF_CREDIT",
    "COMMERCIAL_LOAN",
];

/// What [`spec`] checks, in the schema: the name's characters, the account types and the mix
/// each party type needs (an `if`/`then`/`else` on `partyType`).
fn new_customer_schema(schema: &mut schemars::Schema) {
    let printable = format!("^[^{CONTROLS}]*[^{SPACES}{CONTROLS}][^{CONTROLS}]*$");
    if let Some(name) = schema
        .pointer_mut("/properties/name")
        .and_then(|n| n.as_object_mut())
    {
        name.insert("minLength".into(), 1.into());
        name.insert("maxLength".into(), 100.into());
        name.insert("pattern".into(), printable.into());
    }
    if let Some(party) = schema
        .pointer_mut("/properties/partyType")
        .and_then(|n| n.as_object_mut())
    {
        party.insert(
            "enum".into(),
            serde_json::json!(["INDIVIDUAL", "ORGANISATION", null]),
        );
    }
    if let Some(accounts) = schema
        .pointer_mut("/properties/accounts")
        .and_then(|n| n.as_object_mut())
    {
        accounts.insert("minItems".into(), 1.into());
        accounts.insert("maxItems".into(), MAX_ACCOUNTS.into());
    }
    let holding = |types: serde_json::Value, main: serde_json::Value| {
        serde_json::json!({"properties": {"accounts": {
            "items": {"properties": {"accountType": types}},
            "contains": {"properties": {"accountType": {"enum": main}}}
        }}})
    };
    schema.insert(
        "if".into(),
        serde_json::json!({"required": ["partyType"], "properties": {"partyType": {"const": "ORGANISATION"}}}),
    );
    schema.insert(
        "then".into(),
        holding(
            serde_json::json!({"enum": COMMERCIAL}),
            serde_json::json!(["COMMERCIAL_DEPOSIT"]),
        ),
    );
    schema.insert(
        "else".into(),
        holding(
            serde_json::json!({"not": {"enum": COMMERCIAL}}),
            serde_json::json!(["CHECKING", "CURRENT"]),
        ),
    );
}

/// The account types and the nickname's length and characters, in the schema.
fn new_account_schema(schema: &mut schemars::Schema) {
    if let Some(kind) = schema
        .pointer_mut("/properties/accountType")
        .and_then(|n| n.as_object_mut())
    {
        let names: Vec<&str> = std::iter::once("CURRENT")
            .chain(ACCOUNT_TYPES.iter().map(|(name, _)| *name))
            .collect();
        kind.insert("enum".into(), serde_json::json!(names));
    }
    if let Some(nickname) = schema
        .pointer_mut("/properties/nickname")
        .and_then(|n| n.as_object_mut())
    {
        nickname.insert("minLength".into(), 1.into());
        nickname.insert("maxLength".into(), 60.into());
        nickname.insert("pattern".into(), format!("[^{SPACES}]").into());
    }
}

/// A customer to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxNewCustomer", transform = new_customer_schema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCustomer {
    /// The login name: 1 to 64 characters from `a-z`, `0-9`, `.`, `_` and `-`, starting with a
    /// letter or digit, and not taken.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"))]
    pub username: String,
    /// A person's full name ("Jane Doe"; the last word is the family name) or an
    /// organisation's legal name. Drawn by the generator when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `INDIVIDUAL` (default) or `ORGANISATION`. An organisation holds `COMMERCIAL_*` accounts
    /// only, and a person no `COMMERCIAL_*` account; an organisation's director logs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_type: Option<String>,
    /// One to twenty accounts. A person needs a `CHECKING` account and an organisation a
    /// `COMMERCIAL_DEPOSIT` account: income, bills and card spending go through the first one.
    pub accounts: Vec<NewAccount>,
}

sandbank_schemas::openapi_component!(NewCustomer => "SandboxNewCustomer");

/// An account of a customer to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxNewAccount", transform = new_account_schema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAccount {
    /// `CHECKING` (or `CURRENT`), `SAVINGS`, `TERM_DEPOSIT`, `MONEY_MARKET`, `CREDIT_CARD`,
    /// `CHARGE_CARD`, `MORTGAGE`, `AUTO_LOAN`, `PERSONAL_LOAN`, `BROKERAGE`, `RETIREMENT`,
    /// `TERM_LIFE`, `WHOLE_LIFE`, `AUTO_INSURANCE`, `HOME_INSURANCE`, `TRAVEL_INSURANCE`,
    /// `COMMERCIAL_DEPOSIT`, `COMMERCIAL_LINE_OF_CREDIT` or `COMMERCIAL_LOAN`.
    pub account_type: String,
    /// The customer's name for the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
}

/// A customer just created: who logs in, their party and their accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "SandboxCreatedCustomer")]
#[serde(rename_all = "camelCase")]
pub struct CreatedCustomer {
    /// The login name.
    pub username: String,
    /// The password (the sandbox's, the same for everyone).
    pub password: String,
    /// The name the pages show.
    pub name: String,
    /// The customer's party (the `sub` of their tokens).
    pub party_id: String,
    /// The customer's party.
    pub party: Party,
    /// Their accounts, as the bank API serves them.
    pub accounts: Vec<Account>,
}

sandbank_schemas::openapi_component!(CreatedCustomer => "SandboxCreatedCustomer");

fn valid_username(username: &str) -> bool {
    let mut chars = username.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && username.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

/// The generator's spec for `request`, or why it cannot be made.
pub fn spec(request: &NewCustomer) -> Result<CustomerSpec, SandboxError> {
    if !valid_username(&request.username) {
        return Err(SandboxError::invalid(
            "/username",
            "a username is 1 to 64 characters from a-z, 0-9, '.', '_' and '-', starting with a letter or digit",
        ));
    }
    let organisation = match request.party_type.as_deref() {
        None | Some("INDIVIDUAL") => false,
        Some("ORGANISATION") => true,
        Some(other) => {
            return Err(SandboxError::invalid(
                "/partyType",
                format!("unknown partyType {other:?}: use INDIVIDUAL or ORGANISATION"),
            ));
        }
    };
    if request
        .name
        .as_deref()
        .is_some_and(|n| blank(n) || n.chars().count() > 100 || n.chars().any(char::is_control))
    {
        return Err(SandboxError::invalid(
            "/name",
            "a name is 1 to 100 printable characters",
        ));
    }
    let name = request.name.as_deref().map(str::trim);
    if request.accounts.is_empty() || request.accounts.len() > MAX_ACCOUNTS {
        return Err(SandboxError::invalid(
            "/accounts",
            format!("give 1 to {MAX_ACCOUNTS} accounts"),
        ));
    }
    let mut products = Vec::with_capacity(request.accounts.len());
    for (n, account) in request.accounts.iter().enumerate() {
        let wanted = match account.account_type.as_str() {
            "CURRENT" => "CHECKING",
            other => other,
        };
        let Some((_, product)) = ACCOUNT_TYPES.iter().find(|(name, _)| *name == wanted) else {
            let known: Vec<&str> = ACCOUNT_TYPES.iter().map(|(name, _)| *name).collect();
            return Err(SandboxError::invalid(
                &format!("/accounts/{n}/accountType"),
                format!(
                    "unknown accountType {:?}: use one of {}",
                    account.account_type,
                    known.join(", ")
                ),
            ));
        };
        let commercial = matches!(
            product,
            Product::CommercialDeposit | Product::CommercialLineOfCredit | Product::CommercialLoan
        );
        if commercial != organisation {
            return Err(SandboxError::invalid(
                &format!("/accounts/{n}/accountType"),
                if organisation {
                    format!("an ORGANISATION holds COMMERCIAL_* accounts only, not {wanted}")
                } else {
                    format!("{wanted} is for organisations: set partyType to ORGANISATION")
                },
            ));
        }
        if let Some(nickname) = &account.nickname
            && (blank(nickname) || nickname.chars().count() > 60)
        {
            return Err(SandboxError::invalid(
                &format!("/accounts/{n}/nickname"),
                "a nickname is 1 to 60 characters",
            ));
        }
        products.push(*product);
    }
    let (main, why) = if organisation {
        (
            Product::CommercialDeposit,
            "an ORGANISATION needs a COMMERCIAL_DEPOSIT account: receipts, payroll and suppliers go through it",
        )
    } else {
        (
            Product::Checking,
            "an INDIVIDUAL needs a CHECKING (CURRENT) account: salary, bills and card spending go through it",
        )
    };
    if !products.contains(&main) {
        return Err(SandboxError::invalid("/accounts", why));
    }
    let mut spec = if organisation {
        let legal_name = name.map_or_else(
            || format!("{} Ltd", title(&request.username)),
            str::to_owned,
        );
        CustomerSpec::business(&request.username, legal_name, &products)
    } else {
        let (given, family) = match name.map(|n| {
            n.rsplit_once(' ')
                .map_or((n, None), |(g, f)| (g.trim(), Some(f)))
        }) {
            Some((given, family)) => (Some(given.to_owned()), family.map(str::to_owned)),
            None => (None, None),
        };
        CustomerSpec::individual(&request.username, given, family, &products)
    };
    for (account, requested) in spec.accounts.iter_mut().zip(&request.accounts) {
        account.nickname = requested.nickname.as_ref().map(|n| n.trim().to_owned());
    }
    Ok(spec)
}

/// `harbour.line-2` → `Harbour Line 2`.
fn title(username: &str) -> String {
    username
        .split(['.', '_', '-'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Creates a customer: their history is simulated by the same generator as everyone's, from a
/// seed derived from the dataset's seed and the username (the same request gives the same
/// customer), over the current history, and added to the dataset in one transaction. They can
/// log in at once with the sandbox password; they stay through clock moves (their history is
/// simulated on with everyone's) and go with a reset.
pub async fn create_customer(
    app: &AppState,
    request: &NewCustomer,
) -> Result<CreatedCustomer, SandboxError> {
    let spec = spec(request)?;
    let _change = app.sandbox.changes.lock().await;
    if app
        .store
        .customer_by_username(&spec.username)
        .await?
        .is_some()
    {
        return Err(SandboxError::Conflict(format!(
            "the username {:?} is taken",
            spec.username
        )));
    }
    let mut state = SandboxState::load(&app.store, app.auth.now()).await?;
    let seed = app.sandbox.dataset();
    let generator = Generator::new(state.dataset(seed))?;
    let bundle = generator.created(&spec);
    state.customers.push(spec);
    let mut loader = app.store.begin_extend(&state.manifest(seed)).await?;
    loader.insert(&bundle).await?;
    state::write(&mut loader, app, &state).await?;
    loader.commit().await.map_err(|error| match error {
        sandbank_store::StoreError::Duplicate(_) => {
            SandboxError::Conflict("the customer's username or ids are taken".to_owned())
        }
        other => other.into(),
    })?;
    let customer = bundle
        .customers
        .first()
        .ok_or_else(|| SandboxError::internal("the generator made no customer"))?;
    let party = bundle
        .parties
        .iter()
        .find(|p| p.party_id == customer.party_id)
        .cloned()
        .ok_or_else(|| SandboxError::internal("the generator made no party for the customer"))?;
    Ok(CreatedCustomer {
        username: customer.username.clone(),
        password: app.auth.config.sandbox_password.clone(),
        name: customer.display_name.clone(),
        party_id: customer.party_id.to_string(),
        party,
        accounts: bundle.accounts.clone(),
    })
}

/// Creates a customer with the accounts asked for.
#[utoipa::path(
    post,
    path = "/sandbox/customers",
    operation_id = "createSandboxCustomer",
    tag = "sandbox",
    security(("adminKey" = [])),
    request_body(content = NewCustomer, description = "`{\"username\": \"jo\", \"name\": \"Jo Bloggs\", \"accounts\": [{\"accountType\": \"CHECKING\"}, {\"accountType\": \"CREDIT_CARD\"}]}`."),
    responses(
        (status = 201, description = "The customer, their party and accounts. Their history (salary, bills, card spending, statements...) is simulated like everyone's, deterministically from the seed and the username. They log in at once with the password `sandbank`, stay through clock moves and go with a reset.", body = CreatedCustomer),
        (status = 400, description = "A malformed body, username, name or party type, no accounts or more than twenty, or an unknown account type (`errors[].pointer` names it, e.g. `/accounts/1/accountType`).", body = Problem, content_type = PROBLEM_JSON),
        AdminKeyRefused,
        (status = 409, description = "The username is taken (by a persona, a generated customer or a created one).", body = Problem, content_type = PROBLEM_JSON),
        (status = 500, description = "The sandbox could not create the customer; nothing changed.", body = Problem, content_type = PROBLEM_JSON)
    )
)]
pub async fn post_customer(
    _admin: Admin,
    State(app): State<AppState>,
    bytes: Bytes,
) -> Result<(StatusCode, Json<CreatedCustomer>), SandboxError> {
    let request: NewCustomer = body::json(&bytes, false)?;
    let created = create_customer(&app, &request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_username_pattern_is_the_rule_the_server_checks() {
        let schema = serde_json::to_value(schemars::schema_for!(NewCustomer)).unwrap();
        let username = &schema["properties"]["username"];
        let validator = jsonschema::validator_for(username).unwrap();
        let long = "a".repeat(64);
        let too_long = "a".repeat(65);
        for name in [
            "jo",
            "0",
            "a.b_c-d",
            &long,
            &too_long,
            "",
            "-jo",
            "Jo",
            "jo bloggs",
            "jö",
            ".x",
        ] {
            assert_eq!(
                validator.is_valid(&serde_json::json!(name)),
                valid_username(name),
                "{name:?}"
            );
        }
    }

    fn request(username: &str, party_type: Option<&str>, types: &[&str]) -> NewCustomer {
        NewCustomer {
            username: username.to_owned(),
            name: None,
            party_type: party_type.map(str::to_owned),
            accounts: types
                .iter()
                .map(|t| NewAccount {
                    account_type: (*t).to_owned(),
                    nickname: None,
                })
                .collect(),
        }
    }

    fn pointer(result: Result<CustomerSpec, SandboxError>) -> String {
        match result {
            Err(SandboxError::Invalid { errors, .. }) => errors[0].pointer.clone(),
            other => panic!("{other:?}"),
        }
    }

    /// The published schema of the request is the rule the server checks: a body is valid by
    /// the schema exactly when [`spec`] accepts it.
    #[test]
    fn the_documented_schema_is_the_rule_the_server_checks() {
        let schema = serde_json::to_value(schemars::schema_for!(NewCustomer)).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let long_name = "n".repeat(100);
        let too_long_name = "n".repeat(101);
        let person = |name: serde_json::Value, accounts: serde_json::Value| serde_json::json!({"username": "jo", "name": name, "accounts": accounts});
        let checking = serde_json::json!([{"accountType": "CHECKING"}]);
        let bodies = [
            person(serde_json::json!(null), checking.clone()),
            person(serde_json::json!("Jo Bloggs"), checking.clone()),
            person(serde_json::json!(" Jo "), checking.clone()),
            person(serde_json::json!(long_name), checking.clone()),
            person(serde_json::json!(too_long_name), checking.clone()),
            person(serde_json::json!(""), checking.clone()),
            person(serde_json::json!("   "), checking.clone()),
            person(serde_json::json!("\u{feff}"), checking.clone()),
            person(serde_json::json!("\u{85}"), checking.clone()),
            person(serde_json::json!("Jo\u{7}"), checking.clone()),
            person(serde_json::json!("Jo\u{9f}x"), checking.clone()),
            person(serde_json::json!("Zoë 王"), checking.clone()),
            person(serde_json::json!(null), serde_json::json!([])),
            person(
                serde_json::json!(null),
                serde_json::json!([{"accountType": "CURRENT"}]),
            ),
            person(
                serde_json::json!(null),
                serde_json::json!([{"accountType": "SAVINGS"}]),
            ),
            person(
                serde_json::json!(null),
                serde_json::json!([{"accountType": ""}]),
            ),
            person(
                serde_json::json!(null),
                serde_json::json!([{"accountType": "CHECKING"}, {"accountType": "COMMERCIAL_LOAN"}]),
            ),
            person(
                serde_json::json!(null),
                serde_json::json!(vec![serde_json::json!({"accountType": "CHECKING"}); 21]),
            ),
            person(
                serde_json::json!(null),
                serde_json::json!(vec![serde_json::json!({"accountType": "CHECKING"}); 20]),
            ),
            person(
                serde_json::json!(null),
                serde_json::json!([{"accountType": "CHECKING", "nickname": ""}]),
            ),
            person(
                serde_json::json!(null),
                serde_json::json!([{"accountType": "CHECKING", "nickname": " \u{3000}"}]),
            ),
            person(
                serde_json::json!(null),
                serde_json::json!([{"accountType": "CHECKING", "nickname": "\u{85}"}]),
            ),
            person(
                serde_json::json!(null),
                serde_json::json!([{"accountType": "CHECKING", "nickname": "Bills"}]),
            ),
            person(
                serde_json::json!(null),
                serde_json::json!([{"accountType": "CHECKING", "nickname": "b".repeat(61)}]),
            ),
            person(
                serde_json::json!(null),
                serde_json::json!([{"accountType": "CHECKING", "nickname": null}]),
            ),
            serde_json::json!({"username": "jo", "partyType": "ORGANISATION", "accounts": [{"accountType": "COMMERCIAL_DEPOSIT"}, {"accountType": "COMMERCIAL_LOAN"}]}),
            serde_json::json!({"username": "jo", "partyType": "ORGANISATION", "accounts": [{"accountType": "COMMERCIAL_LOAN"}]}),
            serde_json::json!({"username": "jo", "partyType": "ORGANISATION", "accounts": [{"accountType": "COMMERCIAL_DEPOSIT"}, {"accountType": "CHECKING"}]}),
            serde_json::json!({"username": "jo", "partyType": "INDIVIDUAL", "accounts": [{"accountType": "CHECKING"}]}),
            serde_json::json!({"username": "jo", "partyType": null, "accounts": [{"accountType": "CHECKING"}]}),
            serde_json::json!({"username": "jo", "partyType": "PERSON", "accounts": [{"accountType": "CHECKING"}]}),
        ];
        for body in bodies {
            let request: NewCustomer = serde_json::from_value(body.clone()).unwrap();
            assert_eq!(validator.is_valid(&body), spec(&request).is_ok(), "{body}");
        }
    }

    #[test]
    fn requests_become_specs() {
        let mut jo = request("jo.bloggs", None, &["CURRENT", "CREDIT_CARD", "MORTGAGE"]);
        jo.name = Some("Jo Anne Bloggs".to_owned());
        jo.accounts[1].nickname = Some("Shopping".to_owned());
        let jo = spec(&jo).unwrap();
        assert_eq!(jo.given_name.as_deref(), Some("Jo Anne"));
        assert_eq!(jo.family_name.as_deref(), Some("Bloggs"));
        let products: Vec<Product> = jo.accounts.iter().map(|a| a.product).collect();
        assert_eq!(
            products,
            [Product::Checking, Product::CreditCard, Product::Mortgage]
        );
        assert_eq!(jo.accounts[1].nickname.as_deref(), Some("Shopping"));

        let acme = spec(&request(
            "acme",
            Some("ORGANISATION"),
            &["COMMERCIAL_DEPOSIT"],
        ))
        .unwrap();
        assert_eq!(acme.organisation.unwrap().legal_name, "Acme Ltd");
    }

    #[test]
    fn bad_requests_name_the_field() {
        assert_eq!(
            pointer(spec(&request("Jo", None, &["CHECKING"]))),
            "/username"
        );
        assert_eq!(
            pointer(spec(&request("", None, &["CHECKING"]))),
            "/username"
        );
        assert_eq!(
            pointer(spec(&request("jo", Some("PERSON"), &["CHECKING"]))),
            "/partyType"
        );
        assert_eq!(pointer(spec(&request("jo", None, &[]))), "/accounts");
        assert_eq!(
            pointer(spec(&request("jo", None, &["CREDIT_CARD"]))),
            "/accounts"
        );
        assert_eq!(
            pointer(spec(&request(
                "jo",
                Some("ORGANISATION"),
                &["COMMERCIAL_LOAN"]
            ))),
            "/accounts"
        );
        assert_eq!(
            pointer(spec(&request("jo", None, &["CHECKING", "GOLD_BARS"]))),
            "/accounts/1/accountType"
        );
        assert_eq!(
            pointer(spec(&request("jo", None, &["CHECKING", "COMMERCIAL_LOAN"]))),
            "/accounts/1/accountType"
        );
        assert_eq!(
            pointer(spec(&request(
                "jo",
                Some("ORGANISATION"),
                &["COMMERCIAL_DEPOSIT", "SAVINGS"]
            ))),
            "/accounts/1/accountType"
        );
    }
}
