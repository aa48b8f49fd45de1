import Foundation

/// Everything a replay found on one trace.
public struct TraceReport: Equatable, Sendable {
    public var path: String
    public var summary: TraceSummary
    /// One result per policy, in the order the policies were given.
    public var policies: [PolicyResult]
    /// VM bytes over the trace per policy, when a timeline was asked for.
    public var timeline: [TimelineSeries] = []
}

/// One policy's VM bytes at each timeline sample.
public struct TimelineSeries: Equatable, Sendable {
    public var label: String
    public var points: [TimelinePoint]
}

public struct TimelinePoint: Equatable, Sendable {
    public var event: Int
    public var vmBytes: Int
}

/// Progress of a running replay, for a status line on stderr.
public struct ReplayProgress: Sendable {
    public var path: String
    public var events: Int
    public var bytesRead: Int64
    public var lines: Int
}

/// Reads a trace once and replays it under every policy, each on its own VM
/// and arena, policies in parallel across cores.
///
/// The reader parses and hashes each line once; events flow to the policies in
/// bounded batches of compact records, so memory grows with the number of
/// distinct scripts and never with trace length (Caffeine's simulator does the
/// same with its broadcast batches).
public final class Replayer {
    public let configurations: [PolicyConfiguration]
    public let options: ReplayOptions
    /// Called for each malformed line skipped under `--skip-invalid`.
    public var onInvalidLine: ((TraceError) -> Void)?
    /// Called after each batch.
    public var onProgress: ((ReplayProgress) -> Void)?
    /// Files written by the replay (the timeline) that appear only when the
    /// caller commits them, once everything else it writes has succeeded.
    public private(set) var pendingOutputs: [OutputFile] = []

    /// Renames every pending file into place (`OutputFile.commit`).
    public func commitOutputs() throws(OutputError) {
        defer { pendingOutputs.removeAll() }
        for file in pendingOutputs { try file.commit() }
    }

    /// Checks every spec up front, so a typo fails before any trace is read.
    /// With no spec, every policy that runs with its defaults is replayed.
    public init(policies: [String], registry: PolicyRegistry = .builtIn, options: ReplayOptions = ReplayOptions()) throws(PolicySpecError) {
        var configurations: [PolicyConfiguration] = []
        for p in policies { configurations.append(try registry.configuration(p)) }
        self.configurations = policies.isEmpty ? registry.defaultConfigurations() : configurations
        self.options = options
    }

    /// Canonical specs of the policies, in report order.
    public var policySpecs: [String] { configurations.map(\.spec.description) }

    /// Replays the trace at `path` ("-" for standard input).
    public func replay(path: String) throws -> TraceReport {
        // Measure scripts only when a byte budget needs their sizes.
        let catalog = try ScriptCatalog(measureCosts: configurations.contains { $0.makePolicy().needsScriptCost })
        var runs: [PolicyReplay] = []
        for configuration in configurations {
            for engine in options.engines {
                for kind in options.allocators {
                    for client in options.clients {
                        runs.append(try PolicyReplay(configuration: configuration, catalog: catalog, client: client,
                                                     allocator: kind, flush: options.flush, engine: engine))
                    }
                }
            }
        }
        let timeline = try options.timeline.map { o throws(OutputError) in try TimelineWriter(path: o.path) }
        var series = runs.map { run in
            var label = run.result.policy
            if options.engines.count > 1 { label += " [\(run.result.engine)]" }
            if options.allocators.count > 1 { label += " [\(run.result.allocator)]" }
            if options.clients.count > 1 { label += " [\(run.result.client)]" }
            return TimelineSeries(label: label, points: [])
        }
        var events = 0
        let reader = try Self.readEvents(path: path, options: options, catalog: catalog, keepTimestamps: timeline != nil,
                                         onInvalidLine: onInvalidLine) { batch, extras, reader in
            if events == 0, let timeline = options.timeline {
                let every = timeline.sampleEvery ?? Self.sampleInterval(reader: reader, batchEvents: batch.count)
                for run in runs { run.sampleEvery = every }
            }
            try Self.runInParallel(runs) { run in try run.apply(batch, arguments: extras.arguments) }
            if let timeline {
                for (i, run) in runs.enumerated() { series[i].points += run.samples.map { TimelinePoint(event: $0.event, vmBytes: $0.vmBytes) } }
                try writeSamples(timeline, runs: runs, batchStart: events, timestamps: extras.timestamps)
            }
            events += batch.count
            onProgress?(ReplayProgress(path: reader.displayPath, events: events, bytesRead: reader.bytesRead, lines: reader.lineNumber))
        }
        let probe = options.retainedProbe.map { body in body.withUnsafeBufferPointer { catalog.preload(body: $0) } }
        var results: [PolicyResult] = []
        for run in runs { results.append(try run.finish(probe: probe)) }
        if let timeline { pendingOutputs.append(timeline.output) }
        return TraceReport(path: reader.displayPath, summary: reader.summary, policies: results, timeline: timeline == nil ? [] : series)
    }

    /// What comes with a batch besides its events, one entry per event when kept.
    struct BatchExtras {
        /// Trace timestamps (with `keepTimestamps`).
        var timestamps: [Double?] = []
        /// Call arguments, when an engine builds KEYS and ARGV (Lua 5.1).
        var arguments: [CallArguments?] = []
    }

