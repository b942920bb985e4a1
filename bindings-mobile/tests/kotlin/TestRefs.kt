// The hot path's id objects (ActorRef, OpportunityRef, StageRef) and the …Ref verbs against
// the string verbs: the same walk leaves the same log, a refused ref verb throws what the
// string verb throws and writes nothing, a ref is checked when made and compares by its id,
// and one set of refs serves two threads. Run from TestSalespipe.kt's main.
package dev.salespipe.tests

import dev.salespipe.*

/** The refs of the world's ids, made once. */
class Refs {
    val wang = ActorRef("wang")
    val opp = OpportunityRef("opp-1")
    val qualify = StageRef("qualify")
    val demo = StageRef("demo")
    val quote = StageRef("quote")
}

/** One walk through every ref verb, on two engines: one through the string verbs, one
 *  through the ref verbs; the event logs, timelines and opportunities must be equal. */
fun testRefVerbsDoWhatStringVerbsDo() {
    val byString = world()
    byString.tick("wang", "opp-1", "budget confirmed")
    byString.advance("wang", "opp-1", "demo")
    byString.submitApproval("wang", "opp-1", "quote", "r-1")
    byString.decideApproval("li", "opp-1", "r-1", Decision.APPROVE)
    byString.advance("wang", "opp-1", "quote")
    byString.moveBack("wang", "opp-1", "demo", reason = "new stakeholder")
    byString.advance("wang", "opp-1", "quote")
    byString.moveBack("wang", "opp-1", "demo")
    byString.advance("wang", "opp-1", "quote")
    byString.win("wang", "opp-1")

    val byRef = world()
    val r = Refs()
    byRef.tickRef(r.wang, r.opp, "budget confirmed")
    byRef.advanceRef(r.wang, r.opp, r.demo)
    byRef.submitApproval("wang", "opp-1", "quote", "r-1")
    byRef.decideApproval("li", "opp-1", "r-1", Decision.APPROVE)
    byRef.advanceRef(r.wang, r.opp, r.quote)
    byRef.moveBackRef(r.wang, r.opp, r.demo, reason = "new stakeholder")
    byRef.advanceRef(r.wang, r.opp, r.quote)
    byRef.moveBackRef(r.wang, r.opp, r.demo)
    byRef.advanceRef(r.wang, r.opp, r.quote)
    byRef.winRef(r.wang, r.opp)

    val log = byRef.events(limit = 100000u)
    equal(byString.events(limit = 100000u), log, "the event logs")
    equal(byString.timeline("opp-1"), byRef.timeline("opp-1"), "the timelines")
    equal(
        listOf(TimelineKind.CREATED, TimelineKind.SUB_GOAL, TimelineKind.APPROVED, TimelineKind.BACK,
            TimelineKind.APPROVED, TimelineKind.BACK, TimelineKind.APPROVED, TimelineKind.SIMPLE),
        byRef.timeline("opp-1").map { it.how },
        "the timeline of the ref verbs",
    )
    equal(byString.opportunity("opp-1"), byRef.opportunity("opp-1"), "the opportunities")
    equal(OpportunityStatus.Won, byRef.opportunity("opp-1").status, "won through winRef")
    equal(listOf("budget confirmed"), byRef.opportunity("opp-1").checklist, "ticked through tickRef")
    byString.close()
    byRef.close()
}

/** Runs `byString` and `byRef`, each of which must throw; the two exceptions must be of the
 *  same class with the same code, message and fields, and neither may write. */
fun sameRefusal(engine: Engine, what: String, byString: () -> Unit, byRef: () -> Unit): SalespipeException {
    val head = engine.head()
    val s = throws<SalespipeException>("$what (string verb)") { byString() }
    val r = throws<SalespipeException>("$what (ref verb)") { byRef() }
    equal(s::class, r::class, "$what: the class")
    equal(s.code(), r.code(), "$what: the code")
    equal(s.message, r.message, "$what: the message")
    when (s) {
        is SalespipeException.GateNotMet -> equal(s.report, (r as SalespipeException.GateNotMet).report, "$what: the report")
        is SalespipeException.NotFound -> {
            r as SalespipeException.NotFound
            equal(s.kind to s.id, r.kind to r.id, "$what: what was not found")
        }
        is SalespipeException.PermissionDenied -> {
            r as SalespipeException.PermissionDenied
            equal(s.actor to s.action, r.actor to r.action, "$what: the refusal")
        }
        else -> {}
    }
    equal(head, engine.head(), "$what: a refused command writes nothing")
    return r
}

