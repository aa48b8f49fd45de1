import ArgumentParser
import Foundation
import ScriptSim

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a trace at many limits of one policy and recommend the smallest that meets your targets.",
        discussion: """
            The trace is parsed and hashed once. For entries limits of eval-lru and \
            pinned-loaded (without an admission filter), a one-pass stack-distance model \
            (Mattson) gives every limit's hits, NOSCRIPT replies, compiles and evictions, and \
            picks the few limits worth a full replay (--replays); where the model cannot be \
            exact it says so and those limits are replayed in full. Memory figures come from \
            full replays only ('-' in model rows). With --warmup or --warmup-seconds every \
            row, modelled or replayed, counts only the events after the warm-up.

            Examples:
              scriptsim sweep app.trace --policy eval-lru --vary entries=50..5000
              scriptsim sweep app.trace --policy eval-lru --vary entries=100,500,1000 --target 'hit_rate>=0.99'
              scriptsim sweep app.trace --policy size-capped --vary bytes=1MiB..256MiB --points 9 \\
                  --target 'hit_rate>=0.95,vm_bytes_peak<=64MiB' --plot sweep.svg
            """
    )

    @Argument(help: ArgumentHelp("Trace file ('-' reads standard input).", valueName: "trace"))
    var trace: String

    @Option(name: .customLong("policy"), help: ArgumentHelp("The policy, with any fixed parameters.", valueName: "spec"))
    var policy: String

    @Option(help: ArgumentHelp("KEY=FROM..TO (log-spaced) or KEY=V1,V2,...", valueName: "key=range"))
    var vary: String

    @Option(help: "Values between FROM and TO.")
    var points = 12

    @Flag(help: "Space FROM..TO evenly instead of logarithmically.")
    var linear = false

    @Option(help: ArgumentHelp("Goals, e.g. 'hit_rate>=0.99,noscript<=10,vm_bytes_peak<=64MiB'.", valueName: "targets"))
    var target: String?

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

    func run() throws {
        let spec: SweepSpec
        do {
            let (key, values) = try SweepSpec.values(vary, policy: policy, points: points, linear: linear)
            let targets = try target.map { t throws(PolicySpecError) in try SweepTarget.parseList(t) } ?? []
            guard replays >= 2 else { throw PolicySpecError("--replays must be at least 2") }
            spec = SweepSpec(policy: policy, key: key, values: values, targets: targets, maxReplays: replays)
        } catch let e as PolicySpecError {
            fail(e.description, code: 64)
        } catch {
            fail("scriptsim: \(error)", code: 64)
        }
        refuseOverlappingOutputs([("--plot", plot)], inputs: [trace])
        let clients = client.resolved(single: true)
        let warmup = warmup.resolved()
        let sweeper = Sweeper(spec: spec, options: ReplayOptions(reader: TraceReaderOptions(skipInvalid: skipInvalid, parseThreads: reading.resolvedThreads()),
                                                                 clients: clients.clients, recordedRecoveries: clients.recorded,
                                                                 scripts: clients.scripts, warmup: warmup))
        if skipInvalid { sweeper.onInvalidLine = invalidLineReporter() }
        let report: SweepReport
        do {
            report = try sweeper.run(path: trace)
        } catch let e as TraceError {
            fail(e.description, code: e.kind == .malformed ? 65 : e.kind == .unreadable ? 66 : 74)
        } catch let e as OutputError {
            fail(e.description, code: 74)
        } catch {
            fail("scriptsim: \(error)", code: 70)
        }
        warnAboutTrace(report.summary, path: report.path)
        warnAboutWarmup(report.summary, path: report.path, warmup: warmup)
        if let plot { PendingFiles.write(plot, SweepRenderer.plot(report), what: "plot") }
        PendingFiles.prepareAll()
        guard Stdout.write(SweepRenderer(format: format, wide: wide).render(report)) else {
            fail("scriptsim: cannot write the report: \(Stdout.lastError)", code: 74)
        }
        PendingFiles.commitAll()
    }
}
