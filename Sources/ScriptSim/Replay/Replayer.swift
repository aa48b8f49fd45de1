import Foundation

/// Everything a replay found on one trace.
public struct TraceReport: Equatable, Sendable {
    public var path: String
    public var summary: TraceSummary
    /// One result per policy, in the order the policies were given.
    public var policies: [PolicyResult]
    /// VM bytes over the trace per policy, when a timeline was asked for.
    public var timeline: [TimelineSeries] = []
    /// `--interval-seconds`: the timeline's rows are intervals of trace time (nil: of events).
    public var timelineIntervalSeconds: Double?
}

/// One policy's VM bytes at each timeline sample.
public struct TimelineSeries: Equatable, Sendable {
    public var label: String
    public var points: [TimelinePoint]
}

/// One timeline row of one run, as the plot draws it.
public struct TimelinePoint: Equatable, Sendable {
    public var event: Int
    public var vmBytes: Int
    /// The trace timestamp of the row's event, when it carried one.
    public var timestamp: Double?
    /// EVAL and EVALSHA requests since the run's previous row.
    public var intervalRequests: Int
    /// Hits / requests since the previous row; nil without requests.
    public var intervalHitRate: Double?
    public var intervalNoscript: Int
    public var intervalEvictions: Int
    public var intervalCompiles: Int

    init(_ s: TimelineSample, timestamp: Double?) {
        event = s.event
        vmBytes = s.vmBytes
        self.timestamp = timestamp
        intervalRequests = s.interval.requests
        intervalHitRate = s.interval.hitRate
        intervalNoscript = s.interval.noscript
        intervalEvictions = s.interval.evictions
        intervalCompiles = s.interval.compiles
    }
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
/// same with its broadcast batches). The reader runs on a thread of its own, a
/// batch ahead of the policies (`readEvents(pipelined:)`).
public final class Replayer {
    /// The simulated servers, in report order.
    public let runs: [RunConfiguration]
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

    /// Checks every spec up front, so a typo fails before any trace is read:
    /// each server with each policy (`ServerRegistry.runs` says which run).
    public init(policies: [String], servers: [String] = [], registry: PolicyRegistry = .builtIn,
                serverRegistry: ServerRegistry = .builtIn, options: ReplayOptions = ReplayOptions()) throws(PolicySpecError) {
        runs = try serverRegistry.runs(servers: servers, policies: policies, policyRegistry: registry)
        self.options = options
    }

    public init(runs: [RunConfiguration], options: ReplayOptions = ReplayOptions()) {
        self.runs = runs
        self.options = options
    }

    /// Canonical specs of the policies, in report order.
    public var policySpecs: [String] { runs.map(\.policy.spec.description) }

