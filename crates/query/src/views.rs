//! The views present in every session: `comparisons` and `message_scores`.
//!
//! A view's columns are declared here; its SQL is planned only when a query reads it (with the
//! query's filters, columns and limit applied inside, so they reach the tables' scans), and its
//! output is cast to the declared types. Opening a session plans nothing.

use std::sync::{Arc, LazyLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::{Session as CatalogSession, TableProvider};
use datafusion::common::Column;
use datafusion::datasource::TableType;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, TableProviderFilterPushDown, cast};
use datafusion::physical_plan::ExecutionPlan;

/// One declared column of a view.
#[derive(Debug, Clone)]
pub struct ViewColumn {
    pub name: &'static str,
    pub ty: DataType,
    pub doc: &'static str,
}

impl ViewColumn {
    /// The type as docs/schema.md and `taskq schema` name it.
    pub fn type_name(&self) -> &'static str {
        match self.ty {
            DataType::Utf8 => "string",
            DataType::Int32 => "int32",
            DataType::Int64 => "int64",
            DataType::Float64 => "float64",
            DataType::Boolean => "boolean",
            DataType::Timestamp(..) => "timestamp[us, UTC]",
            _ => unreachable!("a view column of a type without a name: {}", self.ty),
        }
    }
}

/// A view of every session.
#[derive(Debug)]
pub struct View {
    pub name: &'static str,
    pub doc: &'static str,
    pub columns: Vec<ViewColumn>,
    sql: &'static str,
    schema: SchemaRef,
}

fn c(name: &'static str, ty: DataType, doc: &'static str) -> ViewColumn {
    ViewColumn { name, ty, doc }
}

fn utc() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

impl View {
    fn new(
        name: &'static str,
        doc: &'static str,
        columns: Vec<ViewColumn>,
        sql: &'static str,
    ) -> View {
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|c| Field::new(c.name, c.ty.clone(), true))
                .collect::<Vec<_>>(),
        ));
        View {
            name,
            doc,
            columns,
            sql,
            schema,
        }
    }
}

/// The built-in views, made once: every table lookup of every query asks for them.
static VIEWS: LazyLock<Vec<Arc<View>>> =
    LazyLock::new(|| vec![Arc::new(comparisons()), Arc::new(message_scores())]);

/// The built-in views, in the order they are documented.
pub fn views() -> &'static [Arc<View>] {
    &VIEWS
}

/// The built-in view of that name.
pub fn view(name: &str) -> Option<Arc<View>> {
    VIEWS.iter().find(|v| v.name == name).cloned()
}

/// The thread's contributor (of its last submission) and each turn's prompt, shared by both
/// views' SQL.
macro_rules! judge_and_prompt {
    () => {
        "judge AS (
  SELECT task_id, thread_idx, contributor_id FROM (
    SELECT task_id, thread_idx, contributor_id,
           row_number() OVER (PARTITION BY task_id, thread_idx ORDER BY submission_idx DESC) AS k
    FROM submissions)
  WHERE k = 1
),
prompt AS (
  SELECT task_id, thread_idx, turn_idx,
         text_hash(string_agg(text_hash(text), '' ORDER BY message_idx)) AS prompt_hash
  FROM messages WHERE role = 'user'
  GROUP BY task_id, thread_idx, turn_idx
)"
    };
}

