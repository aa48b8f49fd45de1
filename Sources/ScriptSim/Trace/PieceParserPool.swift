import Foundation

/// Parses a plain trace file on several threads, a piece each, and hands the
/// parsed pieces to the reading thread in file order.
///
/// The reading thread still does everything that depends on the lines before
/// (line numbers, counts, interning scripts, the client model), so what it
/// makes of the trace is exactly what a serial read makes; only splitting
/// arguments and classifying commands (most of a read) move to other cores.
/// At most `window` pieces are parsed ahead, and the reading thread holds one
/// more, so memory stays bounded: threads + 2 pieces, each at most `pieceBytes`
/// of text (more only for a line longer than that) and `PieceSource.maxLines`
/// lines, whose records (112 bytes each) and unescaped arguments (no longer
/// than the text) are about as much again; measured in README, "Memory stays
/// flat with trace length".
final class PieceParserPool {
    private let condition = NSCondition()
    private var source: PieceSource
    private let skipInvalid: Bool
    private let digests: Bool
    private let maxLineBytes: Int
    private let window: Int
    /// Parsed pieces not yet handed out, by sequence.
    private var ready: [Int: ParsedPiece] = [:]
    /// Pieces the reading thread is done with, to be filled again.
    private var spare: [ParsedPiece] = []
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

    /// `prefix`: the file's first bytes, already read (to tell it is not compressed).
    init(fd: Int32, prefix: [UInt8], pieceBytes: Int, maxLineBytes: Int, skipInvalid: Bool, digests: Bool, threads: Int) {
        source = PieceSource(fd: fd, prefix: prefix, pieceBytes: pieceBytes, maxLineBytes: maxLineBytes, skipsOverlong: skipInvalid)
        self.skipInvalid = skipInvalid
        self.digests = digests
        self.maxLineBytes = maxLineBytes
        // One piece per thread ahead, and one more: as fast as twice that on
        // the hit path (measured), at ~4 MiB (text, arguments, line records) less per piece.
        window = threads + 1
        running = threads
        for _ in 0..<threads {
            // Named for top -H and perf (set from inside: Linux names the running thread).
            Thread { [self] in
                Thread.current.name = "scriptsim-parse"
                work()
            }.start()
        }
    }

    /// The next piece in file order. The last one a run gets ends other than
    /// in `.lines` or a terminated `.skipped` (`.tail`, `.end`, `.tooLong`, `.skipped`
    /// at the end of the file, or `.failed`).
    func next() -> ParsedPiece {
        condition.lock()
        defer { condition.unlock() }
        while ready[delivered] == nil { condition.wait() }
        let piece = ready.removeValue(forKey: delivered)!
        delivered += 1
        condition.broadcast()
        return piece
    }

    /// The reading thread is done with `piece`.
    func recycle(_ piece: ParsedPiece) {
        condition.lock()
        spare.append(piece)
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
            let piece = spare.popLast() ?? ParsedPiece()
            issued += 1
            condition.unlock()
            // Read under a lock of its own (pieces come out in file order),
            // so the reading thread can take parsed pieces meanwhile.
            readLock.lock()
            let more = !sourceEnded
            if more {
                piece.end = source.next(into: &piece.raw)
                piece.sequence = sequenced
                piece.bytesRead = source.bytesRead
                sequenced += 1
                if piece.end.isLast { sourceEnded = true }
            }
            readLock.unlock()
            if more { piece.parse(with: parser, skipInvalid: skipInvalid, maxLineBytes: maxLineBytes, digests: digests) }
            condition.lock()
            if more {
                ready[piece.sequence] = piece
                if piece.end.isLast { sourceDone = true }
            } else {
                issued -= 1
                spare.append(piece)
            }
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
