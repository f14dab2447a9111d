//! ISO 8601 durations (`P3D`, `PT90M`, `P1M2DT3H`, `P2W`), as `POST /sandbox/clock` takes them.
//!
//! Years and months are calendar units: `P1M` from 31 January lands on the last day of February,
//! as a customer would count "a month later". Weeks, days, hours and minutes are whole numbers;
//! seconds may have a fraction (`PT0.5S`, milliseconds are kept).

use chrono::{DateTime, Duration, Months, Utc};

/// A parsed duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoDuration {
    /// Written with a leading `-`.
    pub negative: bool,
    /// Years and months, in months.
    pub months: u32,
    /// Weeks and days, in days.
    pub days: i64,
    /// Hours, minutes and seconds, in milliseconds.
    pub millis: i64,
}

/// Why a text is not a duration the clock can move by; the message says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not written as an ISO 8601 duration ([`DURATION_PATTERN`] says how).
    #[error("{0}")]
    Malformed(String),
    /// Well written, but longer than any clock can count.
    #[error("{0}")]
    TooLong(String),
}

/// The durations [`IsoDuration::parse`] reads, as a regular expression (ECMA 262, for the
/// OpenAPI document): an optional `+`, `P`, date units in the order Y M W D, then `T` and time
/// units in the order H M S, at least one unit, whole numbers except the seconds (`.` or `,`
/// before the fraction). A text it matches is never malformed, only possibly too long.
pub const DURATION_PATTERN: &str = concat!(
    r"^\+?P(",
    r"([0-9]+Y([0-9]+M)?([0-9]+W)?([0-9]+D)?|[0-9]+M([0-9]+W)?([0-9]+D)?|[0-9]+W([0-9]+D)?|[0-9]+D)",
    r"(T([0-9]+H([0-9]+M)?([0-9]+([.,][0-9]*)?S)?|[0-9]+M([0-9]+([.,][0-9]*)?S)?|[0-9]+([.,][0-9]*)?S))?",
    r"|T([0-9]+H([0-9]+M)?([0-9]+([.,][0-9]*)?S)?|[0-9]+M([0-9]+([.,][0-9]*)?S)?|[0-9]+([.,][0-9]*)?S)",
    r")$"
);

fn error(text: &str, why: &str) -> DurationError {
    DurationError::Malformed(format!(
        "{text:?} is not an ISO 8601 duration ({why}); write e.g. P3D, PT2H30M or P1M"
    ))
}

fn too_long(text: &str) -> DurationError {
    DurationError::TooLong(format!(
        "{text:?} is longer than the sandbox clock can count"
    ))
}

