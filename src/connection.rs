//! The credential test-connection playbook (seed 004 "Validate Admin Credentials").
//! Owned by the connection work: replaced by the full step sequence.

use crate::findings::{CheckResult, Status};
use crate::source::http::HttpClient;

pub struct ConnectionOutcome {
    pub results: Vec<CheckResult>,
    /// False after a hard failure: nothing else can be fetched.
    pub proceed: bool,
    pub failed_step: Option<String>,
}

pub async fn run(client: &HttpClient) -> ConnectionOutcome {
    match client.get("Users?startIndex=1&count=1").await {
        Ok(r) if r.status == 200 => ConnectionOutcome {
            results: vec![CheckResult::pass("http-auth", "credentials accepted")],
            proceed: true,
            failed_step: None,
        },
        Ok(r) => ConnectionOutcome {
            results: vec![CheckResult::new("http-auth", Status::Fail, format!("got HTTP {}", r.status))],
            proceed: false,
            failed_step: Some("http-auth".into()),
        },
        Err(e) => ConnectionOutcome {
            results: vec![CheckResult::new("tcp", Status::Fail, e.to_string())],
            proceed: false,
            failed_step: Some("tcp".into()),
        },
    }
}
