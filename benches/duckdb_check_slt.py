"""Cross-checks .slt answers with DuckDB: runs every query of the given .slt files on DuckDB's own
flattening of an input (benches/duckdb_flatten.py) and says, per query, whether DuckDB's rows are
the file's. Numbers are compared rounded to 4 decimals; a query DuckDB cannot run (a taskq-only
table such as annotation_values) is reported, not failed. A `named NAME k=v ...` record runs
queries/NAME.sql with its parameters bound as DuckDB's `$name` parameters: the header's
defaults, then the record's values. Exits 1 if any answer differs.

usage: python3 benches/duckdb_check_slt.py INPUT.jsonl FILE.slt...
"""

import datetime
import os
import subprocess
import sys
import tempfile

import duckdb

TABLES = ["tasks", "threads", "turns", "messages", "annotations"]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cell(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return str(v).lower()
    s = str(v).replace("\n", "\\n")
    return "(empty)" if s == "" else s


def normalized(line):
    """A row as written in .slt, with every number-like token rounded."""
    out = []
    for token in line.split(" "):
        try:
            out.append(repr(round(float(token), 4)))
        except ValueError:
            out.append(token)
    return out


def queries(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].startswith("query "):
            i += 1
            continue
        words = lines[i].split()
        start, rowsort = i + 1, "rowsort" in words
        i += 1
        sql = []
        while lines[i] != "----":
            sql.append(lines[i])
            i += 1
        params = {}
        if "named" in words:
            # `named NAME k=v ...`: the file of queries/ and its parameters.
            at = words.index("named")
            text = open(os.path.join(REPO, "queries", words[at + 1] + ".sql"), encoding="utf-8").read()
            sql = [text]
            params = named_params(text, dict(w.split("=", 1) for w in words[at + 2:]))
        i += 1
        expected = []
        while i < len(lines) and lines[i].strip():
            expected.append(lines[i])
            i += 1
        yield start, "\n".join(sql), params, rowsort, expected


def named_params(text, given):
    """The `-- param: NAME TYPE = DEFAULT: meaning` lines of a query's header, with `given`
    values in place of defaults, as Python values of their types."""
    out = {}
    for line in text.split("\n"):
        if not line.startswith("-- param:"):
            continue
        decl = line[len("-- param:"):].split(": ", 1)[0]
        head, default = decl.split("=", 1)
        name, kind = head.split()
        value = given.get(name, default.strip())
        if value.startswith("'") and value.endswith("'"):
            value = value[1:-1]
        out[name] = {
            "text": str,
            "int": int,
            "float": float,
            "date": lambda v: datetime.datetime.strptime(v, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc),
        }[kind](value)
    return out


def main():
    source, files = sys.argv[1], sys.argv[2:]
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, os.path.join(here, "duckdb_flatten.py"), source, out], check=True)
        db = duckdb.connect()
        db.execute("SET TimeZone = 'UTC'")
        for t in TABLES:
            db.execute(f"CREATE VIEW {t} AS SELECT * FROM '{out}/{t}.parquet'")
        differ = 0
        for path in files:
            for line, sql, params, rowsort, expected in queries(path):
                try:
                    rows = db.execute(sql, params or None).fetchall()
                except duckdb.Error as e:
                    print(f"{path}:{line}: not run on DuckDB: {str(e).splitlines()[0]}")
                    continue
                got = [normalized(" ".join(cell(v) for v in r)) for r in rows]
                want = [normalized(e) for e in expected]
                if rowsort:
                    got.sort()
                    want.sort()
                same = got == want
                differ += not same
                print(f"{path}:{line}: {'same' if same else 'DIFFERENT'} ({len(got)} rows)")
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
