// The Kotlin tests of salespipe-mobile, run by scripts/test-mobile against the cdylib (JNA):
// every conformance scenario in tests/scenarios/ replayed through Engine.execute and
// Engine.query with the Rust runner's rules (tests/src/lib.rs), every error class, a SQLite
// file reopened from a second Engine, one Engine called from two threads, and the hot path's
// id objects against the string verbs (TestRefs.kt).
// A tiny runner with plain checks: `java ... dev.salespipe.tests.TestSalespipeKt <scenarios dir>`.
package dev.salespipe.tests

import dev.salespipe.*
import java.io.File
import java.nio.file.Files
import java.time.Duration
import java.time.Instant
import kotlin.system.exitProcess

class Failure(message: String) : AssertionError(message)

fun check(cond: Boolean, message: () -> String) {
    if (!cond) throw Failure(message())
}

fun <T> equal(expected: T, actual: T, what: String) {
    check(expected == actual) { "$what: expected $expected, got $actual" }
}

inline fun <reified E : SalespipeException> throws(what: String, block: () -> Unit): E {
    try {
        block()
    } catch (e: SalespipeException) {
        check(e is E) { "$what: expected ${E::class.simpleName}, got ${e::class.simpleName}: $e" }
        return e as E
    }
    throw Failure("$what: expected ${E::class.simpleName}, nothing was thrown")
}

// ----- the conformance runner (the rules of tests/src/lib.rs) -----------------------------

/** True when `actual` contains `expected` (tests/scenarios/README.md, "Matching"). */
fun subsetMatch(expected: Any?, actual: Any?, path: String) {
    when (expected) {
        is Map<*, *> -> {
            check(actual is Map<*, *>) { "$path: expected ${Json.write(expected)}, got ${Json.write(actual)}" }
            val a = actual as Map<*, *>
            for ((k, ev) in expected) subsetMatch(ev, a[k], "$path.$k")
        }
        is List<*> -> {
            check(actual is List<*> && actual.size == expected.size) {
                "$path: expected ${expected.size} items, got ${Json.write(actual)}"
            }
            val a = actual as List<*>
            expected.forEachIndexed { i, ev -> subsetMatch(ev, a[i], "$path[$i]") }
        }
        is Number -> check(actual is Number && actual.toDouble() == expected.toDouble()) {
            "$path: expected $expected, got ${Json.write(actual)}"
        }
        else -> check(expected == actual) { "$path: expected ${Json.write(expected)}, got ${Json.write(actual)}" }
    }
}

/** A query as `actor`, else as the host (null); a failed query is {"error": code}. */
fun ask(engine: Engine, actor: String?, query: Any?): Any? =
    try {
        Json.parse(engine.query(actor, Json.write(query)))
    } catch (e: SalespipeException) {
        mapOf("error" to e.code())
    }

fun runScenario(file: File) {
    @Suppress("UNCHECKED_CAST")
    val scenario = Json.parse(file.readText()) as Map<String, Any?>
    val name = scenario["name"] as String
    val clock = ManualClock(Instant.parse(scenario["start"] as String))
    val engine = Engine(clock = clock)
    @Suppress("UNCHECKED_CAST")
    val steps = scenario["steps"] as List<Map<String, Any?>>
    steps.forEachIndexed { i, step ->
        val where = "$name: steps[$i]"
        (step["at"] as String?)?.let { clock.set(Instant.parse(it)) }
        val command = step["command"]
        val actor = step["actor"] as String?
        val expectError = step["expect_error"] as String?
        if (command != null) {
            check(actor != null) { "$where: a command needs an actor" }
            val before = engine.head()
            var error: SalespipeException? = null
            try {
                engine.execute(actor!!, Json.write(command))
            } catch (e: SalespipeException) {
                error = e
            }
            if (error != null) {
                // A refused command writes nothing.
                check(engine.head() == before) { "$where: a refused command wrote to the store" }
                check(expectError != null) { "$where: unexpected error ${error.code()}: $error" }
                check(error.code() == expectError) { "$where: expected error $expectError, got ${error.code()}: $error" }
            } else {
                check(expectError == null) { "$where: expected error $expectError, the command succeeded" }
            }
        }
        if (step.containsKey("query")) {
            check(step.containsKey("expect")) { "$where: a query needs \"expect\"" }
            // A query is asked by the step's actor, else by the host.
            val actual = ask(engine, actor, step["query"])
            try {
                subsetMatch(step["expect"], actual, "$")
            } catch (f: Failure) {
                throw Failure("$where: ${f.message}")
            }
        }
        check(command != null || step.containsKey("query") || step.containsKey("at")) {
            "$where: a step needs a command, a query or a time"
        }
    }
    engine.close()
    clock.close()
}

