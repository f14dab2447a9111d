//! Reference data the generator draws from: merchants with their merchant category codes,
//! billers, employers, cities, securities.

use sandbank_schemas::transaction::{CardChannel, TransactionCategory};

/// A merchant a card can be used at.
#[derive(Debug, Clone, Copy)]
pub struct Merchant {
    /// Name as the network reports it.
    pub name: &'static str,
    /// Statement text prefix.
    pub statement: &'static str,
    /// ISO 18245 merchant category code.
    pub mcc: &'static str,
    /// Spending category.
    pub category: TransactionCategory,
    /// Usual spend in pence (low, high).
    pub range: (u64, u64),
    /// How the card is usually used there.
    pub channel: CardChannel,
}

const fn m(
    name: &'static str,
    statement: &'static str,
    mcc: &'static str,
    category: TransactionCategory,
    range: (u64, u64),
    channel: CardChannel,
) -> Merchant {
    Merchant {
        name,
        statement,
        mcc,
        category,
        range,
        channel,
    }
}

use CardChannel::{Contactless, InStore, Online};
use TransactionCategory as C;

/// Supermarkets.
pub const GROCERS: &[Merchant] = &[
    m(
        "Tesco",
        "TESCO STORES",
        "5411",
        C::Groceries,
        (1200, 9500),
        Contactless,
    ),
    m(
        "Sainsbury's",
        "SAINSBURYS S/MKTS",
        "5411",
        C::Groceries,
        (1500, 11000),
        InStore,
    ),
    m(
        "Lidl",
        "LIDL GB",
        "5411",
        C::Groceries,
        (900, 6500),
        Contactless,
    ),
    m(
        "Aldi",
        "ALDI STORES",
        "5411",
        C::Groceries,
        (900, 7000),
        Contactless,
    ),
    m(
        "Waitrose",
        "WAITROSE",
        "5411",
        C::Groceries,
        (1800, 12000),
        InStore,
    ),
    m(
        "Co-op",
        "CO-OP GROUP FOOD",
        "5499",
        C::Groceries,
        (300, 2500),
        Contactless,
    ),
];

/// Restaurants, cafés, takeaways.
pub const DINING: &[Merchant] = &[
    m(
        "Pret A Manger",
        "PRET A MANGER",
        "5814",
        C::Dining,
        (450, 1400),
        Contactless,
    ),
    m(
        "Costa Coffee",
        "COSTA COFFEE",
        "5814",
        C::Dining,
        (300, 900),
        Contactless,
    ),
    m(
        "Greggs",
        "GREGGS PLC",
        "5814",
        C::Dining,
        (250, 800),
        Contactless,
    ),
    m(
        "Nando's",
        "NANDOS",
        "5812",
        C::Dining,
        (1800, 5200),
        InStore,
    ),
    m(
        "Wagamama",
        "WAGAMAMA",
        "5812",
        C::Dining,
        (2200, 6400),
        InStore,
    ),
    m(
        "Deliveroo",
        "DELIVEROO",
        "5814",
        C::Dining,
        (1600, 4200),
        Online,
    ),
    m(
        "The Crown",
        "THE CROWN INN",
        "5813",
        C::Dining,
        (900, 4800),
        Contactless,
    ),
];

/// Transport.
pub const TRANSPORT: &[Merchant] = &[
    m(
        "Shell",
        "SHELL",
        "5541",
        C::Transport,
        (3000, 8500),
        InStore,
    ),
    m("BP", "BP", "5541", C::Transport, (2800, 8000), InStore),
    m(
        "Trainline",
        "TRAINLINE.COM",
        "4112",
        C::Transport,
        (1200, 9800),
        Online,
    ),
    m(
        "Uber",
        "UBER *TRIP",
        "4121",
        C::Transport,
        (700, 3200),
        Online,
    ),
    m(
        "First Bus",
        "FIRST BUS",
        "4111",
        C::Transport,
        (250, 600),
        Contactless,
    ),
];

/// Shops.
pub const SHOPPING: &[Merchant] = &[
    m(
        "Amazon",
        "AMAZON.CO.UK*",
        "5942",
        C::Shopping,
        (600, 8900),
        Online,
    ),
    m(
        "Argos",
        "ARGOS LTD",
        "5311",
        C::Shopping,
        (1500, 12000),
        InStore,
    ),
    m(
        "John Lewis",
        "JOHN LEWIS",
        "5311",
        C::Shopping,
        (2500, 24000),
        InStore,
    ),
    m(
        "Boots",
        "BOOTS",
        "5912",
        C::Health,
        (300, 3500),
        Contactless,
    ),
    m(
        "Primark",
        "PRIMARK",
        "5651",
        C::Shopping,
        (800, 6000),
        InStore,
    ),
    m(
        "Odeon",
        "ODEON CINEMAS",
        "7832",
        C::Entertainment,
        (900, 3600),
        Online,
    ),
];

