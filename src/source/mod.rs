//! Where tenant data comes from: live HTTP (`http`, `fetch`) or files (`snapshot`).

pub mod fetch;
pub mod http;
pub mod request_log;
pub mod snapshot;
