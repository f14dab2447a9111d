//! Subcommands that do a job and exit.

pub mod generate;
pub mod openapi;
pub mod schemas;
