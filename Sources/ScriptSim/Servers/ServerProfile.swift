/// When an EVAL or EVALSHA of a cached EVAL script moves it to the LRU list's tail.
public enum LRURefreshOrder: String, Sendable {
    /// After the script ran (Redis 7.4.0–7.4.5 and 8.0.0–8.0.3, Valkey):
    /// `evalGenericCommand` moves it once `luaCallFunction` returns.
    case afterRun = "after the run"
    /// Before the script runs, once `scriptPrepareForRun` accepted it
    /// (redis/redis #14330: 7.4.6, 8.0.4, 8.2.2). No trace tells the two apart:
    /// nothing can change the script cache while a script runs (docs/servers.md).
    case beforeRun = "before the run"
}

/// How a profile's facts are known.
public enum ServerCheck: Equatable, Sendable {
    /// `verify` compares it with this real server in CI (the README's test command).
    case checkedInCI(server: String)
    /// Read from the server's source; no server of the version runs here.
    case modeledFromSource

    public var description: String {
        switch self {
        case .checkedInCI(let server): return "checked against a real server in CI (\(server))"
        case .modeledFromSource: return "modeled from the source, not checked"
        }
    }
}

/// Where one fact of a profile was read: a file of the server's source at a version.
public struct SourceReference: Equatable, Sendable {
    public var fact: String
    public var file: String
    public var version: String

    public init(_ fact: String, _ file: String, _ version: String) {
        self.fact = fact
        self.file = file
        self.version = version
    }
}

/// The INFO fields `verify` reads on this server.
public struct ServerInfoFields: Equatable, Sendable {
    /// Lua's own count of the eval VM: `used_memory_vm_eval`, or `vmEvalFallback` on a
    /// server that does not show it.
    public var vmEval: String
    /// The older name of the same figure (`used_memory_lua`, deprecated since 7.0).
    public var vmEvalFallback = "used_memory_lua"
    /// The script dict's bytes, `used_memory_scripts_eval`.
    public var scriptsEval: String
    /// Scripts the EVAL LRU evicted (`evicted_scripts`, 7.4+ and Valkey 8+), nil before.
    public var evictedScripts: String?

    public init(vmEval: String = "used_memory_vm_eval", scriptsEval: String = "used_memory_scripts_eval",
                evictedScripts: String? = "evicted_scripts") {
        self.vmEval = vmEval
        self.scriptsEval = scriptsEval
        self.evictedScripts = evictedScripts
    }
}

/// One server version (or a run of versions that behave alike): every fact
/// the simulator has about it, in one place. A run is a profile and an
/// eviction rule (`RunConfiguration`); the rule defaults to the profile's own.
///
/// To add a server: make a `ServerProfile` and `register` it with a
/// `ServerRegistry` (docs/servers.md shows one).
public struct ServerProfile: Sendable {
    /// How `--server` names it: `redis-7.4`, `valkey-9.2`.
    public var name: String
    /// "redis" or "valkey", as INFO's `server_name` says (Redis before 7.2 says nothing).
    public var product: String
    /// The releases it stands for, first and last ("7.4.0" and "7.4.5"); a
    /// last part of 99 means "every later patch release".
    public var firstVersion: String
    public var lastVersion: String
    /// The release whose source was read (and whose version fields the Lua environment shows).
    public var sourceVersion: String
    public var summary: String
    /// The server's own eviction rule, as a policy spec; `parameters` may change it.
    public var defaultPolicy: @Sendable (ServerArguments) -> String
    /// Most EVAL scripts the server keeps (`LRU_LIST_LENGTH`, 500), nil when it never evicts.
    public var evalScriptLimit: Int?
    /// When a hit refreshes its script, for servers with an EVAL LRU.
    public var lruRefresh: LRURefreshOrder?
    /// How a cached script is laid out (the script-bytes figure).
    public var layout: ScriptEntryLayout
    /// The Lua environment a Lua 5.1 run builds.
    public var lua: ServerEnvironment
    /// Which shebang rules it applies.
    public var shebang: Shebang.Dialect
    /// Whether it ticks the GC after each script it creates and each compile
    /// failure (`luaGC` in `luaCreateFunction`, Redis 7.4+, #13407), not only
    /// when a script runs.
    public var gcTicksOnCreate: Bool
    /// Every `gcPeriod`th tick runs one incremental step of `gcStepKilobytes` (`luaGC`).
    public var gcPeriod: Int
    public var gcStepKilobytes: Int
    /// At or below this many scripts a flush is synchronous even when asked
    /// for ASYNC (`LAZYFREE_THRESHOLD`, src/lazyfree.c).
    public var lazyfreeThreshold: Int
    /// Whether SCRIPT FLUSH ASYNC frees the old VM in the background; Redis 7.0
    /// and 7.2 close it on the main thread and free only the dict in the background.
    public var asyncFlushClosesVMInBackground: Bool
    /// Which allocator its Lua VM really uses: Redis 7.4+'s dedicated jemalloc
    /// arena, or libc's `realloc` (Redis up to 7.2, Valkey).
    public var vmAllocator: AllocatorKind
    /// The script commands it has.
    public var commands: [String]
    public var infoFields: ServerInfoFields
    /// How `used_memory_functions` counts its libraries and functions (issue #23).
    public var functionsMemory: FunctionsMemoryLayout
    /// `redis.conf` settings that change the script cache: `--server NAME:key=value`.
    public var parameters: [PolicyRegistry.Parameter]
    /// Where each fact was read.
    public var sources: [SourceReference]
    public var check: ServerCheck