// ----- a small world for the other tests ----------------------------------------------

const val PIPELINE = """{"id": "sales", "name": "Sales", "lost_reasons": ["price"],
  "stages": [
    {"id": "qualify", "name": "识别潜在客户", "probability": 0.1,
     "exit": [{"type": "checklist", "item": "budget confirmed"}]},
    {"id": "demo", "name": "产品演示", "probability": 0.3,
     "exit": [{"type": "approval", "process": "quote"}]},
    {"id": "quote", "name": "报价", "probability": 0.6}]}"""

val START: Instant = Instant.parse("2026-03-02T01:00:00Z")

fun world(path: String? = null, clock: ManualClock = ManualClock(START)): Engine {
    val engine = Engine(path, clock)
    engine.registerUser("boss", User("boss", "Boss", Role.ADMIN, null, null))
    engine.registerUser("boss", User("li", "李经理", Role.MANAGER, "boss", "Asia/Shanghai"))
    engine.registerUser("boss", User("wang", "王芳", Role.REP, "li", null))
    engine.defineProcess("boss", """{"id": "quote", "name": "报价审批", "steps": [{"name": "Manager", "approvers": ["li"]}]}""")
    engine.definePipeline("boss", PIPELINE)
    engine.createCustomer(
        "wang",
        NewCustomer("acme", "Acme 科技", CustomerKind.B2B, "wang", true, Duration.ofDays(14), listOf(Contact("c1", "赵总", "CTO", null, null))),
    )
    engine.createOpportunity(
        "wang",
        NewOpportunity("opp-1", "sales", "acme", "wang", "Acme ERP", moneyParse("120000", "CNY"), "2026-06-30", "referral", null, listOf("c1")),
    )
    return engine
}

fun testTypedWalk() {
    val clock = ManualClock(START)
    val engine = world(clock = clock)
    val gate = throws<SalespipeException.GateNotMet>("advance before the tick") {
        engine.advance("wang", "opp-1", "demo")
    }
    equal(false, gate.report.met, "report.met")
    equal("识别潜在客户", gate.report.items[0].stageName, "stage name")
    check(gate.toString().contains("budget confirmed")) { "message: $gate" }
    equal("gate_not_met", gate.code(), "code")
    engine.tick("wang", "opp-1", "budget confirmed")
    equal(true, engine.check("opp-1", "demo").met, "check after the tick")
    clock.advance(Duration.ofHours(1))
    val head = engine.head()
    engine.advance("wang", "opp-1", "demo")
    // a typed verb returns nothing (Unit): its events are in the log, after the head
    val events = engine.events(after = head)
    equal(1, events.size, "events of an advance")
    equal(Instant.parse("2026-03-02T02:00:00Z"), events[0].at, "event time")
    equal("moved", events[0].kind, "event kind")
    val o = engine.opportunity("opp-1")
    equal("demo", o.stage, "stage")
    equal(Money(12000000L, "CNY"), o.amount, "amount")
    equal("120000.00", moneyToDecimal(o.amount), "decimal")
    equal(OpportunityStatus.Open, o.status, "status")
    equal("qualify", engine.opportunity("opp-1", asOf = Instant.parse("2026-03-02T01:30:00Z")).stage, "as of")
    engine.lose("wang", "opp-1", "price", competitor = "Rival")
    equal(OpportunityStatus.Lost("price", "Rival"), engine.opportunity("opp-1").status, "lost")
    val hows = engine.timeline("opp-1").map { it.how }
    equal(listOf(TimelineKind.CREATED, TimelineKind.SUB_GOAL, TimelineKind.LOST), hows, "timeline")
    // as a user: the owner sees the deal
    equal("opp-1", engine.opportunity("opp-1", reader = "wang").id, "reader wang")
    engine.close()
}

