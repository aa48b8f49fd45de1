/// Turns a trace's commands into the application's calls, in trace order,
/// for the client model: marks calls made inside MULTI … EXEC, and on a
/// MONITOR capture folds each recorded NOSCRIPT recovery into the call it
/// recovered (docs/clients.md has the rule and its limits).
///
/// On one connection, an EVALSHA of X followed at once by SCRIPT LOAD of X's
/// body and/or EVAL of X's body (and, after a SCRIPT LOAD, EVALSHA X again) is
/// one call the recording server answered with NOSCRIPT. Whether an EVALSHA
/// is such a call shows only on its connection's next command, so calls wait
/// in a window until that command arrives; a connection silent for `window`
/// calls has its EVALSHA released unfolded (counted in `expired`).
///
/// An EVALSHA is taken for a recorded NOSCRIPT only when the capture cannot
/// show that the recording server held the script: one sent with EVAL or
/// SCRIPT LOAD (or run) since the last SCRIPT FLUSH, with fewer than
/// `surelyCachedEvals` EVALs since, is cached on every server (none evicts
/// before 500 EVAL scripts), so an EVAL of its body after it is the
/// application's own call, not a recovery.
///
/// `Extra` travels with each call (a timestamp for the replay, the argument
/// list for `verify`).
struct RecoveryFolder<Extra> {
    struct Call {
        var event: ReplayEvent
        var extra: Extra
    }

    private enum Stage { case sent, loaded }

    private struct Connection {
        var inMulti = false
        /// The recovery this connection's recorded recoveries showed last.
        var recorded: Recovery?
        /// The recovery of the library it named with CLIENT SETINFO LIB-NAME.
        var library: Recovery?
        /// Absolute index of an EVALSHA waiting for this connection's next command.
        var pending: Int?
        var stage = Stage.sent
    }

    let fold: Bool
    let window: Int
    /// The smallest EVAL list of any built-in server that evicts (`ServerProfile.evalScriptLimit`:
    /// 500 on Redis 7.4+ and Valkey 8+). A memory limit (Valkey 9.2's maxmemory-scripts) is not counted here.
    static var surelyCachedEvals: Int { ServerRegistry.smallestEvalScriptLimit }
    /// The recording server's side, as far as the capture shows it: per script,
    /// the EVAL count when it was last surely cached, in flush generation `generation`.
    private var touched: [(evals: Int, generation: Int)] = []
    private var evals = 0
    private var generation = 1
    private(set) var counts = RecoveryFoldCounts()
    private var calls: [Call] = []
    /// Index into `calls` of the first call not yet released.
    private var head = 0
    /// Absolute index of `calls[0]`.
    private var base = 0
    private var connections: [Connection] = []
    private var connectionIDs: [[UInt8]: Int] = [:]
    private var lastConnection: (bytes: [UInt8], id: Int)?
    /// Pending EVALSHAs in trace order (absolute index, connection); an entry is
    /// stale once its connection's `pending` moved on.
    private var pendingOrder: [(index: Int, connection: Int)] = []
    private var pendingHead = 0

    init(fold: Bool, window: Int = 65_536) {
        self.fold = fold
        self.window = window
        connections = [Connection()]   // 0: typed lines, one connection with nothing to fold
    }

    /// Adds one script command from `connection` (empty: a typed line).
    mutating func add(_ event: ReplayEvent, connection bytes: UnsafeBufferPointer<UInt8>, extra: Extra,
                      _ emit: (Call) throws -> Void) rethrows {
        let c = connectionID(bytes)
        if event.operation == .eval { evals += 1 }
        if event.operation == .flush { generation += 1 }
        if resolvePending(c, with: event) {
            touch(event.script)
            try release(emit)
            return
        }
        var event = event
        let state = connections[c]
        let surelyCached = event.operation == .evalsha && isSurelyCached(event.script)
        switch event.operation {
        case .eval, .scriptLoad: touch(event.script)
        case .evalsha where surelyCached: touch(event.script)
        default: break
        }
        event.inTransaction = state.inMulti
        if state.inMulti, event.operation == .evalsha || event.operation == .eval { counts.inTransaction += 1 }
        if event.operation == .evalsha { event.autoRecovery = state.recorded ?? state.library ?? .eval }
        let waits = fold && c != 0 && event.operation == .evalsha && !state.inMulti && !surelyCached
        if !waits, head == calls.count {
            // Nothing is held back (so nothing is pending) and this call will
            // not be: it goes straight out (every call of a trace of typed lines).
            try emit(Call(event: event, extra: extra))
            return
        }
        calls.append(Call(event: event, extra: extra))
        if waits {
            let index = base + calls.count - 1
            connections[c].pending = index
            connections[c].stage = .sent
            pendingOrder.append((index, c))
        }
        try release(emit)
    }