/// Market-stall supplies: many small purchases, for the paging persona.
pub const STALL: &[Merchant] = &[
    m(
        "Cash & Carry",
        "BOOKER CASH CARRY",
        "5411",
        C::Suppliers,
        (400, 2600),
        InStore,
    ),
    m(
        "Costa Coffee",
        "COSTA COFFEE",
        "5814",
        C::Dining,
        (300, 700),
        Contactless,
    ),
    m(
        "Parkopedia",
        "PARKING",
        "7523",
        C::Transport,
        (200, 900),
        Online,
    ),
];

/// Abroad (euro area and US).
pub const ABROAD_EUR: &[Merchant] = &[
    m(
        "Café de Flore",
        "CAFE DE FLORE PARIS",
        "5812",
        C::Dining,
        (1200, 6000),
        InStore,
    ),
    m(
        "Carrefour",
        "CARREFOUR CITY",
        "5411",
        C::Groceries,
        (800, 5200),
        Contactless,
    ),
    m(
        "SNCF",
        "SNCF VOYAGEURS",
        "4112",
        C::Travel,
        (2500, 14000),
        Online,
    ),
    m(
        "Hotel Lumière",
        "HOTEL LUMIERE LYON",
        "7011",
        C::Travel,
        (9000, 32000),
        InStore,
    ),
];

/// Abroad (US).
pub const ABROAD_USD: &[Merchant] = &[
    m(
        "Whole Foods",
        "WHOLEFDS NYC",
        "5411",
        C::Groceries,
        (1500, 9000),
        Contactless,
    ),
    m(
        "Blue Bottle",
        "BLUE BOTTLE COFFEE",
        "5814",
        C::Dining,
        (500, 1400),
        Contactless,
    ),
    m(
        "Lyft",
        "LYFT *RIDE",
        "4121",
        C::Transport,
        (900, 4200),
        Online,
    ),
    m(
        "The Standard",
        "THE STANDARD HOTEL",
        "7011",
        C::Travel,
        (18000, 42000),
        InStore,
    ),
];

/// Where in-person card payments happen at home.
pub const HOME_CITIES: &[&str] = &[
    "Bristol",
    "London",
    "Manchester",
    "Leeds",
    "Birmingham",
    "Glasgow",
    "Cardiff",
    "Bath",
];

/// Cities abroad by currency.
pub fn abroad_city(currency: &str, pick: usize) -> (&'static str, &'static str) {
    match currency {
        "USD" => [("New York", "US"), ("Boston", "US"), ("Chicago", "US")][pick % 3],
        _ => [
            ("Paris", "FR"),
            ("Lyon", "FR"),
            ("Barcelona", "ES"),
            ("Lisbon", "PT"),
        ][pick % 4],
    }
}

/// A recurring bill.
#[derive(Debug, Clone, Copy)]
pub struct Biller {
    /// Counterparty name.
    pub name: &'static str,
    /// Category.
    pub category: TransactionCategory,
    /// Monthly amount in pence (low, high).
    pub range: (u64, u64),
    /// Day of month it is collected.
    pub day: u32,
    /// Collected by card (subscriptions) rather than direct debit.
    pub card_mcc: Option<&'static str>,
}

/// Utilities and subscriptions; each customer gets a subset.
pub const BILLERS: &[Biller] = &[
    Biller {
        name: "Octopus Energy",
        category: C::Utilities,
        range: (6500, 14000),
        day: 3,
        card_mcc: None,
    },
    Biller {
        name: "Bristol Water",
        category: C::Utilities,
        range: (2400, 4200),
        day: 7,
        card_mcc: None,
    },
    Biller {
        name: "BT Broadband",
        category: C::Utilities,
        range: (2999, 4599),
        day: 12,
        card_mcc: None,
    },
    Biller {
        name: "Vodafone",
        category: C::Utilities,
        range: (1500, 3800),
        day: 18,
        card_mcc: None,
    },
    Biller {
        name: "City Council Tax",
        category: C::Taxes,
        range: (12000, 19000),
        day: 1,
        card_mcc: None,
    },
    Biller {
        name: "Netflix",
        category: C::Subscriptions,
        range: (1099, 1099),
        day: 9,
        card_mcc: Some("4899"),
    },
    Biller {
        name: "Spotify",
        category: C::Subscriptions,
        range: (1199, 1199),
        day: 14,
        card_mcc: Some("5815"),
    },
    Biller {
        name: "PureGym",
        category: C::Subscriptions,
        range: (2499, 2499),
        day: 2,
        card_mcc: Some("7997"),
    },
    Biller {
        name: "Apple iCloud",
        category: C::Subscriptions,
        range: (299, 299),
        day: 21,
        card_mcc: Some("5818"),
    },
    Biller {
        name: "Disney+",
        category: C::Subscriptions,
        range: (799, 799),
        day: 26,
        card_mcc: Some("4899"),
    },
];

