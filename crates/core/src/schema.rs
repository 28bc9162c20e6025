use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// The storage type of a column. Only types that Delta Lake and every Parquet reader accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Utf8,
    Int32,
    Int64,
    Float64,
    Boolean,
    /// Timestamp, microseconds, UTC.
    Timestamp,
    Binary,
    /// List of Utf8.
    Utf8List,
}

impl ColType {
    pub fn data_type(self) -> DataType {
        match self {
            ColType::Utf8 => DataType::Utf8,
            ColType::Int32 => DataType::Int32,
            ColType::Int64 => DataType::Int64,
            ColType::Float64 => DataType::Float64,
            ColType::Boolean => DataType::Boolean,
            ColType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            ColType::Binary => DataType::Binary,
            ColType::Utf8List => {
                DataType::List(Arc::new(Field::new("element", DataType::Utf8, true)))
            }
        }
    }

    /// The name used in `docs/schema.md`.
    pub fn doc_name(self) -> &'static str {
        match self {
            ColType::Utf8 => "string",
            ColType::Int32 => "int32",
            ColType::Int64 => "int64",
            ColType::Float64 => "float64",
            ColType::Boolean => "boolean",
            ColType::Timestamp => "timestamp[us, UTC]",
            ColType::Binary => "binary",
            ColType::Utf8List => "list<string>",
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    ident: &'static str,
    pub ty: ColType,
    pub nullable: bool,
    /// Values repeat many times within a row group (keys, types, roles, models, ids of projects
    /// and batches, the task id of a child row, numeric scores): stored dictionary-encoded, so a
    /// reader decompresses a few bits a value instead of the plain values. Free text and JSON
    /// are not, where a dictionary costs ingest time and saves nothing after zstd; nor columns
    /// that follow a table's cluster column, whose values come in runs that plain pages
    /// compress to as little at less cost than interning each value.
    pub dictionary: bool,
    /// Most queries of the table filter or group on this column: each row group is stored with
    /// its rows ordered by it, on small pages, so a reader skips the pages of other values. At
    /// most one column per table.
    pub cluster: bool,
    /// Min/max statistics are kept for the column's row groups and pages. Not for free text and
    /// JSON: no query bounds them by range, and comparing every value costs ingest time.
    pub statistics: bool,
    pub doc: &'static str,
}

/// The words a column declaration may carry after its type.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    required,
    dictionary,
    cluster,
    nostats,
}

const fn marked(markers: &[Marker], wanted: Marker) -> bool {
    let mut i = 0;
    while i < markers.len() {
        if markers[i] as u8 == wanted as u8 {
            return true;
        }
        i += 1;
    }
    false
}

impl Column {
    pub fn name(&self) -> &'static str {
        // `type` is a keyword, so the declaration spells it `r#type`.
        self.ident.strip_prefix("r#").unwrap_or(self.ident)
    }

    pub fn field(&self) -> Field {
        Field::new(self.name(), self.ty.data_type(), self.nullable)
    }
}

