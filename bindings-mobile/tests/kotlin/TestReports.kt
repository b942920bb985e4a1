// The typed management and analytics reports against the query path: each scenario below is
// replayed, and every query of a report kind is asked both ways (Engine.query's JSON and the
// typed method); the records must carry the same values, and a refused query must be refused
// by the typed method with the same code.
package dev.salespipe.tests

import dev.salespipe.*
import java.io.File
import java.time.Instant

private fun instant(v: Any?): Instant? = (v as String?)?.let { Instant.parse(it) }
private fun long(v: Any?): Long = (v as Number).toLong()
private fun ulong(v: Any?): ULong = long(v).toULong()
private fun double(v: Any?): Double? = (v as Number?)?.toDouble()

/** `{currency: minor}` as the binding's Money list (by currency code). */
private fun moneyMap(v: Any?): List<Money> =
    ((v ?: emptyMap<String, Any?>()) as Map<*, *>).map { (c, m) -> Money(long(m), c as String) }.sortedBy { it.currency }

private fun ratioMap(v: Any?): List<CurrencyRatio> =
    ((v ?: emptyMap<String, Any?>()) as Map<*, *>).map { (c, r) -> CurrencyRatio(c as String, (r as Number).toDouble()) }.sortedBy { it.currency }

private fun money(v: Any?): Money = (v as Map<*, *>).let { Money(long(it["minor"]), it["currency"] as String) }

/** Replays `file`, and for each query whose type is in `types` calls `each(actor, query,
 *  json answer)`, or checks that `typed(actor, query)` throws the query's error code.
 *  Returns how many answers were compared. */
private fun compareReports(
    dir: File,
    file: String,
    types: Set<String>,
    typed: (Engine, String?, Map<String, Any?>) -> Any,
    each: (Any, Any?, Map<String, Any?>) -> Unit,
): Int {
    @Suppress("UNCHECKED_CAST")
    val scenario = Json.parse(File(dir, file).readText()) as Map<String, Any?>
    val clock = ManualClock(Instant.parse(scenario["start"] as String))
    val engine = Engine(clock = clock)
    var compared = 0
    @Suppress("UNCHECKED_CAST")
    for (step in scenario["steps"] as List<Map<String, Any?>>) {
        (step["at"] as String?)?.let { clock.set(Instant.parse(it)) }
        val actor = step["actor"] as String?
        step["command"]?.let { c ->
            try { engine.execute(actor!!, Json.write(c)) } catch (e: SalespipeException) { /* refused as the scenario expects */ }
        }
        @Suppress("UNCHECKED_CAST")
        val q = step["query"] as Map<String, Any?>? ?: continue
        if (q["type"] !in types) continue
        val json = ask(engine, actor, q)
        if (json is Map<*, *> && json.containsKey("error")) {
            val e = throws<SalespipeException>("typed ${q["type"]} refused like the query") { typed(engine, actor, q) }
            equal(json["error"], e.code(), "typed ${q["type"]}'s error")
        } else {
            each(typed(engine, actor, q), json, q)
        }
        compared++
    }
    engine.close()
    clock.close()
    return compared
}

private fun totalsMatch(json: Map<*, *>, t: ExpenseTotals, path: String) {
    equal(ulong(json["count"]), t.count, "$path.count")
    equal(moneyMap(json["approved"]), t.approved, "$path.approved")
    equal(moneyMap(json["pending"]), t.pending, "$path.pending")
    equal(moneyMap(json["rejected"]), t.rejected, "$path.rejected")
    equal(moneyMap(json["withdrawn"]), t.withdrawn, "$path.withdrawn")
}