fun testWorkflowVerbs() {
    val clock = ManualClock(START)
    val engine = world(clock = clock)
    engine.tick("wang", "opp-1", "budget confirmed")
    engine.untick("wang", "opp-1", "budget confirmed")
    equal(false, engine.check("opp-1", "demo").met, "unticked")
    engine.tick("wang", "opp-1", "budget confirmed")
    engine.advance("wang", "opp-1", "demo")
    engine.submitApproval("wang", "opp-1", "quote", "r-1")
    throws<SalespipeException>("advance while pending") { engine.advance("wang", "opp-1", "quote") }
    engine.decideApproval("li", "opp-1", "r-1", Decision.APPROVE)
    engine.advance("wang", "opp-1", "quote")
    engine.moveBack("wang", "opp-1", "demo", reason = "new stakeholder")
    engine.forceAdvance("li", "opp-1", "quote", "CEO signed off")
    engine.win("wang", "opp-1")
    engine.reopen("wang", "opp-1", "contract cancelled")
    engine.updateOpportunity("wang", "opp-1", """{"name": "Acme ERP, phase 1", "source": null}""")
    val o = engine.opportunity("opp-1")
    equal("Acme ERP, phase 1", o.name, "patched name")
    equal(null, o.source, "cleared source")
    equal(
        listOf(TimelineKind.CREATED, TimelineKind.SUB_GOAL, TimelineKind.APPROVED, TimelineKind.BACK,
            TimelineKind.FORCED, TimelineKind.SIMPLE, TimelineKind.REOPENED),
        engine.timeline("opp-1").map { it.how },
        "timeline of every verb",
    )
    val week = START.plus(Duration.ofDays(7))
    engine.logActivity("wang", NewActivity("act-1", "visit", "acme", START, contact = "c1", opportunity = "opp-1", notes = "met the CTO", nextFollowUp = week))
    engine.createTask("wang", NewTask("task-1", "Send the quote", "wang", START.plus(Duration.ofDays(2)), customer = "acme", opportunity = "opp-1"))
    val soon = engine.upcoming(START, START.plus(Duration.ofDays(30))).map { it.id }
    check("follow_up/act-1" in soon && soon.any { it.startsWith("task_") }) { "upcoming: $soon" }
    val later = week.plus(Duration.ofHours(1))
    check(engine.due(later, recipient = "wang").any { it.id == "follow_up/act-1" && it.kind == ReminderKind.FOLLOW_UP }) { "follow-up due" }
    clock.set(later)
    engine.snoozeReminder("wang", "follow_up/act-1", later.plus(Duration.ofDays(1)))
    check(engine.due(later).none { it.id == "follow_up/act-1" }) { "snoozed away" }
    val overdue = engine.due(later).single { it.kind == ReminderKind.TASK_OVERDUE }
    engine.acknowledgeReminder("wang", overdue.id)
    engine.dismissReminder("wang", overdue.id)
    check(engine.due(later).none { it.id == overdue.id }) { "dismissed" }
    engine.completeTask("wang", "task-1")
    engine.reopenTask("wang", "task-1")
    // the typed daily report is the query's answer, as records
    val daily = engine.dailyReport("wang", "2026-03-02")
    equal("2026-03-02", daily.day, "daily day")
    equal(1UL, daily.figures.newOpportunities, "daily new deals")
    equal(listOf(Money(12000000L, "CNY")), daily.figures.newOpportunityAmount, "daily new amount")
    equal(1UL, daily.figures.won, "daily won")
    equal(1UL, daily.figures.activities["visit"], "daily visits")
    val json = Json.parse(engine.query(null, """{"type": "daily_report", "rep": "wang", "day": "2026-03-02"}""")) as Map<*, *>
    subsetMatch(
        mapOf("figures" to mapOf("new_opportunities" to 1L, "advances" to daily.figures.advances.toLong(), "moves_back" to daily.figures.movesBack.toLong())),
        json,
        "daily_report",
    )
    equal(daily.from, Instant.parse(json["from"] as String), "daily from")
    // the event log, typed, in pages
    val all = engine.events(limit = 100000u)
    equal(engine.head(), all.last().position, "events up to the head")
    val page = engine.events(after = 3UL, limit = 2u)
    equal(listOf(4UL, 5UL), page.map { it.position }, "a page of events")
    check(all.any { it.kind == "moved" }) { "kinds: ${all.map { it.kind }.toSet()}" }
    throws<SalespipeException.PermissionDenied>("a rep reads the event log") { engine.events(reader = "wang") }
    engine.defineProcess("boss", """{"id": "legal", "name": "法务审批", "steps": [{"name": "Legal", "approvers": ["li"]}]}""")
    engine.submitApproval("wang", "opp-1", "legal", "r-2")
    engine.withdrawApproval("wang", "opp-1", "r-2")
    engine.resubmitApproval("wang", "opp-1", "r-2")
    engine.decideApproval("li", "opp-1", "r-2", Decision.REJECT, comment = "discount too deep")
    val rejected = Json.parse(engine.query(null, """{"type": "opportunity", "id": "opp-1"}""")) as Map<*, *>
    check(Json.write(rejected["approvals"]).contains("discount too deep")) { "the rejection's comment: ${rejected["approvals"]}" }
    engine.close()
}

