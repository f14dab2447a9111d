//! Subcommands that do a job and exit.

pub mod openapi;
pub mod schemas;
