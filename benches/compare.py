"""End-to-end benchmark: taskq side by side with DuckDB, on the same generated corpora.

For each `taskq gen` shape and corpus size: generate it (unless it is there) and read it once,
untimed; flatten it with taskq (`taskq ingest` into an empty dataset, then again into the
populated one: every task replaced) and with DuckDB (benches/duckdb_flatten.py), alternately;
then run each headline query of queries/ with `taskq sql --file` and with the `duckdb` command
line over DuckDB's own Parquet, alternately, each as a whole process (start to last row).
Answers must match, or the run fails. Prints wall time, MB/s, peak RSS and ratios as Markdown.

usage: python3 benches/compare.py [--sizes 0.25,1,4] [--shapes mixed,scores] [--runs 3]
       [--query-runs 5] [--work DIR]
Run it through benches/compare.sh, which builds taskq and installs DuckDB first.
"""

import argparse
import csv
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TASKQ = os.path.join(REPO, "target", "release", "taskq")
CORE = ["tasks", "threads", "turns", "messages", "annotations"]


def timed(cmd, **kw):
    """Runs cmd under /usr/bin/time; returns (wall seconds, peak RSS MB, stdout).

    The wall time is taken around the process with a fine clock (`time` gives hundredths of a
    second, too coarse for queries near 0.1 s); it includes starting /usr/bin/time, about a
    millisecond, on both sides alike. Output is decoded after the clock stops.
    """
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, capture_output=True, **kw)
    secs = time.perf_counter() - start
    out, err = p.stdout.decode(), p.stderr.decode()
    if p.returncode not in (0, 2):
        sys.exit(f"failed: {' '.join(cmd)}\n{out}\n{err}")
    kb = err.strip().splitlines()[-1]
    return secs, int(kb) / 1024, out


