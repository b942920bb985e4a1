// The Kotlin side of the mobile benchmarks (bindings-mobile/bench/run.sh runs it next to the
// Rust side, bench/rust_side.rs), printing one JSON line per measurement:
//   advances <opportunities> <pipeline.json>   the world of benches/src/engine.rs engine_with
//       built through the binding (in memory), then opportunities × 4 gate-checked advances
//       timed, each one Engine.advance call from Kotlin (three Strings);
//   advances-ref <opportunities> <pipeline.json>   the same world and advances through the
//       hot path: ActorRef, OpportunityRef, StageRef made once, one Engine.advanceRef call
//       per advance (three object handles);
//   open <path>                                 Engine.open(path) timed, in this fresh JVM.
package dev.salespipe.bench

import dev.salespipe.*
import java.io.File
import java.time.Instant
import kotlin.system.exitProcess

/** Locale-independent number text for the JSON lines. */
fun fmt(pattern: String, x: Double): String = String.format(java.util.Locale.ROOT, pattern, x)

val STAGES = listOf("qualify", "demo", "resolve", "quote", "contract")

/** The world of benches/src/engine.rs engine_with, in memory on a manual clock, with `n`
 *  opportunities o0, o1 … in the first stage, their gates met. */
fun world(n: Int, pipelineJson: String): Engine {
    val engine = Engine(clock = ManualClock(Instant.ofEpochMilli(1_750_000_000_000)))
    engine.registerUser("admin", User("admin", "Admin", Role.ADMIN))
    engine.registerUser("admin", User("rep", "Rep", Role.REP, manager = "admin"))
    engine.definePipeline("admin", pipelineJson)
    engine.createCustomer("rep", NewCustomer("c", "Customer", CustomerKind.B2B))
    for (i in 0 until n) {
        val id = "o$i"
        engine.createOpportunity("rep", NewOpportunity(id, "sales", "c", "rep", "deal", Money(1000, "CNY")))
        engine.tick("rep", id, "ok")
    }
    return engine
}

fun report(side: String, count: Int, seconds: Double, extra: String = "") {
    println("""{"bench":"gate_checked_advances","side":"$side","advances":$count,"seconds":${fmt("%.6f", seconds)},"per_second":${fmt("%.0f", count / seconds)}$extra}""")
}

/** n × 4 advances, each one Engine.advance call with three Strings (the string path). */
fun advances(n: Int, pipelineJson: String) {
    val engine = world(n, pipelineJson)
    val ids = (0 until n).map { "o$it" }
    val start = System.nanoTime()
    for (to in STAGES.drop(1)) {
        for (id in ids) engine.advance("rep", id, to)
    }
    val seconds = (System.nanoTime() - start) / 1e9
    report("kotlin", n * (STAGES.size - 1), seconds)
    engine.close()
}

/** The same n × 4 advances through the hot path: the refs made once (timed apart, as
 *  `refs_seconds`: n + 5 constructors, each one String), then one Engine.advanceRef call
 *  per advance with three object handles. */
fun advancesRef(n: Int, pipelineJson: String) {
    val engine = world(n, pipelineJson)
    val made = System.nanoTime()
    val rep = ActorRef("rep")
    val stages = STAGES.drop(1).map { StageRef(it) }
    val ids = (0 until n).map { OpportunityRef("o$it") }
    val refsSeconds = (System.nanoTime() - made) / 1e9
    val start = System.nanoTime()
    for (to in stages) {
        for (id in ids) engine.advanceRef(rep, id, to)
    }
    val seconds = (System.nanoTime() - start) / 1e9
    report("kotlin-ref", n * (STAGES.size - 1), seconds, ""","refs":${n + stages.size + 1},"refs_seconds":${fmt("%.6f", refsSeconds)}""")
    engine.close()
}

fun open(path: String) {
    // Load the library (JNA, uniffi's checksums) before timing: the open is what is measured.
    moneyParse("1", "CNY")
    val start = System.nanoTime()
    val engine = Engine.open(path)
    val seconds = (System.nanoTime() - start) / 1e9
    val events = engine.head()
    println("""{"bench":"open_sqlite","side":"kotlin","events":$events,"seconds":${fmt("%.6f", seconds)},"events_per_second":${fmt("%.0f", events.toDouble() / seconds)}}""")
    engine.close()
}

fun main(args: Array<String>) {
    when {
        args.size == 3 && args[0] == "advances" -> advances(args[1].toInt(), File(args[2]).readText())
        args.size == 3 && args[0] == "advances-ref" -> advancesRef(args[1].toInt(), File(args[2]).readText())
        args.size == 2 && args[0] == "open" -> open(args[1])
        else -> {
            System.err.println("usage: Bench advances|advances-ref <opportunities> <pipeline.json> | open <path>")
            exitProcess(2)
        }
    }
}
