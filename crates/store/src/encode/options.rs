//! How a table's Parquet files are laid out: sizes of files, row groups and pages, codec.

use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use taskq_core::{ColType, Table};

/// How a run encodes its files. The defaults trade an ingest's peak memory against how fast
/// the headline queries scan; docs/performance.md ("Encoding settings") has the measurements.
#[derive(Debug, Clone)]
pub struct EncodeOptions {
    /// A data file is closed and a new one started past this many bytes.
    pub target_file_size: u64,
    /// Rows per Parquet row group, at most, of every table but `annotations` and `messages`
    /// (the next two). Every table keeps one row group open while it fills, so this bounds what
    /// a run holds.
    pub row_group_rows: usize,
    /// Rows per row group, at most, of a table with a cluster column (`annotations`). Nearly
    /// every query scans that table, and a scan pays per row group; but its rows are held
    /// back and ordered a row group at a time (see `Column::cluster`), so this also bounds what
    /// that holds.
    pub clustered_row_group_rows: usize,
    /// Rows per row group, at most, of `messages`: after annotations the table with the most
    /// rows, which model-by-model questions join to them.
    pub message_row_group_rows: usize,
    /// Bytes per Parquet row group, at most: bounds what each open file buffers.
    pub row_group_bytes: usize,
    /// zstd level of the Parquet pages.
    pub zstd_level: i32,
    /// Rows per page, at most, in a table whose row groups are ordered by a cluster column: a
    /// value's rows then fill pages of their own.
    pub clustered_page_rows: usize,
    /// Bytes per page, at most, of the plain text columns of such a table. Pages do not end
    /// where a cluster value does, so a page that holds a value's first or last rows holds its
    /// neighbour's too; small pages keep that share small when the neighbour's texts are long.
    pub clustered_text_page_bytes: usize,
    /// Threads that order and encode the columns of one such row group side by side.
    pub clustered_threads: usize,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            target_file_size: 32 << 20,
            row_group_rows: 16 * 1024,
            clustered_row_group_rows: 64 * 1024,
            message_row_group_rows: 128 * 1024,
            row_group_bytes: 32 << 20,
            // The lowest level Parquet accepts: zstd is the largest cost of encoding.
            zstd_level: 1,
            clustered_page_rows: 4096,
            clustered_text_page_bytes: 64 << 10,
            clustered_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

impl EncodeOptions {
    /// Rows per row group of table `t`, at most.
    pub fn row_group_rows_of(&self, t: Table) -> usize {
        match t {
            _ if t.cluster_column().is_some() => self.clustered_row_group_rows,
            Table::Messages => self.message_row_group_rows,
            _ => self.row_group_rows,
        }
    }

    /// How table `t`'s files are encoded: zstd pages, row groups bounded in rows and bytes, a
    /// dictionary for the columns declared `dictionary` only, no statistics for those declared
    /// `nostats`, and small pages (in rows, and in bytes for plain text) in a table whose row
    /// groups are ordered by a cluster column.
    pub fn writer_properties(&self, t: Table) -> WriterProperties {
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(self.zstd_level).unwrap_or_default(),
            ))
            .set_max_row_group_row_count(Some(self.row_group_rows_of(t)))
            .set_max_row_group_bytes(Some(self.row_group_bytes))
            .set_created_by(format!("taskq {}", env!("CARGO_PKG_VERSION")))
            .set_dictionary_enabled(false);
        for c in t.columns().iter().filter(|c| c.dictionary) {
            props = props.set_column_dictionary_enabled(ColumnPath::from(c.name()), true);
        }
        for c in t.columns().iter().filter(|c| !c.statistics) {
            props = props
                .set_column_statistics_enabled(ColumnPath::from(c.name()), EnabledStatistics::None);
        }
        if t.cluster_column().is_some() {
            props = props.set_data_page_row_count_limit(self.clustered_page_rows);
            for c in t
                .columns()
                .iter()
                .filter(|c| c.ty == ColType::Utf8 && !c.dictionary)
            {
                props = props.set_column_data_page_size_limit(
                    ColumnPath::from(c.name()),
                    self.clustered_text_page_bytes,
                );
            }
        }
        props.build()
    }
}
