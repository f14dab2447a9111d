//! One test per rule, each checked in both directions: widening is backward compatible and not
//! forward compatible, narrowing the reverse.

use serde_json::{Value, json};

use super::*;

/// [`super::check`] within its bounds.
fn check(mode: CompatibilityMode, candidate: &Value, previous: &[Value]) -> Vec<Finding> {
    super::check(mode, candidate, previous).expect("within the work bound")
}

/// The incompatibilities found, the check being within its bounds.
fn reader_accepts(writer: &Value, reader: &Value) -> Vec<Incompatibility> {
    super::reader_accepts(writer, reader).expect("within the work bound")
}

/// Kinds reported when `new` reads data written with `old` (BACKWARD).
fn backward(old: &Value, new: &Value) -> Vec<Kind> {
    reader_accepts(old, new)
        .into_iter()
        .map(|i| i.kind)
        .collect()
}

/// Kinds reported when `old` reads data written with `new` (FORWARD).
fn forward(old: &Value, new: &Value) -> Vec<Kind> {
    reader_accepts(new, old)
        .into_iter()
        .map(|i| i.kind)
        .collect()
}

fn pointers(writer: &Value, reader: &Value) -> Vec<String> {
    reader_accepts(writer, reader)
        .into_iter()
        .map(|i| i.pointer)
        .collect()
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

#[test]
fn identical_schemas_are_compatible_both_ways() {
    let schema = sandbank_schemas::catalogue::find("transaction")
        .unwrap()
        .document();
    assert_eq!(backward(&schema, &schema), vec![]);
    assert_eq!(forward(&schema, &schema), vec![]);
}

#[test]
fn every_catalogue_schema_is_compatible_with_itself() {
    for def in sandbank_schemas::catalogue() {
        let document = def.document();
        assert_eq!(reader_accepts(&document, &document), vec![], "{}", def.name);
    }
}

#[test]
fn type_widening_is_backward_only() {
    let old = json!({"type": "string"});
    let new = json!({"type": ["string", "null"]});
    assert_eq!(backward(&old, &new), vec![]);
    assert_eq!(forward(&old, &new), vec![Kind::TypeNarrowed]);
}

#[test]
fn integer_is_a_number() {
    let old = json!({"type": "integer"});
    let new = json!({"type": "number"});
    assert_eq!(backward(&old, &new), vec![]);
    assert_eq!(forward(&old, &new), vec![Kind::TypeNarrowed]);
}

#[test]
fn adding_a_type_where_there_was_none_narrows() {
    let old = json!({});
    let new = json!({"type": "string"});
    assert_eq!(backward(&old, &new), vec![Kind::TypeNarrowed]);
    assert_eq!(forward(&old, &new), vec![]);
}

#[test]
fn enum_value_added_is_backward_only() {
    let old = json!({"type": "string", "enum": ["A", "B"]});
    let new = json!({"type": "string", "enum": ["A", "B", "C"]});
    assert_eq!(backward(&old, &new), vec![]);
    assert_eq!(forward(&old, &new), vec![Kind::EnumValueRemoved]);
    let found = reader_accepts(&new, &old);
    assert!(found[0].reason.contains("\"C\""), "{}", found[0].reason);
}

#[test]
fn enum_introduced_restricts_values() {
    let old = json!({"type": "string"});
    let new = json!({"type": "string", "enum": ["A"]});
    assert_eq!(backward(&old, &new), vec![Kind::EnumAdded]);
    assert_eq!(forward(&old, &new), vec![]);
}

#[test]
fn const_is_a_one_value_enum() {
    let old = json!({"const": "A"});
    let new = json!({"enum": ["A", "B"]});
    assert_eq!(backward(&old, &new), vec![]);
    assert_eq!(forward(&old, &new), vec![Kind::EnumValueRemoved]);
}

#[test]
fn minimum_raised_is_forward_only() {
    let old = json!({"type": "integer", "minimum": 0});
    let new = json!({"type": "integer", "minimum": 1});
    assert_eq!(backward(&old, &new), vec![Kind::MinimumIncreased]);
    assert_eq!(forward(&old, &new), vec![]);
    assert_eq!(pointers(&old, &new), vec!["/minimum"]);
}

#[test]
fn maximum_lowered_is_forward_only() {
    let old = json!({"type": "number", "maximum": 10});
    let new = json!({"type": "number", "maximum": 5});
    assert_eq!(backward(&old, &new), vec![Kind::MaximumDecreased]);
    assert_eq!(forward(&old, &new), vec![]);
}

#[test]
fn exclusive_bounds_compare_with_inclusive_ones() {
    let inclusive = json!({"type": "number", "minimum": 0});
    let exclusive = json!({"type": "number", "exclusiveMinimum": 0});
    // `> 0` data is `>= 0`; `>= 0` data may be 0.
    assert_eq!(backward(&exclusive, &inclusive), vec![]);
    assert_eq!(
        backward(&inclusive, &exclusive),
        vec![Kind::MinimumIncreased]
    );
    let below = json!({"type": "number", "exclusiveMaximum": 100});
    let at = json!({"type": "number", "maximum": 100});
    assert_eq!(backward(&below, &at), vec![]);
    assert_eq!(forward(&below, &at), vec![Kind::MaximumDecreased]);
}

#[test]
fn a_bound_added_where_there_was_none_narrows() {
    let old = json!({"type": "number"});
    let new = json!({"type": "number", "minimum": 0, "multipleOf": 0.01});
    assert_eq!(
        backward(&old, &new),
        vec![Kind::MinimumIncreased, Kind::MultipleOfChanged]
    );
    assert_eq!(forward(&old, &new), vec![]);
}

#[test]
fn min_length_raised_and_max_length_lowered() {
    let old = json!({"type": "string", "minLength": 1, "maxLength": 35});
    let new = json!({"type": "string", "minLength": 2, "maxLength": 20});
    assert_eq!(
        backward(&old, &new),
        vec![Kind::MinLengthIncreased, Kind::MaxLengthDecreased]
    );
    assert_eq!(forward(&old, &new), vec![]);
    assert_eq!(pointers(&old, &new), vec!["/minLength", "/maxLength"]);
}

#[test]
fn pattern_added_or_changed() {
    let none = json!({"type": "string"});
    let digits = json!({"type": "string", "pattern": "^[0-9]+$"});
    let letters = json!({"type": "string", "pattern": "^[A-Z]+$"});
    assert_eq!(backward(&none, &digits), vec![Kind::PatternAdded]);
    assert_eq!(forward(&none, &digits), vec![]);
    assert_eq!(backward(&digits, &letters), vec![Kind::PatternChanged]);
    assert_eq!(forward(&digits, &letters), vec![Kind::PatternChanged]);
}

#[test]
fn format_added_or_changed() {
    let none = json!({"type": "string"});
    let date = json!({"type": "string", "format": "date"});
    let time = json!({"type": "string", "format": "date-time"});
    assert_eq!(backward(&none, &date), vec![Kind::FormatAdded]);
    assert_eq!(forward(&none, &date), vec![]);
    assert_eq!(backward(&date, &time), vec![Kind::FormatChanged]);
}

#[test]
fn optional_property_added_to_an_open_model_is_forward_only() {
    // Confluent's rule: old data may hold anything under the new name.
    let old = object(json!({"a": {"type": "string"}}), &["a"]);
    let new = object(
        json!({"a": {"type": "string"}, "b": {"type": "string"}}),
        &["a"],
    );
    assert_eq!(backward(&old, &new), vec![Kind::PropertyAddedToOpenModel]);
    assert_eq!(pointers(&old, &new), vec!["/properties/b"]);
    assert_eq!(forward(&old, &new), vec![]);
}

#[test]
fn property_added_to_a_closed_model_is_backward_only() {
    let old = json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false});
    let new = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "additionalProperties": false});
    assert_eq!(backward(&old, &new), vec![]);
    assert_eq!(
        forward(&old, &new),
        vec![Kind::PropertyRemovedFromClosedModel]
    );
}

