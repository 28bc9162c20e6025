//! Row groups ordered by the table's cluster column (see `taskq_core::Column::cluster`).
//!
//! Most questions about annotations name a key (`WHERE key = 'overall_quality'`) or group by
//! it. Ordered by key and written on small pages, a row group holds each key's rows on a few
//! pages of their own, whose page-index entries let a reader skip all the others; a GROUP BY
//! key meets each key in one run. The rows are held back until they fill a row group, then
//! ordered together.

use std::collections::{HashMap, VecDeque};

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, BooleanBufferBuilder, NullBufferBuilder,
};
use arrow::compute::interleave;
use arrow::datatypes::DataType;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

/// Rows held back until they fill a row group, in the order they came.
#[derive(Debug, Default)]
pub(crate) struct Held {
    batches: VecDeque<RecordBatch>,
    rows: usize,
}

impl Held {
    pub(crate) fn push(&mut self, batch: RecordBatch) {
        self.rows += batch.num_rows();
        self.batches.push_back(batch);
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Takes the first `n` rows held (all of them when fewer are), leaving the rest.
    pub(crate) fn take(&mut self, n: usize) -> Vec<RecordBatch> {
        let mut out = Vec::new();
        let mut left = n.min(self.rows);
        self.rows -= left;
        while left > 0 {
            let Some(b) = self.batches.pop_front() else {
                break;
            };
            if b.num_rows() <= left {
                left -= b.num_rows();
                out.push(b);
            } else {
                out.push(b.slice(0, left));
                self.batches.push_front(b.slice(left, b.num_rows() - left));
                left = 0;
            }
        }
        out
    }
}

/// The rows of `parts` as one batch ordered by the text column `col`: nulls first, then by
/// value; rows of one value keep their order.
pub(crate) fn clustered(parts: &[RecordBatch], col: usize) -> Result<RecordBatch, ArrowError> {
    // Number the distinct values as they come (0 is null), rank the numbers by value, then
    // count rows per rank: a stable counting sort, linear in the rows.
    let mut numbers: HashMap<&str, u32> = HashMap::new();
    let mut rows: Vec<((usize, usize), u32)> = Vec::new();
    for (p, part) in parts.iter().enumerate() {
        let values = part.column(col).as_string::<i32>();
        for i in 0..values.len() {
            let n = if values.is_null(i) {
                0
            } else {
                let next = numbers.len() as u32 + 1;
                *numbers.entry(values.value(i)).or_insert(next)
            };
            rows.push(((p, i), n));
        }
    }
    let mut by_value: Vec<(&str, u32)> = numbers.into_iter().collect();
    by_value.sort_unstable();
    let mut rank = vec![0usize; by_value.len() + 1];
    for (r, (_, n)) in by_value.iter().enumerate() {
        rank[*n as usize] = r + 1;
    }
    let mut next_slot = vec![0usize; by_value.len() + 2];
    for (_, n) in &rows {
        next_slot[rank[*n as usize] + 1] += 1;
    }
    for r in 1..next_slot.len() {
        next_slot[r] += next_slot[r - 1];
    }
    let mut order = vec![(0, 0); rows.len()];
    for (at, n) in rows {
        let slot = &mut next_slot[rank[n as usize]];
        order[*slot] = at;
        *slot += 1;
    }
    let columns = (0..parts[0].num_columns())
        .map(|c| {
            let column: Vec<&dyn Array> = parts.iter().map(|p| p.column(c).as_ref()).collect();
            match column[0].data_type() {
                DataType::Boolean => Ok(gather_booleans(&column, &order)),
                _ => interleave(&column, &order),
            }
        })
        .collect::<Result<_, _>>()?;
    RecordBatch::try_new(parts[0].schema(), columns)
}

/// `interleave` for a Boolean column: arrow sends booleans through its generic path, where the
/// three Boolean columns cost more than all the integer and float columns together (callgrind).
fn gather_booleans(column: &[&dyn Array], order: &[(usize, usize)]) -> ArrayRef {
    let column: Vec<&BooleanArray> = column.iter().map(|a| a.as_boolean()).collect();
    let mut values = BooleanBufferBuilder::new(order.len());
    let mut nulls = NullBufferBuilder::new(order.len());
    for &(p, i) in order {
        let a = column[p];
        values.append(a.value(i));
        nulls.append(a.is_valid(i));
    }
    Arc::new(BooleanArray::new(values.finish(), nulls.finish()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int32Array, StringArray};
    use arrow::datatypes::{Field, Int32Type, Schema};

    use super::*;

    /// The flag a row numbered `n` carries: null for every third, so nulls move too.
    fn flag(n: i32) -> Option<bool> {
        (n % 3 != 2).then_some(n % 2 == 0)
    }

    fn batch(first: i32, keys: &[Option<&str>]) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("n", DataType::Int32, false),
            Field::new("key", DataType::Utf8, true),
            Field::new("flag", DataType::Boolean, true),
        ]);
        let n = first..first + keys.len() as i32;
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(Int32Array::from_iter_values(n.clone())),
                Arc::new(StringArray::from(keys.to_vec())),
                Arc::new(n.map(flag).collect::<BooleanArray>()),
            ],
        )
        .unwrap()
    }

    /// Rows as (number, key), after checking each row's flag is still the one its number had.
    fn rows(b: &RecordBatch) -> Vec<(i32, Option<&str>)> {
        let n = b.column(0).as_primitive::<Int32Type>();
        let k = b.column(1).as_string::<i32>();
        let f = b.column(2).as_boolean();
        (0..b.num_rows())
            .map(|i| {
                assert_eq!(f.is_valid(i).then(|| f.value(i)), flag(n.value(i)));
                (n.value(i), k.is_valid(i).then(|| k.value(i)))
            })
            .collect()
    }

    #[test]
    fn rows_of_several_batches_order_by_value_and_keep_their_order_within_one() {
        let parts = [
            batch(0, &[Some("b"), Some("a"), None]),
            batch(3, &[Some("b"), Some("c")]),
            batch(5, &[Some("a"), None]),
        ];
        let got = clustered(&parts, 1).unwrap();
        assert_eq!(
            rows(&got),
            [
                (2, None),
                (6, None),
                (1, Some("a")),
                (5, Some("a")),
                (0, Some("b")),
                (3, Some("b")),
                (4, Some("c")),
            ]
        );
    }

    #[test]
    fn held_rows_come_out_in_order_split_where_asked() {
        let mut held = Held::default();
        held.push(batch(0, &[Some("a"); 3]));
        held.push(batch(3, &[Some("b"); 4]));
        assert_eq!(held.rows(), 7);
        let first = held.take(5);
        assert_eq!(
            first.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(),
            [3, 2]
        );
        assert_eq!(rows(&first[1])[0].0, 3);
        assert_eq!(held.rows(), 2);
        let rest = held.take(10);
        assert_eq!(rows(&rest[0]), [(5, Some("b")), (6, Some("b"))]);
        assert_eq!(held.rows(), 0);
        assert!(held.take(1).is_empty());
    }
}
