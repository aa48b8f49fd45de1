import Foundation
import Testing
@testable import ScriptSim

/// Several policy runs replay the same batches on threads of their own
/// (`PolicyLanes`), never more than `lead` batches apart. What the caller sees
/// must be what a barrier after every batch gave: each batch once, in order,
/// after every run replayed it, with the first error in run order. Also run
/// under ThreadSanitizer.
@Suite struct PolicyLanesTests {
    func batch(_ n: Int) -> PolicyLanes.Batch {
        PolicyLanes.Batch(events: [ReplayEvent(operation: .exists, script: ScriptID(n))], extras: Replayer.BatchExtras(),
                          progress: ReadProgress(displayPath: "t", bytesRead: 0, bytesConsumed: 0, lineNumber: n, fileSize: nil))
    }

    /// What the lanes did, recorded under a lock of the test's own.
    final class Log: @unchecked Sendable {
        let lock = NSLock()
        var seen: [[Int]]
        var maxSpread = 0
        init(lanes: Int) { seen = Array(repeating: [], count: lanes) }

        func record(_ r: Int, _ n: Int) {
            lock.lock()
            seen[r].append(n)
            let counts = seen.map(\.count)
            maxSpread = max(maxSpread, counts.max()! - counts.min()!)
            lock.unlock()
        }
    }

    /// Lanes of uneven speed: every lane replays every batch in order, batches
    /// come back once each and in order, each with every lane's samples, and
    /// no lane runs more than `lead` batches ahead of the slowest.
    @Test(arguments: [1, 2, 4])
    func everyLaneReplaysEveryBatchInOrderWithinTheLead(lead: Int) {
        let lanes = 3
        let log = Log(lanes: lanes)
        let subject = PolicyLanes(lanes: lanes, lead: lead) { r, b in
            let n = Int(b.events[0].script)
            log.record(r, n)
            if r == 1 { usleep(UInt32(50 + n % 7 * 30)) }
            return [TimelineSample(event: n * 10 + r, vmBytes: 0, scriptBytes: 0, cachedScripts: 0, allocatorActive: 0,
                                   allocatorResident: 0, allocatorReadEvent: 0, interval: IntervalCounts())]
        }
        var back: [PolicyLanes.Finished] = []
        for n in 0..<200 { back += subject.submit(batch(n)) }
        back += subject.finish()
        #expect(back.map { Int($0.batch.events[0].script) } == Array(0..<200))
        #expect(back.allSatisfy { f in f.error == nil && f.samples.enumerated().allSatisfy { r, s in s.map(\.event) == [Int(f.batch.events[0].script) * 10 + r] } })
        #expect(log.seen == Array(repeating: Array(0..<200), count: lanes))
        #expect(log.maxSpread <= lead + 1, "spread \(log.maxSpread)")
    }

    struct Failure: Error, Equatable { var lane: Int; var batch: Int }

    /// Lane 2 fails at batch 3, lane 0 at batch 5 and lane 1 also at batch 3:
    /// batches 0–2 come back clean, batch 3 carries lane 1's error (run order),
    /// and a lane that failed replays nothing more.
    @Test func theFirstErrorInTraceThenRunOrderComesBack() {
        let log = Log(lanes: 3)
        let failAt = [5, 3, 3]
        let subject = PolicyLanes(lanes: 3, lead: 2) { r, b in
            let n = Int(b.events[0].script)
            log.record(r, n)
            if n == failAt[r] { throw Failure(lane: r, batch: n) }
            return []
        }
        var back: [PolicyLanes.Finished] = []
        for n in 0..<20 { back += subject.submit(batch(n)) }
        back += subject.finish()
        let firstError = back.firstIndex { $0.error != nil }
        #expect(firstError == 3)
        #expect(back[3].error as? Failure == Failure(lane: 1, batch: 3))
        #expect(log.seen[1] == [0, 1, 2, 3] && log.seen[2] == [0, 1, 2, 3])
        #expect(log.seen[0] == Array(0...5))
    }

    struct ReaderFailure: Error {}

    /// What a reader sees through `feed` and `drain`: every clean batch handed
    /// back in order, then the first run error thrown once, where it happened.
    @Test func feedHandsBackCleanBatchesThenThrowsTheFirstRunError() {
        let subject = PolicyLanes(lanes: 2, lead: 2) { r, b in
            let n = Int(b.events[0].script)
            if r == 1, n == 6 { throw Failure(lane: r, batch: n) }
            return []
        }
        var handed: [Int] = []
        var thrown: Error?
        do {
            for n in 0..<20 { try subject.feed(batch(n)) { handed.append(Int($0.batch.events[0].script)) } }
            try subject.drain { handed.append(Int($0.batch.events[0].script)) }
        } catch {
            thrown = error
        }
        #expect(handed == Array(0..<6))
        #expect(thrown as? Failure == Failure(lane: 1, batch: 6))
        subject.cancel()
    }

    /// The reader fails after batch 9: a run that failed at batch 9 (a slow
    /// lane, so not yet handed back when the reader fails) comes out first;
    /// with no run failing, the reader's error does, after every batch read
    /// was replayed and handed back.
    @Test(arguments: [true, false])
    func aRunErrorBeforeTheReadersComesOutFirst(runFails: Bool) {
        let subject = PolicyLanes(lanes: 2, lead: 4) { r, b in
            let n = Int(b.events[0].script)
            if r == 0 { usleep(3000) }
            if runFails, r == 0, n == 9 { throw Failure(lane: r, batch: n) }
            return []
        }
        var handed: [Int] = []
        var thrown: Error?
        do {
            do {
                for n in 0..<10 { try subject.feed(batch(n)) { handed.append(Int($0.batch.events[0].script)) } }
                throw ReaderFailure()
            } catch let e as ReaderFailure {
                try subject.drain(after: e) { handed.append(Int($0.batch.events[0].script)) }
            }
        } catch {
            thrown = error
        }
        if runFails {
            #expect(thrown as? Failure == Failure(lane: 0, batch: 9))
            #expect(handed == Array(0..<9))
        } else {
            #expect(thrown is ReaderFailure)
            #expect(handed == Array(0..<10))
        }
        subject.cancel()
    }

    /// Cancelling part-way ends every thread, also while a lane is behind.
    @Test func cancelEndsTheLanes() {
        let subject = PolicyLanes(lanes: 2, lead: 3) { r, _ in
            if r == 0 { usleep(2000) }
            return []
        }
        for n in 0..<10 { _ = subject.submit(batch(n)) }
        subject.cancel()
        #expect(subject.finish().count <= 10)
    }
}