    /// Notes a command that is not a script command (MULTI, EXEC, DISCARD or
    /// another); with `passing`, it also takes its place in the output, as a
    /// no-op event carrying that extra (`verify` sends EXEC and DISCARD).
    mutating func add(_ command: ConnectionCommand, passing extra: Extra? = nil, _ emit: (Call) throws -> Void) rethrows {
        let c = connectionID(command.connection)
        connections[c].pending = nil
        switch command.kind {
        case .multi: connections[c].inMulti = true
        case .exec, .discard: connections[c].inMulti = false
        case .libraryName:
            // "redis-py", or "redis-py(upstream_v1.2)" when a framework wraps it.
            let name = String(decoding: command.argument.prefix { $0 != UInt8(ascii: "(") }, as: UTF8.self)
            connections[c].library = ClientChoice(parsing: name)?.model.libraryRecovery
        case .other: break
        }
        if let extra { calls.append(Call(event: ReplayEvent(operation: .exists), extra: extra)) }
        try release(emit)
    }

    /// Releases every call still held (end of trace).
    mutating func finish(_ emit: (Call) throws -> Void) rethrows {
        for i in connections.indices { connections[i].pending = nil }
        try release(emit)
    }

    /// Whether `event` is (part of) the recovery of connection `c`'s pending
    /// EVALSHA; folds it if so. Anything else means the connection moved on.
    private mutating func resolvePending(_ c: Int, with event: ReplayEvent) -> Bool {
        guard let index = connections[c].pending else { return false }
        let i = index - base
        guard calls[i].event.script == event.script else {
            connections[c].pending = nil
            return false
        }
        switch (connections[c].stage, event.operation) {
        case (.sent, .eval):
            record(.eval, at: i, connection: c)
            connections[c].pending = nil
        case (.sent, .scriptLoad):
            record(.loadEvalsha, at: i, connection: c)
            connections[c].stage = .loaded
        case (.loaded, .evalsha), (.loaded, .eval):
            connections[c].pending = nil
        default:
            connections[c].pending = nil
            return false
        }
        return true
    }

    private mutating func touch(_ script: ScriptID) {
        let i = Int(script)
        if touched.count <= i { touched.append(contentsOf: repeatElement((evals: 0, generation: 0), count: i + 1 - touched.count)) }
        touched[i] = (evals, generation)
    }

    private func isSurelyCached(_ script: ScriptID) -> Bool {
        let i = Int(script)
        guard i < touched.count, touched[i].generation == generation else { return false }
        return evals - touched[i].evals < Self.surelyCachedEvals
    }

    private mutating func record(_ recovery: Recovery, at i: Int, connection c: Int) {
        calls[i].event.bodyKnown = true
        calls[i].event.autoRecovery = recovery
        connections[c].recorded = recovery
        if recovery == .eval { counts.foldedEval += 1 } else { counts.foldedLoad += 1 }
    }

    /// Hands out calls from the front up to the oldest one still pending.
    private mutating func release(_ emit: (Call) throws -> Void) rethrows {
        while head < calls.count {
            if let oldest = oldestPending(), oldest == base + head {
                guard calls.count - head > window else { break }
                connections[pendingOrder[pendingHead].connection].pending = nil
                counts.expired += 1
                continue
            }
            try emit(calls[head])
            head += 1
        }
        if head > 4096, head * 2 > calls.count {
            calls.removeFirst(head)
            base += head
            head = 0
        }
    }

    private mutating func oldestPending() -> Int? {
        while pendingHead < pendingOrder.count {
            let p = pendingOrder[pendingHead]
            if connections[p.connection].pending == p.index { return p.index }
            pendingHead += 1
        }
        if pendingHead > 0 {
            pendingOrder.removeAll(keepingCapacity: true)
            pendingHead = 0
        }
        return nil
    }

    private mutating func connectionID(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if bytes.isEmpty { return 0 }
        if let last = lastConnection, last.bytes.elementsEqual(bytes) { return last.id }
        let key = Array(bytes)
        let id: Int
        if let known = connectionIDs[key] {
            id = known
        } else {
            id = connections.count
            connections.append(Connection())
            connectionIDs[key] = id
        }
        lastConnection = (key, id)
        return id
    }
}

/// What the folding found, for the trace summary.
struct RecoveryFoldCounts: Equatable {
    var foldedEval = 0
    var foldedLoad = 0
    /// EVALSHAs released unfolded because their connection stayed silent past the window.
    var expired = 0
    /// EVAL / EVALSHA calls made inside MULTI … EXEC.
    var inTransaction = 0
}
