//! Subject names: what a client may name a subject it registers, looks up or configures.
//!
//! A subject name is 1 to [`MAX_SUBJECT_CHARS`] characters (after percent-decoding), none of
//! them a control character (Unicode category Cc: U+0000–U+001F and U+007F–U+009F). Names that
//! break these rules would be stored and then listed back to every client, so they are
//! refused where they come in. The OpenAPI document says the same with `minLength`,
//! `maxLength` and a `pattern` (`crate::http::confluent::SubjectParam`).

use std::fmt;

/// The longest subject name accepted, in characters (as JSON Schema's `maxLength` counts).
pub const MAX_SUBJECT_CHARS: usize = 255;

/// A subject name that follows the rules of this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectName(String);

/// Why a subject name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSubject {
    /// The name is empty.
    #[error("the subject name is empty")]
    Empty,
    /// The name is longer than [`MAX_SUBJECT_CHARS`].
    #[error("the subject name is {0} characters long; at most {MAX_SUBJECT_CHARS} are accepted")]
    TooLong(usize),
    /// The name holds a control character.
    #[error("the subject name holds a control character (U+{0:04X})")]
    Control(u32),
}

impl SubjectName {
    /// `name` when it is a valid subject name.
    pub fn new(name: impl Into<String>) -> Result<SubjectName, InvalidSubject> {
        let name = name.into();
        if name.is_empty() {
            return Err(InvalidSubject::Empty);
        }
        let length = name.chars().count();
        if length > MAX_SUBJECT_CHARS {
            return Err(InvalidSubject::TooLong(length));
        }
        if let Some(control) = name.chars().find(|c| c.is_control()) {
            return Err(InvalidSubject::Control(u32::from(control)));
        }
        Ok(SubjectName(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SubjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_non_empty_bounded_and_free_of_control_characters() {
        for good in [
            "orders-value",
            "a",
            "données.clé",
            "with space",
            &"é".repeat(255),
        ] {
            assert_eq!(SubjectName::new(good).unwrap().as_str(), good);
        }
        assert_eq!(SubjectName::new(""), Err(InvalidSubject::Empty));
        assert_eq!(
            SubjectName::new("x".repeat(256)),
            Err(InvalidSubject::TooLong(256))
        );
        for (bad, code) in [
            ("a\0b", 0),
            ("tab\t", 9),
            ("nl\n", 10),
            ("del\u{7f}", 0x7f),
            ("c1\u{85}", 0x85),
        ] {
            assert_eq!(
                SubjectName::new(bad),
                Err(InvalidSubject::Control(code)),
                "{bad:?}"
            );
        }
    }
}
