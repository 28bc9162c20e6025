//! Columns of a query's result, read by name as text or numbers.

use arrow::array::{Array, AsArray, StringArray};
use arrow::compute::kernels::cmp::eq;
use arrow::compute::{cast, filter_record_batch};
use arrow::datatypes::{DataType, Date32Type, Float64Type};
use arrow::record_batch::RecordBatch;

use crate::ReportError;

/// A query's rows, with the query's name for errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rows<'a> {
    pub query: &'a str,
    pub batches: &'a [RecordBatch],
}

impl Rows<'_> {
    pub fn len(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    fn column(&self, name: &str) -> Result<Vec<&dyn Array>, ReportError> {
        self.batches
            .iter()
            .map(|b| {
                b.column_by_name(name).map(|c| c.as_ref()).ok_or_else(|| {
                    ReportError::MissingColumn {
                        query: self.query.to_owned(),
                        column: name.to_owned(),
                    }
                })
            })
            .collect()
    }

    /// The column as text; NULL as `None`.
    pub fn texts(&self, name: &str) -> Result<Vec<Option<String>>, ReportError> {
        let mut out = Vec::with_capacity(self.len());
        for a in self.column(name)? {
            let a = cast(a, &DataType::Utf8).map_err(|e| self.unreadable(name, e))?;
            out.extend(a.as_string::<i32>().iter().map(|v| v.map(str::to_owned)));
        }
        Ok(out)
    }

    /// The column as numbers: days since 1970 for a date; NULL, NaN and the infinities as `None`.
    pub fn numbers(&self, name: &str) -> Result<Vec<Option<f64>>, ReportError> {
        let mut out = Vec::with_capacity(self.len());
        for a in self.column(name)? {
            if let Some(days) = a.as_primitive_opt::<Date32Type>() {
                out.extend(days.iter().map(|d| d.map(f64::from)));
                continue;
            }
            let a = cast(a, &DataType::Float64).map_err(|e| self.unreadable(name, e))?;
            out.extend(
                a.as_primitive::<Float64Type>()
                    .iter()
                    .map(|v| v.filter(|v| v.is_finite())),
            );
        }
        Ok(out)
    }

    /// The rows whose `column` has the text `value`.
    pub fn only(&self, column: &str, value: &str) -> Result<Vec<RecordBatch>, ReportError> {
        let wanted = StringArray::new_scalar(value);
        self.batches
            .iter()
            .map(|b| {
                let c = b
                    .column_by_name(column)
                    .ok_or_else(|| ReportError::MissingColumn {
                        query: self.query.to_owned(),
                        column: column.to_owned(),
                    })?;
                let text = cast(c, &DataType::Utf8).map_err(|e| self.unreadable(column, e))?;
                eq(&text, &wanted)
                    .and_then(|keep| filter_record_batch(b, &keep))
                    .map_err(|e| self.unreadable(column, e))
            })
            .collect()
    }

    /// Whether the column holds days.
    pub fn is_date(&self, name: &str) -> Result<bool, ReportError> {
        Ok(self
            .column(name)?
            .first()
            .is_some_and(|a| a.data_type() == &DataType::Date32))
    }

    fn unreadable(&self, column: &str, e: arrow::error::ArrowError) -> ReportError {
        ReportError::Unreadable {
            query: self.query.to_owned(),
            column: column.to_owned(),
            reason: e.to_string(),
        }
    }
}

/// Distinct values in the order first seen.
pub(crate) fn distinct<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    values
        .into_iter()
        .filter(|v| seen.insert(*v))
        .map(str::to_owned)
        .collect()
}

/// Orders labels as numbers when every one is a number, else as text.
pub(crate) fn sort_labels(labels: &mut [String]) {
    let numeric: Option<Vec<f64>> = labels.iter().map(|l| l.parse().ok()).collect();
    match numeric {
        Some(_) => labels.sort_by(|a, b| {
            let (a, b): (f64, f64) = (a.parse().unwrap_or(0.0), b.parse().unwrap_or(0.0));
            a.total_cmp(&b)
        }),
        None => labels.sort(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_sort_as_numbers_only_when_all_are_numbers() {
        let mut n: Vec<String> = ["10", "2", "1.5"].map(String::from).into();
        sort_labels(&mut n);
        assert_eq!(n, ["1.5", "2", "10"]);
        let mut t: Vec<String> = ["10", "2", "yes"].map(String::from).into();
        sort_labels(&mut t);
        assert_eq!(t, ["10", "2", "yes"]);
    }
}
