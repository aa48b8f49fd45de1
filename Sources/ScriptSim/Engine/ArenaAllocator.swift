internal import CScriptsimEngine

/// A dedicated jemalloc arena for Lua VMs, as Redis 7.4+ creates one
/// (`luaEnvInit`: `arenas.create`), so VM memory is isolated and counted exactly.
///
/// Each policy run owns one; the VMs it creates (a fresh one after every
/// SCRIPT FLUSH) allocate from it through their own explicit thread cache.
/// The arena is destroyed when the allocator is released, so test suites that
/// create thousands of VMs never exhaust jemalloc's arena indices.
///
/// Not thread-safe: one replay thread uses it at a time.
public final class ArenaAllocator {
    /// jemalloc's arena index.
    public let arenaIndex: UInt32
    /// Whether VMs get a private thread cache (Redis 7.4+) or none (MALLOCX_TCACHE_NONE).
    public let usesThreadCache: Bool
    /// Contexts of VMs still open, so the arena-wide figure is their sum.
    var openContexts: [UnsafeMutablePointer<csim_alloc_ctx>] = []
    /// Highest arena-wide live bytes seen (across VMs).
    private var peak: Int = 0

    public init(threadCache: Bool = true) throws(EngineError) {
        var arena: UInt32 = 0
        let rc = csim_arena_create(&arena)
        guard rc == 0 else { throw .allocatorUnavailable(operation: "arenas.create", errno: rc) }
        arenaIndex = arena
        usesThreadCache = threadCache
    }

    deinit {
        // Only an empty arena is destroyed; one still holding blocks of a VM that
        // was never closed is left alone rather than pulled from under it.
        if openContexts.isEmpty { _ = csim_arena_destroy(arenaIndex) }
    }

    /// Usable bytes held by every open VM on this arena, by `sallocx`.
    public var liveBytes: Int {
        openContexts.reduce(0) { $0 + Int($1.pointee.live_bytes) }
    }

    /// Highest `liveBytes` seen so far (updated as VMs report their own peaks).
    public var peakBytes: Int {
        max(peak, openContexts.reduce(0) { $0 + Int($1.pointee.peak_bytes) } )
    }

    func register(_ ctx: UnsafeMutablePointer<csim_alloc_ctx>) {
        openContexts.append(ctx)
    }

    func unregister(_ ctx: UnsafeMutablePointer<csim_alloc_ctx>) {
        peak = peakBytes
        openContexts.removeAll { $0 == ctx }
    }

    /// The arena's own statistics. Freed blocks parked in a thread cache still
    /// count as allocated there, so flush the VMs' caches first for a figure that
    /// equals `liveBytes`.
    public func statistics() -> ArenaStatistics {
        var s = csim_arena_stats()
        _ = csim_arena_read_stats(arenaIndex, &s)
        return ArenaStatistics(allocated: Int(s.small_allocated + s.large_allocated),
                               active: Int(s.pactive_bytes), dirty: Int(s.pdirty_bytes),
                               resident: Int(s.resident), mapped: Int(s.mapped))
    }

    /// Returns the arena's unused dirty pages to the system now.
    public func purge() { _ = csim_arena_purge(arenaIndex) }
}

/// The arena's view of itself, from `stats.arenas.<i>.*`.
public struct ArenaStatistics: Equatable, Sendable {
    /// small.allocated + large.allocated.
    public var allocated: Int
    /// Pages in active use (pactive × page size).
    public var active: Int
    /// Dirty pages not yet returned (pdirty × page size).
    public var dirty: Int
    public var resident: Int
    public var mapped: Int
}
