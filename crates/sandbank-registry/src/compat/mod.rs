//! Compatibility between two JSON Schemas, with the modes schema registries use.
//!
//! The question behind every mode is one check, [`reader_accepts`]: does every instance the
//! *writer* schema accepts also pass the *reader* schema? With Confluent's semantics:
//!
//! - **BACKWARD**: consumers using the new schema can read data written with the old one, so
//!   the new schema (reader) must accept everything the old one (writer) accepted.
//! - **FORWARD**: consumers still on the old schema can read data written with the new one.
//! - **FULL**: both. The `_TRANSITIVE` modes check against every earlier version instead of
//!   only the latest. **NONE** checks nothing.
//!
//! The checker is sound for the keywords it understands and conservative for the rest: a change
//! to a keyword it cannot reason about (`not`, `if`, `patternProperties`...) in the reader is
//! reported rather than assumed harmless. Local references (`#/$defs/...`, any `#/` pointer) are
//! followed, with recursion guarded; `allOf` is merged; `oneOf`/`anyOf` are compared branch by
//! branch (every writer branch must be accepted by some reader branch).
//!
//! The code is split by concern: [`schema`] resolves and merges subschemas, `checker` walks
//! the two schemas, and `scalar`, `object` and `array` hold the per-keyword rules.

mod array;
mod checker;
mod object;
mod scalar;
pub mod schema;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cost::TooComplex;

/// What a compatibility check compares, as in Confluent Schema Registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompatibilityMode {
    /// The new schema accepts everything the latest one accepted.
    Backward,
    /// The new schema accepts everything every earlier version accepted.
    BackwardTransitive,
    /// The latest schema accepts everything the new one accepts.
    Forward,
    /// Every earlier version accepts everything the new one accepts.
    ForwardTransitive,
    /// Backward and forward against the latest version.
    Full,
    /// Backward and forward against every earlier version.
    FullTransitive,
    /// No check.
    None,
}

impl CompatibilityMode {
    /// Every mode, in the order registries document them.
    pub const ALL: [CompatibilityMode; 7] = [
        Self::Backward,
        Self::BackwardTransitive,
        Self::Forward,
        Self::ForwardTransitive,
        Self::Full,
        Self::FullTransitive,
        Self::None,
    ];

    /// The mode's name, e.g. `BACKWARD_TRANSITIVE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Backward => "BACKWARD",
            Self::BackwardTransitive => "BACKWARD_TRANSITIVE",
            Self::Forward => "FORWARD",
            Self::ForwardTransitive => "FORWARD_TRANSITIVE",
            Self::Full => "FULL",
            Self::FullTransitive => "FULL_TRANSITIVE",
            Self::None => "NONE",
        }
    }

    fn backward(self) -> bool {
        matches!(
            self,
            Self::Backward | Self::BackwardTransitive | Self::Full | Self::FullTransitive
        )
    }

    fn forward(self) -> bool {
        matches!(
            self,
            Self::Forward | Self::ForwardTransitive | Self::Full | Self::FullTransitive
        )
    }

    fn transitive(self) -> bool {
        matches!(
            self,
            Self::BackwardTransitive | Self::ForwardTransitive | Self::FullTransitive
        )
    }
}

impl fmt::Display for CompatibilityMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no compatibility mode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown compatibility mode {0:?}; expected one of BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE, NONE"
)]
pub struct UnknownMode(pub String);

impl FromStr for CompatibilityMode {
    type Err = UnknownMode;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|mode| mode.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownMode(text.to_owned()))
    }
}

