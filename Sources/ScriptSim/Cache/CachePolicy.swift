/// Dense identifier of a distinct script (by SHA1) within one replay.
public typealias ScriptID = UInt32

/// How a script first entered the cache. Redis fixes it at creation: a later
/// SCRIPT LOAD of an EVAL-created script does not change it.
public enum ScriptOrigin: UInt8, Sendable {
    /// Created by EVAL / EVAL_RO (or by a client's retry after NOSCRIPT).
    case eval = 1
    /// Created by SCRIPT LOAD.
    case load = 2
}

/// How Redis lays out one cached script in memory, for the script-bytes figure
/// (`used_memory_scripts_eval`), which depends on the server version the policy models.
public struct ScriptEntryLayout: Equatable, Sendable {
    /// `sizeof(luaScript)`: 24 in 7.4+ (flags, body, LRU node), 16 in 7.2.
    public var entryStructBytes: Int
    /// Whether an LRU list node (24 bytes) is counted for each EVAL-origin script.
    public var countsListNodes: Bool
    /// Whether the SHA→script dict shrinks on delete (7.4+).
    public var dictShrinksOnDelete: Bool

    /// Redis 7.4 and later.
    public static let redis74 = ScriptEntryLayout(entryStructBytes: 24, countsListNodes: true, dictShrinksOnDelete: true)
    /// Redis 7.0 / 7.2.
    public static let redis72 = ScriptEntryLayout(entryStructBytes: 16, countsListNodes: false, dictShrinksOnDelete: false)
}

/// An eviction policy for the script cache.
///
/// The replay owns the cache contents (which scripts are compiled in the VM)
/// and asks the policy only what Redis's script cache decides: which scripts to
/// evict when a new one is created, and how a hit changes recency. Like
/// Caffeine's simulator, a policy sees events in trace order, on one thread,
/// and checks its own invariants when the trace ends.
public protocol CachePolicy: AnyObject {
    /// The canonical spec with every parameter, e.g. `eval-lru:entries=500`.
    var spec: PolicySpec { get }

    /// Memory layout of an entry in the server this policy models.
    var entryLayout: ScriptEntryLayout { get }

    /// A new script compiled successfully. Append to `victims` the scripts to
    /// evict, in eviction order, before it is added (Redis evicts after the
    /// compile and before the insert, so a script never evicts itself).
    func created(_ script: ScriptID, origin: ScriptOrigin, victims: inout [ScriptID])

    /// An EVAL or EVALSHA of a cached script.
    func hit(_ script: ScriptID)

    /// SCRIPT LOAD of a script that is already cached.
    func loadedAgain(_ script: ScriptID)

    /// SCRIPT FLUSH: every script is gone.
    func removeAll()

    /// End of trace: returns what is wrong with the policy's own bookkeeping,
    /// given how many scripts of each origin the replay holds (empty when sound).
    func invariantViolations(cachedEval: Int, cachedLoad: Int) -> [String]
}
