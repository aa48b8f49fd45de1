import Foundation

/// How `scriptsim analyze` reads a trace and runs its what-if.
public struct AnalyzeOptions: Sendable {
    /// Reader limits, client model, `--scripts`, engine (the first of `engines`).
    public var replay = ReplayOptions()
    /// The policy of the what-if (nil: the server's own rule).
    public var policy: String?
    /// The server of the what-if, `NAME[:key=value]` (Redis 7.4 by default).
    public var server = ServerRegistry.policyOnlyServer
    /// Connections listed by events (MONITOR input).
    public var topConnections = 10

    public init(replay: ReplayOptions = ReplayOptions(), policy: String? = nil, server: String = ServerRegistry.policyOnlyServer) {
        self.replay = replay
        self.policy = policy
        self.server = server
    }

    var engine: LuaEngine { replay.engines.first ?? .lua54 }
}

/// Reads a trace once and says why its script cache churns: the shape of the
/// traffic, the templates of its inlined-value bodies, and the hit rate and
/// memory the cache would have if each template were sent as one script.
public final class TraceAnalyzer {
    public let options: AnalyzeOptions
    let configuration: RunConfiguration
    public var onInvalidLine: ((TraceError) -> Void)?
    public var onProgress: ((ReplayProgress) -> Void)?

    /// Checks the what-if policy up front, so a typo fails before any trace is read.
    public init(options: AnalyzeOptions = AnalyzeOptions(), registry: PolicyRegistry = .builtIn) throws(PolicySpecError) {
        self.options = options
        let server = try ServerRegistry.builtIn.configuration(options.server)
        configuration = RunConfiguration(server: server, policy: try registry.configuration(options.policy ?? server.defaultPolicy),
                                         policyIsServers: options.policy == nil)
    }

    public func analyze(path: String) throws -> AnalyzeReport {
        let catalog = try ScriptCatalog(measureCosts: configuration.policy.makePolicy().needsScriptCost)
        let client = options.replay.clients.first ?? ClientChoice(.auto)
        let asSent = try PolicyReplay(run: configuration, catalog: catalog, client: client, flush: options.replay.flush,
                                      engine: options.engine)
        let parameterised = try PolicyReplay(run: configuration, catalog: catalog, client: client,
                                             flush: options.replay.flush, engine: options.engine)
        let index = try TemplateIndex(engine: options.engine, server: configuration.server.profile)
        var tallies = ScriptTallies()
        var reuse = ReuseDistance()
        // Reuse distances as a histogram: a distance is below the distinct scripts,
        // so memory stays with them however long the trace.
        var distances: [Int] = []
        var connections = ConnectionCounter()
        var events = 0
        // The two runs replay on threads of their own while this one reads,
        // classifies and maps the next batches; each runs at its own pace.
        let runs = [asSent, parameterised]
        let lanes = PolicyLanes(lanes: runs.count) { r, batch in
            try (r == 0 ? batch.events : batch.mapped).withUnsafeBufferPointer {
                try runs[r].apply($0, arguments: batch.extras.arguments, scripts: batch.extras.scriptCount)
            }
            return []
        }
        defer { lanes.cancel() }
        func finished(_ f: PolicyLanes.Finished) {
            events += f.batch.events.count
            guard let progress = f.batch.progress else { preconditionFailure("analyze's batches carry the reader's progress") }
            onProgress?(ReplayProgress(path: progress.displayPath, events: events, bytesRead: progress.bytesRead, lines: progress.lineNumber))
        }

        let reader: TraceReader
        do {
            reader = try Replayer.readEvents(
                path: path, options: options.replay, catalog: catalog, keepTimestamps: false, onInvalidLine: onInvalidLine,
                observe: { command, event in
                    let id = event.script
                    let names = event.operation == .eval || event.operation == .evalsha || event.operation == .scriptLoad
                    if names {
                        tallies.grow(to: catalog.count)
                        index.classify(id, catalog: catalog)
                    }
                    if !command.connection.isEmpty { connections.add(command.connection, script: names ? id : nil) }
                    switch event.operation {
                    case .eval, .evalsha:
                        let i = Int(id)
                        tallies.calls[i] += 1
                        if event.operation == .eval { tallies.sentWithEval[i] = true }
                        if command.argumentCount >= 3 {
                            let keys = max(0, TraceLineParser.integer(command.argument(2)) ?? 0)
                            tallies.maxKeys[i] = max(tallies.maxKeys[i], keys)
                            tallies.maxArgs[i] = max(tallies.maxArgs[i], command.argumentCount - 3 - keys)
                        }
                        if let d = reuse.call(id), event.operation == .eval {
                            if d >= distances.count { distances.append(contentsOf: repeatElement(0, count: d + 1 - distances.count)) }
                            distances[d] += 1
                        }
                    case .flush:
                        reuse.reset()
                    case .scriptLoad, .exists:
                        break
                    }
                }
            ) { batch, extras, progress in
                let mapped = batch.map { e in
                    var m = e
                    if e.operation == .eval || e.operation == .evalsha || e.operation == .scriptLoad { m.script = index.whatIfScript(e.script) }
                    return m
                }
                try lanes.feed(PolicyLanes.Batch(events: Array(batch), extras: extras, progress: progress, mapped: mapped), finished)
            }
        } catch {
            try lanes.drain(after: error, finished)
        }
        try lanes.drain(finished)

        var report = AnalyzeReport(path: reader.displayPath, summary: reader.summary,
                                   whatIf: WhatIf(asSent: try asSent.finish(), parameterised: try parameterised.finish()))
        tallies.grow(to: catalog.count)
        var sizes: [Int] = []
        for id in 0..<catalog.count where catalog.sentInTrace(ScriptID(id)) {
            sizes.append(catalog.bodyLength(ScriptID(id)))
            guard tallies.sentWithEval[id] else { continue }
            report.distinctEvalBodies += 1
            if tallies.calls[id] == 1 { report.evalBodiesCalledOnce += 1 }
        }
        report.bodyBytes = Quantiles(&sizes)
        report.reuseDistance = Quantiles(counts: distances)
        report.connectionCount = connections.count
        report.connections = connections.top(options.topConnections)
        report.templates = index.summaries(catalog: catalog, tallies: tallies, distinctEvalBodies: report.distinctEvalBodies)
        report.compileFailures = index.compileFailures
        report.untokenized = index.untokenized
        return report
    }
}

/// Events and distinct scripts per MONITOR connection.
struct ConnectionCounter {
    private var index: [[UInt8]: Int] = [:]
    private var names: [[UInt8]] = []
    private var events: [Int] = []
    private var scripts: [Set<ScriptID>] = []
    private var last = -1

    var count: Int { names.count }

    mutating func add(_ connection: UnsafeBufferPointer<UInt8>, script: ScriptID?) {
        // Consecutive commands mostly come from one connection: skip the lookup then.
        if last < 0 || !names[last].elementsEqual(connection) {
            let key = Array(connection)
            if let i = index[key] {
                last = i
            } else {
                last = names.count
                index[key] = last
                names.append(key)
                events.append(0)
                scripts.append([])
            }
        }
        events[last] += 1
        if let script { scripts[last].insert(script) }
    }

    /// The `n` connections with the most events (ties: first seen first).
    func top(_ n: Int) -> [ConnectionTally] {
        names.indices.sorted { (events[$0], -$0) > (events[$1], -$1) }.prefix(n).map {
            ConnectionTally(connection: DisplayText.of(names[$0]), events: events[$0], distinctScripts: scripts[$0].count)
        }
    }
}