fun testTypedExpenseReport(dir: File) {
    var nonEmpty = 0
    val n = compareReports(dir, "mgmt_expenses.json", setOf("expense_report"),
        { e, actor, q -> e.expenseReport(q["from"] as String?, q["to"] as String?, actor, instant(q["as_of"])) }) { t, json, _ ->
        t as ExpenseReport
        json as Map<*, *>
        equal(json["from"], t.from, "from")
        equal(json["to"], t.to, "to")
        totalsMatch(json["total"] as Map<*, *>, t.total, "total")
        val customers = json["customers"] as List<*>
        equal(customers.size, t.customers.size, "customers")
        customers.forEachIndexed { i, c ->
            c as Map<*, *>
            equal(c["customer"], t.customers[i].customer, "customers[$i]")
            totalsMatch(c, t.customers[i].totals, "customers[$i]")
            equal(moneyMap(c["won"]), t.customers[i].won, "customers[$i].won")
            equal(ratioMap(c["expense_to_won"]), t.customers[i].expenseToWon, "customers[$i].expense_to_won")
        }
        val categories = json["categories"] as List<*>
        equal(categories.size, t.categories.size, "categories")
        categories.forEachIndexed { i, c ->
            c as Map<*, *>
            equal(c["category"], t.categories[i].category, "categories[$i]")
            equal(ratioMap(c["share"]), t.categories[i].share, "categories[$i].share")
        }
        equal((json["reps"] as List<*>).map { (it as Map<*, *>)["rep"] }, t.reps.map { it.rep }, "reps")
        if (t.total.count > 0uL) nonEmpty++
    }
    check(n >= 3 && nonEmpty >= 1) { "compared $n expense reports ($nonEmpty with expenses)" }
}

fun testTypedSourceReport(dir: File) {
    val n = compareReports(dir, "mgmt_source_report.json", setOf("source_report"),
        { e, actor, q -> e.sourceReport(q["pipeline"] as String, instant(q["window_from"]), instant(q["window_to"]), actor, instant(q["as_of"])) }) { t, json, _ ->
        t as SourceReport
        json as Map<*, *>
        equal(json["currency"], t.currency, "currency")
        equal(instant(json["as_of"]), t.asOf, "as_of")
        equal(((json["left_out"] ?: 0L) as Number).toLong().toULong(), t.leftOut, "left_out")
        val rows = json["sources"] as List<*>
        equal(rows.size, t.sources.size, "sources")
        rows.forEachIndexed { i, r ->
            r as Map<*, *>
            val s = t.sources[i]
            equal(r["source"], s.source, "sources[$i].source")
            equal(r["configured"], s.configured, "sources[$i].configured")
            equal(ulong(r["created"]), s.created, "sources[$i].created")
            equal(ulong(r["won"]), s.won, "sources[$i].won")
            equal(ulong(r["lost"]), s.lost, "sources[$i].lost")
            equal(double(r["win_rate"]), s.winRate, "sources[$i].win_rate")
            equal(long(r["revenue"]), s.revenue, "sources[$i].revenue")
            equal(moneyMap(r["cost"]), s.cost, "sources[$i].cost")
            equal(ratioMap(r["cost_per_won"]), s.costPerWon, "sources[$i].cost_per_won")
        }
    }
    check(n >= 4) { "compared $n source reports" }
}

