internal import CScriptsimEngine

/// The Lua a VM runs.
public enum LuaEngine: String, CaseIterable, Sendable {
    /// Stock Lua 5.4 (the design's engine; the what-if of a newer Lua, as
    /// Valkey's move of Lua into a module allows). A bare state: no library.
    case lua54 = "lua5.4"
    /// Debian's Lua 5.1.5, what Redis and Valkey embed, with the environment
    /// the modeled server builds (libraries, `redis` table, protections).
    case lua51 = "lua5.1"
}

/// One Lua state allocating from an `VMAllocator` through its own explicit
/// thread cache — Redis 7.4+'s `createLuaState`.
///
/// Scripts are compiled as Redis's `luaCreateFunction` does (text chunk named
/// `@user_script`, the function kept in the registry), but never run. On Lua
/// 5.4 no library is opened and the registry slot is an integer rather than
/// Redis's "f_<sha>" string, because 5.4 seeds its string hash per run (see
/// CScriptsimEngine.h). On Lua 5.1 the server's environment is built, its
/// functions stubs that are never called, and scripts are kept under
/// "f_<sha>" as Redis keeps them (5.1's hash has no seed).
///
/// Owns C resources: close it explicitly (`close()`); not `Sendable`, one
/// thread at a time (ownership may move to a background closer, see
/// `BackgroundCloser`, after which the replay never touches it again).
public final class LuaVM {
    public let allocator: VMAllocator
    public let engine: LuaEngine
    private var state: OpaquePointer?
    /// Lua 5.1: the registry key ("f_<sha>") or luaL_ref slot of each script.
    private var keys: [Int: (key: String?, ref: Int32)] = [:]
    /// Lua 5.1 on Valkey: scripts take luaL_ref slots rather than "f_<sha>" keys,
    /// and KEYS/ARGV are presized.
    private let usesRefs: Bool
    /// Lua 5.1: the server's lexer reads a nested `[[` as text (`ServerEnvironment.nestedLongBracketsAreText`).
    private let nestedLongBracketsAreText: Bool
    private let context: UnsafeMutablePointer<csim_alloc_ctx>
    private let threadCache: Int32
    private var message = [CChar](repeating: 0, count: 512)
    /// Lua 5.4: GC steps owed over a quiet stretch (`QuietGCCycles`).
    private var quietCycles = QuietGCCycles()
    /// What the VM was created with (a VM after SCRIPT FLUSH is created the same way).
    public let owesQuietGCSteps: Bool
    /// Owing applies to Lua 5.4 only (`QuietGCCycles` says why).
    private var owesQuietSteps: Bool { owesQuietGCSteps && engine == .lua54 }

