import Foundation
import Testing
@testable import ScriptSim

extension RealServer {
    /// Redis 8.0.2 built from source with its bundled jemalloc (scripts/servers),
    /// modelled as `redis-8.0`, script bytes judged.
    static let redis80 = RealServer(label: "redis 8.0", pooled: "SCRIPTSIM_REDIS80_SERVER", name: "Redis 8.0.2", obtainedBy: "builds it")
}

/// Redis 8.0.2 as `make` builds it (bundled jemalloc 5.3.0, lg-quantum 3, no
/// modules): every shipped workload and rule trace matches under `eval-lru`,
/// counts exact, retained Lua within 2%, script bytes to the byte.
@Suite(.serialized, .enabled(if: RealServer.redis80.isAvailable, RealServer.redis80.skipNote))
struct Redis80IntegrationTests {
    let server = RealServer.redis80

    func expectExact(_ r: VerifyReport, _ name: String) {
        #expect(r.server == ServerIdentity(name: "redis", version: "8.0.2"), "\(name): \(r.server)")
        #expect(r.profile == "redis-8.0" && r.profileNote == nil, "\(name): \(r.profile)")
        #expect(r.policy == "eval-lru:entries=500", "\(name)")
        #expect(r.serverVMField == "used_memory_vm_eval", "\(name)")
        RealServer.expectExactCountsAndScriptBytes(r, name)
        RealServer.expectRetainedLuaAndMatch(r, name)
    }

    /// Redis's rule, not Valkey's: SCRIPT LOAD leaves an EVAL script evictable.
    @Test func ruleTracesMatchToTheByte() throws {
        try server.expectRuleTraces(loadDoesNotPin: (500, 2, 1), expectExact)
    }

    @Test func everyShippedWorkloadMatchesToTheByte() throws {
        try server.expectShippedWorkloads(expectExact)
    }

    /// 600 EVALs: 500 kept, 100 evicted, the policy Redis 8 keeps from 7.4.
    @Test func evictionCounts() throws {
        let trace = (1...600).map { "EVAL \(quoted("return \($0)")) 0\n" }.joined()
        guard let r = try server.verifyFresh(try writeTrace(trace)) else { return }
        expectExact(r, "600 EVALs")
        #expect(RealServer.figure(r, "cached_scripts")?.server == 500)
        #expect(RealServer.figure(r, "evicted_scripts")?.server == 100)
    }

    /// Bodies of every length from 0 to 300 bytes and a few up to 32 KiB (embstr
    /// and raw sds of type 8 and 16), by EVAL (LRU list nodes) and SCRIPT LOAD.
    @Test func bodiesOfEveryLengthMatchToTheByte() throws {
        func body(_ n: Int) -> String { n < 8 ? String(repeating: " ", count: n) : "return 1" + String(repeating: " ", count: n - 8) }
        var trace = (0...300).map { "EVAL \(quoted(body($0))) 0\n" }.joined()
        trace += ([301, 1000, 1024, 4000, 16380, 32000, 32766].map { "SCRIPT LOAD \(quoted(body($0)))\n" }).joined()
        guard let r = try server.verifyFresh(try writeTrace(trace)) else { return }
        expectExact(r, "bodies of every length")
        #expect(RealServer.figure(r, "cached_scripts")?.server == 301 + 7)
    }
}
