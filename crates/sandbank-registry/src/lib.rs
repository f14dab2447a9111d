//! Sandbank's JSON schema registry.
//!
//! - [`files`] writes the catalogue to `schemas/` and checks that the committed files match the
//!   code (drift); [`policy`] checks that version bumps follow compatibility.
//! - [`validation`] compiles a schema once and reports every error of an instance with its
//!   instance path, schema path and keyword.
//! - [`cost`] bounds the work a client's schema can cause (unfolded size, validation steps), so
//!   that no request runs without end.
//! - [`compat`] decides whether one JSON Schema accepts everything another does, under the
//!   modes schema registries use.
//! - [`registry`] is the catalogue of every `(name, version)`: Sandbank's own schemas
//!   ([`builtin`], frozen versions embedded at compile time) and schemas registered at run time,
//!   kept in a [`store::RegistryStore`]; [`subject`] says what a subject may be named.
//! - [`http`] serves it all: the native API under `/schemas` and a Confluent Schema
//!   Registry–compatible API under `/registry`; [`openapi`] bridges the JSON Schemas into the
//!   OpenAPI document.

pub mod builtin;
pub mod compat;
pub mod cost;
pub mod files;
pub mod http;
pub mod openapi;
pub mod policy;
pub mod registry;
pub mod store;
pub mod subject;
pub mod validation;

pub use builtin::BUILTIN_ID_BASE;
pub use files::{CheckError, Drift, DriftedFile, SchemaFile, check, render, write};
pub use registry::{Registry, RegistryError, VersionRef, canonical};
pub use store::{MemoryStore, RegistryStore, StoreError, conformance};
pub use subject::{InvalidSubject, SubjectName};
pub use validation::{CompiledSchema, Issue, SchemaError};
