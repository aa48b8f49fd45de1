import Foundation
import Testing
@testable import ScriptSim

/// `scriptsim analyze` as a user runs it.
extension CommandLineTests {
    @Test func analyzeTableFitsOneHundredColumns() throws {
        for file in ["eval-storm.trace", "monitor-mixed.trace"] {
            let r = try run(["analyze", Self.workloads.appendingPathComponent(file).path])
            #expect(r.status == 0, "\(r.stderr)")
            let widest = r.stdout.split(separator: "\n").map(\.count).max() ?? 0
            #expect(widest <= 100, "\(file): widest line \(widest)")
            #expect(r.stdout.contains("templates: "))
            #expect(r.stdout.contains("what-if"))
            #expect(r.stdout.contains("parameterised"))
        }
    }

    /// The README's analyze JSON names every key the report has, and the report has every key it names.
    @Test func analyzeJSONContractIsTheReadmes() throws {
        let readme = try String(contentsOf: Self.workloads.deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "```json\n{\"traces\": [{\"path\", \"summary\", \"distinct_eval_bodies\""))
        let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
        let contract = String(readme[start.lowerBound..<end.lowerBound])
        let quotedKey = try Regex("\"([a-z0-9_]+)\"")
        let documented = Set(contract.matches(of: quotedKey).compactMap { $0.output[1].substring.map(String.init) })

        // MONITOR form, so the connections are listed too.
        var trace = "1.0 [0 10.0.0.1:5000] \"EVAL\" \"return +\" \"0\"\n"
        for i in 0..<3 { trace += "1.\(i + 1) [0 10.0.0.1:5000] \"EVAL\" \"return redis.call('GET', 'k:\(i)')\" \"0\"\n" }
        let r = try run(["analyze", try writeTrace(trace), "--format", "json"])
        #expect(r.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let t = (json["traces"] as! [[String: Any]])[0]
        let template = try #require((t["templates"] as! [[String: Any]]).first)
        let literal = try #require((template["varying_literals"] as! [[String: Any]]).first)
        let failures = t["compile_failures"] as! [String: Any]
        let example = try #require((failures["examples"] as! [[String: Any]]).first)
        let whatIf = t["what_if"] as! [String: Any]
        var present = Set(json.keys).union(t.keys).union(template.keys).union(literal.keys).union(failures.keys)
            .union(example.keys).union(whatIf.keys)
        for nested in ["body_bytes", "reuse_distance"] { present.formUnion((t[nested] as! [String: Any]).keys) }
        present.formUnion(try #require((t["connections"] as! [[String: Any]]).first).keys)
        // The summary and the two policy results are replay's, documented with replay's contract.
        #expect(documented.subtracting(present).isEmpty, "documented but missing: \(documented.subtracting(present).sorted())")
        #expect(present.subtracting(documented).isEmpty, "present but undocumented: \(present.subtracting(documented).sorted())")
        for key in ["template", "distinct_bodies", "calls", "script_bytes", "vm_bytes", "varying_literals", "examples"] {
            #expect(template[key] != nil, "templates[] has \(key)")
        }
    }

    @Test func analyzeErrors() throws {
        #expect(try run(["analyze", "/nonexistent/trace"]).status == 66)
        #expect(try run(["analyze", try writeTrace("EVAL \"return 1\" x\n")]).status == 65)
        let policy = try run(["analyze", try writeTrace("EVAL \"return 1\" 0\n"), "--policy", "eval-lru:entries=zero"])
        #expect(policy.status == 64)
        #expect(policy.stderr.split(separator: "\n").count == 1)
        #expect(try run(["analyze", try writeTrace("EVAL \"return 1\" 0\n"), "--top", "0"]).status == 64)
        let csv = try run(["analyze", Self.workloads.appendingPathComponent("eval-storm.trace").path, "--format", "csv"])
        #expect(csv.status == 0)
        #expect(csv.stdout.hasPrefix("trace,rank,distinct_bodies,calls,"))
    }
}

/// Issue #21 items 3 and 20: NUL and control bytes in bodies stopped the text
/// outputs at the first NUL (fputs); compile-failure lines lost their SHA.
extension CommandLineTests {
    @Test func analyzeTextOutputsCarryEveryByte() throws {
        var trace = ""
        for i in 0..<4 { trace += "EVAL \"return \\\"a\\x00b\\x1b[31m\\\" .. \(i)\" 0\n" }
        trace += "EVAL \"x = = \\x00\" 0\n"
        let path = try writeTrace(trace)
        for format in ["table", "markdown", "csv"] {
            let r = try run(["analyze", path, "--format", format])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(!r.stdout.contains("\u{0}") && !r.stdout.contains("\u{1B}"), "\(format): raw control bytes")
            #expect(r.stdout.contains("\\x00b\\x1B[31m"), "\(format): the bytes shown escaped")
            #expect(r.stdout.hasSuffix("\n"), "\(format): ends with its line end")
            if format == "csv" {
                let rows = r.stdout.split(separator: "\n")
                #expect(rows.count == 2 && rows[1].hasSuffix("tonumber(ARGV[1])\""), "\(rows)")
            } else {
                #expect(r.stdout.contains("parameterised"), "\(format): the what-if is there")
                let sha = sha1Hex("x = = \u{0}")
                #expect(r.stdout.contains("\(sha.prefix(12))  script \(sha): Error compiling script"), "\(format): \(r.stdout)")
            }
        }
    }
}

/// Issue #21 item 12: the default table showed "compiles 0, hit rate 0.0000"
/// and nothing else for a trace whose bodies all fail to compile.
extension CommandLineTests {
    @Test func theDefaultTableShowsCompileErrors() throws {
        let failing = try writeTrace((0..<3).map { "EVAL \"return +\($0)+\" 0\n" }.joined())
        let r = try run(["replay", failing, "--policy", "unbounded"])
        #expect(r.status == 0)
        let header = try #require(r.stdout.split(separator: "\n").first { $0.contains("hit rate") })
        #expect(header.contains("compile errors"), "\(r.stdout)")
        #expect(r.stdout.split(separator: "\n").last { $0.hasPrefix("    1 ") }?.hasSuffix(" 3") == true, "\(r.stdout)")
        let clean = try run(["replay", try writeTrace("EVAL \"return 1\" 0\n"), "--policy", "unbounded"])
        #expect(!clean.stdout.contains("compile errors"), "only when there are any")
    }
}

/// Issue #21 items 13 and 20 (parts): negative values name their option,
/// `--version`, and help defaults shown as words.
extension CommandLineTests {
    @Test func badArgumentsNameThemselves() throws {
        let trace = try writeTrace("EVAL \"return 1\" 0\n")
        let cases: [([String], String)] = [
            (["replay", trace, "--warmup", "-1"], "--warmup must be a whole number"),
            (["replay", trace, "--warmup-seconds", "-1"], "--warmup-seconds must be a number of seconds"),
            (["analyze", trace, "--top", "-1"], "--top must be at least 1"),
            (["generate", "--seed", "-1"], "'-1' is invalid for '--seed"),
        ]
        for (args, message) in cases {
            let r = try run(args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        let v = try run(["--version"])
        #expect(v.status == 0 && v.stdout.hasPrefix("scriptsim "), "\(v.stderr)")
        let help = try run(["generate", "--help"])
        #expect(!help.stdout.contains("(default: 2)"))
        #expect(help.stdout.contains("(default: async)"))
    }
}
