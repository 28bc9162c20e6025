//! The two shapes taskq's functions take, so that a function is its arguments, its
//! documentation and one computation:
//!
//! - [`Aggregate`]: keeps its input rows (the partial states of parallel partitions are their
//!   rows as lists) and computes once per group at the end, as a fit or a bootstrap needs all
//!   of them;
//! - [`Scalar`]: a row-wise function of numbers.
//!
//! Trailing arguments with a default are constants (rounds, seed, level), read once when the
//! query starts.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, ListArray, StructArray};
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type, Schema};
use arrow::record_batch::RecordBatch;
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, DocSection, Documentation,
    ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::scalar::ScalarValue;

/// The documentation section of every taskq function.
pub(crate) const SECTION: DocSection = DocSection {
    include: true,
    label: "taskq evaluation functions",
    description: None,
};

/// An argument: a column (one value a row) or a constant with a default.
#[derive(Debug, Clone)]
pub(crate) struct Arg {
    pub(crate) name: &'static str,
    pub(crate) ty: DataType,
    pub(crate) doc: &'static str,
    pub(crate) default: Option<ScalarValue>,
}

impl Arg {
    pub(crate) fn column(name: &'static str, ty: DataType, doc: &'static str) -> Arg {
        Arg {
            name,
            ty,
            doc,
            default: None,
        }
    }

    pub(crate) fn constant(name: &'static str, default: ScalarValue, doc: &'static str) -> Arg {
        Arg {
            name,
            ty: default.data_type(),
            doc,
            default: Some(default),
        }
    }
}

/// What a function is and how to call it, for its `documentation()`.
pub(crate) struct Doc {
    pub(crate) description: &'static str,
    /// A query over the sample dataset; docs/functions.md shows its output.
    pub(crate) example: &'static str,
}

fn documentation(name: &str, args: &[Arg], doc: &Doc) -> Documentation {
    let mut syntax = String::new();
    let mut optional = 0;
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            syntax.push_str(if a.default.is_some() { " [, " } else { ", " });
        } else if a.default.is_some() {
            syntax.push('[');
        }
        if a.default.is_some() {
            optional += 1;
        }
        syntax.push_str(a.name);
    }
    let syntax = format!("{name}({syntax}{})", "]".repeat(optional));
    let mut b = Documentation::builder(SECTION, doc.description, syntax)
        .with_sql_example(format!("```sql\n{}\n```", doc.example));
    for a in args {
        let text = match &a.default {
            Some(d) if d.is_null() => format!("{} Constant; default none.", a.doc),
            Some(d) => format!("{} Constant; default {d}.", a.doc),
            None => a.doc.to_owned(),
        };
        b = b.with_argument(a.name, text);
    }
    b.build()
}

/// Checks the argument count and names the types each argument is cast to.
fn coerce(name: &str, args: &[Arg], given: &[DataType]) -> Result<Vec<DataType>> {
    let required = args.iter().filter(|a| a.default.is_none()).count();
    if given.len() < required || given.len() > args.len() {
        let names: Vec<&str> = args.iter().map(|a| a.name).collect();
        let count = if required == args.len() {
            required.to_string()
        } else {
            format!("{required} to {}", args.len())
        };
        return Err(DataFusionError::Plan(format!(
            "{name} takes {count} arguments ({}); got {}",
            names.join(", "),
            given.len()
        )));
    }
    Ok(args[..given.len()].iter().map(|a| a.ty.clone()).collect())
}

/// Debug, equality and hashing by name: the engine tells functions apart by their names.
macro_rules! by_name {
    ($t:ident) => {
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($t))
                    .field("name", &self.name)
                    .finish()
            }
        }

        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.name == other.name
            }
        }

        impl Eq for $t {}

        impl std::hash::Hash for $t {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.name.hash(state);
            }
        }
    };
}

/// An aggregate that computes from all its rows at once.
pub(crate) struct Aggregate {
    name: &'static str,
    args: Vec<Arg>,
    output: DataType,
    compute: Compute,
    doc: Documentation,
    signature: Signature,
}

