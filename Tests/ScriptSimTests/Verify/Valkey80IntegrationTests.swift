import Foundation
import Testing
@testable import ScriptSim

extension RealServer {
    /// Valkey 8.0.1 as Debian's bookworm-backports builds it (its valkey-tools
    /// .deb unpacked by scripts/servers, the system jemalloc), modelled as `valkey-8.0`.
    static let valkey80 = RealServer(label: "valkey 8.0 debian", pooled: "SCRIPTSIM_VALKEY80_SERVER",
                                     name: "Valkey 8.0.1 from Debian", obtainedBy: "unpacks it")
}

/// Valkey 8.0.1 as Debian's bookworm-backports builds it (8.0.1+dfsg1-1~bpo12+1,
/// linked to Debian's libjemalloc2 5.3.0, 16-byte quantum): verify picks
/// `valkey-8.0` from INFO, and every shipped workload and rule trace matches,
/// counts exact, retained Lua within 2%, script bytes to the byte — except
/// retained Lua on `mixed` and `monitor-mixed`, a known issue (`stringTableKnownIssue`).
@Suite(.serialized, .enabled(if: RealServer.valkey80.isAvailable, RealServer.valkey80.skipNote))
struct Valkey80IntegrationTests {
    let server = RealServer.valkey80

    /// Known issue, not a profile fact: after these two workloads the server's
    /// Lua string table has 4,096 buckets and the simulator's 2,048, so the
    /// server's retained Lua is 16,384 bytes (3.5%) higher. Scripts make strings
    /// while they run (`KEYS[1] .. ':s'`, bulk replies): about 410 more than the
    /// simulator holds at `mixed`'s line 5,007, where the server's table doubles.
    /// The simulator never runs a script, and Lua 5.1 halves the table only when
    /// it is under a quarter full (lgc.c, `checkSizes`), so the full collection
    /// before the retained read keeps it. `theRetainedGapIsTheStringTable` shows
    /// it. The fix belongs to the engine or verify's probe, not to the profile
    /// (docs/fidelity.md, "Valkey 8.0.1").
    static let stringTableKnownIssue = ["mixed", "monitor-mixed"]
    static let stringTableComment = Comment(rawValue:
        "known issue: the server's Lua string table doubled (2,048 -> 4,096 buckets, +16,384 bytes) on strings "
        + "its scripts made while running, which the simulator never runs (docs/fidelity.md, Valkey 8.0.1)")

    /// Everything but the retained Lua figure: the server and the profile INFO
    /// picked, every count and failed-script set, script bytes to the byte.
    /// Everything but the retained Lua figure: the server and the profile INFO
    /// picked, every count and failed-script set, script bytes to the byte.
    func expectExactCountsAndScriptBytes(_ r: VerifyReport, _ name: String) {
        #expect(r.server == ServerIdentity(name: "valkey", version: "8.0.1"), "\(name): \(r.server)")
        #expect(r.profile == "valkey-8.0", "\(name): \(r.profile)")
        #expect(r.profileNote == nil, "\(name): \(r.profileNote ?? "")")
        #expect(r.policy == "eval-lru:entries=500,promote-on-load=yes", "\(name)")
        #expect(r.serverVMField == "used_memory_vm_eval", "\(name)")
        RealServer.expectExactCountsAndScriptBytes(r, name)
    }

    func expectExact(_ r: VerifyReport, _ name: String) {
        expectExactCountsAndScriptBytes(r, name)
        RealServer.expectRetainedLuaAndMatch(r, name)
    }

    /// Valkey's rule (#637): SCRIPT LOAD of a cached EVAL script takes it off the LRU list.
    @Test func ruleTracesMatchToTheByte() throws {
        try server.expectRuleTraces(loadDoesNotPin: (501, 0, 0), expectExact)
    }

    @Test func everyShippedWorkloadMatchesToTheByte() throws {
        try server.expectShippedWorkloads { r, name in
            expectExactCountsAndScriptBytes(r, name)
            if Self.stringTableKnownIssue.contains(name) {
                // Misses by 16,384 bytes today. Once the simulator accounts for the strings
                // scripts make, this reports "Known issue was not recorded": empty the list then.
                withKnownIssue(Self.stringTableComment) { RealServer.expectRetainedLuaAndMatch(r, name) }
            } else {
                RealServer.expectRetainedLuaAndMatch(r, name)
            }
        }
    }

    /// The known issue's cause, measured: one more EVAL whose 1,000 ARGV strings
    /// (interned on both sides) doubles the simulator's string table to 4,096
    /// buckets too, where the server's already is; then everything agrees,
    /// retained Lua within a few hundred bytes (2026-12-04: mixed 459,776 /
    /// 460,044, monitor-mixed 471,040 / 471,191).
    @Test func theRetainedGapIsTheStringTable() throws {
        let extra = "EVAL \(quoted("return 0")) 0" + (0..<1000).map { " zz\($0)" }.joined() + "\n"
        for name in Self.stringTableKnownIssue {
            let url = VerifyIntegrationTests.workloads.appendingPathComponent("\(name).trace")
            guard let r = try server.verifyFresh(try writeTrace(try String(contentsOf: url, encoding: .utf8) + extra)) else { return }
            expectExact(r, "\(name) + 1,000 strings")
        }
    }

    /// Promote-on-load holds on 8.0.1: an EVAL script sent again with SCRIPT LOAD
    /// stays through 501 more EVALs; Redis's rule (plain `eval-lru`) would have evicted it.
    @Test func scriptLoadPromotesACachedEvalScript() throws {
        let a = "return 'a'"
        let trace = "EVAL \(quoted(a)) 0\nSCRIPT LOAD \(quoted(a))\n"
            + (1...501).map { "EVAL \(quoted("return \($0)")) 0\n" }.joined() + "EVALSHA \(sha1Hex(a)) 0\n"
        guard let r = try server.verifyFresh(try writeTrace(trace)) else { return }
        expectExact(r, "promotion")
        #expect(RealServer.figure(r, "cached_scripts")?.server == 501)
        #expect(RealServer.figure(r, "evicted_scripts")?.server == 1)
        #expect(RealServer.figure(r, "noscript")?.server == 0)
        let rules = VerifyIntegrationTests.workloads.appendingPathComponent("rules")
        guard let redisRule = try server.verifyFresh(rules.appendingPathComponent("load-does-not-pin.trace").path, policy: "eval-lru")
        else { return }
        #expect(redisRule.verdict == "verify: MISMATCH cached_scripts: server 501, simulated 500")
    }

    /// Bodies of every length from 0 to 300 bytes and a few up to 32 KiB (embstr
    /// and raw sds of type 8 and 16) by EVAL (LRU list nodes, one promoted) and
    /// SCRIPT LOAD, on the system jemalloc's 16-byte classes.
    @Test func bodiesOfEveryLengthMatchToTheByte() throws {
        func body(_ n: Int) -> String { n < 8 ? String(repeating: " ", count: n) : "return 1" + String(repeating: " ", count: n - 8) }
        var trace = (0...300).map { "EVAL \(quoted(body($0))) 0\n" }.joined()
        trace += "SCRIPT LOAD \(quoted(body(17)))\n"
        trace += ([301, 1000, 1024, 4000, 16380, 32000, 32766].map { "SCRIPT LOAD \(quoted(body($0)))\n" }).joined()
        guard let r = try server.verifyFresh(try writeTrace(trace)) else { return }
        expectExact(r, "bodies of every length")
        #expect(RealServer.figure(r, "cached_scripts")?.server == 301 + 7)
    }
}
