#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One piece of a trace file, parsed on a worker thread: every line's outcome,
/// with offsets in place of the parser's pointers, and the bytes they point
/// into. The reading thread turns each line back into the very `Outcome` a
/// serial read gives (`outcome(at:)`), in trace order, so everything after
/// the parser (counting, errors, interning) is the serial code.
///
/// A piece is reused: the pool hands it back to a worker once the reading
/// thread is done with it, so its buffers are allocated once per run.
final class ParsedPiece {
    /// One line as the parser left it.
    struct Line {
        enum Tag: UInt8 {
            case ignored, scriptInternal, other, script
            /// The parser refused the line: `errors[payloadOffset]`.
            case invalid
            /// Longer than `maxLineBytes`.
            case tooLong
        }
        var tag: Tag
        var kind: TraceCommandKind = .eval
        var otherKind: ConnectionCommand.Kind = .other
        var flushMode: FlushMode = .unspecified
        /// Bytes of the line with its terminator.
        var consumed: Int
        var existsCount = 0
        var timestamp: Double?
        /// The MONITOR client, in `raw`.
        var connectionOffset = 0, connectionCount = 0
        /// The payload (or a library name), in `bytes`.
        var payloadOffset = 0, payloadCount = 0
        /// The arguments, in `arguments`.
        var firstArgument = 0, argumentCount = 0
        /// Worked out here, on the parsing thread.
        var digest = PayloadDigest.none
    }

    /// The piece as read from the file.
    var raw = ByteBuffer(capacity: 1 << 16)
    /// How the piece ended (set by the source).
    var end: PieceSource.End = .end
    /// The pieces' order in the file.
    var sequence = 0
    /// The file offset after the piece (for progress).
    var bytesRead: Int64 = 0
    private(set) var lines: [Line] = []
    private(set) var errors: [LineError] = []
    /// Unescaped arguments of the piece's script commands (the splitter
    /// writes them here directly), and their ranges.
    private var storage = ArgumentStorage(bytes: 1 << 16, arguments: 1 << 10)

    deinit {
        raw.deallocate()
        storage.deallocate()
    }

    /// Parses every line of `raw`; stops after a line a serial read would stop at.
    /// `digests`: also work out each payload's `PayloadDigest`.
    func parse(with parser: TraceLineParser, skipInvalid: Bool, maxLineBytes: Int, digests: Bool) {
        lines.removeAll(keepingCapacity: true)
        errors.removeAll(keepingCapacity: true)
        storage.removeAll()
        switch end {
        case .lines, .tail: break
        case .end, .tooLong, .skipped, .failed: return
        }
        // The unescaped arguments are never longer than the text (plus the
        // splitter's 8 bytes of slack): room for them once, rather than the
        // storage doubling past the piece's size on its last few lines.
        storage.bytes.reserve(raw.capacity + 8)
        let n = raw.count
        var start = 0
        while start < n {
            let hit = memchr(raw.base + start, 0x0A, n - start)
            let newline = hit.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: UInt8.self) - raw.base } ?? n
            var end = newline
            if end > start, raw.base[end - 1] == 0x0D { end -= 1 }
            let consumed = min(newline + 1, n) - start
            guard end - start <= maxLineBytes else {
                lines.append(Line(tag: .tooLong, consumed: consumed))
                if !skipInvalid { return }
                start = newline + 1
                continue
            }
            var line = raw.slice(start..<end)
            // The byte-order mark, as LineSource drops it before the file's first line.
            if sequence == 0, lines.isEmpty, line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF {
                line = UnsafeBufferPointer(rebasing: line[3...])
            }
            start = newline + 1
            do throws(LineError) {
                let first = storage.list.count
                let outcome = try parser.parse(line, appendingTo: &storage)
                lines.append(record(outcome, consumed: consumed, firstArgument: first, digest: digests))
            } catch {
                lines.append(Line(tag: .invalid, consumed: consumed, payloadOffset: errors.count))
                errors.append(error)
                if !skipInvalid { return }
            }
        }
    }

    /// The line with its pointers turned into offsets.
    private func record(_ outcome: TraceLineParser.Outcome, consumed: Int, firstArgument: Int, digest: Bool) -> Line {
        var line = Line(tag: .ignored, consumed: consumed)
        switch outcome {
        case .ignored: break
        case .scriptInternal: line.tag = .scriptInternal
        case .otherCommand(let c):
            line.tag = .other
            line.otherKind = c.kind
            line.timestamp = c.timestamp
            (line.connectionOffset, line.connectionCount) = (raw.offset(of: c.connection), c.connection.count)
            if c.kind == .libraryName { (line.payloadOffset, line.payloadCount) = (storage.bytes.offset(of: c.argument), c.argument.count) }
        case .script(let c):
            line.tag = .script
            line.kind = c.kind
            line.flushMode = c.flushMode
            line.existsCount = c.existsCount
            line.timestamp = c.timestamp
            (line.connectionOffset, line.connectionCount) = (raw.offset(of: c.connection), c.connection.count)
            line.firstArgument = firstArgument
            line.argumentCount = c.argumentCount
            (line.payloadOffset, line.payloadCount) = (storage.bytes.offset(of: c.payload), c.payload.count)
            if digest { line.digest = PayloadDigest(c.kind, c.payload) }
        }
        return line
    }

    /// Line `i` as the parser gave it, its pointers into this piece (valid
    /// until the piece goes back to the pool).
    func outcome(at i: Int) -> TraceLineParser.Outcome {
        let line = lines[i]
        let connection = UnsafeBufferPointer(start: line.connectionCount == 0 ? nil : UnsafePointer(raw.base + line.connectionOffset),
                                             count: line.connectionCount)
        let payload = UnsafeBufferPointer(start: UnsafePointer(storage.bytes.base + line.payloadOffset), count: line.payloadCount)
        switch line.tag {
        case .ignored, .invalid, .tooLong: return .ignored
        case .scriptInternal: return .scriptInternal
        case .other:
            return .otherCommand(ConnectionCommand(kind: line.otherKind, connection: connection, timestamp: line.timestamp,
                                                   argument: line.otherKind == .libraryName ? payload : UnsafeBufferPointer(start: nil, count: 0)))
        case .script:
            let view = TraceArguments(bytes: storage.bytes.base, list: storage.list.base + line.firstArgument, count: line.argumentCount)
            return .script(TraceCommand(kind: line.kind, payload: payload, flushMode: line.flushMode, existsCount: line.existsCount,
                                        timestamp: line.timestamp, connection: connection, arguments: view, digest: line.digest))
        }
    }
}
