//! Sandbank's JSON schema registry.
//!
//! - [`files`] writes the catalogue to `schemas/` and checks that the committed files match the
//!   code (drift).
//! - [`validation`] compiles a schema once and reports every error of an instance with its
//!   instance path, schema path and keyword.

pub mod files;
pub mod validation;

pub use files::{CheckError, Drift, DriftedFile, SchemaFile, check, render, write};
pub use validation::{CompiledSchema, Issue, SchemaError};
pub mod compat;
