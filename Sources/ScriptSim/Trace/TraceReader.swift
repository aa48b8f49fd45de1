import Foundation

/// Counts of what a trace held, by line, independent of any policy.
public struct TraceSummary: Equatable, Sendable {
    /// Lines read, blank and comment lines included.
    public var lines = 0
    /// Script commands by kind (indexed by `TraceCommandKind.rawValue`).
    public var commands = [Int](repeating: 0, count: TraceCommandKind.allCases.count)
    /// Lines MONITOR printed for commands run inside scripts (client `lua`).
    public var skippedScriptInternal = 0
    /// Commands the script cache never sees (GET, SET, SCRIPT KILL, ...).
    public var skippedOther = 0
    /// Malformed lines skipped under `--skip-invalid`.
    public var invalid = 0
    /// Distinct script bodies (by SHA1).
    public var distinctScripts = 0
    /// Bytes of the distinct bodies.
    public var distinctBodyBytes = 0
    /// Bytes of every body sent with EVAL / SCRIPT LOAD, repeats included.
    public var bodyBytesSent = 0
    /// Recoveries a MONITOR capture recorded and the replay folded into the
    /// calls they recovered (`--recorded-recoveries fold`), by kind.
    public var foldedRecoveriesEval = 0
    public var foldedRecoveriesScriptLoad = 0
    /// EVALSHAs released unfolded because their connection stayed silent too long.
    public var recoveryWindowExpired = 0
    /// EVAL / EVALSHA calls inside MULTI … EXEC.
    public var callsInTransaction = 0
    /// The trace's last line had no line feed (a cut file? its last command may be incomplete).
    public var lastLineUnterminated = false
    /// First and last trace timestamps, when lines carried them.
    public var firstTimestamp: Double?
    public var lastTimestamp: Double?
    /// Events the policies replayed (script commands after recorded recoveries were folded).
    public var replayEvents = 0
    /// The first of those that filled the cache uncounted (`--warmup`, `--warmup-seconds`).
    public var warmupEvents = 0

    public init() {}

    public subscript(kind: TraceCommandKind) -> Int {
        get { commands[Int(kind.rawValue)] }
        set { commands[Int(kind.rawValue)] = newValue }
    }

    /// Script commands in all (EVAL, EVALSHA, SCRIPT; not Functions).
    public var scriptEvents: Int { TraceCommandKind.allCases.filter { !$0.isFunction }.reduce(0) { $0 + self[$1] } }
    /// Functions commands in all (FUNCTION …, FCALL, FCALL_RO).
    public var functionCommands: Int { TraceCommandKind.allCases.filter(\.isFunction).reduce(0) { $0 + self[$1] } }
}

/// How strict the reader is.
public struct TraceReaderOptions: Sendable {
    /// Skip malformed lines (counting them) instead of stopping at the first.
    public var skipInvalid = false
    /// Longest line (so longest body) accepted; Redis's own `proto-max-bulk-len` is 512 MiB.
    public var maxLineBytes = 512 << 20
    /// Threads that split and classify lines when the trace is a plain regular
    /// file of at least two pieces (0: `defaultParseThreads`; 1: the reading thread
    /// alone). The result is the same whatever the number.
    public var parseThreads = 0
    /// Bytes per piece a parsing thread takes at a time (tests make it small
    /// to put piece boundaries everywhere).
    public var pieceBytes = 1 << 20
    /// Whether parsing threads also work out each payload's hash for the
    /// catalog (`PayloadDigest`): a replay's reader asks, a plain read does not.
    var payloadDigests = false

    /// One per core, at most four. The reading thread takes a parsed line in
    /// about half the time a parsing thread takes to parse it (hit path,
    /// docs/performance.md), so a few parsing threads keep it busy; more would
    /// only hold more pieces in memory.
    public static var defaultParseThreads: Int { min(ProcessInfo.processInfo.activeProcessorCount, 4) }

    public init(skipInvalid: Bool = false, maxLineBytes: Int = 512 << 20, parseThreads: Int = 0) {
        self.skipInvalid = skipInvalid
        self.maxLineBytes = maxLineBytes
        self.parseThreads = parseThreads
    }
}

