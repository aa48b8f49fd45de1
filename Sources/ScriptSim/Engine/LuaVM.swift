internal import CScriptsimEngine

/// One Lua 5.4 state allocating from an `ArenaAllocator` through its own
/// explicit thread cache — Redis 7.4+'s `createLuaState`.
///
/// Scripts are compiled exactly as Redis's `luaCreateFunction` does (text
/// chunk named `@user_script`, the function kept in the registry under
/// `f_<sha>`), but never run: no library is opened, so nothing in a trace can
/// reach the host.
///
/// Owns C resources: close it explicitly (`close()`); not `Sendable`, one
/// thread at a time.
public final class LuaVM {
    public let allocator: ArenaAllocator
    private var state: OpaquePointer?
    private let context: UnsafeMutablePointer<csim_alloc_ctx>
    private let threadCache: Int32
    private var message = [CChar](repeating: 0, count: 512)

    public init(allocator: ArenaAllocator) throws(EngineError) {
        self.allocator = allocator
        var tcache: UInt32 = 0
        if allocator.usesThreadCache {
            let rc = csim_tcache_create(&tcache)
            guard rc == 0 else { throw .allocatorUnavailable(operation: "tcache.create", errno: rc) }
            threadCache = Int32(tcache)
        } else {
            threadCache = -1
        }
        context = .allocate(capacity: 1)
        context.initialize(to: csim_alloc_ctx(arena: allocator.arenaIndex,
                                              flags: csim_mallocx_flags(allocator.arenaIndex, threadCache),
                                              live_bytes: 0, peak_bytes: 0, allocations: 0, failures: 0))
        allocator.register(context)
        guard let L = csim_lua_open(context) else {
            allocator.unregister(context)
            context.deallocate()
            if threadCache >= 0 { _ = csim_tcache_destroy(UInt32(threadCache)) }
            throw .stateCreationFailed
        }
        state = L
    }

    deinit { close() }

    public var isClosed: Bool { state == nil }

    /// Closes the state, destroys its thread cache and leaves its blocks with the arena.
    public func close() {
        guard let L = state else { return }
        csim_lua_close(L)
        state = nil
        if threadCache >= 0 { _ = csim_tcache_destroy(UInt32(threadCache)) }
        allocator.unregister(context)
        context.deallocate()
    }

    /// Usable bytes (by `sallocx`) this VM holds: exact, from the allocator itself.
    public var liveBytes: Int { state == nil ? 0 : Int(context.pointee.live_bytes) }

    /// Highest `liveBytes` of this VM.
    public var peakBytes: Int { state == nil ? 0 : Int(context.pointee.peak_bytes) }

    /// Lua's own count (`LUA_GCCOUNT` KiB + `LUA_GCCOUNTB` bytes): requested sizes, not usable sizes.
    public var luaCountBytes: Int {
        guard let L = state else { return 0 }
        return Int(csim_lua_gc_count_bytes(L))
    }

    /// Compiles `body` and keeps the function under `key` ("f_<sha>", NUL-terminated).
    public func compile(_ body: UnsafeBufferPointer<UInt8>, key: UnsafePointer<CChar>, sha: @autoclosure () -> String) throws(EngineError) {
        guard let L = state else { preconditionFailure("compile on a closed LuaVM") }
        let rc = body.withMemoryRebound(to: CChar.self) { chars in
            message.withUnsafeMutableBufferPointer { msg in
                csim_lua_compile(L, chars.baseAddress, chars.count, key, msg.baseAddress, msg.count)
            }
        }
        guard rc != 0 else { return }
        let text = String(cString: message)
        switch Int32(rc) {
        case Int32(CSIM_ERR_SYNTAX): throw .compileFailed(sha: sha(), message: text)
        case Int32(CSIM_ERR_MEMORY): throw .outOfMemory(sha: sha(), message: text)
        default: throw .luaFailure(sha: sha(), message: text)
        }
    }

    /// Drops the function kept under `key`; its bytes return at a later GC step.
    public func drop(key: UnsafePointer<CChar>) {
        guard let L = state else { return }
        _ = csim_lua_drop(L, key)
    }

    /// Whether a function is kept under `key`.
    public func contains(key: UnsafePointer<CChar>) -> Bool {
        guard let L = state else { return false }
        return csim_lua_has(L, key) != 0
    }

    /// One incremental GC step of `kilobytes` of work (Redis: `lua_gc(lua, LUA_GCSTEP, 50)`).
    public func gcStep(kilobytes: Int32 = 50) {
        guard let L = state else { return }
        csim_lua_gc_step(L, kilobytes)
    }

    /// A full collection cycle.
    public func collectGarbage() {
        guard let L = state else { return }
        csim_lua_gc_collect(L)
    }

    /// Returns blocks parked in this VM's thread cache to the arena, so the
    /// arena's statistics equal the live byte counter.
    public func flushThreadCache() {
        if threadCache >= 0 { _ = csim_tcache_flush(UInt32(threadCache)) }
    }
}
