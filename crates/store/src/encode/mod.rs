//! The Parquet encoding engine: how a table's rows become data files and their Delta `add`
//! actions. A run hands each table's batches to a [`TableWriter`] and commits what
//! [`TableWriter::finish`] returns; how the files are laid out is [`EncodeOptions`].
//!
//! Inside: [`file`] writes files straight to disk with Delta statistics, and encodes the
//! columns of a row group side by side; [`cluster`] orders the rows of a table with a cluster
//! column (`annotations`, by key) a row group at a time.

mod cluster;
mod file;
mod options;
mod table;

pub use options::EncodeOptions;
pub(crate) use table::TableWriter;