fun testReminders() {
    val engine = world()
    val next = engine.nextDueAfter(START)
    check(next != null && next.isAfter(START)) { "next due after start: $next" }
    equal(0, engine.due(START).size, "nothing due at the start")
    val due = engine.due(next!!)
    check(due.any { it.kind == ReminderKind.KEY_CUSTOMER_CADENCE && it.customer == "acme" }) { "due: $due" }
    check(engine.due(next, recipient = "wang", limit = 1u).size == 1) { "a recipient's first" }
    engine.close()
}

/** Every error class, each raised by the engine (or its code path), each with its code. */
fun testEveryErrorClass() {
    val engine = world()
    val head = engine.head()
    fun <E : SalespipeException> refused(e: E, code: String): E {
        equal(code, e.code(), "code of ${e::class.simpleName}")
        equal(head, engine.head(), "${e::class.simpleName}: a refused command writes nothing")
        check(e.toString().isNotBlank()) { "a message" }
        return e
    }
    refused(throws<SalespipeException.GateNotMet>("gate") { engine.advance("wang", "opp-1", "demo") }, "gate_not_met")
    refused(throws<SalespipeException.InvalidTransition>("back to a later stage") {
        engine.execute("wang", """{"type": "move_back", "opportunity": "opp-1", "to": "quote"}""")
    }, "invalid_transition")
    val nf = refused(throws<SalespipeException.NotFound>("unknown deal") { engine.opportunity("nope") }, "not_found")
    equal("nope", nf.id, "not found id")
    equal("opportunity", nf.kind, "not found kind")
    val ae = refused(throws<SalespipeException.AlreadyExists>("customer again") {
        engine.createCustomer("wang", NewCustomer("acme", "Again", CustomerKind.B2C, null, false, null, emptyList()))
    }, "already_exists")
    equal("acme", ae.id, "already exists id")
    val def = refused(throws<SalespipeException.InvalidDefinition>("duplicate stage") {
        engine.definePipeline("boss", """{"id": "p2", "name": "P2", "stages": [{"id": "a", "name": "A", "probability": 0.1}, {"id": "a", "name": "A", "probability": 0.2}]}""")
    }, "invalid_definition")
    check(def.problems.isNotEmpty()) { "problems" }
    val v = refused(throws<SalespipeException.Validation>("bad json") { engine.execute("wang", "{") }, "validation")
    equal("command", v.field, "validation field")
    refused(throws<SalespipeException.Money>("mixed currencies") {
        engine.execute("wang", """{"type": "create_opportunity", "opportunity": {"id": "opp-2", "pipeline": "sales", "customer": "acme", "owner": "wang", "name": "Mixed", "amount": {"minor": 1000, "currency": "CNY"}, "amount_from_products": true, "products": [{"product": "x", "quantity": 1, "unit_price": {"minor": 500, "currency": "USD"}}]}}""")
    }, "money")
    val pd = refused(throws<SalespipeException.PermissionDenied>("a rep defines a pipeline") {
        engine.definePipeline("wang", """{"id": "p3", "name": "P3", "stages": [{"id": "a", "name": "A", "probability": 0.1}]}""")
    }, "permission_denied")
    equal("wang", pd.actor, "permission actor")
    // approval pending: submit, then a second submission of the same process waits on it
    engine.tick("wang", "opp-1", "budget confirmed")
    engine.advance("wang", "opp-1", "demo")
    engine.execute("wang", """{"type": "submit_approval", "opportunity": "opp-1", "process": "quote", "request": "r-1"}""")
    val head2 = engine.head()
    val pending = throws<SalespipeException>("advance while the approval is pending") {
        engine.advance("wang", "opp-1", "quote")
    }
    check(pending is SalespipeException.ApprovalPending || pending is SalespipeException.GateNotMet) { "pending: $pending" }
    equal(head2, engine.head(), "nothing written")
    val pending2 = throws<SalespipeException.ApprovalPending>("resubmit a pending request") {
        engine.execute("wang", """{"type": "resubmit_approval", "opportunity": "opp-1", "request": "r-1"}""")
    }
    equal("approval_pending", pending2.code(), "approval pending code")
    equal(head2, engine.head(), "nothing written")
    val st = throws<SalespipeException.Storage>("a file in a missing directory") {
        Engine.open(File(Files.createTempDirectory("sp").toFile(), "no/such/dir/x.sqlite").path)
    }
    equal("storage", st.code(), "storage code")
    engine.close()
}

