//! Row-at-a-time builders for the tables declared in taskq-core.

use std::sync::Arc;

use arrow::array::{
    ArrayBuilder, ArrayRef, BinaryBuilder, BooleanBuilder, Float64Builder, Int32Builder,
    Int64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder,
};
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
            // its texts each time; the next batch is sized like this one instead. 1 GB ingest,
            // eight rounds alternating: 5.38 and 5.52 s against 5.55 and 5.64 s (medians).
            ColBuilder::Utf8(b) => {
                let (rows, bytes) = (b.len(), b.values_slice().len());
                let array = Arc::new(b.finish());
                *b = StringBuilder::with_capacity(rows + rows / 8, bytes + bytes / 8);
                array
            }
            ColBuilder::Int32(b) => Arc::new(b.finish()),
            ColBuilder::Int64(b) => Arc::new(b.finish()),
            ColBuilder::Float64(b) => Arc::new(b.finish()),
            ColBuilder::Boolean(b) => Arc::new(b.finish()),
            ColBuilder::Timestamp(b) => Arc::new(b.finish()),
            ColBuilder::Binary(b) => Arc::new(b.finish()),
            ColBuilder::Utf8List(b) => Arc::new(b.finish()),
        }
    }
}

/// Builds one table. Between `begin_row` and `end_row` each column may be set once, in any
/// order; columns left unset are null.
pub(crate) struct TableBuilder {
    table: Table,
    cols: Vec<ColBuilder>,
    set: Vec<bool>,
    rows: usize,
}

macro_rules! setter {
    ($name:ident, $variant:ident, $ty:ty) => {
        pub(crate) fn $name(&mut self, col: impl Into<usize>, v: Option<$ty>) {
            let i = col.into();
            let Some(v) = v else { return };
            debug_assert!(!self.set[i], "{}.{} set twice", self.table, i);
            match &mut self.cols[i] {
                ColBuilder::$variant(b) => b.append_value(v),
                _ => panic!(
                    "{} column {} is not {}",
                    self.table,
                    i,
                    stringify!($variant)
                ),
            }
            self.set[i] = true;
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
        let set = vec![false; cols.len()];
        TableBuilder {
            table,
            cols,
            set,
            rows: 0,
        }
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    pub(crate) fn begin_row(&mut self) {
        self.set.iter_mut().for_each(|s| *s = false);
    }

    pub(crate) fn end_row(&mut self) {
        for (i, (b, set)) in self.cols.iter_mut().zip(&self.set).enumerate() {
            if !*set {
                debug_assert!(
                    self.table.columns()[i].nullable,
                    "{}.{} is required",
                    self.table,
                    self.table.columns()[i].name()
                );
                b.append_null();
            }
        }
        self.rows += 1;
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
        match &mut self.cols[i] {
            ColBuilder::Utf8List(b) => {
                for s in v {
                    b.values().append_value(s);
                }
                b.append(true);
            }
            _ => panic!("{} column {} is not a list", self.table, i),
        }
        self.set[i] = true;
    }

    pub(crate) fn finish(&mut self) -> RecordBatch {
        let arrays = self.cols.iter_mut().map(ColBuilder::finish).collect();
        self.rows = 0;
        RecordBatch::try_new(self.table.schema(), arrays)
            .unwrap_or_else(|e| panic!("{} batch does not match its schema: {e}", self.table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