    /// Replays the trace at `path` ("-" for standard input).
    public func replay(path: String) throws -> TraceReport {
        // Measure scripts only when a byte budget needs their sizes.
        let catalog = try ScriptCatalog(measureCosts: runs.contains { $0.policy.makePolicy().needsScriptCost },
                                        internBySHA1: options.internBySHA1)
        var runs: [PolicyReplay] = []
        for configuration in self.runs {
            for engine in options.engines {
                for kind in options.allocators.isEmpty ? [nil] : options.allocators.map(Optional.some) {
                    for client in options.clients {
                        runs.append(try PolicyReplay(run: configuration, catalog: catalog, client: client,
                                                     allocator: kind, flush: options.flush, engine: engine,
                                                     owesQuietGCSteps: options.owesQuietGCSteps))
                    }
                }
            }
        }
        if options.warmup != nil { for run in runs { run.beginWarmup(end: nil) } }
        // Read here, not from the runs: their results change on their own threads.
        let rowLabels = runs.map {
            TimelineRunLabel(server: $0.result.server, policy: $0.result.policy, allocator: $0.result.allocator,
                             engine: $0.result.engine, client: $0.result.client)
        }
        let timeline = try options.timeline.map { o throws(OutputError) in try TimelineWriter(path: o.path, runs: rowLabels) }
        let keepRows = options.timeline?.keepRows ?? true
        let started = runs.map(\.result)
        var series = started.map { TimelineSeries(label: $0.runName(among: started), points: []) }
        var events = 0
        // The timestamp of the previous batch's last event (a sample due before
        // a batch's first event shows that event).
        var lastTimestamp: Double?
        var sampling = false
        // What follows a batch every run has replayed: its timeline rows and a progress line.
        func finished(_ count: Int, _ extras: BatchExtras, _ progress: ReadProgress, samples: [[TimelineSample]]) throws {
            if let timeline {
                try collectSamples(timeline, keepRows: keepRows, samples: samples, into: &series, batchStart: events,
                                   timestamps: extras.timestamps, previous: lastTimestamp)
                lastTimestamp = extras.timestamps.last ?? nil
            }
            events += count
            onProgress?(ReplayProgress(path: progress.displayPath, events: events, bytesRead: progress.bytesRead, lines: progress.lineNumber))
        }
        // Several runs replay on threads of their own; a single run on this one.
        let lanes = runs.count < 2 ? nil : PolicyLanes(lanes: runs.count) { r, batch in
            try batch.events.withUnsafeBufferPointer { events in
                try runs[r].apply(events, arguments: batch.extras.arguments, marks: batch.extras.marks, scripts: batch.extras.scriptCount)
            }
            return runs[r].takeSamples()
        }
        defer { lanes?.cancel() }
        func finished(_ f: PolicyLanes.Finished) throws {
            guard let progress = f.batch.progress else { preconditionFailure("a replay's batches carry the reader's progress") }
            try finished(f.batch.events.count, f.batch.extras, progress, samples: f.samples)
        }
        func replay(_ batch: UnsafeBufferPointer<ReplayEvent>, _ extras: BatchExtras, _ progress: ReadProgress) throws {
            if !sampling, let timeline = options.timeline {
                let dense = timeline.sampleEvery != nil || timeline.intervalSeconds != nil
                for run in runs { run.sampler.allocatorReadSpacing = dense ? TimelineSampler.denseReadSpacing : 0 }
                if timeline.intervalSeconds == nil {
                    let every = timeline.sampleEvery ?? Self.sampleInterval(progress, batchEvents: batch.count)
                    for run in runs { run.sampler.every = every }
                }
            }
            sampling = true
            if let lanes {
                try lanes.feed(PolicyLanes.Batch(events: Array(batch), extras: extras, progress: progress), finished)
            } else {
                try runs[0].apply(batch, arguments: extras.arguments, marks: extras.marks, scripts: extras.scriptCount)
                try finished(batch.count, extras, progress, samples: [runs[0].takeSamples()])
            }
        }
        let reader: TraceReader
        do {
            reader = try Self.readEvents(path: path, options: options, catalog: catalog, keepTimestamps: timeline != nil,
                                         onInvalidLine: onInvalidLine, pipelined: true, replay)
        } catch {
            guard let lanes else { throw error }
            try lanes.drain(after: error, finished)
        }
        if let lanes { try lanes.drain(finished) }
        if let timeline {
            for run in runs { run.takeFinalSample() }
            try collectSamples(timeline, keepRows: keepRows, samples: runs.map { $0.takeSamples() }, into: &series, batchStart: events,
                               timestamps: [], previous: lastTimestamp)
        }
        let probe = options.retainedProbe.map { body in body.withUnsafeBufferPointer { catalog.preload(body: $0) } }
        var results: [PolicyResult] = []
        for run in runs { results.append(try run.finish(probe: probe)) }
        if let timeline { pendingOutputs.append(timeline.output) }
        return TraceReport(path: reader.displayPath, summary: reader.summary, policies: results, timeline: timeline == nil ? [] : series,
                           timelineIntervalSeconds: options.timeline?.intervalSeconds)
    }

    /// About `TimelineOptions.targetRows` samples: the trace's size divided by
    /// the bytes per event seen in the first batch (1,000 for standard input).
    static func sampleInterval(_ reader: ReadProgress, batchEvents: Int) -> Int {
        guard let size = reader.fileSize, reader.bytesConsumed > 0 else { return 1000 }
        let estimated = Double(size) * Double(batchEvents) / Double(reader.bytesConsumed)
        return max(1, Int(estimated / Double(TimelineOptions.targetRows)))
    }

    /// Writes the samples the runs took during the last batch (`samples`, per
    /// run; `timestamps` are its events'; `previous` the event's before it)
    /// and keeps them for the plot.
    private func collectSamples(_ w: TimelineWriter, keepRows: Bool, samples: [[TimelineSample]],
                                into series: inout [TimelineSeries], batchStart: Int, timestamps: [Double?], previous: Double?) throws {
        guard let count = samples.first?.count, count > 0 else { return }
        for i in 0..<count {
            for r in samples.indices {
                let s = samples[r][i]
                let index = s.event - 1 - batchStart
                let ts = index >= 0 && index < timestamps.count ? timestamps[index] : index == -1 ? previous : nil
                try w.row(s, timestamp: ts, run: r)
                if keepRows { series[r].points.append(TimelinePoint(s, timestamp: ts)) }
            }
        }
    }
}
