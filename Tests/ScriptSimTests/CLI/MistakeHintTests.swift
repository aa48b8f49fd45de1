import Foundation
import Testing
@testable import ScriptSim

/// Issue #21 items 13, 16 and 17: every bad argument names itself, a near miss
/// says what was meant, and verify checks the trace before any server.
@Suite struct MistakeHintTests {
    let cli = CommandLineTests()
    var plainLRU: String { CommandLineTests.workloads.appendingPathComponent("rules/plain-lru.trace").path }

    @Test func unknownOptionsAndHelpTopicsNameThemselves() throws {
        for args in [["--bogus"], ["replay", "--bogus"], ["--bogus", plainLRU]] {
            let r = try cli.run(args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.hasPrefix("Error: Unknown option '--bogus'"), "\(args): \(r.stderr)")
        }
        let topic = try cli.run(["help", "bogus"])
        #expect(topic.status == 64)
        #expect(topic.stderr == "scriptsim help: no subcommand 'bogus'; subcommands: replay, analyze, sweep, verify, generate, policies, servers\n")
        #expect(topic.stdout.isEmpty)
        let known = try cli.run(["help", "sweep"])
        #expect(known.status == 0)
        #expect(known.stdout.contains("--vary"))
        // Nothing missing but the trace: the parser's own message stands.
        let missing = try cli.run(["replay"])
        #expect(missing.status == 64)
        #expect(missing.stderr.hasPrefix("Error: Missing expected argument '<trace>"))
    }

    @Test func nearMissesSuggestTheName() throws {
        let cases: [([String], String)] = [
            (["replay", plainLRU, "--policy", "eval_lru"], "unknown policy 'eval_lru' (did you mean 'eval-lru'?); valid policies: "),
            (["replay", plainLRU, "--policy", "EVAL-LUR"], "unknown policy 'EVAL-LUR' (did you mean 'eval-lru'?)"),
            (["replay", plainLRU, "--policy", "eval-lru:entires=5"], "policy 'eval-lru': unknown parameter 'entires' (did you mean 'entries'?)"),
            (["replay", plainLRU, "--format", "jsno"], "Error: The value 'jsno' is invalid for '--format <format>' (did you mean 'json'?). Please provide one of"),
            (["replay", plainLRU, "--client", "redis_py"], "Error: The value 'redis_py' is invalid for '--client <name>' (did you mean 'redis-py'?)"),
            (["replay", plainLRU, "--engine", "lua54"], "Error: The value 'lua54' is invalid for '--engine <engine>' (did you mean 'lua5.4'?)"),
            (["replya", plainLRU], "scriptsim: 'replya' is neither a trace file nor a subcommand (did you mean 'replay'?)"),
            (["help", "anlayze"], "scriptsim help: no subcommand 'anlayze' (did you mean 'analyze'?)"),
        ]
        for (args, prefix) in cases {
            let r = try cli.run(args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.hasPrefix(prefix), "\(args): \(r.stderr)")
        }
        // Far from every name: no guess.
        let far = try cli.run(["replay", plainLRU, "--policy", "lfu"])
        #expect(!far.stderr.contains("did you mean"))
        #expect(NearestName.nearest(to: "frobnicate", among: Array(["replay", "analyze", "sweep"])) == nil)
        #expect(NearestName.nearest(to: "swep", among: ["replay", "sweep"]) == "sweep")
    }

    @Test func verifyReadsTheTraceBeforeAnyServer() throws {
        let bad = try writeTrace("EVAL \"return 1\" 0\nEVAL \"return 2\" bad\n")
        // No server listens on port 1, and /nonexistent is no binary: the trace is the first error.
        let reached = try cli.run(["verify", bad, "--server", "127.0.0.1:1"])
        #expect(reached.status == 65)
        #expect(reached.stderr.hasSuffix(":2:17: numkeys is not an integer: 'bad'\n"), "\(reached.stderr)")
        let started = try cli.run(["verify", bad, "--start", "/nonexistent/redis-server"])
        #expect(started.status == 65)
        // A good trace then meets the server error, and an IPv6 peer keeps its brackets.
        let refused = try cli.run(["verify", plainLRU, "--server", "[::1]:1"])
        #expect(refused.status == 69)
        #expect(refused.stderr.hasPrefix("scriptsim verify: [::1]:1: cannot connect"), "\(refused.stderr)")
    }
}

/// Issue #21 item 20: what the tool prints about itself fits a terminal.
@Suite struct HelpWidthTests {
    let cli = CommandLineTests()

    /// The argument parser folds help at 80 columns; an example longer than
    /// that was folded mid-command, its continuation at column 0.
    @Test func helpExamplesAreWholeCommandsAt80Columns() throws {
        for command in [[], ["replay"], ["analyze"], ["sweep"], ["verify"], ["generate"], ["policies"], ["servers"]] {
            let r = try cli.run(command + ["--help"], stdinData: nil, environment: ["COLUMNS": "80"])
            #expect(r.status == 0)
            var inExamples = false
            for line in r.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("Examples:") { inExamples = true; continue }
                if line.hasPrefix("USAGE:") { inExamples = false }
                if inExamples, let first = line.first {
                    #expect(first == " ", "\(command): an example folded mid-command: '\(line)'")
                }
                #expect(line.count <= 80, "\(command): \(line.count) columns: '\(line)'")
            }
        }
    }

    @Test func thePolicyListFits80Columns() throws {
        let r = try cli.run(["policies"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count > 20)
        for line in lines { #expect(line.count <= 80, "\(line.count) columns: '\(line)'") }
        // Folding loses no word.
        #expect(r.stdout.contains("second-hit: keep an EVAL script only once it is seen again within\n          `window` distinct EVAL bodies"))
    }

    @Test func theServerListFits80Columns() throws {
        let r = try cli.run(["servers"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count > 100)
        for line in lines { #expect(line.count <= 80, "\(line.count) columns: '\(line)'") }
        for name in ServerRegistry.builtIn.profiles.map(\.name) { #expect(r.stdout.contains("\n\(name)  (") || r.stdout.hasPrefix(name)) }
        let csv = try cli.run(["servers", "--format", "csv"])
        #expect(csv.status == 64)
    }
}

/// Issue #21 items 16 and 20 (the parts done in round three's first session).
@Suite struct VerifyStartAndPluralTests {
    let cli = CommandLineTests()

    /// `--start` waited at least 15 s whatever `--timeout` said. A "server" that
    /// never answers is given up on after `--timeout`, and the message says so.
    @Test func startWaitsTheGivenTimeout() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scriptsim-silent-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let silent = dir.appendingPathComponent("silent-server")
        try "#!/bin/sh\nexec sleep 60\n".write(to: silent, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: silent.path)
        let trace = CommandLineTests.workloads.appendingPathComponent("rules/plain-lru.trace").path
        let r = try cli.run(["verify", trace, "--start", silent.path, "--timeout", "1"])
        #expect(r.status == 69)
        #expect(r.stderr.contains("did not answer PING") && r.stderr.contains("within 1 s"), "\(r.stderr)")
    }

    @Test func countsAgreeWithTheirNouns() {
        #expect(plural(1, "limit") == "1 limit")
        #expect(plural(0, "limit") == "0 limits")
        #expect(plural(2, "connection") == "2 connections")
    }
}