    /// Reads a trace once: parses and hashes each line, interns scripts into
    /// `catalog`, and hands the compact events to `handle` in batches of
    /// `options.batchSize` (with each event's trace timestamp when asked, and
    /// its call arguments when a Lua 5.1 run needs them).
    /// `observe` sees each script command as traced, with its event, before
    /// recorded recoveries are folded (analyze counts what the trace holds).
    /// Returns the reader, whose summary is complete.
    static func readEvents(path: String, options: ReplayOptions, catalog: ScriptCatalog, keepTimestamps: Bool,
                           onInvalidLine: ((TraceError) -> Void)?,
                           observe: ((TraceCommand, ReplayEvent) throws -> Void)? = nil,
                           _ handle: (UnsafeBufferPointer<ReplayEvent>, BatchExtras, TraceReader) throws -> Void) throws -> TraceReader {
        let reader = try TraceReader(path: path, options: options.reader)
        reader.onInvalidLine = onInvalidLine
        for script in options.scripts.scripts {
            _ = script.body.withUnsafeBufferPointer { catalog.preload(body: $0) }
        }
        var folder = RecoveryFolder<CallExtra>(fold: options.recordedRecoveries == .fold)
        let keepArguments = options.engines.contains(.lua51)
        var batch: [ReplayEvent] = []
        batch.reserveCapacity(options.batchSize)
        var extras = BatchExtras()

        func dispatch() throws {
            guard !batch.isEmpty else { return }
            try batch.withUnsafeBufferPointer { try handle($0, extras, reader) }
            batch.removeAll(keepingCapacity: true)
            extras.timestamps.removeAll(keepingCapacity: true)
            extras.arguments.removeAll(keepingCapacity: true)
        }
        func emit(_ call: RecoveryFolder<CallExtra>.Call) throws {
            batch.append(call.event)
            if keepTimestamps { extras.timestamps.append(call.extra.timestamp) }
            if keepArguments { extras.arguments.append(call.extra.arguments) }
            if batch.count >= options.batchSize { try dispatch() }
        }

        try reader.forEachCommand({ command in
            let extra = CallExtra(timestamp: command.timestamp, arguments: keepArguments ? CallArguments(command) : nil)
            let e = event(for: command, catalog: catalog)
            try observe?(command, e)
            try folder.add(e, connection: command.connection, extra: extra, emit)
        }, other: { command in try folder.add(command, emit) })
        try folder.finish(emit)
        try dispatch()
        reader.noteDistinct(scripts: catalog.withBody, bodyBytes: catalog.bodyBytes)
        reader.noteClients(folder.counts)
        return reader
    }

    /// The compact event of one script command, its script interned.
    static func event(for command: TraceCommand, catalog: ScriptCatalog) -> ReplayEvent {
        switch command.kind {
        case .eval, .evalReadOnly:
            return ReplayEvent(operation: .eval, script: catalog.intern(body: command.payload), readOnly: command.kind == .evalReadOnly)
        case .evalsha, .evalshaReadOnly:
            let id = catalog.intern(sha: command.payload)
            return ReplayEvent(operation: .evalsha, script: id, bodyKnown: catalog.hasBody(id),
                               readOnly: command.kind == .evalshaReadOnly)
        case .scriptLoad:
            return ReplayEvent(operation: .scriptLoad, script: catalog.intern(body: command.payload))
        case .scriptFlush:
            return ReplayEvent(operation: .flush, flushMode: command.flushMode)
        case .scriptExists:
            return ReplayEvent(operation: .exists)
        }
    }

    /// About `TimelineOptions.targetRows` samples: the trace's size divided by
    /// the bytes per event seen in the first batch (1,000 for standard input).
    static func sampleInterval(reader: TraceReader, batchEvents: Int) -> Int {
        guard let size = reader.fileSize, reader.bytesConsumed > 0 else { return 1000 }
        let estimated = Double(size) * Double(batchEvents) / Double(reader.bytesConsumed)
        return max(1, Int(estimated / Double(TimelineOptions.targetRows)))
    }

    private func writeSamples(_ w: TimelineWriter, runs: [PolicyReplay], batchStart: Int, timestamps: [Double?]) throws {
        guard let count = runs.first?.samples.count, count > 0 else { return }
        for i in 0..<count {
            for run in runs {
                let s = run.samples[i]
                let index = s.event - 1 - batchStart
                let ts = index >= 0 && index < timestamps.count ? timestamps[index] : nil
                try w.row(s, timestamp: ts, policy: run.result.policy, allocator: run.result.allocator)
            }
        }
        for run in runs { run.samples.removeAll(keepingCapacity: true) }
    }

    /// Runs `work` on every replay, in parallel when there are several, and
    /// rethrows the first error (in policy order).
    static func runInParallel(_ runs: [PolicyReplay], _ work: (PolicyReplay) throws -> Void) throws {
        if runs.count == 1 {
            try work(runs[0])
            return
        }
        let errors = UnsafeMutableBufferPointer<Error?>.allocate(capacity: runs.count)
        errors.initialize(repeating: nil)
        defer { errors.deallocate() }
        withoutActuallyEscaping(work) { work in
            DispatchQueue.concurrentPerform(iterations: runs.count) { i in
                do { try work(runs[i]) } catch { errors[i] = error }
            }
        }
        if let first = errors.first(where: { $0 != nil }) { throw first! }
    }
}