fun testTypedCompetitorReport(dir: File) {
    var lostAtStage = 0
    val n = compareReports(dir, "mgmt_competitor_report.json", setOf("competitor_report"),
        { e, actor, q -> e.competitorReport(instant(q["closed_from"]), instant(q["closed_to"]), actor, instant(q["as_of"])) }) { t, json, _ ->
        t as CompetitorReport
        json as Map<*, *>
        equal(ulong(json["deals"]), t.deals, "deals")
        val closed = json["closed"] as Map<*, *>
        equal(instant(closed["from"]), t.closedFrom, "closed.from")
        val rows = json["competitors"] as List<*>
        equal(rows.size, t.competitors.size, "competitors")
        rows.forEachIndexed { i, r ->
            r as Map<*, *>
            val c = t.competitors[i]
            equal(r["competitor"], c.competitor, "competitors[$i]")
            for ((k, v) in listOf("met" to c.met, "open" to c.open, "won" to c.won, "lost_to" to c.lostTo, "lost_other" to c.lostOther)) {
                equal(ulong(r[k]), v, "competitors[$i].$k")
            }
            equal(double(r["win_rate"]), c.winRate, "competitors[$i].win_rate")
            equal(double(r["head_to_head_win_rate"]), c.headToHeadWinRate, "competitors[$i].head_to_head_win_rate")
            equal(moneyMap(r["open_amount"]), c.openAmount, "competitors[$i].open_amount")
            equal(moneyMap(r["lost_to_amount"]), c.lostToAmount, "competitors[$i].lost_to_amount")
            val stages = (r["lost_at_stage"] ?: emptyMap<String, Any?>()) as Map<*, *>
            equal(stages.keys.toList(), c.lostAtStage.map { it.stage }, "competitors[$i].lost_at_stage")
            stages.values.forEachIndexed { j, s ->
                equal(ulong((s as Map<*, *>)["lost"]), c.lostAtStage[j].lost, "competitors[$i].lost_at_stage[$j].lost")
                equal(moneyMap(s["amount"]), c.lostAtStage[j].amount, "competitors[$i].lost_at_stage[$j].amount")
                lostAtStage++
            }
        }
    }
    check(n >= 6 && lostAtStage >= 1) { "compared $n competitor reports ($lostAtStage stage losses)" }
}

private fun snapshotMatch(json: Map<*, *>, s: ForecastSnapshot, path: String) {
    equal(json["id"], s.id, "$path.id")
    equal(json["period"], s.period, "$path.period")
    equal(instant(json["taken_at"]), s.takenAt, "$path.taken_at")
    equal(json["currency"], s.currency, "$path.currency")
    val reps = json["reps"] as List<*>
    equal(reps.size, s.reps.size, "$path.reps")
    reps.forEachIndexed { i, r ->
        r as Map<*, *>
        val t = s.reps[i]
        equal(r["rep"], t.rep, "$path.reps[$i].rep")
        equal(money(r["closed_won"]), t.closedWon, "$path.reps[$i].closed_won")
        equal(money(r["open_pipeline"]), t.openPipeline, "$path.reps[$i].open_pipeline")
        equal(money(r["commit"]), t.commit, "$path.reps[$i].commit")
        equal(double(r["weighted_pipeline"]), t.weightedPipeline, "$path.reps[$i].weighted_pipeline")
        equal(long(r["p50"]), t.p50, "$path.reps[$i].p50")
        equal(r["method"], t.method, "$path.reps[$i].method")
    }
}

