// The typed reports against the query path, mirroring bindings-mobile/tests/kotlin/TestReports.kt:
// each scenario is replayed, and every query of a report kind is asked both ways (the query's
// JSON and the typed method); the records carry the same values, and a refused query is
// refused by the typed method with the same code. Run by scripts/test-mobile where a Swift
// toolchain exists (not compiled on the machine that wrote it: none there).
import Foundation
import XCTest
@testable import Salespipe

private func date(_ v: Any?) -> Date? { (v as? String).map(instant) }
private func int(_ v: Any?) -> Int64 { (v as! NSNumber).int64Value }
private func uint(_ v: Any?) -> UInt64 { (v as! NSNumber).uint64Value }
private func double(_ v: Any?) -> Double? { isNull(v) ? nil : (v as! NSNumber).doubleValue }

/// `{currency: minor}` as the binding's Money list, by currency code.
private func moneyMap(_ v: Any?) -> [Money] {
    ((v as? [String: Any]) ?? [:])
        .map { Money(minor: int($0.value), currency: $0.key) }
        .sorted { $0.currency < $1.currency }
}

/// Replays `file`; for each query whose type is in `types`, compares the typed answer with
/// the JSON one (`each`), or checks the typed call is refused with the query's code.
private func compareReports(
    _ file: String,
    _ types: Set<String>,
    typed: (Engine, String?, [String: Any]) throws -> Any,
    each: (Any, Any, [String: Any]) throws -> Void
) throws -> Int {
    let text = try String(contentsOf: scenarios.appendingPathComponent(file), encoding: .utf8)
    let scenario = parse(text) as! [String: Any]
    let clock = try ManualClock(at: instant(scenario["start"] as! String))
    let engine = try Engine(clock: clock)
    var compared = 0
    for step in scenario["steps"] as! [[String: Any]] {
        if let t = step["at"] as? String { try clock.set(at: instant(t)) }
        let actor = step["actor"] as? String
        if let command = step["command"], let name = actor {
            _ = try? engine.execute(actor: name, command: json(command)) // refused as the scenario expects
        }
        guard let q = step["query"] as? [String: Any], let type = q["type"] as? String, types.contains(type) else { continue }
        let answer = ask(engine, actor, q)
        if let refused = answer as? [String: Any], let code = refused["error"] as? String {
            do {
                _ = try typed(engine, actor, q)
                XCTFail("\(file): typed \(type) succeeded, the query was refused with \(code)")
            } catch let e as SalespipeError {
                XCTAssertEqual(e.code(), code, "\(file): typed \(type)'s error")
            }
        } else {
            try each(try typed(engine, actor, q), answer, q)
        }
        compared += 1
    }
    return compared
}

final class ReportsTests: XCTestCase {
    func testTypedExpenseReport() throws {
        let n = try compareReports("mgmt_expenses.json", ["expense_report"], typed: { e, actor, q in
            try e.expenseReport(from: q["from"] as? String, to: q["to"] as? String, reader: actor, asOf: date(q["as_of"]))
        }, each: { value, answer, _ in
            let r = value as! ExpenseReport
            let json = answer as! [String: Any]
            let total = json["total"] as! [String: Any]
            XCTAssertEqual(uint(total["count"]), r.total.count)
            XCTAssertEqual(moneyMap(total["approved"]), r.total.approved)
            XCTAssertEqual(moneyMap(total["pending"]), r.total.pending)
            XCTAssertEqual((json["customers"] as! [[String: Any]]).map { $0["customer"] as! String }, r.customers.map { $0.customer })
            XCTAssertEqual((json["categories"] as! [[String: Any]]).map { $0["category"] as! String }, r.categories.map { $0.category })
            XCTAssertEqual((json["reps"] as! [[String: Any]]).map { $0["rep"] as! String }, r.reps.map { $0.rep })
        })
        XCTAssertGreaterThanOrEqual(n, 3)
    }

