import ArgumentParser
import Foundation
import ScriptSim

extension FlushMode: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.lowercased() {
        case "sync": self = .sync
        case "async": self = .async
        case "none", "default": self = .unspecified
        default: return nil
        }
    }

    /// What `--help` shows as the default (the enum's own description is a number).
    public var defaultValueDescription: String {
        switch self {
        case .sync: "sync"
        case .async: "async"
        case .unspecified: "none"
        }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a synthetic trace (format v1), the same for the same --seed.",
        discussion: """
            Models an application with --scripts reusable scripts whose popularity follows \
            a Zipf law. A share of calls uses EVAL (--eval-share), the rest SCRIPT LOAD once \
            then EVALSHA; a share of the EVAL calls writes a changing value into the body \
            (--inline-share), the anti-pattern that fills the script cache. Bodies are real \
            redis.call code using KEYS and ARGV. With no options: a 100,000-event mixed trace.

            Example:
              scriptsim generate --events 1000000 --inline-share 0.4 --seed 7 > storm.trace
            """
    )

    @Option(help: "Script commands to write.") var events = 100_000
    @Option(help: "Distinct reusable scripts.") var scripts = 200
    @Option(help: "Zipf exponent of script popularity (0: uniform).") var zipf = 1.0
    @Option(name: .customLong("eval-share"), help: "Share of calls sent with EVAL (the rest: SCRIPT LOAD + EVALSHA).") var evalShare = 0.5
    @Option(name: .customLong("inline-share"), help: "Share of EVAL calls with a value written into the body.") var inlineShare = 0.2
    @Option(name: .customLong("inline-values"), help: "Distinct inlined values (default: a new one each time).") var inlineValues: Int?
    @Option(name: .customLong("body-bytes"), help: ArgumentHelp("Body size range in bytes.", valueName: "min..max")) var bodyBytes = "100..600"
    @Option(name: .customLong("flush-every"), help: "A SCRIPT FLUSH every N events (default: none).") var flushEvery: Int?
    @Option(name: .customLong("flush-mode"), help: "What the flushes say: sync, async or none (no argument).") var flushMode: FlushMode = .async
    @Flag(help: "Write the redis-cli MONITOR prefix (timestamp and [db client]).") var monitor = false
    @Option(help: "Events per second of trace time (with --monitor).") var rate = 1000.0
    @Option(name: .customLong("start-time"), help: "First timestamp, seconds since the epoch (with --monitor).") var startTime = 1_732_460_000.0
    @Option(help: "Client addresses (with --monitor).") var clients = 8
    @Option(name: .customLong("capture-noise"), help: "With --monitor: write the commands scripts run (client lua) and this share of unrelated GETs, as a real capture holds.") var captureNoise = 0.0
    @Option(parsing: .unconditional, help: "Seed: the same seed writes the same bytes (0 to 2^64-1).") var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: "Write to this file instead of standard output ('-': standard output).") var output: String?

    func run() throws {
        var o = GeneratorOptions()
        o.events = events
        o.scripts = scripts
        o.zipf = zipf
        o.evalShare = evalShare
        o.inlineShare = inlineShare
        o.inlineValues = inlineValues
        let parts = bodyBytes.components(separatedBy: "..")
        guard parts.count == 2, let lo = Int(parts[0]), let hi = Int(parts[1]), lo <= hi else {
            fail("--body-bytes: '\(bodyBytes)' is not MIN..MAX (for example 100..600)", code: 64)
        }
        o.bodyBytes = lo...hi
        o.flushEvery = flushEvery
        o.flushMode = flushMode
        o.monitor = monitor
        o.rate = rate
        o.startTime = startTime
        o.clients = clients
        o.captureNoise = captureNoise
        o.seed = seed
        if let problem = o.problem { fail(problem, code: 64) }

        // Into a pending file (renamed into place when complete, a device or pipe
        // written in place, nothing removed on failure), or standard output; a
        // closed pipe stops the generator.
        let file: OutputFile?
        if let output, output != "-" {
            do { file = try OutputFile(path: output, what: "trace") } catch { fail(error.description, code: 74) }
            PendingFiles.add([file!])
        } else {
            file = nil
        }
        do {
            try WorkloadGenerator(options: o).generate { line throws(OutputError) in
                if let file {
                    try file.write(line)
                } else if fputs(line, stdout) < 0 {
                    throw OutputError(path: "<stdout>", message: "cannot write the trace: \(String(cString: strerror(errno)))",
                                      brokenPipe: errno == EPIPE)
                }
            }
            if file == nil, fflush(stdout) != 0 {
                throw OutputError(path: "<stdout>", message: "cannot write the trace: \(String(cString: strerror(errno)))")
            }
        } catch let error as OutputError {
            fail(error.description, code: 74)
        } catch {
            fail("scriptsim: \(error)", code: 70)
        }
        PendingFiles.commitAll()
    }
}