macro_rules! tables {
    ($(
        $(#[doc = $tdoc:literal])*
        $variant:ident => $module:ident {
            $( $col:ident : $ty:ident $($marker:ident)* = $doc:literal ),* $(,)?
        }
    )*) => {
        /// Every table of a dataset, in the order one ingest run commits them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Table { $( $variant ),* }

        impl Table {
            pub const ALL: &'static [Table] = &[ $( Table::$variant ),* ];

            /// The SQL name of the table.
            pub fn name(self) -> &'static str {
                match self { $( Table::$variant => stringify!($module) ),* }
            }

            /// What one row stands for.
            pub fn doc(self) -> &'static str {
                match self { $( Table::$variant => concat!($($tdoc),*).trim_ascii() ),* }
            }

            pub fn columns(self) -> &'static [Column] {
                match self { $( Table::$variant => $module::COLUMNS ),* }
            }
        }

        $(
            $(#[doc = $tdoc])*
            pub mod $module {
                use super::{Column, ColType, Marker, marked};

                /// Column positions, named as the columns are.
                #[allow(non_camel_case_types)]
                #[derive(Debug, Clone, Copy, PartialEq, Eq)]
                pub enum Col { $( $col ),* }

                impl From<Col> for usize {
                    fn from(c: Col) -> usize { c as usize }
                }

                pub const COLUMNS: &[Column] = &[ $(
                    Column {
                        ident: stringify!($col),
                        ty: ColType::$ty,
                        nullable: !marked(&[$(Marker::$marker),*], Marker::required),
                        dictionary: marked(&[$(Marker::$marker),*], Marker::dictionary),
                        cluster: marked(&[$(Marker::$marker),*], Marker::cluster),
                        statistics: !marked(&[$(Marker::$marker),*], Marker::nostats),
                        doc: $doc,
                    }
                ),* ];
            }
        )*
    };
}

impl Table {
    /// The Arrow schema the table is stored with.
    pub fn schema(self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns().iter().map(Column::field).collect::<Vec<_>>(),
        ))
    }

    /// The position of the column the table's row groups are ordered by (see
    /// [`Column::cluster`]).
    pub fn cluster_column(self) -> Option<usize> {
        self.columns().iter().position(|c| c.cluster)
    }

    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.iter().copied().find(|t| t.name() == name)
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