/// Computes an aggregate's value from its columns (each whole) and its constants.
pub(crate) type Compute = fn(&[ArrayRef], &[ScalarValue]) -> Result<ScalarValue>;

impl Aggregate {
    pub(crate) fn udaf(
        name: &'static str,
        args: Vec<Arg>,
        output: DataType,
        doc: &Doc,
        compute: Compute,
    ) -> AggregateUDF {
        let doc = documentation(name, &args, doc);
        AggregateUDF::new_from_impl(Aggregate {
            name,
            args,
            output,
            compute,
            doc,
            signature: Signature::user_defined(Volatility::Immutable),
        })
    }

    fn columns(&self) -> usize {
        self.args.iter().filter(|a| a.default.is_none()).count()
    }
}

by_name!(Aggregate);

/// The value of a constant argument, evaluated once.
fn constant(name: &str, arg: &Arg, expr: &Arc<dyn PhysicalExpr>) -> Result<ScalarValue> {
    let batch = RecordBatch::new_empty(Arc::new(Schema::empty()));
    match expr.evaluate(&batch) {
        Ok(ColumnarValue::Scalar(s)) => Ok(s),
        _ => Err(DataFusionError::Plan(format!(
            "the {} argument of {name} is a constant, not a column",
            arg.name
        ))),
    }
}

impl AggregateUDFImpl for Aggregate {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce(self.name, &self.args, arg_types)
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.output.clone())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(self.args[..self.columns()]
            .iter()
            .map(|a| {
                Arc::new(Field::new_list(
                    format_state_name(args.name, a.name),
                    Field::new_list_field(a.ty.clone(), true),
                    true,
                ))
            })
            .collect())
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let columns = self.columns();
        let mut constants = Vec::new();
        for (i, arg) in self.args.iter().enumerate().skip(columns) {
            constants.push(match acc_args.exprs.get(i) {
                Some(expr) => constant(self.name, arg, expr)?,
                None => arg.default.clone().unwrap_or(ScalarValue::Null),
            });
        }
        Ok(Box::new(Rows {
            types: self.args[..columns].iter().map(|a| a.ty.clone()).collect(),
            parts: vec![Vec::new(); columns],
            constants,
            compute: self.compute,
        }))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&self.doc)
    }
}

/// The rows an [`Aggregate`] has seen, column by column, in the pieces they came in.
#[derive(Debug)]
struct Rows {
    types: Vec<DataType>,
    parts: Vec<Vec<ArrayRef>>,
    constants: Vec<ScalarValue>,
    compute: Compute,
}

impl Rows {
    fn whole(&self) -> Result<Vec<ArrayRef>> {
        self.parts
            .iter()
            .zip(&self.types)
            .map(|(parts, ty)| {
                if parts.is_empty() {
                    return Ok(arrow::array::new_empty_array(ty));
                }
                let refs: Vec<&dyn Array> = parts.iter().map(|a| a.as_ref()).collect();
                Ok(arrow::compute::concat(&refs)?)
            })
            .collect()
    }
}

