import ArgumentParser
import Foundation
import ScriptSim

struct Sweep: ParsableCommand {
    /// The exit status when no limit meets the targets: distinct from success,
    /// from 1 (verify's MISMATCH, and any error ArgumentParser reports itself)
    /// and from the sysexits numbers of real failures, so scripts can branch on it.
    static let noLimitMeets: Int32 = 3

    static let configuration = CommandConfiguration(
        abstract: "Replay a trace at many limits of one policy and recommend the smallest that meets your targets.",
        // Not ArgumentParser's `--policy <spec> ... --vary <key=range> ...`: each is taken once.
        usage: "scriptsim sweep [<options>] <trace> [--policy <spec>] --vary <key=range>",
        discussion: """
            The trace is parsed and hashed once. For entries limits of eval-lru and \
            pinned-loaded (without an admission filter), a one-pass stack-distance model \
            (Mattson) gives every limit's hits, NOSCRIPT replies, compiles and evictions, and \
            picks the few limits worth a full replay (--replays); where the model cannot be \
            exact it says so and those limits are replayed in full. Memory figures come from \
            full replays only ('-' in model rows). With --warmup or --warmup-seconds every \
            row, modelled or replayed, counts only the events after the warm-up.

            Every limit runs on one server (--server, default redis-7.4); without --policy \
            the server's own rule is swept (e.g. --server valkey-9.1 --vary entries=...).

            Targets are checked against their range (hit_rate from 0 to 1, counts and sizes \
            0 or more). Exit status: 0 when a limit meets the targets (or none were given); \
            \(Sweep.noLimitMeets) when no limit meets them (the report is still written, and in \
            JSON its recommendation has "met": false); otherwise replay's (64 bad usage, 65, 66, \
            70, 74).

            Examples:
              scriptsim sweep app.trace --policy eval-lru --vary entries=50..5000
              scriptsim sweep app.trace --policy eval-lru --vary entries=100,500,1000 \\
                  --target 'hit_rate>=0.99'
              scriptsim sweep app.trace --policy size-capped --vary bytes=1mb..256mb \\
                  --points 9 --target 'hit_rate>=0.95,vm_bytes_peak<=64mb' --plot sweep.svg
            """
    )

    @Argument(help: ArgumentHelp("Trace file ('-' reads standard input).", valueName: "trace"))
    var trace: String

    // Arrays, so that a second --policy or --vary is refused instead of
    // silently replacing the first (a sweep varies one key of one policy).
    @Option(name: .customLong("policy"), help: ArgumentHelp("The policy, with any fixed parameters (not the varied one); once (default: the server's own rule).", valueName: "spec"))
    var policies: [String] = []

    @Option(name: .customLong("server"), help: ArgumentHelp(
        "The server every limit runs on, NAME[:key=value,...] (default redis-7.4); once.", valueName: "server"))
    var servers: [String] = []

    @Option(name: .customLong("engine"), help: ArgumentHelp(
        "lua5.4 (default) or lua5.1 (the servers' own Lua, in the server's environment); once.", valueName: "engine"))
    var engines: [LuaEngine] = []

    @Option(name: .customLong("vary"), help: ArgumentHelp("KEY=FROM..TO (log-spaced) or KEY=V1,V2,...; once.", valueName: "key=range"))
    var varies: [String]

    @Option(help: "Values between FROM and TO.")
    var points = 12

    @Flag(help: "Space FROM..TO evenly instead of logarithmically.")
    var linear = false

    @Option(name: .customLong("target"), help: ArgumentHelp(
        "Goals, e.g. 'hit_rate>=0.99,noscript<=10,vm_bytes_peak<=64MiB'; repeat to add more (all must hold).",
        valueName: "targets"))
    var targetLists: [String] = []

    @Option(help: "At most this many full replays where the model covers the rest.")
    var replays = 8

    @Option(help: "Output format: table, markdown, csv or json.")
    var format: ReportFormat = .table

    @Flag(help: "With --format table: every column, instead of the ones that fit 100 columns.")
    var wide = false

    @Option(help: ArgumentHelp("Also draw hit rate and VM memory against the limit as SVG.", valueName: "file.svg"))
    var plot: String?

    @OptionGroup(title: "Client model")
    var client: ClientOptions

    @OptionGroup(title: "Reading")
    var reading: ReadingOptions

    @OptionGroup(title: "Warm-up")
    var warmup: WarmupOptions

    @Flag(name: .customLong("skip-invalid"), help: "Skip malformed lines instead of stopping.")
    var skipInvalid = false

