import Foundation
import Testing
@testable import ScriptSim

/// Rules where the servers part from a naive reading, each worked out from
/// their source (src/eval.c, src/script.c) and checked on Redis 7.0.15 and
/// Valkey 9.1.2 by hand (redis-cli), with the replies quoted.
@Suite struct ServerRuleTests {
    func eval(_ body: String, ro: Bool = false) -> String { "\(ro ? "EVAL_RO" : "EVAL") \(quoted(body)) 0\n" }
    func evalsha(_ body: String, ro: Bool = false) -> String { "\(ro ? "EVALSHA_RO" : "EVALSHA") \(sha1Hex(body)) 0\n" }

    func parse(_ body: String, _ dialect: Shebang.Dialect = .redis) -> String {
        Array(body.utf8).withUnsafeBufferPointer { b in
            switch Shebang.parse(b, dialect: dialect) {
            case .success(let p): return "ok \(p.codeOffset) \(p.flags.sorted().joined(separator: ","))"
            case .failure(let e): return e.message
            }
        }
    }

    /// `sdssplitargs` on the shebang line and `sdssplitlen` on the flags.
    @Test func shebangIsParsedAsTheServersParseIt() {
        #expect(parse("#!lua flags=\"no-writes\"\nreturn 1") == "ok 23 no-writes")   // quotes accepted
        #expect(parse("#!lua flags=\nreturn 1") == "ok 12 ")                           // no flags at all
        #expect(parse("#!lua flags=no-writes,\nreturn 1") == "Unexpected flag in script shebang: ")
        #expect(parse("#!lua flags=,no-writes\nreturn 1") == "Unexpected flag in script shebang: ")
        #expect(parse("#!lua flags=no-writes,,allow-oom\nreturn 1") == "Unexpected flag in script shebang: ")
        #expect(parse("#!lua \"flags=no-writes\nreturn 1") == "Invalid engine in script shebang")   // unbalanced quote
        #expect(parse("#!lua\u{0}\nreturn 1") == "Invalid script shebang")             // strchr stops at the NUL
        #expect(parse("#!LUA\nreturn 1") == "Unexpected engine in script shebang: #!LUA")
        // Valkey 9.1.2: the engine name in any case; another name is not found.
        #expect(parse("#!LUA\nreturn 1", .valkey) == "ok 5 ")
        #expect(parse("#!python\nreturn 1", .valkey) == "Could not find scripting engine 'python'")
        #expect(parse("#!\nreturn 1", .valkey) == "Could not find scripting engine ''")
        #expect(parse("#!\nreturn 1") == "Unexpected engine in script shebang: #!")
    }

    @Test func valkeyAcceptsAnUppercaseEngine() throws {
        let body = "#!LUA\nreturn 1"
        let redis = try replayServer(eval(body), "redis-7.4")
        #expect((redis.compileErrors, redis.cachedScripts) == (1, 0))
        let valkey = try replayServer(eval(body), "valkey-9.1")
        #expect((valkey.compileErrors, valkey.cachedScripts) == (0, 1))
    }

    /// EVAL_RO / EVALSHA_RO of a shebang script without `no-writes`: "Can not execute a
    /// script with write flag using *_ro command" — created if new, but not run: no LRU
    /// refresh. With a list of 2: a, b; a refused by EVALSHA_RO (no refresh); c evicts a.
    @Test func readOnlyRunsOfWriteScriptsAreRefused() throws {
        let a = "#!lua\nreturn 'a'", b = "#!lua flags=no-writes\nreturn 'b'"
        let trace = eval(a) + eval(b) + evalsha(a, ro: true) + eval("return 'c'") + evalsha(a)
        let r = try replayOne(trace, policy: "eval-lru:entries=2")
        #expect(r.readOnlyRefusals == 1)
        #expect((r.evictions, r.noscript, r.retries) == (2, 1, 1))   // a evicted; the last EVALSHA recovers it
        // Without the refusal a would have been refreshed and b evicted instead: b's EVALSHA_RO is allowed.
        let allowed = try replayOne(eval(a) + eval(b) + evalsha(b, ro: true) + eval("return 'c'") + evalsha(b), policy: "eval-lru:entries=2")
        #expect((allowed.readOnlyRefusals, allowed.evictions, allowed.noscript) == (0, 1, 0))
        // EVAL_RO of a new write script creates and caches it (the refusal comes after).
        let created = try replayOne(eval(a, ro: true), policy: "eval-lru")
        #expect((created.readOnlyRefusals, created.cachedScripts, created.compiles) == (1, 1, 1))
    }

    /// evalShaCommand: a SHA that is not 40 characters is NOSCRIPT at once, whatever follows;
    /// 40 characters that are not hex match no script.
    @Test func malformedSHAsAreNoscript() throws {
        let r = try replayOne("EVALSHA abc 0\nEVALSHA abc notanumber\nEVALSHA \(String(repeating: "z", count: 40)) 0\n", policy: "eval-lru")
        #expect((r.noscript, r.appErrors, r.retries) == (3, 3, 0))
    }

    /// The GC ticks where the modeled server ticks it: Redis 7.4 after each create and
    /// each run; Redis 7.0/7.2 and Valkey only per run. 25 new scripts run once each:
    /// 50 ticks (one GC step) under 7.4, 25 (none) under 7.2 — the step frees the
    /// garbage of the first compiles.
    @Test func gcTicksWhereTheServerTicks() throws {
        let trace = (1...25).map { eval("local t = {} for i = 1, 10 do t[i] = i end return \($0)") }.joined()
        let r74 = try replayServer(trace, "redis-7.4")
        let r72 = try replayServer(trace, "redis-7.2")
        #expect(r74.cachedScripts == r72.cachedScripts)
        #expect(r74.luaGCCountBytes < r72.luaGCCountBytes)
    }
}

/// The GC cadence itself: one incremental step on the 50th tick, none before.
/// On lua5.1 every run builds KEYS and ARGV (garbage once the next run replaces
/// them), so the live count grows run by run until the step at tick 50 frees some.
@Suite struct GCCadenceTests {
    func live(runs: Int) throws -> Int {
        // Redis 7.2 rules (unbounded): a tick per run only; the first EVAL creates and runs.
        let trace = (0..<runs).map { "EVAL \"return 1\" 1 key:\($0) value-\($0)\n" }.joined()
        let options = ReplayOptions(engines: [.lua51])
        return try Replayer(policies: [], servers: ["redis-7.2"], options: options).replay(path: try writeTrace(trace)).policies[0].luaGCCountBytes
    }

    @Test func theFiftiethTickSteps() throws {
        let (r48, r49, r50) = (try live(runs: 48), try live(runs: 49), try live(runs: 50))
        #expect(r49 > r48)              // no step yet: garbage accumulates
        #expect(r50 < r49)              // the step at tick 50 collected some of it
        #expect(profile("redis-7.4").gcPeriod == 50 && profile("redis-7.4").gcStepKilobytes == 50)
    }
}
