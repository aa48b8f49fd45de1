import Foundation

/// Where the reader stood when it handed out a batch (what progress lines and
/// the timeline's sampling need), copied so the reader can go on meanwhile.
struct ReadProgress {
    var displayPath: String
    var bytesRead: Int64
    var bytesConsumed: Int64
    var lineNumber: Int
    var fileSize: Int64?
}

extension ReadProgress {
    init(_ reader: TraceReader) {
        self.init(displayPath: reader.displayPath, bytesRead: reader.bytesRead, bytesConsumed: reader.bytesConsumed,
                  lineNumber: reader.lineNumber, fileSize: reader.fileSize)
    }
}

/// Hands batches from the reader's thread to the replaying one, one batch
/// ahead: the reader fills the next batch while the policies replay the
/// current one, and waits when it is a batch ahead, so memory stays bounded.
///
/// A mutex and a condition order everything: a batch and the catalog entries
/// it names are written before `put` and read after `take`.
final class BatchChannel {
    struct Item {
        var events: [ReplayEvent]
        var extras: Replayer.BatchExtras
        var progress: ReadProgress
        /// Lines skipped under `--skip-invalid` before this batch's last event,
        /// reported by the replaying thread in order with the batches.
        var invalidLines: [TraceError]
    }

    /// Thrown on the reader's thread when the replaying side gave up.
    struct Cancelled: Error {}

    private let condition = NSCondition()
    private var items: [Item] = []
    private let capacity = 1
    private var finished = false
    private var cancelled = false
    private var failure: Error?

    /// Queues a batch, waiting while the replaying side is a batch behind.
    func put(_ item: Item) throws {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity, !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        items.append(item)
        condition.broadcast()
    }

    /// The next batch; nil once the reader has finished and every batch was taken.
    func take() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty, !finished { condition.wait() }
        guard !items.isEmpty else { return nil }
        condition.broadcast()
        return items.removeFirst()
    }

    /// The reader is done (`error`: it stopped at a malformed line or a read error).
    func finish(_ error: Error?) {
        condition.lock()
        failure = error
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The replaying side stopped: the reader's next `put` throws.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for the reader to finish and returns what stopped it, if anything.
    func waitForReader() -> Error? {
        condition.lock()
        defer { condition.unlock() }
        while !finished { condition.wait() }
        return failure
    }
}