fun testRefVerbsRefuseLikeStringVerbs() {
    val engine = world()
    val r = Refs()
    val gate = sameRefusal(engine, "the gate", { engine.advance("wang", "opp-1", "demo") }, { engine.advanceRef(r.wang, r.opp, r.demo) })
    check(gate is SalespipeException.GateNotMet) { "gate: $gate" }
    check(gate.toString().contains("budget confirmed")) { "gate message: $gate" }
    val opp9 = OpportunityRef("opp-9")
    val nf = sameRefusal(engine, "an unknown opportunity", { engine.advance("wang", "opp-9", "demo") }, { engine.advanceRef(r.wang, opp9, r.demo) })
    check(nf is SalespipeException.NotFound && nf.id == "opp-9" && nf.kind == "opportunity") { "not found: $nf" }
    sameRefusal(engine, "win an unknown opportunity", { engine.win("wang", "opp-9") }, { engine.winRef(r.wang, opp9) })
    sameRefusal(engine, "tick an unknown opportunity", { engine.tick("wang", "opp-9", "x") }, { engine.tickRef(r.wang, opp9, "x") })
    val nowhere = StageRef("nowhere")
    val stage = sameRefusal(engine, "a stage the pipeline lacks", { engine.advance("wang", "opp-1", "nowhere") }, { engine.advanceRef(r.wang, r.opp, nowhere) })
    check(stage !is SalespipeException.Internal) { "a missing stage: $stage" }
    sameRefusal(engine, "back to a stage the pipeline lacks", { engine.moveBack("wang", "opp-1", "nowhere") }, { engine.moveBackRef(r.wang, r.opp, nowhere) })
    sameRefusal(engine, "back to a later stage", { engine.moveBack("wang", "opp-1", "quote") }, { engine.moveBackRef(r.wang, r.opp, r.quote) })
    sameRefusal(engine, "win past the gates", { engine.win("wang", "opp-1") }, { engine.winRef(r.wang, r.opp) })
    val nobody = ActorRef("nobody")
    sameRefusal(engine, "an unknown actor", { engine.tick("nobody", "opp-1", "x") }, { engine.tickRef(nobody, r.opp, "x") })
    engine.close()
}

fun testRefsAreCheckedAndCompareById() {
    for ((field, make) in listOf<Pair<String, () -> Any>>(
        "actor" to { ActorRef(" ") },
        "opportunity" to { OpportunityRef("") },
        "stage" to { StageRef("\t") },
    )) {
        val v = throws<SalespipeException.Validation>("a blank $field ref") { make() }
        equal(field, v.field, "the field of a blank $field ref")
        equal("validation", v.code(), "the code of a blank $field ref")
    }
    // the core's own words for a blank actor of a string verb
    val engine = world()
    val byString = throws<SalespipeException.Validation>("a blank actor") { engine.advance(" ", "opp-1", "demo") }
    val byRef = throws<SalespipeException.Validation>("a blank ActorRef") { ActorRef(" ") }
    equal(byString.message, byRef.message, "a blank actor's message")
    engine.close()
    // no bound on the length, as in the core
    val long = "o".repeat(10_000)
    equal(long, OpportunityRef(long).id(), "a long id")

    val a = OpportunityRef("opp-1")
    val b = OpportunityRef("opp-1")
    val c = OpportunityRef("opp-2")
    check(a == b) { "equal ids make equal refs" }
    check(a != c) { "other ids make other refs" }
    equal(a.hashCode(), b.hashCode(), "the hash of equal refs")
    equal(2, setOf(a, b, c).size, "refs in a set")
    equal("opp-1", a.toString(), "toString is the id")
    equal("opp-1", a.id(), "id()")
    check(StageRef("won") == StageRef("won")) { "stage refs compare" }
    equal("wang", ActorRef("wang").toString(), "an actor ref prints as its id")
    a.close()
    check(b.id() == "opp-1") { "closing one ref leaves an equal one" }
}

/** One set of refs used by two threads at once: one moves the deal back and forth, the
 *  other ticks items; then every move and every tick is there. */
fun testRefsFromTwoThreads() {
    val engine = world()
    val r = Refs()
    engine.tickRef(r.wang, r.opp, "budget confirmed")
    val errors = java.util.concurrent.ConcurrentLinkedQueue<Throwable>()
    val mover = Thread {
        try {
            repeat(25) {
                engine.advanceRef(r.wang, r.opp, r.demo)
                engine.moveBackRef(r.wang, r.opp, r.qualify)
            }
        } catch (e: Throwable) {
            errors.add(e)
        }
    }
    val ticker = Thread {
        try {
            repeat(25) { i ->
                engine.tickRef(r.wang, r.opp, "item $i")
                check(r.opp == OpportunityRef("opp-1")) { "a ref made in a thread equals the shared one" }
            }
        } catch (e: Throwable) {
            errors.add(e)
        }
    }
    listOf(mover, ticker).forEach { it.start() }
    listOf(mover, ticker).forEach { it.join() }
    check(errors.isEmpty()) { "errors in threads: $errors" }
    val deal = engine.opportunity("opp-1")
    equal(26, deal.checklist.size, "ticks from the ticker thread")
    equal("qualify", deal.stage, "back where it started")
    equal(1 + 25 * 2, engine.timeline("opp-1").size, "every move of the mover thread")
    engine.close()
}