fun testTypedForecastSnapshots(dir: File) {
    var comparisons = 0
    val n = compareReports(dir, "mgmt_forecast_accuracy.json", setOf("forecast_snapshot", "forecast_snapshots", "forecast_accuracy"),
        { e, actor, q ->
            when (q["type"]) {
                "forecast_snapshot" -> e.forecastSnapshot(q["id"] as String, actor, instant(q["as_of"]))
                "forecast_snapshots" -> e.forecastSnapshots(actor, instant(q["as_of"]))
                else -> e.forecastAccuracy(actor, instant(q["as_of"]))
            }
        }) { t, json, q ->
        when (q["type"]) {
            "forecast_snapshot" -> snapshotMatch(json as Map<*, *>, t as ForecastSnapshot, "snapshot")
            "forecast_snapshots" -> {
                json as List<*>
                @Suppress("UNCHECKED_CAST")
                t as List<ForecastSnapshot>
                equal(json.size, t.size, "snapshots")
                json.forEachIndexed { i, s -> snapshotMatch(s as Map<*, *>, t[i], "snapshots[$i]") }
            }
            else -> {
                t as ForecastAccuracy
                json as Map<*, *>
                equal(instant(json["as_of"]), t.asOf, "as_of")
                equal(json["pending"], t.pending, "pending")
                equal(long(json["flag_at"]).toUInt(), t.flagAt, "flag_at")
                val cs = json["comparisons"] as List<*>
                equal(cs.size, t.comparisons.size, "comparisons")
                cs.forEachIndexed { i, c ->
                    c as Map<*, *>
                    val x = t.comparisons[i]
                    equal(c["snapshot"], x.snapshot, "comparisons[$i].snapshot")
                    equal(c["rep"], x.rep, "comparisons[$i].rep")
                    equal(money(c["actual"]), x.actual, "comparisons[$i].actual")
                    val err = c["error"] as Map<*, *>
                    equal(double(err["commit"]), x.error.commit, "comparisons[$i].error.commit")
                    equal(double(err["weighted"]), x.error.weighted, "comparisons[$i].error.weighted")
                    comparisons++
                }
                val reps = json["reps"] as List<*>
                equal(reps.size, t.reps.size, "reps")
                reps.forEachIndexed { i, r ->
                    r as Map<*, *>
                    equal(r["rep"], t.reps[i].rep, "reps[$i].rep")
                    equal(r["periods"], t.reps[i].periods, "reps[$i].periods")
                    equal(double((r["commit"] as Map<*, *>)["bias"]), t.reps[i].commit.bias, "reps[$i].commit.bias")
                }
                val pushed = json["pushed"] as List<*>
                equal(pushed.map { (it as Map<*, *>)["opportunity"] }, t.pushed.map { it.opportunity }, "pushed")
                equal(pushed.map { long((it as Map<*, *>)["pushes"]).toUInt() }, t.pushed.map { it.pushes }, "pushed.pushes")
            }
        }
    }
    check(n >= 8 && comparisons >= 1) { "compared $n snapshot answers ($comparisons comparisons)" }
}

private fun groupMatch(json: Map<*, *>, g: FunnelGroup, path: String) {
    equal(json["key"], g.key, "$path.key")
    equal(ulong(json["opportunities"]), g.opportunities, "$path.opportunities")
    val stages = json["stages"] as List<*>
    equal(stages.size, g.stages.size, "$path.stages")
    stages.forEachIndexed { i, s ->
        s as Map<*, *>
        val k = g.stages[i]
        equal(s["id"], k.id, "$path.stages[$i].id")
        equal(ulong(s["entered"]), k.entered, "$path.stages[$i].entered")
        equal(ulong(s["advanced"]), k.advanced, "$path.stages[$i].advanced")
        equal(double(s["win_rate"]), k.winRate, "$path.stages[$i].win_rate")
        equal(long(s["open_amount"]), k.openAmount, "$path.stages[$i].open_amount")
        equal(ulong((s["dwell"] as Map<*, *>)["count"]), k.dwell.count, "$path.stages[$i].dwell.count")
        equal(double((s["dwell"] as Map<*, *>)["mean_seconds"]), k.dwell.meanSeconds, "$path.stages[$i].dwell.mean_seconds")
    }
    val p = json["pipeline"] as Map<*, *>
    equal(ulong(p["closed_won"]), g.pipeline.closedWon, "$path.pipeline.closed_won")
    equal(long(p["won_amount"]), g.pipeline.wonAmount, "$path.pipeline.won_amount")
    equal(long(p["open_amount"]), g.pipeline.openAmount, "$path.pipeline.open_amount")
    equal(double(p["weighted_pipeline"]), g.pipeline.weightedPipeline, "$path.pipeline.weighted_pipeline")
    val tr = json["transitions"] as Map<*, *>
    equal(tr["from"], g.transitions.from, "$path.transitions.from")
    equal((tr["counts"] as List<*>).map { row -> (row as List<*>).map(::ulong) }, g.transitions.counts, "$path.transitions.counts")
}