/** Every class once more through sampleError: the codes no engine provokes on demand too. */
fun testSampleErrors() {
    val classes = mapOf(
        "gate_not_met" to SalespipeException.GateNotMet::class,
        "approval_pending" to SalespipeException.ApprovalPending::class,
        "invalid_transition" to SalespipeException.InvalidTransition::class,
        "not_found" to SalespipeException.NotFound::class,
        "already_exists" to SalespipeException.AlreadyExists::class,
        "conflict" to SalespipeException.Conflict::class,
        "invalid_definition" to SalespipeException.InvalidDefinition::class,
        "validation" to SalespipeException.Validation::class,
        "money" to SalespipeException.Money::class,
        "permission_denied" to SalespipeException.PermissionDenied::class,
        "unsupported_version" to SalespipeException.UnsupportedVersion::class,
        "storage" to SalespipeException.Storage::class,
        "internal" to SalespipeException.Internal::class,
    )
    for ((code, cls) in classes) {
        val e = throws<SalespipeException>(code) { sampleError(code) }
        check(cls.isInstance(e)) { "$code: expected ${cls.simpleName}, got ${e::class.simpleName}" }
        equal(code, e.code(), "code of ${cls.simpleName}")
        check(e.toString().isNotBlank()) { "$code: a message" }
    }
    val conflict = throws<SalespipeException.Conflict>("conflict") { sampleError("conflict") }
    equal("opportunity/opp-1", conflict.stream, "conflict stream")
    equal(3UL, conflict.expected, "conflict expected")
    equal(4UL, conflict.actual, "conflict actual")
    val gate = throws<SalespipeException.GateNotMet>("gate") { sampleError("gate_not_met") }
    equal("识别潜在客户", gate.report.items.single().stageName, "sample report")
    val panic = throws<SalespipeException.Internal>("panic") { sampleError("internal") }
    check(panic.detail.contains("a sample panic")) { "panic detail: ${panic.detail}" }
    throws<SalespipeException.Validation>("an unknown code") { sampleError("nope") }
}

/** The typed attainment report is the query's answer as records: every attainment query of
 *  mgmt_targets_attainment.json, asked both ways after replaying its commands. */
