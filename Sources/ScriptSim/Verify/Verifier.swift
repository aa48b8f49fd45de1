import Crypto
import Foundation

/// How `verify` talks to the server and which policy it checks.
public struct VerifyOptions: Sendable {
    /// The application's client, as in the replay (docs/clients.md).
    public var client = ClientChoice(.auto)
    public var recordedRecoveries = RecordedRecoveries.fold
    /// Bodies the client holds from the start (`--scripts`).
    public var scripts = ClientScripts()
    /// The simulator's Lua: 5.1 by default, the engine of the server compared with.
    public var engine = LuaEngine.lua51
    /// Credentials for a server that requires them (AUTH [user] password).
    public var user: String?
    public var password: String?
    /// Policy to simulate; nil runs the server profile's own rule.
    public var policy: String?
    /// Server profile to simulate (`--profile`, `NAME[:key=value]`); nil picks
    /// it from the server's INFO (version and `mem_allocator`).
    public var profile: String?
    /// Commands sent before their replies are read.
    public var window = 256
    /// Seconds any single wait on the server may take.
    public var timeout = 10.0
    /// Refuse a server that holds keys or cached scripts (for `--server`).
    public var requireEmpty = false
    public var reader = TraceReaderOptions()

    /// `retryNoscript: false` is `--no-retry` (`keep` with client `none`).
    public init(retryNoscript: Bool = true, policy: String? = nil, profile: String? = nil, window: Int = 256, timeout: Double = 10,
                requireEmpty: Bool = false, reader: TraceReaderOptions = TraceReaderOptions(),
                client: ClientChoice = ClientChoice(.auto), recordedRecoveries: RecordedRecoveries = .fold,
                scripts: ClientScripts = ClientScripts(), engine: LuaEngine = .lua51) {
        self.engine = engine
        self.client = retryNoscript ? client : ClientChoice(.none)
        self.recordedRecoveries = retryNoscript ? recordedRecoveries : .keep
        self.scripts = scripts
        self.policy = policy
        self.profile = profile
        self.window = window
        self.timeout = timeout
        self.requireEmpty = requireEmpty
        self.reader = reader
    }
}

/// The server that answered.
public struct ServerIdentity: Equatable, Sendable {
    /// "redis" or "valkey".
    public var name: String
    public var version: String
}

/// One compared figure.
public struct VerifyFigure: Equatable, Sendable {
    public var key: String
    public var title: String
    public var server: Int
    public var simulated: Int
    public var agrees: Bool { server == simulated }
}

/// Everything `verify` found.
public struct VerifyReport: Equatable, Sendable {
    public var path: String
    public var endpoint: String
    public var server: ServerIdentity
    /// The server profile simulated, as configured (`redis-8.0`).
    public var profile: String
    /// Why that profile, when INFO's version is in none (the newest before it was taken).
    public var profileNote: String?
    public var policy: String
    /// The client model the trace was sent and simulated with.
    public var client: String
    public var figures: [VerifyFigure]
    /// The simulator's Lua (`lua5.1` compares like with like).
    public var engine: String
    /// Lua's own count (`used_memory_vm_eval` on 7.4+, `used_memory_lua` before; the
    /// field it came from) right after the trace: live, with whatever garbage the
    /// collector has not reached, so shown, not judged.
    public var serverVMBytes: Int
    public var serverVMField: String
    public var simulatedVMBytes: Int
    /// The same count after one `collectgarbage('collect')` script on both sides:
    /// what the VM really holds. Judged (within 2% or 1 KiB) with `lua5.1`.
    public var serverVMRetainedBytes: Int
    public var simulatedVMRetainedBytes: Int
    public var serverScriptBytes: Int?
    public var simulatedScriptBytes: Int
    /// The server's `mem_allocator` (INFO memory): `jemalloc-…` or `libc`.
    public var serverAllocator: String
    public var commandsSent: Int
    /// Script errors at run time on the server (WRONGTYPE and the like): counted, never fatal.
    public var runtimeErrors: Int
    public var runtimeErrorExamples: [String]
    /// Scripts that failed to compile on one side only (SHA1s, first few).
    public var failedOnServerOnly: [String]
    public var failedInSimulatorOnly: [String]

    /// Retained Lua memory is judged on the servers' own engine only.
    public var memoryJudged: Bool { engine == LuaEngine.lua51.rawValue }

    /// Within 2% of the server's figure, or 1 KiB (INFO gives whole KiB).
    public var memoryAgrees: Bool {
        abs(simulatedVMRetainedBytes - serverVMRetainedBytes) <= max(1024, serverVMRetainedBytes / 50)
    }