impl IsoDuration {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<IsoDuration, DurationError> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let Some(rest) = rest.strip_prefix('P') else {
            return Err(error(text, "it must start with P"));
        };
        let (date, time) = match rest.split_once('T') {
            Some((_, "")) => {
                return Err(error(text, "nothing follows T"));
            }
            Some((date, time)) => (date, Some(time)),
            None => (rest, None),
        };
        let mut duration = IsoDuration {
            negative,
            months: 0,
            days: 0,
            millis: 0,
        };
        let mut any = false;
        let mut order = 0;
        for (number, unit) in components(text, date)? {
            let rank = ["Y", "M", "W", "D"]
                .iter()
                .position(|u| *u == unit)
                .ok_or_else(|| error(text, &format!("unknown date unit {unit}")))?;
            if rank < order {
                return Err(error(text, "units out of order"));
            }
            order = rank + 1;
            let whole = whole(text, &number)?;
            match unit.as_str() {
                "Y" => {
                    duration.months = u32::try_from(whole)
                        .ok()
                        .and_then(|y| y.checked_mul(12))
                        .and_then(|m| m.checked_add(duration.months))
                        .ok_or_else(|| too_long(text))?;
                }
                "M" => {
                    duration.months = u32::try_from(whole)
                        .ok()
                        .and_then(|m| m.checked_add(duration.months))
                        .ok_or_else(|| too_long(text))?;
                }
                "W" => duration.days += whole.checked_mul(7).ok_or_else(|| too_long(text))?,
                _ => duration.days += whole,
            }
            any = true;
        }
        let mut order = 0;
        for (number, unit) in components(text, time.unwrap_or_default())? {
            let rank = ["H", "M", "S"]
                .iter()
                .position(|u| *u == unit)
                .ok_or_else(|| error(text, &format!("unknown time unit {unit}")))?;
            if rank < order {
                return Err(error(text, "units out of order"));
            }
            order = rank + 1;
            let millis = match unit.as_str() {
                "H" => whole(text, &number)?.checked_mul(3_600_000),
                "M" => whole(text, &number)?.checked_mul(60_000),
                _ => seconds_in_millis(text, &number)?,
            }
            .ok_or_else(|| too_long(text))?;
            duration.millis = duration
                .millis
                .checked_add(millis)
                .ok_or_else(|| too_long(text))?;
            any = true;
        }
        if !any {
            return Err(error(text, "it has no component"));
        }
        Ok(duration)
    }

    /// The instant this duration after `from`, if the calendar has it.
    pub fn after(&self, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let moved = if self.negative {
            from.checked_sub_months(Months::new(self.months))?
                .checked_sub_signed(Duration::try_days(self.days)?)?
                .checked_sub_signed(Duration::try_milliseconds(self.millis)?)?
        } else {
            from.checked_add_months(Months::new(self.months))?
                .checked_add_signed(Duration::try_days(self.days)?)?
                .checked_add_signed(Duration::try_milliseconds(self.millis)?)?
        };
        Some(moved)
    }
}

/// `(number, unit)` pairs of one part (before or after `T`).
fn components(text: &str, part: &str) -> Result<Vec<(String, String)>, DurationError> {
    let mut out = Vec::new();
    let mut number = String::new();
    for c in part.chars() {
        if c.is_ascii_digit() || c == '.' || c == ',' {
            number.push(c);
        } else if c.is_ascii_uppercase() {
            if number.is_empty() {
                return Err(error(text, &format!("{c} has no number")));
            }
            out.push((std::mem::take(&mut number), c.to_string()));
        } else {
            return Err(error(text, &format!("unexpected {c:?}")));
        }
    }
    if !number.is_empty() {
        return Err(error(text, &format!("{number} has no unit")));
    }
    Ok(out)
}

fn whole(text: &str, number: &str) -> Result<i64, DurationError> {
    if !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(text, "only seconds may have a fraction"));
    }
    // Only digits: the one way to fail is too many of them.
    number.parse::<i64>().map_err(|_| too_long(text))
}

