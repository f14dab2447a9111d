//! One customer from spec to records: set up the accounts, live through the history day by
//! day, then write every record.

use std::sync::Arc;

use chrono::{Datelike, Days, Months, NaiveDate};
use fake::Fake;
use fake::faker::address::en::StreetName;
use fake::faker::name::en::{FirstName, LastName};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use sandbank_schemas::account::{AccountRelationship, AuthorisedUser};
use sandbank_schemas::card::{CardNetwork, CardType};
use sandbank_schemas::common::{
    AccountId, Address, CountryCode, Currency, MaskedPan, PartyId, PaymentScheme,
};
use sandbank_schemas::dataset::{Customer, CustomerData};
use sandbank_schemas::party::{
    AuthorisedPerson, Email, Individual, IndustryCode, IndustryCodeScheme, Organisation,
    PartyDetails, Phone, PhoneType,
};
use sandbank_schemas::transaction::{TransactionCategory, TransactionDetails, TransferKind};
use sandbank_schemas::{AccountParty, Party};

use crate::data;
use crate::ledger::{Ledger, id};
use crate::records::{self, AccountView};
use crate::seed::Seed;
use crate::sim::{Acct, CardRef, ClaimRef, Kind, PolicyRef, Sim, everyday, is_due, product_label};
use crate::spec::{AccountSpec, CustomerSpec, EmployeeSpec, OrganisationSpec, Product};

/// What every customer's history shares.
#[derive(Clone)]
pub struct World {
    /// Root of the seed tree.
    pub root: Seed,
    /// First day of history.
    pub start: NaiveDate,
    /// The day the history was first generated for. Whatever is drawn before the simulation
    /// runs (birth dates, when accounts open and close, trips, claims) is placed relative to
    /// it, never to `end`, so that simulating on to a later `end` keeps every earlier day.
    pub origin: NaiveDate,
    /// Day the history ends (exclusive); "today" for the dataset.
    pub end: NaiveDate,
    /// Daily security prices.
    pub prices: Arc<Vec<Vec<i64>>>,
    /// The personas (for joint accounts across personas).
    pub personas: Arc<Vec<CustomerSpec>>,
}

/// The seed of a persona.
pub fn persona_seed(root: Seed, username: &str) -> Seed {
    root.child("persona").child(username)
}

fn party_id(seed: Seed) -> PartyId {
    id(seed.child("party"), "pty")
}

fn account_id(seed: Seed, key: &str) -> AccountId {
    id(seed.child("account").child(key), "acc")
}

fn parse_minor(text: Option<&str>) -> Option<i64> {
    let text = text?;
    let (units, cents) = text.split_once('.').unwrap_or((text, "0"));
    let cents = format!("{cents:0<2}");
    Some(units.parse::<i64>().ok()? * 100 + cents.get(..2)?.parse::<i64>().ok()?)
}

