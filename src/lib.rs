//! scim-doctor: finds out why SCIM user provisioning is failing and writes the ticket.
//!
//! Layers and the one direction of imports: docs/architecture.md. Data flows one way:
//! `source` (live HTTP or files) -> `model::Tenant` -> `checks` -> `findings` ->
//! `report` -> `render` / `bundle`. `engine` runs that pipeline for a `Plan` that the
//! `commands` build from the flags in `cli`.

pub mod archive;
pub mod bundle;
pub mod catalog;
pub mod checks;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod connection;
pub mod demo;
pub mod diff;
pub mod engine;
pub mod explain;
pub mod findings;
#[doc(hidden)]
pub mod fuzz_entry;
pub mod idpconfig;
pub mod input;
pub mod input_file;
pub mod logs;
pub mod model;
pub mod options;
pub mod playbook;
pub mod profile;
pub mod render;
pub mod replay;
pub mod report;
pub mod scope;
pub mod secret;
pub mod server;
pub mod source;
pub mod util;
