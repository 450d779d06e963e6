//! One module per subcommand: turn resolved flags into a `Plan`, run it, hand the outcome to
//! the output layer. `plan` holds the resolution shared by every analysing command.

pub mod bundle;
pub mod check;
pub mod demo;
pub mod diff;
pub mod explain;
pub mod plan;
pub mod playbooks;
pub mod replay;
pub mod scope;
pub mod serve;
pub mod snapshot;
