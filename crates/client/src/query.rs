//! What to ask for: the query parameters of each endpoint.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;

/// The `opts` taskq asks for unless told otherwise: everything that makes a task complete.
pub const DEFAULT_OPTS: &[&str] = &[
    "annotation_details",
    "attachment_details",
    "model_parameters",
    "submissions",
];

/// Whose tasks: `/v2/tasks` needs a project or a batch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    ProjectName(String),
    ProjectId(String),
    BatchName(String),
    BatchId(String),
}

impl Scope {
    fn pair(&self) -> (&'static str, &str) {
        match self {
            Scope::ProjectName(v) => ("project_name", v),
            Scope::ProjectId(v) => ("project_id", v),
            Scope::BatchName(v) => ("batch_name", v),
            Scope::BatchId(v) => ("batch_id", v),
        }
    }

    /// A stable name, such as `project_name=My Project`: the key a sync keeps its state under.
    pub fn key(&self) -> String {
        let (k, v) = self.pair();
        format!("{k}={v}")
    }
}

/// Query parameters as sent: repeated keys stay repeated (`expand=project&expand=batch`).
pub(crate) type Params = Vec<(String, String)>;

fn push(p: &mut Params, k: &str, v: &str) {
    p.push((k.to_owned(), v.to_owned()));
}

fn push_time(p: &mut Params, k: &str, t: Option<DateTime<Utc>>) {
    if let Some(t) = t {
        push(p, k, &t.to_rfc3339_opts(SecondsFormat::AutoSi, true));
    }
}

fn push_page_options(p: &mut Params, limit: Option<u32>, expand: &[String], opts: &[String]) {
    if let Some(l) = limit {
        push(p, "limit", &l.to_string());
    }
    for e in expand {
        push(p, "expand", e);
    }
    for o in opts {
        push(p, "opts", o);
    }
}

/// `GET /v2/tasks`.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskQuery {
    pub scope: Scope,
    pub status: Option<String>,
    pub completed_after: Option<DateTime<Utc>>,
    pub completed_before: Option<DateTime<Utc>>,
    /// Page size, 1..=100 (the server's default when `None`).
    pub limit: Option<u32>,
    pub expand: Vec<String>,
    pub opts: Vec<String>,
}

impl TaskQuery {
    /// All tasks of `scope`, with [`DEFAULT_OPTS`].
    pub fn new(scope: Scope) -> TaskQuery {
        TaskQuery {
            scope,
            status: None,
            completed_after: None,
            completed_before: None,
            limit: None,
            expand: Vec::new(),
            opts: DEFAULT_OPTS.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    pub(crate) fn params(&self) -> Params {
        let mut p = Params::new();
        let (k, v) = self.scope.pair();
        push(&mut p, k, v);
        if let Some(s) = &self.status {
            push(&mut p, "status", s);
        }
        push_time(&mut p, "completed_after", self.completed_after);
        push_time(&mut p, "completed_before", self.completed_before);
        push_page_options(&mut p, self.limit, &self.expand, &self.opts);
        p
    }
}

/// Which delivery `GET /v2/delivery` pages through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryRef {
    Id(String),
    /// A delivery name is unique only within its project.
    Name {
        name: String,
        project: Scope,
    },
}

impl DeliveryRef {
    pub(crate) fn params(
        &self,
        limit: Option<u32>,
        expand: &[String],
        opts: &[String],
    ) -> Result<Params, crate::ClientError> {
        let mut p = Params::new();
        match self {
            DeliveryRef::Id(id) => push(&mut p, "delivery_id", id),
            DeliveryRef::Name { name, project } => {
                let (k, v) = project.pair();
                if !k.starts_with("project") {
                    return Err(crate::ClientError::Settings {
                        reason: "a delivery name needs a project, not a batch".into(),
                    });
                }
                push(&mut p, "delivery_name", name);
                push(&mut p, k, v);
            }
        }
        push_page_options(&mut p, limit, expand, opts);
        Ok(p)
    }
}

/// `GET /v2/deliveries`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveriesQuery {
    /// A project ([`Scope::ProjectName`] or [`Scope::ProjectId`]).
    pub project: Scope,
    pub delivered_after: Option<DateTime<Utc>>,
    pub delivered_before: Option<DateTime<Utc>>,
    pub expand_project: bool,
}

impl DeliveriesQuery {
    pub(crate) fn params(&self) -> Result<Params, crate::ClientError> {
        let mut p = Params::new();
        let (k, v) = self.project.pair();
        if !k.starts_with("project") {
            return Err(crate::ClientError::Settings {
                reason: "deliveries are listed per project, not per batch".into(),
            });
        }
        push(&mut p, k, v);
        push_time(&mut p, "delivered_after", self.delivered_after);
        push_time(&mut p, "delivered_before", self.delivered_before);
        if self.expand_project {
            push(&mut p, "expand", "project");
        }
        Ok(p)
    }
}

/// One delivery as `GET /v2/deliveries` lists it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeliveryInfo {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub task_count: Option<i64>,
    #[serde(default)]
    pub delivered_at: Option<String>,
    /// An id, or the project object when expanded.
    #[serde(default)]
    pub project: Option<serde_json::Value>,
}

impl DeliveryInfo {
    /// The project's name when expanded, else its id.
    pub fn project_label(&self) -> Option<String> {
        match self.project.as_ref()? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(o) => o
                .get("name")
                .or_else(|| o.get("id"))
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_and_times() {
        let mut q = TaskQuery::new(Scope::BatchId("b1".into()));
        q.status = Some("completed".into());
        q.completed_before = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .ok()
            .map(|t| t.with_timezone(&Utc));
        q.expand = vec!["project".into(), "batch".into()];
        let p = q.params();
        let keys: Vec<&str> = p.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "batch_id",
                "status",
                "completed_before",
                "expand",
                "expand",
                "opts",
                "opts",
                "opts",
                "opts"
            ]
        );
        assert_eq!(p[2].1, "2026-01-02T03:04:05Z");
    }

    #[test]
    fn delivery_name_needs_a_project() {
        let by_batch = DeliveryRef::Name {
            name: "d".into(),
            project: Scope::BatchId("b".into()),
        };
        assert!(by_batch.params(None, &[], &[]).is_err());
    }
}