#[test]
fn property_removed_from_an_open_model_is_backward_only() {
    let old = object(
        json!({"a": {"type": "string"}, "b": {"type": "string"}}),
        &["a"],
    );
    let new = object(json!({"a": {"type": "string"}}), &["a"]);
    assert_eq!(backward(&old, &new), vec![]);
    assert_eq!(forward(&old, &new), vec![Kind::PropertyAddedToOpenModel]);
}

#[test]
fn property_removed_from_a_closed_model_breaks_backward() {
    let old = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "unevaluatedProperties": false});
    let new = json!({"type": "object", "properties": {"a": {"type": "string"}}, "unevaluatedProperties": false});
    assert_eq!(
        backward(&old, &new),
        vec![Kind::PropertyRemovedFromClosedModel]
    );
    assert_eq!(forward(&old, &new), vec![]);
}

#[test]
fn property_removed_is_checked_against_additional_properties_schema() {
    let old = json!({"type": "object", "properties": {"n": {"type": "integer"}}});
    let accepts = json!({"type": "object", "additionalProperties": {"type": "number"}});
    let rejects = json!({"type": "object", "additionalProperties": {"type": "string"}});
    assert!(!backward(&old, &accepts).contains(&Kind::PropertyRemovedNotAcceptedByAdditional));
    assert!(backward(&old, &rejects).contains(&Kind::PropertyRemovedNotAcceptedByAdditional));
}

