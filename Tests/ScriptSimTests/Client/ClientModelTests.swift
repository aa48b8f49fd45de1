import Foundation
import Testing
@testable import ScriptSim

/// The client models on traces whose counts are worked out by hand from the rules.
@Suite struct ClientModelTests {
    func eval(_ body: String) -> String { "EVAL \(quoted(body)) 0\n" }
    func evalsha(_ body: String) -> String { "EVALSHA \(sha1Hex(body)) 0\n" }
    func load(_ body: String) -> String { "SCRIPT LOAD \(quoted(body))\n" }

    func run(_ trace: String, policy: String = "eval-lru:entries=2", client: ClientModel = .auto,
             recorded: RecordedRecoveries = .fold, scripts: [String] = []) throws -> TraceReport {
        let options = ReplayOptions(clients: [ClientChoice(client)], recordedRecoveries: recorded,
                                    scripts: ClientScripts(bodies: scripts))
        return try Replayer(policies: [policy], options: options).replay(path: try writeTrace(trace))
    }

    func one(_ trace: String, policy: String = "eval-lru:entries=2", client: ClientModel = .auto,
             recorded: RecordedRecoveries = .fold, scripts: [String] = []) throws -> PolicyResult {
        try run(trace, policy: policy, client: client, recorded: recorded, scripts: scripts).policies[0]
    }

    // EVAL a, b, c into a list of 2 evicts a; EVALSHA a then meets NOSCRIPT.
    var evictedThenCalled: String { eval("return 'a'") + eval("return 'b'") + eval("return 'c'") + evalsha("return 'a'") }

    @Test func evalFallbackRecreatesAnEvictableScript() throws {
        let r = try one(evictedThenCalled + eval("return 'd'"), client: .evalFallback)
        // EVAL a again evicts b; d then evicts c: a, d cached; evicted a, b, c.
        #expect((r.noscript, r.retries, r.recoveriesScriptLoad, r.appErrors) == (1, 1, 0, 0))
        #expect((r.cachedScripts, r.evictions, r.compiles) == (2, 3, 5))
        #expect(r.requests == 5)
    }

    @Test func loadEvalshaPinsTheScript() throws {
        let r = try one(evictedThenCalled + eval("return 'd'") + eval("return 'e'") + evalsha("return 'a'"), client: .loadEvalsha)
        // SCRIPT LOAD a creates it outside the list (pinned), EVALSHA again hits; d and e evict b and c;
        // the last EVALSHA a hits: cached a (pinned), d, e; evicted a, b, c.
        #expect((r.noscript, r.retries, r.recoveriesScriptLoad, r.appErrors) == (1, 0, 1, 0))
        #expect((r.cachedScripts, r.evictions, r.scriptLoads) == (3, 3, 1))
        #expect((r.evalshaHits, r.requests) == (1, 7))
        #expect(abs(r.hitRate - 1.0 / 7.0) < 1e-12)   // the retried EVALSHA is not a request
    }

    @Test func noneLetsTheErrorReachTheApplication() throws {
        let r = try one(evictedThenCalled, client: .none)
        #expect((r.noscript, r.retries, r.recoveriesScriptLoad, r.appErrors, r.cachedScripts) == (1, 0, 0, 1, 2))
    }

    @Test func aBodyTheClientDoesNotHoldCannotBeRecovered() throws {
        let x = "return 'only registered'"
        let without = try one(evalsha(x), client: .loadEvalsha)
        #expect((without.noscript, without.appErrors, without.cachedScripts) == (1, 1, 0))
        let report = try run(evalsha(x) + evalsha(x), client: .loadEvalsha, scripts: [x, "return 'never used'"])
        let with = report.policies[0]
        #expect((with.noscript, with.appErrors, with.recoveriesScriptLoad, with.evalshaHits, with.cachedScripts) == (1, 0, 1, 1, 1))
        // Bodies given with --scripts are known, not sent: the trace summary counts none of them.
        #expect(report.summary.distinctScripts == 0)
    }

    @Test func noClientRecoversInsideATransaction() throws {
        let a = "return 'a'"
        let trace = eval(a) + "SCRIPT FLUSH\nMULTI\n" + evalsha(a) + "EXEC\n" + evalsha(a)
        let report = try run(trace, client: .evalFallback)
        let r = report.policies[0]
        // Inside MULTI: NOSCRIPT reaches the application; after EXEC the client recovers with EVAL.
        #expect((r.noscript, r.appErrors, r.retries, r.cachedScripts) == (2, 1, 1, 1))
        #expect(report.summary.callsInTransaction == 1)
        let discarded = try one(eval(a) + "SCRIPT FLUSH\nMULTI\nDISCARD\n" + evalsha(a), client: .evalFallback)
        #expect((discarded.appErrors, discarded.retries) == (0, 1))
    }

    @Test func namesAndAliases() {
        #expect(ClientChoice(parsing: "redis-py")?.model == .loadEvalsha)
        #expect(ClientChoice(parsing: "IOREDIS")?.model == .evalFallback)
        #expect(ClientChoice(parsing: "go-redis")?.model == .evalFallback)
        #expect(ClientChoice(parsing: "node-redis")?.model == .evalFallback)
        #expect(ClientChoice(parsing: "spring-data-redis")?.model == .evalFallback)
        #expect(ClientChoice(parsing: "jedis")?.model == ClientModel.none)
        #expect(ClientChoice(parsing: "load-evalsha")?.description == "load-evalsha")
        #expect(ClientChoice(parsing: "redis-py")?.description == "redis-py (load-evalsha)")
        #expect(ClientChoice(parsing: "redis") == nil)
        #expect(ReplayOptions(retryNoscript: false).clients == [ClientChoice(.none)])
        #expect(ReplayOptions(retryNoscript: false).recordedRecoveries == .keep)
    }

    @Test func clientScriptsReadFilesAndFolders() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scriptsim-scripts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("return 1\n".utf8).write(to: dir.appendingPathComponent("b.lua"))
        try Data("return 2".utf8).write(to: dir.appendingPathComponent("sub/a.lua"))
        try Data("not a script".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let all = try ClientScripts(path: dir.path)
        #expect(all.scripts.map { String(decoding: $0.body, as: UTF8.self) } == ["return 1\n", "return 2"])
        let one = try ClientScripts(path: dir.appendingPathComponent("b.lua").path)
        #expect(one.scripts.count == 1)
        #expect(throws: TraceError.self) { try ClientScripts(path: dir.appendingPathComponent("missing").path) }
        let empty = dir.appendingPathComponent("sub2")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: TraceError.self) { try ClientScripts(path: empty.path) }
    }
}
