import Foundation
import Testing
@testable import ScriptSim

/// Valkey 9.1.2 as `make` builds it (bundled jemalloc, lg-quantum 3): every
/// shipped workload and rule trace matches with script bytes judged, to the byte.
@Suite(.serialized, .enabled(if: RealServer.valkeyJemalloc.isAvailable, RealServer.valkeyJemalloc.skipNote))
struct ValkeyJemallocIntegrationTests {
    let server = RealServer.valkeyJemalloc

    func expectExact(_ r: VerifyReport, _ name: String) {
        RealServer.expectExactCountsAndScriptBytes(r, name)
        RealServer.expectRetainedLuaAndMatch(r, name)
    }

    @Test func ruleTracesMatchToTheByte() throws {
        try server.expectRuleTraces(loadDoesNotPin: (501, 0, 0)) { r, name in
            expectExact(r, name)
            #expect(r.policy == "eval-lru:entries=500,promote-on-load=yes")
        }
    }

    @Test func everyShippedWorkloadMatchesToTheByte() throws {
        try server.expectShippedWorkloads(expectExact)
    }

    /// Bodies of every length from 0 to 300 bytes and a few up to 32 KiB (embedded,
    /// sds type 8 and 16), by EVAL (LRU list nodes, one promoted) and SCRIPT LOAD.
    @Test func bodiesOfEveryLengthMatchToTheByte() throws {
        func body(_ n: Int) -> String { n < 8 ? String(repeating: " ", count: n) : "return 1" + String(repeating: " ", count: n - 8) }
        var trace = (0...300).map { "EVAL \(quoted(body($0))) 0\n" }.joined()
        trace += "SCRIPT LOAD \(quoted(body(17)))\n"
        trace += ([301, 1000, 1024, 4000, 16380, 32000, 32766].map { "SCRIPT LOAD \(quoted(body($0)))\n" }).joined()
        guard let r = try server.verifyFresh(try writeTrace(trace)) else { return }
        expectExact(r, "bodies of every length")
        #expect(r.figures.first { $0.key == "cached_scripts" }?.server == 301 + 7)
    }
}

@Suite struct ShippedTraceListTests {
    /// The integration tests' lists name every trace shipped (a new one is not silently left out).
    @Test func listsCoverEveryShippedTrace() throws {
        func names(_ url: URL) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".trace") }
                .map { String($0.dropLast(6)) }.sorted()
        }
        let workloads = VerifyIntegrationTests.workloads
        #expect(try names(workloads) == VerifyIntegrationTests.shippedWorkloads.sorted())
        #expect(try names(workloads.appendingPathComponent("rules")) == VerifyIntegrationTests.ruleTraces.sorted())
    }
}
