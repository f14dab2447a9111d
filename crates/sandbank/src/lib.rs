//! Sandbank: a mock bank with a FAPI 2.0 authorization server and a JSON schema registry.
//!
//! This crate is the binary and the composition of the others: the command line ([`cli`]), the
//! HTTP application ([`app`]), one running instance of it ([`instance`], also what the Rust test
//! kit starts) and the `serve` command around that ([`server`]). Test code can build the
//! application with [`app::router`] and drive it without a socket.

pub mod app;
pub mod body_limit;
pub mod cli;
pub mod commands;
pub mod dataset;
pub mod deadline;
pub mod errors;
pub mod head_limit;
pub mod instance;
pub mod openapi;
pub mod registry_key;
pub mod sandbox;
pub mod server;
