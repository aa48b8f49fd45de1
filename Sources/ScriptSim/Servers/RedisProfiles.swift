/// Redis's profiles, oldest first. Each differs from the one before it only
/// where its source does; docs/servers.md gives the lines.
enum RedisProfiles {
    static let all = [redis70, redis72, redis74, redis746, redis80, redis804, redis82]

    static let scriptCommands = ["EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "SCRIPT LOAD", "SCRIPT EXISTS",
                                 "SCRIPT FLUSH [ASYNC|SYNC]", "SCRIPT KILL", "FUNCTION", "FCALL", "FCALL_RO"]

    /// Redis 7.0.15 as Debian 12 builds it: no eviction, a 16-byte `luaScript`,
    /// the system jemalloc, and Debian's backport of the October 2025 Lua fixes.
    static let redis70 = ServerProfile(
        name: "redis-7.0", product: "redis", firstVersion: "7.0.0", lastVersion: "7.0.99", sourceVersion: "7.0.15",
        summary: "Every script that compiled stays until SCRIPT FLUSH; as Debian builds 7.0.15 (system jemalloc, "
            + "its CVE-2025-46818 backport).",
        defaultPolicy: { _ in "unbounded" }, evalScriptLimit: nil, lruRefresh: nil,
        layout: ScriptEntryLayout(entryStructBytes: 16, countsListNodes: false, dictShrinksOnDelete: false, allocator: .systemJemalloc),
        lua: ServerEnvironment(family: .redis, insecureAPI: false, osLibrary: false, basicTypeProtection: true, redisVersion: "7.0.15",
                               nestedLongBracketsAreText: true),
        // Lua's lua_open() allocates with realloc, which Debian's system jemalloc
        // (linked as the process's malloc) serves: jemalloc's classes, not glibc's.
        shebang: .redis, gcTicksOnCreate: false, asyncFlushClosesVMInBackground: false, vmAllocator: .arena,
        commands: scriptCommands, infoFields: ServerInfoFields(evictedScripts: nil),
        // 56 (engines dict) + 32 (functionsLibCtx) + 112 (the Lua engine, 16-byte classes); a flush adds nothing.
        functionsMemory: FunctionsMemoryLayout(emptyBytes: 200, allocator: .systemJemalloc),
        parameters: [ServerProfile.lazyUserFlush(default: false)],
        sources: [
            SourceReference("no eviction; luaScript {flags, body}", "src/eval.c (luaCreateFunction, struct luaScript)", "7.0.15"),
            SourceReference("GC step every 50 runs, only when a script runs", "src/script_lua.c (luaCallFunction)", "7.0.15"),
            SourceReference("Lua state from lua_open(): realloc, the process's malloc", "src/eval.c:184 (scriptingInit)", "7.0.15"),
            SourceReference("ASYNC flush frees the dict in the background, lua_close on the main thread",
                            "src/eval.c:269-277 (scriptingRelease), src/lazyfree.c:197 (freeLuaScriptsAsync)", "7.0.15"),
            SourceReference("getfenv/setfenv/newproxy dropped, basic types protected",
                            "debian/patches (CVE-2025-46818), src/script_lua.c", "7.0.15-1~deb12u*"),
            SourceReference("system jemalloc's 16-byte quantum, the process's malloc",
                            "Debian's redis-server links libjemalloc.so.2 (ldd), measured sizes", "7.0.15"),
        ],
        check: .checkedInCI(server: "Debian's redis-server 7.0.15"))

    /// Redis 7.2 built from its source: 7.0's rules and layout, sized by the bundled jemalloc.
    static let redis72: ServerProfile = {
        var p = redis70
        p.name = "redis-7.2"
        p.firstVersion = "7.2.0"
        p.lastVersion = "7.2.10"
        p.sourceVersion = "7.2.4"
        p.summary = "Every script that compiled stays until SCRIPT FLUSH; built from source (bundled jemalloc)."
        // Built from source, the bundled jemalloc is prefixed (je_): Lua's realloc is glibc's.
        p.vmAllocator = .libc
        p.layout.allocator = .bundledJemalloc
        // Not measured: 7.0's structures sized by the bundled jemalloc (the engine's 104, as 7.4.1 shows).
        p.functionsMemory = FunctionsMemoryLayout(emptyBytes: 192, allocator: .bundledJemalloc)
        p.lua = ServerEnvironment(family: .redis, insecureAPI: true, osLibrary: false, basicTypeProtection: false, redisVersion: "7.2.4")
        p.sources = [
            SourceReference("no eviction; luaScript {flags, body}", "src/eval.c (luaCreateFunction)", "7.2.4"),
            SourceReference("GC step every 50 runs, only when a script runs", "src/script_lua.c (luaCallFunction)", "7.2.4"),
            SourceReference("getfenv/setfenv/newproxy allowed", "src/script_lua.c:66-98 (lua_builtins_*allow_list)", "7.2.4"),
            SourceReference("no os library", "src/script_lua.c:1240-1243 (luaLoadLibraries, #if 0)", "7.2.4"),
            SourceReference("bundled jemalloc, --with-lg-quantum=3, prefix je_ (Lua's realloc is glibc's)",
                            "deps/Makefile:115", "7.2.4"),
        ]
        p.check = .modeledFromSource
        return p
    }()

