import Foundation
import Testing
@testable import ScriptSim

/// Folding recorded recoveries of a MONITOR capture (docs/clients.md, "Recorded recoveries").
@Suite struct RecoveryFolderTests {
    var clock = 0
    mutating func line(_ client: String, _ args: String) -> String {
        clock += 1
        return "1732460000.\(String(format: "%06d", clock)) [0 \(client)] \(args)\n"
    }
    func eval(_ body: String) -> String { "\"EVAL\" \(quoted(body)) \"0\"" }
    func evalsha(_ body: String) -> String { "\"EVALSHA\" \"\(sha1Hex(body))\" \"0\"" }
    func load(_ body: String) -> String { "\"SCRIPT\" \"LOAD\" \(quoted(body))" }

    func run(_ trace: String, policy: String = "eval-lru", client: ClientModel = .auto,
             recorded: RecordedRecoveries = .fold) throws -> TraceReport {
        let options = ReplayOptions(clients: [ClientChoice(client)], recordedRecoveries: recorded)
        return try Replayer(policies: [policy], options: options).replay(path: try writeTrace(trace))
    }

    @Test mutating func loadRecoveryIsFoldedIntoItsCall() throws {
        let x = "return 'x'"
        let trace = line("10.0.0.1:5000", evalsha(x)) + line("10.0.0.1:5000", load(x)) + line("10.0.0.1:5000", evalsha(x))
        let folded = try run(trace)
        #expect(folded.summary.foldedRecoveriesScriptLoad == 1)
        let f = folded.policies[0]
        // One call: NOSCRIPT, then the connection's own kind of recovery (SCRIPT LOAD + EVALSHA).
        #expect((f.requests, f.noscript, f.recoveriesScriptLoad, f.appErrors, f.scriptLoads, f.cachedScripts) == (1, 1, 1, 0, 1, 1))
        let kept = try run(trace, client: .none, recorded: .keep).policies[0]
        // As recorded: NOSCRIPT to the application, the SCRIPT LOAD, then a hit.
        #expect((kept.requests, kept.noscript, kept.appErrors, kept.scriptLoads, kept.evalshaHits) == (2, 1, 1, 1, 1))
    }

    @Test mutating func evalRecoveryAcrossInterleavedConnections() throws {
        let x = "return 'x'", y = "return 'y'"
        let trace = line("10.0.0.1:5000", evalsha(x)) + line("10.0.0.2:6000", eval(y)) + line("10.0.0.1:5000", eval(x))
        let r = try run(trace)
        #expect(r.summary.foldedRecoveriesEval == 1)
        let p = r.policies[0]
        #expect((p.requests, p.noscript, p.retries, p.evalMisses, p.cachedScripts) == (2, 1, 1, 1, 2))
    }

    @Test mutating func aConnectionThatMovedOnDidNotRecover() throws {
        let x = "return 'x'"
        let other = line("10.0.0.1:5000", evalsha(x)) + line("10.0.0.1:5000", "\"GET\" \"k\"") + line("10.0.0.1:5000", eval(x))
        #expect(try run(other).summary.foldedRecoveriesEval == 0)
        // Typed lines have no connection: nothing to fold.
        #expect(try run("EVALSHA \(sha1Hex(x)) 0\nEVAL \(quoted(x)) 0\n").summary.foldedRecoveriesEval == 0)
    }

    @Test mutating func aScriptTheCaptureShowsCachedIsNotRecovered() throws {
        let x = "return 'x'"
        // x was sent with EVAL just before: every server still holds it, so the next EVAL is the application's own.
        let recent = line("10.0.0.1:5000", eval(x)) + line("10.0.0.1:5000", evalsha(x)) + line("10.0.0.1:5000", eval(x))
        let r = try run(recent)
        #expect(r.summary.foldedRecoveriesEval == 0)
        #expect(r.policies[0].evalHits == 1)
        // After 500 other EVALs a server with a 500-entry list may have evicted it: that EVAL is a recovery.
        var old = line("10.0.0.1:5000", eval(x))
        for i in 0..<500 { old += line("10.0.0.3:7000", eval("return \(i)")) }
        old += line("10.0.0.1:5000", evalsha(x)) + line("10.0.0.1:5000", eval(x))
        let o = try run(old, policy: "unbounded")
        #expect(o.summary.foldedRecoveriesEval == 1)
        // Under unbounded the folded call simply hits: 502 requests instead of 503 lines.
        #expect((o.policies[0].requests, o.policies[0].evalshaHits, o.policies[0].retries) == (502, 1, 0))
    }

