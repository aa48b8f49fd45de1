import Foundation
import Testing
@testable import ScriptSim

/// `--warmup`, `--warmup-seconds` and `--interval-seconds` as a user types
/// them: what the report says, and one-line errors with their exit status.
@Suite struct WarmupCommandTests {
    let cli = CommandLineTests()
    let typed = "EVAL \"return 1\" 0\nEVAL \"return 2\" 0\nEVAL \"return 1\" 0\n"

    @Test func theReportSaysHowManyEventsWereWarmup() throws {
        let path = try writeTrace(typed)
        let table = try cli.run(["replay", path, "--policy", "unbounded", "--warmup", "2"])
        #expect(table.status == 0 && table.stderr.isEmpty)
        #expect(table.stdout.contains("\n  warm-up: 2 events (counts start after them)\n"))
        let wide = try cli.run(["replay", path, "--policy", "unbounded", "--warmup", "2", "--wide"])
        #expect(wide.stdout.contains("\n  warm-up: 2 events (counts start after them)\n"))
        let md = try cli.run(["replay", path, "--policy", "unbounded", "--warmup", "2", "--format", "markdown"])
        #expect(md.stdout.contains("\nwarm-up: 2 events (counts start after them)\n"))
        let json = try cli.run(["replay", path, "--policy", "unbounded", "--warmup", "2", "--format", "json"])
        let trace = try #require((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["traces"] as? [[String: Any]]).first
        #expect((trace?["summary"] as? [String: Any])?["warmup_events"] as? Int == 2)
        // The third EVAL hits what the warm-up compiled: one request, one hit.
        let policy = (trace?["policies"] as? [[String: Any]])?.first
        #expect(policy?["requests"] as? Int == 1 && policy?["eval_hits"] as? Int == 1 && policy?["compiles"] as? Int == 0)
        let csv = try cli.run(["replay", path, "--policy", "unbounded", "--warmup", "2", "--format", "csv"])
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines[0].hasSuffix(",trace_warmup_events") && lines[1].hasSuffix(",2"))
        // Without a warm-up, no line.
        #expect(!(try cli.run(["replay", path, "--policy", "unbounded"])).stdout.contains("warm-up"))
    }

    @Test func aWarmupOverTheWholeTraceWarns() throws {
        let path = try writeTrace(typed)
        let r = try cli.run(["replay", path, "--policy", "unbounded", "--warmup", "3"])
        #expect(r.status == 0)
        #expect(r.stderr == "\(path): warning: the warm-up (--warmup 3) covers all 3 events of the trace; nothing was counted\n")
        #expect(r.stdout.contains("warm-up: 3 events (counts start after them, the whole trace: nothing counted)"))
        let sweep = try cli.run(["sweep", path, "--policy", "eval-lru", "--vary", "entries=1,2", "--warmup", "10"])
        #expect(sweep.status == 0)
        #expect(sweep.stderr == "\(path): warning: the warm-up (--warmup 10) covers all 3 events of the trace; nothing was counted\n")
    }

    /// Each bad combination: one line on stderr, nothing on stdout, status 64.
    @Test(arguments: [
        (["--warmup", "2", "--warmup-seconds", "1"],
         "--warmup and --warmup-seconds are exclusive: count the warm-up in events or in seconds, not both"),
        (["--warmup=-1"], "--warmup must be a whole number of events, 0 or more"),
        (["--warmup-seconds", "nan"], "--warmup-seconds must be a number of seconds, 0 or more"),
        (["--interval-seconds", "1"], "--interval-seconds needs --timeline FILE"),
        (["--interval-seconds", "0", "--timeline", "/dev/null"], "--interval-seconds must be a number of seconds above 0"),
        (["--interval-seconds", "1", "--sample-every", "10", "--timeline", "/dev/null"],
         "--interval-seconds and --sample-every are exclusive: sample by time or by events"),
    ])
    func badOptionsExit64(arguments: [String], message: String) throws {
        let path = try writeTrace(typed)
        let r = try cli.run(["replay", path] + arguments)
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == message + "\n")
    }

    @Test func sweepTakesTheSameWarmupOptions() throws {
        let path = try writeTrace(typed)
        let both = try cli.run(["sweep", path, "--policy", "eval-lru", "--vary", "entries=1,2", "--warmup", "1", "--warmup-seconds", "1"])
        #expect(both.status == 64)
        #expect(both.stderr == "--warmup and --warmup-seconds are exclusive: count the warm-up in events or in seconds, not both\n")
        let json = try cli.run(["sweep", path, "--policy", "eval-lru", "--vary", "entries=1,2", "--warmup", "2", "--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(report["warmup_events"] as? Int == 2)
        // entries=1: after a (return 1), b (return 2) only b is cached; a misses. entries=2: a hits.
        let rows = try #require(report["rows"] as? [[String: Any]])
        #expect(rows.map { $0["hit_rate"] as? Double } == [0, 1])
        let table = try cli.run(["sweep", path, "--policy", "eval-lru", "--vary", "entries=1,2", "--warmup", "2"])
        #expect(table.stdout.contains("\n  warm-up: 2 events (counts start after them)\n"))
    }

    /// Options that need MONITOR time on a trace without it: status 65, the line named.
    @Test(arguments: [
        (["replay", "--warmup-seconds", "1"], "--warmup-seconds"),
        (["replay", "--timeline", "/dev/null", "--interval-seconds", "1"], "--interval-seconds"),
        (["sweep", "--policy", "eval-lru", "--vary", "entries=1,2", "--warmup-seconds", "1"], "--warmup-seconds"),
    ])
    func timeOptionsNeedTimestamps(arguments: [String], option: String) throws {
        let path = try writeTrace("# typed lines carry no time\n" + typed)
        let r = try cli.run([arguments[0], path] + arguments.dropFirst())
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "\(path):2: \(option) needs trace timestamps (MONITOR form), and the first script command has none\n")
    }
}
