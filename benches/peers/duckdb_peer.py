"""The funnel report of spec/kpi.md in DuckDB SQL: validation, both modes, grouped by owner
and in total (GROUPING SETS), window functions per opportunity."""
import duckdb

from common import LOST, WON, Aggregates, assemble, fill


class InvalidInput(ValueError):
    pass


def _check(con, sql, what):
    bad = con.execute(sql).fetchone()[0]
    if bad is not None:
        raise InvalidInput(what.format(row=bad))


def report(con: duckdb.DuckDBPyConnection, _unused, meta: dict) -> dict:
    ns = len(meta["stages"])
    as_of, wf, wt = meta["as_of_ms"], meta["window_from_ms"], meta["window_to_ms"]
    rot = ", ".join(str(r) if r is not None else "NULL" for r in
                    (s.get("rotting_after_ms") for s in meta["stages"]))
    q = con.execute
    # ---- validation ----
    _check(con, "SELECT min(rowid) FROM op WHERE amount < 0", "opportunities[{row}].amount")
    _check(con, "SELECT min(r) FROM (SELECT rowid r, count(*) OVER (PARTITION BY opp) c FROM op) "
                "WHERE c > 1", "opportunities[{row}].opp duplicated")
    _check(con, f"SELECT min(rowid) FROM ev WHERE stage >= {ns} AND stage NOT IN ({WON}, {LOST})",
           "events[{row}].stage unknown")
    q("""CREATE OR REPLACE TEMP TABLE e AS
         SELECT ev.rowid AS row, ev.opp, ev."at" AS t, ev.stage::INTEGER AS stage,
                o.owner::INTEGER AS owner, o.created, o.amount
         FROM ev LEFT JOIN op o USING (opp)""")
    _check(con, "SELECT min(row) FROM e WHERE created IS NULL",
           "events[{row}].opp not in the opportunity table")
    _check(con, "SELECT min(row) FROM e WHERE t < created", "events[{row}].at before creation")
    _check(con, f"""SELECT min(row) FROM (
                      SELECT row, stage >= {WON} AS closed,
                             lag(stage >= {WON}) OVER (PARTITION BY opp ORDER BY t, row) AS pc
                      FROM e)
                    WHERE closed AND (pc IS NULL OR pc)""",
           "events[{row}].stage closes a closed (or new) opportunity")

    # ---- history up to as_of with per-row features ----
    q(f"""CREATE OR REPLACE TEMP TABLE f AS
      SELECT opp, owner, amount, created, t, stage,
             stage < {ns} AS is_open,
             t >= {wf} AND t < {wt} AS in_w,
             coalesce(last_value(CASE WHEN stage < {ns} THEN stage END IGNORE NULLS)
                 OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), -1) AS prev_open,
             last_value(CASE WHEN stage < {ns} THEN stage END IGNORE NULLS)
                 OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS open_ff,
             coalesce(lag(code) OVER w, 0) AS prev_code,
             lead(t) OVER w AS next_at,
             coalesce(max(fwd) OVER (w ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), -1)
                 AS later,
             lead(row) OVER w IS NULL AS last
      FROM (SELECT *,
                   CASE WHEN stage < {ns} THEN stage + 1 WHEN stage = {WON} THEN {ns + 1}
                        ELSE {ns + 2} END AS code,
                   CASE WHEN stage < {ns} THEN stage WHEN stage = {WON} THEN {ns}
                        ELSE -1 END AS fwd
            FROM e WHERE t <= {as_of})
      WINDOW w AS (PARTITION BY opp ORDER BY t, row)""")
    q(f"""CREATE OR REPLACE TEMP TABLE fin AS
          SELECT opp, owner, amount, created, stage AS state, open_ff AS last_open, t AS t_last,
                 t >= {wf} AND t < {wt} AS close_in_w
          FROM f WHERE last""")
    q("""CREATE OR REPLACE TEMP TABLE rl AS
         SELECT opp, owner, stage, later > stage AS adv FROM f WHERE is_open AND in_w""")
    q(f"""CREATE OR REPLACE TEMP TABLE vt AS
          SELECT opp, owner, unnest(range(prev_open + 1, hi)) AS stage, true AS adv
          FROM (SELECT opp, owner, prev_open,
                       CASE WHEN is_open THEN stage ELSE {ns} END AS hi
                FROM f WHERE in_w AND (is_open OR stage = {WON}))
          WHERE hi > prev_open + 1""")
    agg = Aggregates()

    def split(rows, nkey, target):
        # GROUPING SETS rows: grouping id 0 → by owner, 1 → total
        fill(target, [r[1:] for r in rows if r[0] == 0], nkey, True)
        fill(target, [r[2:] for r in rows if r[0] == 1], nkey, False)

    for mode, entries in (("recorded", "rl"), ("cumulative", "(SELECT * FROM rl UNION ALL SELECT * FROM vt)")):
        rows = q(f"""
          SELECT grouping(m.owner), m.owner, m.stage, count(*), sum(adv::INT),
                 sum((state = {WON})::INT), sum((state = {LOST})::INT),
                 sum((state = {LOST} AND last_open = m.stage)::INT),
                 sum((state = m.stage)::INT)
          FROM (SELECT opp, owner, stage, bool_or(adv) AS adv FROM {entries} GROUP BY ALL) m
          JOIN fin USING (opp)
          GROUP BY GROUPING SETS ((m.owner, m.stage), (m.stage))""").fetchall()
        split(rows, 1, agg.stage_counts[mode])

    stays = f"SELECT owner, stage, next_at - t AS d FROM f WHERE is_open AND in_w AND next_at IS NOT NULL"
    for mode, src in (("recorded", stays), ("cumulative", f"{stays} UNION ALL SELECT owner, stage, 0 FROM vt")):
        rows = q(f"""
          SELECT grouping(owner), owner, stage, count(*), sum(d),
                 list_sort(list(d))[(count(*) + 1) // 2],
                 list_sort(list(d))[(9 * count(*) + 9) // 10]
          FROM ({src}) GROUP BY GROUPING SETS ((owner, stage), (stage))""").fetchall()
        split(rows, 1, agg.dwell[mode])

    rows = q(f"""
      SELECT grouping(owner), owner, state, count(*), sum({as_of} - t_last),
             coalesce(sum(({as_of} - t_last > [{rot}][state + 1])::INT), 0), sum(amount)
      FROM fin WHERE state < {ns} GROUP BY GROUPING SETS ((owner, state), (state))""").fetchall()
    split(rows, 1, agg.open_)

    rows = q(f"""
      SELECT grouping(owner), owner, count(*),
             count(*) FILTER (state = {WON} AND close_in_w),
             count(*) FILTER (state = {LOST} AND close_in_w),
             coalesce(sum(amount) FILTER (state = {WON} AND close_in_w), 0),
             coalesce(sum(t_last - created) FILTER (state = {WON} AND close_in_w), 0),
             count(*) FILTER (state < {ns}),
             coalesce(sum(amount) FILTER (state < {ns}), 0)
      FROM fin GROUP BY GROUPING SETS ((owner), ())""").fetchall()
    split(rows, 0, agg.pipeline)

    rows = q(f"""
      SELECT grouping(owner), owner, prev_code,
             CASE WHEN is_open THEN stage WHEN stage = {WON} THEN {ns} ELSE {ns + 1} END AS dest,
             count(*)
      FROM f WHERE in_w GROUP BY GROUPING SETS ((owner, prev_code, dest), (prev_code, dest))""").fetchall()
    split(rows, 2, agg.transitions)
    return assemble(agg, meta, meta["owners"])


def load(d):
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE TABLE ev AS SELECT * FROM read_parquet('{d}/events.parquet')")
    con.execute(f"CREATE TABLE op AS SELECT * FROM read_parquet('{d}/opps.parquet')")
    return con, None
