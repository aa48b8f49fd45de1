internal import CScriptsimEngine

/// One Lua 5.4 state allocating from an `VMAllocator` through its own
/// explicit thread cache — Redis 7.4+'s `createLuaState`.
///
/// Scripts are compiled as Redis's `luaCreateFunction` does (text chunk named
/// `@user_script`, the function kept in the registry), but never run: no
/// library is opened, so nothing in a trace can reach the host. The registry
/// slot is an integer rather than Redis's "f_<sha>" string so that memory
/// figures are the same in every run (see CScriptsimEngine.h).
///
/// Owns C resources: close it explicitly (`close()`); not `Sendable`, one
/// thread at a time (ownership may move to a background closer, see
/// `BackgroundCloser`, after which the replay never touches it again).
public final class LuaVM {
    public let allocator: VMAllocator
    private var state: OpaquePointer?
    private let context: UnsafeMutablePointer<csim_alloc_ctx>
    private let threadCache: Int32
    private var message = [CChar](repeating: 0, count: 512)

    public init(allocator: VMAllocator) throws(EngineError) {
        self.allocator = allocator
        var tcache: UInt32 = 0
        if allocator.usesThreadCache {
            let rc = csim_tcache_create(&tcache)
            guard rc == 0 else { throw .allocatorUnavailable(operation: "tcache.create", errno: rc) }
            threadCache = Int32(tcache)
        } else {
            threadCache = -1
        }
        let arena = allocator.arenaIndex ?? 0
        context = .allocate(capacity: 1)
        context.initialize(to: csim_alloc_ctx(
            kind: Int32(allocator.kind == .libc ? CSIM_ALLOC_GLIBC : CSIM_ALLOC_JEMALLOC),
            arena: arena, flags: allocator.arenaIndex == nil ? 0 : csim_mallocx_flags(arena, threadCache),
            live_bytes: 0, peak_bytes: 0, live_blocks: 0, allocations: 0, failures: 0, shared: allocator.counter))
        guard let L = csim_lua_open(context) else {
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
        context.deallocate()
    }

    /// Usable bytes (by `sallocx`) this VM holds: exact, from the allocator itself.
    public var liveBytes: Int { state == nil ? 0 : Int(context.pointee.live_bytes) }

    /// Highest `liveBytes` of this VM.
    public var peakBytes: Int { state == nil ? 0 : Int(context.pointee.peak_bytes) }

    /// Blocks this VM holds (each rounded up to its allocator's size class).
    public var liveBlocks: Int { state == nil ? 0 : Int(context.pointee.live_blocks) }

    /// Lua's own count (`LUA_GCCOUNT` KiB + `LUA_GCCOUNTB` bytes): requested sizes, not usable sizes.
    public var luaCountBytes: Int {
        guard let L = state else { return 0 }
        return Int(csim_lua_gc_count_bytes(L))
    }

    /// Compiles `body` and keeps the function in registry slot `slot`.
    /// `sha` names the script in errors.
    public func compile(_ body: UnsafeBufferPointer<UInt8>, slot: Int, sha: @autoclosure () -> String) throws(EngineError) {
        guard let L = state else { preconditionFailure("compile on a closed LuaVM") }
        let rc = body.withMemoryRebound(to: CChar.self) { chars in
            message.withUnsafeMutableBufferPointer { msg in
                csim_lua_compile(L, chars.baseAddress, chars.count, Int64(slot), msg.baseAddress, msg.count)
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

    /// Drops the function kept in `slot`; its bytes return at a later GC step.
    public func drop(slot: Int) {
        guard let L = state else { return }
        _ = csim_lua_drop(L, Int64(slot))
    }

    /// Whether a function is kept in `slot`.
    public func contains(slot: Int) -> Bool {
        guard let L = state else { return false }
        return csim_lua_has(L, Int64(slot)) != 0
    }

    /// The registry slot a script id uses (after Lua's own predefined slots).
    public static func slot(for script: ScriptID) -> Int { Int(script) + Int(CSIM_FIRST_SCRIPT_SLOT) }

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
