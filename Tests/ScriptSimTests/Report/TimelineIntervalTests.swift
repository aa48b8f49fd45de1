import Foundation
import FoundationXML
import Testing
@testable import ScriptSim

/// The timeline's per-interval columns, `--interval-seconds`, and the plot's
/// hit-rate and NOSCRIPT panels. Expected rows are worked out by hand.
@Suite struct TimelineIntervalTests {
    /// Replays `text` with a timeline and returns the report and the CSV rows split into cells (header first).
    func timeline(_ text: String, policies: [String], sampleEvery: Int? = nil,
                  intervalSeconds: Double? = nil, warmup: Warmup? = nil, batchSize: Int = 4) throws -> (TraceReport, [[String]]) {
        let path = try writeTrace(text)
        let out = path + ".csv"
        let replayer = try Replayer(policies: policies, options: ReplayOptions(
            batchSize: batchSize, timeline: TimelineOptions(path: out, sampleEvery: sampleEvery, intervalSeconds: intervalSeconds),
            warmup: warmup))
        let report = try replayer.replay(path: path)
        try replayer.commitOutputs()
        let rows = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (report, rows)
    }

    let a = "return 'a'", b = "return 'b'", c = "return 'c'"

    /// The interval columns of a row: event, then requests, hit rate, NOSCRIPT, evictions, compiles.
    func interval(_ row: [String]) -> [String] { [row[0]] + row[9...13] }

