import Foundation
import Testing
@testable import ScriptSim

/// `sweep` as a user types it (issue #21 item 14): targets that no limit could
/// meet are refused, a sweep that finds no limit says so in its exit status
/// and its JSON, an option given twice is refused instead of half-ignored,
/// and `--progress` reports on stderr.
@Suite struct SweepCommandTests {
    let cli = CommandLineTests()
    /// entries=1 misses all three calls; entries=2 hits the third (hit rate 1/3).
    let typed = "EVAL \"return 1\" 0\nEVAL \"return 2\" 0\nEVAL \"return 1\" 0\n"

    func sweep(_ path: String, _ more: [String]) throws -> CommandLineTests.Run {
        try cli.run(["sweep", path, "--policy", "eval-lru", "--vary", "entries=1,2"] + more)
    }

    func json(_ r: CommandLineTests.Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test(arguments: [
        ("hit_rate>=1.5", "hit_rate is a rate from 0 to 1, got '1.5'"),
        ("hit_rate<=-0.1", "hit_rate is a rate from 0 to 1, got '-0.1'"),
        ("noscript<=-1", "noscript is a count of 0 or more, got '-1'"),
        ("compiles>=-3", "compiles is a count of 0 or more, got '-3'"),
        ("vm_bytes_peak<=-1MiB", "vm_bytes_peak is a size of 0 bytes or more, got '-1MiB'"),
    ])
    func targetsOutsideTheirRangeAreRefused(target: String, message: String) throws {
        let r = try sweep(try writeTrace(typed), ["--target", "hit_rate>=0.1," + target])
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "--target '\(target)': \(message)\n")
    }