/// Employers that pay salaries.
pub const EMPLOYERS: &[&str] = &[
    "Northwind Ltd",
    "Brightwater NHS Trust",
    "Kestrel Engineering plc",
    "Meridian Software Ltd",
    "Avonside Council",
    "Halcyon Retail Group",
    "Fairfield University",
    "Cobalt Logistics Ltd",
];

/// Landlords and letting agents.
pub const LANDLORDS: &[&str] = &[
    "Bristol Lettings Ltd",
    "Harbourside Homes",
    "Clifton Property Management",
];

/// Suppliers of a business.
pub const SUPPLIERS: &[&str] = &[
    "Severn Fuel Cards Ltd",
    "Westcountry Tyres",
    "Portway Warehousing",
    "Axle Fleet Maintenance",
    "Office Supplies Direct",
];

/// Customers of a business.
pub const CLIENTS: &[&str] = &[
    "Avonmouth Foods Ltd",
    "Mendip Building Supplies",
    "Clifton Furniture Co",
    "Cotswold Brewing Co",
    "Severnside Retail Park",
];

/// A security that can be held.
#[derive(Debug, Clone, Copy)]
pub struct SecuritySpec {
    /// Name.
    pub name: &'static str,
    /// Ticker.
    pub ticker: &'static str,
    /// ISIN without its check digit (11 characters); the digit is computed.
    pub isin_stem: &'static str,
    /// Asset class.
    pub asset_class: sandbank_schemas::holding::AssetClass,
    /// Price at the start of the history, in pence.
    pub start_price: u64,
    /// Pays a dividend each quarter, in basis points of price.
    pub dividend_bp: u64,
}

use sandbank_schemas::holding::AssetClass;

/// Securities on the sandbox's platform (fictional issuers).
pub const SECURITIES: &[SecuritySpec] = &[
    SecuritySpec {
        name: "Sandbank Global Equity Index Fund",
        ticker: "SBGE",
        isin_stem: "GB00SB00001",
        asset_class: AssetClass::MutualFund,
        start_price: 24_310,
        dividend_bp: 40,
    },
    SecuritySpec {
        name: "Sandbank UK Gilts Index Fund",
        ticker: "SBGL",
        isin_stem: "GB00SB00002",
        asset_class: AssetClass::FixedIncome,
        start_price: 10_240,
        dividend_bp: 90,
    },
    SecuritySpec {
        name: "Northstar World ETF",
        ticker: "NSWD",
        isin_stem: "IE00NS00031",
        asset_class: AssetClass::Etf,
        start_price: 9_085,
        dividend_bp: 35,
    },
    SecuritySpec {
        name: "Tidewater Energy plc",
        ticker: "TDWE",
        isin_stem: "GB00TW12345",
        asset_class: AssetClass::Equity,
        start_price: 412,
        dividend_bp: 120,
    },
    SecuritySpec {
        name: "Larkspur Pharmaceuticals plc",
        ticker: "LRKP",
        isin_stem: "GB00LK54321",
        asset_class: AssetClass::Equity,
        start_price: 1_874,
        dividend_bp: 60,
    },
    SecuritySpec {
        name: "Quayside Property REIT",
        ticker: "QPRT",
        isin_stem: "GB00QP00099",
        asset_class: AssetClass::RealEstate,
        start_price: 118,
        dividend_bp: 150,
    },
    SecuritySpec {
        name: "Meridian Money Market Fund",
        ticker: "MMMF",
        isin_stem: "IE00MM00007",
        asset_class: AssetClass::CashEquivalent,
        start_price: 10_000,
        dividend_bp: 110,
    },
];

/// The ISIN of a security: stem plus its check digit (ISO 6166: letters to numbers, then Luhn).
pub fn isin(stem: &str) -> String {
    let mut digits = Vec::new();
    for c in stem.chars() {
        if let Some(d) = c.to_digit(10) {
            digits.push(d);
        } else if c.is_ascii_uppercase() {
            let n = u32::from(c as u8 - b'A') + 10;
            digits.push(n / 10);
            digits.push(n % 10);
        }
    }
    let mut sum = 0;
    for (i, d) in digits.iter().rev().enumerate() {
        let v = if i % 2 == 0 { d * 2 } else { *d };
        sum += v / 10 + v % 10;
    }
    format!("{stem}{}", (10 - sum % 10) % 10)
}

#[cfg(test)]
mod tests {
    #[test]
    fn isin_check_digits_follow_iso_6166() {
        // Apple Inc. and BAE Systems, well-known ISINs.
        assert_eq!(super::isin("US037833100"), "US0378331005");
        assert_eq!(super::isin("GB000263494"), "GB0002634946");
    }
}
