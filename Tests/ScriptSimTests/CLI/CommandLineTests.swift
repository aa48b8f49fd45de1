import Foundation
import Testing
@testable import ScriptSim

/// The `scriptsim` executable as a user runs it: exit codes, one-line errors, outputs.
@Suite struct CommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The built `scriptsim`, found next to the test bundle (swift test builds both).
    static let executable: URL? = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("scriptsim")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let fallback = root.appendingPathComponent(".build/debug/scriptsim")
        return FileManager.default.isExecutableFile(atPath: fallback.path) ? fallback : nil
    }()

    static let workloads = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("workloads")

    func run(_ arguments: [String], stdin: String? = nil) throws -> Run {
        try run(arguments, stdinData: stdin.map { Data($0.utf8) })
    }

    /// The same with raw bytes on standard input (gzip, BOMs, CRs), and extra environment variables.
    func run(_ arguments: [String], stdinData: Data?, environment: [String: String] = [:]) throws -> Run {
        let exe = try #require(Self.executable, "the scriptsim executable was not built")
        let p = Process()
        p.executableURL = exe
        p.arguments = arguments
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdinData { input.fileHandleForWriting.write(stdinData) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    @Test func malformedLineExits65WithLocation() throws {
        let path = try writeTrace("EVAL \"return 1\" 0\nEVAL \"return 2\" x\n")
        let r = try run(["replay", path])
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty, "no partial report")
        #expect(r.stderr == "\(path):2:17: numkeys is not an integer: 'x'\n")
    }

    /// A shipped workload (1.2–1.7 MB: more than one piece) gives the same
    /// report read serially and on every core; a malformed line deep in a
    /// file read in pieces is reported at its place, with nothing on stdout.
    @Test func parseThreadsChangeNothingButSpeed() throws {
        let trace = Self.workloads.appendingPathComponent("monitor-mixed.trace").path
        let serial = try run(["replay", trace, "--format", "json", "--parse-threads", "1", "--flush-mode", "sync"])
        let parallel = try run(["replay", trace, "--format", "json", "--parse-threads", "3", "--flush-mode", "sync"])
        #expect(serial.status == 0 && parallel.status == 0, "\(serial.stderr)\(parallel.stderr)")
        // The timing figures aside.
        func untimed(_ json: String) -> [Substring] {
            json.split(separator: "\n").filter { !$0.contains("_seconds\"") && !$0.contains("per_second") }
        }
        #expect(untimed(serial.stdout) == untimed(parallel.stdout))
        #expect(serial.stdout.contains("\"distinct_scripts\""))
        var text = String(repeating: "EVAL \"return 1\" 0\n", count: 80_000)
        text += "EVAL \"return 2\" x\n"
        let path = try writeTrace(text)
        let r = try run(["replay", path, "--parse-threads", "2"])
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty, "no partial report")
        #expect(r.stderr == "\(path):80001:17: numkeys is not an integer: 'x'\n")
        #expect(try run(["replay", path, "--parse-threads", "-1"]).status == 64)
    }

    @Test func skipInvalidGoesOnAndCounts() throws {
        let path = try writeTrace("EVAL \"return 1\" 0\nEVAL \"return 2\" x\nEVAL \"return 1\" 0\n")
        let r = try run(["replay", path, "--skip-invalid", "--format", "json"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("\(path):2:17: numkeys is not an integer: 'x' (skipped)"))
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let summary = ((json["traces"] as! [[String: Any]])[0]["summary"]) as! [String: Any]
        #expect(summary["invalid"] as? Int == 1)
    }

    @Test func missingFileExits66() throws {
        let r = try run(["replay", "/nonexistent/x.trace"])
        #expect(r.status == 66)
        #expect(r.stderr == "/nonexistent/x.trace: cannot open trace: No such file or directory\n")
    }

    @Test func unknownPolicyExits64ListingValidOnes() throws {
        let path = try writeTrace("EVAL \"return 1\" 0\n")
        let r = try run(["replay", path, "--policy", "lfu"])
        #expect(r.status == 64)
        #expect(r.stderr == "unknown policy 'lfu'; valid policies: unbounded, eval-lru[:entries=500,promote-on-load=no], size-capped[:bytes=SIZE], pinned-loaded[:entries=N,bytes=SIZE]\n")
        let bad = try run(["replay", path, "--policy", "eval-lru:size=3"])
        #expect(bad.status == 64)
        #expect(bad.stderr == "policy 'eval-lru': unknown parameter 'size'; valid: entries, promote-on-load, admit, window\n")
    }

    /// Each bad spec: one line naming the problem, exit status 64, nothing on stdout.
    @Test(arguments: [
        ("size-capped", "policy 'size-capped' needs bytes=SIZE (budget for VM bytes plus script bytes of all cached scripts)"),
        ("size-capped:bytes=-1", "policy 'size-capped': bytes must be a size of at least 1 byte (512, 64kb, 8mb, 1gb, 64KiB, 1.5MiB, 2m (redis.conf's rule: kb/mb/gb and KiB/MiB/GiB are 1024-based, k/m/g 1000-based)), got '-1'"),
        ("eval-lru:entries=0", "policy 'eval-lru': entries must be a whole number of at least 1, got '0'"),
        ("pinned-loaded:limit=3", "policy 'pinned-loaded': unknown parameter 'limit'; valid: entries, bytes, admit, window"),
        ("arc", "unknown policy 'arc'; valid policies: unbounded, eval-lru[:entries=500,promote-on-load=no], size-capped[:bytes=SIZE], pinned-loaded[:entries=N,bytes=SIZE]"),
    ])
    func badSpecExits64(spec: String, message: String) throws {
        let path = try writeTrace("EVAL \"return 1\" 0\n")
        let r = try run(["replay", path, "--policy", "eval-lru", "--policy", spec])
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == message + "\n")
    }

    @Test func jsonIsTheDocumentedContract() throws {
        let r = try run(["replay", Self.workloads.appendingPathComponent("mixed.trace").path, "--format", "json"])
        #expect(r.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let trace = (json["traces"] as! [[String: Any]])[0]
        #expect(trace["path"] as? String == Self.workloads.appendingPathComponent("mixed.trace").path)
        let policies = trace["policies"] as! [[String: Any]]
        #expect(policies.map { $0["policy"] as! String }
                == ["unbounded", "eval-lru:entries=500", "eval-lru:entries=500,promote-on-load=yes"])
        let keys = ["eval_hits", "eval_misses", "evalsha_hits", "noscript", "retries", "hit_rate", "compiles",
                    "compile_errors", "evictions", "cached_scripts", "cached_scripts_peak", "vm_bytes",
                    "vm_bytes_peak", "vm_bytes_retained", "lua_gccount_bytes", "script_bytes", "script_bytes_peak",
                    "compile_seconds"]
        for p in policies {
            for k in keys { #expect(p[k] is NSNumber, "\(k) is a number") }
        }
    }

    @Test func standardInputAndEveryFormat() throws {
        let trace = "EVAL \"return 1\" 0\nEVAL \"return 1\" 0\n"
        let table = try run(["replay", "-", "--policy", "eval-lru"], stdin: trace)
        #expect(table.status == 0)
        #expect(table.stdout.contains("trace <stdin>"))
        #expect(table.stdout.contains("eval-lru:entries=500"))
        let csv = try run(["replay", "-", "--format", "csv", "--policy", "unbounded"], stdin: trace)
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("trace,trace_lines,"))
        #expect(lines[1].hasPrefix("<stdin>,2,2,"))
        let md = try run(["replay", "-", "--format", "markdown"], stdin: trace)
        #expect(md.stdout.contains("| run | engine | client | requests |"))
    }

    @Test func outputIsTheSameRunToRun() throws {
        let path = Self.workloads.appendingPathComponent("monitor-mixed.trace").path
        func figures() throws -> [NSDictionary] {
            let r = try run(["replay", path, "--format", "json"])
            #expect(r.status == 0)
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            let policies = (json["traces"] as! [[String: Any]])[0]["policies"] as! [[String: Any]]
            return policies.map { p in
                var p = p
                for key in ReportColumns.timingKeys { p[key] = nil }
                return p as NSDictionary
            }
        }
        #expect(try figures() == figures())
    }

    /// What scripts/demo prints (the default replay of workloads/mixed.trace) fits 100 columns.
    @Test func theDemoFitsOneHundredColumns() throws {
        let r = try run(["replay", Self.workloads.appendingPathComponent("mixed.trace").path])
        #expect(r.status == 0)
        let widest = r.stdout.split(separator: "\n").map(\.count).max() ?? 0
        #expect(widest <= 100, "widest line: \(widest)")
        #expect(r.stdout.contains("eval-lru:entries=500,promote-on-load=yes"))
        let wide = try run(["replay", Self.workloads.appendingPathComponent("mixed.trace").path, "--wide"])
        #expect(wide.stdout.contains("flush and allocator"))
    }

    @Test func policiesListsEveryPolicy() throws {
        let r = try run(["policies"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        for entry in PolicyRegistry.builtIn.entries {
            #expect(lines.contains(entry.name), "policy \(entry.name) listed")
            for p in entry.allParameters {
                #expect(lines.contains { $0.hasPrefix("    \(p.key)=") }, "\(entry.name): parameter \(p.key) listed")
            }
        }
        #expect(r.stdout.contains("entries=500"))
        #expect(r.stdout.contains("Redis 7.4"))
    }

    /// The README's JSON contract names every key the report has, and the report has every key it names.
    @Test func jsonContractIsTheReadmes() throws {
        let readme = try String(contentsOf: Self.workloads.deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "```json\n{\"traces\""))
        let block = readme[start.lowerBound...].prefix { _ in true }
        let end = try #require(block.range(of: "\n```", range: block.index(block.startIndex, offsetBy: 8)..<block.endIndex))
        let contract = String(block[..<end.lowerBound])
        let quotedKey = try Regex("\"([a-z0-9_]+)\"")
        let documented = Set(contract.matches(of: quotedKey).compactMap { $0.output[1].substring.map(String.init) })
        let r = try run(["replay", try writeTrace("EVAL \"return +\" 0\nEVAL \"return 1\" 0\n"), "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let trace = (json["traces"] as! [[String: Any]])[0]
        let summary = trace["summary"] as! [String: Any]
        let policy = (trace["policies"] as! [[String: Any]])[0]
        let example = (policy["compile_error_examples"] as! [[String: Any]]).first ?? [:]
        let present = Set(json.keys).union(trace.keys).union(summary.keys).union(policy.keys).union(example.keys)
        #expect(documented.subtracting(present).isEmpty, "documented but missing: \(documented.subtracting(present).sorted())")
        #expect(present.subtracting(documented).isEmpty, "present but undocumented: \(present.subtracting(documented).sorted())")
        for (k, v) in policy where !["policy", "allocator", "client", "engine", "server", "compile_error_examples"].contains(k) {
            #expect(v is NSNumber, "\(k) is a number")
        }
    }
}
