/// A failure of the Lua engine or its allocator, with Lua's own message and,
/// where one script is concerned, that script's SHA1.
public enum EngineError: Error, Equatable, CustomStringConvertible, Sendable {
    /// jemalloc refused an arena or thread cache (`mallctl` errno).
    case allocatorUnavailable(operation: String, errno: Int32)
    /// `lua_newstate` returned NULL.
    case stateCreationFailed
    /// The Lua 5.1 library cannot be loaded (liblua5.1-0-dev missing).
    case engineUnavailable(String)
    /// The body does not compile; Redis replies "Error compiling script" and caches nothing.
    case compileFailed(sha: String, message: String)
    /// The shebang line is invalid; Redis rejects the script before compiling.
    case invalidShebang(sha: String, message: String)
    /// The allocator ran out of memory inside Lua.
    case outOfMemory(sha: String, message: String)
    /// Any other Lua status (should not happen while compiling).
    case luaFailure(sha: String, message: String)

    public var description: String {
        switch self {
        case .allocatorUnavailable(let op, let e): return "jemalloc \(op) failed (errno \(e))"
        case .stateCreationFailed: return "cannot create a Lua state: the allocator refused memory"
        case .engineUnavailable(let m): return "the lua5.1 engine is unavailable: \(m)"
        case .compileFailed(let sha, let m): return "script \(sha): Error compiling script: \(m)"
        case .invalidShebang(let sha, let m): return "script \(sha): \(m)"
        case .outOfMemory(let sha, let m): return "script \(sha): out of memory: \(m)"
        case .luaFailure(let sha, let m): return "script \(sha): \(m)"
        }
    }

    /// True for errors that are the script's fault (counted as compile errors, the run goes on).
    public var isScriptError: Bool {
        switch self {
        case .compileFailed, .invalidShebang: return true
        default: return false
        }
    }
}