/// Streams a trace file (format v1) and hands each script command to a closure.
///
/// Memory is bounded by the longest line: nothing is kept from one line to the
/// next (a parallel read keeps a few pieces of at most `pieceBytes` and
/// `PieceSource.maxLines` lines in flight: `PieceParserPool`).
public final class TraceReader {
    public let options: TraceReaderOptions
    public private(set) var summary = TraceSummary()
    private let source: LineSource
    private let parser = TraceLineParser()
    /// Called for every malformed line skipped under `skipInvalid`, so nothing is skipped silently.
    public var onInvalidLine: ((TraceError) -> Void)?

    /// Opens `path` ("-" for standard input).
    public init(path: String, options: TraceReaderOptions = TraceReaderOptions()) throws(TraceError) {
        self.options = options
        source = try LineSource(path: path, maxLineBytes: options.maxLineBytes)
    }

    /// The name used in messages ("<stdin>" for "-").
    public var displayPath: String { source.displayPath }

    /// Bytes read from the input so far.
    public var bytesRead: Int64 { pieces?.bytesRead ?? source.bytesRead }

    /// Bytes of the lines processed so far.
    public var bytesConsumed: Int64 { pieces?.bytesConsumed ?? source.bytesConsumed }

    /// Size of the trace when it is a regular file.
    public var fileSize: Int64? { source.fileSize }

    /// Current 1-based line number (the line being processed inside `forEachCommand`).
    public var lineNumber: Int { pieces?.lineNumber ?? source.lineNumber }

    /// Whether the last read went in parallel pieces (tests check they did).
    var readInPieces: Bool { pieces != nil }

    /// Where a read in parallel pieces stands (nil for a serial read).
    private var pieces: PieceProgress?
    private struct PieceProgress {
        var lineNumber = 0
        var bytesConsumed: Int64 = 0
        var bytesRead: Int64 = 0
    }

    /// Reads the trace to its end, calling `body` for each script command in order,
    /// and `other` for every other command (still counted as skipped: the client
    /// model follows transactions and connections through them).
    /// Throws `TraceError` for the first malformed line (unless skipping) and
    /// rethrows what the closures throw.
    ///
    /// A plain regular file is split and classified on `parseThreads` threads,
    /// in pieces, while the calling thread takes the lines in order: the
    /// closures run on the calling thread, in trace order, either way.
    public func forEachCommand(_ body: (TraceCommand) throws -> Void,
                               other: (ConnectionCommand) throws -> Void = { _ in }) throws {
        // Done with the descriptor however the read ends: a run over many
        // traces holds one at a time.
        defer { source.close() }
        let threads = options.parseThreads > 0 ? options.parseThreads : TraceReaderOptions.defaultParseThreads
        if threads > 1, let size = source.fileSize, size > Int64(options.pieceBytes), let file = source.takeUnreadPlainFile() {
            return try forEachPiece(file: file, threads: threads, body, other: other)
        }
        while true {
            let more: Bool? = try source.nextLine({ line in
                summary.lines += 1
                let outcome: TraceLineParser.Outcome
                do throws(LineError) {
                    outcome = try parser.parse(line)
                } catch {
                    try refuse(error)
                    return true
                }
                try deliver(outcome, body, other: other)
                return true
            }, overlong: {
                summary.lines += 1
                try refuse(LineSource.tooLong(maxLineBytes: options.maxLineBytes))
                return true
            })
            if more == nil {
                summary.lastLineUnterminated = source.lastLineUnterminated
                return
            }
        }
    }

