import ArgumentParser
import Foundation
import ScriptSim

extension ReportFormat: ExpressibleByArgument {}
/// `--allocator`: a kind, or `server` for each server's own (`ServerProfile.vmAllocator`).
enum AllocatorChoice: ExpressibleByArgument, Equatable {
    case kind(AllocatorKind)
    case server

    init?(argument: String) {
        if argument == "server" { self = .server } else if let kind = AllocatorKind(rawValue: argument) { self = .kind(kind) } else { return nil }
    }

    static var allValueStrings: [String] { AllocatorKind.allCases.map(\.rawValue) + ["server"] }

    /// The replay's list: empty means each server's own.
    static func resolved(_ choices: [AllocatorChoice]) -> [AllocatorKind] {
        if choices.isEmpty { return [.arena] }
        if choices.contains(.server) {
            if choices.count > 1 { fail("--allocator server picks each server's own allocator; it takes no other --allocator", code: 64) }
            return []
        }
        return choices.compactMap { if case .kind(let k) = $0 { k } else { nil } }
    }
}
extension LuaEngine: ExpressibleByArgument {}
extension FlushOptions.Mode: ExpressibleByArgument {}
extension FlushOptions.AfterFlush: ExpressibleByArgument {}

enum YesNo: String, ExpressibleByArgument, CaseIterable {
    case yes, no
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay traces under each policy and print hit-rate and memory tables.",
        discussion: """
            Each trace is read once; every run replays it on its own Lua VM, in parallel. A run \
            is a server (--server: its script layout, GC cadence, Lua environment, shebang \
            rules, flush behaviour and the allocator its Lua really uses) and an eviction rule \
            (the server's own, or --policy in its place). With neither, redis-7.2, redis-7.4 \
            and valkey-9.1 run side by side; --policy alone runs on redis-7.4; both run every \
            policy on every server. 'scriptsim servers' and 'scriptsim policies' list them.

            Hit rate = (EVAL hits + EVALSHA hits) / (EVAL + EVALSHA requests). What follows a \
            NOSCRIPT reply is the client's choice: --client eval-fallback sends EVAL of the body \
            (ioredis, go-redis, node-redis, Spring Data Redis), load-evalsha sends SCRIPT LOAD \
            then EVALSHA (redis-py; on Redis 7.4+ and Valkey the load pins the script), none \
            lets the error reach the application. The client can recover only with a body it \
            holds: one the trace showed earlier, or one given with --scripts. Inside MULTI … \
            EXEC nobody can recover. The default, auto, reads each MONITOR connection's \
            recorded recoveries (folded into the calls they recovered, so a capture made on \
            one server answers for another) and uses eval-fallback elsewhere. Recoveries are \
            counted apart; app errors are the NOSCRIPT replies the application saw. \
            docs/clients.md has each library's source and the exact folding rule.

            Memory: 'VM' figures are the usable bytes the Lua VM holds, counted by the \
            allocator (peak, at the end, and after a final full GC); 'Lua count' and 'Lua \
            after GC' are Lua's own count, what a server's INFO shows as \
            used_memory_vm_eval; 'script bytes' models the server's \
            used_memory_scripts_eval. --engine lua5.1 builds the VM as the modeled server \
            builds its own, so its Lua after GC predicts the server's within 2% \
            (docs/fidelity.md); lua5.4, the default, compares policies on a newer Lua.
            """
    )

    @Argument(help: ArgumentHelp("Trace files to replay ('-' reads standard input).", valueName: "trace"))
    var traces: [String]

    @Option(name: .customLong("server"), help: ArgumentHelp(
        "A server to model, NAME[:key=value,...] (e.g. valkey-9.2:maxmemory-scripts=4mb); repeat to compare several.",
        valueName: "server"))
    var servers: [String] = []

    @Option(name: .customLong("policy"), help: ArgumentHelp(
        "An eviction rule in place of each server's own, NAME[:key=value,...]; repeat to compare several.", valueName: "spec"))
    var policies: [String] = []

    @Option(help: "Output format: table, markdown, csv or json.")
    var format: ReportFormat = .table

    @Flag(help: "With --format table: every figure, in three tables (wider than a terminal), instead of the 100-column summary.")
    var wide = false

    @OptionGroup(title: "Client model")
    var client: ClientOptions

    @OptionGroup(title: "Warm-up")
    var warmup: WarmupOptions

    @Flag(name: .customLong("skip-invalid"), help: "Skip malformed lines (each reported on stderr, counted in the report) instead of stopping.")
    var skipInvalid = false

    @Option(name: .customLong("max-body-bytes"), help: ArgumentHelp(
        "Longest trace line accepted, e.g. 512MiB (Redis's proto-max-bulk-len).", valueName: "size"))
    var maxBodyBytes: String = "512MiB"

    @OptionGroup(title: "Reading")
    var reading: ReadingOptions

    @Option(name: .customLong("flush-mode"), help: ArgumentHelp(
        "as-traced, sync or async: how every SCRIPT FLUSH frees the old VM (what-if).", valueName: "mode"))
    var flushMode: FlushOptions.Mode = .asTraced

    @Option(name: .customLong("lazyfree-lazy-user-flush"), help: .hidden)
    var lazyfreeLazyUserFlush: String?

    @Option(name: .customLong("engine"), help: ArgumentHelp(
        "lua5.4 (default: the design's engine, the what-if of a newer Lua) or lua5.1 (what Redis and Valkey embed, "
            + "with the modeled server's Lua environment); repeat to compare.", valueName: "engine"))
    var engines: [LuaEngine] = []

    @Option(name: .customLong("allocator"), help: ArgumentHelp(
        "arena, arena-notcache or libc; repeat to compare (default arena: exact, the same run to run); server: each "
            + "server's own, as 'scriptsim servers' lists (the arena for Redis 7.4+, libc for Redis 7.2 and Valkey).",
        valueName: "kind"))
    var allocators: [AllocatorChoice] = []

    @Option(name: .customLong("arena-after-flush"), help: ArgumentHelp(
        "keep or purge: return freed pages to the system after each flush (default keep, like Redis).", valueName: "keep|purge"))
    var arenaAfterFlush: FlushOptions.AfterFlush = .keep

    @Option(help: ArgumentHelp("Write memory over time to this CSV file (columns in the README).", valueName: "file.csv"))
    var timeline: String?

    @Option(help: ArgumentHelp("With --timeline: also draw VM bytes, hit rate and NOSCRIPT replies over the trace per policy as SVG.",
                               valueName: "file.svg"))
    var plot: String?

    @Option(name: .customLong("sample-every"), help: ArgumentHelp(
        "Events between timeline samples (default: about 1,000 rows).", valueName: "n"))
    var sampleEvery: Int?

    @Option(name: .customLong("interval-seconds"), help: ArgumentHelp(
        "Timeline rows by MONITOR time instead of events: a row at the last event of every S seconds of trace "
            + "that had events.", valueName: "s"))
    var intervalSeconds: Double?

    @Flag(name: .customLong("progress"), inversion: .prefixedNo,
          help: "Show progress on stderr (default: only when stderr is a terminal).")
    var progress: Bool?

    func run() throws {
        refuseMistypedSubcommand(traces)
        refuseRepeatedStreams(traces)
        let registry = PolicyRegistry.builtIn
        let maxLine = parseMaxBodyBytes(maxBodyBytes)
        if let sampleEvery, sampleEvery < 1 { fail("--sample-every must be at least 1", code: 64) }
        if sampleEvery != nil, timeline == nil { fail("--sample-every needs --timeline FILE", code: 64) }
        if let intervalSeconds {
            guard intervalSeconds.isFinite, intervalSeconds > 0 else { fail("--interval-seconds must be a number of seconds above 0", code: 64) }
            if timeline == nil { fail("--interval-seconds needs --timeline FILE", code: 64) }
            if sampleEvery != nil { fail("--interval-seconds and --sample-every are exclusive: sample by time or by events", code: 64) }
        }
        if lazyfreeLazyUserFlush != nil { refuseServerSetting("lazyfree-lazy-user-flush") }
        let warmup = warmup.resolved()
        if timeline != nil, traces.count > 1 { fail("--timeline takes one trace at a time", code: 64) }
        if plot != nil, timeline == nil { fail("--plot needs --timeline FILE.csv (the plot draws its samples)", code: 64) }
        refuseOverlappingOutputs([("--timeline", timeline), ("--plot", plot)], inputs: traces + client.scriptInputs)
        let clients = client.resolved(single: false)
        let options = ReplayOptions(
            reader: TraceReaderOptions(skipInvalid: skipInvalid, maxLineBytes: maxLine, parseThreads: reading.resolvedThreads()),
            flush: FlushOptions(mode: flushMode, afterFlush: arenaAfterFlush),
            allocators: AllocatorChoice.resolved(allocators),
            timeline: timeline.map { TimelineOptions(path: $0, sampleEvery: sampleEvery, intervalSeconds: intervalSeconds,
                                                   keepRows: plot != nil) },
            clients: clients.clients, recordedRecoveries: clients.recorded, scripts: clients.scripts,
            engines: engines.isEmpty ? [.lua54] : engines, warmup: warmup)
        let replayer: Replayer
        do {
            replayer = try Replayer(policies: policies, servers: servers, registry: registry, options: options)
        } catch {
            fail(error.description, code: 64)
        }
        replayer.onInvalidLine = invalidLineReporter()
        let meter = ProgressMeter(enabled: progress ?? Stderr.isTerminal)
        replayer.onProgress = { meter.update($0) }

        let reports = readEach(traces, meter: meter, replayer.replay(path:)) { report in
            warnAboutTrace(report.summary, path: report.path)
            warnAboutWarmup(report.summary, path: report.path, warmup: warmup)
        }
        // The timeline, the plot and the report appear together or not at all.
        PendingFiles.add(replayer.pendingOutputs)
        if let plot, let report = reports.first { PendingFiles.write(plot, SweepRenderer.timelinePlot(report), what: "plot") }
        let text = ReportRenderer(format: format, wide: wide).render(reports)
        PendingFiles.prepareAll()
        guard Stdout.write(text) else {
            fail("scriptsim: cannot write the report: \(Stdout.lastError)", code: 74)
        }
        PendingFiles.commitAll()
    }
}