fun testTypedAttainment(dir: File) {
    @Suppress("UNCHECKED_CAST")
    val scenario = Json.parse(File(dir, "mgmt_targets_attainment.json").readText()) as Map<String, Any?>
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
        val q = step["query"] as Map<String, Any?>? ?: continue
        if (q["type"] != "attainment") continue
        val json = ask(engine, actor, q) as Map<*, *>
        val asOf = (q["as_of"] as String?)?.let { Instant.parse(it) }
        val call = { engine.attainment(q["period"] as String, q["currency"] as String?, q["time_zone"] as String?, actor, asOf) }
        if (json.containsKey("error")) {
            val e = throws<SalespipeException>("typed attainment refused like the query") { call() }
            equal(json["error"], e.code(), "typed attainment's error")
            continue
        }
        val typed = call()
        equal(json["period"], typed.period, "period")
        equal(json["currency"], typed.currency, "currency")
        val rows = json["rows"] as List<*>
        equal(rows.size, typed.rows.size, "rows")
        rows.forEachIndexed { i, r ->
            r as Map<*, *>
            val t = typed.rows[i]
            equal(r["scope"], t.scope, "rows[$i].scope")
            equal(((r["closed_won"] as Map<*, *>)["minor"] as Number).toLong(), t.closedWon.minor, "rows[$i].closed_won")
            equal((r["attainment"] as Number?)?.toDouble(), t.attainment, "rows[$i].attainment")
            equal((r["weighted_pipeline"] as Number).toDouble(), t.weightedPipeline, "rows[$i].weighted_pipeline")
            subsetMatch(r, Json.parse(t.json), "rows[$i].json")
        }
        equal((json["decomposition"] as List<*>).size, typed.decomposition.size, "decomposition")
        compared++
    }
    check(compared >= 2) { "compared $compared attainment answers" }
    engine.close()
}

fun figuresMatch(json: Map<*, *>, f: DailyFigures, path: String) {
    fun n(key: String) = (json[key] as Number).toLong().toULong()
    equal(n("new_customers"), f.newCustomers, "$path.new_customers")
    equal(n("new_contacts"), f.newContacts, "$path.new_contacts")
    equal(n("new_opportunities"), f.newOpportunities, "$path.new_opportunities")
    equal(n("advances"), f.advances, "$path.advances")
    equal(n("moves_back"), f.movesBack, "$path.moves_back")
    equal(n("won"), f.won, "$path.won")
    equal(n("lost"), f.lost, "$path.lost")
    equal(n("tasks_completed"), f.tasksCompleted, "$path.tasks_completed")
    equal(n("tasks_overdue"), f.tasksOverdue, "$path.tasks_overdue")
    equal(n("follow_ups_next_day"), f.followUpsNextDay, "$path.follow_ups_next_day")
    fun money(key: String, typed: List<Money>) {
        val m = json[key] as Map<*, *>
        equal(m.map { (c, v) -> Money((v as Number).toLong(), c as String) }, typed, "$path.$key")
    }
    money("new_opportunity_amount", f.newOpportunityAmount)
    money("won_amount", f.wonAmount)
    money("lost_amount", f.lostAmount)
    val w = json["weighted_change"] as Map<*, *>
    equal(w.map { (c, v) -> Weighted(c as String, (v as Number).toDouble()) }, f.weightedChange, "$path.weighted_change")
    equal((json["activities"] as Map<*, *>).map { (k, v) -> (k as String) to (v as Number).toLong().toULong() }.toMap(), f.activities, "$path.activities")
}

/** The typed daily reports are the queries' answers as records: every daily step of
 *  mgmt_daily_report.json asked both ways, and ranges that agree with the days. */
fun testTypedDailyReports(dir: File) {
    @Suppress("UNCHECKED_CAST")
    val scenario = Json.parse(File(dir, "mgmt_daily_report.json").readText()) as Map<String, Any?>
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
        val q = step["query"] as Map<String, Any?>? ?: continue
        val asOf = (q["as_of"] as String?)?.let { Instant.parse(it) }
        val json = ask(engine, actor, q) as Map<*, *>
        if (json.containsKey("error")) continue
        when (q["type"]) {
            "daily_report" -> {
                val typed = engine.dailyReport(q["rep"] as String, q["day"] as String, actor, asOf)
                equal(json["time_zone"], typed.timeZone, "time zone")
                equal(Instant.parse(json["from"] as String), typed.from, "from")
                figuresMatch(json["figures"] as Map<*, *>, typed.figures, "daily_report")
                val day = q["day"] as String
                val one = engine.dailyRangeReport(q["rep"] as String, day, day, actor, asOf)
                equal(typed.figures, one.total, "a one-day range is that day")
                val next = java.time.LocalDate.parse(day).plusDays(1).toString()
                val two = engine.dailyRangeReport(q["rep"] as String, day, next, actor, asOf)
                equal(listOf(day, next), two.days.map { it.day }, "the days of a range")
                equal(typed.figures, two.days[0].figures, "the range's first day is the day's report")
                compared++
            }
            "daily_team_report" -> {
                val typed = engine.dailyTeamReport(q["manager"] as String, q["day"] as String, actor, asOf)
                val rows = json["rows"] as List<*>
                equal(rows.size, typed.rows.size, "team rows")
                rows.forEachIndexed { i, r -> figuresMatch((r as Map<*, *>)["figures"] as Map<*, *>, typed.rows[i].figures, "rows[$i]") }
                figuresMatch(json["totals"] as Map<*, *>, typed.totals, "totals")
                compared++
            }
        }
    }
    check(compared >= 3) { "compared $compared daily answers" }
    engine.close()
}