fn comparisons() -> View {
    View::new(
        "comparisons",
        "One row per pairwise comparison between two assistant messages of a turn, from its \
         preference annotations: a turn-level selected model (a string naming an assistant's \
         `source_id`) beats every other assistant of the turn; a ranking (`ranked_choices`) gives \
         every pair of its items, the higher placed winning; ranked groups (`ranked_groups`) give \
         every pair across groups and a tie within one. Side `a` is the message placed first in \
         the turn. An annotation with no `type` counts when its value has the shape: a string \
         naming an assistant, or a list of them. Pairs of one model with itself are rows too \
         (`same_model`): leaderboard functions count them apart.",
        vec![
            c("task_id", DataType::Utf8, "The task."),
            c("project_id", DataType::Utf8, "The task's project."),
            c("batch_id", DataType::Utf8, "The task's batch."),
            c("completed_at", utc(), "When the task was completed (UTC)."),
            c("thread_idx", DataType::Int32, "The thread."),
            c("turn_idx", DataType::Int32, "The turn."),
            c(
                "source",
                DataType::Utf8,
                "Key of the annotation the comparison came from.",
            ),
            c(
                "kind",
                DataType::Utf8,
                "`selected`, `ranked_choices` or `ranked_groups`.",
            ),
            c(
                "comparison_unit",
                DataType::Utf8,
                "The judgement (`task_id/annotation_seq`): pairs of one ranking share it, so a \
                 bootstrap redraws them together.",
            ),
            c(
                "contributor_id",
                DataType::Utf8,
                "Who judged: the contributor of the thread's last submission.",
            ),
            c("message_idx_a", DataType::Int32, "Side a's message."),
            c("source_id_a", DataType::Utf8, "Side a's `source_id`."),
            c("model_a", DataType::Utf8, "Side a's model."),
            c("temperature_a", DataType::Float64, "Side a's temperature."),
            c("top_p_a", DataType::Float64, "Side a's top_p."),
            c(
                "max_completion_tokens_a",
                DataType::Int64,
                "Side a's max_completion_tokens.",
            ),
            c(
                "text_length_a",
                DataType::Int64,
                "Side a's text length in characters.",
            ),
            c("message_idx_b", DataType::Int32, "Side b's message."),
            c("source_id_b", DataType::Utf8, "Side b's `source_id`."),
            c("model_b", DataType::Utf8, "Side b's model."),
            c("temperature_b", DataType::Float64, "Side b's temperature."),
            c("top_p_b", DataType::Float64, "Side b's top_p."),
            c(
                "max_completion_tokens_b",
                DataType::Int64,
                "Side b's max_completion_tokens.",
            ),
            c(
                "text_length_b",
                DataType::Int64,
                "Side b's text length in characters.",
            ),
            c(
                "outcome",
                DataType::Float64,
                "Side a's result: 1 a win, 0.5 a tie, 0 a loss.",
            ),
            c(
                "same_model",
                DataType::Boolean,
                "Both sides are the same model: not a comparison between models.",
            ),
            c(
                "likert_value",
                DataType::Float64,
                "The turn's `likert_value` annotation as given, when there is one; what its \
                 ends mean is the project's choice.",
            ),
            c(
                "prompt_hash",
                DataType::Utf8,
                "The turn's prompt: text_hash of its user messages' text_hash values, in order.",
            ),
        ],
        COMPARISONS_SQL,
    )
}

const COMPARISONS_SQL: &str = concat!(
    "WITH assistant AS (
  SELECT task_id, thread_idx, turn_idx, message_idx, source_id, model, temperature, top_p,
         max_completion_tokens, text_length
  FROM messages WHERE role = 'assistant'
),
turn_ann AS (
  SELECT task_id, annotation_seq, project_id, batch_id, thread_idx, turn_idx, key, type, value,
         value_type
  FROM annotations WHERE scope = 'turn'
),
selected AS (
  SELECT s.task_id, s.annotation_seq, s.project_id, s.batch_id, s.thread_idx, s.turn_idx,
         s.key AS source, 'selected' AS kind,
         least(w.message_idx, o.message_idx) AS i, greatest(w.message_idx, o.message_idx) AS j,
         CASE WHEN w.message_idx < o.message_idx THEN 1.0 ELSE 0.0 END AS outcome
  FROM turn_ann s
  JOIN assistant w ON w.task_id = s.task_id AND w.thread_idx = s.thread_idx
   AND w.turn_idx = s.turn_idx AND w.source_id = s.value
  JOIN assistant o ON o.task_id = s.task_id AND o.thread_idx = s.thread_idx
   AND o.turn_idx = s.turn_idx AND o.message_idx <> w.message_idx
  WHERE s.value_type = 'string' AND (s.type IS NULL OR s.type = 'category')
),
placed AS (
  SELECT a.task_id, a.annotation_seq, a.project_id, a.batch_id, a.thread_idx, a.turn_idx,
         a.key, v.group_idx, coalesce(v.group_idx, v.position) AS place, m.message_idx
  FROM annotation_values v
  JOIN turn_ann a ON a.task_id = v.task_id AND a.annotation_seq = v.annotation_seq
   AND a.key = v.key
  JOIN assistant m ON m.task_id = a.task_id AND m.thread_idx = a.thread_idx
   AND m.turn_idx = a.turn_idx AND m.source_id = v.value
  WHERE a.value_type = 'array' AND (a.type IS NULL OR a.type IN ('ranked_choices', 'ranked_groups'))
),
ranked AS (
  SELECT x.task_id, x.annotation_seq, x.project_id, x.batch_id, x.thread_idx, x.turn_idx,
         x.key AS source,
         CASE WHEN x.group_idx IS NULL THEN 'ranked_choices' ELSE 'ranked_groups' END AS kind,
         x.message_idx AS i, y.message_idx AS j,
         CASE WHEN x.place < y.place THEN 1.0 WHEN x.place > y.place THEN 0.0 ELSE 0.5 END
           AS outcome
  FROM placed x
  JOIN placed y ON y.task_id = x.task_id AND y.annotation_seq = x.annotation_seq
   AND x.message_idx < y.message_idx
),
pairs AS (SELECT * FROM selected UNION ALL SELECT * FROM ranked),
likert AS (
  SELECT task_id, thread_idx, turn_idx, max(value_num) AS likert_value
  FROM annotations WHERE scope = 'turn' AND key = 'likert_value'
  GROUP BY task_id, thread_idx, turn_idx
),
",
    judge_and_prompt!(),
    "
