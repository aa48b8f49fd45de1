/// Every figure one policy produced on one trace. Field names match the JSON
/// keys (snake_case there), which are a stable contract.
public struct PolicyResult: Equatable, Sendable {
    public var policy: String
    /// The server profile the run modeled, as configured (`redis-7.4`, `valkey-9.2:maxmemory-scripts=4mb`).
    public var server = ServerRegistry.policyOnlyServer
    /// The allocator the VMs used (`arena`, `arena-notcache`, `libc`).
    public var allocator = AllocatorKind.arena.rawValue
    public var evalHits = 0
    public var evalMisses = 0
    public var evalshaHits = 0
    /// NOSCRIPT replies the server sent (a load-evalsha recovery whose script
    /// was not kept meets a second one).
    public var noscript = 0
    /// EVALSHA calls the server answered with NOSCRIPT (the first reply of a call).
    public var evalshaMisses = 0
    /// EVALs a client sends after NOSCRIPT, with the body it knows (recoveries by EVAL).
    public var retries = 0
    /// SCRIPT LOAD + EVALSHA a client sends after NOSCRIPT (recoveries by SCRIPT LOAD).
    public var recoveriesScriptLoad = 0
    /// NOSCRIPT replies that reached the application: client model `none`, inside
    /// MULTI … EXEC, a body the client does not hold, or a recovery that met NOSCRIPT again.
    public var appErrors = 0
    /// EVAL_RO / EVALSHA_RO runs the server refused (a shebang script without
    /// `no-writes`): no recency refresh, no GC tick.
    public var readOnlyRefusals = 0
    /// The Lua the VMs ran (`lua5.4`, `lua5.1`).
    public var engine = LuaEngine.lua54.rawValue
    /// The client model of this run, as named (`redis-py (load-evalsha)`).
    public var client = ClientModel.evalFallback.rawValue
    /// SCRIPT LOAD commands the server received: the trace's and the client's recoveries.
    public var scriptLoads = 0
    public var flushes = 0
    /// Evictions a server's memory limit made (Valkey 9.2's `maxmemory-scripts`), counted in `evictions` too.
    public var memoryEvictions = 0
    /// Flushes whose old VM was closed on the replay thread / handed to the background closer.
    public var flushesSync = 0
    public var flushesAsync = 0
    /// Time each flush held the replay thread (close or handoff, and the fresh VM).
    public var flushPauseP50Seconds = 0.0
    public var flushPauseP99Seconds = 0.0
    public var flushPauseMaxSeconds = 0.0
    /// Time the background closer spent closing old VMs, in all and at most once.
    public var backgroundCloseSeconds = 0.0
    public var backgroundCloseMaxSeconds = 0.0
    /// The allocator's own figures (arena stats, or glibc and RSS for libc), sampled
    /// at every flush, timeline sample and the end; peaks are over those samples.
    public var allocatorAllocated = 0
    public var allocatorAllocatedPeak = 0
    public var allocatorActive = 0
    public var allocatorActivePeak = 0
    public var allocatorResident = 0
    public var allocatorResidentPeak = 0
    /// active / allocated at the end.
    public var allocatorFragmentation = 0.0
    /// Events replayed per second of this policy's own replay time.
    public var eventsPerSecond = 0.0
    /// GC steps a Lua 5.4 VM owed rather than took over quiet stretches
    /// (`QuietGCCycles`): same figures, less work. Not reported; tests check
    /// that a comparison of owing and taking every step owed something.
    var gcStepsOwed = 0
    /// Successful compiles (misses, retries and SCRIPT LOADs of new bodies).
    public var compiles = 0
    /// Bodies that did not compile (or carried an invalid shebang): not cached.
    public var compileErrors = 0
    public var evictions = 0
    /// Script bytes (key and body, as Redis's `used_memory_scripts_eval` counts
    /// them) of the evicted scripts. Their VM bytes come back later, through the GC.
    public var evictedBytes = 0
    /// EVAL scripts compiled and run but not kept by the admission filter.
    public var admissionRejects = 0
    /// Scripts compiled and run but not kept because they alone exceed the byte budget.
    public var oversizeRejects = 0
    /// SCRIPT LOADs that pinned a cached EVAL script (promote-on-load).
    public var promotions = 0
    /// Compiles of scripts this policy had evicted earlier (since the last flush).
    public var recompiles = 0
    public var recompileSeconds = 0.0
    public var cachedScripts = 0
    public var cachedScriptsPeak = 0
    /// Usable bytes the VM holds at the end of the trace (exact allocator counter).
    public var vmBytes = 0
    public var vmBytesPeak = 0
    /// VM bytes after a full garbage collection at the end.
    public var vmBytesRetained = 0
    /// Lua's own count at the end (`LUA_GCCOUNT`/`GCCOUNTB`): requested, not usable, bytes.
    public var luaGCCountBytes = 0
    /// Lua's own count after a final full collection: what the VM really
    /// holds, the figure a server's INFO gives after `collectgarbage('collect')`.
    public var luaGCCountRetainedBytes = 0
    /// Redis's `used_memory_scripts_eval` at the end.
    public var scriptBytes = 0
    public var scriptBytesPeak = 0
    public var compileSeconds = 0.0
    /// A few scripts that failed to compile, with Lua's message (first ones in trace order).
    public var compileErrorExamples: [CompileErrorExample] = []
    /// SHA1 of every distinct script that failed to compile, in order of first failure
    /// (at most `PolicyReplay.maxFailedSHAs`), so `verify` can name where two Lua versions part.
    public var compileErrorSHAs: [String] = []

    public init(policy: String) { self.policy = policy }

    /// EVAL and EVALSHA requests (recoveries are not requests).
    public var requests: Int { evalHits + evalMisses + evalshaHits + evalshaMisses }

    /// (EVAL hits + EVALSHA hits) / requests; 0 when there were none.
    public var hitRate: Double {
        requests == 0 ? 0 : Double(evalHits + evalshaHits) / Double(requests)
    }
}

public struct CompileErrorExample: Equatable, Sendable {
    public var sha: String
    public var message: String
}

/// An internal inconsistency found at the end of a run (a bug, never the trace's fault).
public struct ReplayInvariantError: Error, CustomStringConvertible, Sendable {
    public var policy: String
    public var problems: [String]
    public var description: String { "internal error: policy \(policy): " + problems.joined(separator: "; ") }
}
