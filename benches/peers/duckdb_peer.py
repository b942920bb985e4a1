"""The funnel report of spec/kpi.md in DuckDB SQL, as a DuckDB user would write it for
speed: validation, both modes, grouped by owner and in total, on the string-typed Parquet
export (loaded into DuckDB tables by `load`, not timed).

- stage ids through TRY_CAST to an ENUM of the pipeline's ids (+ won, lost): `enum_code` is
  the stage index, an id outside it is NULL (the "unknown stage" check);
- one hash join (events -> opportunities: the integer opportunity index `oi`, owner,
  creation time, amount), then ONE window pass with ONE window definition,
  `PARTITION BY oi ORDER BY t, row` (the rowid breaks ties, so equal timestamps keep their
  input order): DuckDB evaluates every function of it after one sort of the hash-partitioned
  rows by (oi, t, row); previous/next row, forward fill of the last open stage, the max of
  later forward codes, and the opportunity's final state and last open stage
  (`last_value ... IGNORE NULLS` over the whole partition), so no aggregate per opportunity
  is joined back to its rows (a global ORDER BY without PARTITION BY, tried first, makes
  the "all following rows" frame a segment tree over every event: that one function took
  nine times as long at 100k);
- quantiles are `quantile_disc` (nearest rank, no list sorting); counts and sums are grouped
  by (owner, stage) only and the totals added up from those rows (common.fill); only the
  dwell quantiles, which do not add up, use GROUPING SETS.

PEERS_THREADS=1 runs `SET threads = 1`; otherwise DuckDB's default (all cores)."""
import duckdb

from common import InvalidInput, Aggregates, assemble, fill, put, stage_names, threads


def _raise_first(row, checks):
    for value, what in zip(row, checks):
        if value is not None:
            raise InvalidInput(what.format(row=value))


