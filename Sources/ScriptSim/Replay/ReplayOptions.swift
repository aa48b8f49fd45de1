import Foundation

/// How SCRIPT FLUSH frees the old VM.
public struct FlushOptions: Sendable {
    public enum Mode: String, CaseIterable, Sendable {
        /// As each SCRIPT FLUSH line says (no argument: the server's `lazyfree-lazy-user-flush`).
        case asTraced = "as-traced"
        /// Every flush closes the old VM on the replay thread.
        case sync
        /// Every flush is ASYNC (in the background above the server's lazy-free threshold).
        case async
    }
    public enum AfterFlush: String, CaseIterable, Sendable {
        /// Leave freed pages with the arena (Redis).
        case keep
        /// Return the arena's dirty pages to the system once the old VM is closed.
        case purge
    }
    public var mode = Mode.asTraced
    public var afterFlush = AfterFlush.keep

    public init(mode: Mode = .asTraced, afterFlush: AfterFlush = .keep) {
        self.mode = mode
        self.afterFlush = afterFlush
    }

    /// Whether a flush the trace wrote as `traced` is asynchronous, on a server
    /// whose `lazyfree-lazy-user-flush` is `lazyUserFlush` (the size threshold is the server's).
    func isAsynchronous(_ traced: FlushMode, lazyUserFlush: Bool) -> Bool {
        switch mode {
        case .sync: return false
        case .async: return true
        case .asTraced:
            switch traced {
            case .sync: return false
            case .async: return true
            case .unspecified: return lazyUserFlush
            }
        }
    }
}

/// How a replay runs.
public struct ReplayOptions: Sendable {
    /// The application's client libraries: every policy runs once per client
    /// model, side by side (docs/clients.md).
    public var clients: [ClientChoice] = [ClientChoice(.auto)]
    /// What to make of the recoveries a MONITOR capture recorded.
    public var recordedRecoveries = RecordedRecoveries.fold
    /// Bodies the client holds from the start (`--scripts`).
    public var scripts = ClientScripts()
    public var reader = TraceReaderOptions()
    /// Events handed to the policies at a time (bounded memory, one read for all policies).
    public var batchSize = 4096
    public var flush = FlushOptions()
    /// Every run once per allocator. Empty: each server's own
    /// (`ServerProfile.vmAllocator`, `--allocator server`); the default is the
    /// arena for every run, whose figures are exact and the same run to run
    /// (glibc's depend on its heap's history, and its statistics are the process's).
    public var allocators: [AllocatorKind] = [.arena]
    /// Every policy runs once per engine.
    public var engines: [LuaEngine] = [.lua54]
    /// verify: a script EVAL'd after the trace, as sent to the server, before
    /// the retained Lua count is read (`Verifier.gcProbe`).
    public var retainedProbe: [UInt8]?
    /// Memory over time, written as CSV (nil: none).
    public var timeline: TimelineOptions?
    /// Events that fill the cache before counting starts (nil: every event counts).
    public var warmup: Warmup?
    /// Intern every body by its SHA1, as Redis does, instead of recognising
    /// repeats by a fast hash and a byte comparison (ScriptCatalog). Not an
    /// option for users: tests replay both ways and compare the reports.
    var internBySHA1 = false
    /// Let Lua 5.4 VMs owe the GC steps of quiet stretches (`QuietGCCycles`).
    /// Not an option for users: tests replay both ways and compare the reports.
    var owesQuietGCSteps = true

    /// `retryNoscript: false` is `--no-retry`: every line replayed as recorded
    /// (`keep`) by a client that never recovers (`none`).
    public init(retryNoscript: Bool = true, reader: TraceReaderOptions = TraceReaderOptions(), batchSize: Int = 4096,
                flush: FlushOptions = FlushOptions(), allocators: [AllocatorKind] = [.arena], timeline: TimelineOptions? = nil,
                clients: [ClientChoice] = [ClientChoice(.auto)], recordedRecoveries: RecordedRecoveries = .fold,
                scripts: ClientScripts = ClientScripts(), engines: [LuaEngine] = [.lua54], warmup: Warmup? = nil) {
        self.engines = engines
        self.warmup = warmup
        self.reader = reader
        self.batchSize = batchSize
        self.flush = flush
        self.allocators = allocators
        self.timeline = timeline
        self.clients = retryNoscript ? clients : [ClientChoice(.none)]
        self.recordedRecoveries = retryNoscript ? recordedRecoveries : .keep
        self.scripts = scripts
    }

    /// Whether a client ever recovers from NOSCRIPT (false for `--no-retry`).
    public var retryNoscript: Bool { clients.contains { $0.model != .none } }
}