    /// Redis 7.4: the EVAL LRU of 500, a 24-byte `luaScript` with its list node,
    /// GC ticks on create, the os library, the Lua VM on a jemalloc arena of its own.
    static let redis74: ServerProfile = {
        var p = redis72
        p.name = "redis-7.4"
        p.firstVersion = "7.4.0"
        p.lastVersion = "7.4.5"
        p.sourceVersion = "7.4.1"
        p.summary = "EVAL scripts in an LRU list of 500, refreshed after the run; SCRIPT LOAD scripts kept."
        // LRU_LIST_LENGTH: the EVAL LRU's length, hard-coded in src/eval.c.
        let lruListLength = 500
        p.defaultPolicy = { _ in "eval-lru:entries=\(lruListLength)" }
        p.evalScriptLimit = lruListLength
        p.lruRefresh = .afterRun
        p.layout = ScriptEntryLayout(entryStructBytes: 24, countsListNodes: true, dictShrinksOnDelete: true)
        p.lua = ServerEnvironment(family: .redis, insecureAPI: true, osLibrary: true, basicTypeProtection: false, redisVersion: "7.4.1")
        p.gcTicksOnCreate = true
        p.asyncFlushClosesVMInBackground = true
        p.vmAllocator = .arena
        p.infoFields = ServerInfoFields()
        // Every FUNCTION FLUSH registers the engine's 104 bytes again, never subtracted (measured on 7.4.1 and 8.0.2).
        p.functionsMemory = FunctionsMemoryLayout(emptyBytes: 192, bytesAddedPerFlush: 104, allocator: .bundledJemalloc)
        p.sources = [
            SourceReference("LRU_LIST_LENGTH 500, EVAL scripts only; evict before adding", "src/eval.c:526-532 (luaScriptsLRUAdd)", "7.4.1"),
            SourceReference("hit moves to the tail after luaCallFunction", "src/eval.c (evalGenericCommand)", "7.4.1"),
            SourceReference("luaScript {flags, body, node}; dict shrinks on delete", "src/eval.c, src/dict.c", "7.4.1"),
            SourceReference("luaGC after each create and compile failure (#13407)", "src/eval.c (luaCreateFunction)", "7.4.1"),
            SourceReference("os library (os.clock)", "src/script_lua.c:1224 (luaLoadLibraries)", "7.4.1"),
            SourceReference("dedicated jemalloc arena and tcache per VM", "src/script.c:60-96 (createLuaState, luaEnvInit)", "7.4.1"),
            SourceReference("ASYNC flush hands the whole VM to the background",
                            "src/eval.c:276 (scriptingRelease), src/lazyfree.c:243 (freeLuaScriptsAsync)", "7.4.1"),
        ]
        return p
    }()

    /// The October 2025 releases (#14330 and the Lua CVE fixes): the LRU move before the run.
    private static func withFixes(_ base: ServerProfile, name: String, first: String, last: String, source: String) -> ServerProfile {
        var p = base
        p.name = name
        p.firstVersion = first
        p.lastVersion = last
        p.sourceVersion = source
        p.summary = "As \(base.name), with the LRU refreshed before the run (#14330) and the Lua fixes of CVE-2025-46818."
        p.lruRefresh = .beforeRun
        p.lua.insecureAPI = false
        p.lua.basicTypeProtection = true
        p.lua.nestedLongBracketsAreText = true
        p.lua.redisVersion = source
        p.sources = base.sources.filter { !$0.fact.hasPrefix("hit moves") } + [
            SourceReference("hit moves to the tail after scriptPrepareForRun, before the run (#14330)",
                            "src/eval.c (evalGenericCommand)", source),
            SourceReference("getfenv/setfenv/newproxy dropped, basic types protected (CVE-2025-46818; read in 8.2.2, "
                                + "released together on every branch)", "src/script_lua.c", "8.2.2"),
        ]
        p.check = .modeledFromSource
        return p
    }

    static let redis746 = withFixes(redis74, name: "redis-7.4.6", first: "7.4.6", last: "7.4.99", source: "7.4.6")

    /// Redis 8.0.0–8.0.3: 7.4's script cache and Lua, to the line (deps/lua and src/eval.c unchanged).
    static let redis80: ServerProfile = {
        var p = redis74
        p.name = "redis-8.0"
        p.firstVersion = "8.0.0"
        p.lastVersion = "8.0.3"
        p.sourceVersion = "8.0.2"
        p.summary = "Redis 7.4's script cache: EVAL LRU of 500, refreshed after the run; SCRIPT LOAD scripts kept."
        p.lua.redisVersion = "8.0.2"
        p.sources = p.sources.map { SourceReference($0.fact, $0.file, "8.0.2") }
        p.check = .checkedInCI(server: "Redis 8.0.2 built from its upstream source")
        return p
    }()

    static let redis804 = withFixes(redis80, name: "redis-8.0.4", first: "8.0.4", last: "8.0.99", source: "8.0.4")
    static let redis82 = withFixes(redis80, name: "redis-8.2", first: "8.2.2", last: "8.2.99", source: "8.2.2")
}