def read_through(path):
    """Reads a file once, untimed, so that the tool timed first on it does not pay alone for
    bringing it into memory: on the benchmark's virtual machine, the first read of a corpus
    written in an earlier session cost some 3 s of system time per GB, the next 0.1 s."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def normalise(text):
    rows = []
    for row in csv.reader(io.StringIO(text)):
        cells = []
        for c in row:
            try:
                cells.append(f"{float(c):.4f}")
                continue
            except ValueError:
                pass
            if c[:1] in "[{":
                # JSON text: DuckDB prints some doubles with more digits than the shortest form.
                try:
                    c = json.dumps(json.loads(c), separators=(",", ":"), ensure_ascii=False)
                except ValueError:
                    pass
            cells.append(c)
        rows.append(tuple(cells))
    return rows[0], sorted(rows[1:])


def duckdb_sql(parquet_dir, sql):
    views = "".join(
        f"CREATE VIEW {t} AS FROM read_parquet('{parquet_dir}/{t}.parquet');" for t in CORE
    )
    return ["duckdb", "-csv", "-nullvalue", "", "-c", f"SET TimeZone = 'UTC';{views}{sql}"]


# The headline queries: plain SQL both tools run. The other named queries use taskq's views
# and functions (benches/analytics.py compares those with Python).
HEADLINE = [
    "completed_per_day",
    "label_distribution",
    "labels_by_project_batch_model",
    "mean_score_by_key_model",
    "win_rate_by_model",
]


def tasks_per_gb(shape):
    """How many tasks of `shape` make a GB, from a sample of 2,000 (7.7 KB a task for mixed)."""
    out = subprocess.run([TASKQ, "gen", "--tasks", "2000", "--seed", "42", "--shape", shape],
                         check=True, capture_output=True).stdout
    return int(2000 * 1e9 / len(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="0.25,1,4")
    ap.add_argument("--runs", type=int, default=1, help="ingest runs per tool and size")
    ap.add_argument("--query-runs", type=int, default=5)
    ap.add_argument("--query-size", type=float, default=1.0, help="corpus (GB) the queries run on")
    ap.add_argument("--shapes", default="mixed,scores", help="taskq gen shapes, each a corpus")
    ap.add_argument("--work", default="/tmp/taskq-bench")
    args = ap.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    shapes = args.shapes.split(",")
    os.makedirs(args.work, exist_ok=True)

    version = subprocess.run([TASKQ, "--version"], capture_output=True, text=True).stdout.strip()
    duck = subprocess.run(["duckdb", "--version"], capture_output=True, text=True).stdout.strip()
    pyduck = subprocess.run([sys.executable, "-c", "import duckdb; print(duckdb.__version__)"],
                            capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
    print(f"machine: {os.cpu_count()} cores ({cpu}), {int(mem) // 1024 // 1024} GiB, {platform.platform()}")
    print(f"versions: {version}; duckdb CLI {duck}; duckdb Python {pyduck}")
    for shape in shapes:
        compare_shape(args, shape, sizes)


def compare_shape(args, shape, sizes):
    """The ingest and query tables of one shape's corpora."""
    per_gb = tasks_per_gb(shape)
    datasets = {}
    print()
    print(f"## Ingest, shape {shape} (flatten into tables, committed)")
    print()
    print("| input | tool | wall s | MB/s | peak RSS MB | taskq speed-up | taskq memory |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for gb in sizes:
        n = int(per_gb * gb)
        src = os.path.join(args.work, f"corpus-{shape}-{n}.jsonl")
        if not os.path.exists(src):
            subprocess.run([TASKQ, "gen", "--tasks", str(n), "--seed", "42", "--shape", shape,
                            "--out", src], check=True)
        read_through(src)
        mb = os.path.getsize(src) / 1e6
        ds = os.path.join(args.work, f"taskq-{shape}-{n}")
        dd = os.path.join(args.work, f"duckdb-{shape}-{n}")
        tq, dk, up = [], [], []
        for _ in range(args.runs):
            shutil.rmtree(ds, ignore_errors=True)
            shutil.rmtree(dd, ignore_errors=True)
            tq.append(timed([TASKQ, "ingest", src, "--dataset", ds]))
            dk.append(timed([sys.executable, os.path.join(REPO, "benches", "duckdb_flatten.py"), src, dd]))
            up.append(timed([TASKQ, "ingest", src, "--dataset", ds]))
        best = lambda rs: min(rs, key=lambda r: r[0])
        (ts, tm, _), (ds_, dm, _), (us, um, _) = best(tq), best(dk), best(up)
        label = f"{mb / 1000:.2f} GB ({n} tasks)"
        print(f"| {label} | taskq ingest | {ts:.2f} | {mb / ts:.0f} | {tm:.0f} | {ds_ / ts:.2f}x | {tm / dm:.2f}x |")
        print(f"| {label} | taskq ingest again (upsert) | {us:.2f} | {mb / us:.0f} | {um:.0f} | | |")
        print(f"| {label} | DuckDB read_json + UNNEST + COPY | {ds_:.2f} | {mb / ds_:.0f} | {dm:.0f} | | |")
        datasets[gb] = (ds, dd, n)

    gb = args.query_size if args.query_size in datasets else sizes[0]
    ds, dd, n = datasets[gb]
    print()
    print(f"## Queries, shape {shape} (whole process, start to last row; corpus of {n} tasks; median of {args.query_runs})")
    print()
    print("| query | rows | taskq s | DuckDB s | taskq speed-up | answers |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    qdir = os.path.join(REPO, "queries")
    for q in [f"{name}.sql" for name in HEADLINE]:
        sql = open(os.path.join(qdir, q)).read()
        tq_cmd = [TASKQ, "sql", "--file", os.path.join(qdir, q), "--format", "csv", "--dataset", ds]
        dk_cmd = duckdb_sql(dd, sql)
        tt, dt = [], []
        for _ in range(args.query_runs):
            t, _, tout = timed(tq_cmd)
            d, _, dout = timed(dk_cmd)
            tt.append(t)
            dt.append(d)
        (th, trows), (dh, drows) = normalise(tout), normalise(dout)
        same = trows == drows and len(th) == len(dh)
        if not same:
            missing = [r for r in drows if r not in set(trows)][:3]
            extra = [r for r in trows if r not in set(drows)][:3]
            sys.exit(f"{q}: answers differ ({len(trows)} vs {len(drows)} rows); only DuckDB: {missing}; only taskq: {extra}")
        tm, dm = statistics.median(tt), statistics.median(dt)
        print(f"| {q} | {len(trows)} | {tm:.3f} | {dm:.3f} | {dm / tm:.2f}x | identical |")
    t, _, _ = timed([TASKQ, "sql", "SELECT 1", "--dataset", ds])
    print()
    print(f"`taskq sql \"SELECT 1\"` on that dataset: {t:.3f} s")


if __name__ == "__main__":
    main()
