import Foundation
import Testing
@testable import ScriptSim

/// `--server` on the command line (issue #22), through the real executable.
@Suite struct ServerCommandTests {
    let cli = CommandLineTests()

    @Test func aPolicyAloneRunsOnRedis74AndTheReportSaysSo() throws {
        let trace = try writeTrace("EVAL \"return 1\" 0\n")
        let r = try cli.run(["replay", trace, "--policy", "eval-lru:entries=9"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("  1  redis-7.4 eval-lru:entries=9\n"), "\(r.stdout)")
        let json = try cli.run(["replay", trace, "--server", "valkey-9.1", "--server", "redis-8.0", "--format", "json"])
        let policies = ((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any])["traces"] as! [[String: Any]])[0]["policies"]
            as! [[String: Any]]
        #expect(policies.map { $0["server"] as! String } == ["valkey-9.1", "redis-8.0"])
        #expect(policies.map { $0["policy"] as! String } == ["eval-lru:entries=500,promote-on-load=yes", "eval-lru:entries=500"])
    }

    @Test func badServersAndOldFlagsExit64WithTheWayThatWorks() throws {
        let trace = try writeTrace("EVAL \"return 1\" 0\n")
        let bogus = try cli.run(["replay", trace, "--server", "redis-9"])
        #expect(bogus.status == 64)
        #expect(bogus.stderr.contains("unknown server 'redis-9'"), "\(bogus.stderr)")
        let old = try cli.run(["replay", trace, "--lazyfree-lazy-user-flush", "yes"])
        #expect(old.status == 64)
        #expect(old.stderr.contains("--server redis-7.4:lazyfree-lazy-user-flush=yes"), "\(old.stderr)")
        let rule = try cli.run(["replay", trace, "--server", "valkey-9.2:maxmemory-scripts=1mb", "--policy", "unbounded"])
        #expect(rule.status == 64)
        let twice = try cli.run(["sweep", trace, "--server", "redis-7.4", "--server", "redis-8.0", "--vary", "entries=1,2"])
        #expect(twice.status == 64)
    }

    @Test func sweepAndAnalyzeRunOnTheNamedServer() throws {
        let trace = try writeTrace((0..<30).map { "EVAL \"return \($0 % 12)\" 0\n" }.joined())
        let sweep = try cli.run(["sweep", trace, "--server", "valkey-9.1", "--vary", "entries=2,20", "--format", "json"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let s = try JSONSerialization.jsonObject(with: Data(sweep.stdout.utf8)) as! [String: Any]
        #expect(s["server"] as? String == "valkey-9.1")
        #expect((s["rows"] as! [[String: Any]]).map { $0["policy"] as! String }
                == ["eval-lru:entries=2,promote-on-load=yes", "eval-lru:entries=20,promote-on-load=yes"])
        let analyze = try cli.run(["analyze", trace, "--server", "redis-8.0", "--format", "json"])
        #expect(analyze.status == 0, "\(analyze.stderr)")
        let a = try JSONSerialization.jsonObject(with: Data(analyze.stdout.utf8)) as! [String: Any]
        let whatIf = (a["traces"] as? [[String: Any]])?.first?["what_if"] as? [String: Any] ?? a["what_if"] as? [String: Any]
        #expect(whatIf?["server"] as? String == "redis-8.0")
    }

    @Test func serversAsJSONAndMarkdown() throws {
        let json = try cli.run(["servers", "--format", "json"])
        #expect(json.status == 0)
        let servers = (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any])["servers"] as! [[String: Any]]
        #expect(servers.count >= 10)
        let md = try cli.run(["servers", "--format", "markdown"])
        #expect(md.stdout.hasPrefix("| server | versions | source read | checked | eviction |"))
    }
}