    func testTypedSourceReport() throws {
        let n = try compareReports("mgmt_source_report.json", ["source_report"], typed: { e, actor, q in
            try e.sourceReport(pipeline: q["pipeline"] as! String, windowFrom: date(q["window_from"]),
                               windowTo: date(q["window_to"]), reader: actor, asOf: date(q["as_of"]))
        }, each: { value, answer, _ in
            let r = value as! SourceReport
            let json = answer as! [String: Any]
            XCTAssertEqual(json["currency"] as? String, r.currency)
            let rows = json["sources"] as! [[String: Any]]
            XCTAssertEqual(rows.map { $0["source"] as! String }, r.sources.map { $0.source })
            for (i, row) in rows.enumerated() {
                XCTAssertEqual(uint(row["created"]), r.sources[i].created)
                XCTAssertEqual(uint(row["won"]), r.sources[i].won)
                XCTAssertEqual(double(row["win_rate"]), r.sources[i].winRate)
                XCTAssertEqual(int(row["revenue"]), r.sources[i].revenue)
                XCTAssertEqual(moneyMap(row["cost"]), r.sources[i].cost)
            }
        })
        XCTAssertGreaterThanOrEqual(n, 4)
    }

    func testTypedCompetitorReport() throws {
        let n = try compareReports("mgmt_competitor_report.json", ["competitor_report"], typed: { e, actor, q in
            try e.competitorReport(closedFrom: date(q["closed_from"]), closedTo: date(q["closed_to"]), reader: actor, asOf: date(q["as_of"]))
        }, each: { value, answer, _ in
            let r = value as! CompetitorReport
            let json = answer as! [String: Any]
            XCTAssertEqual(uint(json["deals"]), r.deals)
            let rows = json["competitors"] as! [[String: Any]]
            XCTAssertEqual(rows.map { $0["competitor"] as! String }, r.competitors.map { $0.competitor })
            for (i, row) in rows.enumerated() {
                let c = r.competitors[i]
                XCTAssertEqual(uint(row["met"]), c.met)
                XCTAssertEqual(uint(row["won"]), c.won)
                XCTAssertEqual(uint(row["lost_to"]), c.lostTo)
                XCTAssertEqual(double(row["win_rate"]), c.winRate)
                XCTAssertEqual(moneyMap(row["open_amount"]), c.openAmount)
                let stages = (row["lost_at_stage"] as? [String: Any]) ?? [:]
                XCTAssertEqual(stages.keys.sorted(), c.lostAtStage.map { $0.stage })
            }
        })
        XCTAssertGreaterThanOrEqual(n, 6)
    }

    func testTypedForecastSnapshots() throws {
        let n = try compareReports("mgmt_forecast_accuracy.json", ["forecast_snapshot", "forecast_snapshots", "forecast_accuracy"], typed: { e, actor, q in
            switch q["type"] as! String {
            case "forecast_snapshot": return try e.forecastSnapshot(id: q["id"] as! String, reader: actor, asOf: date(q["as_of"]))
            case "forecast_snapshots": return try e.forecastSnapshots(reader: actor, asOf: date(q["as_of"]))
            default: return try e.forecastAccuracy(reader: actor, asOf: date(q["as_of"]))
            }
        }, each: { value, answer, q in
            switch q["type"] as! String {
            case "forecast_snapshot":
                let s = value as! ForecastSnapshot
                let json = answer as! [String: Any]
                XCTAssertEqual(json["id"] as? String, s.id)
                XCTAssertEqual(json["period"] as? String, s.period)
                XCTAssertEqual((json["reps"] as! [[String: Any]]).map { int($0["p50"]) }, s.reps.map { $0.p50 })
            case "forecast_snapshots":
                let all = value as! [ForecastSnapshot]
                XCTAssertEqual((answer as! [[String: Any]]).map { $0["id"] as! String }, all.map { $0.id })
            default:
                let a = value as! ForecastAccuracy
                let json = answer as! [String: Any]
                XCTAssertEqual(json["pending"] as? [String], a.pending)
                let comparisons = json["comparisons"] as! [[String: Any]]
                XCTAssertEqual(comparisons.map { $0["rep"] as! String }, a.comparisons.map { $0.rep })
                for (i, c) in comparisons.enumerated() {
                    XCTAssertEqual(double((c["error"] as! [String: Any])["commit"]), a.comparisons[i].error.commit)
                }
                XCTAssertEqual((json["pushed"] as! [[String: Any]]).map { $0["opportunity"] as! String }, a.pushed.map { $0.opportunity })
            }
        })
        XCTAssertGreaterThanOrEqual(n, 8)
    }

