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
    Array, ArrayRef, ArrowPrimitiveType, AsArray, BooleanArray, BooleanBufferBuilder,
    PrimitiveArray, StringArray, StringBuilder,
};
use arrow::buffer::{BooleanBuffer, NullBuffer, ScalarBuffer};
use arrow::compute::interleave;
use arrow::datatypes::{
    DataType, Float64Type, Int32Type, Int64Type, TimeUnit, TimestampMicrosecondType,
};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use arrow::util::bit_util::get_bit;

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

/// The rows of `parts` ordered by the text column `col`: nulls first, then by value; rows of
/// one value keep their order. Columns are gathered one at a time, so they can be made (and
/// encoded) side by side, and no ordered copy of the whole row group is held at once.
pub(crate) struct Clustered<'a> {
    parts: &'a [RecordBatch],
    order: Order,
}

impl<'a> Clustered<'a> {
    pub(crate) fn new(parts: &'a [RecordBatch], col: usize) -> Self {
        // Number the distinct values as they come (0 is null), rank the numbers by value, then
        // count rows per rank: a stable counting sort, linear in the rows.
        // foldhash: a hash made for short keys, each hashed once per row; std's SipHash showed
        // in ingest profiles.
        let mut numbers: HashMap<&str, u32, foldhash::fast::RandomState> = HashMap::default();
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
        let lens: Vec<usize> = parts.iter().map(RecordBatch::num_rows).collect();
        Clustered {
            parts,
            order: Order::new(&lens, order),
        }
    }

    /// Column `c` of the ordered rows.
    pub(crate) fn column(&self, c: usize) -> Result<ArrayRef, ArrowError> {
        let column: Vec<&dyn Array> = self.parts.iter().map(|p| p.column(c).as_ref()).collect();
        gather(&column, &self.order)
    }

    /// The bytes of column `c` in the parts: about what making and encoding it costs.
    pub(crate) fn weight(&self, c: usize) -> usize {
        self.parts
            .iter()
            .map(|p| p.column(c).get_buffer_memory_size())
            .sum()
    }
}

/// Where each output row comes from: `rows[k]` is (part, row), `at[k]` the same row's place
/// among all the parts' rows laid end to end.
struct Order {
    rows: Vec<(usize, usize)>,
    at: Vec<usize>,
}

impl Order {
    fn new(part_lens: &[usize], rows: Vec<(usize, usize)>) -> Self {
        let starts: Vec<usize> = part_lens
            .iter()
            .scan(0, |next, len| {
                *next += len;
                Some(*next - len)
            })
            .collect();
        let at = rows.iter().map(|&(p, i)| starts[p] + i).collect();
        Order { rows, at }
    }
}

/// Row `order.rows[k]` of `column` as row `k`: arrow's `interleave`, but for the types of the
/// ordered table, where arrow's asks each row's part whether it is valid through the array,
/// sends booleans through its generic path, and reads each text's offsets twice: ordering is
/// a visible share of an ingest.
fn gather(column: &[&dyn Array], order: &Order) -> Result<ArrayRef, ArrowError> {
    Ok(match column[0].data_type() {
        DataType::Utf8 => return gather_strings(column, order),
        DataType::Boolean => {
            let parts: Vec<&BooleanArray> = column.iter().map(|a| a.as_boolean()).collect();
            let values = BooleanBuffer::collect_bool(order.rows.len(), |k| {
                let (p, i) = order.rows[k];
                parts[p].value(i)
            });
            Arc::new(BooleanArray::new(values, gather_nulls(column, order)))
        }
        DataType::Int32 => gather_primitive::<Int32Type>(column, order),
        DataType::Int64 => gather_primitive::<Int64Type>(column, order),
        DataType::Float64 => gather_primitive::<Float64Type>(column, order),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            gather_primitive::<TimestampMicrosecondType>(column, order)
        }
        _ => return interleave(column, &order.rows),
    })
}

/// The validity of the gathered rows; `None` when no part has nulls. The parts' bits are laid
/// end to end first, so that a row's bit is one lookup at its place `at`.
fn gather_nulls(column: &[&dyn Array], order: &Order) -> Option<NullBuffer> {
    if column.iter().all(|a| a.null_count() == 0) {
        return None;
    }
    let mut all = BooleanBufferBuilder::new(column.iter().map(|a| a.len()).sum());
    for a in column {
        match a.nulls() {
            Some(n) => all.append_buffer(n.inner()),
            None => all.append_n(a.len(), true),
        }
    }
    let all = all.finish();
    let bits = all.values();
    let valid = BooleanBuffer::collect_bool(order.at.len(), |k| get_bit(bits, order.at[k]));
    Some(NullBuffer::new(valid))
}

fn gather_primitive<T: ArrowPrimitiveType>(column: &[&dyn Array], order: &Order) -> ArrayRef {
    let parts: Vec<&[T::Native]> = column
        .iter()
        .map(|a| a.as_primitive::<T>().values().as_ref())
        .collect();
    let values: ScalarBuffer<T::Native> = order.rows.iter().map(|&(p, i)| parts[p][i]).collect();
    let nulls = gather_nulls(column, order);
    Arc::new(PrimitiveArray::<T>::new(values, nulls).with_data_type(column[0].data_type().clone()))
}

