import Testing
@testable import ScriptSim

@Suite struct MemoryReplayTests {
    /// The worked check in the reference: one cached "while true do end"
    /// (17 bytes, EMBSTR) shows used_memory_scripts_eval:176 on a real Redis.
    @Test func scriptBytesMatchRedisFormula() throws {
        let trace = "EVAL \"while true do end\" 0\n"
        let report = try replay(trace, policies: [], servers: ["redis-7.4", "redis-7.0"])
        #expect(report.policies[0].scriptBytes == 176)
        // Redis 7.0/7.2 as Debian builds it: luaScript 16, no LRU list node, and the
        // system jemalloc's 16-byte classes: SHA 48, EMBSTR 16 + 3 + 17 + 1 = 37 -> 48 - 16 = 32,
        // entry 24, 4 buckets 32 (measured: 136 for a 12-byte body, 48 + 16 + 24 + 16 + 32).
        #expect(report.policies[1].scriptBytes == 48 + 32 + 24 + 16 + 32)
    }

    @Test func systemJemallocAndGlibcSizes() {
        for (n, size) in [(1, 8), (9, 16), (17, 32), (33, 48), (128, 128), (129, 160), (200, 224)] {
            #expect(RedisScriptMemory.sizeClass16(n) == size, "16-byte class of \(n)")
        }
        for (n, size) in [(1, 24), (24, 24), (25, 40), (44, 56), (1007, 1016)] {
            #expect(RedisScriptMemory.glibcUsable(n) == size, "glibc usable of \(n)")
        }
    }

    @Test func redisSizeClasses() {
        let expected = [(1, 8), (8, 8), (9, 16), (24, 24), (33, 40), (37, 40), (44, 48), (64, 64), (65, 80),
                        (104, 112), (129, 160), (14337, 16384), (16385, 20480), (100_000, 114_688)]
        for (n, size) in expected { #expect(RedisScriptMemory.sizeClass(n) == size, "size class of \(n)") }
    }

    @Test func scriptBytesFollowDictGrowthAndRawBodies() throws {
        // Five 8-byte bodies: 5 × (48 + 16) + 5 × 24 entries + 8 buckets × 8 + 5 × 24 + 5 × 24 = 744.
        let five = (1...5).map { "EVAL \"return \($0)\" 0\n" }.joined()
        #expect(try replayOne(five, policy: "eval-lru").scriptBytes == 744)
        // A 100-byte RAW body: sds 3 + 100 + 1 = 104 -> size class 112.
        let raw = "EVAL \"return '" + String(repeating: "x", count: 91) + "'\" 0\n"
        #expect(try replayOne(raw, policy: "eval-lru").scriptBytes == 48 + 112 + 24 + 32 + 24 + 24)
        // Evicting shrinks the dict again (7.4): entries=1 keeps one script, 4 buckets.
        let one = try replayOne(five, policy: "eval-lru:entries=1")
        #expect(one.scriptBytes == 48 + 16 + 24 + 32 + 24 + 24)
        #expect(one.scriptBytesPeak == 48 + 16 + 24 + 32 + 24 + 24)
    }

    @Test func flushReturnsToAFreshVM() throws {
        let fresh = try LuaVM(allocator: VMAllocator())
        let freshBytes = fresh.liveBytes
        fresh.close()
        var trace = ""
        for i in 0..<300 { trace += "EVAL \"return \(i) * 2\" 0\n" }
        trace += "SCRIPT FLUSH\n"
        for policy in ["unbounded", "eval-lru"] {
            let r = try replayOne(trace, policy: policy)
            #expect(r.vmBytesPeak > freshBytes + 300 * 100)
            #expect(r.vmBytes == freshBytes)
            #expect(r.vmBytesRetained == freshBytes)
            #expect(r.cachedScripts == 0)
            #expect(r.scriptBytes == 0)
        }
    }

    @Test func evictionsAndGCBringVMBytesDown() throws {
        var trace = ""
        for i in 0..<2000 { trace += "EVAL \"return \(i) + 1\" 0\n" }
        let report = try replay(trace, policies: ["eval-lru:entries=10", "unbounded"])
        let lru = report.policies[0], unbounded = report.policies[1]
        #expect(lru.vmBytesRetained < lru.vmBytesPeak)
        #expect(lru.vmBytesRetained < unbounded.vmBytesRetained / 4)
        #expect(lru.vmBytes <= lru.vmBytesPeak)
        #expect(unbounded.vmBytes > unbounded.vmBytesRetained / 2)
        #expect(lru.luaGCCountBytes <= lru.vmBytes)
    }

    @Test func resultsAreDeterministicAndParallelEqualsSerial() throws {
        var trace = ""
        for i in 0..<3000 {
            let j = (i * 7919) % 900
            trace += i % 5 == 0 ? "EVALSHA \(sha1Hex("return \(j)")) 0\n" : "EVAL \"return \(j)\" 0\n"
            if i % 1000 == 999 { trace += "SCRIPT FLUSH\n" }
        }
        let policies = ["unbounded", "eval-lru", "eval-lru:entries=100"]
        let together = try replay(trace, policies: policies).policies.map(withoutTimes)
        let again = try replay(trace, policies: policies).policies.map(withoutTimes)
        let alone = try policies.map { try replayOne(trace, policy: $0) }.map(withoutTimes)
        #expect(together == again)
        #expect(together == alone)
    }
}