    func testTypedFunnelForecastCalibration() throws {
        let n = try compareReports("engine_funnel_currencies.json", ["funnel", "forecast", "calibration"], typed: { e, actor, q in
            let asOf = date(q["as_of"])
            switch q["type"] as! String {
            case "funnel":
                let w = q["window"] as? [String: Any]
                let mode: FunnelMode? = (q["mode"] as? String).map { $0 == "cumulative" ? .cumulative : .recorded }
                let by: FunnelGroupBy? = (q["by"] as? String).map { $0 == "source" ? .source : .owner }
                return try e.funnel(pipeline: q["pipeline"] as! String, windowFrom: date(w?["from"]), windowTo: date(w?["to"]),
                                    mode: mode, by: by, reader: actor, asOf: asOf)
            case "forecast":
                let p = q["period"] as? [String: Any]
                let method: ForecastMethod? = (q["method"] as? [String: Any])?["kind"] as? String == "exact" ? .exact : nil
                return try e.forecast(pipeline: q["pipeline"] as! String, periodFrom: date(p?["from"]), periodTo: date(p?["to"]),
                                      method: method, reader: actor, asOf: asOf)
            default:
                let w = q["window"] as? [String: Any]
                return try e.calibration(pipeline: q["pipeline"] as! String, windowFrom: date(w?["from"]), windowTo: date(w?["to"]),
                                         reader: actor, asOf: asOf)
            }
        }, each: { value, answer, q in
            let sections = answer as! [[String: Any]]
            XCTAssertGreaterThanOrEqual(sections.count, 2, "two currencies")
            switch q["type"] as! String {
            case "funnel":
                let typed = value as! [FunnelSection]
                XCTAssertEqual(sections.map { $0["currency"] as? String }, typed.map { $0.currency })
                for (i, s) in sections.enumerated() {
                    let total = (s["report"] as! [String: Any])["total"] as! [String: Any]
                    XCTAssertEqual(uint(total["opportunities"]), typed[i].report.total.opportunities)
                    let stages = total["stages"] as! [[String: Any]]
                    XCTAssertEqual(stages.map { uint($0["entered"]) }, typed[i].report.total.stages.map { $0.entered })
                    XCTAssertEqual(int((total["pipeline"] as! [String: Any])["open_amount"]), typed[i].report.total.pipeline.openAmount)
                }
            case "forecast":
                let typed = value as! [ForecastSection]
                XCTAssertEqual(sections.map { $0["currency"] as? String }, typed.map { $0.currency })
                for (i, s) in sections.enumerated() {
                    let r = s["report"] as! [String: Any]
                    XCTAssertEqual(int(r["amount"]), typed[i].report.amount)
                    XCTAssertEqual(double(r["expected"]), typed[i].report.expected)
                    XCTAssertEqual([int(r["p10"]), int(r["p50"]), int(r["p90"])], [typed[i].report.p10, typed[i].report.p50, typed[i].report.p90])
                }
            default:
                let typed = value as! [CalibrationSection]
                XCTAssertEqual(sections.map { $0["currency"] as? String }, typed.map { $0.currency })
                for (i, s) in sections.enumerated() {
                    let r = s["report"] as! [String: Any]
                    XCTAssertEqual(uint(r["predictions"]), typed[i].report.predictions)
                    XCTAssertEqual((r["stages"] as! [[String: Any]]).map { $0["stage"] as! String }, typed[i].report.stages.map { $0.stage })
                }
            }
        })
        XCTAssertGreaterThanOrEqual(n, 5)
    }
}
