import Foundation
import Testing
@testable import ScriptSim

/// Issue #22: a server is a profile, chosen with `--server`, and the eviction
/// rule is the profile's own unless `--policy` replaces it.
@Suite struct ServerProfileTests {
    func eval(_ body: String) -> String { "EVAL \(quoted(body)) 0\n" }

    func replayRuns(_ trace: String, servers: [String], policies: [String] = [], retry: Bool = true,
                    engines: [LuaEngine] = [.lua54]) throws -> [PolicyResult] {
        try Replayer(policies: policies, servers: servers, options: ReplayOptions(retryNoscript: retry, engines: engines))
            .replay(path: try writeTrace(trace)).policies
    }

    @Test func theRegistryHoldsTheServersUsersRun() {
        let names = ServerRegistry.builtIn.profiles.map(\.name)
        #expect(names == ["redis-7.0", "redis-7.2", "redis-7.4", "redis-7.4.6", "redis-8.0", "redis-8.0.4", "redis-8.2",
                          "valkey-8.0", "valkey-9.1", "valkey-9.2"])
        for p in ServerRegistry.builtIn.profiles {
            #expect(!p.sources.isEmpty, "\(p.name) says where its facts come from")
            #expect(p.sources.allSatisfy { !$0.file.isEmpty && !$0.version.isEmpty })
        }
        let checked = ServerRegistry.builtIn.profiles.filter { $0.check != .modeledFromSource }.map(\.name)
        #expect(checked == ["redis-7.0", "redis-8.0", "valkey-9.1"])
        #expect(profile("valkey-9.2").check.description == "modeled from the source, not checked")
    }

    @Test func serversListsAsJSON() throws {
        let text = ServerRenderer(format: .json).render(.builtIn)
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let servers = json["servers"] as! [[String: Any]]
        #expect(servers.count == 10)
        let valkey92 = servers.first { $0["name"] as? String == "valkey-9.2" }!
        #expect(valkey92["checked"] as? String == "modeled from the source, not checked")
        #expect((valkey92["parameters"] as! [[String: Any]]).map { $0["key"] as! String } == ["lazyfree-lazy-user-flush", "maxmemory-scripts"])
        #expect((valkey92["sources"] as! [[String: Any]]).allSatisfy { ($0["file"] as? String)?.isEmpty == false })
    }

    @Test func runsAreServersTimesPolicies() throws {
        let registry = ServerRegistry.builtIn
        func names(_ servers: [String], _ policies: [String]) throws -> [String] {
            try registry.runs(servers: servers, policies: policies).map { "\($0.server.spec) \($0.policy.spec)" }
        }
        #expect(try names([], ["eval-lru:entries=9"]) == ["redis-7.4 eval-lru:entries=9"])
        #expect(try names(["redis-8.0", "valkey-9.1"], []) == ["redis-8.0 eval-lru:entries=500", "valkey-9.1 eval-lru:entries=500,promote-on-load=yes"])
        #expect(try names(["redis-7.0", "valkey-9.1"], ["unbounded", "eval-lru:entries=9"]) == [
            "redis-7.0 unbounded", "redis-7.0 eval-lru:entries=9", "valkey-9.1 unbounded", "valkey-9.1 eval-lru:entries=9"])
        #expect(try names(["valkey-9.2:maxmemory-scripts=4mb"], []) == ["valkey-9.2:maxmemory-scripts=4MiB eval-lru:entries=500,promote-on-load=yes"])
    }

    @Test(arguments: [
        ("redis-7.4.7", "unknown server 'redis-7.4.7' (did you mean 'redis-7.4.6'?)"),
        ("redis-7.4:maxmemory-scripts=1mb", "server 'redis-7.4': unknown parameter 'maxmemory-scripts'; valid: lazyfree-lazy-user-flush"),
        ("valkey-9.2:maxmemory-scripts=1%", "server 'valkey-9.2': maxmemory-scripts"),
        ("valkey-9.1:lazyfree-lazy-user-flush=maybe", "server 'valkey-9.1': lazyfree-lazy-user-flush must be yes or no, got 'maybe'"),
    ])
    func badServersAreRefusedInOneLine(spec: String, message: String) {
        #expect(throws: PolicySpecError.self) { try ServerRegistry.builtIn.configuration(spec) }
        do { _ = try ServerRegistry.builtIn.configuration(spec) } catch { #expect(error.message.hasPrefix(message), "\(error.message)") }
    }

    @Test func aMemoryLimitNeedsAPolicyWithAnOrder() {
        #expect(throws: PolicySpecError.self) {
            try ServerRegistry.builtIn.runs(servers: ["valkey-9.2:maxmemory-scripts=1mb"], policies: ["unbounded"])
        }
    }

    /// `--server valkey-9.1 --policy size-capped:…` is Valkey 9.1 with a byte cap:
    /// Valkey's layout (a 40-byte evalScript, its embedded strings), its shebang
    /// and its Lua environment, where Redis 7.4's differ. "#!LUA" compiles on Valkey
    /// only. Valkey: "return 0" 48 SHA + 16 body + 24 dict entry + 40 + 24 node = 152,
    /// the 14-byte one 48 + 24 + 24 + 40 + 24 = 160, and 4 buckets 32: 344. Redis 7.4,
    /// "return 0" alone: 48 + 16 + 24 + 24 + 24 + 32 = 168.
    @Test func aPolicyOnValkeyKeepsValkeysLayoutDialectAndEnvironment() throws {
        let trace = eval("return 0") + eval("#!LUA\nreturn 1")
        let runs = try replayRuns(trace, servers: ["valkey-9.1", "redis-7.4"], policies: ["size-capped:bytes=64KiB"], engines: [.lua51])
        let (valkey, redis) = (runs[0], runs[1])
        #expect((valkey.server, redis.server) == ("valkey-9.1", "redis-7.4"))
        #expect(valkey.scriptBytes == 344)
        #expect(redis.scriptBytes == 168)
        #expect((valkey.compileErrors, redis.compileErrors) == (0, 1))
        // The same environment as Valkey 9.1 under its own rule; not Redis's.
        let itsOwn = try replayRuns(trace, servers: ["valkey-9.1"], engines: [.lua51])[0]
        #expect(valkey.luaGCCountRetainedBytes == itsOwn.luaGCCountRetainedBytes)
        #expect(valkey.luaGCCountRetainedBytes != redis.luaGCCountRetainedBytes)
        #expect(valkey.scriptBytes == itsOwn.scriptBytes)
        // The arena by default (exact, the same run to run); `--allocator server`: each server's own.
        #expect(valkey.allocator == "arena" && redis.allocator == "arena")
        let own = try Replayer(policies: [], servers: ["valkey-9.1", "redis-7.4", "redis-7.2"], options: ReplayOptions(allocators: []))
            .replay(path: try writeTrace(trace)).policies.map(\.allocator)
        #expect(own == ["libc", "arena", "libc"])
    }

    /// #14330 moved Redis's LRU refresh before the run (7.4.6, 8.0.4, 8.2.2). The
    /// check trace of docs/servers.md gives the same counts on both orders: a
    /// refused EVALSHA_RO refreshes on neither, so S0 is the oldest and the next
    /// EVAL evicts it; its EVALSHA then meets NOSCRIPT.
    @Test func theRefreshOrderCannotChangeCounts() throws {
        let s0 = "#!lua\nreturn 0"
        var trace = eval(s0) + (1..<500).map { eval("return \($0)") }.joined()
        trace += "EVALSHA_RO \(sha1Hex(s0)) 0\n" + eval("return 'new'") + "EVALSHA \(sha1Hex(s0)) 0\n"
        let runs = try replayRuns(trace, servers: ["redis-7.4", "redis-7.4.6"], retry: false)
        #expect(profile("redis-7.4").lruRefresh == .afterRun && profile("redis-7.4.6").lruRefresh == .beforeRun)
        for r in runs {
            #expect((r.cachedScripts, r.evictions, r.noscript, r.readOnlyRefusals) == (500, 1, 1, 1), "\(r.server)")
        }
    }

    /// Valkey 9.2's maxmemory-scripts, worked by hand (docs/servers.md): 8-byte
    /// bodies cost 152 bytes each on Valkey's layout, plus 8 per dict bucket.
    @Test func maxmemoryScriptsEvictsByScriptBytes() throws {
        let ten = (0..<10).map { eval("return \($0)") }.joined()
        let r = try replayRuns(ten, servers: ["valkey-9.2:maxmemory-scripts=1000"])[0]
        #expect((r.cachedScripts, r.evictions, r.memoryEvictions, r.scriptBytes) == (6, 4, 4, 976))
        #expect(r.server == "valkey-9.2:maxmemory-scripts=1000")
        // Without the limit, nothing is evicted.
        let unlimited = try replayRuns(ten, servers: ["valkey-9.2"])[0]
        #expect((unlimited.cachedScripts, unlimited.evictions) == (10, 0))
    }

    /// A script larger than the limit stays, alone; SCRIPT LOAD scripts are never
    /// evicted by the limit (nor evict anything).
    @Test func maxmemoryScriptsKeepsTheNewScriptAndLoadedOnes() throws {
        let three = (0..<3).map { eval("return \($0)") }.joined()
        let small = try replayRuns(three, servers: ["valkey-9.2:maxmemory-scripts=100"])[0]
        #expect((small.cachedScripts, small.evictions) == (1, 2))
        let loads = (0..<3).map { "SCRIPT LOAD \(quoted("return 'l\($0)'"))\n" }.joined()
        let pinned = try replayRuns(loads + eval("return 9") + eval("return 8"), servers: ["valkey-9.2:maxmemory-scripts=100"])[0]
        #expect((pinned.cachedScripts, pinned.evictions) == (4, 1))   // 3 loaded; "return 8" evicts "return 9"
    }

    /// Valkey's `lazyfree-lazy-user-flush` is yes: a plain SCRIPT FLUSH of more than 64
    /// scripts is ASYNC there, SYNC on Redis; the parameter changes it per server.
    @Test func lazyUserFlushIsTheServersSetting() throws {
        let trace = (0..<100).map { eval("return \($0)") }.joined() + "SCRIPT FLUSH\n"
        let runs = try replayRuns(trace, servers: ["valkey-9.1", "redis-7.4", "redis-7.4:lazyfree-lazy-user-flush=yes"])
        #expect(runs.map(\.flushesAsync) == [1, 0, 1])
        #expect(runs.map(\.flushesSync) == [0, 1, 0])
    }

    /// verify's choice from INFO: the profile whose releases hold the version,
    /// else the newest before it, flagged.
    @Test func verifyPicksTheProfileFromTheVersion() {
        func pick(_ product: String, _ version: String) -> String? {
            ServerRegistry.builtIn.profile(product: product, version: version).map { "\($0.profile.name)\($0.exact ? "" : " (nearest)")" }
        }
        #expect(pick("redis", "7.0.15") == "redis-7.0")
        #expect(pick("redis", "7.2.4") == "redis-7.2")
        #expect(pick("redis", "7.4.1") == "redis-7.4")
        #expect(pick("redis", "7.4.10") == "redis-7.4.6")
        #expect(pick("redis", "8.0.2") == "redis-8.0")
        #expect(pick("redis", "8.0.4") == "redis-8.0.4")
        #expect(pick("redis", "8.2.3") == "redis-8.2")
        #expect(pick("redis", "8.4.0") == "redis-8.2 (nearest)")
        #expect(pick("valkey", "8.0.1") == "valkey-8.0")
        #expect(pick("valkey", "9.1.2") == "valkey-9.1")
        #expect(pick("valkey", "9.2.0") == "valkey-9.2")
        #expect(pick("redis", "6.2.14") == nil)
    }

    /// verify: `--profile` wins over INFO; a version no profile covers is simulated
    /// as the newest before it, with a note saying so; one before any profile is refused.
    @Test func verifyNotesTheProfileItChose() throws {
        let named = try Verifier.profile("redis-8.0", for: ServerIdentity(name: "redis", version: "7.0.15"))
        #expect(named.0.profile.name == "redis-8.0" && named.1 == nil)
        let nearest = try Verifier.profile(nil, for: ServerIdentity(name: "redis", version: "8.4.0"))
        #expect(nearest.0.profile.name == "redis-8.2")
        #expect(nearest.1?.contains("no profile covers redis 8.4.0; simulated as redis-8.2") == true)
        #expect(throws: VerifyRefusal.self) { try Verifier.profile(nil, for: ServerIdentity(name: "redis", version: "6.2.0")) }
    }

    /// The Lua environment's version fields come from the profile (they are
    /// interned strings: a longer version is a larger VM).
    @Test func versionFieldsAreTheProfiles() {
        #expect(ServerEnvironment.versionNumber("7.0.15") == 0x07000f)
        #expect(ServerEnvironment.versionNumber("8.0.2") == 0x080002)
        #expect(profile("redis-8.0").lua.redisVersion == "8.0.2")
        #expect(profile("valkey-9.1").lua.redisVersion == "7.2.4" && profile("valkey-9.1").lua.valkeyVersion == "9.1.2")
        #expect(profile("redis-7.4").lua.valkeyVersion == nil)
    }
}
