import ArgumentParser
import Foundation
import ScriptSim

extension ClientChoice: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { allNames }
}

extension RecordedRecoveries: ExpressibleByArgument {}

/// The client model's options, shared by replay, sweep and verify (docs/clients.md).
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("client"), help: ArgumentHelp(
        "What the application's client sends after NOSCRIPT: auto (default), eval-fallback, load-evalsha, none, "
            + "or a library: redis-py, ioredis, go-redis, node-redis, spring-data-redis, predis, stackexchange-redis, "
            + "jedis, lettuce, phpredis. Replay: repeat to compare.", valueName: "name"))
    var clients: [ClientChoice] = []

    @Option(name: .customLong("scripts"), help: ArgumentHelp(
        "Bodies the client holds from the start (register_script, defineCommand): a .lua file, or a folder "
            + "searched recursively for *.lua; each file's exact bytes are one script.", valueName: "path"))
    var scripts: String?

    /// The `.lua` files `--scripts` reads (the file, or those in the folder):
    /// inputs no output may replace.
    var scriptInputs: [String] {
        guard let scripts else { return [] }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: scripts, isDirectory: &isFolder), isFolder.boolValue else { return [scripts] }
        let files = FileManager.default.enumerator(atPath: scripts)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".lua") }.map { scripts + "/" + $0 }
    }

    @Option(name: .customLong("recorded-recoveries"), help: ArgumentHelp(
        "fold (default): a MONITOR capture's EVALSHA + SCRIPT LOAD/EVAL recoveries become the one call they "
            + "recovered, and the simulated server's replies drive the client; keep: replay every line as sent.",
        valueName: "fold|keep"))
    var recordedRecoveries: RecordedRecoveries = .fold

    @Flag(name: .customLong("no-retry"), help: ArgumentHelp(
        "Replay exactly as recorded: shorthand for --recorded-recoveries keep --client none."))
    var noRetry = false

    func validate() throws {
        if noRetry, !clients.isEmpty { throw ValidationError("--no-retry means --client none; give one or the other") }
    }

    /// The client choices and recorded-recovery handling, with `--scripts` read.
    /// Exits 66 when `--scripts` cannot be read.
    func resolved(single: Bool) -> (clients: [ClientChoice], recorded: RecordedRecoveries, scripts: ClientScripts) {
        if single, clients.count > 1 { fail("--client: this command takes one client model (replay compares several)", code: 64) }
        var loaded = ClientScripts()
        if let scripts {
            do { loaded = try ClientScripts(path: scripts) } catch { fail(error.description, code: 66) }
        }
        if noRetry { return ([ClientChoice(.none)], .keep, loaded) }
        return (clients.isEmpty ? [ClientChoice(.auto)] : clients, recordedRecoveries, loaded)
    }
}