/// Texts in one pass: `order` takes every row of the parts once, so their texts' total length
/// is known before the first is copied. A builder takes each text and its validity as they
/// come; built from the copied bytes instead, the array would have its UTF-8 and offsets
/// checked again.
fn gather_strings(column: &[&dyn Array], order: &Order) -> Result<ArrayRef, ArrowError> {
    let parts: Vec<&StringArray> = column.iter().map(|a| a.as_string::<i32>()).collect();
    let bytes: usize = parts
        .iter()
        .map(|a| {
            let o = a.value_offsets();
            (o[o.len() - 1] - o[0]) as usize
        })
        .sum();
    if i32::try_from(bytes).is_err() {
        return interleave(column, &order.rows);
    }
    let mut out = StringBuilder::with_capacity(order.rows.len(), bytes);
    for &(p, i) in &order.rows {
        let part = parts[p];
        if part.is_valid(i) {
            out.append_value(part.value(i));
        } else {
            out.append_null();
        }
    }
    Ok(Arc::new(out.finish()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int32Array, StringArray};
    use arrow::datatypes::{Field, Int32Type, Schema};

    use super::*;

    fn clustered(parts: &[RecordBatch], col: usize) -> RecordBatch {
        let rows = Clustered::new(parts, col);
        let columns = (0..parts[0].num_columns())
            .map(|c| rows.column(c).unwrap())
            .collect();
        RecordBatch::try_new(parts[0].schema(), columns).unwrap()
    }

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
        let got = clustered(&parts, 1);
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

    /// Every column type of the ordered table, gathered from parts that are slices (so their
    /// values and validity bits start past the buffers' start), with and without nulls: the
    /// same arrays as arrow's `interleave`.
    #[test]
    fn gathered_columns_equal_arrows_interleave() {
        use arrow::array::{
            Float64Array, Int64Array, ListBuilder, StringBuilder, TimestampMicrosecondArray,
        };
        // A small generator, so a failure repeats.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let lens = [37usize, 1, 70, 64];
        for null_share in [0, 3, 10] {
            let mut columns: Vec<Vec<ArrayRef>> = vec![Vec::new(); 7];
            for len in lens {
                let skip = next(5) as usize;
                let total = len + skip;
                // Valid unless a draw says null: all valid at 0, none at 10.
                let v: Vec<bool> = (0..total).map(|_| next(10) >= null_share).collect();
                let words = [
                    "",
                    "a",
                    "ünï",
                    "overall_quality",
                    "a longer text of several words",
                ];
                let mut labels = ListBuilder::new(StringBuilder::new());
                for i in 0..total {
                    if v[i] {
                        labels.values().append_value(words[i % words.len()]);
                        labels.append(true);
                    } else {
                        labels.append_null();
                    }
                }
                let arrays: Vec<ArrayRef> = vec![
                    Arc::new(StringArray::from_iter(
                        (0..total).map(|i| v[i].then(|| words[(i * 7 + len) % words.len()])),
                    )),
                    Arc::new(Int32Array::from_iter(
                        (0..total).map(|i| v[i].then_some(i as i32)),
                    )),
                    Arc::new(Int64Array::from_iter(
                        (0..total).map(|i| v[i].then_some(-(i as i64))),
                    )),
                    Arc::new(Float64Array::from_iter(
                        (0..total).map(|i| v[i].then_some(i as f64 / 3.0)),
                    )),
                    Arc::new(BooleanArray::from_iter(
                        (0..total).map(|i| v[i].then_some(i % 3 == 0)),
                    )),
                    Arc::new(
                        TimestampMicrosecondArray::from_iter(
                            (0..total).map(|i| v[i].then_some(i as i64 * 1_000)),
                        )
                        .with_timezone("UTC"),
                    ),
                    Arc::new(labels.finish()),
                ];
                for (c, a) in arrays.into_iter().enumerate() {
                    columns[c].push(a.slice(skip, len));
                }
            }
            let mut order: Vec<(usize, usize)> = lens
                .iter()
                .enumerate()
                .flat_map(|(p, &len)| (0..len).map(move |i| (p, i)))
                .collect();
            for k in (1..order.len()).rev() {
                order.swap(k, next(k as u64 + 1) as usize);
            }
            let order = Order::new(&lens, order);
            for column in &columns {
                let column: Vec<&dyn Array> = column.iter().map(|a| a.as_ref()).collect();
                let ours = gather(&column, &order).unwrap();
                let arrows = interleave(&column, &order.rows).unwrap();
                assert_eq!(ours.data_type(), arrows.data_type());
                assert_eq!(ours.to_data(), arrows.to_data(), "{}", ours.data_type());
                assert_eq!(ours.null_count(), arrows.null_count());
            }
        }
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
