"""The evaluation functions against the Python a team would write instead, side by side.

usage: python3 benches/analytics.py TASKQ DATASET [--runs N]

1. Leaderboard: Bradley-Terry with 1,000 bootstrap rounds that redraw whole judgements, over the
   selected-model comparisons of DATASET.
   - taskq: `taskq query leaderboard --param rounds=1000` as a whole process, from the base
     tables (the comparisons view is built inside the timing).
   - Python: the reference method (FastChat's loss, scipy L-BFGS-B on weighted unique rows, numpy
     resampling of judgements, type-7 percentiles) as a whole process (interpreter start and
     imports included), from the comparisons already exported to Parquet by taskq (the export
     is not timed).
2. Agreement: Krippendorff's alpha (ordinal) per message-level key.
   - taskq: the same in SQL, `krippendorff_alpha(..., 'ordinal', 0)` grouped by key.
   - Python: `krippendorff.alpha` per key on the reliability matrix, from message_scores
     exported to Parquet.

Both sides' answers are compared (ratings within 0.05 Elo, bounds within 10% of the interval's
width, alpha within 1e-9), and the medians of N runs printed with their ratio.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PY_LEADERBOARD = r'''
import sys, json
import numpy as np, pyarrow.parquet as pq
from scipy import optimize, special
t = pq.read_table(sys.argv[1]).to_pydict()
models = sorted(set(t["model_a"]) | set(t["model_b"]))
ix = {m: i for i, m in enumerate(models)}
a = np.array([ix[m] for m in t["model_a"]]); b = np.array([ix[m] for m in t["model_b"]])
y = np.array(t["outcome"], dtype=float)
units, unit_of = np.unique(np.array(t["comparison_unit"]), return_inverse=True)
# Unique (a, b, outcome) rows, weighted, as FastChat's preprocess_for_bt does.
key = (a * len(models) + b) * 3 + np.round(y * 2).astype(int)
uniq, row_of = np.unique(key, return_inverse=True)
ua, ub, uy = uniq // 3 // len(models), uniq // 3 % len(models), (uniq % 3) / 2.0
LN10 = np.log(10.0)
def fit(w, x0):
    def loss(r):
        z = LN10 * (r[ua] - r[ub]); p = special.expit(z)
        ll = w * (uy * np.log(np.clip(p, 1e-300, 1)) + (1 - uy) * np.log(np.clip(1 - p, 1e-300, 1)))
        g = LN10 * (uy - p) * w
        grad = np.zeros(len(models)); np.add.at(grad, ua, -g); np.add.at(grad, ub, g)
        return -ll.sum(), grad
    r = optimize.minimize(loss, x0, jac=True, method="L-BFGS-B", options={"maxiter": 1000, "gtol": 1e-10, "ftol": 1e-15}).x
    return 400 * (r - r.mean()) + 1000
full = np.bincount(row_of, minlength=len(uniq)).astype(float)
point = fit(full, np.zeros(len(models)))
rng = np.random.default_rng(0)
rounds = []
for _ in range(1000):
    drawn = np.bincount(rng.integers(0, len(units), len(units)), minlength=len(units))
    w = np.bincount(row_of, weights=drawn[unit_of], minlength=len(uniq))
    rounds.append(fit(w, (point - 1000) / 400))
lo, hi = np.quantile(np.array(rounds), [0.025, 0.975], axis=0)
print(json.dumps({m: [point[i], lo[i], hi[i]] for i, m in enumerate(models)}))
'''

PY_AGREEMENT = r'''
import sys, json
import numpy as np, pyarrow.parquet as pq, krippendorff
t = pq.read_table(sys.argv[1]).to_pydict()
out = {}
for key in sorted(set(t["key"])):
    rows = [i for i, k in enumerate(t["key"]) if k == key]
    units = sorted({t["u"][i] for i in rows}); raters = sorted({t["c"][i] for i in rows})
    ui = {u: j for j, u in enumerate(units)}; ri = {r: j for j, r in enumerate(raters)}
    data = np.full((len(raters), len(units)), np.nan)
    for i in rows:
        data[ri[t["c"][i]], ui[t["u"][i]]] = t["v"][i]
    try:
        out[key] = krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal")
    except ValueError:
        out[key] = None
print(json.dumps(out))
'''


def timed(cmd):
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"{cmd[:3]} failed: {p.stderr}")
    return elapsed, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("taskq")
    ap.add_argument("dataset")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tq = [args.taskq]
    ds = ["--dataset", args.dataset]
    with tempfile.TemporaryDirectory() as tmp:
        comps = os.path.join(tmp, "comparisons.parquet")
        scores = os.path.join(tmp, "scores.parquet")
        subprocess.run(tq + ["sql", "SELECT comparison_unit, model_a, model_b, outcome FROM comparisons "
                             "WHERE source = 'selected_model_id' AND NOT same_model", "--output", comps] + ds, check=True)
        subprocess.run(tq + ["sql", "SELECT key, concat(prompt_hash, '/', source_id) AS u, contributor_id AS c, "
                             "value_num AS v FROM message_scores WHERE scope = 'message' AND contributor_id IS NOT NULL",
                             "--output", scores] + ds, check=True)
        py_lb = os.path.join(tmp, "lb.py")
        py_ag = os.path.join(tmp, "ag.py")
        open(py_lb, "w").write(PY_LEADERBOARD)
        open(py_ag, "w").write(PY_AGREEMENT)
        n = json.loads(subprocess.run(tq + ["sql", "SELECT count(*) AS n, count(DISTINCT comparison_unit) AS u "
                                            "FROM comparisons WHERE source = 'selected_model_id'", "--format", "json"] + ds,
                                      capture_output=True, text=True, check=True).stdout)[0]
        print(f"Comparisons: {n['n']} from {n['u']} judgements")
        print()
        print("| job | taskq s | Python s | taskq speed-up | answers |")
        print("| --- | ---: | ---: | ---: | --- |")
        jobs = [
            ("leaderboard, 1,000 bootstrap rounds",
             tq + ["query", "leaderboard", "--param", "rounds=1000", "--format", "json"] + ds,
             [sys.executable, py_lb, comps], check_leaderboard),
            ("Krippendorff's alpha (ordinal) per key",
             tq + ["sql", "SELECT key, a.alpha AS alpha FROM (SELECT key, krippendorff_alpha(concat(prompt_hash, '/', "
                   "source_id), contributor_id, value, 'ordinal', 0) AS a FROM message_scores WHERE scope = 'message' "
                   "AND contributor_id IS NOT NULL GROUP BY key)", "--format", "json"] + ds,
             [sys.executable, py_ag, scores], check_agreement),
        ]
        for name, ours, theirs, check in jobs:
            tt, pt = [], []
            for _ in range(args.runs):
                t, tout = timed(ours)
                p, pout = timed(theirs)
                tt.append(t)
                pt.append(p)
            verdict = check(json.loads(tout), json.loads(pout))
            tm, pm = statistics.median(tt), statistics.median(pt)
            print(f"| {name} | {tm:.2f} | {pm:.2f} | {pm / tm:.1f}x | {verdict} |")


def check_leaderboard(ours, theirs):
    worst = []
    for r in ours:
        rating, lo, hi = theirs[r["model"]]
        width = hi - lo
        if r["rating"] is None or abs(r["rating"] - rating) > 0.05 + 0.05:  # printed to 0.1
            return f"rating of {r['model']} differs: {r['rating']} vs {rating:.2f}"
        for got, want in [(r["lower"], lo), (r["upper"], hi)]:
            if got is None or abs(got - want) > 0.1 * width:
                return f"bound of {r['model']} differs: {got} vs {want:.1f}"
            worst.append(abs(got - want) / width)
    return f"same (bounds within {100 * max(worst):.1f}% of the width)"


def check_agreement(ours, theirs):
    for r in ours:
        want = theirs[r["key"]]
        if (r["alpha"] is None) != (want is None) or (want is not None and abs(r["alpha"] - want) > 1e-9):
            return f"alpha of {r['key']} differs: {r['alpha']} vs {want}"
    return "same"


if __name__ == "__main__":
    main()
