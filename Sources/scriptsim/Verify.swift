import ArgumentParser
import Dispatch
import Foundation
import ScriptSim

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the simulator against a real Redis or Valkey server on a trace.",
        discussion: """
            Sends the trace to the server the way the replay models clients (pipelined; \
            recorded recoveries folded; after a NOSCRIPT the --client's own recovery at once, \
            EVAL or SCRIPT LOAD + EVALSHA, when it holds the body and is outside MULTI), reads the server's INFO, replays the same trace in the \
            simulator as the server profile its INFO names (version and mem_allocator; \
            'scriptsim servers' lists them; --profile NAME picks another, --policy puts another \
            eviction rule in its place), and compares cached scripts, evicted scripts, NOSCRIPT \
            replies, recoveries by kind, NOSCRIPT errors the application saw and the set of \
            scripts that failed to compile. Memory: after the trace verify reads INFO, sends \
            one full-collection script and reads INFO again; with --engine lua5.1 (the default, \
            the servers' own Lua) the retained Lua count must agree within 2% (or 1 KiB); the \
            live count is shown with its ratio. Script bytes (used_memory_scripts_eval) must \
            agree to the byte on a jemalloc server; on a malloc=libc build they are shown only \
            (docs/fidelity.md).

            --start runs the given server binary on a free loopback port with no \
            persistence in a temporary directory and stops it at the end (also on errors \
            and Ctrl-C). --server uses a running server only if it holds no keys and no \
            cached scripts; verify never flushes or deletes anything it did not create.

            Exit status: 0 MATCH; 1 MISMATCH; 64 bad usage; 65/66 trace errors; \
            69 server unreachable, refused, timed out, not speaking RESP, or not empty.
            """
    )

    @Argument(help: ArgumentHelp("Trace file (read twice, so not '-').", valueName: "trace"))
    var trace: String

    @Option(help: ArgumentHelp("Start this redis-server or valkey-server binary for the run.", valueName: "binary"))
    var start: String?

    @Option(help: ArgumentHelp("Use the running server at HOST:PORT (must be empty).", valueName: "host:port"))
    var server: String?

    @Option(name: .customLong("policy"), help: ArgumentHelp("Simulate this policy instead of the server's own.", valueName: "spec"))
    var policy: String?

    @Option(name: .customLong("profile"), help: ArgumentHelp(
        "Simulate this server profile, NAME[:key=value,...], instead of the one INFO names.", valueName: "server"))
    var profile: String?

    @OptionGroup(title: "Client model")
    var client: ClientOptions

    @Flag(name: .customLong("skip-invalid"), help: "Skip malformed trace lines instead of stopping.")
    var skipInvalid = false

    @Option(name: .customLong("engine"), help: ArgumentHelp(
        "The simulator's Lua: lua5.1 (default, what the servers embed) or lua5.4.", valueName: "engine"))
    var engine: LuaEngine = .lua51

    @Option(help: "Output format: table, markdown, csv or json.")
    var format: ReportFormat = .table

    @Option(help: ArgumentHelp("User to authenticate as (ACL), with --pass or REDISCLI_AUTH.", valueName: "user"))
    var user: String?

    @Option(name: .customLong("pass"), help: ArgumentHelp(
        "Password for the server (AUTH); the REDISCLI_AUTH environment variable is read when absent, as redis-cli does.",
        valueName: "password"))
    var password: String?

    @Option(help: "Seconds any wait on the server may take.")
    var timeout: Double = 10

    func validate() throws {
        if (start == nil) == (server == nil) { throw ValidationError("give exactly one of --start BINARY and --server HOST:PORT") }
        if trace == "-" { throw ValidationError("verify reads the trace twice (server, then simulator): give a file, not '-'") }
        // A socket timeout is whole microseconds below one day (poll takes milliseconds as Int32).
        guard timeout.isFinite, timeout >= 0.001, timeout <= 86_400 else {
            throw ValidationError("--timeout must be a number of seconds from 0.001 to 86400, got \(timeout)")
        }
        if let server {
            do { _ = try Self.endpoint(server) } catch { throw ValidationError(error.description) }
        }
    }

    func run() throws {
        let clients = client.resolved(single: true)
        let options = VerifyOptions(policy: policy, profile: profile, timeout: timeout, requireEmpty: server != nil,
                                    reader: TraceReaderOptions(skipInvalid: skipInvalid), client: clients.clients[0],
                                    recordedRecoveries: clients.recorded, scripts: clients.scripts, engine: engine)
        var authenticated = options
        authenticated.user = user
        authenticated.password = password ?? ProcessInfo.processInfo.environment["REDISCLI_AUTH"]
        let verifier: Verifier
        do {
            verifier = try Verifier(options: authenticated)
        } catch {
            fail(error.description, code: 64)
        }
        if skipInvalid { verifier.onInvalidLine = invalidLineReporter() }
        // The whole trace is read once before any server is started or reached:
        // a malformed line is a trace error (65), not a server one after a start.
        do {
            try TraceReader(path: trace, options: TraceReaderOptions(skipInvalid: skipInvalid)).forEachCommand { _ in }
        } catch {
            failReading(error)
        }
        var process: ServerProcess?
        let host: String, port: Int
        do {
            if let start {
                let p = try ServerProcess(binary: start, timeout: timeout)
                process = p
                Interrupts.onInterrupt { p.stop() }
                (host, port) = ("127.0.0.1", p.port)
            } else {
                (host, port) = try Self.endpoint(server!)
            }
        } catch {
            fail("scriptsim verify: \(error)", code: 69)
        }
        defer { process?.stop() }
        let report: VerifyReport
        do {
            report = try verifier.verify(path: trace, host: host, port: port)
        } catch let e as TraceError {
            process?.stop()
            failReading(e)
        } catch let e as NetworkError {
            process?.stop()
            fail("scriptsim verify: \(e)", code: 69)
        } catch let e as VerifyRefusal {
            fail("scriptsim verify: \(e)", code: 69)
        } catch {
            process?.stop()
            fail("scriptsim verify: \(error)", code: 70)
        }
        process?.stop()
        guard Stdout.write(VerifyRenderer(format: format).render(report)) else {
            fail("scriptsim: cannot write the report: \(Stdout.lastError)", code: 74)
        }
        if !report.matches { throw ExitCode(1) }
    }

    static func endpoint(_ text: String) throws(NetworkError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw NetworkError("--server '\(text)' is not HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }
}

/// Ctrl-C and SIGTERM: run the cleanup (stop the server we started), then exit 130.
enum Interrupts {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    private static let lock = NSLock()
    nonisolated(unsafe) private static var interrupted = false

    /// True once an interrupt is being handled: the main thread must not exit
    /// with its own status (the server it talks to is going away on purpose).
    static var isInterrupted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return interrupted
    }

    static func onInterrupt(_ cleanup: @escaping @Sendable () -> Void) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                lock.lock()
                interrupted = true
                lock.unlock()
                cleanup()
                Stderr.line("scriptsim: interrupted; the server it started was stopped")
                exit(130)
            }
            source.resume()
            sources.append(source)
        }
    }
}