    /// The ends of each range are targets like any other.
    @Test func targetsAtTheEndsOfTheirRangeAreTaken() throws {
        let targets = try SweepTarget.parseList("hit_rate>=0,hit_rate<=1,noscript<=0,vm_bytes_peak>=0")
        #expect(targets.map(\.bound) == [0, 1, 0, 0])
        for metric in SweepTarget.Metric.allCases { #expect(metric.validRange.lowerBound == 0) }
        #expect(SweepTarget.Metric.hitRate.validRange.upperBound == 1)
    }

    @Test func noLimitMeetingTheTargetsHasItsOwnExitStatusAndJSON() throws {
        let path = try writeTrace(typed)
        let missed = try sweep(path, ["--target", "hit_rate>=0.5", "--format", "json"])
        #expect(missed.status == 3, "\(missed.stderr)")
        #expect(missed.stderr.isEmpty)
        let rec = try #require(try json(missed)["recommendation"] as? [String: Any])
        #expect(rec["met"] as? Bool == false)
        #expect(rec["limit"] is NSNull && rec["policy"] is NSNull && rec["values"] is NSNull)
        let targets = try #require(rec["targets"] as? [[String: Any]])
        #expect(targets.count == 1 && targets[0]["target"] as? String == "hit_rate>=0.5" && targets[0]["metric"] as? String == "hit_rate")
        #expect(targets[0]["op"] as? String == ">=" && targets[0]["bound"] as? Double == 0.5)
        let closest = try #require(rec["closest"] as? [String: Any])
        #expect(closest["target"] as? String == "hit_rate>=0.5" && closest["limit"] as? Int == 2)
        #expect(closest["policy"] as? String == "eval-lru:entries=2")
        let value = try #require(closest["value"] as? Double)
        #expect(abs(value - 1.0 / 3) < 1e-9)
        #expect(abs((closest["miss"] as? Double ?? 0) - (0.5 - 1.0 / 3)) < 1e-9)
        #expect(abs((closest["relative_miss"] as? Double ?? 0) - (0.5 - 1.0 / 3) / 0.5) < 1e-9)
        #expect((rec["text"] as? String)?.hasPrefix("no limit meets hit_rate>=0.5; closest: ") == true)

        // The table keeps its sentence, and the same status.
        let table = try sweep(path, ["--target", "hit_rate>=0.5"])
        #expect(table.status == 3)
        #expect(table.stdout.contains("\nno limit meets hit_rate>=0.5; closest: hit_rate>=0.5 came within 33.3% at entries=2"))

        let met = try sweep(path, ["--target", "hit_rate>=0.3,noscript<=0", "--format", "json"])
        #expect(met.status == 0)
        let ok = try #require(try json(met)["recommendation"] as? [String: Any])
        #expect(ok["met"] as? Bool == true && ok["limit"] as? Int == 2 && ok["policy"] as? String == "eval-lru:entries=2")
        let values = try #require(ok["values"] as? [String: Any])
        #expect(values.count == 2 && values["noscript"] as? Int == 0 && abs((values["hit_rate"] as? Double ?? 0) - 1.0 / 3) < 1e-9)
        #expect(ok["closest"] is NSNull)
        #expect((ok["text"] as? String)?.hasPrefix("recommended: entries=2 ") == true)

        // Repeated --target adds goals (all must hold), never drops the earlier ones.
        let repeated = try sweep(path, ["--target", "hit_rate>=0.3", "--target", "noscript<=0", "--format", "json"])
        #expect(repeated.stdout == met.stdout && repeated.status == 0)
        let stricter = try sweep(path, ["--target", "hit_rate>=0.5", "--target", "noscript<=0"])
        #expect(stricter.status == 3)

        // Without targets there is nothing to meet: null, status 0.
        let none = try sweep(path, ["--format", "json"])
        let report = try json(none)
        #expect(none.status == 0 && report["recommendation"] is NSNull)
    }

    @Test(arguments: [
        (["--policy", "eval-lru", "--vary", "entries=1,2", "--vary", "entries=3,4"],
         "--vary given 2 times: sweep takes one (it varies one parameter; run a sweep for each)"),
        (["--policy", "eval-lru", "--policy", "pinned-loaded", "--vary", "entries=1,2"],
         "--policy given 2 times: sweep takes one (it sweeps one policy; replay compares several)"),
        (["--policy", "eval-lru:entries=100", "--vary", "entries=10..500"],
         "--vary entries: --policy 'eval-lru:entries=100' also sets entries; the sweep sets it at each limit, so leave it out of --policy"),
        (["--policy", "size-capped:BYTES=1MiB", "--vary", "bytes=1KiB..1MiB"],
         "--vary bytes: --policy 'size-capped:BYTES=1MiB' also sets bytes; the sweep sets it at each limit, so leave it out of --policy"),
    ])
    func anOptionGivenTwiceIsRefused(arguments: [String], message: String) throws {
        let r = try cli.run(["sweep", try writeTrace(typed)] + arguments)
        #expect(r.status == 64)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == message + "\n")
    }

    /// `--progress` writes status lines on stderr while the sweep runs (at most
    /// twice a second, so the trace is large enough to take a second or more);
    /// stdout carries the report alone, and without a terminal the default is off.
    @Test func progressGoesToStderr() throws {
        var o = GeneratorOptions()
        o.events = 60_000
        o.scripts = 800
        var text = ""
        WorkloadGenerator(options: o).generate { text += $0 }
        let path = try writeTrace(text)
        let args = ["sweep", path, "--policy", "size-capped", "--vary", "bytes=16KiB..4MiB", "--points", "6", "--format", "csv"]
        let quiet = try cli.run(args)
        #expect(quiet.status == 0 && quiet.stderr.isEmpty)
        let shown = try cli.run(args + ["--progress"])
        #expect(shown.status == 0)
        #expect(shown.stdout == quiet.stdout)
        #expect(shown.stderr.contains("\r\(path): reading, ") || shown.stderr.contains("\r\(path): full replays, "), "\(shown.stderr)")
        #expect(shown.stderr.contains(" of 6 limits done, "), "the replays take most of the time: \(shown.stderr)")
        #expect(shown.stderr.hasSuffix("\r\u{1B}[K"), "the line is cleared at the end")
        #expect(try cli.run(args + ["--no-progress"]).stderr.isEmpty)
    }

    /// The library reports both stages: every event read, then each group of
    /// full replays through to the last event.
    @Test func theSweeperReportsItsProgress() throws {
        let trace = (0..<5000).map { "EVAL \"return \($0 % 300)\" 0\n" }.joined()
        let path = try writeTrace(trace)
        let sweeper = Sweeper(spec: SweepSpec(policy: "size-capped", key: "bytes", values: [4096, 65_536, 1 << 20]))
        var seen: [SweepProgress] = []
        sweeper.onProgress = { seen.append($0) }
        _ = try sweeper.run(path: path)
        let reading = seen.filter { $0.stage == .reading }, replaying = seen.filter { $0.stage == .replaying }
        #expect(reading.last?.events == 5000)
        #expect(replaying.allSatisfy { $0.totalEvents == 5000 && $0.limitsTotal == 3 })
        let last = try #require(replaying.last)
        #expect(last.events == 5000 && last.limitsDone + last.limitsRunning == 3)
        #expect(seen.firstIndex { $0.stage == .replaying }! > seen.lastIndex { $0.stage == .reading }!)
    }
}
