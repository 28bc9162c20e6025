//! Row-at-a-time builders for the tables declared in taskq-core.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayBuilder, ArrayRef, BinaryBuilder, BooleanBuilder, Float64Builder, Int32Builder,
    Int64Builder, ListBuilder, PrimitiveBuilder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::ArrowPrimitiveType;
use arrow::record_batch::RecordBatch;
use taskq_core::{ColType, Table};

enum ColBuilder {
    Utf8(StringBuilder),
    Int32(Int32Builder),
    Int64(Int64Builder),
    Float64(Float64Builder),
    Boolean(BooleanBuilder),
    Timestamp(TimestampMicrosecondBuilder),
    Binary(BinaryBuilder),
    Utf8List(ListBuilder<StringBuilder>),
}

impl ColBuilder {
    fn new(ty: ColType) -> Self {
        match ty {
            ColType::Utf8 => ColBuilder::Utf8(StringBuilder::new()),
            ColType::Int32 => ColBuilder::Int32(Int32Builder::new()),
            ColType::Int64 => ColBuilder::Int64(Int64Builder::new()),
            ColType::Float64 => ColBuilder::Float64(Float64Builder::new()),
            ColType::Boolean => ColBuilder::Boolean(BooleanBuilder::new()),
            ColType::Timestamp => {
                ColBuilder::Timestamp(TimestampMicrosecondBuilder::new().with_timezone("UTC"))
            }
            ColType::Binary => ColBuilder::Binary(BinaryBuilder::new()),
            ColType::Utf8List => {
                ColBuilder::Utf8List(ListBuilder::new(StringBuilder::new()).with_field(Arc::new(
                    arrow::datatypes::Field::new("element", arrow::datatypes::DataType::Utf8, true),
                )))
            }
        }
    }

    /// Most runs are of one null, for which arrow's run path (an iterator extend) costs more
    /// than its single null; `fill_nulls` stays out of line so that this path stays small.
    fn append_nulls(&mut self, n: usize) {
        if n == 1 {
            return self.append_null();
        }
        match self {
            ColBuilder::Utf8(b) => b.append_nulls(n),
            ColBuilder::Int32(b) => b.append_nulls(n),
            ColBuilder::Int64(b) => b.append_nulls(n),
            ColBuilder::Float64(b) => b.append_nulls(n),
            ColBuilder::Boolean(b) => b.append_nulls(n),
            ColBuilder::Timestamp(b) => b.append_nulls(n),
            ColBuilder::Binary(b) => b.append_nulls(n),
            ColBuilder::Utf8List(b) => b.append_nulls(n),
        }
    }

    fn len(&self) -> usize {
        match self {
            ColBuilder::Utf8(b) => b.len(),
            ColBuilder::Int32(b) => b.len(),
            ColBuilder::Int64(b) => b.len(),
            ColBuilder::Float64(b) => b.len(),
            ColBuilder::Boolean(b) => b.len(),
            ColBuilder::Timestamp(b) => b.len(),
            ColBuilder::Binary(b) => b.len(),
            ColBuilder::Utf8List(b) => b.len(),
        }
    }

    fn append_null(&mut self) {
        match self {
            ColBuilder::Utf8(b) => b.append_null(),
            ColBuilder::Int32(b) => b.append_null(),
            ColBuilder::Int64(b) => b.append_null(),
            ColBuilder::Float64(b) => b.append_null(),
            ColBuilder::Boolean(b) => b.append_null(),
            ColBuilder::Timestamp(b) => b.append_null(),
            ColBuilder::Binary(b) => b.append_null(),
            ColBuilder::Utf8List(b) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            // A finished builder starts again from nothing and regrows by doubling, copying
            // its texts each time; the next batch is sized like this one instead.
            ColBuilder::Utf8(b) => {
                let (rows, bytes) = (b.len(), b.values_slice().len());
                let array = Arc::new(b.finish());
                *b = StringBuilder::with_capacity(rows + rows / 8, bytes + bytes / 8);
                array
            }
            ColBuilder::Int32(b) => finish_sized(b),
            ColBuilder::Int64(b) => finish_sized(b),
            ColBuilder::Float64(b) => finish_sized(b),
            ColBuilder::Timestamp(b) => finish_sized(b),
            ColBuilder::Boolean(b) => {
                let rows = b.len();
                let array = Arc::new(b.finish());
                *b = BooleanBuilder::with_capacity(rows + rows / 8);
                array
            }
            ColBuilder::Binary(b) => Arc::new(b.finish()),
            ColBuilder::Utf8List(b) => Arc::new(b.finish()),
        }
    }
}

/// Finishes a column of numbers or timestamps, and sizes its next batch like this one, as texts
/// are (see `ColBuilder::finish`).
fn finish_sized<T: ArrowPrimitiveType>(b: &mut PrimitiveBuilder<T>) -> ArrayRef {
    let rows = b.len();
    let array = b.finish();
    *b = PrimitiveBuilder::with_capacity(rows + rows / 8).with_data_type(array.data_type().clone());
    Arc::new(array)
}

/// Builds one table. Before each `end_row` each column may be set once, in any order; columns
/// left unset are null.
pub(crate) struct TableBuilder {
    table: Table,
    /// A column left unset gets its nulls when it is next set, or at `finish`, a run of them at
    /// once: many columns of a wide table are null in most rows.
    cols: Vec<ColBuilder>,
    rows: usize,
}