SELECT p.task_id, p.project_id, p.batch_id, t.completed_at, p.thread_idx, p.turn_idx,
       p.source, p.kind, concat(p.task_id, '/', p.annotation_seq) AS comparison_unit,
       j.contributor_id,
       a.message_idx AS message_idx_a, a.source_id AS source_id_a, a.model AS model_a,
       a.temperature AS temperature_a, a.top_p AS top_p_a,
       a.max_completion_tokens AS max_completion_tokens_a, a.text_length AS text_length_a,
       b.message_idx AS message_idx_b, b.source_id AS source_id_b, b.model AS model_b,
       b.temperature AS temperature_b, b.top_p AS top_p_b,
       b.max_completion_tokens AS max_completion_tokens_b, b.text_length AS text_length_b,
       p.outcome, a.model = b.model AS same_model, l.likert_value, q.prompt_hash
FROM pairs p
JOIN assistant a ON a.task_id = p.task_id AND a.thread_idx = p.thread_idx
 AND a.turn_idx = p.turn_idx AND a.message_idx = p.i
JOIN assistant b ON b.task_id = p.task_id AND b.thread_idx = p.thread_idx
 AND b.turn_idx = p.turn_idx AND b.message_idx = p.j
LEFT JOIN tasks t ON t.task_id = p.task_id
LEFT JOIN judge j ON j.task_id = p.task_id AND j.thread_idx = p.thread_idx
LEFT JOIN likert l ON l.task_id = p.task_id AND l.thread_idx = p.thread_idx
 AND l.turn_idx = p.turn_idx
LEFT JOIN prompt q ON q.task_id = p.task_id AND q.thread_idx = p.thread_idx
 AND q.turn_idx = p.turn_idx"
);

fn message_scores() -> View {
    View::new(
        "message_scores",
        "Every numeric annotation on a message or its parts (chunks, rubric and criterion \
         evaluations), with the message's model, parameters, role and length, who judged, the \
         turn's prompt and the task's project, batch, status and completion: score analyses \
         need no joins.",
        vec![
            c("task_id", DataType::Utf8, "The task."),
            c("project_id", DataType::Utf8, "The task's project."),
            c("batch_id", DataType::Utf8, "The task's batch."),
            c("status", DataType::Utf8, "The task's status."),
            c("completed_at", utc(), "When the task was completed (UTC)."),
            c("thread_idx", DataType::Int32, "The thread."),
            c("turn_idx", DataType::Int32, "The turn."),
            c("message_idx", DataType::Int32, "The message scored."),
            c(
                "scope",
                DataType::Utf8,
                "`message`, `chunk`, `rubric_evaluation` or `criterion_evaluation`.",
            ),
            c(
                "annotation_seq",
                DataType::Int32,
                "The annotation's `annotation_seq`.",
            ),
            c("key", DataType::Utf8, "The annotation's key."),
            c("value", DataType::Utf8, "The value as text."),
            c("value_num", DataType::Float64, "The score."),
            c("role", DataType::Utf8, "The message's role."),
            c("source_id", DataType::Utf8, "The message's `source_id`."),
            c("model", DataType::Utf8, "The message's model."),
            c(
                "temperature",
                DataType::Float64,
                "The message's temperature.",
            ),
            c("top_p", DataType::Float64, "The message's top_p."),
            c("top_k", DataType::Int64, "The message's top_k."),
            c(
                "max_completion_tokens",
                DataType::Int64,
                "The message's max_completion_tokens.",
            ),
            c(
                "text_length",
                DataType::Int64,
                "The message's text length in characters.",
            ),
            c(
                "contributor_id",
                DataType::Utf8,
                "Who judged: the contributor of the thread's last submission.",
            ),
            c(
                "prompt_hash",
                DataType::Utf8,
                "The turn's prompt: text_hash of its user messages' text_hash values, in order; \
                 with source_id, the unit of agreement when several contributors scored answers \
                 to one prompt.",
            ),
        ],
        MESSAGE_SCORES_SQL,
    )
}

