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

    func verifyFresh(_ path: String, engine: LuaEngine = .lua51, policy: String? = nil) throws -> VerifyReport? {
        // A fresh server per trace, as `verify --start` gives.
        guard let process = try server.start() else { return nil }
        defer { process.stop() }
        return try Verifier(options: VerifyOptions(policy: policy, engine: engine))
            .verify(path: path, host: "127.0.0.1", port: process.port)
    }

    func figure(_ r: VerifyReport, _ key: String) -> (server: Int, simulated: Int)? {
        r.figures.first { $0.key == key }.map { ($0.server, $0.simulated) }
    }

    func expectExact(_ r: VerifyReport, _ name: String) {
        #expect(r.verdict == "verify: MATCH", "\(name)")
        #expect(r.server == ServerIdentity(name: "redis", version: "8.0.2"), "\(name): \(r.server)")
        #expect(r.policy == "eval-lru:entries=500", "\(name)")
        #expect(r.serverAllocator.hasPrefix("jemalloc"), "\(name): \(r.serverAllocator)")
        #expect(r.serverVMField == "used_memory_vm_eval", "\(name)")
        #expect(r.scriptBytesJudged, "\(name)")
        #expect(r.serverScriptBytes == r.simulatedScriptBytes, "\(name): \(r.serverScriptBytes ?? -1) vs \(r.simulatedScriptBytes)")
        #expect(r.memoryJudged && r.memoryAgrees, "\(name): \(r.serverVMRetainedBytes) vs \(r.simulatedVMRetainedBytes)")
    }

    @Test func ruleTracesMatchToTheByte() throws {
        let rules = VerifyIntegrationTests.workloads.appendingPathComponent("rules")
        for name in VerifyIntegrationTests.ruleTraces {
            guard let r = try verifyFresh(rules.appendingPathComponent("\(name).trace").path) else { return }
            expectExact(r, name)
            if name == "load-does-not-pin" {
                // Redis's rule, not Valkey's: SCRIPT LOAD leaves an EVAL script evictable.
                #expect(figure(r, "cached_scripts")?.server == 500)
                #expect(figure(r, "evicted_scripts")?.server == 2)
                #expect(figure(r, "noscript")?.server == 1)
            }
        }
        // Lua 5.4 compiles what the server's Lua 5.1 refuses: the expected mismatch.
        guard let r = try verifyFresh(rules.appendingPathComponent("lua54-only.trace").path, engine: .lua54) else { return }
        #expect(r.verdict == "verify: MISMATCH cached_scripts: server 1, simulated 2")
        #expect(r.failedOnServerOnly == [sha1Hex("return 7 // 2")])
    }

    @Test func everyShippedWorkloadMatchesToTheByte() throws {
        for name in VerifyIntegrationTests.shippedWorkloads {
            guard let r = try verifyFresh(VerifyIntegrationTests.workloads.appendingPathComponent("\(name).trace").path)
            else { return }
            expectExact(r, name)
            #expect(r.runtimeErrors == 0, "\(name)")
        }
    }

    /// 600 EVALs: 500 kept, 100 evicted, the policy Redis 8 keeps from 7.4.
    @Test func evictionCounts() throws {
        let trace = (1...600).map { "EVAL \(quoted("return \($0)")) 0\n" }.joined()
        guard let r = try verifyFresh(try writeTrace(trace)) else { return }
        expectExact(r, "600 EVALs")
        #expect(figure(r, "cached_scripts")?.server == 500)
        #expect(figure(r, "evicted_scripts")?.server == 100)
    }

    /// Bodies of every length from 0 to 300 bytes and a few up to 32 KiB (embstr
    /// and raw sds of type 8 and 16), by EVAL (LRU list nodes) and SCRIPT LOAD.
    @Test func bodiesOfEveryLengthMatchToTheByte() throws {
        func body(_ n: Int) -> String { n < 8 ? String(repeating: " ", count: n) : "return 1" + String(repeating: " ", count: n - 8) }
        var trace = (0...300).map { "EVAL \(quoted(body($0))) 0\n" }.joined()
        trace += ([301, 1000, 1024, 4000, 16380, 32000, 32766].map { "SCRIPT LOAD \(quoted(body($0)))\n" }).joined()
        guard let r = try verifyFresh(try writeTrace(trace)) else { return }
        expectExact(r, "bodies of every length")
        #expect(figure(r, "cached_scripts")?.server == 301 + 7)
    }
}
