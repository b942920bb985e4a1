// The FFI's own per-call cost from Kotlin (bindings-mobile/bench/run.sh runs it after the
// advances): the no-op exports of the cargo feature `bench-probes` (src/probes.rs), which
// run.sh enables for its release build, each called `calls` times after a warm-up, one
// JSON line each:
//   probe_noop      a free function, no arguments, no error: JNA's direct call alone;
//   probe_method    a method of Engine: uniffi clones the object's handle first (a second call);
//   probe_result    a method returning advance's Result<()> (the error check of the status);
//   probe_string    the same taking one String (lowered into a RustBuffer the Kotlin side
//                   allocates through one more call, passed by value);
//   probe_strings   advance's three strings and error type, nothing done;
//   probe_lock      the same, taking the engine's write lock: everything of advance but the
//                   core's work;
//   probe_numbers   three Longs in place of the strings (what numeric handles would cost);
//   probe_ref       one id object (an OpportunityRef) in place of a String: its handle is
//                   cloned with one more call, then passed as a pointer;
//   probe_refs      advanceRef's three id objects and error type, nothing done;
//   probe_refs_null_reason   moveBackRef's arguments with the reason null (an optional is
//                   lowered into a RustBuffer, null too).
// Not compiled by scripts/test-mobile (the debug build has no probes); a package of its own
// so its main does not clash with Bench.kt's.
package dev.salespipe.bench.probes

import dev.salespipe.*
import java.time.Instant
import kotlin.system.exitProcess

fun fmt(pattern: String, x: Double): String = String.format(java.util.Locale.ROOT, pattern, x)

inline fun probe(name: String, calls: Int, call: () -> Unit) {
    repeat(calls / 10) { call() } // warm-up: the JIT and JNA's first-call work
    val start = System.nanoTime()
    repeat(calls) { call() }
    val seconds = (System.nanoTime() - start) / 1e9
    println("""{"bench":"ffi_probe","side":"kotlin","probe":"$name","calls":$calls,"seconds":${fmt("%.6f", seconds)},"per_call_us":${fmt("%.3f", seconds * 1e6 / calls)}}""")
}

fun main(args: Array<String>) {
    if (args.size != 1) {
        System.err.println("usage: Probes <calls>")
        exitProcess(2)
    }
    val calls = args[0].toInt()
    val engine = Engine(clock = ManualClock(Instant.ofEpochMilli(1_750_000_000_000)))
    probe("probe_noop", calls) { probeNoop() }
    probe("probe_method", calls) { engine.probeMethod() }
    probe("probe_result", calls) { engine.probeResult() }
    probe("probe_string", calls) { engine.probeString("o12345") }
    probe("probe_strings", calls) { engine.probeStrings("rep", "o12345", "resolve") }
    probe("probe_lock", calls) { engine.probeLock("rep", "o12345", "resolve") }
    probe("probe_numbers", calls) { engine.probeNumbers(1UL, 12345UL, 3UL) }
    val (rep, opp, to) = Triple(ActorRef("rep"), OpportunityRef("o12345"), StageRef("resolve"))
    probe("probe_ref", calls) { engine.probeRef(opp) }
    probe("probe_refs", calls) { engine.probeRefs(rep, opp, to) }
    probe("probe_refs_null_reason", calls) { engine.probeRefsReason(rep, opp, to, null) }
    engine.close()
}