const MESSAGE_SCORES_SQL: &str = concat!(
    "WITH ",
    judge_and_prompt!(),
    "
SELECT a.task_id, a.project_id, a.batch_id, t.status, t.completed_at, a.thread_idx,
       a.turn_idx, a.message_idx, a.scope, a.annotation_seq, a.key, a.value, a.value_num,
       a.role, a.source_id, a.model, a.temperature, a.top_p, a.top_k, a.max_completion_tokens,
       m.text_length, j.contributor_id, q.prompt_hash
FROM annotations a
LEFT JOIN messages m ON m.task_id = a.task_id AND m.thread_idx = a.thread_idx
 AND m.turn_idx = a.turn_idx AND m.message_idx = a.message_idx
LEFT JOIN tasks t ON t.task_id = a.task_id
LEFT JOIN judge j ON j.task_id = a.task_id AND j.thread_idx = a.thread_idx
LEFT JOIN prompt q ON q.task_id = a.task_id AND q.thread_idx = a.thread_idx
 AND q.turn_idx = a.turn_idx
WHERE a.message_idx IS NOT NULL AND a.value_num IS NOT NULL"
);

#[async_trait::async_trait]
impl TableProvider for View {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    fn get_table_definition(&self) -> Option<&str> {
        Some(self.sql)
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // Applied inside the planned SQL, where the optimizer moves them down to the scans.
        Ok(vec![TableProviderFilterPushDown::Exact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn CatalogSession,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let state = state
            .as_any()
            .downcast_ref::<SessionState>()
            .ok_or_else(|| DataFusionError::Internal("a view needs a SessionState".into()))?;
        let plan = state.create_logical_plan(self.sql).await?;
        let declared = self
            .columns
            .iter()
            .map(|c| cast(Expr::Column(Column::from_name(c.name)), c.ty.clone()).alias(c.name));
        let mut b = LogicalPlanBuilder::from(plan).project(declared)?;
        for f in filters {
            b = b.filter(f.clone())?;
        }
        if let Some(p) = projection {
            b = b.project(
                p.iter()
                    .map(|&i| Expr::Column(Column::from_name(self.columns[i].name))),
            )?;
        }
        if let Some(n) = limit {
            b = b.limit(0, Some(n))?;
        }
        state.create_physical_plan(&b.build()?).await
    }
}

/// Markers around the views' part of docs/schema.md.
#[cfg(test)]
const DOCS_BEGIN: &str =
    "<!-- BEGIN GENERATED: taskq-query views; edit crates/query/src/views.rs, not this -->";

/// Every view and column, as Markdown.
#[cfg(test)]
fn views_markdown() -> String {
    let mut out = String::new();
    for v in views() {
        out.push_str(&format!("\n### `{}` (view)\n\n{}\n\n", v.name, v.doc));
        out.push_str("| column | type | meaning |\n| --- | --- | --- |\n");
        for c in &v.columns {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                c.name,
                c.type_name(),
                c.doc.replace('|', "\\|")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/schema.md must say what the views declare. `UPDATE_DOCS=1` rewrites that part.
    #[test]
    fn docs_schema_md_describes_the_views() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema.md");
        let doc = std::fs::read_to_string(&path).unwrap();
        let (head, rest) = doc.split_once(DOCS_BEGIN).expect("begin marker");
        let (generated, tail) = rest
            .split_once("<!-- END GENERATED -->")
            .expect("end marker");
        let want = format!("{}\n", views_markdown());
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(
                &path,
                format!("{head}{DOCS_BEGIN}{want}<!-- END GENERATED -->{tail}"),
            )
            .unwrap();
            return;
        }
        assert!(
            generated == want,
            "docs/schema.md is out of date: run UPDATE_DOCS=1 cargo test --release --workspace -- docs_"
        );
    }
}