fn ascii_lower(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Draws a synthetic customer.
pub fn draw(seed: Seed, index: u64, commercial_share_pct: u32) -> CustomerSpec {
    let mut rng = seed.child("profile").rng();
    let given: String = FirstName().fake_with_rng(&mut rng);
    let family: String = LastName().fake_with_rng(&mut rng);
    let username = format!("{}.{}.{index}", ascii_lower(&given), ascii_lower(&family));
    if rng.random_range(0..100) < commercial_share_pct {
        return draw_business(&mut rng, username, given, family);
    }
    let mut accounts = vec![AccountSpec::new("current", Product::Checking)];
    let mut add = |rng: &mut ChaCha8Rng, percent: u32, key: &str, product: Product| {
        if rng.random_range(0..100) < percent {
            accounts.push(AccountSpec::new(key, product));
        }
    };
    add(&mut rng, 65, "savings", Product::Savings);
    add(&mut rng, 55, "card", Product::CreditCard);
    add(&mut rng, 30, "mortgage", Product::Mortgage);
    add(&mut rng, 12, "car-loan", Product::AutoLoan);
    add(&mut rng, 8, "loan", Product::PersonalLoan);
    add(&mut rng, 18, "isa", Product::Brokerage);
    add(&mut rng, 10, "pension", Product::Retirement);
    add(&mut rng, 8, "fixed", Product::TermDeposit);
    add(&mut rng, 40, "motor", Product::AutoInsurance);
    add(&mut rng, 30, "home", Product::HomeInsurance);
    add(&mut rng, 15, "life", Product::TermLife);
    add(&mut rng, 10, "travel", Product::TravelInsurance);
    if rng.random_range(0..100) < 15 {
        // A savings account opened during the history.
        let mut late = AccountSpec::new("new-saver", Product::Savings);
        late.opened_months_ago = Some(rng.random_range(1..6));
        late.opening_balance = Some("0.00".to_owned());
        accounts.push(late);
    }
    CustomerSpec {
        username,
        summary: None,
        given_name: Some(given),
        family_name: Some(family),
        organisation: None,
        salary: None,
        accounts,
    }
}

fn draw_business(
    rng: &mut ChaCha8Rng,
    username: String,
    given: String,
    family: String,
) -> CustomerSpec {
    let street: String = LastName().fake_with_rng(rng);
    let kinds = [
        (
            "Joinery Ltd",
            "16230",
            "Manufacture of other builders' carpentry and joinery",
        ),
        ("Catering Ltd", "56210", "Event catering activities"),
        (
            "Digital Ltd",
            "62012",
            "Business and domestic software development",
        ),
        ("Cycles Ltd", "47640", "Retail sale of sports goods"),
        ("Couriers Ltd", "53202", "Unlicensed carrier"),
    ];
    let (suffix, sic, industry) = kinds[rng.random_range(0..kinds.len())];
    let mut employees = vec![EmployeeSpec {
        key: "director".to_owned(),
        given_name: given.clone(),
        family_name: family.clone(),
        role: "Director".to_owned(),
    }];
    for n in 0..rng.random_range(1..3) {
        employees.push(EmployeeSpec {
            key: format!("staff-{n}"),
            given_name: FirstName().fake_with_rng(rng),
            family_name: LastName().fake_with_rng(rng),
            role: ["Office manager", "Site lead", "Sales lead"][n % 3].to_owned(),
        });
    }
    let cardholders = employees.iter().skip(1).map(|e| e.key.clone()).collect();
    let mut facility = AccountSpec::new("facility", Product::CommercialLineOfCredit);
    facility.cardholders = cardholders;
    let mut accounts = vec![
        AccountSpec::new("operating", Product::CommercialDeposit),
        facility,
    ];
    if rng.random_range(0..100) < 40 {
        accounts.push(AccountSpec::new("loan", Product::CommercialLoan));
    }
    CustomerSpec {
        username,
        summary: None,
        given_name: Some(given),
        family_name: Some(family),
        organisation: Some(OrganisationSpec {
            legal_name: format!("{street} {suffix}"),
            trading_name: None,
            sic_code: sic.to_owned(),
            industry: industry.to_owned(),
            employees,
            headcount: rng.random_range(3..25),
        }),
        salary: None,
        accounts,
    }
}

/// A person as the customer builder knows them.
#[derive(Clone)]
struct Person {
    party_id: PartyId,
    given: String,
    family: String,
    date_of_birth: NaiveDate,
}

impl Person {
    fn name(&self) -> String {
        format!("{} {}", self.given, self.family)
    }
}

/// Builds one customer's records.
pub fn build(world: &World, spec: &CustomerSpec, seed: Seed, persona: bool) -> CustomerData {
    let mut rng = seed.child("setup").rng();
    let end = world.end;
    let as_of = end.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let given = spec
        .given_name
        .clone()
        .unwrap_or_else(|| FirstName().fake_with_rng(&mut rng));
    let family = spec
        .family_name
        .clone()
        .unwrap_or_else(|| LastName().fake_with_rng(&mut rng));
    let address = address(&mut rng);
    let me = Person {
        party_id: party_id(seed),
        given: given.clone(),
        family: family.clone(),
        date_of_birth: birth_date(&mut rng, world.origin),
    };
    let mut data = CustomerData::default();

    // Who is who: the customer party, and for a business its organisation and employees.
    let organisation = spec.organisation.as_ref();
    let employees: Vec<(String, Person, String)> = organisation
        .map(|org| {
            org.employees
                .iter()
                .enumerate()
                .map(|(n, e)| {
                    let person = if n == 0 {
                        me.clone()
                    } else {
                        Person {
                            party_id: party_id(seed.child("employee").child(&e.key)),
                            given: e.given_name.clone(),
                            family: e.family_name.clone(),
                            date_of_birth: birth_date(&mut rng, world.origin),
                        }
                    };
                    (e.key.clone(), person, e.role.clone())
                })
                .collect()
        })
        .unwrap_or_default();
    let business = organisation.map(|org| {
        (
            id::<PartyId>(seed.child("organisation"), "pty"),
            org.legal_name.clone(),
        )
    });
    for (_, person, _) in &employees {
        data.parties.push(individual(person, &address, &mut rng));
    }
    if employees.is_empty() {
        data.parties.push(individual(&me, &address, &mut rng));
    }
    if let (Some(org), Some((org_party, _))) = (organisation, &business) {
        data.parties
            .push(organisation_party(org_party, org, &employees, &address));
    }
    let customer_party = business
        .as_ref()
        .map_or(me.party_id.clone(), |(p, _)| p.clone());
    data.customers.push(Customer {
        party_id: customer_party.clone(),
        username: spec.username.clone(),
        display_name: business.as_ref().map_or(me.name(), |(_, n)| n.clone()),
        persona,
        summary: spec.summary.clone(),
    });

    // Accounts and their starting state.
    let mut accts = Vec::new();
    for account in &spec.accounts {
        accts.push(setup_account(
            world, seed, account, &me, &employees, &mut rng,
        ));
    }
    let prices = world.prices.clone();
    let mut sim = Sim::new(seed, world.start, world.origin, end, accts, prices.clone());
    let main = sim
        .accts
        .iter()
        .position(|a| a.spec.product == Product::Checking && a.currency == Currency::GBP)
        .or_else(|| {
            sim.accts
                .iter()
                .position(|a| a.spec.product == Product::CommercialDeposit)
        })
        .unwrap_or(0);
    if business.is_some() {
        live_business(&mut sim, main, organisation, &employees);
    } else {
        live_retail(&mut sim, main, spec, &mut rng);
    }

    // Records.
    let ledgers: Vec<Ledger> = sim
        .accts
        .iter_mut()
        .map(|acct| Ledger {
            account_id: acct.id.clone(),
            currency: acct.currency,
            seed: acct.seed,
            opening_balance: acct.opening_balance,
            entries: std::mem::take(&mut acct.entries),
        })
        .collect();
    let final_prices: Vec<i64> = (0..data::SECURITIES.len())
        .map(|s| sim.price(s, end))
        .collect();
    for (acct, ledger) in sim.accts.iter().zip(&ledgers) {
        let mut holders = Vec::new();
        let mut authorised = Vec::new();
        if let Some((org_party, org_name)) = &business {
            holders.push(records::holder(
                org_party,
                org_name,
                AccountRelationship::BusinessOwner,
            ));
            for (key, person, role) in &employees {
                let card_user = acct.spec.cardholders.contains(key);
                if card_user || key == &employees.first().map(|e| e.0.clone()).unwrap_or_default() {
                    authorised.push(AuthorisedUser {
                        party_id: person.party_id.clone(),
                        name: person.name(),
                        role: role.clone(),
                    });
                    holders.push(records::holder(
                        &person.party_id,
                        &person.name(),
                        AccountRelationship::AuthorisedUser,
                    ));
                }
            }
        } else if let Some(partner) = &acct.spec.joint_with {
            holders.push(records::holder(
                &me.party_id,
                &me.name(),
                AccountRelationship::JointHolder,
            ));
            if let Some(other) = world.personas.iter().find(|p| &p.username == partner) {
                let other_seed = persona_seed(world.root, &other.username);
                let name = format!(
                    "{} {}",
                    other.given_name.clone().unwrap_or_default(),
                    other.family_name.clone().unwrap_or_default()
                );
                holders.push(records::holder(
                    &party_id(other_seed),
                    &name,
                    AccountRelationship::JointHolder,
                ));
            }
        } else {
            holders.push(records::holder(
                &me.party_id,
                &me.name(),
                AccountRelationship::Holder,
            ));
        }
        let statements = records::statements(acct, ledger, world.start, end);
        let number = format!("{:08}", acct.seed.child("number").value() % 100_000_000);
        let view = AccountView {
            acct,
            ledger,
            holders: holders.clone(),
            authorised,
            business: business.clone(),
            statements: &statements,
            as_of,
            number,
            prices: final_prices.clone(),
        };
        let account = records::account(&view);
        data.balances.extend(records::balances(&view, &account));
        // Another persona's relation to a joint account is written in their own bundle.
        let own_parties: Vec<PartyId> = data.parties.iter().map(|p| p.party_id.clone()).collect();
        for holder in holders.iter().filter(|h| own_parties.contains(&h.party_id)) {
            data.account_parties.push(AccountParty {
                account_id: acct.id.clone(),
                party_id: holder.party_id.clone(),
                relationship: holder.relationship,
            });
        }
        data.transactions.extend(ledger.transactions());
        data.statements.extend(statements);
        data.holdings
            .extend(records::holdings(acct, &final_prices, as_of));
        for (n, card) in acct.cards.iter().enumerate() {
            let (card_type, network) = match acct.spec.product {
                Product::CreditCard | Product::CommercialLineOfCredit => {
                    (CardType::Credit, CardNetwork::Mastercard)
                }
                Product::ChargeCard => (CardType::Charge, CardNetwork::Amex),
                _ => (CardType::Debit, CardNetwork::Visa),
            };
            let expiry_seed = acct.seed.child("card-expiry").nth(n as u64).value();
            let expiry = (
                (expiry_seed % 12) as u8 + 1,
                (world.origin.year() + 1 + (expiry_seed / 12 % 4) as i32) as u16,
            );
            let limit = (acct.spec.product == Product::CommercialLineOfCredit).then_some(300_000);
            data.cards.push(records::card(
                card, acct, card_type, network, expiry, as_of, limit,
            ));
        }
        for policy in &acct.policies {
            let payer = sim.accts.get(main);
            let vehicle = vehicle(acct.seed);
            data.policies.push(records::policy(
                acct,
                policy,
                &me.party_id,
                &me.name(),
                Some(me.date_of_birth),
                Some(address.clone()),
                payer,
                vehicle,
                as_of,
            ));
            if let Some(claim) = &policy.claim {
                let description = match acct.spec.product {
                    Product::AutoInsurance => {
                        "Rear bumper and tailgate damaged by a reversing van in a car park"
                    }
                    Product::HomeInsurance => {
                        "Water damage to the kitchen ceiling from a burst pipe"
                    }
                    _ => "Emergency medical treatment abroad",
                };
                data.claims
                    .push(records::claim(policy, claim, acct.currency, description));
            }
        }
        data.accounts.push(account);
    }
    // Joint accounts another persona holds with this one.
    for other in world.personas.iter() {
        for account in &other.accounts {
            if account.joint_with.as_deref() == Some(spec.username.as_str()) {
                data.account_parties.push(AccountParty {
                    account_id: account_id(persona_seed(world.root, &other.username), &account.key),
                    party_id: me.party_id.clone(),
                    relationship: AccountRelationship::JointHolder,
                });
            }
        }
    }
    data
}

fn vehicle(seed: Seed) -> (&'static str, &'static str, u16, String) {
    let pick = seed.child("vehicle").value();
    let models = [
        ("Volkswagen", "Golf"),
        ("Ford", "Puma"),
        ("Toyota", "Yaris"),
        ("Nissan", "Qashqai"),
        ("Kia", "Niro"),
    ];
    let (make, model) = models[(pick % models.len() as u64) as usize];
    let year = 2015 + (pick / 7 % 10) as u16;
    let letters = b"ABCDEFGHJKLMNPRSTUVWXY";
    let l = |n: u64| letters[(n % letters.len() as u64) as usize] as char;
    let registration = format!(
        "{}{}{:02} {}{}{}",
        l(pick),
        l(pick >> 5),
        year % 100,
        l(pick >> 10),
        l(pick >> 15),
        l(pick >> 20)
    );
    (make, model, year, registration)
}

fn birth_date(rng: &mut ChaCha8Rng, end: NaiveDate) -> NaiveDate {
    let days = rng.random_range(20 * 365..75 * 365);
    end.checked_sub_days(Days::new(days)).unwrap_or(end)
}

fn address(rng: &mut ChaCha8Rng) -> Address {
    let street: String = StreetName().fake_with_rng(rng);
    let cities = [
        ("Bristol", "BS"),
        ("London", "SE"),
        ("Manchester", "M"),
        ("Leeds", "LS"),
        ("Cardiff", "CF"),
        ("Bath", "BA"),
    ];
    let (city, area) = cities[rng.random_range(0..cities.len())];
    let letters = b"ABDEFGHJLNPQRSTUWXYZ";
    let l = |rng: &mut ChaCha8Rng| letters[rng.random_range(0..letters.len())] as char;
    let postcode = format!(
        "{area}{} {}{}{}",
        rng.random_range(1..20),
        rng.random_range(1..10),
        l(rng),
        l(rng)
    );
    Address {
        lines: vec![format!("{} {street}", rng.random_range(1..180))],
        city: city.to_owned(),
        region: None,
        postal_code: postcode,
        country: CountryCode::gb(),
    }
}

fn individual(person: &Person, address: &Address, rng: &mut ChaCha8Rng) -> Party {
    // A name with no ASCII letters in one part (a test's customer "0 Corwin") must not make
    // an address starting or ending with a dot, or one with two dots in a row.
    let parts: Vec<String> = [&person.given, &person.family]
        .into_iter()
        .map(|part| ascii_lower(part))
        .filter(|part| !part.is_empty())
        .collect();
    let local = if parts.is_empty() {
        "customer".to_owned()
    } else {
        parts.join(".")
    };
    Party {
        party_id: person.party_id.clone(),
        display_name: person.name(),
        emails: vec![Email {
            address: format!("{local}@example.com"),
            is_primary: true,
        }],
        phones: vec![Phone {
            // Ofcom reserves 07700 900000-900999 for fiction.
            number: format!("+447700900{:03}", rng.random_range(0..1000)),
            phone_type: PhoneType::Mobile,
            is_primary: true,
        }],
        addresses: vec![address.clone()],
        details: PartyDetails::Individual {
            individual: Individual {
                title: None,
                given_name: person.given.clone(),
                middle_names: Vec::new(),
                family_name: person.family.clone(),
                date_of_birth: person.date_of_birth,
                occupation: None,
            },
        },
    }
}

/// The domain label of an organisation's e-mail address: its name's ASCII letters,
/// lower case, or `organisation` when the name has none (a created customer named in another
/// script), so the address is never `accounts@.example`.
fn email_domain(name: &str) -> String {
    let domain = ascii_lower(name);
    if domain.is_empty() {
        "organisation".to_owned()
    } else {
        domain
    }
}

fn organisation_party(
    party_id: &PartyId,
    org: &OrganisationSpec,
    employees: &[(String, Person, String)],
    address: &Address,
) -> Party {
    let domain = email_domain(org.trading_name.as_deref().unwrap_or(&org.legal_name));
    Party {
        party_id: party_id.clone(),
        display_name: org.legal_name.clone(),
        emails: vec![Email {
            address: format!("accounts@{domain}.example"),
            is_primary: true,
        }],
        phones: vec![Phone {
            number: "+441632960000".to_owned(),
            phone_type: PhoneType::Work,
            is_primary: true,
        }],
        addresses: vec![address.clone()],
        details: PartyDetails::Organisation {
            organisation: Organisation {
                legal_name: org.legal_name.clone(),
                trading_name: org.trading_name.clone(),
                registration_number: format!(
                    "{:08}",
                    party_id.as_str().len() as u64 * 1_234_567 % 100_000_000
                ),
                registration_country: CountryCode::gb(),
                industry: IndustryCode {
                    scheme: IndustryCodeScheme::Sic2007,
                    code: org.sic_code.clone(),
                    description: org.industry.clone(),
                },
                established_date: None,
                authorised_people: employees
                    .iter()
                    .map(|(_, person, role)| AuthorisedPerson {
                        party_id: person.party_id.clone(),
                        name: person.name(),
                        role: role.clone(),
                    })
                    .collect(),
            },
        },
    }
}

fn setup_account(
    world: &World,
    seed: Seed,
    spec: &AccountSpec,
    me: &Person,
    employees: &[(String, Person, String)],
    rng: &mut ChaCha8Rng,
) -> Acct {
    let acct_seed = seed.child("account").child(&spec.key);
    // "Months ago" and "days ago" count back from the day the history was first made for.
    let origin = world.origin;
    let currency = spec
        .currency
        .as_deref()
        .and_then(|c| c.parse().ok())
        .unwrap_or(Currency::GBP);
    let opened = match spec.opened_months_ago {
        Some(months) => origin
            .checked_sub_months(Months::new(months))
            .and_then(|d| d.checked_add_days(Days::new(rng.random_range(0..20))))
            .unwrap_or(origin),
        None => world
            .start
            .checked_sub_days(Days::new(rng.random_range(60..4000)))
            .unwrap_or(world.start),
    };
    let closed = spec
        .closed_months_ago
        .and_then(|months| origin.checked_sub_months(Months::new(months)));
    let product = spec.product;
    let (rate_bp, limit, default_opening) = match product {
        Product::Checking => (10, 50_000, rng.random_range(20_000..400_000)),
        Product::Savings => (375, 0, rng.random_range(50_000..2_500_000)),
        Product::TermDeposit => (450, 0, rng.random_range(500_000..5_000_000)),
        Product::MoneyMarket => (410, 0, rng.random_range(100_000..3_000_000)),
        Product::CreditCard => (2_490, 500_000, -rng.random_range(0..120_000)),
        Product::ChargeCard => (0, 1_500_000, 0),
        Product::CommercialLineOfCredit => (1_450, 2_500_000, 0),
        Product::Mortgage => (479, 0, 0),
        Product::AutoLoan => (690, 0, 0),
        Product::PersonalLoan => (890, 0, 0),
        Product::CommercialLoan => (740, 0, 0),
        Product::Brokerage | Product::Retirement => (0, 0, rng.random_range(50_000..500_000)),
        Product::CommercialDeposit => (0, 0, rng.random_range(1_500_000..9_000_000)),
        _ => (0, 0, 0),
    };
    let limit = parse_minor(spec.limit.as_deref()).unwrap_or(limit);
    let (original_principal, term_months, default_opening) = match product {
        Product::Mortgage => {
            let principal = parse_minor(spec.principal.as_deref())
                .unwrap_or(rng.random_range(90_000..450_000) * 100);
            (
                principal,
                300,
                -(principal * rng.random_range(55..95) / 100),
            )
        }
        Product::AutoLoan => {
            let principal = rng.random_range(8_000..30_000) * 100;
            (principal, 48, -(principal * rng.random_range(40..90) / 100))
        }
        Product::PersonalLoan | Product::CommercialLoan => {
            let principal = parse_minor(spec.principal.as_deref())
                .unwrap_or(rng.random_range(5_000..60_000) * 100);
            (principal, 60, -(principal * rng.random_range(30..90) / 100))
        }
        _ => (0, 0, default_opening),
    };
    let opening_balance = if opened > world.start {
        0
    } else {
        parse_minor(spec.opening_balance.as_deref()).unwrap_or(default_opening)
    };
    let opening_balance = if product.is_loan() && spec.opening_balance.is_some() {
        -opening_balance.abs()
    } else {
        opening_balance
    };
    let payment = if product.is_loan() {
        crate::money::annuity_payment(original_principal, rate_bp, term_months)
    } else {
        0
    };
    let locked_from = spec
        .card_locked
        .then(|| origin.checked_sub_days(Days::new(20)))
        .flatten();
    let mut cards = Vec::new();
    let card_for = |holder: &Person, n: u64| CardRef {
        card_id: id(acct_seed.child("card").nth(n), "crd"),
        masked_pan: MaskedPan::from_number(acct_seed.child("pan").nth(n).value()),
        holder: holder.party_id.clone(),
        holder_name: holder.name(),
        locked_from,
    };
    match product {
        Product::Checking | Product::CreditCard | Product::ChargeCard => {
            cards.push(card_for(me, 0))
        }
        Product::CommercialDeposit => cards.push(card_for(me, 0)),
        Product::CommercialLineOfCredit => {
            for (n, key) in spec.cardholders.iter().enumerate() {
                if let Some((_, person, _)) = employees.iter().find(|(k, _, _)| k == key) {
                    cards.push(card_for(person, n as u64));
                }
            }
        }
        _ => {}
    }
    let mut policies = Vec::new();
    if product.is_insurance() {
        let premium = match product {
            Product::AutoInsurance => rng.random_range(3_800..9_500),
            Product::HomeInsurance => rng.random_range(1_800..4_500),
            Product::WholeLife => rng.random_range(6_000..15_000),
            Product::TermLife => rng.random_range(900..3_500),
            _ => rng.random_range(700..1_800),
        };
        let policy_id = id(acct_seed.child("policy"), "pol");
        let claim_drawn = matches!(product, Product::AutoInsurance | Product::HomeInsurance)
            && rng.random_range(0..100) < 20;
        let claim = (spec.claim || claim_drawn).then(|| {
            let days = (origin - world.start).num_days().max(60);
            let incident = world
                .start
                .checked_add_days(Days::new(rng.random_range(10..(days - 40) as u64)))
                .unwrap_or(world.start);
            let claimed = rng.random_range(40_000..350_000);
            let paid = claimed - 25_000.min(claimed / 4);
            ClaimRef {
                claim_id: id(acct_seed.child("claim"), "clm"),
                incident,
                paid_on: incident
                    .checked_add_days(Days::new(rng.random_range(14..35)))
                    .unwrap_or(incident),
                claimed,
                paid,
            }
        });
        policies.push(PolicyRef {
            policy_id,
            premium,
            claim,
        });
    }
    Acct {
        spec: spec.clone(),
        id: id(acct_seed, "acc"),
        seed: acct_seed,
        currency,
        opened,
        closed,
        opening_balance,
        booked: opening_balance,
        pending: 0,
        limit,
        entries: Vec::new(),
        cards,
        rate_bp,
        original_principal,
        payment,
        term_months,
        pays_in_full: rng.random_range(0..100) < 70,
        due: None,
        carried: 0,
        last_payment: None,
        positions: Vec::new(),
        policies,
        interest_ytd: 0,
    }
}

/// Indices of the accounts that `keep` selects.
fn indices(sim: &Sim, keep: impl Fn(&Acct) -> bool) -> Vec<usize> {
    sim.accts
        .iter()
        .enumerate()
        .filter(|(_, a)| keep(a))
        .map(|(n, _)| n)
        .collect()
}

fn index_of(sim: &Sim, product: Product) -> Vec<usize> {
    indices(sim, |a| a.spec.product == product)
}

fn days(sim: &Sim) -> Vec<NaiveDate> {
    sim.start.iter_days().take_while(|d| *d < sim.end).collect()
}

fn live_retail(sim: &mut Sim, main: usize, spec: &CustomerSpec, rng: &mut ChaCha8Rng) {
    let overdrawn = sim.accts.get(main).is_some_and(|a| a.spec.overdrawn);
    let salary =
        parse_minor(spec.salary.as_deref()).unwrap_or_else(|| rng.random_range(1_700..7_500) * 100);
    let employer = data::EMPLOYERS[rng.random_range(0..data::EMPLOYERS.len())];
    let pay_day = [25, 28, 27, 15, 1][rng.random_range(0..5)];
    let savings = index_of(sim, Product::Savings);
    let investments = indices(sim, |a| a.spec.product.is_investment());
    let credit_cards = indices(sim, |a| a.spec.product.is_credit());
    let loans = indices(sim, |a| a.spec.product.is_loan());
    let insurance = indices(sim, |a| a.spec.product.is_insurance());
    let joint = sim.accts.iter().position(|a| a.spec.joint_with.is_some());
    let foreign = indices(sim, |a| {
        a.spec.product == Product::Checking && a.currency != Currency::GBP
    });
    let busy = indices(sim, |a| a.spec.min_transactions.is_some());
    let has_mortgage = sim
        .accts
        .iter()
        .any(|a| a.spec.product == Product::Mortgage);
    let rent = (!has_mortgage).then(|| {
        (
            data::LANDLORDS[rng.random_range(0..data::LANDLORDS.len())],
            salary * rng.random_range(25..40) / 100,
        )
    });
    let mut billers: Vec<(data::Biller, i64)> = Vec::new();
    for biller in data::BILLERS {
        if rng.random_range(0..100) < 70 {
            billers.push((
                *biller,
                rng.random_range(biller.range.0 as i64..=biller.range.1 as i64),
            ));
        }
    }
    if billers.is_empty() {
        billers.push((data::BILLERS[0], 9_000));
    }
    // Spending scales with income; the overdrawn persona spends well beyond it.
    let scale = if overdrawn {
        260
    } else {
        (salary / 3_000).clamp(70, 180)
    };
    let save = if overdrawn {
        0
    } else {
        salary * rng.random_range(5..15) / 100
    };
    let invest = salary * rng.random_range(5..12) / 100;
    let credit_share = rng.random_range(20..70);
    let trips: Vec<(NaiveDate, u64, Currency)> = (0..((sim.origin - sim.start).num_days() / 180)
        .max(1))
        .map(|n| {
            let offset = n as u64 * 180 + rng.random_range(20..150);
            let currency = if rng.random_range(0..100) < 70 {
                Currency::EUR
            } else {
                Currency::USD
            };
            (
                sim.start
                    .checked_add_days(Days::new(offset))
                    .unwrap_or(sim.start),
                rng.random_range(3..8),
                currency,
            )
        })
        .collect();
    let favourites: Vec<usize> = (0..3)
        .map(|_| rng.random_range(0..data::SECURITIES.len()))
        .collect();
    let home_city = data::HOME_CITIES[rng.random_range(0..data::HOME_CITIES.len())];
    let partner = spec
        .accounts
        .iter()
        .find_map(|a| a.joint_with.clone())
        .unwrap_or_else(|| "partner".to_owned());

    for day in days(sim) {
        let weekend = matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
        // Month start: interest on savings and overdrafts.
        if day.day() == 1 {
            for &acct in savings.iter().chain(
                sim.accts
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| a.spec.product == Product::TermDeposit)
                    .map(|(n, _)| n)
                    .collect::<Vec<_>>()
                    .iter(),
            ) {
                let (booked, rate) = sim
                    .accts
                    .get(acct)
                    .map_or((0, 0), |a| (a.booked, a.rate_bp));
                let interest = crate::money::monthly_interest(booked.max(0), rate);
                if interest > 0 {
                    let at = day.and_hms_opt(2, 0, 0).unwrap_or_default().and_utc();
                    sim.propose(
                        acct,
                        at,
                        interest,
                        "INTEREST PAID".to_owned(),
                        TransactionCategory::Interest,
                        "ACMT-MDOP-INTR",
                        TransactionDetails::Interest,
                        Kind::Must,
                    );
                }
            }
            let main_booked = sim.accts.get(main).map_or(0, |a| a.booked);
            if main_booked < 0 {
                let at = day.and_hms_opt(2, 5, 0).unwrap_or_default().and_utc();
                let interest = crate::money::monthly_interest(-main_booked, 3_990).max(1);
                sim.propose(
                    main,
                    at,
                    -interest,
                    "OVERDRAFT INTEREST".to_owned(),
                    TransactionCategory::Interest,
                    "ACMT-MDOP-INTR",
                    TransactionDetails::Interest,
                    Kind::Must,
                );
                sim.propose(
                    main,
                    at,
                    -500,
                    "OVERDRAFT USAGE FEE".to_owned(),
                    TransactionCategory::Fees,
                    "ACMT-MDOP-CHRG",
                    TransactionDetails::Fee,
                    Kind::Must,
                );
            }
        }
        // Income.
        if is_due(day, pay_day) {
            let at = day.and_hms_opt(0, 1, 0).unwrap_or_default().and_utc();
            let details = sim.transfer(employer, PaymentScheme::Bacs, TransferKind::Credit);
            sim.propose(
                main,
                at,
                salary,
                format!("{} SALARY", employer.to_uppercase()),
                TransactionCategory::Income,
                "PMNT-RCDT-BACS",
                details,
                Kind::Must,
            );
            sim.with_reference(format!("SALARY {}", month_name(day)));
        }
        // Housing and loans.
        if let Some((landlord, amount)) = rent
            && is_due(day, 1)
        {
            let at = day.and_hms_opt(5, 30, 0).unwrap_or_default().and_utc();
            let details = sim.transfer(
                landlord,
                PaymentScheme::FasterPayments,
                TransferKind::StandingOrder,
            );
            sim.propose(
                main,
                at,
                -amount,
                format!("SO {}", landlord.to_uppercase()),
                TransactionCategory::Rent,
                "PMNT-ICDT-STDO",
                details,
                Kind::Must,
            );
            sim.with_reference("RENT".to_owned());
        }
        for &loan in &loans {
            if is_due(day, 28) {
                sim.loan_repayment(loan, main, day);
            }
        }
        // Bills: from the joint account when there is one.
        let bills_from = joint.unwrap_or(main);
        for (biller, amount) in billers.clone() {
            if !is_due(day, biller.day) {
                continue;
            }
            let at = day.and_hms_opt(4, 0, 0).unwrap_or_default().and_utc();
            match biller.card_mcc {
                Some(mcc) => {
                    let merchant = data::Merchant {
                        name: biller.name,
                        statement: biller.name,
                        mcc,
                        category: biller.category,
                        range: (amount as u64, amount as u64),
                        channel: sandbank_schemas::transaction::CardChannel::Online,
                    };
                    sim.card_spend(
                        main,
                        0,
                        day,
                        &merchant,
                        (home_city, "GB"),
                        None,
                        100,
                        Kind::Must,
                    );
                }
                None => {
                    let details =
                        sim.transfer(biller.name, PaymentScheme::Bacs, TransferKind::DirectDebit);
                    sim.propose(
                        bills_from,
                        at,
                        -amount,
                        format!("DD {}", biller.name.to_uppercase()),
                        biller.category,
                        "PMNT-RDDT-PMDD",
                        details,
                        Kind::Must,
                    );
                }
            }
        }
        // Household account: both holders pay in.
        if let Some(joint) = joint
            && is_due(day, (pay_day + 1).min(28))
        {
            let at = day.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc();
            sim.own_transfer(main, joint, at, salary * 15 / 100, "HOUSEHOLD");
            let details = sim.transfer(
                &format!("{} (joint holder)", partner),
                PaymentScheme::FasterPayments,
                TransferKind::SinglePayment,
            );
            sim.propose(
                joint,
                at,
                salary * 15 / 100,
                format!("FROM {}", partner.to_uppercase()),
                TransactionCategory::Transfer,
                "PMNT-RCDT-ESCT",
                details,
                Kind::Must,
            );
        }
        // Saving and investing.
        if is_due(day, (pay_day + 1).min(28)) {
            let at = day.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc();
            if let Some(&to) = savings.first() {
                sim.own_transfer(main, to, at, save, "MONTHLY SAVING");
            }
            for &to in &investments {
                sim.own_transfer(main, to, at, invest, "MONTHLY CONTRIBUTION");
            }
        }
        if is_due(day, (pay_day + 3).min(28)) {
            for &acct in &investments {
                let cash = sim.accts.get(acct).map_or(0, |a| a.booked);
                let pick = favourites[day.month() as usize % favourites.len()];
                sim.buy(acct, day, pick, cash * 9 / 10);
            }
        }
        if day.day() == 15 && day.month() % 3 == 0 {
            for &acct in &investments {
                sim.dividends(acct, day);
                let at = day.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc();
                sim.propose(
                    acct,
                    at,
                    -450,
                    "PLATFORM FEE".to_owned(),
                    TransactionCategory::Fees,
                    "ACMT-MDOP-CHRG",
                    TransactionDetails::Fee,
                    Kind::Spend,
                );
            }
        }
        // Insurance.
        for &acct in &insurance {
            let Some((policies, product)) = sim
                .accts
                .get(acct)
                .map(|a| (a.policies.clone(), a.spec.product))
            else {
                continue;
            };
            for policy in &policies {
                if is_due(day, 1) && sim.accts.get(acct).is_some_and(|a| a.active_on(day)) {
                    sim.premium(main, day, policy, &product_label(product).to_uppercase());
                }
                if let Some(claim) = &policy.claim
                    && claim.paid_on == day
                {
                    sim.claim_payout(main, policy, claim);
                }
            }
        }
        // Credit cards.
        for &card in &credit_cards {
            sim.credit_cycle(card, main, day, 28);
        }
        // Everyday spending, weekend-heavy.
        let odds: [(u32, u32); 4] = if weekend {
            [(550, 0), (650, 1), (300, 2), (350, 3)]
        } else {
            [(220, 0), (300, 1), (330, 2), (140, 3)]
        };
        for (chance, kind) in odds {
            if sim.chance(chance) {
                let list = everyday(kind);
                let merchant = list[sim.between(0, list.len() as i64 - 1) as usize];
                let use_credit = !credit_cards.is_empty() && sim.between(0, 99) < credit_share;
                let (acct, spend_from) = match (use_credit, credit_cards.first(), joint) {
                    (true, Some(&card), _) => (card, 0),
                    (false, _, Some(joint)) if kind == 0 && sim.chance(500) => (joint, 0),
                    _ => (main, 0),
                };
                sim.card_spend(
                    acct,
                    spend_from,
                    day,
                    &merchant,
                    (home_city, "GB"),
                    None,
                    scale,
                    Kind::Spend,
                );
            }
        }
        if sim.chance(35) {
            sim.atm(main, day, home_city);
        }
        if sim.chance(8) {
            let merchant = data::SHOPPING[sim.between(0, data::SHOPPING.len() as i64 - 1) as usize];
            let target = credit_cards.first().copied().unwrap_or(main);
            sim.refund(target, day, &merchant);
        }
        // Trips abroad.
        for &(from, length, currency) in &trips {
            if day >= from && day < from.checked_add_days(Days::new(length)).unwrap_or(from) {
                let list = if currency == Currency::USD {
                    data::ABROAD_USD
                } else {
                    data::ABROAD_EUR
                };
                for _ in 0..sim.between(1, 3) {
                    let merchant = list[sim.between(0, list.len() as i64 - 1) as usize];
                    let city = data::abroad_city(currency.as_str(), (from.ordinal()) as usize);
                    let acct = credit_cards.first().copied().unwrap_or(main);
                    sim.card_spend(
                        acct,
                        0,
                        day,
                        &merchant,
                        city,
                        Some(currency),
                        100,
                        Kind::Spend,
                    );
                }
            }
        }
        // Accounts in other currencies: freelance income, local spending.
        for &acct in &foreign {
            let currency = sim.accts.get(acct).map_or(Currency::EUR, |a| a.currency);
            if is_due(day, 20) {
                let at = day.and_hms_opt(11, 0, 0).unwrap_or_default().and_utc();
                let scheme = if currency == Currency::USD {
                    PaymentScheme::Wire
                } else {
                    PaymentScheme::SepaCreditTransfer
                };
                let details = sim.transfer("Atelier Nord SARL", scheme, TransferKind::Credit);
                let amount = sim.between(60_000, 140_000);
                sim.propose(
                    acct,
                    at,
                    amount,
                    "INVOICE PAYMENT ATELIER NORD".to_owned(),
                    TransactionCategory::Income,
                    "PMNT-RCDT-ESCT",
                    details,
                    Kind::Must,
                );
            }
            if sim.chance(250) {
                let list = if currency == Currency::USD {
                    data::ABROAD_USD
                } else {
                    data::ABROAD_EUR
                };
                let merchant = list[sim.between(0, 2) as usize];
                let city = data::abroad_city(currency.as_str(), day.ordinal() as usize);
                sim.card_spend(acct, 0, day, &merchant, city, None, 100, Kind::Spend);
            }
        }
        // The market stall: takings every morning, many small purchases.
        for &acct in &busy {
            let wanted = sim
                .accts
                .get(acct)
                .and_then(|a| a.spec.min_transactions)
                .unwrap_or(0);
            let total_days = (sim.origin - sim.start).num_days().max(1) as u32;
            let per_day = wanted.div_ceil(total_days).max(1);
            let at = day.and_hms_opt(6, 30, 0).unwrap_or_default().and_utc();
            let details = sim.transfer(
                "SumUp Payments",
                PaymentScheme::FasterPayments,
                TransferKind::Credit,
            );
            let takings = i64::from(per_day) * sim.between(1_800, 2_600);
            sim.propose(
                acct,
                at,
                takings,
                "SUMUP PAYOUT".to_owned(),
                TransactionCategory::Income,
                "PMNT-RCDT-ESCT",
                details,
                Kind::Must,
            );
            for _ in 0..per_day {
                let merchant = data::STALL[sim.between(0, data::STALL.len() as i64 - 1) as usize];
                sim.card_spend(
                    acct,
                    0,
                    day,
                    &merchant,
                    (home_city, "GB"),
                    None,
                    100,
                    Kind::Must,
                );
            }
        }
        // Accounts that close tomorrow are emptied into the main account today.
        sweep_closing(sim, main, day);
        sim.settle_day(day);
    }
}