fun testTimeErrors() {
    val v = throws<SalespipeException.Validation>("an instant past 9999") {
        ManualClock(Instant.parse("+12000-01-01T00:00:00Z"))
    }
    equal("at", v.field, "field of the instant")
    // (uniffi's wire format loses the sign of instants less than a second before 1970: see README)
    val before1970 = Instant.parse("1969-07-20T20:17:40.250Z")
    equal(before1970, ManualClock(before1970).now(), "an instant before 1970")
}

fun testSqliteReopen() {
    val path = File(Files.createTempDirectory("salespipe").toFile(), "pipe.sqlite").path
    val first = world(path)
    first.tick("wang", "opp-1", "budget confirmed")
    val head = first.head()
    // a second engine on the same file, while the first is open
    val second = Engine.open(path)
    equal(head, second.head(), "head of the second engine")
    equal(listOf("budget confirmed"), second.opportunity("opp-1").checklist, "checklist read back")
    first.advance("wang", "opp-1", "demo")
    second.catchUp()
    equal("demo", second.opportunity("opp-1").stage, "caught up")
    first.close()
    second.close()
    val third = Engine(path)
    equal("demo", third.opportunity("opp-1").stage, "reopened")
    third.close()
}

fun testTwoThreads() {
    val engine = world()
    val errors = java.util.concurrent.ConcurrentLinkedQueue<Throwable>()
    val threads = (0 until 2).map { t ->
        Thread {
            try {
                repeat(25) { i ->
                    engine.tick("wang", "opp-1", "item $t-$i")
                    engine.opportunity("opp-1")
                    engine.query(null, """{"type": "timeline", "id": "opp-1"}""")
                }
            } catch (e: Throwable) {
                errors.add(e)
            }
        }
    }
    threads.forEach { it.start() }
    threads.forEach { it.join() }
    check(errors.isEmpty()) { "errors in threads: $errors" }
    equal(50, engine.opportunity("opp-1").checklist.size, "ticks from both threads")
    engine.close()
}

/** Bad input: a typed exception naming the field (or, for a command's JSON, the command and
 *  serde's words for what is wrong), and nothing written. A float or a null where the typed
 *  API takes a Long or a non-null value does not compile; through the JSON they are refused. */
