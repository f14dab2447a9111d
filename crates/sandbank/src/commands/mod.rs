//! Subcommands that do a job and exit.

pub mod schemas;
