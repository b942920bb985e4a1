// The Swift tests of salespipe-mobile, mirroring bindings-mobile/tests/kotlin/TestSalespipe.kt:
// every conformance scenario replayed through Engine.execute and Engine.query with the Rust
// runner's rules (tests/src/lib.rs), typed reads, every error class, a SQLite file reopened
// from a second Engine, one Engine from two threads, and the hot path's id objects against
// the string verbs (TestRefs.kt). Run by scripts/test-mobile where a Swift toolchain exists.
import Foundation
import XCTest
@testable import Salespipe

let scenarios = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .appendingPathComponent("../../../../tests/scenarios")
    .standardized

func instant(_ text: String) -> Date {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let d = f.date(from: text) { return d }
    f.formatOptions = [.withInternetDateTime]
    return f.date(from: text)!
}

func json(_ value: Any) -> String {
    let data = try! JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
    return String(decoding: data, as: UTF8.self)
}

func parse(_ text: String) -> Any {
    try! JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

func isNull(_ v: Any?) -> Bool { v == nil || v is NSNull }

/// True when `actual` contains `expected` (tests/scenarios/README.md, "Matching").
func subsetMatch(_ expected: Any?, _ actual: Any?, _ path: String) throws {
    struct Mismatch: Error, CustomStringConvertible { let description: String }
    if let e = expected as? [String: Any] {
        guard let a = actual as? [String: Any] else { throw Mismatch(description: "\(path): expected an object, got \(String(describing: actual))") }
        for (k, ev) in e { try subsetMatch(ev, a[k], "\(path).\(k)") }
    } else if let e = expected as? [Any] {
        guard let a = actual as? [Any], a.count == e.count else { throw Mismatch(description: "\(path): expected \(e.count) items, got \(String(describing: actual))") }
        for (i, ev) in e.enumerated() { try subsetMatch(ev, a[i], "\(path)[\(i)]") }
    } else if isNull(expected) {
        guard isNull(actual) else { throw Mismatch(description: "\(path): expected null, got \(String(describing: actual))") }
    } else if let e = expected as? NSNumber, let a = actual as? NSNumber, CFGetTypeID(e) != CFBooleanGetTypeID() {
        guard e.doubleValue == a.doubleValue else { throw Mismatch(description: "\(path): expected \(e), got \(a)") }
    } else if let e = expected as? NSObject, let a = actual as? NSObject {
        guard e.isEqual(a) else { throw Mismatch(description: "\(path): expected \(e), got \(a)") }
    } else {
        throw Mismatch(description: "\(path): expected \(String(describing: expected)), got \(String(describing: actual))")
    }
}

/// A query as `actor`, else as the host (nil); a failed query is {"error": code}.
func ask(_ engine: Engine, _ actor: String?, _ query: Any) -> Any {
    do {
        return parse(try engine.query(reader: actor, query: json(query)))
    } catch let e as SalespipeError {
        return ["error": e.code()]
    } catch {
        return ["error": "\(error)"]
    }
}

let pipeline = """
{"id": "sales", "name": "Sales", "lost_reasons": ["price"], "stages": [
  {"id": "qualify", "name": "识别潜在客户", "probability": 0.1,
   "exit": [{"type": "checklist", "item": "budget confirmed"}]},
  {"id": "demo", "name": "产品演示", "probability": 0.3,
   "exit": [{"type": "approval", "process": "quote"}]},
  {"id": "quote", "name": "报价", "probability": 0.6}]}
"""
let start = instant("2026-03-02T01:00:00Z")

func world(path: String? = nil, clock: ManualClock? = nil) throws -> Engine {
    let engine = try Engine(path: path, clock: clock ?? ManualClock(at: start))
    try engine.registerUser(actor: "boss", user: User(id: "boss", name: "Boss", role: .admin))
    try engine.registerUser(actor: "boss", user: User(id: "li", name: "李经理", role: .manager, manager: "boss", timeZone: "Asia/Shanghai"))
    try engine.registerUser(actor: "boss", user: User(id: "wang", name: "王芳", role: .rep, manager: "li"))
    try engine.defineProcess(actor: "boss", processJson: #"{"id": "quote", "name": "报价审批", "steps": [{"name": "Manager", "approvers": ["li"]}]}"#)
    try engine.definePipeline(actor: "boss", pipelineJson: pipeline)
    try engine.createCustomer(actor: "wang", customer: NewCustomer(
        id: "acme", name: "Acme 科技", kind: .b2b, owner: "wang", key: true, cadence: 14 * 86_400,
        contacts: [Contact(id: "c1", name: "赵总", title: "CTO")]))
    try engine.createOpportunity(actor: "wang", opportunity: NewOpportunity(
        id: "opp-1", pipeline: "sales", customer: "acme", owner: "wang", name: "Acme ERP",
        amount: try moneyParse(amount: "120000", currency: "CNY"), expectedClose: "2026-06-30",
        source: "referral", contacts: ["c1"]))
    return engine
}

final class SalespipeTests: XCTestCase {
    func testScenarios() throws {
        let files = try FileManager.default.contentsOfDirectory(at: scenarios, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        XCTAssertGreaterThanOrEqual(files.count, 10, "scenarios in \(scenarios.path)")
        for file in files {
            let scenario = parse(try String(contentsOf: file, encoding: .utf8)) as! [String: Any]
            let name = scenario["name"] as! String
            let clock = try ManualClock(at: instant(scenario["start"] as! String))
            let engine = try Engine(clock: clock)
            for (i, step) in (scenario["steps"] as! [[String: Any]]).enumerated() {
                let at = "\(name): steps[\(i)]"
                if let t = step["at"] as? String { try clock.set(at: instant(t)) }
                let actor = step["actor"] as? String
                let expectError = step["expect_error"] as? String
                if let command = step["command"] {
                    let actorName = try XCTUnwrap(actor, "\(at): a command needs an actor")
                    let before = try engine.head()
                    do {
                        _ = try engine.execute(actor: actorName, command: json(command))
                        XCTAssertNil(expectError, "\(at): expected error \(expectError ?? ""), the command succeeded")
                    } catch let e as SalespipeError {
                        // A refused command writes nothing.
                        XCTAssertEqual(try engine.head(), before, "\(at): a refused command wrote to the store")
                        XCTAssertEqual(e.code(), expectError, "\(at): \(e)")
                    }
                }
                if let query = step["query"] {
                    // A query is asked by the step's actor, else by the host.
                    do { try subsetMatch(step["expect"], ask(engine, actor, query), "$") } catch { XCTFail("\(at): \(error)") }
                }
            }
        }
    }

    func testTypedWalk() throws {
        let clock = try ManualClock(at: start)
        let engine = try world(clock: clock)
        do {
            try engine.advance(actor: "wang", opportunity: "opp-1", to: "demo")
            XCTFail("the gate must hold")
        } catch let SalespipeError.GateNotMet(detail, report) {
            XCTAssertFalse(report.met)
            XCTAssertEqual(report.items[0].stageName, "识别潜在客户")
            XCTAssertTrue(detail.contains("budget confirmed"))
        }
        try engine.tick(actor: "wang", opportunity: "opp-1", item: "budget confirmed")
        XCTAssertTrue(try engine.check(id: "opp-1", target: "demo").met)
        try clock.advance(by: 3600)
        let head = try engine.head()
        try engine.advance(actor: "wang", opportunity: "opp-1", to: "demo")
        // a typed verb returns nothing (Void): its events are in the log, after the head
        let events = try engine.events(after: head)
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events[0].at, instant("2026-03-02T02:00:00Z"))
        XCTAssertEqual(events[0].kind, "moved")
        let deal = try engine.opportunity(id: "opp-1")
        XCTAssertEqual(deal.stage, "demo")
        XCTAssertEqual(deal.amount, Money(minor: 12_000_000, currency: "CNY"))
        XCTAssertEqual(try moneyToDecimal(money: deal.amount), "120000.00")
        XCTAssertEqual(try engine.opportunity(id: "opp-1", asOf: instant("2026-03-02T01:30:00Z")).stage, "qualify")
        try engine.lose(actor: "wang", opportunity: "opp-1", reason: "price", competitor: "Rival")
        XCTAssertEqual(try engine.opportunity(id: "opp-1").status, .lost(reason: "price", competitor: "Rival"))
        XCTAssertEqual(try engine.timeline(id: "opp-1").map { $0.how }, [.created, .subGoal, .lost])
    }

    func testWorkflowVerbs() throws {
        let clock = try ManualClock(at: start)
        let engine = try world(clock: clock)
        try engine.tick(actor: "wang", opportunity: "opp-1", item: "budget confirmed")
        try engine.untick(actor: "wang", opportunity: "opp-1", item: "budget confirmed")
        XCTAssertFalse(try engine.check(id: "opp-1", target: "demo").met)
        try engine.tick(actor: "wang", opportunity: "opp-1", item: "budget confirmed")
        try engine.advance(actor: "wang", opportunity: "opp-1", to: "demo")
        try engine.submitApproval(actor: "wang", opportunity: "opp-1", process: "quote", request: "r-1")
        XCTAssertThrowsError(try engine.advance(actor: "wang", opportunity: "opp-1", to: "quote"))
        try engine.decideApproval(actor: "li", opportunity: "opp-1", request: "r-1", decision: .approve)
        try engine.advance(actor: "wang", opportunity: "opp-1", to: "quote")
        try engine.moveBack(actor: "wang", opportunity: "opp-1", to: "demo", reason: "new stakeholder")
        try engine.forceAdvance(actor: "li", opportunity: "opp-1", to: "quote", reason: "CEO signed off")
        try engine.win(actor: "wang", opportunity: "opp-1")
        try engine.reopen(actor: "wang", opportunity: "opp-1", reason: "contract cancelled")
        try engine.updateOpportunity(actor: "wang", opportunity: "opp-1", patchJson: #"{"name": "Acme ERP, phase 1", "source": null}"#)
        XCTAssertEqual(try engine.opportunity(id: "opp-1").name, "Acme ERP, phase 1")
        XCTAssertEqual(try engine.timeline(id: "opp-1").map { $0.how },
                       [.created, .subGoal, .approved, .back, .forced, .simple, .reopened])
        let week = start.addingTimeInterval(7 * 86_400)
        try engine.logActivity(actor: "wang", activity: NewActivity(
            id: "act-1", kind: "visit", customer: "acme", at: start, contact: "c1",
            opportunity: "opp-1", notes: "met the CTO", nextFollowUp: week))
        try engine.createTask(actor: "wang", task: NewTask(
            id: "task-1", title: "Send the quote", owner: "wang",
            due: start.addingTimeInterval(2 * 86_400), customer: "acme", opportunity: "opp-1"))
        let later = week.addingTimeInterval(3600)
        XCTAssertTrue(try engine.due(at: later, recipient: "wang").contains { $0.id == "follow_up/act-1" })
        try clock.set(at: later)
        try engine.snoozeReminder(actor: "wang", reminder: "follow_up/act-1", until: later.addingTimeInterval(86_400))
        XCTAssertFalse(try engine.due(at: later).contains { $0.id == "follow_up/act-1" })
        try engine.completeTask(actor: "wang", task: "task-1")
        try engine.reopenTask(actor: "wang", task: "task-1")
        let daily = try engine.dailyReport(rep: "wang", day: "2026-03-02")
        XCTAssertEqual(daily.figures.newOpportunities, 1)
        XCTAssertEqual(daily.figures.newOpportunityAmount, [Money(minor: 12_000_000, currency: "CNY")])
        XCTAssertEqual(daily.figures.won, 1)
        XCTAssertEqual(daily.figures.activities["visit"], 1)
    }

    func testReminders() throws {
        let engine = try world()
        let next = try XCTUnwrap(try engine.nextDueAfter(at: start))
        XCTAssertGreaterThan(next, start)
        XCTAssertTrue(try engine.due(at: start).isEmpty)
        XCTAssertTrue(try engine.due(at: next).contains { $0.kind == .keyCustomerCadence && $0.customer == "acme" })
    }

    func testEveryErrorClass() throws {
        let engine = try world()
        let head = try engine.head()
        func refused(_ code: String, _ body: () throws -> Void) {
            do {
                try body()
                XCTFail("\(code): nothing was thrown")
            } catch let e as SalespipeError {
                XCTAssertEqual(e.code(), code)
                XCTAssertEqual(try? engine.head(), head, "\(code): a refused command writes nothing")
            } catch {
                XCTFail("\(code): \(error)")
            }
        }
        refused("gate_not_met") { try engine.advance(actor: "wang", opportunity: "opp-1", to: "demo") }
        refused("invalid_transition") { _ = try engine.execute(actor: "wang", command: #"{"type": "move_back", "opportunity": "opp-1", "to": "quote"}"#) }
        refused("not_found") { _ = try engine.opportunity(id: "nope") }
        refused("already_exists") { try engine.createCustomer(actor: "wang", customer: NewCustomer(id: "acme", name: "Again", kind: .b2c)) }
        refused("invalid_definition") { try engine.definePipeline(actor: "boss", pipelineJson: #"{"id": "p2", "name": "P2", "stages": [{"id": "a", "name": "A", "probability": 0.1}, {"id": "a", "name": "A", "probability": 0.2}]}"#) }
        refused("validation") { _ = try engine.execute(actor: "wang", command: "{") }
        refused("money") { _ = try engine.execute(actor: "wang", command: #"{"type": "create_opportunity", "opportunity": {"id": "opp-2", "pipeline": "sales", "customer": "acme", "owner": "wang", "name": "Mixed", "amount": {"minor": 1000, "currency": "CNY"}, "amount_from_products": true, "products": [{"product": "x", "quantity": 1, "unit_price": {"minor": 500, "currency": "USD"}}]}}"#) }
        refused("permission_denied") { try engine.definePipeline(actor: "wang", pipelineJson: #"{"id": "p3", "name": "P3", "stages": [{"id": "a", "name": "A", "probability": 0.1}]}"#) }
        XCTAssertThrowsError(try Engine.open(path: NSTemporaryDirectory() + "/no/such/dir/x.sqlite")) { e in
            XCTAssertEqual((e as? SalespipeError)?.code(), "storage")
        }
    }

    /// The mirror of Kotlin's `testBadInput`: a typed error naming the field, nothing written.
    func testBadInput() throws {
        let engine = try world()
        let head = try engine.head()
        func validation(_ what: String, _ body: () throws -> Void) -> (field: String, detail: String)? {
            do {
                try body()
                XCTFail("\(what): nothing was thrown")
            } catch let SalespipeError.Validation(detail, field) {
                XCTAssertEqual(try? engine.head(), head, "\(what): nothing written")
                return (field, detail)
            } catch {
                XCTFail("\(what): \(error)")
            }
            return nil
        }
        let malformed = validation("malformed JSON") { _ = try engine.execute(actor: "wang", command: #"{"type": "#) }
        XCTAssertTrue(malformed?.field.hasPrefix("command") ?? false)
        let negative = validation("a negative amount") {
            try engine.createOpportunity(actor: "wang", opportunity: NewOpportunity(id: "opp-9", pipeline: "sales", customer: "acme", owner: "wang", name: "Bad", amount: Money(minor: -1, currency: "CNY")))
        }
        XCTAssertEqual(negative?.field, "amount")
        let float = validation("a float amount") {
            _ = try engine.execute(actor: "wang", command: #"{"type": "create_opportunity", "opportunity": {"id": "opp-9", "pipeline": "sales", "customer": "acme", "owner": "wang", "name": "F", "amount": {"minor": 10.5, "currency": "CNY"}}}"#)
        }
        XCTAssertEqual(float?.field, "command")
        XCTAssertTrue(float?.detail.contains("floating point `10.5`") ?? false)
        let null = validation("a null id") {
            _ = try engine.execute(actor: "wang", command: #"{"type": "create_opportunity", "opportunity": {"id": null, "pipeline": "sales", "customer": "acme", "owner": "wang", "name": "N", "amount": {"minor": 1, "currency": "CNY"}}}"#)
        }
        XCTAssertTrue(null?.detail.contains("invalid type: null") ?? false)
        let path = validation("a record's JSON") {
            try engine.definePipeline(actor: "boss", pipelineJson: #"{"id": "p2", "name": "P2", "stages": [{"id": "a", "name": "A", "probability": 0.1}, {"id": "b", "name": 7, "probability": 0.2}]}"#)
        }
        XCTAssertEqual(path?.field, "pipeline.stages[1].name")
        XCTAssertThrowsError(try engine.advance(actor: "wang", opportunity: "opp-1", to: "nowhere")) { e in
            guard case let SalespipeError.NotFound(_, kind, id) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(kind, "stage")
            XCTAssertEqual(id, "nowhere")
        }
        XCTAssertEqual(try engine.head(), head)
    }

    func testSampleErrors() {
        let codes = ["gate_not_met", "approval_pending", "invalid_transition", "not_found",
                     "already_exists", "conflict", "invalid_definition", "validation", "money",
                     "permission_denied", "unsupported_version", "storage", "internal"]
        for code in codes {
            XCTAssertThrowsError(try sampleError(code: code)) { e in
                XCTAssertEqual((e as? SalespipeError)?.code(), code)
            }
        }
        XCTAssertThrowsError(try sampleError(code: "conflict")) { e in
            guard case let SalespipeError.Conflict(_, stream, expected, actual) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(stream, "opportunity/opp-1")
            XCTAssertEqual(expected, 3)
            XCTAssertEqual(actual, 4)
        }
    }

    func testSqliteReopen() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("pipe.sqlite").path
        let first = try world(path: path)
        try first.tick(actor: "wang", opportunity: "opp-1", item: "budget confirmed")
        let second = try Engine.open(path: path)
        XCTAssertEqual(try second.head(), try first.head())
        try first.advance(actor: "wang", opportunity: "opp-1", to: "demo")
        try second.catchUp()
        XCTAssertEqual(try second.opportunity(id: "opp-1").stage, "demo")
    }

    func testTwoThreads() throws {
        let engine = try world()
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            for i in 0..<25 {
                XCTAssertNoThrow(try engine.tick(actor: "wang", opportunity: "opp-1", item: "item \(t)-\(i)"))
                XCTAssertNoThrow(try engine.opportunity(id: "opp-1"))
            }
        }
        XCTAssertEqual(try engine.opportunity(id: "opp-1").checklist.count, 50)
    }

    // ----- the hot path's id objects (TestRefs.kt) ------------------------------------------

    /// The refs of the world's ids, made once.
    struct Refs {
        let wang = try! ActorRef(id: "wang")
        let opp = try! OpportunityRef(id: "opp-1")
        let qualify = try! StageRef(id: "qualify")
        let demo = try! StageRef(id: "demo")
        let quote = try! StageRef(id: "quote")
    }

    func testRefVerbsDoWhatStringVerbsDo() throws {
        let byString = try world()
        try byString.tick(actor: "wang", opportunity: "opp-1", item: "budget confirmed")
        try byString.advance(actor: "wang", opportunity: "opp-1", to: "demo")
        try byString.submitApproval(actor: "wang", opportunity: "opp-1", process: "quote", request: "r-1")
        try byString.decideApproval(actor: "li", opportunity: "opp-1", request: "r-1", decision: .approve)
        try byString.advance(actor: "wang", opportunity: "opp-1", to: "quote")
        try byString.moveBack(actor: "wang", opportunity: "opp-1", to: "demo", reason: "new stakeholder")
        try byString.advance(actor: "wang", opportunity: "opp-1", to: "quote")
        try byString.moveBack(actor: "wang", opportunity: "opp-1", to: "demo")
        try byString.advance(actor: "wang", opportunity: "opp-1", to: "quote")
        try byString.win(actor: "wang", opportunity: "opp-1")

        let byRef = try world()
        let r = Refs()
        try byRef.tickRef(actor: r.wang, opportunity: r.opp, item: "budget confirmed")
        try byRef.advanceRef(actor: r.wang, opportunity: r.opp, to: r.demo)
        try byRef.submitApproval(actor: "wang", opportunity: "opp-1", process: "quote", request: "r-1")
        try byRef.decideApproval(actor: "li", opportunity: "opp-1", request: "r-1", decision: .approve)
        try byRef.advanceRef(actor: r.wang, opportunity: r.opp, to: r.quote)
        try byRef.moveBackRef(actor: r.wang, opportunity: r.opp, to: r.demo, reason: "new stakeholder")
        try byRef.advanceRef(actor: r.wang, opportunity: r.opp, to: r.quote)
        try byRef.moveBackRef(actor: r.wang, opportunity: r.opp, to: r.demo)
        try byRef.advanceRef(actor: r.wang, opportunity: r.opp, to: r.quote)
        try byRef.winRef(actor: r.wang, opportunity: r.opp)

        XCTAssertEqual(try byString.events(limit: 100_000), try byRef.events(limit: 100_000), "the event logs")
        XCTAssertEqual(try byString.timeline(id: "opp-1"), try byRef.timeline(id: "opp-1"), "the timelines")
        XCTAssertEqual(try byRef.timeline(id: "opp-1").map { $0.how },
                       [.created, .subGoal, .approved, .back, .approved, .back, .approved, .simple])
        XCTAssertEqual(try byString.opportunity(id: "opp-1"), try byRef.opportunity(id: "opp-1"), "the opportunities")
        XCTAssertEqual(try byRef.opportunity(id: "opp-1").status, .won)
        XCTAssertEqual(try byRef.opportunity(id: "opp-1").checklist, ["budget confirmed"])
    }

    /// Both bodies must throw the same SalespipeError (the same case, message and fields),
    /// and neither may write.
    func sameRefusal(_ engine: Engine, _ what: String, _ byString: () throws -> Void, _ byRef: () throws -> Void) -> SalespipeError? {
        let head = try? engine.head()
        func refusal(_ body: () throws -> Void) -> SalespipeError? {
            do {
                try body()
                XCTFail("\(what): nothing was thrown")
            } catch let e as SalespipeError {
                return e
            } catch {
                XCTFail("\(what): \(error)")
            }
            return nil
        }
        let s = refusal(byString)
        let r = refusal(byRef)
        XCTAssertNotNil(r, what)
        XCTAssertEqual(s, r, "\(what): the same error")
        XCTAssertEqual(try? engine.head(), head, "\(what): a refused command writes nothing")
        return r
    }

    func testRefVerbsRefuseLikeStringVerbs() throws {
        let engine = try world()
        let r = Refs()
        let gate = sameRefusal(engine, "the gate",
            { try engine.advance(actor: "wang", opportunity: "opp-1", to: "demo") },
            { try engine.advanceRef(actor: r.wang, opportunity: r.opp, to: r.demo) })
        guard case .GateNotMet(let detail, _)? = gate else { return XCTFail("gate: \(String(describing: gate))") }
        XCTAssertTrue(detail.contains("budget confirmed"))
        let opp9 = try OpportunityRef(id: "opp-9")
        let nf = sameRefusal(engine, "an unknown opportunity",
            { try engine.advance(actor: "wang", opportunity: "opp-9", to: "demo") },
            { try engine.advanceRef(actor: r.wang, opportunity: opp9, to: r.demo) })
        guard case .NotFound(_, let kind, let id)? = nf else { return XCTFail("not found: \(String(describing: nf))") }
        XCTAssertEqual(kind, "opportunity")
        XCTAssertEqual(id, "opp-9")
        _ = sameRefusal(engine, "win an unknown opportunity",
            { try engine.win(actor: "wang", opportunity: "opp-9") },
            { try engine.winRef(actor: r.wang, opportunity: opp9) })
        _ = sameRefusal(engine, "tick an unknown opportunity",
            { try engine.tick(actor: "wang", opportunity: "opp-9", item: "x") },
            { try engine.tickRef(actor: r.wang, opportunity: opp9, item: "x") })
        let nowhere = try StageRef(id: "nowhere")
        let stage = sameRefusal(engine, "a stage the pipeline lacks",
            { try engine.advance(actor: "wang", opportunity: "opp-1", to: "nowhere") },
            { try engine.advanceRef(actor: r.wang, opportunity: r.opp, to: nowhere) })
        XCTAssertNotEqual(stage?.code(), "internal")
        _ = sameRefusal(engine, "back to a stage the pipeline lacks",
            { try engine.moveBack(actor: "wang", opportunity: "opp-1", to: "nowhere") },
            { try engine.moveBackRef(actor: r.wang, opportunity: r.opp, to: nowhere) })
        _ = sameRefusal(engine, "back to a later stage",
            { try engine.moveBack(actor: "wang", opportunity: "opp-1", to: "quote") },
            { try engine.moveBackRef(actor: r.wang, opportunity: r.opp, to: r.quote) })
        _ = sameRefusal(engine, "win past the gates",
            { try engine.win(actor: "wang", opportunity: "opp-1") },
            { try engine.winRef(actor: r.wang, opportunity: r.opp) })
        let nobody = try ActorRef(id: "nobody")
        _ = sameRefusal(engine, "an unknown actor",
            { try engine.tick(actor: "nobody", opportunity: "opp-1", item: "x") },
            { try engine.tickRef(actor: nobody, opportunity: r.opp, item: "x") })
    }

    func testRefsAreCheckedAndCompareById() throws {
        let blanks: [(String, () throws -> Any)] = [
            ("actor", { try ActorRef(id: " ") }),
            ("opportunity", { try OpportunityRef(id: "") }),
            ("stage", { try StageRef(id: "\t") }),
        ]
        for (field, make) in blanks {
            XCTAssertThrowsError(try make()) { e in
                guard case let SalespipeError.Validation(_, f) = e else { return XCTFail("\(field): \(e)") }
                XCTAssertEqual(f, field)
            }
        }
        // the core's own words for a blank actor of a string verb
        let engine = try world()
        var byString: SalespipeError?
        XCTAssertThrowsError(try engine.advance(actor: " ", opportunity: "opp-1", to: "demo")) { byString = $0 as? SalespipeError }
        XCTAssertThrowsError(try ActorRef(id: " ")) { XCTAssertEqual($0 as? SalespipeError, byString) }
        // no bound on the length, as in the core
        let long = String(repeating: "o", count: 10_000)
        XCTAssertEqual(try OpportunityRef(id: long).id(), long)

        let a = try OpportunityRef(id: "opp-1")
        let b = try OpportunityRef(id: "opp-1")
        let c = try OpportunityRef(id: "opp-2")
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertEqual(a.hashValue, b.hashValue)
        XCTAssertEqual(Set([a, b, c]).count, 2)
        XCTAssertEqual(a.description, "opp-1")
        XCTAssertEqual("\(a)", "opp-1")
        XCTAssertEqual(a.id(), "opp-1")
        XCTAssertEqual(try StageRef(id: "won"), try StageRef(id: "won"))
        XCTAssertEqual(try ActorRef(id: "wang").description, "wang")
    }

    func testRefsFromTwoThreads() throws {
        let engine = try world()
        let r = Refs()
        try engine.tickRef(actor: r.wang, opportunity: r.opp, item: "budget confirmed")
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            for i in 0..<25 {
                if t == 0 {
                    XCTAssertNoThrow(try engine.advanceRef(actor: r.wang, opportunity: r.opp, to: r.demo))
                    XCTAssertNoThrow(try engine.moveBackRef(actor: r.wang, opportunity: r.opp, to: r.qualify))
                } else {
                    XCTAssertNoThrow(try engine.tickRef(actor: r.wang, opportunity: r.opp, item: "item \(i)"))
                    XCTAssertEqual(r.opp, try? OpportunityRef(id: "opp-1"))
                }
            }
        }
        let deal = try engine.opportunity(id: "opp-1")
        XCTAssertEqual(deal.checklist.count, 26)
        XCTAssertEqual(deal.stage, "qualify")
        XCTAssertEqual(try engine.timeline(id: "opp-1").count, 1 + 25 * 2)
    }
}
