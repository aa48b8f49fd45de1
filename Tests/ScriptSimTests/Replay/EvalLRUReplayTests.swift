import Testing
@testable import ScriptSim

/// The `eval-lru` rules of Redis 7.4 (reference §1a), with counts worked out by hand.
@Suite struct EvalLRUReplayTests {
    func eval(_ body: String) -> String { "EVAL \(quoted(body)) 0\n" }
    func evalsha(_ body: String) -> String { "EVALSHA \(sha1Hex(body)) 0\n" }
    func load(_ body: String) -> String { "SCRIPT LOAD \(quoted(body))\n" }

    @Test func thousandDistinctEvalsLeave500() throws {
        var trace = ""
        for i in 1...1000 { trace += eval("return \(i)") }
        trace += evalsha("return 1")
        let report = try replay(trace, policies: ["eval-lru", "unbounded"], retry: false)
        let lru = report.policies[0], unbounded = report.policies[1]
        #expect(lru.policy == "eval-lru:entries=500")
        #expect(lru.evalMisses == 1000)
        #expect(lru.compiles == 1000)
        #expect(lru.cachedScripts == 500)
        #expect(lru.cachedScriptsPeak == 500)
        #expect(lru.evictions == 500)
        #expect(lru.noscript == 1)
        #expect(lru.evalshaHits == 0)
        #expect(unbounded.cachedScripts == 1000)
        #expect(unbounded.evictions == 0)
        #expect(unbounded.evalshaHits == 1)
        #expect(unbounded.noscript == 0)
    }

    @Test(arguments: [1000, 600, 500])
    func loadedScriptsAreNeverEvicted(rounds: Int) throws {
        var trace = ""
        for j in 1...rounds { trace += load("return \(j)") + eval("return 'str_\(j)'") }
        let r = try replayOne(trace, policy: "eval-lru")
        #expect(r.evictions == rounds - 500)
        #expect(r.cachedScripts == rounds + 500)
        #expect(r.compiles == 2 * rounds)
        #expect(r.scriptLoads == rounds)
    }

    /// Redis's "Lua scripts eviction is plain LRU": one script refreshed by EVAL,
    /// one by EVALSHA, and the third oldest is the one evicted.
    @Test func hitsRefreshRecency() throws {
        let s = (1...5).map { "return 'script \($0)'" }
        let trace = eval(s[0]) + eval(s[1]) + eval(s[2]) + eval(s[3])
            + eval(s[0]) + evalsha(s[1])     // refresh s1 (EVAL) and s2 (EVALSHA): s3 is now oldest
            + eval(s[4])                     // evicts s3
            + evalsha(s[2])                  // NOSCRIPT
            + evalsha(s[3]) + evalsha(s[0]) + evalsha(s[1])
        let r = try replayOne(trace, policy: "eval-lru:entries=4", retry: false)
        #expect(r.evalHits == 1)
        #expect(r.evalMisses == 5)
        #expect(r.evalshaHits == 4)
        #expect(r.noscript == 1)
        #expect(r.evictions == 1)
        #expect(r.cachedScripts == 4)
        #expect(r.requests == 11)
        #expect(r.hitRate == 5.0 / 11.0)
    }

    @Test func existsAndRepeatedLoadDoNotRefreshOrPin() throws {
        let (a, b, c, d, e, f) = ("return 'a'", "return 'b'", "return 'c'", "return 'd'", "return 'e'", "return 'f'")
        let trace = eval(a) + eval(b)
            + "SCRIPT EXISTS \(sha1Hex(a))\n" + load(a)   // neither refreshes nor pins a
            + eval(c)                                     // evicts a   -> [b, c]
            + evalsha(a)                                  // NOSCRIPT
            + evalsha(b)                                  // hit        -> [c, b]
            + eval(d)                                     // evicts c   -> [b, d]
            + evalsha(c)                                  // NOSCRIPT
            + load(a)                                     // created by SCRIPT LOAD now: pinned
            + eval(e) + eval(f)                           // evict b, d -> [e, f]
            + evalsha(a)                                  // hit: a survived
        let r = try replayOne(trace, policy: "eval-lru:entries=2", retry: false)
        #expect(r.evictions == 4)
        #expect(r.noscript == 2)
        #expect(r.evalshaHits == 2)
        #expect(r.cachedScripts == 3)
        #expect(r.scriptLoads == 2)
        #expect(r.compiles == 7)
    }

    @Test func loadOriginSurvivesEvalPressure() throws {
        let trace = load("return 'x'") + eval("return 'a'") + eval("return 'b'") + evalsha("return 'x'")
        let r = try replayOne(trace, policy: "eval-lru:entries=1")
        #expect(r.evictions == 1)
        #expect(r.cachedScripts == 2)
        #expect(r.evalshaHits == 1)
    }

    @Test func compileErrorsAreNotCachedAndEvictNothing() throws {
        let trace = eval("return 'a'") + eval("return +") + eval("return +") + eval("#!python\nreturn 1")
            + "EVALSHA \(sha1Hex("return +")) 0\n"
        let r = try replayOne(trace, policy: "eval-lru:entries=1")
        #expect(r.evalMisses == 4)
        #expect(r.compiles == 1)
        #expect(r.compileErrors == 4)   // three failed EVALs and one failed retry after NOSCRIPT
        #expect(r.retries == 1)
        #expect(r.evictions == 0)
        #expect(r.cachedScripts == 1)
        #expect(r.compileErrorExamples.first?.message.contains("unexpected symbol") == true)
        #expect(r.compileErrorExamples.contains { $0.message.contains("Unexpected engine in script shebang: #!python") })
    }

    @Test func noscriptRetriesWhenTheBodyIsKnown() throws {
        let a = "return 'a'", z = "return 'z'"
        let trace = eval(a) + "SCRIPT FLUSH\n" + evalsha(a)   // NOSCRIPT, retried with EVAL
            + evalsha(z)                                      // NOSCRIPT, body never seen: no retry
            + eval(z) + evalsha(z)                            // miss, then hit
        let withRetry = try replayOne(trace, policy: "eval-lru")
        #expect(withRetry.noscript == 2)
        #expect(withRetry.retries == 1)
        #expect(withRetry.compiles == 3)
        #expect(withRetry.cachedScripts == 2)
        #expect(withRetry.evalshaHits == 1)
        #expect(withRetry.flushes == 1)
        let noRetry = try replayOne(trace, policy: "eval-lru", retry: false)
        #expect(noRetry.noscript == 2)
        #expect(noRetry.retries == 0)
        #expect(noRetry.compiles == 2)
        #expect(noRetry.cachedScripts == 1)
    }

    @Test func retriedScriptsAreEvalCreatedAndEvictable() throws {
        let a = "return 'a'"
        let trace = load(a) + "SCRIPT FLUSH\n" + evalsha(a) + eval("return 'b'")
        let r = try replayOne(trace, policy: "eval-lru:entries=1")
        #expect(r.retries == 1)
        #expect(r.evictions == 1)
        #expect(r.cachedScripts == 1)
    }

    @Test func shaLookupsIgnoreCase() throws {
        let a = "return 'a'"
        let trace = eval(a) + "EVALSHA \(sha1Hex(a).uppercased()) 0\n"
        let r = try replayOne(trace, policy: "eval-lru")
        #expect(r.evalshaHits == 1)
    }
}
