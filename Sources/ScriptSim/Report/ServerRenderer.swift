/// `scriptsim servers`: every profile, its facts, where each was read and how
/// it is checked, as text (table), Markdown or JSON (csv is refused by the command).
public struct ServerRenderer: Sendable {
    public var format: ReportFormat

    public init(format: ReportFormat) { self.format = format }

    public func render(_ registry: ServerRegistry) -> String {
        switch format {
        case .json: return json(registry).rendered() + "\n"
        case .markdown: return markdown(registry)
        case .table, .csv: return table(registry)
        }
    }

    /// The facts of a profile as (label, value) pairs, in the same order in every format.
    static func facts(_ p: ServerProfile) -> [(key: String, label: String, value: String)] {
        let layout = p.layout
        let allocator: String
        switch layout.allocator {
        case .bundledJemalloc: allocator = "bundled jemalloc (8-byte classes)"
        case .systemJemalloc: allocator = "system jemalloc (16-byte quantum)"
        case .glibc: allocator = "glibc"
        }
        let env = p.lua
        var lua = "\(env.family.rawValue) family, REDIS_VERSION \(env.redisVersion)"
        if let v = env.valkeyVersion { lua += ", VALKEY_VERSION \(v)" }
        lua += env.osLibrary ? ", os library" : ", no os library"
        lua += env.insecureAPI ? ", getfenv/setfenv/newproxy allowed" : ", getfenv/setfenv/newproxy blocked"
        lua += env.basicTypeProtection ? ", basic-type metatables protected" : ""
        return [
            ("default_policy", "eviction", p.defaultPolicy(ServerArguments())
                + (p.evalScriptLimit.map { " (at most \($0) EVAL scripts)" } ?? " (never evicts)")),
            ("lru_refresh", "LRU refresh", p.lruRefresh?.rawValue ?? "-"),
            ("layout", "script entry", "\(layout.entryStructBytes)-byte struct"
                + (layout.countsListNodes ? ", 24-byte list node per EVAL script" : "")
                + (layout.dictShrinksOnDelete ? ", dict shrinks on delete" : "")
                + (layout.valkeyStrings ? ", Valkey's strings" : ", Redis's strings") + "; sized by \(allocator)"),
            ("lua", "Lua environment", lua),
            ("shebang", "shebang", p.shebang == .valkey ? "engine name in any case (Valkey)" : "exactly #!lua (Redis)"),
            ("gc", "GC", "a \(p.gcStepKilobytes) KiB step every \(p.gcPeriod) ticks; ticks on "
                + (p.gcTicksOnCreate ? "each run, create and compile failure" : "each run only")),
            ("lazy_free", "flush", "ASYNC in the background above \(p.lazyfreeThreshold) scripts"
                + (p.asyncFlushClosesVMInBackground ? "" : " (the dict only: the VM is closed on the main thread)")),
            ("vm_allocator", "Lua allocator", p.vmAllocator == .arena ? "a dedicated jemalloc arena (arena)" : "libc malloc (libc)"),
            ("info_fields", "INFO read", [p.infoFields.vmEval, p.infoFields.scriptsEval, p.infoFields.evictedScripts]
                .compactMap { $0 }.joined(separator: ", ")),
            ("functions_memory", "used_memory_functions", "\(p.functionsMemory.emptyBytes) B empty"
                + (p.functionsMemory.bytesAddedPerFlush.map { ", +\($0) B at every FUNCTION FLUSH" } ?? "")
                + (p.functionsMemory.valkeyEntries ? ", Valkey's entries" : ", Redis's entries")),
            ("commands", "commands", p.commands.joined(separator: ", ")),
        ]
    }

    func table(_ registry: ServerRegistry) -> String {
        func line(_ text: String, _ indent: String) -> String { Prose.wrap(text, width: 80, indent: indent) + "\n" }
        var out = ""
        for p in registry.profiles {
            out += "\(p.name)  (\(p.product) \(p.versions); source read: \(p.sourceVersion))\n"
            out += line("    \(p.summary)", "      ")
            out += line("    \(p.check.description)", "      ")
            for f in Self.facts(p) { out += line("    \(f.label): \(f.value)", "      ") }
            for q in p.parameters {
                out += line("    \(p.name):\(q.key)=\(q.defaultValue ?? "\(q.valueHint) (optional)")", "      ")
                    + line("        \(q.help)", "          ")
            }
            out += "    sources:\n"
            for s in p.sources { out += line("      \(s.fact): \(s.file), \(s.version)", "        ") }
            out += "\n"
        }
        out += line("Server grammar: NAME[:key=value[,key=value]]. --server runs a server with its own eviction rule; "
            + "--policy puts another rule in its place. With neither: \(ServerRegistry.defaultServers.joined(separator: ", ")); "
            + "with --policy alone: \(ServerRegistry.policyOnlyServer).", "  ")
        return out
    }

    func markdown(_ registry: ServerRegistry) -> String {
        var out = "| server | versions | source read | checked | eviction |\n|---|---|---|---|---|\n"
        for p in registry.profiles {
            out += "| `\(p.name)` | \(p.product) \(p.versions) | \(p.sourceVersion) | \(p.check.description) | "
                + "`\(p.defaultPolicy(ServerArguments()))` |\n"
        }
        for p in registry.profiles {
            out += "\n### `\(p.name)`\n\n\(p.summary)\n\n"
            for f in Self.facts(p) { out += "- \(f.label): \(f.value)\n" }
            for q in p.parameters { out += "- parameter `\(q.key)=\(q.defaultValue ?? q.valueHint)`: \(q.help)\n" }
            out += "\nSources:\n\n"
            for s in p.sources { out += "- \(s.fact): `\(s.file)`, \(s.version)\n" }
        }
        return out
    }

    func json(_ registry: ServerRegistry) -> JSONValue {
        .object([("servers", .array(registry.profiles.map { p in
            var members: [(String, JSONValue)] = [
                ("name", .string(p.name)), ("product", .string(p.product)),
                ("first_version", .string(p.firstVersion)), ("last_version", .string(p.lastVersion)),
                ("versions", .string(p.versions)), ("source_version", .string(p.sourceVersion)),
                ("summary", .string(p.summary)), ("checked", .string(p.check.description)),
                ("checked_in_ci", .bool(p.check != .modeledFromSource)),
                ("eval_script_limit", p.evalScriptLimit.map { .int($0) } ?? .null),
            ]
            members += Self.facts(p).map { ($0.key, .string($0.value)) }
            members.append(("parameters", .array(p.parameters.map { q in
                .object([("key", .string(q.key)), ("default", q.defaultValue.map { .string($0) } ?? .null), ("help", .string(q.help))])
            })))
            members.append(("sources", .array(p.sources.map { s in
                .object([("fact", .string(s.fact)), ("file", .string(s.file)), ("version", .string(s.version))])
            })))
            return .object(members)
        }))])
    }
}