impl Accumulator for Rows {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        for (part, v) in self.parts.iter_mut().zip(values) {
            part.push(v.clone());
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        for (part, state) in self.parts.iter_mut().zip(states) {
            let lists: &ListArray = state.as_list();
            for i in 0..lists.len() {
                if lists.is_valid(i) {
                    part.push(lists.value(i));
                }
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let whole = self.whole()?;
        self.parts = whole.iter().map(|a| vec![a.clone()]).collect();
        Ok(whole
            .into_iter()
            .map(|a| SingleRowListArrayBuilder::new(a).build_list_scalar())
            .collect())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let whole = self.whole()?;
        (self.compute)(&whole, &self.constants)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self
                .parts
                .iter()
                .flatten()
                .map(|a| a.get_array_memory_size())
                .sum::<usize>()
    }
}

/// A row-wise function of numbers: null when any argument is null.
pub(crate) struct Scalar {
    name: &'static str,
    args: Vec<Arg>,
    compute: fn(&[f64]) -> Result<Option<f64>>,
    doc: Documentation,
    signature: Signature,
}

impl Scalar {
    /// Every argument is a Float64 (constants too, for their defaults).
    pub(crate) fn udf(
        name: &'static str,
        args: Vec<Arg>,
        doc: &Doc,
        compute: fn(&[f64]) -> Result<Option<f64>>,
    ) -> ScalarUDF {
        let doc = documentation(name, &args, doc);
        ScalarUDF::new_from_impl(Scalar {
            name,
            args,
            compute,
            doc,
            signature: Signature::user_defined(Volatility::Immutable),
        })
    }
}

by_name!(Scalar);

impl ScalarUDFImpl for Scalar {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce(self.name, &self.args, arg_types)
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let given = args.args.len();
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let columns: Vec<&Float64Array> = arrays
            .iter()
            .map(|a| a.as_primitive::<Float64Type>())
            .collect();
        let defaults: Vec<f64> = self.args[given..]
            .iter()
            .map(|a| match &a.default {
                Some(ScalarValue::Float64(Some(v))) => *v,
                _ => f64::NAN,
            })
            .collect();
        let mut row = vec![0.0; self.args.len()];
        let mut out = Vec::with_capacity(args.number_rows);
        for i in 0..args.number_rows {
            if columns.iter().any(|c| c.is_null(i)) {
                out.push(None);
                continue;
            }
            for (k, c) in columns.iter().enumerate() {
                row[k] = c.value(i);
            }
            row[given..].copy_from_slice(&defaults);
            out.push((self.compute)(&row)?);
        }
        let array: ArrayRef = Arc::new(Float64Array::from(out));
        Ok(
            if args
                .args
                .iter()
                .all(|a| matches!(a, ColumnarValue::Scalar(_)))
            {
                ColumnarValue::Scalar(ScalarValue::try_from_array(&array, 0)?)
            } else {
                ColumnarValue::Array(array)
            },
        )
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&self.doc)
    }
}

/// A struct type of the given fields, all nullable.
pub(crate) fn fields(names: &[(&str, DataType)]) -> Fields {
    names
        .iter()
        .map(|(n, t)| Field::new(*n, t.clone(), true))
        .collect()
}

/// One struct value of the given fields, from one-row arrays.
pub(crate) fn one_struct(fields: &Fields, values: Vec<ArrayRef>) -> Result<ScalarValue> {
    Ok(ScalarValue::Struct(Arc::new(StructArray::try_new(
        fields.clone(),
        values,
        None,
    )?)))
}

/// A list of structs as one value.
pub(crate) fn list_of(structs: StructArray) -> ScalarValue {
    SingleRowListArrayBuilder::new(Arc::new(structs)).build_list_scalar()
}

/// The type [`list_of`] gives.
pub(crate) fn list_type(fields: &Fields) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(
        DataType::Struct(fields.clone()),
        true,
    )))
}

/// A stats error as the engine reports it.
pub(crate) fn failed(name: &str, e: taskq_stats::StatsError) -> DataFusionError {
    DataFusionError::Execution(format!("{name}: {e}"))
}

/// A constant argument as a number, an integer or text; `None` when null.
pub(crate) fn number(v: &ScalarValue) -> Option<f64> {
    match v {
        ScalarValue::Float64(x) => *x,
        ScalarValue::Int64(x) => x.map(|i| i as f64),
        _ => None,
    }
}

pub(crate) fn integer(v: &ScalarValue) -> Option<i64> {
    match v {
        ScalarValue::Int64(x) => *x,
        ScalarValue::Float64(x) => x.map(|f| f as i64),
        _ => None,
    }
}

pub(crate) fn text(v: &ScalarValue) -> Option<&str> {
    match v {
        ScalarValue::Utf8(x) => x.as_deref(),
        _ => None,
    }
}