fun testBadInput() {
    val engine = world()
    val head = engine.head()
    fun validation(what: String, block: () -> Unit): SalespipeException.Validation {
        val e = throws<SalespipeException.Validation>(what) { block() }
        equal(head, engine.head(), "$what: nothing written")
        return e
    }
    val malformed = validation("malformed JSON") { engine.execute("wang", "{\"type\": ") }
    check(malformed.field.startsWith("command")) { "malformed: ${malformed.field}" }
    val negative = validation("a negative amount") {
        engine.createOpportunity("wang", NewOpportunity("opp-9", "sales", "acme", "wang", "Bad", Money(-1, "CNY"), null, null, null, emptyList()))
    }
    equal("amount", negative.field, "the field of a negative amount")
    val float = validation("a float amount") {
        engine.execute("wang", """{"type": "create_opportunity", "opportunity": {"id": "opp-9", "pipeline": "sales", "customer": "acme", "owner": "wang", "name": "F", "amount": {"minor": 10.5, "currency": "CNY"}}}""")
    }
    equal("command", float.field, "the field of a float amount")
    check(float.detail.contains("floating point `10.5`")) { "float: ${float.detail}" }
    val nul = validation("a null id") {
        engine.execute("wang", """{"type": "create_opportunity", "opportunity": {"id": null, "pipeline": "sales", "customer": "acme", "owner": "wang", "name": "N", "amount": {"minor": 1, "currency": "CNY"}}}""")
    }
    check(nul.detail.contains("invalid type: null")) { "null: ${nul.detail}" }
    val path = validation("a record's JSON") {
        engine.definePipeline("boss", """{"id": "p2", "name": "P2", "stages": [{"id": "a", "name": "A", "probability": 0.1}, {"id": "b", "name": 7, "probability": 0.2}]}""")
    }
    equal("pipeline.stages[1].name", path.field, "the path inside a record")
    val stage = throws<SalespipeException.NotFound>("a stage the pipeline lacks") { engine.advance("wang", "opp-1", "nowhere") }
    equal("stage" to "nowhere", stage.kind to stage.id, "the unknown stage")
    equal(head, engine.head(), "an unknown stage: nothing written")
    throws<SalespipeException.Validation>("an instant past 9999") { ManualClock(Instant.parse("+12000-01-01T00:00:00Z")) }
    engine.close()
}

fun main(args: Array<String>) {
    val dir = File(if (args.isNotEmpty()) args[0] else "tests/scenarios")
    val files = (dir.listFiles() ?: emptyArray()).filter { it.name.endsWith(".json") }.sortedBy { it.name }
    val tests = mutableListOf<Pair<String, () -> Unit>>()
    tests.add("there are scenarios" to { check(files.size >= 10) { "found ${files.size} in $dir" } })
    files.forEach { f -> tests.add("scenario ${f.name}" to { runScenario(f) }) }
    tests.add("typed commands and reads walk a deal" to ::testTypedWalk)
    tests.add("reminders: due and nextDueAfter" to ::testReminders)
    tests.add("every typed verb: approvals, moves, activities, tasks, reminders" to ::testWorkflowVerbs)
    tests.add("every error class" to ::testEveryErrorClass)
    tests.add("every error class through sampleError" to ::testSampleErrors)
    tests.add("typed attainment = the attainment query's answer" to { testTypedAttainment(dir) })
    tests.add("typed daily reports = the daily queries' answers" to { testTypedDailyReports(dir) })
    tests.add("typed expense report = the query's answer" to { testTypedExpenseReport(dir) })
    tests.add("typed source report = the query's answer" to { testTypedSourceReport(dir) })
    tests.add("typed competitor report = the query's answer" to { testTypedCompetitorReport(dir) })
    tests.add("typed forecast snapshots and accuracy = the queries' answers" to { testTypedForecastSnapshots(dir) })
    tests.add("typed funnel, forecast, calibration per currency = the queries' answers" to { testTypedFunnelForecastCalibration(dir) })
    tests.add("instants: range and before 1970" to ::testTimeErrors)
    tests.add("bad input: typed errors naming the field, nothing written" to ::testBadInput)
    tests.add("a SQLite file reopened from a second Engine" to ::testSqliteReopen)
    tests.add("one Engine from two threads" to ::testTwoThreads)
    tests.add("ref verbs do what the string verbs do" to ::testRefVerbsDoWhatStringVerbsDo)
    tests.add("ref verbs refuse like the string verbs, writing nothing" to ::testRefVerbsRefuseLikeStringVerbs)
    tests.add("refs: checked when made, compared by id" to ::testRefsAreCheckedAndCompareById)
    tests.add("one set of refs from two threads" to ::testRefsFromTwoThreads)
    var failed = 0
    val started = System.nanoTime()
    for ((name, test) in tests) {
        try {
            test()
            println("ok   $name")
        } catch (e: Throwable) {
            failed++
            println("FAIL $name: ${e.message ?: e}")
            if (e !is Failure) e.printStackTrace()
        }
    }
    val ms = (System.nanoTime() - started) / 1_000_000
    println("${tests.size - failed} passed, $failed failed (${ms} ms)")
    exitProcess(if (failed == 0) 0 else 1)
}