def report(con: duckdb.DuckDBPyConnection, _unused, meta: dict) -> dict:
    ns = len(meta["stages"])
    won, lost, m = ns, ns + 1, ns + 2
    as_of, wf, wt = meta["as_of_ms"], meta["window_from_ms"], meta["window_to_ms"]
    rot = ", ".join(str(r) if r is not None else "NULL" for r in
                    (s.get("rotting_after_ms") for s in meta["stages"]))
    enum = "ENUM(" + ", ".join("'" + s.replace("'", "''") + "'" for s in stage_names(meta)) + ")"
    q = con.execute

    # ---- validation of the opportunities ----
    _raise_first(q("""
        SELECT min(rowid) FILTER (amount IS NULL OR amount < 0),
               min(rowid) FILTER (opp IN (SELECT opp FROM op GROUP BY opp HAVING count(*) > 1))
        FROM op""").fetchone(), ["opportunities[{row}].amount", "opportunities[{row}].opp duplicated"])

    # ---- events: stage codes and the opportunity's columns (one join) ----
    q(f"""CREATE OR REPLACE TEMP TABLE e AS
          SELECT ev.rowid AS row, o.oi, epoch_ms(ev."at") AS t,
                 enum_code(TRY_CAST(ev.stage AS {enum}))::INTEGER AS code,
                 o.owner, o.created, o.amount
          FROM ev LEFT JOIN (SELECT rowid AS oi, opp, owner, epoch_ms(created) AS created, amount
                             FROM op) o USING (opp)""")
    _raise_first(q("""SELECT min(row) FILTER (code IS NULL), min(row) FILTER (oi IS NULL),
                             min(row) FILTER (t < created) FROM e""").fetchone(),
                 ["events[{row}].stage unknown", "events[{row}].opp not in the opportunity table",
                  "events[{row}].at before creation"])

    # ---- one window pass, one order: the per-row features ----
    end = f"(lead(t) OVER w IS NULL OR lead(t) OVER w > {as_of})"
    whole = "w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"
    q(f"""CREATE OR REPLACE TEMP TABLE f AS
      SELECT oi, owner, amount, created, t, code, row,
             code < {ns} AS is_open,
             t >= {wf} AND t < {wt} AS in_w,
             code >= {won} AND coalesce(lag(code) OVER w >= {won}, true) AS reclose,
             {end} AS last,
             last_value(CASE WHEN code < {ns} THEN code END IGNORE NULLS)
                 OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS open_ff,
             coalesce(last_value(CASE WHEN code < {ns} THEN code END IGNORE NULLS)
                 OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), -1) AS prev_open,
             coalesce(lag(code) OVER w + 1, 0) AS frm,
             CASE WHEN {end} THEN NULL ELSE lead(t) OVER w END AS next_at,
             coalesce(max(fwd) OVER (w ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), -1)
                 AS later,
             -- the opportunity's state at as_of and its last open stage before it
             last_value(CASE WHEN t <= {as_of} THEN code END IGNORE NULLS) OVER ({whole})
                 AS state,
             last_value(CASE WHEN t <= {as_of} AND code < {ns} THEN code END IGNORE NULLS)
                 OVER ({whole}) AS last_open
      FROM (SELECT *, CASE WHEN t > {as_of} THEN -1 WHEN code < {ns} THEN code
                           WHEN code = {won} THEN {ns} ELSE -1 END AS fwd FROM e)
      WINDOW w AS (PARTITION BY oi ORDER BY t, row)""")
    _raise_first(q("SELECT min(row) FILTER (reclose) FROM f").fetchone(),
                 ["events[{row}].stage closes a closed (or new) opportunity"])

    h = f"(SELECT * FROM f WHERE t <= {as_of})"  # the history up to as_of
    q(f"""CREATE OR REPLACE TEMP TABLE fin AS
          SELECT oi, owner, amount, created, code AS state, open_ff AS last_open, t AS t_last,
                 t >= {wf} AND t < {wt} AS close_in_w
          FROM {h} WHERE last""")
    q(f"""CREATE OR REPLACE TEMP TABLE vt AS
          SELECT oi, owner, state, last_open, unnest(range(prev_open + 1, hi)) AS stage
          FROM (SELECT oi, owner, state, last_open, prev_open,
                       CASE WHEN is_open THEN code ELSE {ns} END AS hi
                FROM {h} WHERE in_w AND (is_open OR code = {won}))
          WHERE hi > prev_open + 1""")
    real = (f"SELECT oi, owner, code AS stage, later > code AS adv, state, last_open FROM {h} "
            "WHERE is_open AND in_w")
    agg = Aggregates()
    for mode, entries in (("recorded", real),
                          ("cumulative", f"{real} UNION ALL "
                                         "SELECT oi, owner, stage, true, state, last_open FROM vt")):
        rows = q(f"""
          SELECT owner, stage, count(*), count(*) FILTER (adv),
                 count(*) FILTER (state = {won}), count(*) FILTER (state = {lost}),
                 count(*) FILTER (state = {lost} AND last_open = stage),
                 count(*) FILTER (state = stage)
          FROM (SELECT oi, stage, bool_or(adv) AS adv, any_value(owner) AS owner,
                       any_value(state) AS state, any_value(last_open) AS last_open
                FROM ({entries}) GROUP BY oi, stage)
          GROUP BY owner, stage""").fetchall()
        fill(agg.stage_counts[mode], rows, 1)

    stays = (f"SELECT owner, code AS stage, next_at - t AS d FROM {h} "
             "WHERE is_open AND in_w AND NOT last")
    for mode, src in (("recorded", stays),
                      ("cumulative", f"{stays} UNION ALL SELECT owner, stage, 0 FROM vt")):
        rows = q(f"""
          SELECT grouping(owner), owner, stage, count(*), sum(d),
                 quantile_disc(d, 0.5), quantile_disc(d, 0.9)
          FROM ({src}) GROUP BY GROUPING SETS ((owner, stage), (stage))""").fetchall()
        put(agg.dwell[mode], [r[1:] for r in rows if r[0] == 0], 1)
        put(agg.dwell[mode], [r[2:] for r in rows if r[0] == 1], 1, total=True)

    fill(agg.open_, q(f"""
      SELECT owner, state, count(*), sum({as_of} - t_last),
             count(*) FILTER ({as_of} - t_last > [{rot}][state + 1]), sum(amount)
      FROM fin WHERE state < {ns} GROUP BY owner, state""").fetchall(), 1)

    fill(agg.pipeline, q(f"""
      SELECT owner, count(*),
             count(*) FILTER (state = {won} AND close_in_w),
             count(*) FILTER (state = {lost} AND close_in_w),
             coalesce(sum(amount) FILTER (state = {won} AND close_in_w), 0),
             coalesce(sum(t_last - created) FILTER (state = {won} AND close_in_w), 0),
             count(*) FILTER (state < {ns}),
             coalesce(sum(amount) FILTER (state < {ns}), 0)
      FROM fin GROUP BY owner""").fetchall(), 0)

    fill(agg.transitions, q(f"""
      SELECT owner, frm, code, count(*) FROM {h} WHERE in_w GROUP BY owner, frm, code
      """).fetchall(), 2)
    owners = [r[0] for r in q("SELECT DISTINCT owner FROM op ORDER BY owner").fetchall()]
    return assemble(agg, meta, owners)


def load(d):
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    if threads():
        con.execute(f"SET threads = {threads()}")
    con.execute(f"CREATE TABLE ev AS SELECT * FROM read_parquet('{d}/events.parquet')")
    con.execute(f"CREATE TABLE op AS SELECT * FROM read_parquet('{d}/opps.parquet')")
    return con, None
