internal import CScriptsimEngine

/// Which allocator a policy run's Lua VMs use.
public enum AllocatorKind: String, CaseIterable, Sendable {
    /// A dedicated jemalloc arena, a private thread cache per VM recreated at
    /// each flush: Redis 7.4+ (`createLuaState`).
    case arena
    /// The dedicated arena with `MALLOCX_TCACHE_NONE`, as first proposed for
    /// Redis (#13133's first draft, dropped for being slower).
    case arenaNoTcache = "arena-notcache"
    /// glibc's malloc, counted by usable size: Redis up to 7.2, and Valkey.
    case libc
}

/// Where a policy run's Lua VMs get their memory, and the exact count of what
/// they hold: a dedicated jemalloc arena as Redis 7.4+ creates one
/// (`luaEnvInit`: `arenas.create`), or glibc's malloc.
///
/// Every VM of the run (a fresh one after each SCRIPT FLUSH, and the old one
/// while a background thread closes it) adds to one atomic counter, so the
/// figures are exact even while two VMs overlap. The arena is destroyed when
/// the allocator is released, so test suites that create thousands of VMs
/// never exhaust jemalloc's arena indices.
///
/// `@unchecked Sendable`: the counter is atomic, and `statistics`/`purge` are
/// mallctl calls, which jemalloc serialises; the background closer uses only those.
public final class VMAllocator: @unchecked Sendable {
    public let kind: AllocatorKind
    /// jemalloc's arena index (nil for libc).
    public let arenaIndex: UInt32?
    let counter: OpaquePointer

    public init(kind: AllocatorKind = .arena) throws(EngineError) {
        self.kind = kind
        if kind == .libc {
            arenaIndex = nil
        } else {
            var arena: UInt32 = 0
            let rc = csim_arena_create(&arena)
            guard rc == 0 else { throw .allocatorUnavailable(operation: "arenas.create", errno: rc) }
            arenaIndex = arena
        }
        guard let c = csim_counter_create() else { throw .stateCreationFailed }
        counter = c
    }

    deinit {
        // Only an empty arena is destroyed; one still holding blocks of a VM that
        // was never closed is left alone rather than pulled from under it.
        if let arenaIndex, liveBytes == 0 { _ = csim_arena_destroy(arenaIndex) }
        csim_counter_destroy(counter)
    }

    var usesThreadCache: Bool { kind == .arena }

    /// Usable bytes held by every VM of this allocator right now.
    public var liveBytes: Int { Int(csim_counter_live(counter)) }

    /// Highest `liveBytes` so far.
    public var peakBytes: Int { Int(csim_counter_peak(counter)) }

    /// Starts the peak afresh from what the VMs hold now (the end of a warm-up).
    public func resetPeak() { csim_counter_reset_peak(counter) }

    /// The allocator's own view. For an arena, `allocated` counts blocks parked
    /// in thread caches too: flush the VMs' caches first for a figure that equals
    /// `liveBytes`. For libc the figures are glibc's (whole process) and RSS.
    public func statistics() -> AllocatorStatistics {
        guard let arenaIndex else {
            var inUse: UInt64 = 0, obtained: UInt64 = 0
            csim_glibc_heap(&inUse, &obtained)
            return AllocatorStatistics(allocated: Int(inUse), active: Int(obtained), resident: Int(csim_process_rss()))
        }
        var s = csim_arena_stats()
        _ = csim_arena_read_stats(arenaIndex, &s)
        return AllocatorStatistics(allocated: Int(s.small_allocated + s.large_allocated),
                                   active: Int(s.pactive_bytes), resident: Int(s.resident))
    }

    /// Returns unused pages to the system now: `arena.<i>.purge`, or
    /// `malloc_trim` for libc.
    public func purge() {
        if let arenaIndex { _ = csim_arena_purge(arenaIndex) } else { csim_glibc_trim() }
    }
}

/// An allocator's view of itself (`stats.arenas.<i>.*`, or glibc's mallinfo2 and RSS).
public struct AllocatorStatistics: Equatable, Sendable {
    /// small.allocated + large.allocated (libc: bytes in use).
    public var allocated: Int
    /// Pages in active use, pactive × page size (libc: bytes obtained from the system).
    public var active: Int
    /// Resident bytes (libc: the process's RSS).
    public var resident: Int

    /// active / allocated: how much of what the allocator holds is in use.
    public var fragmentation: Double { allocated == 0 ? 0 : Double(active) / Double(allocated) }
}
