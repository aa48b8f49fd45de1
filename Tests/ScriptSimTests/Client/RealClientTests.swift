import Foundation
import Testing
@testable import ScriptSim

/// A real application on the real redis-py (Tests/Clients/redis_py_app.py, in
/// the virtual environment scripts/clients makes) against the real servers,
/// MONITOR captured. The server's INFO is the answer every replay must give.
struct RealClientRun {
    var directory: String
    var capture: String { directory + "/capture.trace" }
    var calls: String { directory + "/calls.trace" }
    var scripts: String { directory + "/scripts" }
    var cached: Int, evicted: Int, noscript: Int, appErrors: Int

    static let python = ProcessInfo.processInfo.environment["SCRIPTSIM_PYTHON"]
    static var available: Bool { python.map { FileManager.default.isExecutableFile(atPath: $0) } ?? false }
    static let app = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Clients/redis_py_app.py").standardized.path

    /// Runs the application of `shape` against a fresh `server`.
    static func run(_ shape: String, on server: RealServer) throws -> RealClientRun? {
        guard let python, let process = try server.start() else { return nil }
        defer { process.stop() }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("scriptsim-client-\(UUID().uuidString)").path
        let app = Process()
        app.executableURL = URL(fileURLWithPath: python)
        app.arguments = [Self.app, "--port", String(process.port), "--out", out, "--shape", shape]
        app.standardOutput = FileHandle.nullDevice
        try app.run()
        app.waitUntilExit()
        try #require(app.terminationStatus == 0, "redis_py_app.py --shape \(shape) failed on \(server.label)")
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/info.json"))
        let info = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func int(_ key: String) -> Int { (info[key] as? Int) ?? -1 }
        return RealClientRun(directory: out, cached: int("cached_scripts"), evicted: int("evicted_scripts"),
                             noscript: int("noscript"), appErrors: int("app_errors"))
    }

    /// Replays `path` under `policy` with the client options given.
    func replay(_ path: String, policy: String, client: ClientModel, recorded: RecordedRecoveries = .fold,
                withScripts: Bool = false) throws -> PolicyResult {
        let options = ReplayOptions(clients: [ClientChoice(client)], recordedRecoveries: recorded,
                                    scripts: withScripts ? try ClientScripts(path: scripts) : ClientScripts())
        return try Replayer(policies: [policy], options: options).replay(path: path).policies[0]
    }

    /// The server's cached, evicted and NOSCRIPT counts, beside the replay's.
    func figures(_ r: PolicyResult) -> [Int] { [r.cachedScripts, r.evictions, r.noscript] }
    var serverFigures: [Int] { [cached, evicted, noscript] }
}

@Suite(.serialized, .enabled(if: (RealClientRun.available || ProcessInfo.processInfo.environment["CI"] != nil) && RealServer.available,
                             "redis-py or the servers are not installed: run the tests through scripts/test"))
struct RealClientTests {
    static let valkeyPolicy = "eval-lru:promote-on-load=yes"

    init() {
        if !RealClientRun.available { Issue.record("SCRIPTSIM_PYTHON with redis-py missing in CI: scripts/test installs it") }
    }

    /// (a) the capture as sent, (b) the application's own calls with the
    /// redis-py model and its Script bodies, on both servers; (c) the capture
    /// made on Redis 7.0 replayed as Valkey equals what Valkey's INFO says
    /// after the same application ran against it.
    @Test(arguments: ["table", "mixed"])
    func replaysEqualTheServers(shape: String) throws {
        guard let redis = try RealClientRun.run(shape, on: .redis), let valkey = try RealClientRun.run(shape, on: .valkey) else { return }
        for (run, policy) in [(redis, "unbounded"), (valkey, Self.valkeyPolicy)] {
            let kept = try run.replay(run.capture, policy: policy, client: .none, recorded: .keep)
            #expect(run.figures(kept) == run.serverFigures, "(a) \(shape) capture, keep, \(policy)")
            let folded = try run.replay(run.capture, policy: policy, client: .auto)
            #expect(folded.cachedScripts == run.cached && folded.evictions == run.evicted && folded.noscript == run.noscript,
                    "capture, fold, auto, \(policy)")
            let calls = try run.replay(run.calls, policy: policy, client: .loadEvalsha, withScripts: true)
            #expect(run.figures(calls) == run.serverFigures, "(b) \(shape) calls, redis-py, \(policy)")
            #expect(calls.appErrors == run.appErrors, "(b) \(shape) NOSCRIPT errors the application saw, \(policy)")
        }
        let upgrade = try redis.replay(redis.capture, policy: Self.valkeyPolicy, client: .loadEvalsha)
        #expect(redis.figures(upgrade) == valkey.serverFigures, "(c) \(shape): the Redis 7.0 capture replayed as Valkey")
        #expect(upgrade.appErrors == valkey.appErrors)
    }

    /// verify sends the application's own call list as redis-py would (SCRIPT
    /// LOAD + EVALSHA after NOSCRIPT, nothing inside MULTI) and matches.
    @Test(arguments: ["table", "mixed"])
    func verifySendsWhatTheClientWouldSend(shape: String) throws {
        guard let run = try RealClientRun.run(shape, on: .valkey) else { return }
        for server in RealServer.both {
            guard let process = try server.start() else { return }
            defer { process.stop() }
            let verifier = try Verifier(options: VerifyOptions(client: ClientChoice(parsing: "redis-py")!,
                                                               scripts: try ClientScripts(path: run.scripts)))
            let r = try verifier.verify(path: run.calls, host: "127.0.0.1", port: process.port)
            #expect(r.verdict == "verify: MATCH", "\(shape) on \(server.label)")
            if server.label.hasPrefix("valkey") {
                let noscript = try #require(r.figures.first { $0.key == "noscript" })
                #expect(noscript.server == run.noscript)
                let appErrors = try #require(r.figures.first { $0.key == "app_errors" })
                #expect(appErrors.server == run.appErrors)
            }
        }
    }

    /// The application of the issue's table: Script objects whose bodies were
    /// first one-off EVALs, evicted on Redis 7.4 rules, then recovered by
    /// redis-py with SCRIPT LOAD, which pins them.
    @Test func tableShapedApplicationOnValkey() throws {
        guard let valkey = try RealClientRun.run("table", on: .valkey) else { return }
        #expect(valkey.serverFigures == [550, 1500, 50])
        let calls = try valkey.replay(valkey.calls, policy: Self.valkeyPolicy, client: .loadEvalsha, withScripts: true)
        #expect(valkey.figures(calls) == [550, 1500, 50])
        #expect(calls.recoveriesScriptLoad == 50 && calls.retries == 0 && calls.appErrors == 0)
        // Redis 7.4's own rule gives the same on this traffic (no EVAL script is loaded again).
        let redis74 = try valkey.replay(valkey.calls, policy: "eval-lru", client: .loadEvalsha, withScripts: true)
        #expect(valkey.figures(redis74) == [550, 1500, 50])
        // An EVAL-fallback client would have kept its recoveries evictable: the answer differs.
        let ioredis = try valkey.replay(valkey.calls, policy: Self.valkeyPolicy, client: .evalFallback, withScripts: true)
        #expect(valkey.figures(ioredis) == [500, 1550, 50])
    }
}
