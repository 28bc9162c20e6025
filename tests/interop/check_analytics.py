"""Checks taskq's evaluation functions against the Python packages analysts use, on a dataset.

Usage: check_analytics.py TASKQ DATASET

Each check runs a taskq query (TASKQ sql --dataset DATASET --format json), computes the same
thing in Python from rows taskq exports (the comparisons and message_scores views) or from data
the script makes, and compares within the tolerance stated next to it:

- Bradley-Terry point ratings: FastChat's loss minimised by scipy (L-BFGS-B) and choix's
  ilsr_pairwise (ties as one win each way, wins doubled): mean-centred Elo within 0.01.
- Bootstrap intervals: a numpy bootstrap over the same comparison units, 1000 rounds: each bound
  within 10% of the interval's width (the two use different random draws).
- Length-controlled ratings: FastChat's style-control loss with length as its one feature,
  minimised by scipy: ratings within 0.05 Elo, coefficient within 1e-4.
- Krippendorff's alpha (krippendorff 0.9), nominal, ordinal and interval: within 1e-9.
- Fleiss' kappa (statsmodels fleiss_kappa on aggregate_raters): within 1e-9.
- Cohen's kappa (scikit-learn cohen_kappa_score), unweighted, linear, quadratic: within 1e-9.
- Mean t-intervals (scipy.stats.t.interval with sem): within 1e-9.
- Wilson intervals (statsmodels proportion_confint): within 1e-9.
- Chi-square of homogeneity (scipy.stats.chi2_contingency) and PSI (numpy): within 1e-9.
- Every named query of queries/ that uses them (run as `taskq query NAME --param ...`), recomputed
  in Python from taskq's base tables: counts exactly, statistics to their printed rounding.

Prints "analytics ok" and exits 0 when every check passes; else lists the differences, exit 1.
"""
import json
import subprocess
import sys
from collections import defaultdict

import choix
import krippendorff
import numpy as np
from scipy import optimize, special, stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa
from statsmodels.stats.proportion import proportion_confint

LN10 = np.log(10.0)
FAILURES = []


