/// What one trace line asks of the script cache.
///
/// Bodies and SHAs are not copied here: they stay in the reader's buffer and
/// are handed to the consumer for the duration of one callback.
public enum TraceCommandKind: UInt8, CaseIterable, Sendable {
    case eval
    case evalReadOnly
    case evalsha
    case evalshaReadOnly
    case scriptLoad
    case scriptFlush
    case scriptExists
    /// Redis Functions (7.0+): read and counted; the functions VM they address is
    /// not modeled yet, so the reader hands them on as other commands (issue #23).
    case functionLoad
    case fcall
    case fcallReadOnly
    case functionDelete
    case functionFlush
    /// FUNCTION RESTORE: a binary dump of libraries.
    case functionRestore
    /// FUNCTION DUMP, LIST, STATS, KILL, HELP: nothing in the cache changes.
    case functionOther

    /// A Functions command, which no EVAL figure includes.
    public var isFunction: Bool { rawValue >= TraceCommandKind.functionLoad.rawValue }

    /// The name as a user types it, also the summary's key.
    public var displayName: String {
        switch self {
        case .eval: return "EVAL"
        case .evalReadOnly: return "EVAL_RO"
        case .evalsha: return "EVALSHA"
        case .evalshaReadOnly: return "EVALSHA_RO"
        case .scriptLoad: return "SCRIPT LOAD"
        case .scriptFlush: return "SCRIPT FLUSH"
        case .scriptExists: return "SCRIPT EXISTS"
        case .functionLoad: return "FUNCTION LOAD"
        case .fcall: return "FCALL"
        case .fcallReadOnly: return "FCALL_RO"
        case .functionDelete: return "FUNCTION DELETE"
        case .functionFlush: return "FUNCTION FLUSH"
        case .functionRestore: return "FUNCTION RESTORE"
        case .functionOther: return "FUNCTION (other)"
        }
    }

    /// snake_case key for machine-readable output.
    public var key: String {
        switch self {
        case .eval: return "eval"
        case .evalReadOnly: return "eval_ro"
        case .evalsha: return "evalsha"
        case .evalshaReadOnly: return "evalsha_ro"
        case .scriptLoad: return "script_load"
        case .scriptFlush: return "script_flush"
        case .scriptExists: return "script_exists"
        case .functionLoad: return "function_load"
        case .fcall: return "fcall"
        case .fcallReadOnly: return "fcall_ro"
        case .functionDelete: return "function_delete"
        case .functionFlush: return "function_flush"
        case .functionRestore: return "function_restore"
        case .functionOther: return "function_other"
        }
    }
}

/// How `SCRIPT FLUSH` was asked to free the old VM.
public enum FlushMode: UInt8, Sendable {
    /// No argument: the server's `lazyfree-lazy-user-flush` decides.
    case unspecified
    case sync
    case async
}

/// One script command, borrowed from the reader's buffers.
public struct TraceCommand {
    public var kind: TraceCommandKind
    /// EVAL / SCRIPT LOAD: the script body; EVALSHA: the 40 hex digits as sent;
    /// FUNCTION LOAD: the library's code; FCALL: the function's name; FUNCTION DELETE: the library's.
    public var payload: UnsafeBufferPointer<UInt8>
    public var flushMode: FlushMode
    /// SCRIPT EXISTS: how many SHAs were asked about. FUNCTION LOAD: 1 with REPLACE.
    public var existsCount: Int
    /// Trace timestamp in seconds when the line carried one.
    public var timestamp: Double?
    /// The client MONITOR printed (`127.0.0.1:52000`, `unix:/tmp/s.sock`); empty on
    /// typed lines. Valid during the callback only.
    public var connection: UnsafeBufferPointer<UInt8>
    /// Every argument of the command as traced (name first), for sending it
    /// to a real server. Valid during the callback only.
    var arguments: TraceArguments
    /// The payload's hash, when a parsing thread worked it out ahead of the
    /// reading thread (a parallel read); `.none` on a serial read.
    var digest: PayloadDigest = .none

    /// How many arguments the command has, its name included.
    public var argumentCount: Int { arguments.count }

    /// Argument `i` (0 is the command name) as traced, unescaped. Valid during the callback only.
    public func argument(_ i: Int) -> UnsafeBufferPointer<UInt8> { arguments[i] }
}

/// What a parsing thread works out about a payload so the reading thread (the
/// one that interns scripts, in trace order) need not: a body's fast hash
/// (`BodyHash`), or the SHA1 an EVALSHA names (nil when not 40 hex digits).
enum PayloadDigest {
    case none
    case body(UInt64)
    case sha(SHA1Key?)

    /// The digest of `payload` for a command of `kind`.
    init(_ kind: TraceCommandKind, _ payload: UnsafeBufferPointer<UInt8>) {
        switch kind {
        case .eval, .evalReadOnly, .scriptLoad: self = .body(BodyHash.hash(payload))
        case .evalsha, .evalshaReadOnly: self = .sha(SHA1Key(hex: payload))
        case .scriptFlush, .scriptExists: self = .none
        case .functionLoad, .fcall, .fcallReadOnly, .functionDelete, .functionFlush, .functionRestore, .functionOther: self = .none
        }
    }
}

/// A borrowed view of one line's arguments: plain pointers into the reader's
/// buffers (the splitter's for a line read serially, a parsed piece's for one
/// parsed in parallel), so making a command retains nothing.
struct TraceArguments {
    let bytes: UnsafePointer<UInt8>
    let list: UnsafePointer<ArgumentSplitter.Argument>
    let count: Int
    subscript(i: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes + list[i].range.lowerBound, count: list[i].range.count)
    }
    /// 1-based byte column of argument `i` in its line.
    func column(_ i: Int) -> Int { list[i].column }
}

/// A command that is not a script command but still tells the client model
/// something: a transaction starts or ends, or the connection moved on (so an
/// EVALSHA it sent before was not followed by a recovery).
public struct ConnectionCommand {
    public enum Kind: Sendable {
        case multi
        case exec
        case discard
        /// `CLIENT SETINFO LIB-NAME name` (Redis 7.2+, Valkey): which library the
        /// connection belongs to; the name is in `argument`.
        case libraryName
        /// Any other command (GET, SET, SCRIPT EXISTS is a script command).
        case other
    }
    public var kind: Kind
    /// As in `TraceCommand.connection`. Valid during the callback only.
    public var connection: UnsafeBufferPointer<UInt8>
    public var timestamp: Double?
    /// `libraryName`: the name as sent. Valid during the callback only.
    public var argument = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
}
