import Testing
@testable import ScriptSim

/// The policies of the policies issue replayed on hand-made traces, counts worked out by hand.
@Suite struct PolicyReplayTests {
    func eval(_ body: String) -> String { "EVAL \(quoted(body)) 0\n" }
    func evalsha(_ body: String) -> String { "EVALSHA \(sha1Hex(body)) 0\n" }
    func load(_ body: String) -> String { "SCRIPT LOAD \(quoted(body))\n" }

    /// What caching `body` costs, measured the way the replay measures it.
    func cost(_ body: String) throws -> Int {
        let meter = try ScriptCostMeter()
        return Array(body.utf8).withUnsafeBufferPointer { meter.measure($0) }
            + redis74Memory.entryBytes(length: body.utf8.count)
    }

    @Test func promotionPinsAnEvalScript() throws {
        let (a, b, c, d) = ("return 'a'", "return 'b'", "return 'c'", "return 'd'")
        let trace = eval(a) + load(a) + eval(b) + eval(c) + eval(d) + evalsha(a)
        let valkey = try replayOne(trace, policy: "eval-lru:entries=2,promote-on-load=yes", retry: false)
        #expect(valkey.promotions == 1)
        #expect(valkey.evictions == 1)      // d evicts b; a is pinned
        #expect(valkey.evalshaHits == 1)
        #expect(valkey.cachedScripts == 3)
        let redis = try replayOne(trace, policy: "eval-lru:entries=2", retry: false)
        #expect(redis.promotions == 0)
        #expect(redis.evictions == 2)       // c evicts a, d evicts b
        #expect(redis.noscript == 1)
        #expect(redis.cachedScripts == 2)
    }

    @Test func promotionDropsTheListNodeFromScriptBytes() throws {
        let trace = eval("while true do end") + load("while true do end")
        // Valkey 9 (bundled jemalloc): SHA 48, embedded body 32 - 8 = 24, entry 24,
        // evalScript 40, 4 buckets 32; promoted, so no list node.
        #expect(try replayServer(trace, "valkey-9.1").scriptBytes == 48 + 24 + 24 + 40 + 32)
        #expect(try replayServer(eval("while true do end"), "valkey-9.1").scriptBytes == 168 + 24)
        #expect(try replayOne(trace, policy: "eval-lru").scriptBytes == 176)
    }

    @Test func secondHitKeepsOneOffsOut() throws {
        let a = "return 'hot'"
        let trace = eval(a) + eval(a) + eval(a) + eval("return 1") + eval("return 2") + eval("return 3") + eval(a) + eval(a)
        let admitted = try replayOne(trace, policy: "eval-lru:entries=2,admit=second-hit,window=10")
        #expect(admitted.policy == "eval-lru:entries=2,admit=second-hit,window=10")
        #expect(admitted.evalMisses == 5)        // a twice, then the three one-offs
        #expect(admitted.evalHits == 3)
        #expect(admitted.compiles == 5)
        #expect(admitted.admissionRejects == 4)  // a's first sighting and the one-offs
        #expect(admitted.evictions == 0)
        #expect(admitted.cachedScripts == 1)
        let plain = try replayOne(trace, policy: "eval-lru:entries=2")
        #expect(plain.evalMisses == 5)           // a, 1, 2 (evicts a), 3 (evicts 1), a again (evicts 2)
        #expect(plain.evalHits == 3)
        #expect(plain.evictions == 3)
        #expect(plain.recompiles == 1)           // a, compiled again after its eviction
        #expect(plain.admissionRejects == 0)
    }

    @Test func secondHitForgetsBeyondItsWindow() throws {
        let (a, b, c) = ("return 'a'", "return 'b'", "return 'c'")
        let trace = eval(a) + eval(b) + eval(c) + eval(a) + eval(a) + evalsha(a)
        let r = try replayOne(trace, policy: "eval-lru:admit=second-hit,window=2", retry: false)
        #expect(r.admissionRejects == 4)         // a, b, c, then a again: pushed out of the window by c
        #expect(r.evalMisses == 5)
        #expect(r.cachedScripts == 1)
        #expect(r.evalshaHits == 1)
    }

    @Test func sizeCappedByteBudget() throws {
        let scripts = (1...8).map { "return 's\($0)'" }
        let c = try cost(scripts[0])
        for s in scripts { #expect(try cost(s) == c, "equal-sized scripts cost the same") }
        let big = "return '" + String(repeating: "x", count: 4 * c) + "'"
        #expect(try cost(big) > 3 * c + c / 2)
        let trace = eval(scripts[0]) + eval(scripts[1]) + eval(scripts[2])
            + eval(scripts[3])                     // evicts s1
            + load(scripts[4])                     // evicts s2
            + evalsha(scripts[4])                  // hit
            + eval(big)                            // compiled and run, not kept; nothing evicted
            + eval(scripts[5])                     // evicts s3
            + eval(scripts[6])                     // evicts s4
            + eval(scripts[7])                     // evicts s5, a loaded script
            + evalsha(scripts[4])                  // NOSCRIPT
        let r = try replayOne(trace, policy: "size-capped:bytes=\(3 * c + c / 2)", retry: false)
        #expect(r.evictions == 5)
        // evicted_bytes counts the key and body as Redis stores them (the VM bytes come back through the GC).
        #expect(r.evictedBytes == 5 * redis74Memory.entryBytes(length: scripts[0].utf8.count))
        #expect(r.oversizeRejects == 1)
        #expect(r.compiles == 9)
        #expect(r.evalMisses == 8)
        #expect(r.evalshaHits == 1)
        #expect(r.noscript == 1)
        #expect(r.cachedScripts == 3)
    }

    @Test func pinnedLoadedOnATrace() throws {
        let (x, a, b, c) = ("return 'x'", "return 'a'", "return 'b'", "return 'c'")
        let trace = load(x) + eval(a) + eval(b) + load(b) + eval(c) + evalsha(a) + evalsha(b) + evalsha(x)
        let r = try replayOne(trace, policy: "pinned-loaded:entries=1", retry: false)
        #expect(r.promotions == 1)       // b pinned by its SCRIPT LOAD
        #expect(r.evictions == 1)        // b's arrival evicts a; once b is pinned the list is empty for c
        #expect(r.noscript == 1)         // a
        #expect(r.evalshaHits == 2)      // b and x
        #expect(r.cachedScripts == 3)    // x, b, c
    }

    @Test func allPoliciesInParallelEqualOneByOne() throws {
        var trace = ""
        for i in 0..<4000 {
            let j = (i * 7919) % 700
            switch i % 7 {
            case 0: trace += "EVALSHA \(sha1Hex("return \(j)")) 0\n"
            case 1: trace += "SCRIPT LOAD \"return \(j)\"\n"
            case 2: trace += "EVAL \"return \(i) + 0\" 0\n"
            default: trace += "EVAL \"return \(j)\" 0\n"
            }
            if i % 1500 == 1499 { trace += "SCRIPT FLUSH\n" }
        }
        let policies = ["unbounded", "eval-lru", "eval-lru:entries=100,promote-on-load=yes",
                        "eval-lru:entries=100,admit=second-hit,window=50", "size-capped:bytes=64KiB",
                        "pinned-loaded:entries=50", "pinned-loaded:bytes=32KiB,admit=second-hit"]
        let together = try replay(trace, policies: policies).policies.map(withoutTimes)
        let alone = try policies.map { try replayOne(trace, policy: $0) }.map(withoutTimes)
        #expect(together == alone)
        #expect(Set(together.map(\.evictions)).count > 2, "the policies really differ")
    }
}
