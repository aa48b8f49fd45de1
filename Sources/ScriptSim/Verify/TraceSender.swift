/// Sends a trace to a real server as the modeled client would: the
/// application's calls (recorded recoveries folded, as the replay folds them),
/// pipelined, and after a NOSCRIPT the client's own recovery at once — EVAL of
/// the body, or SCRIPT LOAD then EVALSHA again — when it holds the body and
/// is not inside MULTI … EXEC. Counts what the server answered.
struct TraceSender {
    struct Session {
        var commands = 0
        var noscript = 0
        var retries = 0
        var recoveriesScriptLoad = 0
        var appErrors = 0
        var compileErrors = 0
        var runtimeErrors = 0
        var runtimeErrorExamples: [String] = []
        var failedSHAs: [String] = []
        var failedSet = Set<String>()

        mutating func failed(_ sha: String) {
            compileErrors += 1
            if failedSet.insert(sha).inserted { failedSHAs.append(sha) }
        }

        mutating func runtimeError(_ message: String) {
            runtimeErrors += 1
            if runtimeErrorExamples.count < 3 { runtimeErrorExamples.append(message) }
        }
    }

    /// What travels through the folder with each call.
    enum Item {
        /// A script command as traced: its arguments and the SHA1 its reply is judged by.
        case command(arguments: [[UInt8]], kind: TraceCommandKind, sha: String)
        case exec
        case discard
    }

    /// A sent command whose reply is still to be read.
    enum Pending {
        case command(kind: TraceCommandKind, sha: String, inTransaction: Bool)
        case multi
        case exec
        case discard
    }

    let connection: RESPConnection
    let client: ClientModel
    let window: Int
    private(set) var session = Session()
    private var pending: [Pending] = []
    /// Commands queued inside the open MULTI, judged when EXEC's reply comes.
    private var queued: [Pending] = []
    private var multiSent = false

    init(connection: RESPConnection, client: ClientModel, window: Int) {
        self.connection = connection
        self.client = client
        self.window = window
    }

    /// Reads the trace and sends it; `catalog` holds the bodies the client knows.
    mutating func send(reader: TraceReader, catalog: ScriptCatalog, fold: Bool) throws {
        var folder = RecoveryFolder<Item>(fold: fold)
        try reader.forEachCommand({ command in
            let event = Replayer.event(for: command, catalog: catalog)
            var arguments: [[UInt8]] = []
            for i in 0..<command.argumentCount { arguments.append(Array(command.argument(i))) }
            let sha: String
            switch command.kind {
            case .eval, .evalReadOnly, .scriptLoad, .evalsha, .evalshaReadOnly: sha = catalog.shaHex(event.script)
            case .scriptFlush, .scriptExists: sha = ""
            // The reader hands Functions commands on as other commands (not modeled yet).
            case .functionLoad, .fcall, .fcallReadOnly, .functionDelete, .functionFlush, .functionRestore, .functionOther: sha = ""
            }
            try folder.add(event, connection: command.connection,
                           extra: .command(arguments: arguments, kind: command.kind, sha: sha)) { try self.emit($0, catalog) }
        }, other: { command in
            switch command.kind {
            case .exec: try folder.add(command, passing: .exec) { try self.emit($0, catalog) }
            case .discard: try folder.add(command, passing: .discard) { try self.emit($0, catalog) }
            case .multi, .libraryName, .other: try folder.add(command) { try self.emit($0, catalog) }
            }
        })
        try folder.finish { try self.emit($0, catalog) }
        try drain()
    }

    private mutating func emit(_ call: RecoveryFolder<Item>.Call, _ catalog: ScriptCatalog) throws {
        switch call.extra {
        case .exec, .discard:
            // MULTI is sent with the transaction's first script command; one without any is not sent.
            guard multiSent else { return }
            let isExec: Bool
            if case .exec = call.extra { isExec = true } else { isExec = false }
            queue([Array((isExec ? "EXEC" : "DISCARD").utf8)], isExec ? .exec : .discard)
            multiSent = false
        case .command(let arguments, let kind, let sha):
            let e = call.event
            if e.inTransaction, !multiSent {
                queue([Array("MULTI".utf8)], .multi)
                multiSent = true
            }
            let recovery = e.operation == .evalsha && e.bodyKnown ? client.recovery(for: e) : .none
            guard recovery != .none else {
                queue(arguments, .command(kind: kind, sha: sha, inTransaction: e.inTransaction))
                if pending.count >= window { try drain() }
                return
            }
            // A client recovers at once: read up to this EVALSHA before sending anything else.
            let reply = try sendNow(arguments)
            guard case .error(let m) = reply, m.hasPrefix("NOSCRIPT") else {
                classify(reply, kind: kind, sha: sha)
                return
            }
            session.noscript += 1
            let body = catalog.withBody(e.script) { Array($0) }
            if recovery == .eval {
                session.retries += 1
                queue([Array("EVAL".utf8), body] + arguments.dropFirst(2), .command(kind: .eval, sha: sha, inTransaction: false))
                try drain()
            } else {
                session.recoveriesScriptLoad += 1
                let load = try sendNow([Array("SCRIPT".utf8), Array("LOAD".utf8), body])
                if case .error = load {
                    classify(load, kind: .scriptLoad, sha: sha)
                    return
                }
                let again = try sendNow(arguments)
                if case .error(let m) = again, m.hasPrefix("NOSCRIPT") {
                    session.noscript += 1
                    session.appErrors += 1
                } else {
                    classify(again, kind: kind, sha: sha)
                }
            }
        }
    }

    private mutating func queue(_ arguments: [[UInt8]], _ p: Pending) {
        connection.queue(arguments)
        session.commands += 1
        pending.append(p)
    }

    /// Sends one command on its own and reads its reply (nothing else outstanding).
    private mutating func sendNow(_ arguments: [[UInt8]]) throws -> RESPValue {
        try drain()
        connection.queue(arguments)
        session.commands += 1
        return try connection.flushAndRead()
    }

    private mutating func drain() throws {
        guard !pending.isEmpty else { return }
        try connection.flush()
        for p in pending {
            let reply = try connection.readReply()
            switch p {
            case .multi:
                break
            case .command(let kind, let sha, let inTransaction):
                if inTransaction, reply == .simple("QUEUED") {
                    queued.append(p)
                } else {
                    classify(reply, kind: kind, sha: sha, inTransaction: inTransaction)
                }
            case .exec:
                if case .array(let replies?) = reply {
                    for (q, r) in zip(queued, replies) {
                        if case .command(let kind, let sha, _) = q { classify(r, kind: kind, sha: sha, inTransaction: true) }
                    }
                }
                queued.removeAll()
            case .discard:
                queued.removeAll()
            }
        }
        pending.removeAll(keepingCapacity: true)
    }

    private mutating func classify(_ reply: RESPValue, kind: TraceCommandKind, sha: String, inTransaction: Bool = false) {
        guard case .error(let message) = reply else { return }
        if message.hasPrefix("NOSCRIPT") {
            session.noscript += 1
            // Not recovered here: in a transaction, without the body, or under `none`.
            if kind == .evalsha || kind == .evalshaReadOnly { session.appErrors += 1 }
        } else if Self.isCompileError(message) {
            session.failed(sha)
        } else {
            session.runtimeError(message)
        }
    }

    /// Errors a server gives for a script it refuses to create: compile errors and
    /// shebang errors (Valkey 9 names an unknown engine "Could not find scripting engine").
    static func isCompileError(_ message: String) -> Bool {
        message.contains("Error compiling script") || message.contains("shebang")
            || message.contains("Could not find scripting engine")
    }
}