    /// `owesQuietGCSteps`: false takes every GC step (tests compare the two).
    public init(allocator: VMAllocator, engine: LuaEngine = .lua54, server: ServerEnvironment = ServerRegistry.fallbackProfile.lua,
                owesQuietGCSteps: Bool = true) throws(EngineError) {
        self.allocator = allocator
        self.engine = engine
        self.owesQuietGCSteps = owesQuietGCSteps
        usesRefs = server.family == .valkey
        nestedLongBracketsAreText = server.nestedLongBracketsAreText
        if engine == .lua51 {
            var reason = [CChar](repeating: 0, count: 256)
            guard csim_lua51_bind(&reason, reason.count) == 0 else { throw .engineUnavailable(String(cString: reason)) }
        }
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
            live_bytes: 0, peak_bytes: 0, live_blocks: 0, changes: 0, shared: allocator.counter))
        let context = self.context
        guard let L = engine == .lua51 ? server.withCEnvironment({ csim_lua51_open(context, $0) }) : csim_lua_open(context) else {
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
        if engine == .lua51 { csim_lua51_close(L) } else { csim_lua_close(L) }
        state = nil
        keys = [:]
        if threadCache >= 0 { _ = csim_tcache_destroy(UInt32(threadCache)) }
        context.deallocate()
    }

    /// Usable bytes (jemalloc's size class of each block, `nallocx`) this VM holds: exact, from the allocator itself.
    public var liveBytes: Int { state == nil ? 0 : Int(context.pointee.live_bytes) }

    /// Highest `liveBytes` of this VM.
    public var peakBytes: Int { state == nil ? 0 : Int(context.pointee.peak_bytes) }

    /// Blocks this VM holds (each rounded up to its allocator's size class).
    public var liveBlocks: Int { state == nil ? 0 : Int(context.pointee.live_blocks) }

    /// Lua's own count (`LUA_GCCOUNT` KiB + `LUA_GCCOUNTB` bytes): requested sizes, not usable sizes.
    public var luaCountBytes: Int {
        guard let L = state else { return 0 }
        return Int(engine == .lua51 ? csim_lua51_gc_count_bytes(L) : csim_lua_gc_count_bytes(L))
    }

    /// Compiles `body` and keeps the function in registry slot `slot`.
    /// `sha` names the script in errors.
    public func compile(_ body: UnsafeBufferPointer<UInt8>, slot: Int, sha: @autoclosure () -> String) throws(EngineError) {
        guard let L = state else { preconditionFailure("compile on a closed LuaVM") }
        aboutToChange(L)
        let key: String? = engine == .lua51 && !usesRefs ? "f_" + sha() : nil
        var ref: Int32 = 0
        let rc = body.withMemoryRebound(to: CChar.self) { chars in
            message.withUnsafeMutableBufferPointer { msg in
                engine == .lua51
                    ? csim_lua51_compile(L, chars.baseAddress, chars.count, key, &ref, msg.baseAddress, msg.count,
                                         nestedLongBracketsAreText ? 1 : 0)
                    : csim_lua_compile(L, chars.baseAddress, chars.count, Int64(slot), msg.baseAddress, msg.count)
            }
        }
        if rc == 0 {
            if engine == .lua51 { keys[slot] = (key, ref) }
            return
        }
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
        aboutToChange(L)
        if engine == .lua51 {
            guard let entry = keys.removeValue(forKey: slot) else { return }
            _ = csim_lua51_drop(L, entry.key, entry.ref)
        } else {
            csim_lua_drop(L, Int64(slot))
        }
    }

    /// Whether a function is kept in `slot`.
    public func contains(slot: Int) -> Bool {
        guard let L = state else { return false }
        if engine == .lua51 { return keys[slot] != nil }
        aboutToChange(L)
        return csim_lua_has(L, Int64(slot)) != 0
    }

    /// The registry slot a script id uses (after Lua's own predefined slots).
    public static func slot(for script: ScriptID) -> Int { Int(script) + Int(CSIM_FIRST_SCRIPT_SLOT) }

    /// One incremental GC step of `kilobytes` of work (Redis: `lua_gc(lua, LUA_GCSTEP, 50)`).
    /// On Lua 5.4 a step may be owed instead (`QuietGCCycles`), with the same
    /// result; false then.
    @discardableResult
    public func gcStep(kilobytes: Int32 = 50) -> Bool {
        guard let L = state else { return true }
        if engine == .lua51 {
            _ = csim_lua51_gc_step(L, kilobytes)
            return true
        }
        if owesQuietSteps, quietCycles.owe(mark: context.pointee.changes, kilobytes: kilobytes) { return false }
        takeStep(L, kilobytes: kilobytes)
        return true
    }

    private func takeStep(_ L: OpaquePointer, kilobytes: Int32) {
        let ended = csim_lua_gc_step(L, kilobytes) != 0
        quietCycles.took(endedCycle: ended, mark: context.pointee.changes, kilobytes: kilobytes)
    }

    /// Takes the GC steps still owed, then forgets the quiet stretch: every
    /// call that can change the state (even a read that leaves a value above
    /// the stack's top) comes here first.
    private func aboutToChange(_ L: OpaquePointer) {
        guard owesQuietSteps else { return }
        let owed = quietCycles.settle()
        for _ in 0..<owed.steps { takeStep(L, kilobytes: owed.kilobytes) }
        quietCycles.changed()
    }

    /// Lua's own count as the servers' Lua would give it: on 5.1, plus 8 bytes
    /// for each reachable table (Redis's and Valkey's bundled Lua add a readonly
    /// flag to `Table`, 72 bytes instead of Debian's 64). Exact after a full
    /// collection, when every live table is reachable.
    public var serverLuaCountBytes: Int {
        guard let L = state else { return 0 }
        guard engine == .lua51 else { return luaCountBytes }
        return luaCountBytes + 8 * Int(csim_lua51_count_tables(L))
    }

    /// Lua 5.1: the KEYS and ARGV globals the server sets before a run, from
    /// the call's arguments (empty without them). The bare 5.4 VM has no globals.
    public func setCallArguments(_ arguments: CallArguments?) {
        guard let L = state, engine == .lua51 else { return }
        let a = arguments ?? CallArguments()
        a.bytes.withUnsafeBufferPointer { bytes in
            a.lengths.withUnsafeBufferPointer { lens in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    _ = csim_lua51_set_call_globals(L, chars.baseAddress, lens.baseAddress, Int32(a.keys),
                                                    Int32(a.lengths.count - a.keys), usesRefs ? 1 : 0)
                }
            }
        }
    }

    /// A full collection cycle.
    public func collectGarbage() {
        guard let L = state else { return }
        aboutToChange(L)
        if engine == .lua51 { csim_lua51_gc_collect(L) } else { csim_lua_gc_collect(L) }
    }

    /// Returns blocks parked in this VM's thread cache to the arena, so the
    /// arena's statistics equal the live byte counter.
    public func flushThreadCache() {
        if threadCache >= 0 { _ = csim_tcache_flush(UInt32(threadCache)) }
    }
}