    public init(name: String, product: String, firstVersion: String, lastVersion: String, sourceVersion: String, summary: String,
                defaultPolicy: @escaping @Sendable (ServerArguments) -> String, evalScriptLimit: Int?,
                lruRefresh: LRURefreshOrder?, layout: ScriptEntryLayout, lua: ServerEnvironment,
                shebang: Shebang.Dialect, gcTicksOnCreate: Bool, gcPeriod: Int = 50, gcStepKilobytes: Int = 50,
                lazyfreeThreshold: Int = 64, asyncFlushClosesVMInBackground: Bool, vmAllocator: AllocatorKind,
                commands: [String], infoFields: ServerInfoFields = ServerInfoFields(),
                functionsMemory: FunctionsMemoryLayout,
                parameters: [PolicyRegistry.Parameter], sources: [SourceReference], check: ServerCheck) {
        self.name = name
        self.product = product
        self.firstVersion = firstVersion
        self.lastVersion = lastVersion
        self.sourceVersion = sourceVersion
        self.summary = summary
        self.defaultPolicy = defaultPolicy
        self.evalScriptLimit = evalScriptLimit
        self.lruRefresh = lruRefresh
        self.layout = layout
        self.lua = lua
        self.shebang = shebang
        self.gcTicksOnCreate = gcTicksOnCreate
        self.gcPeriod = gcPeriod
        self.gcStepKilobytes = gcStepKilobytes
        self.lazyfreeThreshold = lazyfreeThreshold
        self.asyncFlushClosesVMInBackground = asyncFlushClosesVMInBackground
        self.vmAllocator = vmAllocator
        self.commands = commands
        self.infoFields = infoFields
        self.functionsMemory = functionsMemory
        self.parameters = parameters
        self.sources = sources
        self.check = check
    }

    /// "7.4.0–7.4.5", "8.2.2 and later 8.2".
    public var versions: String {
        guard lastVersion.hasSuffix(".99") else { return firstVersion == lastVersion ? firstVersion : "\(firstVersion)–\(lastVersion)" }
        return "\(firstVersion) and later \(lastVersion.dropLast(3))"
    }

    /// The same server built with another allocator (a `malloc=libc` build, as INFO's `mem_allocator` says).
    public func sized(by allocator: ScriptAllocator?) -> ServerProfile {
        guard let allocator else { return self }
        var profile = self
        profile.layout = layout.sized(by: allocator)
        return profile
    }

    /// The `lazyfree-lazy-user-flush` parameter every profile takes, with the server's default.
    static func lazyUserFlush(default value: Bool) -> PolicyRegistry.Parameter {
        .init(key: "lazyfree-lazy-user-flush", kind: .flag, defaultValue: value ? "yes" : "no",
              help: "what a SCRIPT FLUSH (and FLUSHALL) without ASYNC or SYNC does: yes frees in the background")
    }
}

/// A profile's parameter values after parsing.
public struct ServerArguments: Sendable {
    var values = PolicyRegistry.Arguments()
    public func bytes(_ key: String) -> Int? { values.bytes(key) }
    public func flag(_ key: String) -> Bool { values.flag(key) }
}
