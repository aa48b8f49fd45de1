import Foundation

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
        /// Scripts the catalog held when the batch was handed out: the batch
        /// names no other, and a pipelined reader may be adding more meanwhile.
        var scriptCount = 0
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
    /// `pipelined`: the reading runs on a thread of its own, a batch ahead of
    /// `handle` (which runs on the calling thread), so reading and replaying
    /// overlap. `handle` may then read only catalog ids below the batch's
    /// `scriptCount` (the catalog keeps growing meanwhile), and `observe` runs
    /// on the reading thread. Errors come out as a serial read gives them: a
    /// batch's failure before a later line's.
    ///
    /// Under `--warmup-seconds` or `--interval-seconds` a trace whose first
    /// script command carries no timestamp is refused (`TraceError`, malformed).
    static func readEvents(path: String, options: ReplayOptions, catalog: ScriptCatalog, keepTimestamps: Bool,
                           onInvalidLine: ((TraceError) -> Void)?,
                           observe: ((TraceCommand, ReplayEvent) throws -> Void)? = nil,
                           pipelined: Bool = false,
                           _ handle: (UnsafeBufferPointer<ReplayEvent>, BatchExtras, ReadProgress) throws -> Void) throws -> TraceReader {
        var readerOptions = options.reader
        readerOptions.payloadDigests = true
        let reader = try TraceReader(path: path, options: readerOptions)
        guard pipelined else {
            reader.onInvalidLine = onInvalidLine
            try produce(reader, options: options, catalog: catalog, keepTimestamps: keepTimestamps, observe: observe) { events, extras in
                try events.withUnsafeBufferPointer { try handle($0, extras, ReadProgress(reader)) }
            }
            return reader
        }
        let channel = BatchChannel()
        let reportsInvalid = onInvalidLine != nil
        let thread = Thread {
            // Named for top -H and perf (from inside: Linux names the running thread).
            Thread.current.name = "scriptsim-read"
            // Skipped lines travel with the batches, so they are reported in
            // order with them (and only this thread touches the list).
            var invalid: [TraceError] = []
            func flushInvalid() throws {
                guard !invalid.isEmpty else { return }
                try channel.put(BatchChannel.Item(events: [], extras: BatchExtras(), progress: ReadProgress(reader), invalidLines: invalid))
                invalid.removeAll()
            }
            if reportsInvalid {
                reader.onInvalidLine = { error in
                    invalid.append(error)
                    // A long run of bad lines without events goes out on its own.
                    if invalid.count >= 1024 { try? flushInvalid() }
                }
            }
            let failure: Error?
            do {
                try produce(reader, options: options, catalog: catalog, keepTimestamps: keepTimestamps, observe: observe) { events, extras in
                    try channel.put(BatchChannel.Item(events: events, extras: extras, progress: ReadProgress(reader), invalidLines: invalid))
                    invalid.removeAll()
                }
                try flushInvalid()
                failure = nil
            } catch {
                failure = error
            }
            // The handler holds the reader (through `flushInvalid`): let go,
            // or every trace's reader would stay (before `finish`, which hands the reader back).
            reader.onInvalidLine = nil
            channel.finish(failure)
        }
        thread.stackSize = 8 << 20
        thread.start()
        do {
            while let item = channel.take() {
                for e in item.invalidLines { onInvalidLine?(e) }
                guard !item.events.isEmpty else { continue }
                try item.events.withUnsafeBufferPointer { try handle($0, item.extras, item.progress) }
            }
        } catch {
            channel.cancel()
            _ = channel.waitForReader()
            throw error
        }
        if let failure = channel.waitForReader() { throw failure }
        return reader
    }

    /// The reading itself: every batch goes to `deliver`, on the calling thread.
    private static func produce(_ reader: TraceReader, options: ReplayOptions, catalog: ScriptCatalog, keepTimestamps: Bool,
                                observe: ((TraceCommand, ReplayEvent) throws -> Void)?,
                                deliver: ([ReplayEvent], BatchExtras) throws -> Void) throws {
        for script in options.scripts.scripts {
            _ = script.body.withUnsafeBufferPointer { catalog.preload(body: $0) }
        }
        var folder = RecoveryFolder<CallExtra>(fold: options.recordedRecoveries == .fold)
        let keepArguments = options.engines.contains(.lua51)
        var arguments = HeldArguments()
        var sequence = 0
        var marker = EventMarker(warmup: options.warmup, intervalSeconds: options.timeline?.intervalSeconds)
        var batch: [ReplayEvent] = []
        batch.reserveCapacity(options.batchSize)
        var extras = BatchExtras(scriptCount: 0)
        var emitted = 0
        let needsTime = marker.optionNeedingTimestamps
        var checkedTime = needsTime == nil

        func dispatch() throws {
            guard !batch.isEmpty else { return }
            extras.marks.warmupEnd = marker.warmupEnd
            extras.scriptCount = catalog.count
            try deliver(batch, extras)
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
            if keepArguments { extras.arguments.append(arguments.take(call.extra.sequence)) }
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
            sequence += 1
            if keepArguments { arguments.hold(CallArguments(command), sequence: sequence) }
            let extra = CallExtra(timestamp: command.timestamp, sequence: sequence)
            let e = event(for: command, catalog: catalog)
            try observe?(command, e)
            try folder.add(e, connection: command.connection, extra: extra, emit)
        }, other: { command in try folder.add(command, emit) })
        try folder.finish(emit)
        try dispatch()
        reader.noteDistinct(scripts: catalog.withBody, bodyBytes: catalog.bodyBytes)
        reader.noteClients(folder.counts)
        reader.noteEvents(emitted, warmup: marker.warmupEvents(total: emitted))
    }

    /// The compact event of one script command, its script interned.
    static func event(for command: TraceCommand, catalog: ScriptCatalog) -> ReplayEvent {
        switch command.kind {
        case .eval, .evalReadOnly:
            return ReplayEvent(operation: .eval, script: catalog.intern(body: command.payload, digest: command.digest),
                               readOnly: command.kind == .evalReadOnly)
        case .evalsha, .evalshaReadOnly:
            let id = catalog.intern(sha: command.payload, digest: command.digest)
            return ReplayEvent(operation: .evalsha, script: id, bodyKnown: catalog.hasBody(id),
                               readOnly: command.kind == .evalshaReadOnly)
        case .scriptLoad:
            return ReplayEvent(operation: .scriptLoad, script: catalog.intern(body: command.payload, digest: command.digest))
        case .scriptFlush:
            return ReplayEvent(operation: .flush, flushMode: command.flushMode)
        case .scriptExists:
            return ReplayEvent(operation: .exists)
        case .functionLoad, .fcall, .fcallReadOnly, .functionDelete, .functionFlush, .functionRestore, .functionOther:
            preconditionFailure("the reader hands Functions commands on as other commands (TraceReader.deliver)")
        }
    }
}