struct Policies: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every policy, its parameters with defaults, and the server it reproduces.")

    func run() throws {
        var out = ""
        for e in PolicyRegistry.builtIn.entries {
            // Folded to 80 columns, as the argument parser folds --help.
            func line(_ text: String, _ indent: String) -> String { Prose.wrap(text, width: 80, indent: indent) + "\n" }
            out += "\(e.name)\n" + line("    \(e.summary)", "      ") + line("    reproduces: \(e.models)", "      ")
            let servers = ServerRegistry.builtIn.servers(running: e.name)
            if !servers.isEmpty { out += line("    the own rule of: " + servers.joined(separator: ", "), "      ") }
            for p in e.allParameters {
                let value = p.defaultValue ?? (p.required ? "\(p.valueHint) (required)" : "\(p.valueHint) (optional)")
                out += line("    \(p.key)=\(value)", "      ") + line("        \(p.help)", "          ")
            }
            out += "\n"
        }
        out += "Spec grammar: NAME[:key=value[,key=value]].\n"
        out += "  Sizes as 512, 64kb, 8mb, 1gb or 8MiB, read as redis.conf reads them:\n"
        out += "  kb/mb/gb and KiB/MiB/GiB are 1024-based, k/m/g 1000-based.\n"
        guard Stdout.write(out) else { fail("scriptsim: cannot write: \(Stdout.lastError)", code: 74) }
    }
}