    @Test mutating func autoFollowsTheLibraryNameAndRecordedRecoveries() throws {
        let x = "return 'x'", y = "return 'y'"
        var trace = line("10.0.0.1:5000", "\"CLIENT\" \"SETINFO\" \"LIB-NAME\" \"redis-py\"")
        trace += line("10.0.0.1:5000", eval(x)) + line("10.0.0.1:5000", "\"SCRIPT\" \"FLUSH\"")
        trace += line("10.0.0.1:5000", evalsha(x)) + line("10.0.0.1:5000", "\"GET\" \"k\"")   // NOSCRIPT, not recovered in the capture
        // Another connection recorded an EVAL recovery: it recovers with EVAL from then on.
        trace += line("10.0.0.2:6000", evalsha(y)) + line("10.0.0.2:6000", eval(y))
        trace += line("10.0.0.2:6000", "\"SCRIPT\" \"FLUSH\"") + line("10.0.0.2:6000", evalsha(y)) + line("10.0.0.2:6000", "\"GET\" \"k\"")
        let p = try run(trace).policies[0]
        #expect((p.recoveriesScriptLoad, p.retries, p.noscript, p.appErrors) == (1, 2, 3, 0))
    }

    @Test func aSilentConnectionIsReleasedAfterTheWindow() {
        var folder = RecoveryFolder<Int>(fold: true, window: 4)
        var out: [Int] = []
        let a = Array("10.0.0.1:1".utf8), b = Array("10.0.0.2:2".utf8)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                folder.add(ReplayEvent(operation: .evalsha, script: 7), connection: a, extra: 0) { out.append($0.extra) }
                for i in 1...6 {
                    folder.add(ReplayEvent(operation: .eval, script: ScriptID(100 + i)), connection: b, extra: i) { out.append($0.extra) }
                    // The EVALSHA holds every later call until more than 4 calls wait, then goes unfolded.
                    if i == 3 { #expect(out == []) }
                    if i == 4 { #expect(out == [0, 1, 2, 3, 4]) }
                }
                folder.finish { out.append($0.extra) }
            }
        }
        #expect(out == [0, 1, 2, 3, 4, 5, 6])
        #expect(folder.counts.expired == 1)
    }

    /// The call arguments a Lua 5.1 run builds KEYS and ARGV from travel
    /// beside the folder (`HeldArguments`): after folded recoveries each call
    /// still gets its own line's arguments, and an absorbed recovery's are dropped.
    @Test mutating func eachCallKeepsItsOwnArgumentsAcrossFoldedRecoveries() throws {
        let x = "return 'x'", y = "return 'y'"
        func call(_ verb: String, _ script: String, _ tag: String) -> String {
            "\"\(verb)\" \(verb == "EVAL" ? quoted(script) : "\"\(sha1Hex(script))\"") \"1\" \"key-\(tag)\" \"arg-\(tag)\""
        }
        let trace = line("10.0.0.1:5000", call("EVALSHA", x, "a")) + line("10.0.0.2:6000", call("EVAL", y, "b"))
            + line("10.0.0.1:5000", call("EVAL", x, "a-retry")) + line("10.0.0.1:5000", call("EVALSHA", x, "c"))
            + line("10.0.0.2:6000", call("EVALSHA", y, "d")) + line("10.0.0.3:7000", load(y))
        var options = ReplayOptions(clients: [ClientChoice(.auto)], recordedRecoveries: .fold)
        options.engines = [.lua51]
        var seen: [String] = []
        let reader = try Replayer.readEvents(path: try writeTrace(trace), options: options, catalog: try ScriptCatalog(),
                                             keepTimestamps: false, onInvalidLine: nil) { batch, extras, _ in
            #expect(extras.arguments.count == batch.count)
            for a in extras.arguments {
                guard let a else { seen.append("none"); continue }
                seen.append("\(a.keys):" + String(decoding: a.bytes, as: UTF8.self))
            }
        }
        #expect(reader.summary.foldedRecoveriesEval == 1)
        #expect(seen == ["1:key-aarg-a", "1:key-barg-b", "1:key-carg-c", "1:key-darg-d", "none"])
    }
}
