"""Reads a taskq dataset the way other tools would, and checks they see what taskq reports.

Usage: check_interop.py DATASET EXPECTED.json, where EXPECTED.json holds taskq's own answers:
{"counts": {table: rows}, "labels": [{"key", "value", "n"}]}.

- Python `deltalake` reads each table through its Delta log (so files an upsert removed are not read);
- pyarrow and DuckDB read exactly the Parquet files that the log lists;
- all three must find taskq's row counts, and DuckDB taskq's label distribution.
"""
import json
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from deltalake import DeltaTable


def main() -> None:
    root, expected_path = Path(sys.argv[1]), Path(sys.argv[2])
    expected = json.loads(expected_path.read_text())
    failures = []
    for table, want in expected["counts"].items():
        dt = DeltaTable(str(root / table))
        files = dt.file_uris()
        via_delta = dt.to_pyarrow_table().num_rows
        via_pyarrow = sum(pq.read_table(f).num_rows for f in files)
        via_duckdb = duckdb.sql(f"SELECT count(*) FROM read_parquet({files!r})").fetchall()[0][0] if files else 0
        all_files = sum(1 for _ in (root / table).glob("*.parquet"))
        print(f"{table}: taskq {want}, deltalake {via_delta}, pyarrow {via_pyarrow}, duckdb {via_duckdb} ({len(files)} live of {all_files} files)")
        if not (want == via_delta == via_pyarrow == via_duckdb):
            failures.append(table)

    ann = DeltaTable(str(root / "annotations")).file_uris()
    rows = duckdb.sql(f"SELECT key, value, count(*) FROM read_parquet({ann!r}) GROUP BY 1, 2").fetchall()
    got = Counter({(k, v): n for k, v, n in rows})
    want = Counter({(r["key"], r["value"]): r["n"] for r in expected["labels"]})
    if got != want:
        failures.append(f"labels differ: {sorted((got - want).items())[:5]} / {sorted((want - got).items())[:5]}")

    # Parquet written by taskq: zstd pages and the declared (non-dictionary) string type.
    meta = pq.ParquetFile(ann[0]).metadata
    codecs = {meta.row_group(0).column(i).compression for i in range(meta.num_columns)}
    if codecs != {"ZSTD"}:
        failures.append(f"annotations codecs {codecs}")

    if failures:
        print("FAILED:", failures)
        sys.exit(1)
    print("interop ok")


if __name__ == "__main__":
    main()
