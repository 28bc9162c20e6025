//! The named queries of queries/, compiled in: each file starts with a header saying what it
//! answers and which parameters it takes,
//!
//! ```sql
//! -- name: leaderboard
//! -- Bradley–Terry leaderboard of the models, with 95% bootstrap intervals.
//! -- param: project text = '': only this project's comparisons ('' for every project)
//! -- param: rounds int = 1000: bootstrap rounds
//! SELECT ... WHERE ($project = '' OR project_id = $project) ...
//! ```
//!
//! and its parameters are bound as query parameters (`$project`), never pasted into the text.

use std::collections::HashMap;

use chrono::NaiveDate;
use datafusion::scalar::ScalarValue;

use crate::QueryError;

/// The files of queries/, by name. A new query is a file there and a line here.
const FILES: &[(&str, &str)] = &[
    (
        "label_distribution",
        include_str!("../../../queries/label_distribution.sql"),
    ),
    (
        "labels_by_project_batch_model",
        include_str!("../../../queries/labels_by_project_batch_model.sql"),
    ),
    (
        "labels_by_model_parameters",
        include_str!("../../../queries/labels_by_model_parameters.sql"),
    ),
    (
        "labels_by_model",
        include_str!("../../../queries/labels_by_model.sql"),
    ),
    (
        "mean_score_by_key_model",
        include_str!("../../../queries/mean_score_by_key_model.sql"),
    ),
    (
        "score_by_model",
        include_str!("../../../queries/score_by_model.sql"),
    ),
    (
        "score_by_temperature",
        include_str!("../../../queries/score_by_temperature.sql"),
    ),
    (
        "win_rate_by_model",
        include_str!("../../../queries/win_rate_by_model.sql"),
    ),
    (
        "win_matrix",
        include_str!("../../../queries/win_matrix.sql"),
    ),
    (
        "leaderboard",
        include_str!("../../../queries/leaderboard.sql"),
    ),
    (
        "leaderboard_length_controlled",
        include_str!("../../../queries/leaderboard_length_controlled.sql"),
    ),
    ("agreement", include_str!("../../../queries/agreement.sql")),
    ("drift", include_str!("../../../queries/drift.sql")),
    (
        "completed_per_day",
        include_str!("../../../queries/completed_per_day.sql"),
    ),
    (
        "throughput_by_day",
        include_str!("../../../queries/throughput_by_day.sql"),
    ),
    (
        "contributor_activity",
        include_str!("../../../queries/contributor_activity.sql"),
    ),
];

/// A parameter's type, and so the type its value is bound as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Text,
    Int,
    Float,
    /// A day, `YYYY-MM-DD`, bound as its first instant in UTC.
    Date,
}

impl ParamType {
    fn from_name(name: &str) -> Option<ParamType> {
        match name {
            "text" => Some(ParamType::Text),
            "int" => Some(ParamType::Int),
            "float" => Some(ParamType::Float),
            "date" => Some(ParamType::Date),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ParamType::Text => "text",
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::Date => "date",
        }
    }

    fn value(self, text: &str) -> Option<ScalarValue> {
        Some(match self {
            ParamType::Text => ScalarValue::Utf8(Some(text.to_owned())),
            ParamType::Int => ScalarValue::Int64(Some(text.trim().parse().ok()?)),
            ParamType::Float => ScalarValue::Float64(Some(text.trim().parse().ok()?)),
            ParamType::Date => {
                let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
                let micros = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros();
                ScalarValue::TimestampMicrosecond(Some(micros), Some("UTC".into()))
            }
        })
    }
}

/// One parameter of a named query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub ty: ParamType,
    /// As written in the header; `''` is the empty text.
    pub default: String,
    pub doc: String,
}

/// Values bound to a query's parameters (`$name`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(pub(crate) Vec<(String, ScalarValue)>);

impl Params {
    /// No parameters: for SQL that has none.
    pub fn none() -> Params {
        Params::default()
    }
}

/// A query of queries/.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedQuery {
    pub name: String,
    pub description: String,
    pub params: Vec<Param>,
    /// The whole file, header included.
    pub sql: &'static str,
}

fn parse(file: &str, sql: &'static str) -> Result<NamedQuery, String> {
    let mut name = None;
    let mut description = Vec::new();
    let mut params = Vec::new();
    for line in sql.lines().map_while(|l| l.strip_prefix("--")) {
        let line = line.trim();
        if let Some(n) = line.strip_prefix("name:") {
            name = Some(n.trim().to_owned());
        } else if let Some(p) = line.strip_prefix("param:") {
            // `NAME TYPE = DEFAULT: meaning`
            let (decl, doc) = p.split_once(": ").ok_or("a param line needs `: meaning`")?;
            let (head, default) = decl.split_once('=').ok_or("a param needs `= default`")?;
            let mut words = head.split_whitespace();
            let (Some(pname), Some(ty), None) = (words.next(), words.next(), words.next()) else {
                return Err(format!("a param is `NAME TYPE = DEFAULT: meaning`: {p}"));
            };
            let ty = ParamType::from_name(ty).ok_or_else(|| {
                format!("param {pname}: type {ty} is none of text, int, float, date")
            })?;
            let default = default.trim().to_owned();
            ty.value(unquote(&default)).ok_or_else(|| {
                format!("param {pname}: default {default} is not a {}", ty.name())
            })?;
            params.push(Param {
                name: pname.to_owned(),
                ty,
                default,
                doc: doc.trim().to_owned(),
            });
        } else if params.is_empty() && !line.is_empty() {
            description.push(line.to_owned());
        }
    }
    let name = name.ok_or("the header has no `-- name:` line")?;
    if name != file {
        return Err(format!("the header names it `{name}`"));
    }
    Ok(NamedQuery {
        name,
        description: description.join(" "),
        params,
        sql,
    })
}