/// The kind of an incompatibility; stable names a program can branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Kind {
    /// The reader accepts no instance at all (`false`) where the writer accepted some.
    RejectsEverything,
    /// The reader no longer accepts some JSON type the writer accepted.
    TypeNarrowed,
    /// The reader restricts values to an `enum`/`const` the writer did not have.
    EnumAdded,
    /// A value the writer allowed (`enum`/`const`) is not accepted by the reader.
    EnumValueRemoved,
    /// The lower bound (`minimum`/`exclusiveMinimum`) went up or appeared.
    MinimumIncreased,
    /// The upper bound (`maximum`/`exclusiveMaximum`) went down or appeared.
    MaximumDecreased,
    /// `multipleOf` appeared or changed to a value the writer's does not divide.
    MultipleOfChanged,
    /// `minLength` went up.
    MinLengthIncreased,
    /// `maxLength` went down or appeared.
    MaxLengthDecreased,
    /// A `pattern` appeared.
    PatternAdded,
    /// The `pattern` changed (regular-expression inclusion is not decided).
    PatternChanged,
    /// A `format` appeared (formats are asserted).
    FormatAdded,
    /// The `format` changed.
    FormatChanged,
    /// A property became required.
    RequiredAdded,
    /// A property was removed while the reader's content model is closed.
    PropertyRemovedFromClosedModel,
    /// A property was removed and the reader's `additionalProperties` does not accept it.
    PropertyRemovedNotAcceptedByAdditional,
    /// A property was added with constraints while the writer's content model was open, so the
    /// writer may have written anything under that name.
    PropertyAddedToOpenModel,
    /// `additionalProperties`/`unevaluatedProperties` became stricter.
    AdditionalPropertiesNarrowed,
    /// `minProperties` went up.
    MinPropertiesIncreased,
    /// `maxProperties` went down or appeared.
    MaxPropertiesDecreased,
    /// `minItems` went up.
    MinItemsIncreased,
    /// `maxItems` went down or appeared.
    MaxItemsDecreased,
    /// `uniqueItems` appeared.
    UniqueItemsAdded,
    /// No `oneOf`/`anyOf` branch of the reader accepts a writer's branch.
    NoMatchingBranch,
    /// A keyword the checker does not reason about changed in the reader.
    UnsupportedKeywordChanged,
    /// A `$ref` that does not point inside the document.
    UnresolvableRef,
}

/// One reason the reader does not accept everything the writer does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Incompatibility {
    /// JSON pointer (RFC 6901) to the subschema concerned, following the reader's structure,
    /// e.g. `/properties/amount/maxLength`; `""` is the root.
    pub pointer: String,
    /// What kind of change it is.
    pub kind: Kind,
    /// What changed, for a person.
    pub reason: String,
}

impl fmt::Display for Incompatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        let kind = serde_json::to_value(self.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        write!(f, "{kind} at {pointer}: {}", self.reason)
    }
}

/// Which way a finding was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    /// The candidate, as reader, does not accept data an earlier version allowed.
    Backward,
    /// An earlier version, as reader, does not accept data the candidate allows.
    Forward,
}

/// An incompatibility found by a mode check, with the direction and the earlier version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    /// Which way it was checked.
    pub direction: Direction,
    /// Position of the earlier schema in the list checked against (0 is the oldest).
    pub against: usize,
    /// The incompatibility itself.
    pub incompatibility: Incompatibility,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let direction = match self.direction {
            Direction::Backward => "backward",
            Direction::Forward => "forward",
        };
        write!(f, "{} ({direction})", self.incompatibility)
    }
}

/// Every reason why `reader` does not accept all instances `writer` accepts; empty when it
/// does. Both are whole documents (their `$ref`s are resolved against themselves).
///
/// The work is bounded: each pair of references is compared once, and past
/// [`MAX_COMPARE_STEPS`](crate::cost::MAX_COMPARE_STEPS) steps the answer is [`TooComplex`].
pub fn reader_accepts(writer: &Value, reader: &Value) -> Result<Vec<Incompatibility>, TooComplex> {
    checker::Checker::new(writer, reader).run()
}

/// Checks `candidate` against the `previous` versions (oldest first) under `mode`. Empty when
/// compatible; with no previous version everything is compatible.
pub fn check(
    mode: CompatibilityMode,
    candidate: &Value,
    previous: &[Value],
) -> Result<Vec<Finding>, TooComplex> {
    let Some(latest) = previous.len().checked_sub(1) else {
        return Ok(Vec::new());
    };
    let first = if mode.transitive() { 0 } else { latest };
    let mut findings = Vec::new();
    for (against, earlier) in previous.iter().enumerate().skip(first) {
        if mode.backward() {
            findings.extend(
                reader_accepts(earlier, candidate)?
                    .into_iter()
                    .map(|i| Finding {
                        direction: Direction::Backward,
                        against,
                        incompatibility: i,
                    }),
            );
        }
        if mode.forward() {
            findings.extend(
                reader_accepts(candidate, earlier)?
                    .into_iter()
                    .map(|i| Finding {
                        direction: Direction::Forward,
                        against,
                        incompatibility: i,
                    }),
            );
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests;
