"""The DuckDB peer: flatten a JSONL export of Scale v2 tasks into the five core tables.

This is the standard way to do the job with DuckDB: read_json with explicit columns (annotation
`value` and `metadata` typed JSON) into a temp table, read once; then one UNNEST query per entity
level into temp tables; each table written with COPY ... TO as zstd Parquet. Column names follow
taskq's tables, so the same queries run on both.

usage: python3 benches/duckdb_flatten.py INPUT.jsonl OUTDIR
"""

import os
import sys

import duckdb

ANN = (
    'STRUCT(id VARCHAR, "key" VARCHAR, "type" VARCHAR, title VARCHAR, "value" JSON, '
    "labels VARCHAR[], metadata JSON)[]"
)
MSG = (
    f'STRUCT(role VARCHAR, source_id VARCHAR, content STRUCT(text VARCHAR, chunks STRUCT("type" VARCHAR, '
    f"text VARCHAR, annotations {ANN})[]), model_parameters STRUCT(model VARCHAR, temperature DOUBLE, "
    f"max_completion_tokens BIGINT, top_p DOUBLE, top_k BIGINT), annotations {ANN}, "
    f"rubric_evaluations STRUCT(total_score DOUBLE, percentage DOUBLE, annotations {ANN}, "
    f"criteria_evaluations STRUCT(criterion_definition_id VARCHAR, score DOUBLE, annotations {ANN})[])[])[]"
)
TURN = (
    f"STRUCT(id VARCHAR, messages {MSG}, annotations {ANN}, rubrics STRUCT(max_total_score DOUBLE, "
    f"criteria_definitions STRUCT(id VARCHAR, criterion VARCHAR, weight DOUBLE, annotations {ANN})[])[])[]"
)
THREAD = f"STRUCT(id VARCHAR, turns {TURN}, annotations {ANN})[]"
COLUMNS = {
    "task_id": "VARCHAR",
    "project": "JSON",
    "batch": "JSON",
    "status": "VARCHAR",
    "created_at": "TIMESTAMPTZ",
    "completed_at": "TIMESTAMPTZ",
    "metadata": "JSON",
    "threads": THREAD,
}


def id_of(col):
    return f"CASE WHEN json_type({col}) = 'OBJECT' THEN {col}->>'$.id' ELSE {col}->>'$' END"


# taskq never stores a workspace token; the peer is made to do the same job.
VALUE = """CASE json_type(a."value") WHEN 'VARCHAR' THEN a."value"->>'$' WHEN 'NULL' THEN NULL
        ELSE regexp_replace(CAST(a."value" AS VARCHAR), '"workspace_token":"[^"]*"',
                            '"workspace_token":"[REDACTED]"', 'g') END"""
VALUE_NUM = """CASE WHEN json_type(a."value") IN ('BIGINT', 'UBIGINT', 'DOUBLE')
        THEN CAST(a."value" AS DOUBLE) END"""

# Annotation levels: (scope, FROM clause yielding `a`, and the message columns when in a message).
NO_MSG = "NULL::VARCHAR AS role, NULL::VARCHAR AS source_id, NULL::VARCHAR AS model, NULL::DOUBLE AS temperature"
IN_MSG = "m.role, m.source_id, m.model_parameters.model AS model, m.model_parameters.temperature AS temperature"
LEVELS = [
    ("thread", "NULL::BIGINT AS turn_idx, NULL::BIGINT AS message_idx", NO_MSG, "SELECT *, unnest(t.annotations) AS a FROM th"),
    ("turn", "turn_idx, NULL::BIGINT AS message_idx", NO_MSG, "SELECT *, unnest(u.annotations) AS a FROM tu"),
    ("message", "turn_idx, message_idx", IN_MSG, "SELECT *, unnest(m.annotations) AS a FROM me"),
    ("chunk", "turn_idx, message_idx", IN_MSG,
     "SELECT *, unnest(c.annotations) AS a FROM (SELECT *, unnest(m.content.chunks) AS c FROM me)"),
    ("rubric_evaluation", "turn_idx, message_idx", IN_MSG,
     "SELECT *, unnest(r.annotations) AS a FROM (SELECT *, unnest(m.rubric_evaluations) AS r FROM me)"),
    ("criterion_evaluation", "turn_idx, message_idx", IN_MSG,
     "SELECT *, unnest(ce.annotations) AS a FROM (SELECT *, unnest(r.criteria_evaluations) AS ce FROM "
     "(SELECT *, unnest(m.rubric_evaluations) AS r FROM me))"),
    ("criterion", "turn_idx, NULL::BIGINT AS message_idx", NO_MSG,
     "SELECT *, unnest(cd.annotations) AS a FROM (SELECT *, unnest(rb.criteria_definitions) AS cd FROM "
     "(SELECT *, unnest(u.rubrics) AS rb FROM tu))"),
]


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = false")
    cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()) + "}"

    def copy(select, name):
        con.execute(f"COPY ({select}) TO '{out}/{name}.parquet' (FORMAT parquet, COMPRESSION zstd)")

    con.execute(
        f"""CREATE TEMP TABLE raw AS SELECT *, {id_of('project')} AS project_id, {id_of('batch')} AS batch_id
        FROM read_json('{src}', format = 'newline_delimited', columns = {cols},
                       maximum_object_size = 268435456)"""
    )
    copy("SELECT task_id, project_id, batch_id, status, created_at, completed_at, "
         "CAST(metadata AS VARCHAR) AS metadata FROM raw", "tasks")
    con.execute("CREATE TEMP TABLE th AS SELECT task_id, project_id, batch_id, "
                "generate_subscripts(threads, 1) - 1 AS thread_idx, unnest(threads) AS t FROM raw")
    copy("SELECT task_id, thread_idx, t.id AS thread_id FROM th", "threads")
    con.execute("CREATE TEMP TABLE tu AS SELECT task_id, project_id, batch_id, thread_idx, "
                "generate_subscripts(t.turns, 1) - 1 AS turn_idx, unnest(t.turns) AS u FROM th")
    copy("SELECT task_id, thread_idx, turn_idx, u.id AS turn_id FROM tu", "turns")
    con.execute("CREATE TEMP TABLE me AS SELECT task_id, project_id, batch_id, thread_idx, turn_idx, "
                "generate_subscripts(u.messages, 1) - 1 AS message_idx, unnest(u.messages) AS m FROM tu")
    copy("SELECT task_id, thread_idx, turn_idx, message_idx, m.role AS role, m.source_id AS source_id, "
         "m.model_parameters.model AS model, m.model_parameters.temperature AS temperature, "
         "m.model_parameters.max_completion_tokens AS max_completion_tokens, "
         "m.model_parameters.top_p AS top_p, m.model_parameters.top_k AS top_k, "
         "m.content.text AS text FROM me", "messages")
    parts = [
        f"""SELECT task_id, project_id, batch_id, '{scope}' AS scope, thread_idx, {idx}, {msg},
            a.id AS annotation_id, a."type" AS type, a."key" AS key, a.title AS title,
            {VALUE} AS value, {VALUE_NUM} AS value_num, a.labels AS labels,
            CAST(a.metadata AS VARCHAR) AS metadata FROM ({frm})"""
        for scope, idx, msg, frm in LEVELS
    ]
    copy(" UNION ALL ".join(parts), "annotations")


if __name__ == "__main__":
    main()