// Setters are inlined into every call: out of line, each call would pay for saving registers,
// testing for None, and looking the column's kind up for its length and again to append.
macro_rules! setter {
    ($name:ident, $variant:ident, $ty:ty) => {
        #[inline(always)]
        pub(crate) fn $name(&mut self, col: impl Into<usize>, v: Option<$ty>) {
            let i = col.into();
            let Some(v) = v else { return };
            self.fill(i);
            match &mut self.cols[i] {
                ColBuilder::$variant(b) => b.append_value(v),
                _ => panic!(
                    "{} column {} is not {}",
                    self.table,
                    i,
                    stringify!($variant)
                ),
            }
        }
    };
}

impl TableBuilder {
    pub(crate) fn new(table: Table) -> Self {
        let cols: Vec<_> = table
            .columns()
            .iter()
            .map(|c| ColBuilder::new(c.ty))
            .collect();
        TableBuilder {
            table,
            cols,
            rows: 0,
        }
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    pub(crate) fn end_row(&mut self) {
        self.rows += 1;
    }

    /// Nulls for the rows before the current one that left column `i` unset.
    #[inline(always)]
    fn fill(&mut self, i: usize) {
        let filled = self.cols[i].len();
        debug_assert!(
            filled <= self.rows,
            "{}.{} set twice",
            self.table,
            self.table.columns()[i].name()
        );
        if filled < self.rows {
            self.fill_nulls(i, self.rows - filled);
        }
    }

    #[inline(never)]
    fn fill_nulls(&mut self, i: usize, n: usize) {
        debug_assert!(
            self.table.columns()[i].nullable,
            "{}.{} is required",
            self.table,
            self.table.columns()[i].name()
        );
        self.cols[i].append_nulls(n);
    }

    setter!(str, Utf8, &str);
    setter!(i32, Int32, i32);
    setter!(i64, Int64, i64);
    setter!(f64, Float64, f64);
    setter!(bool, Boolean, bool);
    setter!(ts, Timestamp, i64);
    setter!(bin, Binary, &[u8]);

    pub(crate) fn list(&mut self, col: impl Into<usize>, v: Option<&[&str]>) {
        let i = col.into();
        let Some(v) = v else { return };
        self.fill(i);
        match &mut self.cols[i] {
            ColBuilder::Utf8List(b) => {
                for s in v {
                    b.values().append_value(s);
                }
                b.append(true);
            }
            _ => panic!("{} column {} is not a list", self.table, i),
        }
    }

    pub(crate) fn finish(&mut self) -> RecordBatch {
        (0..self.cols.len()).for_each(|i| self.fill(i));
        let arrays = self.cols.iter_mut().map(ColBuilder::finish).collect();
        self.rows = 0;
        RecordBatch::try_new(self.table.schema(), arrays)
            .unwrap_or_else(|e| panic!("{} batch does not match its schema: {e}", self.table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns left unset get their nulls late, in runs; every row still lines up.
    #[test]
    fn unset_columns_are_null_in_their_rows_whatever_the_runs() {
        use arrow::array::{Array, AsArray};
        use arrow::datatypes::Int32Type;

        let t = Table::Tasks;
        let at = |name: &str| t.columns().iter().position(|c| c.name() == name).unwrap();
        let (id, count) = (at("task_id"), at("annotation_count"));
        let (status, threads) = (at("status"), at("thread_count"));
        let mut b = TableBuilder::new(t);
        for batch in 0..2 {
            for row in 0..6 {
                b.str(id, Some(&format!("t{row}")));
                b.i32(count, Some(0));
                if row % 3 == 0 {
                    b.str(status, Some("completed"));
                }
                if row == 4 {
                    b.i32(threads, Some(row));
                }
                b.end_row();
            }
            let out = b.finish();
            assert_eq!(out.num_rows(), 6, "batch {batch}");
            let status: Vec<_> = out.column(status).as_string::<i32>().iter().collect();
            let s = Some("completed");
            assert_eq!(status, [s, None, None, s, None, None], "batch {batch}");
            let threads: Vec<_> = out
                .column(threads)
                .as_primitive::<Int32Type>()
                .iter()
                .collect();
            assert_eq!(
                threads,
                [None, None, None, None, Some(4), None],
                "batch {batch}"
            );
            let never = out.column(at("batch_id"));
            assert_eq!(never.null_count(), 6, "batch {batch}");
        }
    }

    #[test]
    fn a_text_column_starts_its_next_batch_at_the_size_of_the_last() {
        let mut b = ColBuilder::new(ColType::Utf8);
        let ColBuilder::Utf8(s) = &mut b else {
            unreachable!()
        };
        for _ in 0..1000 {
            s.append_value("twenty bytes of text");
        }
        assert_eq!(b.finish().len(), 1000);
        let ColBuilder::Utf8(s) = &b else {
            unreachable!()
        };
        assert!(s.values_capacity() >= 20_000, "{}", s.values_capacity());
        assert!(s.offsets_capacity() > 1000, "{}", s.offsets_capacity());
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn a_number_column_starts_its_next_batch_at_the_size_of_the_last_and_keeps_its_type() {
        let mut b = ColBuilder::new(ColType::Timestamp);
        let ColBuilder::Timestamp(t) = &mut b else {
            unreachable!()
        };
        for i in 0..1000 {
            t.append_value(i);
        }
        let first = b.finish();
        let ColBuilder::Timestamp(t) = &mut b else {
            unreachable!()
        };
        assert!(t.capacity() > 1000, "{}", t.capacity());
        assert_eq!(t.len(), 0);
        t.append_value(1);
        assert_eq!(b.finish().data_type(), first.data_type());
        assert_eq!(first.data_type(), &ColType::Timestamp.data_type());
    }
}
