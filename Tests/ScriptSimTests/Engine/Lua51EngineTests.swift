import Foundation
import Testing
@testable import ScriptSim

/// The lua5.1 engine: Debian's Lua 5.1 beside the linked 5.4, with each
/// server's environment. Figures are the servers' own, measured with INFO
/// after `EVAL "collectgarbage('collect') return 0" 0` on a fresh server.
@Suite struct Lua51EngineTests {
    /// The server's own rule, on the server's Lua 5.1 environment.
    func retained(_ server: String, trace: String = "# nothing\n") throws -> PolicyResult {
        var options = ReplayOptions(engines: [.lua51])
        options.retainedProbe = Array(Verifier.gcProbe.utf8)
        return try Replayer(policies: [], servers: [server], options: options).replay(path: try writeTrace(trace)).policies[0]
    }

    /// Empty VM: 29,696 retained on Debian's Redis 7.0.15, Valkey 9.1.2 and Redis 7.4.1
    /// (built from source); INFO gives whole KiB, so the judged tolerance is 1 KiB.
    @Test(arguments: ["redis-7.0", "redis-7.4", "valkey-9.1", "redis-8.0"])
    func emptyVMAsTheServersBuildIt(server: String) throws {
        let r = try retained(server)
        #expect(abs(r.luaGCCountRetainedBytes - 29_696) <= 1024, "\(server): \(r.luaGCCountRetainedBytes)")
        #expect(r.engine == "lua5.1")
        // Stock Lua 5.4's bare VM is a sixth of that: the environment is what 5.1 adds.
        let bare = try Replayer(policies: [], servers: [server]).replay(path: try writeTrace("# nothing\n")).policies[0]
        #expect(bare.luaGCCountRetainedBytes < 8_000)
    }

    /// Per script, Redis keeps the function under the string key "f_<sha>" (a
    /// 42-character string) where Valkey takes a luaL_ref slot: measured 364 vs
    /// 231 bytes per `return N` script between 100 and 300 scripts.
    @Test func scriptsCostWhatTheServersMeasure() throws {
        func trace(_ n: Int) -> String { (1...n).map { "SCRIPT LOAD \"return \($0)\"\n" }.joined() }
        for (server, perScript) in [("redis-7.0", 364.3), ("valkey-9.1", 230.7)] {
            let a = try retained(server, trace: trace(100)).luaGCCountRetainedBytes
            let b = try retained(server, trace: trace(300)).luaGCCountRetainedBytes
            let measured = Double(b - a) / 200
            #expect(abs(measured - perScript) < perScript * 0.05, "\(server): \(measured) bytes per script")
        }
    }

    /// Both engines in one process: each keeps its own verdicts.
    @Test func bothEnginesLiveSideBySide() throws {
        let trace = "EVAL \"return 7 // 2\" 0\nEVAL \"local goto = 1 return goto\" 0\nEVAL \"return '\\\\:'\" 0\n"
        let report = try Replayer(policies: ["unbounded"], options: ReplayOptions(engines: [.lua54, .lua51]))
            .replay(path: try writeTrace(trace))
        let (v54, v51) = (report.policies[0], report.policies[1])
        #expect((v54.engine, v51.engine) == ("lua5.4", "lua5.1"))
        #expect(v54.compileErrors == 2)   // `goto` is reserved and "\:" an invalid escape in 5.4
        #expect(v51.compileErrors == 1)   // `//` is 5.3+ syntax
    }

    /// The servers' Lua parses every chunk as text: a body starting with ESC is a
    /// syntax error, never loaded as bytecode.
    @Test func binaryChunksAreSyntaxErrors() throws {
        let vm = try LuaVM(allocator: VMAllocator(), engine: .lua51, server: profile("redis-7.0").lua)
        defer { vm.close() }
        let body: [UInt8] = [0x1B] + Array("Lua\u{51}\u{0}".utf8)
        #expect(throws: EngineError.self) {
            try body.withUnsafeBufferPointer { try vm.compile($0, slot: LuaVM.slot(for: 1), sha: "bin") }
        }
        try Array("return 1".utf8).withUnsafeBufferPointer { try vm.compile($0, slot: LuaVM.slot(for: 2), sha: "ok") }
        #expect(vm.contains(slot: LuaVM.slot(for: 2)))
        vm.drop(slot: LuaVM.slot(for: 2))
        #expect(!vm.contains(slot: LuaVM.slot(for: 2)))
    }
}