    /// Script bytes are judged, to the byte, where the server's allocator sizes
    /// a block by its request alone (jemalloc: Redis, and Valkey as `make`
    /// builds it). glibc (`malloc=libc` builds such as Valkey's PyPI wheel) may
    /// hand out a larger chunk depending on its heap's history, which no
    /// simulator can reproduce: simulated with glibc's sizes, shown, not judged.
    public var scriptBytesJudged: Bool { serverScriptBytes != nil && !serverAllocator.hasPrefix("libc") }

    public var scriptBytesAgree: Bool {
        guard scriptBytesJudged, let server = serverScriptBytes else { return true }
        return server == simulatedScriptBytes
    }

    public var matches: Bool {
        figures.allSatisfy(\.agrees) && failedOnServerOnly.isEmpty && failedInSimulatorOnly.isEmpty
            && (!memoryJudged || memoryAgrees) && scriptBytesAgree
    }

    /// `verify: MATCH`, or `verify: MISMATCH <figure>: server N, simulated M`.
    public var verdict: String {
        if let bad = figures.first(where: { !$0.agrees }) {
            return "verify: MISMATCH \(bad.key): server \(bad.server), simulated \(bad.simulated)"
        }
        if !failedOnServerOnly.isEmpty || !failedInSimulatorOnly.isEmpty {
            return "verify: MISMATCH failed scripts: \(failedOnServerOnly.count) on the server only, "
                + "\(failedInSimulatorOnly.count) in the simulator only"
        }
        if memoryJudged, !memoryAgrees {
            return "verify: MISMATCH lua_retained_bytes: server \(serverVMRetainedBytes), simulated \(simulatedVMRetainedBytes)"
        }
        if !scriptBytesAgree {
            return "verify: MISMATCH script_bytes: server \(serverScriptBytes ?? 0), simulated \(simulatedScriptBytes)"
        }
        return "verify: MATCH"
    }
}

/// A server `verify` will not touch (it holds data), said in one line.
public struct VerifyRefusal: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// Sends a trace to a real server the way the replay models clients, reads
/// the server's own counters, replays the same trace in the simulator, and
/// compares the figures.
public final class Verifier {
    public let options: VerifyOptions
    public var onInvalidLine: ((TraceError) -> Void)?

    public init(options: VerifyOptions = VerifyOptions()) throws(PolicySpecError) {
        if let policy = options.policy { _ = try PolicyRegistry.builtIn.parse(policy) }
        if let profile = options.profile { _ = try ServerRegistry.builtIn.configuration(profile) }
        self.options = options
    }

