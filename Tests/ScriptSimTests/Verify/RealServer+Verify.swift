import Foundation
import Testing
@testable import ScriptSim

/// What the real-server suites share: a fresh server per trace, a figure by key,
/// and the checks every jemalloc server must pass.
extension RealServer {
    /// Verifies `path` against a fresh server, as `verify --start` gives (nil: no server here).
    func verifyFresh(_ path: String, engine: LuaEngine = .lua51, policy: String? = nil) throws -> VerifyReport? {
        guard let process = try start() else { return nil }
        defer { process.stop() }
        return try Verifier(options: VerifyOptions(policy: policy, engine: engine)).verify(path: path, host: "127.0.0.1", port: process.port)
    }

    static func figure(_ r: VerifyReport, _ key: String) -> (server: Int, simulated: Int)? {
        r.figures.first { $0.key == key }.map { ($0.server, $0.simulated) }
    }

    /// On a jemalloc server: every count and failed-script set agree, script bytes to the byte.
    static func expectExactCountsAndScriptBytes(_ r: VerifyReport, _ name: String) {
        #expect(r.serverAllocator.hasPrefix("jemalloc"), "\(name): \(r.serverAllocator)")
        for f in r.figures { #expect(f.agrees, "\(name): \(f.key) server \(f.server), simulated \(f.simulated)") }
        #expect(r.failedOnServerOnly.isEmpty && r.failedInSimulatorOnly.isEmpty, "\(name)")
        #expect(r.scriptBytesJudged, "\(name)")
        #expect(r.serverScriptBytes == r.simulatedScriptBytes, "\(name): \(r.serverScriptBytes ?? -1) vs \(r.simulatedScriptBytes)")
    }

    /// The retained Lua count within 2% (or 1 KiB), and so MATCH.
    static func expectRetainedLuaAndMatch(_ r: VerifyReport, _ name: String) {
        #expect(r.memoryJudged && r.memoryAgrees, "\(name): \(r.serverVMRetainedBytes) vs \(r.simulatedVMRetainedBytes)")
        #expect(r.verdict == "verify: MATCH", "\(name)")
    }

    /// Every rule trace passes `check`; `load-does-not-pin` gives the server's own
    /// counts (cached, evicted, NOSCRIPT: Redis keeps the loaded script evictable, Valkey pins it).
    func expectRuleTraces(loadDoesNotPin: (cached: Int, evicted: Int, noscript: Int),
                          _ check: (VerifyReport, String) -> Void) throws {
        let rules = VerifyIntegrationTests.workloads.appendingPathComponent("rules")
        for name in VerifyIntegrationTests.ruleTraces {
            guard let r = try verifyFresh(rules.appendingPathComponent("\(name).trace").path) else { return }
            check(r, name)
            if name == "load-does-not-pin" {
                #expect(Self.figure(r, "cached_scripts")?.server == loadDoesNotPin.cached)
                #expect(Self.figure(r, "evicted_scripts")?.server == loadDoesNotPin.evicted)
                #expect(Self.figure(r, "noscript")?.server == loadDoesNotPin.noscript)
            }
        }
        try expectLua54OnlyParts()
    }

    /// Every shipped workload passes `check`, with no run-time error on the server.
    func expectShippedWorkloads(_ check: (VerifyReport, String) -> Void) throws {
        for name in VerifyIntegrationTests.shippedWorkloads {
            guard let r = try verifyFresh(VerifyIntegrationTests.workloads.appendingPathComponent("\(name).trace").path) else { return }
            check(r, name)
            #expect(r.runtimeErrors == 0, "\(name)")
        }
    }

    /// The rule traces' verdict under Lua 5.4 on any server: it compiles what their
    /// Lua 5.1 refuses, the expected mismatch.
    func expectLua54OnlyParts() throws {
        let rules = VerifyIntegrationTests.workloads.appendingPathComponent("rules")
        guard let r = try verifyFresh(rules.appendingPathComponent("lua54-only.trace").path, engine: .lua54) else { return }
        #expect(r.verdict == "verify: MISMATCH cached_scripts: server 1, simulated 2")
        #expect(r.failedOnServerOnly == [sha1Hex("return 7 // 2")])
    }
}
