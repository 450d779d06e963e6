//! The Entra synchronization job (Graph `GET .../synchronization/jobs/{jobId}` or the list
//! `GET .../synchronization/jobs`): status code, quarantine, last execution. Timestamps that
//! are "", null or 0001-01-01 mean "never" (Graph's own examples use all three).

use super::json::{arr, get, int, obj, path, text, when};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
pub struct Quarantine {
    pub reason: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub current_began: Option<String>,
    pub series_began: Option<String>,
    pub next_attempt: Option<String>,
    pub series_count: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Execution {
    pub state: Option<String>,
    pub time_began: Option<String>,
    pub time_ended: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub count_exported: Option<i64>,
    pub count_escrowed: Option<i64>,
    pub count_entitled: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub file: String,
    pub id: String,
    pub template_id: Option<String>,
    /// NotConfigured, NotRun, Active, Paused, Quarantine (as written; compare ignoring case).
    pub code: Option<String>,
    pub schedule_state: Option<String>,
    pub quarantine: Option<Quarantine>,
    pub last_execution: Option<Execution>,
    pub last_successful: Option<String>,
    pub steady_state_last: Option<String>,
    pub successive_failures: Option<i64>,
    pub settings: Vec<(String, String)>,
}

impl Job {
    pub fn code_is(&self, c: &str) -> bool {
        self.code
            .as_deref()
            .is_some_and(|x| x.eq_ignore_ascii_case(c))
    }
}

fn is_job(v: &Value) -> bool {
    obj(v, "status").is_some_and(|s| s.keys().any(|k| k.eq_ignore_ascii_case("code")))
        || (get(v, "templateId").is_some() && get(v, "schedule").is_some())
}

/// A single job, the Graph list (`{"value": [...]}`), or a bare array of jobs.
pub fn looks_like(v: &Value) -> bool {
    let empty_graph_list = arr(v, "value").is_empty()
        && get(v, "value").is_some_and(Value::is_array)
        && text(v, "@odata.context").is_some_and(|c| c.contains("synchronization/jobs"));
    is_job(v)
        || empty_graph_list
        || arr(v, "value").first().is_some_and(is_job)
        || v.as_array().and_then(|a| a.first()).is_some_and(is_job)
}

pub fn read(file: &str, v: &Value) -> Vec<Job> {
    let items: Vec<&Value> = if is_job(v) {
        vec![v]
    } else if let Some(a) = v.as_array() {
        a.iter().collect()
    } else {
        arr(v, "value").iter().collect()
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, j)| one(file, i, j))
        .collect()
}

fn error(v: Option<&Value>) -> (Option<String>, Option<String>) {
    match v {
        Some(e) if e.is_object() => (text(e, "code"), text(e, "message")),
        _ => (None, None),
    }
}

fn one(file: &str, i: usize, j: &Value) -> Job {
    let status = get(j, "status").cloned().unwrap_or(Value::Null);
    let quarantine = get(&status, "quarantine")
        .filter(|q| q.is_object())
        .map(|q| {
            let (error_code, error_message) = error(get(q, "error"));
            Quarantine {
                reason: text(q, "reason"),
                error_code,
                error_message,
                current_began: when(q, "currentBegan"),
                series_began: when(q, "seriesBegan"),
                next_attempt: when(q, "nextAttempt"),
                series_count: int(q, "seriesCount"),
            }
        });
    let last_execution = get(&status, "lastExecution")
        .filter(|e| e.is_object())
        .map(|e| {
            let (error_code, error_message) = error(get(e, "error"));
            Execution {
                state: text(e, "state"),
                time_began: when(e, "timeBegan"),
                time_ended: when(e, "timeEnded"),
                error_code,
                error_message,
                count_exported: int(e, "countExported"),
                count_escrowed: int(e, "countEscrowed"),
                count_entitled: int(e, "countEntitled"),
            }
        });
    let last_successful = get(&status, "lastSuccessfulExecution")
        .filter(|e| e.is_object())
        .and_then(|e| when(e, "timeEnded").or_else(|| when(e, "timeBegan")));
    Job {
        file: file.to_string(),
        id: text(j, "id").unwrap_or_else(|| format!("job {}", i + 1)),
        template_id: text(j, "templateId"),
        code: text(&status, "code"),
        schedule_state: path(j, &["schedule", "state"]),
        quarantine,
        last_execution,
        last_successful,
        steady_state_last: when(&status, "steadyStateLastAchievedTime"),
        successive_failures: int(&status, "countSuccessiveCompleteFailures"),
        settings: arr(j, "synchronizationJobSettings")
            .iter()
            .filter_map(|s| Some((text(s, "name")?, text(s, "value").unwrap_or_default())))
            .collect(),
    }
}
