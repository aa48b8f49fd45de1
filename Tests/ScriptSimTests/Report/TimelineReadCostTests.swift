import Foundation
import Testing
@testable import ScriptSim

/// Issue #21 item 19: a row per event cost 55 µs, a jemalloc `epoch` refresh
/// each. What a row costs is measured by bench, not here; these tests show the
/// rule that bounds it: with dense rows the allocator is read at most once in
/// `TimelineSampler.denseReadSpacing` events (and after each flush), every other column is exact at every row, and the default sampling
/// still reads at every row.
@Suite struct TimelineReadCostTests {
    func rows(_ text: String, sampleEvery: Int?, policies: [String] = ["eval-lru:entries=50"]) throws -> [[String]] {
        let path = try writeTrace(text)
        let out = path + ".csv"
        let replayer = try Replayer(policies: policies, options: ReplayOptions(
            batchSize: 97, timeline: TimelineOptions(path: out, sampleEvery: sampleEvery, keepRows: false)))
        let report = try replayer.replay(path: path)
        #expect(report.timeline.allSatisfy { $0.points.isEmpty }, "rows kept only for a plot")
        try replayer.commitOutputs()
        return try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// 3000 EVALs of 200 bodies, a SCRIPT FLUSH after event 1500.
    var trace: String {
        var lines = (0..<3000).map { "EVAL \"return \($0 % 200)\" 0\n" }
        lines.insert("SCRIPT FLUSH\n", at: 1500)
        return lines.joined()
    }

    @Test func denseRowsReadTheAllocatorAtMostOnceASpacing() throws {
        let spacing = TimelineSampler.denseReadSpacing
        let dense = try rows(trace, sampleEvery: 1)
        #expect(dense.count == 3001)
        let readAt = dense.map { Int($0[14])! }
        let events = dense.map { Int($0[0])! }
        for (event, read) in zip(events, readAt) {
            #expect(read <= event && event - read < spacing, "row \(event) shows a read of event \(read)")
        }
        // Reads: one per spacing from the first row, and one after the flush (event 1501).
        let reads = Set(readAt)
        #expect(reads.contains(1), "\(reads.sorted())")
        #expect(reads.contains(1501), "\(reads.sorted())")
        #expect(reads.count <= 3001 / spacing + 3, "\(reads.count) reads")
        // A row that repeats a read repeats its figures exactly.
        var byRead: [Int: [String]] = [:]
        for row in dense {
            let figures = Array(row[7...8])
            if let seen = byRead[Int(row[14])!] { #expect(seen == figures) } else { byRead[Int(row[14])!] = figures }
        }
        // Every other column is what a row at that event alone shows: the rows
        // of --sample-every 100 equal the dense rows at those events.
        let sparse = try rows(trace, sampleEvery: 100)
        let denseByEvent = Dictionary(uniqueKeysWithValues: dense.map { (Int($0[0])!, $0) })
        for row in sparse {
            let same = try #require(denseByEvent[Int(row[0])!])
            #expect(same[4...6] == row[4...6], "vm_bytes, script_bytes, cached_scripts at \(row[0])")
        }
    }

    @Test func theDefaultSamplingReadsAtEveryRow() throws {
        let rows = try rows(trace, sampleEvery: nil)
        #expect(rows.count > 100)
        for row in rows { #expect(row[14] == row[0], "row \(row[0]) read at \(row[14])") }
    }
}

/// Issue #22: a timeline of two engines and two clients on one policy had rows
/// no reader could tell apart; the engine and client columns name every run.
@Suite struct TimelineRunLabelTests {
    @Test func everyRunHasRowsOfItsOwn() throws {
        let path = try writeTrace((0..<40).map { "EVAL \"return \($0 % 7)\" 0\n" }.joined())
        let out = path + ".csv"
        let replayer = try Replayer(policies: ["eval-lru:entries=3"], servers: ["redis-7.4", "valkey-9.1"], options: ReplayOptions(
            timeline: TimelineOptions(path: out, sampleEvery: 10),
            clients: [ClientChoice(.evalFallback), ClientChoice(.none)], engines: [.lua54, .lua51]))
        _ = try replayer.replay(path: path)
        try replayer.commitOutputs()
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",")
        #expect(header.suffix(3) == ["engine", "client", "server"])
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count == 8 * 4, "4 rows for each of 8 runs")
        // server, policy, allocator, engine, client: eight distinct runs, each with a row at every sample.
        var runs: [String: [String]] = [:]
        for row in rows { runs["\(row[17]) \(row[2]) \(row[3]) \(row[15]) \(row[16])", default: []].append(String(row[0])) }
        #expect(Set(runs.keys) == Set(["redis-7.4", "valkey-9.1"].flatMap { server in [
            "\(server) eval-lru:entries=3 arena lua5.4 eval-fallback", "\(server) eval-lru:entries=3 arena lua5.4 none",
            "\(server) eval-lru:entries=3 arena lua5.1 eval-fallback", "\(server) eval-lru:entries=3 arena lua5.1 none",
        ] }))
        for events in runs.values { #expect(events == ["10", "20", "30", "40"]) }
    }
}