    /// SCRIPT LOAD a, b; SCRIPT EXISTS | EVALSHA a, b; SCRIPT FLUSH | EVALSHA a, b, a | EVAL c,
    /// a row every 3 events and one for the last, partial interval.
    /// unbounded: 2 loads compiled; 2 hits; after the flush a and b meet
    /// NOSCRIPT and are retried with EVAL (compiled), the third call hits;
    /// c misses. eval-lru:entries=1 keeps loaded scripts pinned, but the
    /// retries are EVAL scripts: b evicts a, a (NOSCRIPT again) evicts b, c evicts a.
    @Test func intervalColumnsShowTheNoscriptBurstAfterAFlush() throws {
        let trace = "SCRIPT LOAD \(quoted(a))\nSCRIPT LOAD \(quoted(b))\nSCRIPT EXISTS \(sha1Hex(a))\n"
            + "EVALSHA \(sha1Hex(a)) 0\nEVALSHA \(sha1Hex(b)) 0\nSCRIPT FLUSH\n"
            + "EVALSHA \(sha1Hex(a)) 0\nEVALSHA \(sha1Hex(b)) 0\nEVALSHA \(sha1Hex(a)) 0\nEVAL \(quoted(c)) 0\n"
        let (report, rows) = try timeline(trace, policies: ["unbounded", "eval-lru:entries=1"], sampleEvery: 3)
        #expect(rows[0][9...13] == ["interval_requests", "interval_hit_rate", "interval_noscript", "interval_evictions", "interval_compiles"])
        let unbounded = rows.dropFirst().filter { $0[2] == "unbounded" }.map(interval)
        #expect(unbounded == [["3", "0", "", "0", "0", "2"],
                              ["6", "2", "1.0", "0", "0", "0"],
                              ["9", "3", "0.3333333333333333", "2", "0", "2"],
                              ["10", "1", "0.0", "0", "0", "1"]])
        let lru = rows.dropFirst().filter { $0[2] == "eval-lru:entries=1" }.map(interval)
        #expect(lru == [["3", "0", "", "0", "0", "2"],
                        ["6", "2", "1.0", "0", "0", "0"],
                        ["9", "3", "0.0", "3", "2", "3"],
                        ["10", "1", "0.0", "0", "1", "1"]])
        // The plot's points carry the same figures.
        #expect(report.timeline.map { $0.points.map(\.intervalNoscript) } == [[0, 0, 2, 0], [0, 0, 3, 0]])
        #expect(report.timeline[0].points.map(\.intervalHitRate) == [nil, 1, 1.0 / 3, 0])
    }

    /// MONITOR time +0, +0.25, +0.5 | +1, +1.75 | (none in [2, 3)) | +3.5 | +4, +4.25 with 1-second
    /// intervals: a row at the last event of each interval with events (the
    /// empty one is skipped), the last one partial. Bodies a b a | c a | b | c a,
    /// unbounded: misses a b, c; everything else hits.
    @Test func intervalSecondsSamplesByTraceTime() throws {
        let stamps = ["0.000000", "0.250000", "0.500000", "1.000000", "1.750000", "3.500000", "4.000000", "4.250000"]
        let bodies = [a, b, a, c, a, b, c, a]
        let trace = zip(stamps, bodies).map { "173246000\($0) [0 127.0.0.1:50000] \"EVAL\" \(quoted($1)) \"0\"\n" }.joined()
        // Batches of 2 put sample points at a batch's start, whose row shows the previous batch's last event.
        for batchSize in [2, 3, 4096] {
            let (report, rows) = try timeline(trace, policies: ["unbounded"], intervalSeconds: 1, batchSize: batchSize)
            #expect(rows.dropFirst().map { [$0[0], $0[1]] + $0[9...10] + [$0[13]] } == [
                ["3", "1732460000.5", "3", "0.3333333333333333", "2"],
                ["5", "1732460001.75", "2", "0.5", "1"],
                ["6", "1732460003.5", "1", "1.0", "0"],
                ["8", "1732460004.25", "2", "1.0", "0"],
            ], "batch size \(batchSize)")
            #expect(report.timelineIntervalSeconds == 1)
            #expect(report.timeline[0].points.map(\.timestamp) == [1732460000.5, 1732460001.75, 1732460003.5, 1732460004.25])
        }
    }

    @Test func intervalSecondsNeedsTimestamps() throws {
        let error = #expect(throws: TraceError.self) {
            try timeline("EVAL \(quoted(a)) 0\n", policies: ["unbounded"], intervalSeconds: 1)
        }
        #expect(error?.message == "--interval-seconds needs trace timestamps (MONITOR form), and the first script command has none")
    }

    /// With the warm-up ending where an interval starts, the rows after it add
    /// up to the report's counts, and the rows before it to the warm-up's.
    @Test func rowsAfterTheWarmupAddUpToTheReport() throws {
        let path = CommandLineTests.workloads.appendingPathComponent("monitor-mixed.trace").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let (report, rows) = try timeline(text, policies: ["eval-lru:entries=100", "unbounded"], intervalSeconds: 0.5,
                                          warmup: .seconds(1), batchSize: 4096)
        let boundary = report.summary.warmupEvents
        #expect(boundary > 0 && boundary < report.summary.replayEvents)
        for (i, p) in report.policies.enumerated() {
            let mine = rows.dropFirst().filter { $0[2] == p.policy }
            #expect(mine.contains { Int($0[0]) == boundary }, "a row ends the warm-up")
            let after = mine.filter { Int($0[0])! > boundary }
            func sum(_ column: Int) -> Int { after.reduce(0) { $0 + Int($1[column])! } }
            #expect(sum(9) == p.requests && sum(11) == p.noscript && sum(12) == p.evictions && sum(13) == p.compiles)
            let hits = report.timeline[i].points.filter { $0.event > boundary }
                .reduce(0.0) { $0 + ($1.intervalHitRate ?? 0) * Double($1.intervalRequests) }
            #expect(Int(hits.rounded()) == p.evalHits + p.evalshaHits)
        }
    }

    /// The plot: VM bytes, hit rate and NOSCRIPT panels, one series per run in
    /// each; the x axis is trace seconds with `--interval-seconds`.
    @Test func thePlotHasHitRateAndNoscriptPanels() throws {
        let trace = "SCRIPT LOAD \(quoted(a))\nEVALSHA \(sha1Hex(a)) 0\nSCRIPT FLUSH\nEVALSHA \(sha1Hex(a)) 0\nEVALSHA \(sha1Hex(a)) 0\n"
        let (report, _) = try timeline(trace, policies: ["unbounded", "eval-lru:entries=1"], sampleEvery: 2)
        let svg = SweepRenderer.timelinePlot(report)
        let titles = try Regex("<g class=\"panel\">\n<text [^>]*>([^<]*)</text>")
        #expect(svg.matches(of: titles).map { String($0.output[1].substring ?? "") }
                == ["VM bytes", "Hit rate per interval", "NOSCRIPT replies per interval"])
        let series = try Regex("<polyline class=\"series\" data-series=\"([^\"]*)\"")
        #expect(svg.matches(of: series).map { String($0.output[1].substring ?? "") }
                == Array(repeating: ["redis-7.4 unbounded", "redis-7.4 eval-lru:entries=1"], count: 3).flatMap { $0 })
        #expect(svg.contains("events replayed"))
        #expect(XMLParser(data: Data(svg.utf8)).parse())
        // Rows after events 2 and 4 and the last: the NOSCRIPT reply is in the second.
        #expect(report.timeline[0].points.map(\.intervalNoscript) == [0, 1, 0])

        let monitor = "1732460000.000000 [0 127.0.0.1:50000] \"EVAL\" \(quoted(a)) \"0\"\n"
            + "1732460002.000000 [0 127.0.0.1:50000] \"EVAL\" \(quoted(a)) \"0\"\n"
        let (timed, _) = try timeline(monitor, policies: ["unbounded"], intervalSeconds: 1)
        #expect(SweepRenderer.timelinePlot(timed).contains("seconds of trace time (a row per 1 s with events)"))
    }
}
