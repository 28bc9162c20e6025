//! `text_hash`: a short stable name for a text, to group or join on long texts such as prompts.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, StringArray};
use arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::scalar::ScalarValue;

use super::define::SECTION;

/// 64-bit FNV-1a: the same digits for the same text on every platform and release.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct TextHash {
    signature: Signature,
    doc: Documentation,
}

pub(crate) fn text_hash() -> ScalarUDF {
    ScalarUDF::new_from_impl(TextHash {
        signature: Signature::coercible(
            vec![datafusion::logical_expr::Coercion::new_exact(
                datafusion::logical_expr::TypeSignatureClass::Native(
                    datafusion::common::types::logical_string(),
                ),
            )],
            Volatility::Immutable,
        ),
        doc: Documentation::builder(
            SECTION,
            "The 64-bit FNV-1a hash of a text's UTF-8 bytes as 16 hex digits: the same for the \
             same text everywhere, so it names a prompt across tasks and datasets. Null for null.",
            "text_hash(text)",
        )
        .with_argument("text", "The text.")
        .with_sql_example("```sql\nSELECT text_hash('What is 2 + 2?') AS h\n```")
        .build(),
    })
}

impl ScalarUDFImpl for TextHash {
    fn name(&self) -> &str {
        "text_hash"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let text = arrow::compute::cast(&arrays[0], &DataType::Utf8)?;
        let text = text.as_string::<i32>();
        let out: ArrayRef = Arc::new(
            text.iter()
                .map(|t| t.map(|t| format!("{:016x}", fnv1a(t))))
                .collect::<StringArray>(),
        );
        Ok(if scalar {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)
        } else {
            ColumnarValue::Array(out)
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&self.doc)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv1a_matches_the_reference_vectors() {
        // From the FNV reference test suite.
        assert_eq!(super::fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(super::fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(super::fnv1a("foobar"), 0x8594_4171_f739_67e8);
    }
}