fn seconds_in_millis(text: &str, number: &str) -> Result<Option<i64>, DurationError> {
    let normalised = number.replace(',', ".");
    let (units, fraction) = normalised.split_once('.').unwrap_or((&normalised, ""));
    if units.is_empty() || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return Err(error(text, "malformed seconds"));
    }
    if !units.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(text, "malformed seconds"));
    }
    let units: i64 = units.parse().map_err(|_| too_long(text))?;
    let millis: i64 = format!("{:0<3}", fraction.get(..3).unwrap_or(fraction))
        .parse()
        .map_err(|_| error(text, "malformed seconds"))?;
    Ok(units
        .checked_mul(1000)
        .and_then(|ms| ms.checked_add(millis)))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    #[test]
    fn days_weeks_and_times() {
        let from = at(2026, 11, 1);
        let cases = [
            ("P3D", Duration::days(3)),
            ("P2W", Duration::days(14)),
            ("PT90M", Duration::minutes(90)),
            ("PT2H30M", Duration::minutes(150)),
            ("P1DT1H1M1S", Duration::seconds(90_061)),
            ("PT0.5S", Duration::milliseconds(500)),
            ("PT1,25S", Duration::milliseconds(1_250)),
            ("PT0S", Duration::zero()),
            ("+P1D", Duration::days(1)),
        ];
        for (text, expected) in cases {
            let parsed = IsoDuration::parse(text).unwrap();
            assert!(!parsed.negative, "{text}");
            assert_eq!(parsed.after(from).unwrap() - from, expected, "{text}");
        }
    }

    #[test]
    fn months_and_years_are_calendar_units() {
        let month = IsoDuration::parse("P1M").unwrap();
        assert_eq!(month.after(at(2026, 1, 31)).unwrap(), at(2026, 2, 28));
        assert_eq!(month.after(at(2026, 11, 1)).unwrap(), at(2026, 12, 1));
        let year = IsoDuration::parse("P1Y2M").unwrap();
        assert_eq!(year.after(at(2026, 11, 1)).unwrap(), at(2028, 1, 1));
    }

    #[test]
    fn a_leading_minus_is_negative() {
        let parsed = IsoDuration::parse("-P1D").unwrap();
        assert!(parsed.negative);
        assert_eq!(parsed.after(at(2026, 11, 2)).unwrap(), at(2026, 11, 1));
    }

    #[test]
    fn malformed_durations_say_why() {
        for text in [
            "", "P", "3D", "PT", "P3", "P1.5D", "PT1H2", "P3X", "P1D1M", "PT1S2M", "p3d", "P 3D",
            "PT.5S",
        ] {
            let error = IsoDuration::parse(text).unwrap_err();
            assert!(matches!(error, DurationError::Malformed(_)), "{text}");
            assert!(error.to_string().contains("ISO 8601"), "{text}: {error}");
        }
    }

    #[test]
    fn numbers_too_big_to_count_are_too_long_not_malformed() {
        for text in [
            "P99999999999999999999D",
            "P999999999Y",
            "PT99999999999999999999S",
        ] {
            let error = IsoDuration::parse(text).unwrap_err();
            assert!(
                matches!(error, DurationError::TooLong(_)),
                "{text}: {error}"
            );
        }
    }

    /// The OpenAPI document's pattern says what the parser reads: a text matches it exactly
    /// when it parses (or is only too long) and is not negative, which the clock refuses.
    #[test]
    fn the_documented_pattern_is_the_parsers_grammar() {
        let pattern = jsonschema::validator_for(
            &serde_json::json!({"type": "string", "pattern": DURATION_PATTERN}),
        )
        .unwrap();
        for text in [
            "P3D",
            "P2W",
            "PT90M",
            "PT2H30M",
            "P1DT1H1M1S",
            "PT0.5S",
            "PT1,25S",
            "PT0S",
            "P1M",
            "P1Y2M3W4D",
            "P1YT1S",
            "PT1.S",
            "+P1D",
            "P0D",
            "PT1H1S",
            "P1Y1D",
            "P99999999999999999999D",
            "",
            "P",
            "3D",
            "PT",
            "P3",
            "P1.5D",
            "PT1H2",
            "P3X",
            "P1D1M",
            "PT1S2M",
            "p3d",
            "P 3D",
            "PT.5S",
            "-P1D",
            "-PT0S",
            "P1DT",
            "PT1.5M",
            "PT1..5S",
            "P1D ",
            " P1D",
            "P+1D",
            "P1,5D",
            "PT1S1S",
            "P1D1D",
            "P١D",
            "PT1HS",
        ] {
            let parsed = IsoDuration::parse(text);
            let accepted = match &parsed {
                Ok(duration) => !duration.negative,
                Err(DurationError::TooLong(_)) => !text.starts_with('-'),
                Err(DurationError::Malformed(_)) => false,
            };
            assert_eq!(
                pattern.is_valid(&serde_json::json!(text)),
                accepted,
                "{text:?}: {parsed:?}"
            );
        }
    }
}
