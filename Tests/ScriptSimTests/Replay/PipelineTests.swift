import Foundation
import Testing
@testable import ScriptSim

/// The reader runs a batch ahead of the policies on a thread of its own
/// (`readEvents(pipelined:)`). What the replaying side sees — batches, the
/// counts published with them, skipped lines, errors — must be what a serial
/// read gives, in the same order. Also run under ThreadSanitizer.
@Suite struct PipelineTests {
    struct Seen: Equatable {
        var log: [String] = []
        var error: String?
    }

    /// Everything `readEvents` hands out, as text, with `failAt` making the
    /// handler throw at that batch.
    func read(_ path: String, pipelined: Bool, batchSize: Int = 100, skipInvalid: Bool = false, failAt: Int? = nil) throws -> Seen {
        var options = ReplayOptions()
        options.batchSize = batchSize
        options.reader.skipInvalid = skipInvalid
        let catalog = try ScriptCatalog(measureCosts: false)
        var seen = Seen()
        struct HandlerFailed: Error {}
        do {
            let reader = try Replayer.readEvents(path: path, options: options, catalog: catalog, keepTimestamps: true,
                                                 onInvalidLine: { seen.log.append("skipped \($0.line)") },
                                                 pipelined: pipelined) { batch, extras, progress in
                if seen.log.count == failAt { throw HandlerFailed() }
                // Every id a batch names is below the count published with it.
                #expect(batch.allSatisfy { Int($0.script) < extras.scriptCount })
                seen.log.append("batch \(batch.map { "\($0.operation)\($0.script)\($0.bodyKnown)" }) scripts \(extras.scriptCount) "
                    + "line \(progress.lineNumber) consumed \(progress.bytesConsumed) \(extras.timestamps.count)")
            }
            seen.log.append("summary \(reader.summary.lines) \(reader.summary.distinctScripts) \(reader.summary.invalid)")
        } catch {
            seen.error = "\(error)"
        }
        return seen
    }

    @Test func batchesAreTheSerialOnes() throws {
        for name in ["mixed.trace", "monitor-mixed.trace", "flush-heavy.trace"] {
            let path = InterningTests.workloads.appendingPathComponent(name).path
            let serial = try read(path, pipelined: false)
            #expect(serial.log.count > 20)
            #expect(try read(path, pipelined: true) == serial, "\(name)")
        }
    }

    func traceWithBadLines(good: Int, badAt: [Int]) throws -> String {
        var lines: [String] = []
        for i in 1...good {
            lines.append(badAt.contains(i) ? "EVAL \"return 1\" x" : "EVAL \"return \(i % 37)\" 0")
        }
        return try writeTrace(lines.joined(separator: "\n") + "\n")
    }

    /// A malformed line after some batches: the batches before it are handled,
    /// then its error comes out; a handler's failure in an earlier batch wins.
    @Test func errorsComeOutInTraceOrder() throws {
        let path = try traceWithBadLines(good: 1000, badAt: [750])
        let serial = try read(path, pipelined: false)
        #expect(serial.error?.contains(":750:") == true)
        #expect(serial.log.count == 7)   // 700 events in 7 batches before line 750
        #expect(try read(path, pipelined: true) == serial)
        let failing = try read(path, pipelined: false, failAt: 3)
        #expect(failing.error == "HandlerFailed()")
        #expect(try read(path, pipelined: true, failAt: 3) == failing)
    }

    /// Skipped lines are reported between the same batches as in a serial read,
    /// also when a run of them is longer than what travels with one batch.
    @Test func skippedLinesInterleaveAsInASerialRead() throws {
        let path = try traceWithBadLines(good: 4000, badAt: [5, 150, 151, 999] + Array(1200...3500))
        let serial = try read(path, pipelined: false, skipInvalid: true)
        #expect(serial.log.filter { $0.hasPrefix("skipped") }.count == 2305)
        #expect(try read(path, pipelined: true, skipInvalid: true) == serial)
    }

    /// Whole replays with two policies (each on its own thread) while the reader reads ahead.
    @Test func replaysMatchWithSmallBatches() throws {
        let path = InterningTests.workloads.appendingPathComponent("mixed.trace").path
        func report(_ batchSize: Int) throws -> [PolicyResult] {
            var options = ReplayOptions()
            options.batchSize = batchSize
            options.flush = FlushOptions(mode: .sync)
            return try Replayer(policies: ["eval-lru:entries=50", "unbounded"], options: options).replay(path: path).policies.map(withoutTimes)
        }
        #expect(try report(7) == report(100_000))
    }
}