tables! {
    /// One row per task.
    Tasks => tasks {
        task_id: Utf8 required = "The task's id.",
        project_id: Utf8 dictionary = "Project id: the `project` string, or the `id` of an expanded project object.",
        project_name: Utf8 dictionary = "Project name, from an expanded project object.",
        project_json: Utf8 nostats = "The expanded project object as JSON; null when `project` was an id.",
        batch_id: Utf8 dictionary = "Batch id: the `batch` string, or the `id` of an expanded batch object.",
        batch_name: Utf8 dictionary = "Batch name, from an expanded batch object.",
        batch_json: Utf8 nostats = "The expanded batch object as JSON; null when `batch` was an id.",
        status: Utf8 dictionary = "`pending`, `completed`, `canceled`, `error`, `deleted`, or whatever new value the API sends.",
        created_at: Timestamp = "When the task was created (UTC).",
        completed_at: Timestamp = "When the task was completed (UTC).",
        metadata: Utf8 nostats = "The customer metadata object as JSON.",
        delivery_id: Utf8 dictionary = "The delivery the task came in, from a delivery envelope or a `docs` item.",
        delivery_name: Utf8 dictionary = "The delivery's name, when the envelope carried the expanded delivery object.",
        delivered_at: Timestamp = "When the delivery was made (UTC).",
        response_schema_id: Utf8 dictionary = "The delivery JSON schema a `docs` item's response was validated against.",
        thread_count: Int32 = "Number of threads; null when `threads` is absent or null.",
        error_count: Int32 = "Number of entries in `errors`; null when absent or null.",
        report_count: Int32 = "Number of entries in `sensitive_content_reports`; null when absent or null.",
        annotation_count: Int32 required = "Number of annotation rows of the task, at every scope.",
        extra_json: Utf8 nostats = "Keys of the task the schema does not know, and values that did not fit their typed column, as a JSON object.",
    }

    /// One row per entry of a task's `errors`.
    TaskErrors => task_errors {
        task_id: Utf8 required dictionary = "The task's id.",
        error_idx: Int32 required = "0-based position in `errors`.",
        r#type: Utf8 dictionary = "Error type, e.g. `LANGUAGE_MISMATCH`.",
        message: Utf8 nostats = "Error message.",
        extra_json: Utf8 nostats = "Unknown keys of the entry, as a JSON object.",
    }

    /// One row per entry of a task's `sensitive_content_reports`.
    SensitiveContentReports => sensitive_content_reports {
        task_id: Utf8 required dictionary = "The task's id.",
        report_idx: Int32 required = "0-based position in `sensitive_content_reports`.",
        r#type: Utf8 dictionary = "Report type (free text).",
        message: Utf8 nostats = "Report message.",
        extra_json: Utf8 nostats = "Unknown keys of the entry, as a JSON object.",
    }

    /// One row per thread.
    Threads => threads {
        task_id: Utf8 required dictionary = "The task's id.",
        thread_idx: Int32 required = "0-based position in `threads`.",
        thread_id: Utf8 dictionary = "The thread's `id` (e.g. `thread_0`; not unique across tasks).",
        turn_count: Int32 = "Number of turns.",
        submission_count: Int32 = "Number of submissions; null when `submissions` is absent.",
        extra_json: Utf8 nostats = "Unknown keys of the thread, as a JSON object.",
    }

    /// One row per entry of a thread's `submissions`.
    Submissions => submissions {
        task_id: Utf8 required dictionary = "The task's id.",
        thread_idx: Int32 required = "Owning thread.",
        submission_idx: Int32 required = "0-based position in `submissions`.",
        contributor_id: Utf8 dictionary = "Who submitted.",
        submitted_at: Timestamp = "When (UTC).",
        extra_json: Utf8 nostats = "Unknown keys of the submission, as a JSON object.",
    }

    /// One row per turn.
    Turns => turns {
        task_id: Utf8 required dictionary = "The task's id.",
        thread_idx: Int32 required = "Owning thread.",
        turn_idx: Int32 required = "0-based position in the thread's `turns`.",
        turn_id: Utf8 dictionary = "The turn's `id` (e.g. `turn_0`).",
        message_count: Int32 = "Number of messages.",
        rubric_count: Int32 = "Number of rubrics; null when `rubrics` is absent.",
        extra_json: Utf8 nostats = "Unknown keys of the turn, as a JSON object.",
    }

    /// One row per rubric in a turn's `rubrics`.
    Rubrics => rubrics {
        task_id: Utf8 required dictionary = "The task's id.",
        thread_idx: Int32 required = "Owning thread.",
        turn_idx: Int32 required = "Owning turn.",
        rubric_idx: Int32 required = "0-based position in `rubrics`.",
        max_total_score: Float64 = "The rubric's maximum total score.",
        criterion_count: Int32 = "Number of criterion definitions.",
        extra_json: Utf8 nostats = "Unknown keys of the rubric, as a JSON object.",
    }

    /// One row per criterion definition in a rubric (`turn.rubrics[].criteria_definitions[]`).
    RubricCriteria => rubric_criteria {
        task_id: Utf8 required dictionary = "The task's id.",
        thread_idx: Int32 required = "Owning thread.",
        turn_idx: Int32 required = "Owning turn.",
        rubric_idx: Int32 required = "Owning rubric.",
        criterion_idx: Int32 required = "0-based position in `criteria_definitions`.",
        criterion_id: Utf8 dictionary = "The criterion's `id`; criterion evaluations point at it.",
        criterion: Utf8 nostats = "The criterion's text.",
        weight: Float64 = "The criterion's weight.",
        max_total_score: Float64 = "The owning rubric's maximum total score.",
        extra_json: Utf8 nostats = "Unknown keys of the definition, as a JSON object.",
    }

    /// One row per message.
    Messages => messages {
        task_id: Utf8 required dictionary = "The task's id.",
        thread_idx: Int32 required = "Owning thread.",
        turn_idx: Int32 required = "Owning turn.",
        message_idx: Int32 required = "0-based position in the turn's `messages`.",
        role: Utf8 dictionary = "`system`, `user`, `assistant`, `function`, or a new value.",
        source_id: Utf8 dictionary = "Who produced the message: `user`, a model slot such as `base_model`, a tool.",
        model: Utf8 dictionary = "`model_parameters.model`.",
        temperature: Float64 = "`model_parameters.temperature`.",
        max_completion_tokens: Int64 = "`model_parameters.max_completion_tokens`.",
        top_p: Float64 = "`model_parameters.top_p`.",
        top_k: Int64 = "`model_parameters.top_k`.",
        text: Utf8 nostats = "`content.text`.",
        text_length: Int64 = "Length of `content.text` in characters (Unicode scalar values).",
        annotation_count: Int32 = "Number of message-level annotations; null when `annotations` is absent.",
        extra_json: Utf8 nostats = "Unknown keys of the message, its `content` (as `content.KEY`) and `model_parameters` (as `model_parameters.KEY`), as a JSON object.",
    }

    /// One row per entry of a message's `content.reference_texts`.
    ReferenceTexts => reference_texts {
        task_id: Utf8 required dictionary = "The task's id.",
        thread_idx: Int32 required = "Owning thread.",
        turn_idx: Int32 required = "Owning turn.",
        message_idx: Int32 required = "Owning message.",
        reference_idx: Int32 required = "0-based position in `reference_texts`.",
        content: Utf8 nostats = "The reference text.",
        category: Utf8 dictionary = "Its category.",
        url: Utf8 = "Its URL.",
        extra_json: Utf8 nostats = "Unknown keys, as a JSON object.",
    }

    /// One row per entry of a message's `content.attachments`.
    Attachments => attachments {
        task_id: Utf8 required dictionary = "The task's id.",
        thread_idx: Int32 required = "Owning thread.",
        turn_idx: Int32 required = "Owning turn.",
        message_idx: Int32 required = "Owning message.",
        attachment_idx: Int32 required = "0-based position in `attachments`.",
        name: Utf8 = "File name.",
        mime_type: Utf8 dictionary = "MIME type.",
        url: Utf8 = "Customer URL.",
        scale_url: Utf8 = "Scale-hosted URL.",
        file_size_in_bytes: Int64 = "Size the API reports (image files).",
        duration: Float64 = "Audio duration in seconds.",
        transcript: Utf8 nostats = "Audio transcript.",
        transcript_url: Utf8 = "URL of the transcript.",
        transcript_start: Float64 = "Transcript start, seconds.",
        transcript_end: Float64 = "Transcript end, seconds.",
        content: Binary = "The base64 `content`, decoded.",
        content_size: Int64 = "Length of the decoded content in bytes.",
        extra_json: Utf8 nostats = "Unknown keys, and `content` itself when it is not valid base64, as a JSON object.",
    }

    /// One row per entry of a message's `content.chunks`.
    Chunks => chunks {
        task_id: Utf8 required dictionary = "The task's id.",
        thread_idx: Int32 required = "Owning thread.",
        turn_idx: Int32 required = "Owning turn.",
        message_idx: Int32 required = "Owning message.",
        chunk_idx: Int32 required = "0-based position in `chunks`.",
        r#type: Utf8 dictionary = "Chunk type (`text`).",
        text: Utf8 nostats = "The chunk's text.",
        annotation_count: Int32 = "Number of chunk annotations; null when `annotations` is absent.",
        extra_json: Utf8 nostats = "Unknown keys, as a JSON object.",
    }

    /// One row per entry of a message's `content.reasoning`.
    Reasoning => reasoning {
        task_id: Utf8 required dictionary = "The task's id.",
        thread_idx: Int32 required = "Owning thread.",
        turn_idx: Int32 required = "Owning turn.",
        message_idx: Int32 required = "Owning message.",
        reasoning_idx: Int32 required = "0-based position in `reasoning`.",
        content: Utf8 nostats = "The reasoning text.",
        extra_json: Utf8 nostats = "Unknown keys, as a JSON object.",
    }

    /// One row per entry of a message's `rubric_evaluations`.
    RubricEvaluations => rubric_evaluations {
        task_id: Utf8 required dictionary = "The task's id.",
        thread_idx: Int32 required = "Owning thread.",
        turn_idx: Int32 required = "Owning turn.",
        message_idx: Int32 required = "The evaluated message.",
        evaluation_idx: Int32 required = "0-based position in `rubric_evaluations`.",
        total_score: Float64 = "Sum of weighted criterion scores.",
        percentage: Float64 = "Score as a percentage of the maximum.",
        criterion_count: Int32 = "Number of criterion evaluations; null when `criteria_evaluations` is absent.",
        extra_json: Utf8 nostats = "Unknown keys, as a JSON object.",
    }

    /// One row per entry of a rubric evaluation's `criteria_evaluations`.
    CriterionEvaluations => criterion_evaluations {
        task_id: Utf8 required dictionary = "The task's id.",
        thread_idx: Int32 required = "Owning thread.",
        turn_idx: Int32 required = "Owning turn.",
        message_idx: Int32 required = "The evaluated message.",
        evaluation_idx: Int32 required = "Owning rubric evaluation.",
        criterion_idx: Int32 required = "0-based position in `criteria_evaluations`.",
        criterion_definition_id: Utf8 dictionary = "The `rubric_criteria.criterion_id` it scores.",
        score: Float64 = "Un-weighted score.",
        extra_json: Utf8 nostats = "Unknown keys, as a JSON object.",
    }

    /// One row per annotation, at every scope.
    Annotations => annotations {
        task_id: Utf8 required dictionary = "The task's id.",
        annotation_seq: Int32 required = "Per-task position in document order: threads, turns, messages and their parts in array order.",
        project_id: Utf8 dictionary = "The task's project id.",
        batch_id: Utf8 dictionary = "The task's batch id.",
        scope: Utf8 required = "Where the annotation sits: `thread`, `turn`, `message`, `chunk`, `criterion`, `rubric_evaluation`, `criterion_evaluation`.",
        thread_idx: Int32 required = "Owning thread.",
        turn_idx: Int32 = "Owning turn (null for thread scope).",
        message_idx: Int32 = "Owning message (message, chunk, rubric_evaluation, criterion_evaluation scopes).",
        chunk_idx: Int32 = "Owning chunk (chunk scope).",
        rubric_idx: Int32 = "Owning rubric (criterion scope).",
        criterion_idx: Int32 = "Position in `criteria_definitions` (criterion scope) or `criteria_evaluations` (criterion_evaluation scope).",
        evaluation_idx: Int32 = "Owning rubric evaluation (rubric_evaluation, criterion_evaluation scopes).",
        annotation_idx: Int32 required = "0-based position in the owner's `annotations`.",
        role: Utf8 dictionary = "Owning message's role (message-owned scopes).",
        source_id: Utf8 dictionary = "Owning message's `source_id`.",
        model: Utf8 dictionary = "Owning message's model.",
        temperature: Float64 = "Owning message's temperature.",
        max_completion_tokens: Int64 = "Owning message's max_completion_tokens.",
        top_p: Float64 = "Owning message's top_p.",
        top_k: Int64 = "Owning message's top_k.",
        annotation_id: Utf8 = "The annotation's `id`.",
        r#type: Utf8 = "The annotation's `type` (absent in default API responses).",
        key: Utf8 dictionary cluster = "The annotation's `key`.",
        title: Utf8 nostats = "Question title.",
        description: Utf8 nostats = "Question description.",
        value: Utf8 = "The value as text that groups naturally: a string's text, a number as written, `true`/`false`, compact JSON for lists and objects; null when null or missing.",
        value_type: Utf8 = "JSON kind of the value: `string`, `number`, `boolean`, `array`, `object`, `null`; null when missing.",
        value_num: Float64 dictionary = "The value when it is a number.",
        value_bool: Boolean = "The value when it is a boolean.",
        value_json: Utf8 nostats = "The value as JSON (workspace tokens redacted); null when missing.",
        labels: Utf8List = "Display labels of the options.",
        possible_values: Utf8 nostats = "`possible_values` as JSON.",
        not_applicable: Boolean = "Marked not applicable.",
        cannot_assess: Boolean = "Marked cannot assess.",
        justification: Utf8 nostats = "The annotator's justification.",
        metadata: Utf8 nostats = "`metadata` as JSON.",
        criteria_id: Utf8 = "`metadata.criteria`: the id it names, or the `id` of the nested annotation object it holds.",
        extra_json: Utf8 nostats = "Unknown keys of the annotation, as a JSON object.",
    }

    /// One row per element of an annotation value that is a JSON array (inner elements for lists of lists).
    AnnotationValues => annotation_values {
        task_id: Utf8 required dictionary = "The task's id.",
        annotation_seq: Int32 required = "The annotation's `annotation_seq`.",
        key: Utf8 dictionary = "The annotation's key.",
        r#type: Utf8 dictionary = "The annotation's type.",
        position: Int32 required = "0-based position in the array; for a list of lists (`ranked_groups`), the position inside the group.",
        group_idx: Int32 = "For a list of lists: the group's 0-based position (its rank); null otherwise.",
        value: Utf8 = "The element as text: a string's text, a number as written, compact JSON for objects.",
        label: Utf8 dictionary = "`label` of an object element (labeled_text).",
        text: Utf8 nostats = "`text` of an object element (labeled_text).",
        extra_json: Utf8 nostats = "Always null: elements are kept whole in `value`.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_starts_with_task_id_and_ends_with_extra_json() {
        for t in Table::ALL {
            let cols = t.columns();
            assert_eq!(cols[0].name(), "task_id", "{t}");
            assert!(!cols[0].nullable, "{t}");
            assert_eq!(cols[cols.len() - 1].name(), "extra_json", "{t}");
        }
    }

    #[test]
    fn column_names_are_unique_and_keywords_unescaped() {
        for t in Table::ALL {
            let mut names: Vec<_> = t.columns().iter().map(Column::name).collect();
            assert!(names.iter().all(|n| !n.starts_with("r#")));
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "{t} repeats a column");
        }
        assert_eq!(
            annotations::COLUMNS[annotations::Col::r#type as usize].name(),
            "type"
        );
    }

    #[test]
    fn only_strings_and_scores_are_dictionary_encoded() {
        let dictionary = |t: Table| t.columns().iter().filter(|c| c.dictionary).count();
        // Not `scope`, `type` and `value_type`, which follow the key the row groups are ordered by.
        assert_eq!(dictionary(Table::Annotations), 8);
        assert_eq!(dictionary(Table::Tasks), 8, "a task's own id is unique");
        assert!(!annotations::COLUMNS[annotations::Col::scope as usize].nullable);
        let value_num = annotations::COLUMNS[annotations::Col::value_num as usize];
        assert!(value_num.dictionary);
        for t in Table::ALL {
            for c in t.columns().iter().filter(|c| c.dictionary) {
                let score = c.name() == value_num.name() && *t == Table::Annotations;
                assert!(c.ty == ColType::Utf8 || score, "{t}.{}", c.name());
            }
        }
    }

    #[test]
    fn a_table_is_clustered_by_one_text_column_at_most() {
        for t in Table::ALL {
            let clustered: Vec<_> = t.columns().iter().filter(|c| c.cluster).collect();
            assert!(clustered.len() <= 1, "{t}");
            for c in clustered {
                assert_eq!(c.ty, ColType::Utf8, "{t}.{}", c.name());
            }
        }
        assert_eq!(
            Table::Annotations.cluster_column(),
            Some(annotations::Col::key as usize)
        );
        assert_eq!(Table::Messages.cluster_column(), None);
    }

    #[test]
    fn names_round_trip() {
        for t in Table::ALL {
            assert_eq!(Table::from_name(t.name()), Some(*t));
        }
        assert_eq!(Table::from_name("nope"), None);
    }
}
