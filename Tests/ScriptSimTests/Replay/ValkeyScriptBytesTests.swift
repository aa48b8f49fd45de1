import Testing
@testable import ScriptSim

/// Valkey 9.1.2's `used_memory_scripts_eval` for one cached script, read from
/// INFO on the server built from source with its bundled jemalloc
/// (docs/fidelity.md), against the model. Each figure is one script alone on a
/// fresh server (after SCRIPT FLUSH): SHA 48 + body + dict entry 24 + 4
/// buckets 32 + evalScript 40, and a list node 24 for an EVAL script.
@Suite struct ValkeyScriptBytesTests {
    let jemalloc = RedisScriptMemory(layout: profile("valkey-9.1").layout)

    func oneScript(_ memory: RedisScriptMemory, length n: Int, eval: Bool) -> Int {
        var m = memory
        m.add(bytes: m.entryBytes(length: n), inList: eval)
        return m.total
    }

    /// SCRIPT LOAD of a body of n bytes: embedded (≤ 116), sds type 8 (≤ 252),
    /// 16, 32, and past Valkey's 32 KiB big-argument line (each alone on its connection).
    @Test func loadedScriptsMatchTheJemallocServer() {
        let measured = [(0, 152), (8, 160), (116, 264), (117, 272), (200, 368), (252, 400), (253, 464), (500, 656),
                        (1000, 1168), (1024, 1424), (4000, 4240), (16380, 20624), (32000, 32912), (32766, 41104),
                        (32768, 41104), (40000, 41104), (40954, 49296), (49152, 57488), (65530, 82064), (70000, 82064)]
        for (n, server) in measured {
            #expect(oneScript(jemalloc, length: n, eval: false) == server, "SCRIPT LOAD of \(n) bytes")
        }
    }

    /// EVAL of an embedded body: the block's slack takes an expire slot only when
    /// 8 more bytes fit (53–60, 69–76, 85–92, 101–108 bytes: e.g. 8 + 65 asked, 80 given).
    @Test func embeddedEvalBodiesMatchTheJemallocServer() {
        let measured = [(0, 176), (3, 176), (4, 176), (12, 184), (13, 192), (17, 192), (20, 192), (21, 200), (28, 200),
                        (29, 208), (36, 208), (44, 216), (52, 224), (53, 232), (60, 232), (61, 240), (69, 248), (76, 248),
                        (77, 256), (92, 264), (100, 272), (101, 280), (108, 280), (109, 288), (116, 288)]
        for (n, server) in measured {
            #expect(oneScript(jemalloc, length: n, eval: true) == server, "EVAL of \(n) bytes")
        }
    }

    /// The same structures sized by glibc (a `malloc=libc` build): an embedded body
    /// is always roundup8(n + 4), as measured on the PyPI wheel with gdb.
    @Test func glibcSizesOfTheSameStructures() {
        let glibc = RedisScriptMemory(layout: profile("valkey-9.1").layout.sized(by: .glibc))
        for n in 0...116 { #expect(glibc.bodyBytes(length: n) == (n + 4 + 7) & ~7, "\(n) bytes") }
        #expect(glibc.shaBytes == 56)
        #expect(jemalloc.shaBytes == 48)
    }

    /// INFO's `mem_allocator` picks glibc sizes only for `libc`: both jemallocs read the same there.
    @Test func serverAllocatorFromInfo() {
        #expect(ScriptAllocator(memAllocator: "libc") == .glibc)
        #expect(ScriptAllocator(memAllocator: "jemalloc-5.3.0") == nil)
        #expect(ScriptAllocator(memAllocator: "") == nil)
    }

    /// Verify's profile for a libc server: the same decisions, glibc's sizes.
    @Test func profileSizedByGlibc() throws {
        let trace = "EVAL \(quoted("while true do end")) 0\n"
        let path = try writeTrace(trace)
        var server = try ServerRegistry.builtIn.configuration("valkey-9.1")
        server.profile = server.profile.sized(by: .glibc)
        let libcRun = RunConfiguration(server: server, policy: try PolicyRegistry.builtIn.configuration(server.defaultPolicy),
                                       policyIsServers: true)
        let libc = try Replayer(runs: [libcRun]).replay(path: path).policies[0]
        let jemalloc = try Replayer(policies: [], servers: ["valkey-9.1"]).replay(path: path).policies[0]
        #expect(libc.policy == jemalloc.policy)
        #expect(libc.cachedScripts == 1 && jemalloc.cachedScripts == 1)
        #expect(libc.scriptBytes == 56 + 24 + 24 + 40 + 32 + 24)
        #expect(jemalloc.scriptBytes == 48 + 24 + 24 + 40 + 32 + 24)
        // A jemalloc server (INFO gives no allocator the layout lacks) keeps its layout.
        #expect(profile("redis-7.4").sized(by: nil).layout == profile("redis-7.4").layout)
    }
}