/// `'text'` as text; anything else as written.
fn unquote(v: &str) -> &str {
    v.strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(v)
}

/// The named queries, in the order `taskq query --list` shows them.
pub fn named_queries() -> Vec<NamedQuery> {
    FILES
        .iter()
        .map(|(file, sql)| {
            parse(file, sql).unwrap_or_else(|e| unreachable!("queries/{file}.sql: {e}"))
        })
        .collect()
}

/// The named query called `name`.
pub fn named_query(name: &str) -> Result<NamedQuery, QueryError> {
    named_queries()
        .into_iter()
        .find(|q| q.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = FILES.iter().map(|(n, _)| *n).collect();
            QueryError::Statement(format!(
                "no named query `{name}`; the queries are: {}",
                names.join(", ")
            ))
        })
}

impl NamedQuery {
    /// The parameters' values: those given (`name`, `value` as text), the defaults for the
    /// rest. An unknown name or a value that is not of its type is an error naming what there is.
    pub fn bind(&self, given: &[(String, String)]) -> Result<Params, QueryError> {
        let mut values: HashMap<&str, &str> = HashMap::new();
        for (name, value) in given {
            if !self.params.iter().any(|p| &p.name == name) {
                let names: Vec<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
                return Err(QueryError::Statement(if names.is_empty() {
                    format!("{} takes no parameters; got `{name}`", self.name)
                } else {
                    format!(
                        "{} has no parameter `{name}`; its parameters are: {}",
                        self.name,
                        names.join(", ")
                    )
                }));
            }
            values.insert(name, value);
        }
        let values = self
            .params
            .iter()
            .map(|p| {
                let text = values
                    .get(p.name.as_str())
                    .copied()
                    .unwrap_or_else(|| unquote(&p.default));
                let value = p.ty.value(text).ok_or_else(|| {
                    QueryError::Statement(format!(
                        "parameter {} of {} is {}{}; got `{text}`",
                        p.name,
                        self.name,
                        match p.ty {
                            ParamType::Int => "an int",
                            ParamType::Float => "a float",
                            ParamType::Text => "a text",
                            ParamType::Date => "a date",
                        },
                        if p.ty == ParamType::Date {
                            " (YYYY-MM-DD)"
                        } else {
                            ""
                        }
                    ))
                })?;
                Ok((p.name.clone(), value))
            })
            .collect::<Result<_, QueryError>>()?;
        Ok(Params(values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_queries_is_compiled_in_with_a_header() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../queries");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let p = e.unwrap().path();
                (p.extension()? == "sql").then(|| p.file_stem().unwrap().to_string_lossy().into())
            })
            .collect();
        files.sort();
        let mut listed: Vec<String> = FILES.iter().map(|(n, _)| (*n).to_owned()).collect();
        listed.sort();
        assert_eq!(files, listed, "queries/ and FILES in named.rs differ");
        for (file, sql) in FILES {
            let q = parse(file, sql).unwrap_or_else(|e| panic!("queries/{file}.sql: {e}"));
            assert!(
                !q.description.is_empty(),
                "queries/{file}.sql has no description"
            );
            for p in &q.params {
                assert!(
                    sql.contains(&format!("${}", p.name)),
                    "queries/{file}.sql declares {} but does not use it",
                    p.name
                );
            }
        }
    }

    #[test]
    fn parameters_bind_by_type_and_unknown_ones_are_named() {
        let q = parse(
            "t",
            "-- name: t\n-- A test.\n-- param: since date = 2025-01-01: from\n-- param: n int = 3: how many\n-- param: who text = '': whose\nSELECT $since, $n, $who",
        )
        .unwrap();
        assert_eq!(q.description, "A test.");
        let bound = q.bind(&[("n".into(), "7".into())]).unwrap().0;
        assert_eq!(bound[1], ("n".into(), ScalarValue::Int64(Some(7))));
        assert_eq!(
            bound[2],
            ("who".into(), ScalarValue::Utf8(Some(String::new())))
        );
        assert_eq!(
            bound[0].1,
            ScalarValue::TimestampMicrosecond(Some(1_735_689_600_000_000), Some("UTC".into()))
        );
        let e = q.bind(&[("m".into(), "1".into())]).unwrap_err().to_string();
        assert_eq!(
            e,
            "t has no parameter `m`; its parameters are: since, n, who"
        );
        let e = q
            .bind(&[("since".into(), "May 1".into())])
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a date (YYYY-MM-DD); got `May 1`"), "{e}");
        assert!(parse("u", "-- name: t\nSELECT 1").is_err());
        assert!(parse("t", "-- name: t\n-- param: x number = 1: y\nSELECT $x").is_err());
    }
}
