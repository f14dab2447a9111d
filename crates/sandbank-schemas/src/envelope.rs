//! What wraps resources on the wire: the paged list envelope and RFC 9457 problems.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A page of a list: the items, links to other pages, and facts about the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items on this page, in the list's stable order.
    pub data: Vec<T>,
    /// Links to this page and its neighbours.
    pub links: Links,
    /// Facts about the page and the list.
    pub meta: PageMeta,
}

/// Links between pages. Follow `next` until it is absent to read a whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Links {
    /// This page.
    #[serde(rename = "self")]
    pub self_link: String,
    /// The first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    /// The page before this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    /// The page after this one; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Facts about a page and its list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageMeta {
    /// Most items a page holds.
    pub page_size: u32,
    /// Items in the whole list, when cheap to count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_records: Option<u64>,
}

/// An RFC 9457 problem: what went wrong, in a form both people and programs can read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// A URI that identifies the kind of problem; stable, so programs can branch on it.
    #[serde(rename = "type")]
    #[schemars(extend("format" = "uri-reference"))]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    #[schemars(range(min = 400, max = 599))]
    pub status: u16,
    /// What went wrong this time, for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path the problem occurred on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Each invalid part of the request, for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemError>,
}

/// One invalid part of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProblemError {
    /// JSON pointer (RFC 6901) into the request body, or the name of a query parameter or header.
    pub pointer: String,
    /// What is wrong with it.
    pub detail: String,
}
