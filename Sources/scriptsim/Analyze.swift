import ArgumentParser
import ScriptSim

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say why a trace's script cache churns: its shape, and the programs it sends as many bodies.",
        discussion: """
            An application that writes values into its script bodies sends a new script on \
            every call: each one is compiled, cached and evicted. analyze groups the distinct \
            bodies that are the same program with different literals (numbers, quoted and \
            long-bracket strings, found by a Lua tokenizer; comments and whitespace must match \
            exactly), and for each such template says how many bodies and calls it makes, what \
            they cost in script bytes and VM bytes (each body compiled on the engine), which \
            literals vary, and the rewrite: the fixed body with those values passed in KEYS \
            (key names) or ARGV.

            It also replays the trace on one server (--server, redis-7.4 by default, under its \
            own eviction rule or --policy) twice: as sent, and with each template's calls sent to one script. The \
            second is a what-if: the hit rate and memory the application would see after the \
            rewrite.

            The summary gives events by command, distinct bodies, the share of EVAL bodies \
            called once, body sizes, and the reuse distance of EVAL bodies: how many distinct \
            scripts were called between two calls of a body (an LRU of N entries keeps it when \
            that is below N). MONITOR input also gives events per connection.

            Examples:
              scriptsim analyze workloads/eval-storm.trace
              scriptsim analyze --format json capture.trace.gz \\
                  | jq '.traces[0].templates[0]'
            """
    )

    @Argument(help: ArgumentHelp("Trace files to analyze ('-' reads standard input; gzip is read as is).", valueName: "trace"))
    var traces: [String]

    @Option(help: "Output format: table, markdown, csv (one row per template) or json (everything).")
    var format: ReportFormat = .table

    @Option(parsing: .unconditional, help: ArgumentHelp("Templates shown in table and Markdown output (csv and json list all).", valueName: "n"))
    var top = 10

    @Option(name: .customLong("policy"), help: ArgumentHelp(
        "The eviction rule of the what-if replay, NAME[:key=value,...] ('scriptsim policies'; default: the server's own).",
        valueName: "spec"))
    var policy: String?

    @Option(name: .customLong("server"), help: ArgumentHelp(
        "The server of the what-if replay and of the script layout, NAME[:key=value,...] ('scriptsim servers'); once.",
        valueName: "server"))
    var servers: [String] = []

    @Option(name: .customLong("engine"), help: ArgumentHelp(
        "lua5.4 (default) or lua5.1: the engine that compiles every body and runs the what-if.", valueName: "engine"))
    var engine: LuaEngine = .lua54

    @OptionGroup(title: "Reading")
    var reading: ReadingOptions

    @OptionGroup(title: "Client model (of the what-if replay)")
    var client: ClientOptions

    @Flag(name: .customLong("skip-invalid"), help: "Skip malformed lines (each reported on stderr, counted) instead of stopping.")
    var skipInvalid = false

    @Option(name: .customLong("max-body-bytes"), help: ArgumentHelp("Longest trace line accepted, e.g. 512MiB.", valueName: "size"))
    var maxBodyBytes: String = "512MiB"

    @Flag(name: .customLong("progress"), inversion: .prefixedNo,
          help: "Show progress on stderr (default: only when stderr is a terminal).")
    var progress: Bool?

    func run() throws {
        if top < 1 { fail("--top must be at least 1", code: 64) }
        refuseRepeatedStreams(traces)
        let clients = client.resolved(single: true)
        let replay = ReplayOptions(
            reader: TraceReaderOptions(skipInvalid: skipInvalid, maxLineBytes: parseMaxBodyBytes(maxBodyBytes),
                                       parseThreads: reading.resolvedThreads()),
            clients: clients.clients, recordedRecoveries: clients.recorded, scripts: clients.scripts, engines: [engine])
        let analyzer: TraceAnalyzer
        do {
            analyzer = try TraceAnalyzer(options: AnalyzeOptions(replay: replay, policy: policy,
                                                                 server: Sweep.once(servers, "--server", "its what-if runs one server; "
                                                                                    + "replay compares several", orDefault: ServerRegistry.policyOnlyServer)))
        } catch {
            fail(error.description, code: 64)
        }
        analyzer.onInvalidLine = invalidLineReporter()
        let meter = ProgressMeter(enabled: progress ?? Stderr.isTerminal)
        analyzer.onProgress = { meter.update($0) }
        let reports = readEach(traces, meter: meter, analyzer.analyze(path:)) { warnAboutTrace($0.summary, path: $0.path) }
        guard Stdout.write(AnalyzeRenderer(format: format, top: top).render(reports)) else {
            fail("scriptsim: cannot write the report: \(Stdout.lastError)", code: 74)
        }
    }
}
