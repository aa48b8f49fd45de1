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
        var target = pieceBytes
        while true {
            if let why = fill(&raw, to: target) { return .failed(why) }
            if let last = Self.lastNewline(in: raw, after: searched) {
                let cut = last + 1
                carry.append(contentsOf: raw.slice(cut..<raw.count))
                raw.truncate(to: cut)
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

    /// The last line feed in `raw[from...]` (the scan is short: from the end
    /// back to the last line's start).
    private static func lastNewline(in raw: ByteBuffer, after from: Int) -> Int? {
        var i = raw.count
        while i > from {
            i -= 1
            if raw.base[i] == 0x0A { return i }
        }
        return nil
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