#[test]
fn closing_the_content_model_is_forward_only() {
    let open = object(json!({"a": {"type": "string"}}), &[]);
    let closed = json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": [], "additionalProperties": false});
    assert_eq!(
        backward(&open, &closed),
        vec![Kind::AdditionalPropertiesNarrowed]
    );
    assert_eq!(forward(&open, &closed), vec![]);
}

#[test]
fn a_newly_required_property_is_forward_only() {
    let old = object(json!({"a": {"type": "string"}}), &[]);
    let new = object(json!({"a": {"type": "string"}}), &["a"]);
    assert_eq!(backward(&old, &new), vec![Kind::RequiredAdded]);
    assert_eq!(pointers(&old, &new), vec!["/required"]);
    assert_eq!(forward(&old, &new), vec![]);
}

#[test]
fn nested_changes_are_reported_with_their_pointer() {
    let old = object(
        json!({"amount": object(json!({"currency": {"type": "string", "maxLength": 3}}), &[])}),
        &[],
    );
    let new = object(
        json!({"amount": object(json!({"currency": {"type": "string", "maxLength": 2}}), &[])}),
        &[],
    );
    assert_eq!(
        pointers(&old, &new),
        vec!["/properties/amount/properties/currency/maxLength"]
    );
}

#[test]
fn items_are_compared() {
    let old = json!({"type": "array", "items": {"type": "string"}});
    let new = json!({"type": "array", "items": {"type": ["string", "integer"]}});
    assert_eq!(backward(&old, &new), vec![]);
    assert_eq!(forward(&old, &new), vec![Kind::TypeNarrowed]);
    assert_eq!(pointers(&new, &old), vec!["/items/type"]);
}

#[test]
fn item_counts_and_uniqueness() {
    let old = json!({"type": "array", "minItems": 0, "maxItems": 10});
    let new = json!({"type": "array", "minItems": 1, "maxItems": 5, "uniqueItems": true});
    assert_eq!(
        backward(&old, &new),
        vec![
            Kind::MinItemsIncreased,
            Kind::MaxItemsDecreased,
            Kind::UniqueItemsAdded
        ]
    );
    assert_eq!(forward(&old, &new), vec![]);
}

#[test]
fn one_of_branch_added_is_backward_only() {
    let old = json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
    let new = json!({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]});
    assert_eq!(backward(&old, &new), vec![]);
    let forward = reader_accepts(&new, &old);
    assert_eq!(forward[0].kind, Kind::NoMatchingBranch);
    assert_eq!(forward[0].pointer, "/oneOf");
}