    /// The parallel read: pieces parsed ahead by the pool, taken here in order.
    private func forEachPiece(file: (fd: Int32, prefix: [UInt8]), threads: Int, _ body: (TraceCommand) throws -> Void,
                              other: (ConnectionCommand) throws -> Void) throws {
        let pool = PieceParserPool(fd: file.fd, prefix: file.prefix, pieceBytes: options.pieceBytes, maxLineBytes: options.maxLineBytes,
                                   skipInvalid: options.skipInvalid, digests: options.payloadDigests, threads: threads)
        defer { pool.stop() }
        var progress = PieceProgress()
        pieces = progress
        while true {
            let piece = pool.next()
            defer { pool.recycle(piece) }
            progress.bytesRead = piece.bytesRead
            for i in piece.lines.indices {
                let line = piece.lines[i]
                progress.lineNumber += 1
                progress.bytesConsumed += Int64(line.consumed)
                pieces = progress
                switch line.tag {
                case .tooLong:
                    summary.lines += 1
                    try refuse(LineSource.tooLong(maxLineBytes: options.maxLineBytes))
                case .invalid:
                    summary.lines += 1
                    try refuse(piece.errors[line.payloadOffset])
                default:
                    summary.lines += 1
                    try deliver(piece.outcome(at: i), body, other: other)
                }
            }
            pieces = progress
            switch piece.end {
            case .lines: continue
            case .end: return
            case .tail:
                summary.lastLineUnterminated = true
                return
            case .tooLong:
                // Only when not skipping (the source drops the line otherwise: `.skipped`).
                let e = LineSource.tooLong(maxLineBytes: options.maxLineBytes)
                throw TraceError(path: displayPath, line: progress.lineNumber + 1, column: e.column, message: e.message)
            case .skipped(let bytes, let terminated):
                // An over-long line, dropped by the source under `skipInvalid`.
                progress.lineNumber += 1
                progress.bytesConsumed += bytes
                pieces = progress
                summary.lines += 1
                try refuse(LineSource.tooLong(maxLineBytes: options.maxLineBytes))
                if !terminated {
                    summary.lastLineUnterminated = true
                    return
                }
            case .failed(let why):
                throw TraceError(kind: .io, path: displayPath, line: progress.lineNumber + 1, column: 0, message: "read failed: \(why)")
            }
        }
    }

    /// A malformed line: skipped and reported under `skipInvalid`, else the error.
    private func refuse(_ error: LineError) throws {
        let located = TraceError(path: displayPath, line: lineNumber, column: error.column, message: error.message)
        guard options.skipInvalid else { throw located }
        summary.invalid += 1
        onInvalidLine?(located)
    }

    /// Counts a parsed line and hands it on.
    private func deliver(_ outcome: TraceLineParser.Outcome, _ body: (TraceCommand) throws -> Void,
                         other: (ConnectionCommand) throws -> Void) throws {
        switch outcome {
        case .ignored: break
        case .scriptInternal: summary.skippedScriptInternal += 1
        case .otherCommand(let command):
            summary.skippedOther += 1
            try other(command)
        case .script(let command):
            summary[command.kind] += 1
            if let t = command.timestamp {
                if summary.firstTimestamp == nil { summary.firstTimestamp = t }
                summary.lastTimestamp = t
            }
            switch command.kind {
            case .eval, .evalReadOnly, .scriptLoad: summary.bodyBytesSent += command.payload.count
            default: break
            }
            // Counted; until the functions VM is modeled they reach the replay as
            // other commands (a recovery window moves on, as for any command).
            if command.kind.isFunction {
                try other(ConnectionCommand(kind: .other, connection: command.connection, timestamp: command.timestamp))
                return
            }
            try body(command)
        }
    }

    /// Records what the catalog learned about distinct scripts.
    func noteDistinct(scripts: Int, bodyBytes: Int) {
        summary.distinctScripts = scripts
        summary.distinctBodyBytes = bodyBytes
    }

    /// Records how many events the replay made of the trace, and how many were warm-up.
    func noteEvents(_ events: Int, warmup: Int) {
        summary.replayEvents = events
        summary.warmupEvents = warmup
    }

    /// Records what the client model's folding found.
    func noteClients(_ counts: RecoveryFoldCounts) {
        summary.foldedRecoveriesEval = counts.foldedEval
        summary.foldedRecoveriesScriptLoad = counts.foldedLoad
        summary.recoveryWindowExpired = counts.expired
        summary.callsInTransaction = counts.inTransaction
    }
}
