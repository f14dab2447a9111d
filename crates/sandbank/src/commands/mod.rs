//! Subcommands that do a job and exit.

pub mod client;
pub mod generate;
pub mod openapi;
pub mod schemas;