#[test]
fn any_of_branch_narrowed_is_reported_with_the_closest_branch() {
    let old = json!({"anyOf": [{"type": "string", "maxLength": 10}, {"type": "null"}]});
    let new = json!({"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]});
    let found = reader_accepts(&old, &new);
    let kinds: Vec<Kind> = found.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        vec![Kind::NoMatchingBranch, Kind::MaxLengthDecreased]
    );
    assert_eq!(found[1].pointer, "/anyOf/0/maxLength");
    assert_eq!(forward(&old, &new), vec![]);
}

#[test]
fn tagged_union_branch_changes_are_found() {
    let branch = |kind: &str, max: u64| {
        json!({"type": "object",
               "properties": {"kind": {"const": kind}, "detail": {"type": "string", "maxLength": max}},
               "required": ["kind"]})
    };
    let old = json!({"type": "object", "oneOf": [branch("A", 10), branch("B", 10)]});
    let new = json!({"type": "object", "oneOf": [branch("A", 10), branch("B", 4)]});
    let found = reader_accepts(&old, &new);
    assert!(
        found.iter().any(|i| i.kind == Kind::MaxLengthDecreased
            && i.pointer == "/oneOf/1/properties/detail/maxLength"),
        "{found:?}"
    );
    assert_eq!(forward(&old, &new), vec![]);
}

#[test]
fn refs_are_resolved_in_each_document() {
    let old = json!({"type": "object", "properties": {"id": {"$ref": "#/$defs/Id"}},
                     "$defs": {"Id": {"type": "string", "maxLength": 40}}});
    let new = json!({"type": "object", "properties": {"id": {"$ref": "#/$defs/Id"}},
                     "$defs": {"Id": {"type": "string", "maxLength": 20}}});
    assert_eq!(backward(&old, &new), vec![Kind::MaxLengthDecreased]);
    assert_eq!(pointers(&old, &new), vec!["/properties/id/maxLength"]);
    assert_eq!(forward(&old, &new), vec![]);
    // A ref on one side, inline on the other.
    let inline =
        json!({"type": "object", "properties": {"id": {"type": "string", "maxLength": 40}}});
    assert_eq!(backward(&old, &inline), vec![]);
}

#[test]
fn recursive_schemas_terminate() {
    let tree = |max: u64| {
        json!({"$ref": "#/$defs/Node", "$defs": {"Node": {"type": "object", "properties": {
            "name": {"type": "string", "maxLength": max},
            "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}}})
    };
    assert_eq!(backward(&tree(10), &tree(10)), vec![]);
    assert_eq!(backward(&tree(10), &tree(20)), vec![]);
    assert_eq!(
        backward(&tree(20), &tree(10)),
        vec![Kind::MaxLengthDecreased]
    );
}

#[test]
fn unresolvable_refs_are_reported_not_followed() {
    let old = json!({"$ref": "https://elsewhere.example/a.json"});
    let new = json!({"$ref": "https://elsewhere.example/b.json"});
    assert_eq!(backward(&old, &new), vec![Kind::UnresolvableRef]);
    assert_eq!(backward(&old, &old), vec![]);
}

#[test]
fn boolean_schemas() {
    assert_eq!(
        backward(&json!(true), &json!(false)),
        vec![Kind::RejectsEverything]
    );
    assert_eq!(backward(&json!(false), &json!({"type": "string"})), vec![]);
    assert_eq!(backward(&json!({"type": "string"}), &json!(true)), vec![]);
}

#[test]
fn unsupported_keywords_in_the_reader_are_reported() {
    let old = json!({"type": "string"});
    let new = json!({"type": "string", "not": {"const": "x"}});
    assert_eq!(backward(&old, &new), vec![Kind::UnsupportedKeywordChanged]);
    assert_eq!(forward(&old, &new), vec![]);
}

#[test]
fn modes_pick_direction_and_history() {
    let v1 = json!({"type": "string", "maxLength": 5});
    let v2 = json!({"type": "string", "maxLength": 10});
    let v3 = json!({"type": "string", "maxLength": 8});
    let history = [v1.clone(), v2.clone()];
    // v3 reads all v2 data? No: v2 allowed 10 characters.
    assert!(!check(CompatibilityMode::Backward, &v3, &history).is_empty());
    assert!(check(CompatibilityMode::Forward, &v3, &history).is_empty());
    assert!(!check(CompatibilityMode::Full, &v3, &history).is_empty());
    assert!(check(CompatibilityMode::None, &v3, &history).is_empty());
    // Against v1 only v3 is backward compatible; transitive modes see v1 too.
    let widen = json!({"type": "string", "maxLength": 20});
    assert!(check(CompatibilityMode::Backward, &widen, &history).is_empty());
    assert!(check(CompatibilityMode::BackwardTransitive, &widen, &history).is_empty());
    let forward = check(CompatibilityMode::ForwardTransitive, &widen, &history);
    assert_eq!(
        forward.iter().map(|f| f.against).collect::<Vec<_>>(),
        vec![0, 1]
    );
    assert!(forward.iter().all(|f| f.direction == Direction::Forward));
    assert_eq!(
        check(CompatibilityMode::FullTransitive, &widen, &history).len(),
        2
    );
    assert!(check(CompatibilityMode::Full, &v1, &[]).is_empty());
}

#[test]
fn modes_parse_and_print() {
    for mode in CompatibilityMode::ALL {
        assert_eq!(mode.as_str().parse::<CompatibilityMode>(), Ok(mode));
        assert_eq!(
            serde_json::to_value(mode).unwrap(),
            Value::from(mode.as_str())
        );
    }
    assert_eq!(
        "backward_transitive".parse(),
        Ok(CompatibilityMode::BackwardTransitive)
    );
    assert!("SIDEWAYS".parse::<CompatibilityMode>().is_err());
}

#[test]
fn messages_carry_kind_pointer_and_reason() {
    let found = reader_accepts(&json!({"type": "string"}), &json!({"type": "integer"}));
    assert_eq!(
        found[0].to_string(),
        "TYPE_NARROWED at /type: type `string` is no longer accepted (now `integer`)"
    );
}

#[test]
fn shared_properties_of_a_tagged_union_are_reported_once_at_the_root() {
    let branch = |kind: &str| json!({"type": "object", "properties": {"kind": {"const": kind}}, "required": ["kind"]});
    let union = |required: &[&str]| {
        json!({"type": "object", "properties": {"id": {"type": "string"}},
               "required": required, "oneOf": [branch("A"), branch("B")]})
    };
    let found = reader_accepts(&union(&[]), &union(&["id"]));
    assert_eq!(
        found
            .iter()
            .map(|i| (i.kind, i.pointer.as_str()))
            .collect::<Vec<_>>(),
        vec![(Kind::RequiredAdded, "/required")]
    );
    assert_eq!(forward(&union(&[]), &union(&["id"])), vec![]);
}

#[test]
fn an_enum_and_documented_const_branches_are_the_same_values() {
    let plain = json!({"type": "string", "enum": ["A", "B"]});
    let documented = json!({"oneOf": [
        {"type": "string", "const": "A", "description": "The first."},
        {"type": "string", "const": "B", "description": "The second."}
    ]});
    assert_eq!(backward(&plain, &documented), vec![]);
    assert_eq!(forward(&plain, &documented), vec![]);
    let fewer = json!({"oneOf": [{"type": "string", "const": "A"}]});
    assert_eq!(backward(&plain, &fewer), vec![Kind::EnumValueRemoved]);
}

/// `levels` definitions, each an `allOf` (or another keyword) of `width` references to the next.
fn fan_out(keyword: &str, levels: usize, width: usize, leaf: Value) -> Value {
    let mut defs = serde_json::Map::new();
    for level in 0..levels {
        let schema = if level + 1 == levels {
            leaf.clone()
        } else {
            let next = json!({"$ref": format!("#/$defs/l{}", level + 1)});
            json!({keyword: vec![next; width]})
        };
        defs.insert(format!("l{level}"), schema);
    }
    json!({"$ref": "#/$defs/l0", "$defs": defs})
}

#[test]
fn each_pair_of_references_is_compared_once() {
    // 10^11 paths to the leaf: only memoising the pairs of references makes this finish.
    // (Deeper, `allOf` merging stops following references: see `MAX_REF_CHAIN`.)
    for keyword in ["allOf", "anyOf", "oneOf"] {
        let leaf = |max: u32| json!({"type": "string", "maxLength": max});
        let old = fan_out(keyword, 12, 10, leaf(5));
        assert_eq!(reader_accepts(&old, &old), vec![], "{keyword}");
        // Under `anyOf`/`oneOf` a difference at the leaf is reported once per path to it:
        // in full when the paths are few, refused as too complex when they are 10^11.
        let found = reader_accepts(
            &fan_out(keyword, 3, 3, leaf(5)),
            &fan_out(keyword, 3, 3, leaf(3)),
        );
        assert!(
            found.iter().any(|i| i.kind == Kind::MaxLengthDecreased),
            "{keyword}: {found:?}"
        );
        // (`allOf` merges into one schema, so its difference is found once.)
        match super::reader_accepts(&old, &fan_out(keyword, 12, 10, leaf(3))) {
            Ok(found) => assert!(
                keyword == "allOf" && found.iter().any(|i| i.kind == Kind::MaxLengthDecreased),
                "{keyword}: {found:?}"
            ),
            Err(error) => assert!(
                keyword != "allOf" && error.0.contains("too complex"),
                "{keyword}: {error}"
            ),
        }
    }
}

#[test]
fn a_check_past_its_step_bound_says_so() {
    // Every writer branch is matched against every reader branch: 2,000 × 2,000 comparisons.
    let union = |field: &str| {
        let branches: Vec<Value> = (0..2000)
            .map(|i| json!({"type": "object", "properties": {field: {"type": "integer", "minimum": i}}, "required": [field]}))
            .collect();
        json!({"anyOf": branches})
    };
    let error = super::reader_accepts(&union("a"), &union("b")).unwrap_err();
    assert!(error.0.contains("too complex to compare"), "{error}");
}
