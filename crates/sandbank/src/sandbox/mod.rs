//! The sandbox control API and what it needs: the admin key that opens it.

pub mod admin_key;

pub use admin_key::AdminKey;
