/// Dense identifier of a distinct script (by SHA1) within one replay.
public typealias ScriptID = UInt32

/// How a script first entered the cache. Redis fixes it at creation: a later
/// SCRIPT LOAD of an EVAL-created script does not change it (Valkey 8.0's
/// promotion, `promote-on-load=yes`, does).
public enum ScriptOrigin: UInt8, Sendable {
    /// Created by EVAL / EVAL_RO (or by a client's retry after NOSCRIPT).
    case eval = 1
    /// Created by SCRIPT LOAD, or promoted to it.
    case load = 2
}

/// Whose allocator sizes the server's script entries (`zmalloc_size`).
public enum ScriptAllocator: Sendable {
    /// The bundled jemalloc 5.3.0 of Redis and Valkey, both configured
    /// `--with-lg-quantum=3` (their `deps/Makefile`): 8-byte classes (8, 16,
    /// 24, 32, 40, 48, …). Redis and Valkey built from source (the default `make`).
    case bundledJemalloc
    /// The system jemalloc (16-byte quantum: 8, 16, 32, 48, …, 128, 160, …), as
    /// Debian's redis-server links it (`malloc=jemalloc-5.3.0`).
    case systemJemalloc
    /// glibc's malloc_usable_size, as a `malloc=libc` build (Valkey's PyPI wheel) reports it.
    /// Not exact there: which chunk glibc hands out depends on its heap's history.
    case glibc

    /// What a server's INFO `mem_allocator` says about its sizes, where that is
    /// enough to tell: `libc` is glibc; a jemalloc build leaves the layout's own
    /// (INFO says `jemalloc-5.3.0` for a bundled and a system jemalloc alike).
    public init?(memAllocator: String) {
        guard memAllocator.hasPrefix("libc") else { return nil }
        self = .glibc
    }
}

/// How a server version lays out one cached script in memory: what its
/// script-bytes figure (`used_memory_scripts_eval`) counts. Each server
/// profile (`ServerProfile.layout`) holds its own.
public struct ScriptEntryLayout: Equatable, Sendable {
    /// `sizeof(luaScript)`: 24 in Redis 7.4+ (flags, body, LRU node), 16 in 7.2;
    /// Valkey's `evalScript` is 40.
    public var entryStructBytes: Int
    /// Whether an LRU list node (24 bytes) is counted for each EVAL-origin script.
    public var countsListNodes: Bool
    /// Whether the SHA→script dict shrinks on delete (7.4+).
    public var dictShrinksOnDelete: Bool
    /// Valkey 9's string objects (bodies embedded up to 116 bytes) and sds
    /// (`sdsAllocSize`), rather than Redis's.
    public var valkeyStrings: Bool
    /// Whose size classes the script-bytes figure uses.
    public var allocator: ScriptAllocator

    public init(entryStructBytes: Int, countsListNodes: Bool, dictShrinksOnDelete: Bool,
                valkeyStrings: Bool = false, allocator: ScriptAllocator = .bundledJemalloc) {
        self.entryStructBytes = entryStructBytes
        self.countsListNodes = countsListNodes
        self.dictShrinksOnDelete = dictShrinksOnDelete
        self.valkeyStrings = valkeyStrings
        self.allocator = allocator
    }

    /// The same server built with another allocator.
    public func sized(by allocator: ScriptAllocator) -> ScriptEntryLayout {
        var layout = self
        layout.allocator = allocator
        return layout
    }
}

/// An eviction policy for the script cache: the eviction rule alone. What
/// else a server does (layout, GC, Lua environment) is its `ServerProfile`'s.
///
/// The replay owns the cache contents (which scripts are compiled in the VM)
/// and asks the policy only what a server's script cache decides: which
/// scripts to evict when a new one is created, whether to keep the new one,
/// and how a hit or a repeated SCRIPT LOAD changes its standing. Like
/// Caffeine's simulator, a policy sees events in trace order, on one thread,
/// and checks its own invariants when the trace ends. Admission filters
/// (`AdmissionFilter`) are separate and combine with any evicting policy.
///
/// To add a policy: conform to this protocol, then `register` a
/// `PolicyRegistry.Entry` for it (docs/policies.md shows both).
public protocol CachePolicy: AnyObject {
    /// Whether `created` needs each script's measured cost (byte budgets).
    /// Measuring costs one extra compile per distinct script, so only
    /// policies that use it ask (default: false, and `cost` is 0).
    var needsScriptCost: Bool { get }

    /// A new script compiled (and ran). Append to `victims` the cached scripts
    /// to evict, in eviction order, and return whether to keep the new one.
    /// `cost` is the bytes it holds: VM bytes measured for its compiled
    /// function plus its key and body as Redis stores them.
    func created(_ script: ScriptID, origin: ScriptOrigin, cost: Int, victims: inout [ScriptID]) -> Bool

    /// An EVAL or EVALSHA of a cached script.
    func hit(_ script: ScriptID)

    /// SCRIPT LOAD of a script that is already cached. Return true to pin it
    /// from now on (its origin becomes `.load`), as Valkey 8.0 does.
    func loadedAgain(_ script: ScriptID) -> Bool

    /// SCRIPT FLUSH: every script is gone.
    func removeAll()

    /// Whether `evictForMemory` can name victims: a server's memory limit on
    /// EVAL scripts (Valkey 9.2's `maxmemory-scripts`) needs a policy with an order.
    var evictsForMemory: Bool { get }

    /// The EVAL script to evict next for a server's memory limit (least
    /// recently used first), taken out of the policy's bookkeeping; nil when none is left.
    func evictForMemory() -> ScriptID?

    /// End of trace: what is wrong with the policy's own bookkeeping, given how
    /// many scripts of each origin the replay holds (empty when sound).
    func invariantViolations(cachedEval: Int, cachedLoad: Int) -> [String]
}

public extension CachePolicy {
    var needsScriptCost: Bool { false }
    func loadedAgain(_ script: ScriptID) -> Bool { false }
    var evictsForMemory: Bool { false }
    func evictForMemory() -> ScriptID? { nil }
    func invariantViolations(cachedEval: Int, cachedLoad: Int) -> [String] { [] }
}
