import Foundation

/// How a replay runs.
public struct ReplayOptions: Sendable {
    /// Retry EVALSHA that meets NOSCRIPT with EVAL of the body, when the trace
    /// showed the body earlier (what redis-py, ioredis and go-redis do).
    public var retryNoscript = true
    public var reader = TraceReaderOptions()
    /// Events handed to the policies at a time (bounded memory, one read for all policies).
    public var batchSize = 4096

    public init(retryNoscript: Bool = true, reader: TraceReaderOptions = TraceReaderOptions(), batchSize: Int = 4096) {
        self.retryNoscript = retryNoscript
        self.reader = reader
        self.batchSize = batchSize
    }
}

/// Everything a replay found on one trace.
public struct TraceReport: Equatable, Sendable {
    public var path: String
    public var summary: TraceSummary
    /// One result per policy, in the order the policies were given.
    public var policies: [PolicyResult]
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
        let reader = try TraceReader(path: path, options: options.reader)
        reader.onInvalidLine = onInvalidLine
        let catalog = try ScriptCatalog()
        var runs: [PolicyReplay] = []
        for configuration in configurations {
            runs.append(try PolicyReplay(configuration: configuration, catalog: catalog, retryNoscript: options.retryNoscript))
        }
        var batch: [ReplayEvent] = []
        batch.reserveCapacity(options.batchSize)
        var events = 0

        func dispatch() throws {
            guard !batch.isEmpty else { return }
            try batch.withUnsafeBufferPointer { events in
                try Self.runInParallel(runs) { run in try run.apply(events) }
            }
            events += batch.count
            batch.removeAll(keepingCapacity: true)
            onProgress?(ReplayProgress(path: reader.displayPath, events: events, bytesRead: reader.bytesRead, lines: reader.lineNumber))
        }

        try reader.forEachCommand { command in
            let event: ReplayEvent
            switch command.kind {
            case .eval, .evalReadOnly:
                event = ReplayEvent(operation: .eval, script: catalog.intern(body: command.payload))
            case .evalsha, .evalshaReadOnly:
                let id = catalog.intern(sha: command.payload)
                event = ReplayEvent(operation: .evalsha, script: id, bodyKnown: catalog.hasBody(id))
            case .scriptLoad:
                event = ReplayEvent(operation: .scriptLoad, script: catalog.intern(body: command.payload))
            case .scriptFlush:
                event = ReplayEvent(operation: .flush, flushMode: command.flushMode)
            case .scriptExists:
                event = ReplayEvent(operation: .exists)
            }
            batch.append(event)
            if batch.count >= options.batchSize { try dispatch() }
        }
        try dispatch()
        reader.noteDistinct(scripts: catalog.withBody, bodyBytes: catalog.bodyBytes)
        var results: [PolicyResult] = []
        for run in runs { results.append(try run.finish()) }
        return TraceReport(path: reader.displayPath, summary: reader.summary, policies: results)
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