    /// Verifies the trace at `path` (a file: it is read twice) against `host:port`.
    public func verify(path: String, host: String, port: Int) throws -> VerifyReport {
        let connection = try RESPConnection(host: host, port: port, timeout: options.timeout)
        try Self.authenticate(connection, user: options.user, password: options.password)
        let info = try Self.info(connection, "server")
        let identity = ServerIdentity(name: info["server_name"] ?? "redis",
                                      version: info["valkey_version"] ?? info["redis_version"] ?? "0")
        if options.requireEmpty { try Self.checkEmpty(connection) }
        let evictedBefore = Int(try Self.info(connection, "stats")["evicted_scripts"] ?? "0") ?? 0

        let session = try send(path: path, over: connection)
        try Self.settleRehash(connection)
        let errors = try Self.info(connection, "errorstats")

        let memory = try Self.info(connection, "memory")
        let stats = try Self.info(connection, "stats")
        let (chosen, note) = try Self.profile(options.profile, for: identity)
        // Script bytes sized as this server's allocator sizes them (INFO's `mem_allocator`).
        var server = chosen
        server.profile = chosen.profile.sized(by: ScriptAllocator(memAllocator: memory["mem_allocator"] ?? ""))
        let fields = server.profile.infoFields
        let vmField = memory[fields.vmEval] != nil ? fields.vmEval : fields.vmEvalFallback
        // The retained figure: one full collection inside the server's VM (its sandbox allows it).
        let probe = try connection.call(["EVAL", Self.gcProbe, "0"])
        if case .error(let m) = probe { throw NetworkError("\(connection.endpoint): the full-collection script failed: \(m)") }
        let retained = try Self.info(connection, "memory")

        var replayOptions = ReplayOptions(
            reader: options.reader, clients: [options.client], recordedRecoveries: options.recordedRecoveries, scripts: options.scripts,
            engines: [options.engine])
        replayOptions.retainedProbe = Array(Self.gcProbe.utf8)
        let policy = try PolicyRegistry.builtIn.configuration(options.policy ?? server.defaultPolicy)
        let replayer = Replayer(runs: [RunConfiguration(server: server, policy: policy, policyIsServers: options.policy == nil)],
                                options: replayOptions)
        let report = try replayer.replay(path: path)
        let sim = report.policies[0]

        let serverFailed = session.failedSHAs
        let simFailed = sim.compileErrorSHAs
        let simSet = Set(simFailed), serverSet = Set(serverFailed)
        return VerifyReport(
            path: report.path, endpoint: connection.endpoint, server: identity, profile: sim.server, profileNote: note,
            policy: sim.policy, client: sim.client,
            figures: [
                VerifyFigure(key: "cached_scripts", title: "cached scripts",
                             server: Int(memory["number_of_cached_scripts"] ?? "0") ?? 0, simulated: sim.cachedScripts),
                VerifyFigure(key: "evicted_scripts", title: "evicted scripts",
                             server: (Int(stats[fields.evictedScripts ?? "evicted_scripts"] ?? "0") ?? 0) - evictedBefore,
                             simulated: sim.evictions),
                VerifyFigure(key: "noscript", title: "NOSCRIPT replies", server: Self.errorCount(errors, "NOSCRIPT") ?? session.noscript,
                             simulated: sim.noscript),
                VerifyFigure(key: "retries", title: "recoveries by EVAL", server: session.retries, simulated: sim.retries),
                VerifyFigure(key: "recoveries_script_load", title: "recoveries by SCRIPT LOAD",
                             server: session.recoveriesScriptLoad, simulated: sim.recoveriesScriptLoad),
                VerifyFigure(key: "app_errors", title: "NOSCRIPT the app saw", server: session.appErrors, simulated: sim.appErrors),
                VerifyFigure(key: "compile_errors", title: "compile errors", server: session.compileErrors, simulated: sim.compileErrors),
            ],
            engine: sim.engine,
            serverVMBytes: Int(memory[vmField] ?? "0") ?? 0, serverVMField: vmField, simulatedVMBytes: sim.luaGCCountBytes,
            serverVMRetainedBytes: Int(retained[vmField] ?? "0") ?? 0, simulatedVMRetainedBytes: sim.luaGCCountRetainedBytes,
            serverScriptBytes: memory[fields.scriptsEval].flatMap { Int($0) }, simulatedScriptBytes: sim.scriptBytes,
            serverAllocator: memory["mem_allocator"] ?? "unknown",
            commandsSent: session.commands, runtimeErrors: session.runtimeErrors,
            runtimeErrorExamples: session.runtimeErrorExamples,
            failedOnServerOnly: Array(serverFailed.filter { !simSet.contains($0) }.prefix(5)),
            failedInSimulatorOnly: Array(simFailed.filter { !serverSet.contains($0) }.prefix(5)))
    }

    /// The profile `--profile` names, or the one INFO's version falls in, with
    /// a note when no profile covers that version (the newest before it is used).
    static func profile(_ named: String?, for identity: ServerIdentity) throws -> (ServerConfiguration, String?) {
        let registry = ServerRegistry.builtIn
        if let named { return (try registry.configuration(named), nil) }
        guard let (profile, exact) = registry.profile(product: identity.name, version: identity.version) else {
            throw VerifyRefusal(message: "no server profile covers \(identity.name) \(identity.version) "
                + "(scriptsim servers lists them); name one with --profile")
        }
        let note = exact ? nil : "no profile covers \(identity.name) \(identity.version); simulated as \(profile.name) "
            + "(\(profile.versions)), the newest before it; --profile names another"
        return (try registry.configuration(profile.name), note)
    }

    /// Sent after the trace (and compiled by the simulator too) so both sides
    /// report what their VM holds after a full collection.
    public static let gcProbe = "collectgarbage('collect') return 0"

    // MARK: Sending the trace

    private func send(path: String, over c: RESPConnection) throws -> TraceSender.Session {
        let reader = try TraceReader(path: path, options: options.reader)
        reader.onInvalidLine = onInvalidLine
        let catalog = try ScriptCatalog(measureCosts: false)
        for script in options.scripts.scripts {
            _ = script.body.withUnsafeBufferPointer { catalog.preload(body: $0) }
        }
        var sender = TraceSender(connection: c, client: options.client.model, window: options.window)
        try sender.send(reader: reader, catalog: catalog, fold: options.recordedRecoveries == .fold)
        return sender.session
    }
}