    @Flag(name: .customLong("progress"), inversion: .prefixedNo,
          help: "Show progress on stderr (default: only when stderr is a terminal).")
    var progress: Bool?

    /// The one value of an option a sweep takes once.
    static func once(_ values: [String], _ option: String, _ why: String, orDefault fallback: String? = nil) -> String {
        guard let first = values.first ?? fallback else { fail("sweep needs \(option)", code: 64) }
        if values.count > 1 { fail("\(option) given \(values.count) times: sweep takes one (\(why))", code: 64) }
        return first
    }

    func run() throws {
        let server = Self.once(servers, "--server", "it sweeps one server; run a sweep for each", orDefault: ServerRegistry.policyOnlyServer)
        if engines.count > 1 { fail("--engine given \(engines.count) times: sweep takes one (replay compares several)", code: 64) }
        let vary = Self.once(varies, "--vary", "it varies one parameter; run a sweep for each")
        let policy: String
        if policies.isEmpty {
            // No --policy: the server's own rule is the one swept.
            do { policy = try SweepSpec.serversOwnPolicy(server: server, vary: vary) } catch { fail(error.description, code: 64) }
        } else {
            policy = Self.once(policies, "--policy", "it sweeps one policy; replay compares several")
        }
        let spec: SweepSpec
        do {
            let (key, values) = try SweepSpec.values(vary, policy: policy, points: points, linear: linear)
            var targets: [SweepTarget] = []
            for list in targetLists { targets += try SweepTarget.parseList(list) }
            guard replays >= 2 else { throw PolicySpecError("--replays must be at least 2") }
            _ = try ServerRegistry.builtIn.configuration(server)
            spec = SweepSpec(policy: policy, key: key, values: values, targets: targets, maxReplays: replays, server: server)
        } catch let e as PolicySpecError {
            fail(e.description, code: 64)
        } catch {
            fail("scriptsim: \(error)", code: 64)
        }
        refuseOverlappingOutputs([("--plot", plot)], inputs: [trace] + client.scriptInputs)
        let clients = client.resolved(single: true)
        let warmup = warmup.resolved()
        let sweeper = Sweeper(spec: spec, options: ReplayOptions(reader: TraceReaderOptions(skipInvalid: skipInvalid, parseThreads: reading.resolvedThreads()),
                                                                 clients: clients.clients, recordedRecoveries: clients.recorded,
                                                                 scripts: clients.scripts, engines: engines.isEmpty ? [.lua54] : engines,
                                                                 warmup: warmup))
        if skipInvalid { sweeper.onInvalidLine = invalidLineReporter() }
        let meter = ProgressMeter(enabled: progress ?? Stderr.isTerminal)
        sweeper.onProgress = { p in meter.update { elapsed in Self.progressLine(p, elapsed: elapsed) } }
        let report: SweepReport
        do {
            report = try sweeper.run(path: trace)
            meter.finish()
        } catch {
            meter.finish()
            failReading(error)
        }
        warnAboutTrace(report.summary, path: report.path)
        warnAboutWarmup(report.summary, path: report.path, warmup: warmup)
        if let plot { PendingFiles.write(plot, SweepRenderer.plot(report), what: "plot") }
        PendingFiles.prepareAll()
        guard Stdout.write(SweepRenderer(format: format, wide: wide).render(report)) else {
            fail("scriptsim: cannot write the report: \(Stdout.lastError)", code: 74)
        }
        PendingFiles.commitAll()
        if report.recommendation?.met == false { throw ExitCode(Self.noLimitMeets) }
    }

    /// `app.trace: reading, 120000 events, 3.1 MiB read, 52000 events/s`, then
    /// `app.trace: full replays, 2 of 8 limits done, 2 running (45% of 1000000 events)`.
    static func progressLine(_ p: SweepProgress, elapsed: Double) -> String {
        switch p.stage {
        case .reading:
            let rate = elapsed > 0 ? Double(p.events) / elapsed : 0
            return "\(p.path): reading, \(p.events) events, \(ReportRenderer.bytes(Int(p.bytesRead))) read, \(Int(rate)) events/s"
        case .replaying:
            let share = p.totalEvents > 0 ? 100 * p.events / p.totalEvents : 100
            return "\(p.path): full replays, \(p.limitsDone) of \(p.limitsTotal) limit\(p.limitsTotal == 1 ? "" : "s") done, \(p.limitsRunning) running "
                + "(\(share)% of \(p.totalEvents) events)"
        }
    }
}
