// The Kotlin quickstart of bindings-mobile/README.md, compiled and run by scripts/test-mobile.
package dev.salespipe.examples

import dev.salespipe.*
import java.time.Instant

fun main() {
    // An in-memory engine; Engine(path = "/data/.../pipeline.sqlite") keeps it on disk.
    Engine(clock = ManualClock(Instant.parse("2026-03-02T01:00:00Z"))).use { engine ->
        engine.registerUser("boss", User("boss", "Boss", Role.ADMIN, null, null))
        engine.registerUser("boss", User("wang", "王芳", Role.REP, "boss", "Asia/Shanghai"))
        engine.definePipeline(
            "boss",
            """{"id": "sales", "name": "销售流程", "lost_reasons": ["price"], "stages": [
                 {"id": "qualify", "name": "识别潜在客户", "probability": 0.1,
                  "exit": [{"type": "checklist", "item": "budget confirmed"}]},
                 {"id": "demo", "name": "产品演示", "probability": 0.3}]}""",
        )
        engine.createCustomer("wang", NewCustomer("acme", "Acme 科技", CustomerKind.B2B, "wang", false, null, emptyList()))
        engine.createOpportunity(
            "wang",
            NewOpportunity("opp-1", "sales", "acme", "wang", "Acme ERP", moneyParse("120000", "CNY"), "2026-06-30", null, null, emptyList()),
        )

        try {
            engine.advance("wang", "opp-1", "demo")
        } catch (e: SalespipeException.GateNotMet) {
            // what is missing, stage by stage
            e.report.items.filter { !it.met }.forEach { println("missing: [${it.stageName}] ${it.reason}") }
        }
        engine.tick("wang", "opp-1", "budget confirmed")
        engine.advance("wang", "opp-1", "demo")

        // In loops (imports, bulk moves) make the ids objects once: a call then passes handles,
        // no String (see "The hot path" in the README).
        val wang = ActorRef("wang")
        val demo = StageRef("demo")
        for (n in 2..4) {
            engine.createOpportunity(
                "wang",
                NewOpportunity("opp-$n", "sales", "acme", "wang", "Acme seats $n", moneyParse("5000", "CNY"), null, null, null, emptyList()),
            )
            val deal = OpportunityRef("opp-$n")
            engine.tickRef(wang, deal, "budget confirmed")
            engine.advanceRef(wang, deal, demo)
        }
        println("imported: " + (2..4).joinToString { "opp-$it in ${engine.opportunity("opp-$it").stage}" })

        val deal = engine.opportunity("opp-1")
        println("${deal.name}: ${deal.stage}, ${moneyToDecimal(deal.amount)} ${deal.amount.currency}")
        engine.timeline("opp-1").forEach { println("  ${it.at} ${it.actor} → ${it.to} (${it.how})") }

        // Any query of docs/json.md through the one query path, as the host (null) or a user.
        println(engine.query("wang", """{"type": "gate", "id": "opp-1", "target": "won"}"""))
        // When the app should wake up for the next reminder.
        println("next reminder: ${engine.nextDueAfter(engine.now())}")
    }
}
