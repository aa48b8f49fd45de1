import Foundation

/// Replays the same batches under several policies at once, each run on a
/// thread of its own, so that no run waits for another batch by batch.
///
/// Before, every batch ended at a barrier: the faster policy idled until the
/// slower finished, and the core it left went unused whenever the reader had
/// nothing to do either (two policies took 0.70 of their two single runs on
/// two cores, docs/performance.md). Here a run may be up to `lead` batches
/// ahead of the slowest; batches are shared and read only, and are released
/// once every run is past them, so memory stays bounded.
///
/// The caller gets each batch back once every run has finished it, in trace
/// order, with the timeline samples each run took during it and the first
/// error (in run order) a run met there — what a barrier would have shown.
/// A run that failed replays nothing more. Threads are named
/// "scriptsim-policy" for top -H and perf.
final class PolicyLanes {
    struct Batch {
        var events: [ReplayEvent]
        var extras: Replayer.BatchExtras
        /// Where the reader stood (nil when the events come from elsewhere, a sweep's spool).
        var progress: ReadProgress?
        /// The same calls as another run sees them (`analyze`'s what-if, one
        /// script per template), mapped on the reading thread; empty when
        /// every run replays `events`.
        var mapped: [ReplayEvent] = []
    }

    struct Finished {
        var batch: Batch
        /// Per run, in run order, the samples it took during the batch.
        var samples: [[TimelineSample]]
        /// The first run's error at this batch, in run order.
        var error: Error?
    }

    private let lead: Int
    /// Replays a batch on lane `r` and hands over the samples taken meanwhile.
    private let replay: (_ r: Int, Batch) throws -> [TimelineSample]
    private let condition = NSCondition()
    /// A batch not yet finished by every run, with what each run left of it.
    private struct Slot {
        var batch: Batch
        var samples: [[TimelineSample]]
        var errors: [Error?]
    }
    /// `queue[0]` is batch `first`.
    private var queue: [Slot] = []
    private var first = 0
    /// Per run, the index of the next batch it replays.
    private var next: [Int]
    private var closed = false
    private var cancelled = false
    private var running: Int
    /// Whether a run's error has been thrown to the caller (`deliver`); only the
    /// caller's thread touches it.
    private var threwRunError = false

    init(lanes: Int, lead: Int = 4, replay: @escaping (_ r: Int, Batch) throws -> [TimelineSample]) {
        self.lead = max(1, lead)
        self.replay = replay
        next = Array(repeating: 0, count: lanes)
        running = lanes
        for r in 0..<lanes {
            let thread = Thread { [self] in lane(r) }
            thread.name = "scriptsim-policy"
            // Lua's parser recurses on the C stack, as on the reading thread.
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Hands a batch to every run; waits while the slowest run is `lead`
    /// batches behind. Returns the batches every run has finished by then.
    func submit(_ batch: Batch) -> [Finished] {
        condition.lock()
        defer { condition.unlock() }
        queue.append(Slot(batch: batch, samples: Array(repeating: [], count: next.count), errors: Array(repeating: nil, count: next.count)))
        condition.broadcast()
        while !cancelled, first + queue.count - next.min()! > lead { condition.wait() }
        return takeFinished()
    }

    /// No more batches: waits for every run to finish them and for the
    /// threads to end, and returns the batches not yet returned.
    func finish() -> [Finished] {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        return takeFinished()
    }

    /// Stops every run after its current batch and waits for the threads to end
    /// (the runs may then be used, or dropped, on the calling thread).
    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
        while running > 0 { condition.wait() }
    }

    /// Hands `batch` to every run, then passes each batch every run has
    /// finished to `handle`, in order, and throws the first run error there
    /// (in trace order, then run order) instead, as a barrier after every
    /// batch would have. Called from the thread that reads.
    func feed(_ batch: Batch, _ handle: (Finished) throws -> Void) throws {
        try deliver(submit(batch), handle)
    }

    /// The reading ended: waits for the runs and delivers what is left.
    func drain(_ handle: (Finished) throws -> Void) throws {
        try deliver(finish(), handle)
    }

    /// The reading failed with `error`: a run's failure in a batch before it
    /// still comes out first, as when every batch was replayed before the next
    /// was read.
    func drain(after error: Error, _ handle: (Finished) throws -> Void) throws -> Never {
        if !threwRunError { try drain(handle) }
        throw error
    }

    private func deliver(_ batches: [Finished], _ handle: (Finished) throws -> Void) throws {
        for f in batches {
            if let error = f.error {
                threwRunError = true
                throw error
            }
            try handle(f)
        }
    }

    /// Called with the lock held.
    private func takeFinished() -> [Finished] {
        let done = next.min()! - first
        guard done > 0 else { return [] }
        let out = queue[..<done].map { slot in
            Finished(batch: slot.batch, samples: slot.samples, error: slot.errors.first { $0 != nil } ?? nil)
        }
        queue.removeFirst(done)
        first += done
        condition.broadcast()
        return out
    }

    /// One run's thread: every batch in order until closed or cancelled.
    private func lane(_ r: Int) {
        var failed = false
        condition.lock()
        while true {
            while !cancelled, !closed, next[r] >= first + queue.count { condition.wait() }
            if cancelled || next[r] >= first + queue.count { break }
            let batch = queue[next[r] - first].batch
            condition.unlock()
            var error: Error?
            var taken: [TimelineSample] = []
            if !failed {
                do {
                    taken = try replay(r, batch)
                } catch let e {
                    error = e
                    failed = true
                }
            }
            condition.lock()
            queue[next[r] - first].samples[r] = taken
            queue[next[r] - first].errors[r] = error
            next[r] += 1
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
