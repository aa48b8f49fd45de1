#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a plain regular file in pieces that end at a line boundary, so each
/// piece can be parsed on its own core: every line of a piece is whole, and
/// the unfinished line at its end starts the next piece.
///
/// Only the thread that holds the parser pool's read lock calls `next`, so
/// pieces come out in file order.
struct PieceSource {
    /// How a piece ended.
    enum End {
        /// Whole lines, the last one ending in a line feed.
        case lines
        /// The file's last line, without a line feed.
        case tail
        /// A line longer than `maxLineBytes` starts here (nothing else is in the piece).
        case tooLong
        /// A line longer than `maxLineBytes` was read and dropped (`skipsOverlong`):
        /// `bytes` of it, up to and with its line feed, or to the end of the file
        /// when not `terminated`. Nothing else is in the piece.
        case skipped(bytes: Int64, terminated: Bool)
        /// The file ended.
        case end
        /// `read` failed: why.
        case failed(String)

        /// No piece follows this one.
        var isLast: Bool {
            switch self {
            case .lines: return false
            case .skipped(_, let terminated): return !terminated
            default: return true
            }
        }
    }

    let fd: Int32
    let pieceBytes: Int
    let maxLineBytes: Int
    /// Drop a line longer than `maxLineBytes` and go on after it (`--skip-invalid`),
    /// rather than end at it.
    let skipsOverlong: Bool
    /// Most lines in a piece. A piece's parse keeps a record of about a
    /// hundred bytes per line (`ParsedPiece.Line`) besides the text, so on
    /// short lines the records, not the text, would set the memory of the
    /// pieces in flight: a megabyte of blank lines made a million of them
    /// (540 MB resident for a 61 MB trace, issue #21 item 18).
    static let maxLines = 8192
    /// Bytes to read for the next piece: `pieceBytes`, or about what the last
    /// piece cut at `maxLines` held, so a trace of short lines is not read a
    /// whole `pieceBytes` at a time and mostly carried over to the next piece.
    private var readAhead: Int
    /// The unfinished line after the last piece handed out.
    private var carry: ByteBuffer
    private var eof = false
    /// Bytes read from the file so far.
    private(set) var bytesRead: Int64 = 0

    /// `prefix`: the file's first bytes, read already (the first piece starts with them).
    init(fd: Int32, prefix: [UInt8], pieceBytes: Int, maxLineBytes: Int, skipsOverlong: Bool = false) {
        self.fd = fd
        self.pieceBytes = pieceBytes
        self.maxLineBytes = maxLineBytes
        self.skipsOverlong = skipsOverlong
        readAhead = pieceBytes
        carry = ByteBuffer(capacity: 1 << 12)
        prefix.withUnsafeBufferPointer { carry.append(contentsOf: $0) }
        bytesRead = Int64(prefix.count)
    }

    func deallocate() { carry.deallocate() }

    /// Fills `raw` (emptied first) with the next piece.
    mutating func next(into raw: inout ByteBuffer) -> End {
        raw.removeAll()
        raw.append(contentsOf: carry.slice(0..<carry.count))
        carry.removeAll()
        var searched = 0
        var target = readAhead
        while true {
            if let why = fill(&raw, to: target) { return .failed(why) }
            if let (cut, full) = Self.cut(raw, from: searched) {
                carry.append(contentsOf: raw.slice(cut..<raw.count))
                raw.truncate(to: cut)
                readAhead = full ? min(pieceBytes, max(1 << 12, cut + cut / 8)) : pieceBytes
                return .lines
            }
            searched = raw.count
            if eof { return raw.count == 0 ? .end : .tail }
            // One unfinished line fills the piece: read on, unless it is already too long.
            if raw.count > maxLineBytes + 1 { return skipsOverlong ? skipLine(&raw) : .tooLong }
            target = raw.count + pieceBytes
        }
    }

    /// Drops the over-long line `raw` holds the start of (no line feed in it)
    /// up to and with its line feed, a piece's worth at a time, so `raw` does
    /// not grow; what follows the line feed is carried to the next piece.
    private mutating func skipLine(_ raw: inout ByteBuffer) -> End {
        var bytes = Int64(raw.count)
        while true {
            raw.removeAll()
            if eof { return .skipped(bytes: bytes, terminated: false) }
            if let why = fill(&raw, to: pieceBytes) { return .failed(why) }
            if let hit = memchr(raw.base, 0x0A, raw.count) {
                let cut = UnsafeMutableRawPointer(hit).assumingMemoryBound(to: UInt8.self) - raw.base + 1
                carry.append(contentsOf: raw.slice(cut..<raw.count))
                raw.removeAll()
                return .skipped(bytes: bytes + Int64(cut), terminated: true)
            }
            bytes += Int64(raw.count)
        }
    }

    /// Where the piece in `raw` ends: after its last line feed, or after its
    /// `maxLines`-th (`full`). No line feed is before `from`.
    private static func cut(_ raw: ByteBuffer, from: Int) -> (Int, full: Bool)? {
        var lines = 0
        var i = from
        var end: Int?
        while i < raw.count, let hit = memchr(raw.base + i, 0x0A, raw.count - i) {
            i = UnsafeMutableRawPointer(hit).assumingMemoryBound(to: UInt8.self) - raw.base + 1
            end = i
            lines += 1
            if lines == maxLines { return (i, true) }
        }
        return end.map { ($0, false) }
    }

    /// Reads until `raw` holds `target` bytes or the file ends; why `read` failed, if it did.
    private mutating func fill(_ raw: inout ByteBuffer, to target: Int) -> String? {
        while raw.count < target, !eof {
            raw.reserve(target)
            // No more than `target`: the buffer may be larger (it is reused),
            // and a piece read past it would put no boundary where tests ask for one.
            let n = read(fd, raw.base + raw.count, target - raw.count)
            if n > 0 {
                raw.commit(n)
                bytesRead += Int64(n)
            } else if n == 0 {
                eof = true
            } else if errno != EINTR {
                return String(cString: strerror(errno))
            }
        }
        return nil
    }
}
