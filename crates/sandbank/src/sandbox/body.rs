//! JSON request bodies, refused with a problem whose pointer names the part at fault.

use serde::de::DeserializeOwned;

use super::error::SandboxError;

/// Parses a JSON body; an empty body reads as `{}` when `empty_is_object`.
pub fn json<T: DeserializeOwned>(bytes: &[u8], empty_is_object: bool) -> Result<T, SandboxError> {
    let bytes: &[u8] = if empty_is_object && bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let pointer = pointer(error.path());
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return not_json(&inner);
        }
        // serde's message without its " at line 1 column 17" suffix: the pointer says where.
        let message = inner.to_string();
        let detail = message.split(" at line ").next().unwrap_or(&message);
        SandboxError::invalid(&pointer, detail)
    })?;
    deserializer.end().map_err(|error| not_json(&error))?;
    Ok(value)
}

fn not_json(error: &serde_json::Error) -> SandboxError {
    SandboxError::invalid("", format!("the body is not valid JSON: {error}"))
}

/// A JSON pointer (RFC 6901) for a serde path.
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .map(|part| format!("/{part}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Inner {
        account_type: String,
    }

    fn pointer_of(body: &str) -> (String, String) {
        match json::<Outer>(body.as_bytes(), false) {
            Err(SandboxError::Invalid { errors, detail }) => (errors[0].pointer.clone(), detail),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_point_at_the_part_of_the_body() {
        assert_eq!(
            pointer_of(r#"{"items": [{"accountType": "X"}, {"accountType": 3}]}"#).0,
            "/items/1/accountType"
        );
        let (pointer, detail) = pointer_of(r#"{"items": [], "extra": 1}"#);
        assert!(detail.contains("unknown field `extra`"), "{detail}");
        assert!(!detail.contains("line"), "{detail}");
        assert_eq!(pointer, "/extra");
        assert!(pointer_of("{").1.contains("not valid JSON"));
        assert!(
            pointer_of(r#"{"items": []} trailing"#)
                .1
                .contains("not valid JSON")
        );
    }

    #[test]
    fn an_empty_body_may_mean_an_empty_object() {
        #[derive(Debug, Deserialize)]
        struct Nothing {}
        assert!(json::<Nothing>(b"", true).is_ok());
        assert!(json::<Nothing>(b"", false).is_err());
    }
}