fn sweep_closing(sim: &mut Sim, main: usize, day: NaiveDate) {
    let closing = indices(sim, |a| a.closed.and_then(|c| c.pred_opt()) == Some(day));
    if closing.is_empty() {
        return;
    }
    // Settle the day first so the sweep sees every movement, then move what is left.
    sim.settle_day(day);
    for acct in closing {
        let booked = sim.accts.get(acct).map_or(0, |a| a.booked + a.pending);
        let at = day.and_hms_opt(23, 30, 0).unwrap_or_default().and_utc();
        if booked > 0 {
            sim.own_transfer(acct, main, at, booked, "ACCOUNT CLOSURE");
        }
    }
}

fn month_name(day: NaiveDate) -> &'static str {
    [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ][day.month0() as usize % 12]
}

fn live_business(
    sim: &mut Sim,
    operating: usize,
    organisation: Option<&OrganisationSpec>,
    employees: &[(String, Person, String)],
) {
    let Some(org) = organisation else {
        return;
    };
    let mut rng = sim.seed.child("business").rng();
    let facility = index_of(sim, Product::CommercialLineOfCredit);
    let loans = index_of(sim, Product::CommercialLoan);
    // Payroll: named employees plus others up to the headcount, each on a fixed salary.
    let mut payroll: Vec<(String, i64)> = employees
        .iter()
        .map(|(_, p, _)| (p.name(), rng.random_range(2_400..5_200) * 100))
        .collect();
    while payroll.len() < org.headcount as usize {
        let given: String = FirstName().fake_with_rng(&mut rng);
        let family: String = LastName().fake_with_rng(&mut rng);
        payroll.push((
            format!("{given} {family}"),
            rng.random_range(1_900..3_400) * 100,
        ));
    }
    let payroll_total: i64 = payroll.iter().map(|(_, s)| s).sum();
    let monthly_revenue = payroll_total * 2;
    let city = data::HOME_CITIES[rng.random_range(0..data::HOME_CITIES.len())];
    for &acct in &facility {
        if let Some(a) = sim.accts.get_mut(acct) {
            a.pays_in_full = true;
        }
    }
    for day in days(sim) {
        let weekday = !matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun);
        if weekday && sim.chance(450) {
            let client = data::CLIENTS[sim.between(0, data::CLIENTS.len() as i64 - 1) as usize];
            let at = sim.time(day, 8, 18);
            let details = sim.transfer(
                client,
                PaymentScheme::FasterPayments,
                TransferKind::SinglePayment,
            );
            let amount = sim.between(monthly_revenue / 14, monthly_revenue / 8);
            sim.propose(
                operating,
                at,
                amount,
                format!("FP {}", client.to_uppercase()),
                TransactionCategory::Income,
                "PMNT-RCDT-ESCT",
                details,
                Kind::Must,
            );
            let invoice = sim.between(1000, 9999);
            sim.with_reference(format!("INV-{invoice}"));
        }
        if is_due(day, 28) {
            for (name, salary) in payroll.clone() {
                let at = day.and_hms_opt(1, 0, 0).unwrap_or_default().and_utc();
                let details = sim.transfer(&name, PaymentScheme::Bacs, TransferKind::SinglePayment);
                sim.propose(
                    operating,
                    at,
                    -salary,
                    format!("SALARY {}", name.to_uppercase()),
                    TransactionCategory::Payroll,
                    "PMNT-ICDT-BACS",
                    details,
                    Kind::Must,
                );
                sim.with_reference(format!("PAYROLL {}", month_name(day)));
            }
        }
        if weekday && sim.chance(250) {
            let supplier =
                data::SUPPLIERS[sim.between(0, data::SUPPLIERS.len() as i64 - 1) as usize];
            let at = sim.time(day, 9, 17);
            let details = sim.transfer(
                supplier,
                PaymentScheme::FasterPayments,
                TransferKind::SinglePayment,
            );
            let amount = sim.between(30_000, monthly_revenue / 20 + 30_001);
            sim.propose(
                operating,
                at,
                -amount,
                format!("FP {}", supplier.to_uppercase()),
                TransactionCategory::Suppliers,
                "PMNT-ICDT-ESCT",
                details,
                Kind::Spend,
            );
        }
        if day.day() == 7 && day.month() % 3 == 2 {
            let at = day.and_hms_opt(10, 0, 0).unwrap_or_default().and_utc();
            let details = sim.transfer(
                "HMRC VAT",
                PaymentScheme::FasterPayments,
                TransferKind::SinglePayment,
            );
            let amount = monthly_revenue * 3 / 12;
            sim.propose(
                operating,
                at,
                -amount,
                "HMRC VAT".to_owned(),
                TransactionCategory::Taxes,
                "PMNT-ICDT-ESCT",
                details,
                Kind::Must,
            );
        }
        if day.day() == 1 {
            let at = day.and_hms_opt(3, 0, 0).unwrap_or_default().and_utc();
            sim.propose(
                operating,
                at,
                -1_250,
                "BUSINESS ACCOUNT FEE".to_owned(),
                TransactionCategory::Fees,
                "ACMT-MDOP-CHRG",
                TransactionDetails::Fee,
                Kind::Must,
            );
        }
        for &loan in &loans {
            if is_due(day, 28) {
                sim.loan_repayment(loan, operating, day);
            }
        }
        for &acct in &facility {
            sim.credit_cycle(acct, operating, day, 28);
            let cards = sim.accts.get(acct).map_or(0, |a| a.cards.len());
            for card in 0..cards {
                if weekday && sim.chance(450) {
                    let list =
                        [data::TRANSPORT, data::DINING, data::STALL][sim.between(0, 2) as usize];
                    let merchant = list[sim.between(0, list.len() as i64 - 1) as usize];
                    sim.card_spend(
                        acct,
                        card,
                        day,
                        &merchant,
                        (city, "GB"),
                        None,
                        120,
                        Kind::Spend,
                    );
                }
            }
        }
        sim.settle_day(day);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_named_without_ascii_letters_still_gets_a_valid_domain() {
        assert_eq!(
            email_domain("Harbourline Ltd"),
            ascii_lower("Harbourline Ltd")
        );
        assert_eq!(email_domain("\u{2a4d2}\u{96852}§"), "organisation");
        assert_eq!(email_domain(""), "organisation");
    }
}
