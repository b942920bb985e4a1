// The Kotlin side of the mobile benchmarks (bindings-mobile/bench/run.sh runs it next to the
// Rust side, bench/rust_side.rs), printing one JSON line per measurement:
//   advances <opportunities> <pipeline.json>   the world of benches/src/engine.rs engine_with
//       built through the binding (in memory), then opportunities × 4 gate-checked advances
//       timed, each one Engine.advance call from Kotlin;
//   open <path>                                 Engine.open(path) timed, in this fresh JVM.
package dev.salespipe.bench

import dev.salespipe.*
import java.io.File
import java.time.Instant
import kotlin.system.exitProcess

/** Locale-independent number text for the JSON lines. */
fun fmt(pattern: String, x: Double): String = String.format(java.util.Locale.ROOT, pattern, x)

val STAGES = listOf("qualify", "demo", "resolve", "quote", "contract")

fun advances(n: Int, pipelineJson: String) {
    val engine = Engine(clock = ManualClock(Instant.ofEpochMilli(1_750_000_000_000)))
    engine.registerUser("admin", User("admin", "Admin", Role.ADMIN))
    engine.registerUser("admin", User("rep", "Rep", Role.REP, manager = "admin"))
    engine.definePipeline("admin", pipelineJson)
    engine.createCustomer("rep", NewCustomer("c", "Customer", CustomerKind.B2B))
    val ids = (0 until n).map { "o$it" }
    for (id in ids) {
        engine.createOpportunity("rep", NewOpportunity(id, "sales", "c", "rep", "deal", Money(1000, "CNY")))
        engine.tick("rep", id, "ok")
    }
    val start = System.nanoTime()
    for (to in STAGES.drop(1)) {
        for (id in ids) engine.advance("rep", id, to)
    }
    val seconds = (System.nanoTime() - start) / 1e9
    val count = n * (STAGES.size - 1)
    println("""{"bench":"gate_checked_advances","side":"kotlin","advances":$count,"seconds":${fmt("%.6f", seconds)},"per_second":${fmt("%.0f", count / seconds)}}""")
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
        args.size == 2 && args[0] == "open" -> open(args[1])
        else -> {
            System.err.println("usage: Bench advances <opportunities> <pipeline.json> | open <path>")
            exitProcess(2)
        }
    }
}