def taskq(sql):
    out = subprocess.run(
        [TASKQ, "sql", "--dataset", DATASET, "--format", "json", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out) if out.strip() else []


def query(name, *params):
    args = [TASKQ, "query", name, "--dataset", DATASET, "--format", "json", "--max-rows", "0"]
    for p in params:
        args += ["--param", p]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out.strip() else []


def same(what, got, want):
    if got != want:
        FAILURES.append(f"{what}: taskq {got}, reference {want}")


def close(what, got, want, tol):
    if got is None or want is None or not np.isfinite(want) or abs(got - want) > tol:
        FAILURES.append(f"{what}: taskq {got}, reference {want} (tolerance {tol})")


def battles(source):
    rows = taskq(
        "SELECT comparison_unit AS u, model_a AS a, model_b AS b, outcome AS y, "
        "text_length_a AS la, text_length_b AS lb FROM comparisons "
        f"WHERE source = '{source}' AND NOT same_model ORDER BY comparison_unit, a, b"
    )
    models = sorted({r["a"] for r in rows} | {r["b"] for r in rows})
    index = {m: i for i, m in enumerate(models)}
    return rows, models, index


def bt_fit(n_models, a, b, y, w):
    """FastChat's compute_bt loss, minimised from zero (no penalty)."""

    def loss(r):
        z = LN10 * (r[a] - r[b])
        p = special.expit(z)
        ll = w * (y * np.log(np.clip(p, 1e-300, 1)) + (1 - y) * np.log(np.clip(1 - p, 1e-300, 1)))
        g = LN10 * (y - p) * w
        grad = np.zeros(n_models)
        np.add.at(grad, a, -g)
        np.add.at(grad, b, g)
        return -ll.sum(), grad

    res = optimize.minimize(loss, np.zeros(n_models), jac=True, method="L-BFGS-B",
                            options={"maxiter": 10000, "gtol": 1e-12, "ftol": 1e-15})
    r = res.x - res.x.mean()
    return 400 * r + 1000


def check_bradley_terry(source):
    rows, models, index = battles(source)
    a = np.array([index[r["a"]] for r in rows])
    b = np.array([index[r["b"]] for r in rows])
    y = np.array([r["y"] for r in rows], dtype=float)
    ours = {
        r["model"]: r
        for r in taskq(
            "SELECT r.model AS model, r.rating AS rating, r.lower AS lower, r.upper AS upper "
            "FROM (SELECT unnest(bradley_terry(comparison_unit, model_a, model_b, outcome, 1000)) AS r "
            f"FROM comparisons WHERE source = '{source}')"
        )
    }
    if any(ours[m]["rating"] is None for m in models):
        FAILURES.append(f"{source}: a model has no rating; the check needs a connected corpus")
        return
    scipy_elo = bt_fit(len(models), a, b, y, np.ones(len(y)))
    # choix: a win as two (winner, loser) tuples, a tie as one each way.
    data = []
    for i, j, o in zip(a, b, y):
        if o == 1:
            data += [(i, j), (i, j)]
        elif o == 0:
            data += [(j, i), (j, i)]
        else:
            data += [(i, j), (j, i)]
    theta = choix.ilsr_pairwise(len(models), data, alpha=0.0, max_iter=10000, tol=1e-12)
    choix_elo = 1000 + 400 * (theta - theta.mean()) / LN10
    for k, m in enumerate(models):
        close(f"{source} BT {m} vs scipy", ours[m]["rating"], scipy_elo[k], 0.01)
        close(f"{source} BT {m} vs choix", ours[m]["rating"], choix_elo[k], 0.01)
    # Bootstrap over units: units drawn with replacement, all their pairs together.
    units = defaultdict(list)
    for k, r in enumerate(rows):
        units[r["u"]].append(k)
    unit_rows = list(units.values())
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(1000):
        w = np.zeros(len(rows))
        for u in rng.integers(0, len(unit_rows), len(unit_rows)):
            w[unit_rows[u]] += 1
        samples.append(bt_fit(len(models), a, b, y, w))
    samples = np.array(samples)
    for k, m in enumerate(models):
        lo, hi = np.quantile(samples[:, k], [0.025, 0.975])
        width = hi - lo
        close(f"{source} BT {m} lower", ours[m]["lower"], lo, 0.1 * width)
        close(f"{source} BT {m} upper", ours[m]["upper"], hi, 0.1 * width)
    return rows, models, index, a, b, y


def check_length_control(rows, models, index, a, b, y):
    la = np.array([r["la"] for r in rows], dtype=float)
    lb = np.array([r["lb"] for r in rows], dtype=float)
    diff = (la - lb) / (la + lb + 1)
    f = (diff - diff.mean()) / diff.std()
    m = len(models)

    def loss(theta):
        r, beta = theta[:m], theta[m]
        z = LN10 * (r[a] - r[b]) + f * beta
        p = special.expit(z)
        ll = y * np.log(p) + (1 - y) * np.log(1 - p)
        g = y - p
        grad = np.zeros(m + 1)
        np.add.at(grad, a, -LN10 * g)
        np.add.at(grad, b, LN10 * g)
        grad[m] = -(g * f).sum()
        return -ll.sum() + 0.25 * (theta ** 2).sum(), grad + 0.5 * theta

    res = optimize.minimize(loss, np.zeros(m + 1), jac=True, method="L-BFGS-B",
                            options={"maxiter": 10000, "gtol": 1e-12, "ftol": 1e-15})
    r = res.x[:m] - res.x[:m].mean()
    want = 400 * r + 1000
    ours = {
        r["model"]: r
        for r in taskq(
            "SELECT r.model AS model, r.rating AS rating, r.length_coefficient AS beta FROM "
            "(SELECT unnest(bradley_terry_length(comparison_unit, model_a, model_b, outcome, "
            "text_length_a, text_length_b, 0)) AS r FROM comparisons "
            "WHERE source = 'selected_model_id' AND NOT same_model)"
        )
    }
    for k, name in enumerate(models):
        close(f"length-controlled {name}", ours[name]["rating"], want[k], 0.05)
    close("length coefficient", next(iter(ours.values()))["beta"], res.x[m], 1e-4)


def check_agreement():
    rows = taskq(
        "SELECT concat(prompt_hash, '/', source_id) AS unit, contributor_id AS rater, value_num AS v "
        "FROM message_scores WHERE key = 'truthfulness' AND contributor_id IS NOT NULL"
    )
    units = sorted({r["unit"] for r in rows})
    raters = sorted({r["rater"] for r in rows})
    ui = {u: i for i, u in enumerate(units)}
    ri = {r: i for i, r in enumerate(raters)}
    data = np.full((len(raters), len(units)), np.nan)
    for r in rows:
        data[ri[r["rater"]], ui[r["unit"]]] = r["v"]
    for level in ["nominal", "ordinal", "interval"]:
        want = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
        got = taskq(
            f"SELECT a.alpha AS alpha FROM (SELECT krippendorff_alpha(concat(prompt_hash, '/', "
            f"source_id), contributor_id, value, '{level}', 0) AS a FROM message_scores "
            "WHERE key = 'truthfulness' AND contributor_id IS NOT NULL)"
        )[0]["alpha"]
        close(f"krippendorff {level}", got, want, 1e-9)
    # Fleiss over the units rated three times (the generated items).
    by_unit = defaultdict(list)
    for r in rows:
        by_unit[r["unit"]].append(r["v"])
    triples = [v for v in by_unit.values() if len(v) == 3]
    table, _ = aggregate_raters(np.array(triples))
    want = fleiss_kappa(table)
    got = taskq(
        "SELECT k.kappa AS kappa FROM (SELECT fleiss_kappa(u, value, 0) AS k FROM "
        "(SELECT concat(prompt_hash, '/', source_id) AS u, value, count(*) OVER "
        "(PARTITION BY prompt_hash, source_id) AS n FROM message_scores "
        "WHERE key = 'truthfulness' AND contributor_id IS NOT NULL) WHERE n = 3)"
    )[0]["kappa"]
    close("fleiss kappa", got, want, 1e-9)


def check_cohen():
    rng = np.random.default_rng(5)
    a = rng.integers(1, 6, 300)
    b = np.clip(a + rng.integers(-1, 2, 300), 1, 5)
    values = ", ".join(f"({x}, {y})" for x, y in zip(a, b))
    for weights in ["none", "linear", "quadratic"]:
        want = cohen_kappa_score(a, b, weights=None if weights == "none" else weights)
        got = taskq(
            f"SELECT cohen_kappa(a, b, '{weights}') AS k FROM (VALUES {values}) AS t(a, b)"
        )[0]["k"]
        close(f"cohen {weights}", got, want, 1e-9)


def check_intervals():
    rows = taskq(
        "SELECT model, value_num AS v FROM message_scores WHERE key = 'truthfulness'"
    )
    by_model = defaultdict(list)
    for r in rows:
        by_model[r["model"]].append(r["v"])
    ours = {
        r["model"]: r
        for r in taskq(
            "SELECT model, m.lower AS lower, m.upper AS upper FROM (SELECT model, "
            "mean_ci(value_num) AS m FROM message_scores WHERE key = 'truthfulness' GROUP BY model)"
        )
    }
    for model, v in by_model.items():
        v = np.array(v)
        lo, hi = stats.t.interval(0.95, df=len(v) - 1, loc=v.mean(), scale=stats.sem(v))
        close(f"mean_ci {model} lower", ours[model]["lower"], lo, 1e-9)
        close(f"mean_ci {model} upper", ours[model]["upper"], hi, 1e-9)
    for k, n in [(0, 10), (3, 10), (8, 10), (10, 10), (57, 211), (1, 1000)]:
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        got = taskq(f"SELECT wilson_lower({k}, {n}) AS lo, wilson_upper({k}, {n}) AS hi")[0]
        close(f"wilson {k}/{n} lower", got["lo"], lo, 1e-9)
        close(f"wilson {k}/{n} upper", got["hi"], hi, 1e-9)


def check_drift():
    rows = taskq(
        "SELECT batch_id AS s, value AS c, count(*) AS n FROM message_scores "
        "WHERE key = 'truthfulness' AND batch_id IN (SELECT batch_id FROM message_scores "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3) GROUP BY 1, 2"
    )
    slices = sorted({r["s"] for r in rows})
    cats = sorted({r["c"] for r in rows})
    table = np.zeros((len(slices), len(cats)))
    for r in rows:
        table[slices.index(r["s"]), cats.index(r["c"])] = r["n"]
    res = stats.chi2_contingency(table)
    batches = ", ".join(f"'{s}'" for s in slices)
    got = taskq(
        "SELECT t.statistic AS x, t.p_value AS p FROM (SELECT chi2_test(batch_id, value) AS t "
        f"FROM message_scores WHERE key = 'truthfulness' AND batch_id IN ({batches}))"
    )[0]
    close("chi2 statistic", got["x"], res.statistic, 1e-9)
    close("chi2 p", got["p"], res.pvalue, 1e-9)
    e = np.maximum(table[0] / table[0].sum(), 1e-4)
    a = np.maximum(table[1] / table[1].sum(), 1e-4)
    want = float(((a - e) * np.log(a / e)).sum())
    got = taskq(
        "SELECT psi(e, a) AS psi FROM (SELECT value, "
        f"count(*) FILTER (WHERE batch_id = '{slices[0]}') AS e, "
        f"count(*) FILTER (WHERE batch_id = '{slices[1]}') AS a "
        "FROM message_scores WHERE key = 'truthfulness' GROUP BY value)"
    )[0]["psi"]
    close("psi", got, want, 1e-9)