fun testTypedFunnelForecastCalibration(dir: File) {
    var sections = 0
    val n = compareReports(dir, "engine_funnel_currencies.json", setOf("funnel", "forecast", "calibration"),
        { e, actor, q ->
            val asOf = instant(q["as_of"])
            when (q["type"]) {
                "funnel" -> {
                    val w = q["window"] as Map<*, *>?
                    val mode = when (q["mode"]) { "cumulative" -> FunnelMode.CUMULATIVE; "recorded" -> FunnelMode.RECORDED; else -> null }
                    val by = when (q["by"]) { "source" -> FunnelGroupBy.SOURCE; "owner" -> FunnelGroupBy.OWNER; else -> null }
                    e.funnel(q["pipeline"] as String, instant(w?.get("from")), instant(w?.get("to")), mode, by, actor, asOf)
                }
                "forecast" -> {
                    val p = q["period"] as Map<*, *>?
                    val method = when ((q["method"] as Map<*, *>?)?.get("kind")) {
                        "exact" -> ForecastMethod.Exact
                        null -> null
                        else -> throw Failure("the test does not map method ${q["method"]}")
                    }
                    e.forecast(q["pipeline"] as String, instant(p?.get("from")), instant(p?.get("to")), null, method, actor, asOf)
                }
                else -> {
                    val w = q["window"] as Map<*, *>?
                    e.calibration(q["pipeline"] as String, instant(w?.get("from")), instant(w?.get("to")), actor, asOf)
                }
            }
        }) { t, json, q ->
        json as List<*>
        t as List<*>
        equal(json.size, t.size, "${q["type"]} sections")
        check(json.size >= 2) { "${q["type"]}: the scenario has two currencies, got ${json.size} sections" }
        json.forEachIndexed { i, s ->
            s as Map<*, *>
            val r = s["report"] as Map<*, *>
            val path = "${q["type"]}[$i]"
            when (val x = t[i]) {
                is FunnelSection -> {
                    equal(s["currency"], x.currency, "$path.currency")
                    equal(r["mode"], x.report.mode.name.lowercase(), "$path.mode")
                    equal(instant(r["as_of"]), x.report.asOf, "$path.as_of")
                    groupMatch(r["total"] as Map<*, *>, x.report.total, "$path.total")
                    val groups = r["groups"] as List<*>
                    equal(groups.size, x.report.groups.size, "$path.groups")
                    groups.forEachIndexed { j, g -> groupMatch(g as Map<*, *>, x.report.groups[j], "$path.groups[$j]") }
                }
                is ForecastSection -> {
                    equal(s["currency"], x.currency, "$path.currency")
                    equal(ulong(r["opportunities"]), x.report.opportunities, "$path.opportunities")
                    equal(long(r["amount"]), x.report.amount, "$path.amount")
                    equal(double(r["expected"]), x.report.expected, "$path.expected")
                    equal(listOf(long(r["p10"]), long(r["p50"]), long(r["p90"])), listOf(x.report.p10, x.report.p50, x.report.p90), "$path.p10/p50/p90")
                    equal(r["method"], x.report.method, "$path.method")
                    equal((r["stage_probabilities"] as List<*>).map { double(it) }, x.report.stageProbabilities, "$path.stage_probabilities")
                }
                is CalibrationSection -> {
                    equal(s["currency"], x.currency, "$path.currency")
                    equal(ulong(r["predictions"]), x.report.predictions, "$path.predictions")
                    equal(double(r["brier"]), x.report.brier, "$path.brier")
                    val rows = r["stages"] as List<*>
                    equal(rows.map { (it as Map<*, *>)["stage"] }, x.report.stages.map { it.stage }, "$path.stages")
                    rows.forEachIndexed { j, row ->
                        row as Map<*, *>
                        equal(ulong(row["closed"]), x.report.stages[j].closed, "$path.stages[$j].closed")
                        equal(double(row["observed"]), x.report.stages[j].observed, "$path.stages[$j].observed")
                    }
                }
                else -> throw Failure("$path: unexpected ${x?.javaClass}")
            }
            sections++
        }
    }
    check(n >= 5 && sections >= 8) { "compared $n answers ($sections sections)" }
}
