import Foundation

/// Parses a plain trace file on several threads, a piece each, and hands the
/// parsed pieces to the reading thread in file order.
///
/// The reading thread still does everything that depends on the lines before
/// (line numbers, counts, interning scripts, the client model), so what it
/// makes of the trace is exactly what a serial read makes; only splitting
/// arguments and classifying commands (most of a read) move to other cores.
/// At most `window` pieces are parsed ahead, so memory stays bounded.
final class ChunkParserPool {
    private let condition = NSCondition()
    private var source: ChunkSource
    private let skipInvalid: Bool
    private let digests: Bool
    private let maxLineBytes: Int
    private let window: Int
    /// Parsed pieces not yet handed out, by sequence.
    private var ready: [Int: ParsedChunk] = [:]
    /// Pieces the reading thread is done with, to be filled again.
    private var spare: [ParsedChunk] = []
    /// Pieces taken on by workers (read or being read), and handed out.
    private var issued = 0
    private var delivered = 0
    /// The last piece was parsed (no worker need take another).
    private var sourceDone = false
    /// Guards `source`, `sequenced` and `sourceEnded`: reading is serial, parsing is not.
    private let readLock = NSLock()
    private var sequenced = 0
    private var sourceEnded = false
    private var stopped = false
    private var running = 0

    init(fd: Int32, chunkBytes: Int, maxLineBytes: Int, skipInvalid: Bool, digests: Bool, threads: Int) {
        source = ChunkSource(fd: fd, chunkBytes: chunkBytes, maxLineBytes: maxLineBytes)
        self.skipInvalid = skipInvalid
        self.digests = digests
        self.maxLineBytes = maxLineBytes
        window = 2 * threads
        running = threads
        for _ in 0..<threads {
            let thread = Thread { [self] in work() }
            thread.start()
        }
    }

    /// The next piece in file order. The last one a run gets ends other than
    /// in `.lines` (`.tail`, `.end`, `.tooLong` or `.failed`).
    func next() -> ParsedChunk {
        condition.lock()
        defer { condition.unlock() }
        while ready[delivered] == nil { condition.wait() }
        let chunk = ready.removeValue(forKey: delivered)!
        delivered += 1
        condition.broadcast()
        return chunk
    }

    /// The reading thread is done with `chunk`.
    func recycle(_ chunk: ParsedChunk) {
        condition.lock()
        spare.append(chunk)
        condition.unlock()
    }

    /// Stops the workers and waits for them (the reader finished or gave up).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
        source.deallocate()
    }

    private func work() {
        let parser = TraceLineParser()
        condition.lock()
        while true {
            while !stopped, !sourceDone, issued - delivered >= window { condition.wait() }
            if stopped || sourceDone { break }
            let chunk = spare.popLast() ?? ParsedChunk()
            issued += 1
            condition.unlock()
            // Read under a lock of its own (pieces come out in file order),
            // so the reading thread can take parsed pieces meanwhile.
            readLock.lock()
            let more = !sourceEnded
            if more {
                chunk.end = source.next(into: &chunk.raw)
                chunk.sequence = sequenced
                chunk.bytesRead = source.bytesRead
                sequenced += 1
                if chunk.end.isLast { sourceEnded = true }
            }
            readLock.unlock()
            if more { chunk.parse(with: parser, skipInvalid: skipInvalid, maxLineBytes: maxLineBytes, digests: digests) }
            condition.lock()
            if more {
                ready[chunk.sequence] = chunk
                if chunk.end.isLast { sourceDone = true }
            } else {
                issued -= 1
                spare.append(chunk)
            }
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
