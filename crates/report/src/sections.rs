//! What the report shows: each section is a named query of queries/ and how to chart its rows.

/// How a section's rows are drawn. Each field names a column of the query's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Horizontal bars, one chart per `facet` value: a bar per `category`, split into a segment
    /// per `stack` value of length `value`.
    StackedBars {
        facet: &'static str,
        category: &'static str,
        stack: &'static str,
        value: &'static str,
    },
    /// A point per `label` at `value` with a bar from `lower` to `upper`, in the query's order
    /// from the top.
    Intervals {
        label: &'static str,
        value: &'static str,
        lower: &'static str,
        upper: &'static str,
    },
    /// A grid of `row` against `column`, each cell coloured by `value` from 0 to 1 and labelled
    /// with it and `count`.
    Heatmap {
        row: &'static str,
        column: &'static str,
        value: &'static str,
        count: &'static str,
    },
    /// Lines of `y` against `x` (numbers or days), one chart per `facet` value when there is a
    /// facet, with bars from `lower` to `upper` when given. With a `series` column, a line per
    /// value of it (and one `y`); without, a line per `y` column.
    Lines {
        facet: Option<&'static str>,
        series: Option<&'static str>,
        x: &'static str,
        y: &'static [&'static str],
        interval: Option<(&'static str, &'static str)>,
    },
}

/// One part of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    /// The anchor in the page, and the id tests look for.
    pub id: &'static str,
    pub title: &'static str,
    /// The named query behind it; it takes the parameters `project` and `since`.
    pub query: &'static str,
    pub chart: Chart,
    /// Only the rows whose column (first) has this text (second) are drawn; the table has all.
    pub only: Option<(&'static str, &'static str)>,
    pub x_label: &'static str,
    pub y_label: &'static str,
}

/// The report's sections, in page order.
pub const SECTIONS: &[Section] = &[
    Section {
        id: "labels",
        title: "Labels per key, by model",
        query: "labels_by_model",
        chart: Chart::StackedBars {
            facet: "key",
            category: "value",
            stack: "model",
            value: "n",
        },
        only: None,
        x_label: "annotations",
        y_label: "label",
    },
    Section {
        id: "leaderboard",
        title: "Leaderboard",
        query: "leaderboard",
        chart: Chart::Intervals {
            label: "model",
            value: "rating",
            lower: "lower",
            upper: "upper",
        },
        only: None,
        x_label: "Bradley–Terry rating (Elo scale) with its 95% bootstrap interval",
        y_label: "model",
    },
    Section {
        id: "win-rate",
        title: "Win rate of each model against each other (a cell: win rate and battles)",
        query: "win_matrix",
        chart: Chart::Heatmap {
            row: "model",
            column: "opponent",
            value: "win_rate",
            count: "battles",
        },
        only: None,
        x_label: "opponent (numbered as the rows)",
        y_label: "model",
    },
    Section {
        id: "score-by-temperature",
        title: "Score by temperature",
        query: "score_by_temperature",
        chart: Chart::Lines {
            facet: None,
            series: Some("key"),
            x: "temperature",
            y: &["mean"],
            interval: Some(("lower", "upper")),
        },
        only: Some(("model", "(every model)")),
        x_label: "temperature",
        y_label: "mean score with its 95% t-interval",
    },
    Section {
        id: "agreement",
        title: "Agreement between contributors per key",
        query: "agreement",
        chart: Chart::Intervals {
            label: "key",
            value: "alpha",
            lower: "lower",
            upper: "upper",
        },
        only: None,
        x_label: "Krippendorff's alpha (ordinal) with its 95% bootstrap interval",
        y_label: "key",
    },
    Section {
        id: "tasks-per-day",
        title: "Tasks created and completed per day",
        query: "throughput_by_day",
        chart: Chart::Lines {
            facet: None,
            series: None,
            x: "day",
            y: &["created", "completed"],
            interval: None,
        },
        only: None,
        x_label: "day (UTC)",
        y_label: "tasks",
    },
];