def check_named_queries():
    comparisons = taskq(
        "SELECT project_id AS p, model_a AS a, model_b AS b, outcome AS y, same_model AS s, "
        "comparison_unit AS u, text_length_a AS la, text_length_b AS lb "
        "FROM comparisons WHERE source = 'selected_model_id'"
    )
    # win_matrix: decided battles both ways round.
    cells = defaultdict(lambda: [0, 0.0])
    for r in comparisons:
        if r["s"] or r["y"] == 0.5:
            continue
        for m, o, won in [(r["a"], r["b"], r["y"]), (r["b"], r["a"], 1 - r["y"])]:
            cells[(m, o)][0] += 1
            cells[(m, o)][1] += won
    got = {(r["model"], r["opponent"]): (r["battles"], r["wins"], r["win_rate"]) for r in query("win_matrix")}
    want = {k: (n, int(w), round(w / n, 4)) for k, (n, w) in cells.items()}
    same("win_matrix", got, want)
    # leaderboard of the project with the most comparisons, point fit.
    counts = defaultdict(int)
    for r in comparisons:
        counts[r["p"]] += 1
    project = max(counts, key=lambda p: (counts[p], p))
    rows = [r for r in comparisons if r["p"] == project and not r["s"]]
    models = sorted({r["a"] for r in rows} | {r["b"] for r in rows})
    index = {m: i for i, m in enumerate(models)}
    a = np.array([index[r["a"]] for r in rows])
    b = np.array([index[r["b"]] for r in rows])
    y = np.array([r["y"] for r in rows], dtype=float)
    want = bt_fit(len(models), a, b, y, np.ones(len(y)))
    board = {r["model"]: r for r in query("leaderboard", f"project={project}", "rounds=0")}
    for k, m in enumerate(models):
        close(f"leaderboard {project} {m}", board[m]["rating"], round(want[k], 1), 0.051)
    # agreement: Krippendorff ordinal and percent agreement per key.
    scores = taskq(
        "SELECT key, concat(prompt_hash, '/', source_id) AS u, contributor_id AS c, value_num AS v "
        "FROM message_scores WHERE scope = 'message' AND contributor_id IS NOT NULL"
    )
    by_key = defaultdict(list)
    for r in scores:
        by_key[r["key"]].append(r)
    for row in query("agreement", "rounds=0"):
        rs = by_key[row["key"]]
        units = sorted({r["u"] for r in rs})
        raters = sorted({r["c"] for r in rs})
        data = np.full((len(raters), len(units)), np.nan)
        for r in rs:
            data[raters.index(r["c"]), units.index(r["u"])] = r["v"]
        values = defaultdict(list)
        for r in rs:
            values[r["u"]].append(r["v"])
        pairable = [v for v in values.values() if len(v) >= 2]
        if len(pairable) and len({x for v in pairable for x in v}) > 1:
            want = krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal")
            close(f"agreement {row['key']} alpha", row["alpha"], round(want, 4), 5.1e-5)
        share = np.mean([
            sum(c * (c - 1) for c in np.unique(v, return_counts=True)[1]) / (len(v) * (len(v) - 1))
            for v in pairable
        ])
        close(f"agreement {row['key']} percent", row["percent_agreement"], round(share, 4), 5.1e-5)
        same(f"agreement {row['key']} units", row["units"], len(pairable))
    # score_by_model and score_by_temperature: t-intervals.
    numbers = taskq(
        "SELECT key, model, temperature AS t, value_num AS v, project_id AS p, "
        "CAST(CAST(completed_at AS DATE) AS VARCHAR) AS d FROM message_scores"
    )
    def interval(v):
        v = np.array(v)
        if len(v) < 2:
            return v.mean(), None, None
        lo, hi = stats.t.interval(0.95, df=len(v) - 1, loc=v.mean(), scale=stats.sem(v))
        return v.mean(), lo, hi
    groups = defaultdict(list)
    for r in numbers:
        groups[(r["key"], r["model"])].append(r["v"])
    for row in query("score_by_model"):
        mean, lo, hi = interval(groups[(row["key"], row["model"])])
        same(f"score_by_model {row['key']} {row['model']} n", row["n"], len(groups[(row["key"], row["model"])]))
        close(f"score_by_model {row['key']} {row['model']} mean", row["mean"], round(mean, 4), 5.1e-5)
        if lo is not None and np.isfinite(lo):
            close(f"score_by_model {row['key']} {row['model']} lower", row["lower"], round(lo, 4), 5.1e-5)
    # score_by_temperature: every numeric key, over every model and per model; then one
    # project's scores since the middle day of the data.
    days = sorted(r["d"] for r in taskq("SELECT CAST(CAST(completed_at AS DATE) AS VARCHAR) AS d FROM tasks WHERE completed_at IS NOT NULL"))
    since = days[len(days) // 2]
    def check_temperatures(rows, got, what):
        temps = defaultdict(list)
        for r in rows:
            if r["t"] is not None:
                temps[(r["key"], "(every model)", r["t"])].append(r["v"])
                temps[(r["key"], r["model"], r["t"])].append(r["v"])
        same(f"{what} groups", sorted((r["key"], r["model"], r["temperature"]) for r in got), sorted(temps))
        for row in got:
            k = (row["key"], row["model"], row["temperature"])
            mean, lo, hi = interval(temps[k])
            same(f"{what} {k} n", row["n"], len(temps[k]))
            close(f"{what} {k} mean", row["mean"], round(mean, 4), 5.1e-5)
            if hi is not None and np.isfinite(hi):
                close(f"{what} {k} upper", row["upper"], round(hi, 4), 5.1e-5)
    check_temperatures(numbers, query("score_by_temperature"), "score_by_temperature")
    check_temperatures(
        [r for r in numbers if r["p"] == project and r["d"] is not None and r["d"] >= since],
        query("score_by_temperature", f"project={project}", f"since={since}"),
        f"score_by_temperature project={project} since={since}",
    )
    # labels_by_model: counts per key, label and model, overall and with both filters.
    answers = taskq(
        "SELECT a.key, a.value, a.model, a.project_id AS p, "
        "CAST(CAST(t.completed_at AS DATE) AS VARCHAR) AS d "
        "FROM annotations a JOIN tasks t ON t.task_id = a.task_id WHERE a.model IS NOT NULL"
    )
    for params, keep in [
        ((), lambda r: True),
        ((f"project={project}", f"since={since}"), lambda r: r["p"] == project and r["d"] is not None and r["d"] >= since),
    ]:
        want = defaultdict(int)
        for r in answers:
            if keep(r):
                want[(r["key"], r["value"], r["model"])] += 1
        got = {(r["key"], r["value"], r["model"]): r["n"] for r in query("labels_by_model", *params)}
        same(f"labels_by_model {params}", got, dict(want))
    # throughput_by_day: tasks created and completed per day, median hours to complete.
    tasks = taskq(
        "SELECT project_id AS p, CAST(CAST(created_at AS DATE) AS VARCHAR) AS c, "
        "CAST(CAST(completed_at AS DATE) AS VARCHAR) AS d, "
        "date_part('epoch', completed_at) - date_part('epoch', created_at) AS secs FROM tasks"
    )
    for params, p in [((), None), ((f"project={project}", f"since={since}"), project)]:
        created, completed, hours = defaultdict(int), defaultdict(int), defaultdict(list)
        for r in tasks:
            if p is not None and r["p"] != p:
                continue
            if r["c"] is not None:
                created[r["c"]] += 1
            if r["d"] is not None:
                completed[r["d"]] += 1
                if r["secs"] is not None:
                    hours[r["d"]].append(r["secs"] / 3600.0)
        first = since if p is not None else ""
        want = {
            d: (created[d], completed[d], round(float(np.median(hours[d])), 2) if hours[d] else None)
            for d in set(created) | set(completed) if d >= first
        }
        got = {r["day"]: (r["created"], r["completed"], r["median_hours"]) for r in query("throughput_by_day", *params)}
        same(f"throughput_by_day {params}", got, want)
    # labels_by_model_parameters: bucketed counts.
    labels = taskq(
        "SELECT model, temperature AS t, top_p AS p, max_completion_tokens AS m, value "
        "FROM annotations WHERE model IS NOT NULL AND key = 'instruction_following'"
    )
    bucket = lambda x: None if x is None else np.floor(x * 4) / 4
    want = defaultdict(int)
    for r in labels:
        want[(r["model"], bucket(r["t"]), bucket(r["p"]), r["m"], r["value"])] += 1
    got = {
        (r["model"], r["temperature_bucket"], r["top_p_bucket"], r["max_completion_tokens"], r["value"]): r["n"]
        for r in query("labels_by_model_parameters", "key=instruction_following")
    }
    same("labels_by_model_parameters", got, dict(want))
    # contributor_activity: submissions and the labels of each thread's last submitter.
    subs = taskq(
        "SELECT task_id AS t, thread_idx AS th, submission_idx AS i, contributor_id AS c "
        "FROM submissions WHERE contributor_id IS NOT NULL"
    )
    last = {}
    for r in sorted(subs, key=lambda r: r["i"]):
        last[(r["t"], r["th"])] = r["c"]
    per_thread = taskq("SELECT task_id AS t, thread_idx AS th, count(*) AS n FROM annotations GROUP BY 1, 2")
    labelled = defaultdict(int)
    for r in per_thread:
        if (r["t"], r["th"]) in last:
            labelled[last[(r["t"], r["th"])]] += r["n"]
    tasks_of = defaultdict(set)
    subs_of = defaultdict(int)
    for r in subs:
        tasks_of[r["c"]].add(r["t"])
        subs_of[r["c"]] += 1
    got = {r["contributor_id"]: (r["tasks"], r["submissions"], r["labels"]) for r in query("contributor_activity")}
    want = {c: (len(tasks_of[c]), subs_of[c], labelled[c]) for c in tasks_of}
    same("contributor_activity", got, want)
    # drift by batch: PSI and chi-square of each batch against the first.
    rows = taskq(
        "SELECT a.batch_id AS s, a.value AS v FROM annotations a JOIN tasks t ON t.task_id = a.task_id "
        "WHERE a.key = 'truthfulness' AND a.value IS NOT NULL AND t.completed_at IS NOT NULL"
    )
    slices = defaultdict(lambda: defaultdict(int))
    for r in rows:
        slices[r["s"]][r["v"]] += 1
    base = min(slices)
    values = sorted({r["v"] for r in rows})
    got = {r["slice"]: r for r in query("drift", "by=batch", "key=truthfulness")}
    same("drift slices", sorted(got), sorted(s for s in slices if s != base))
    for s, row in got.items():
        e = np.array([slices[base][v] for v in values], dtype=float)
        a = np.array([slices[s][v] for v in values], dtype=float)
        ep, ap = np.maximum(e / e.sum(), 1e-4), np.maximum(a / a.sum(), 1e-4)
        close(f"drift {s} psi", row["psi"], round(float(((ap - ep) * np.log(ap / ep)).sum()), 4), 5.1e-5)
        table = np.array([e, a])
        table = table[:, table.sum(axis=0) > 0]
        if table.shape[1] >= 2:
            res = stats.chi2_contingency(table)
            close(f"drift {s} chi2", row["chi2"], round(res.statistic, 4), 5.1e-5)
            close(f"drift {s} p", row["p_value"], round(res.pvalue, 6), 5.1e-7)


def main():
    global TASKQ, DATASET
    TASKQ, DATASET = sys.argv[1], sys.argv[2]
    fitted = check_bradley_terry("selected_model_id")
    check_bradley_terry("preference_ranking")
    if fitted:
        check_length_control(*fitted)
    check_agreement()
    check_cohen()
    check_intervals()
    check_drift()
    check_named_queries()
    if FAILURES:
        print("\n".join(FAILURES))
        sys.exit(1)
    print("analytics ok")


if __name__ == "__main__":
    main()
