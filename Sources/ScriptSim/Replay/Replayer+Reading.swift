/// Reading a trace into the compact events every policy run replays (shared
/// by replay and sweep).
extension Replayer {
    /// What comes with a batch besides its events, one entry per event when kept.
    struct BatchExtras {
        /// Trace timestamps (with `keepTimestamps`).
        var timestamps: [Double?] = []
        /// Call arguments, when an engine builds KEYS and ARGV (Lua 5.1).
        var arguments: [CallArguments?] = []
        /// Where the warm-up ends and where timeline samples by time are due.
        var marks = BatchMarks()
    }

    /// Reads a trace once: parses and hashes each line, interns scripts into
    /// `catalog`, and hands the compact events to `handle` in batches of
    /// `options.batchSize` (with each event's trace timestamp when asked, and
    /// its call arguments when a Lua 5.1 run needs them), marking where the
    /// warm-up ends and, with `--interval-seconds`, where samples are due.
    /// `observe` sees each script command as traced, with its event, before
    /// recorded recoveries are folded (analyze counts what the trace holds).
    /// Returns the reader, whose summary is complete.
    ///
    /// Under `--warmup-seconds` or `--interval-seconds` a trace whose first
    /// script command carries no timestamp is refused (`TraceError`, malformed).
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
        var marker = EventMarker(warmup: options.warmup, intervalSeconds: options.timeline?.intervalSeconds)
        var batch: [ReplayEvent] = []
        batch.reserveCapacity(options.batchSize)
        var extras = BatchExtras()
        var emitted = 0
        let needsTime = marker.optionNeedingTimestamps
        var checkedTime = needsTime == nil

        func dispatch() throws {
            guard !batch.isEmpty else { return }
            extras.marks.warmupEnd = marker.warmupEnd
            try batch.withUnsafeBufferPointer { try handle($0, extras, reader) }
            batch.removeAll(keepingCapacity: true)
            extras.timestamps.removeAll(keepingCapacity: true)
            extras.arguments.removeAll(keepingCapacity: true)
            extras.marks.sampleBefore.removeAll(keepingCapacity: true)
        }
        func emit(_ call: RecoveryFolder<CallExtra>.Call) throws {
            if marker.mark(index: emitted, timestamp: call.extra.timestamp) { extras.marks.sampleBefore.append(batch.count) }
            emitted += 1
            batch.append(call.event)
            if keepTimestamps { extras.timestamps.append(call.extra.timestamp) }
            if keepArguments { extras.arguments.append(call.extra.arguments) }
            if batch.count >= options.batchSize { try dispatch() }
        }

        try reader.forEachCommand({ command in
            if !checkedTime {
                checkedTime = true
                guard command.timestamp != nil else {
                    throw TraceError(path: reader.displayPath, line: reader.lineNumber, column: 0,
                                     message: "\(needsTime ?? "") needs trace timestamps (MONITOR form), "
                                        + "and the first script command has none")
                }
            }
            let extra = CallExtra(timestamp: command.timestamp, arguments: keepArguments ? CallArguments(command) : nil)
            let e = event(for: command, catalog: catalog)
            try observe?(command, e)
            try folder.add(e, connection: command.connection, extra: extra, emit)
        }, other: { command in try folder.add(command, emit) })
        try folder.finish(emit)
        try dispatch()
        reader.noteDistinct(scripts: catalog.withBody, bodyBytes: catalog.bodyBytes)
        reader.noteClients(folder.counts)
        reader.noteEvents(emitted, warmup: marker.warmupEvents(total: emitted))
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
}
