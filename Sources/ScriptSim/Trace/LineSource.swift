#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CScriptsimEngine

/// Reads a file or standard input in large blocks and hands out one line at a
/// time, so memory stays bounded by the longest line, never the file size.
///
/// Lines end in LF or CRLF; the last line may lack its terminator. A file
/// compressed with gzip or zstd is decompressed as it is read (known by its
/// first bytes); standard input may be plain or gzip.
final class LineSource {
    let path: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    /// zlib's reader, for gzip files and for standard input (which may be either).
    private var gz: UnsafeMutableRawPointer?
    /// libzstd's reader, for files that start with a zstd frame.
    private var zstd: UnsafeMutableRawPointer?
    private var buffer = ByteBuffer(capacity: 1 << 16)
    private var scanFrom = 0
    private var eof = false
    private(set) var lineNumber = 0
    /// The input ended without a line feed after its last line (a cut file?).
    private(set) var lastLineUnterminated = false
    /// Bytes read from the input so far (for progress).
    private(set) var bytesRead: Int64 = 0
    /// Bytes of the lines handed out so far, terminators included.
    private(set) var bytesConsumed: Int64 = 0
    /// Size of the input when it is a regular file (nil for pipes and terminals).
    private(set) var fileSize: Int64?
    /// Longest line accepted; a longer one is an error, so one bad line cannot exhaust memory.
    let maxLineBytes: Int

    /// Opens `path`, or standard input when `path` is "-".
    init(path: String, maxLineBytes: Int) throws(TraceError) {
        self.path = path
        self.maxLineBytes = maxLineBytes
        if path == "-" {
            fd = 0
            ownsDescriptor = false
            gz = csim_gz_open(0)   // gzip or plain, zlib tells
        } else {
            let d = open(path, O_RDONLY | O_CLOEXEC)
            guard d >= 0 else {
                let why = String(cString: strerror(errno))
                buffer.deallocate()
                throw TraceError(kind: .unreadable, path: path, line: 0, column: 0, message: "cannot open trace: \(why)")
            }
            var st = stat()
            if fstat(d, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                close(d)
                buffer.deallocate()
                throw TraceError(kind: .unreadable, path: path, line: 0, column: 0, message: "cannot read trace: is a directory")
            }
            fd = d
            ownsDescriptor = true
            if (st.st_mode & S_IFMT) == S_IFREG { fileSize = Int64(st.st_size) }
            // Compressed by its first bytes, whatever the file is called.
            var magic: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            let got = pread(d, &magic, 4, 0)
            if got >= 2, magic.0 == 0x1F, magic.1 == 0x8B {
                gz = csim_gz_open(d)
                fileSize = nil   // the size on disk says nothing about the events
            } else if got == 4, magic == (0x28, 0xB5, 0x2F, 0xFD) {
                zstd = csim_zstd_open(d)
                fileSize = nil
            }
        }
    }

    deinit {
        if let gz { csim_gz_close(gz) }
        if let zstd { csim_zstd_close(zstd) }
        if ownsDescriptor { close(fd) }
        buffer.deallocate()
    }

    /// Name used in messages.
    var displayPath: String { path == "-" ? "<stdin>" : path }

    /// A UTF-8 byte-order mark before the first line is not part of it (editors
    /// hide it, so columns are counted after it).
    private func withoutBOM(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard lineNumber == 1, line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF else { return line }
        return UnsafeBufferPointer(rebasing: line[3...])
    }

    /// Calls `body` with the next line (without its terminator); nil at end of input.
    /// The buffer is only valid during the call.
    func nextLine<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R? {
        var start = scanFrom
        var searched = start
        while true {
            if let nl = findNewline(from: searched) {
                lineNumber += 1
                var end = nl
                if end > start, buffer.base[end - 1] == 0x0D { end -= 1 }
                scanFrom = nl + 1
                bytesConsumed += Int64(nl + 1 - start)
                guard end - start <= maxLineBytes else { throw tooLong() }
                return try body(withoutBOM(buffer.slice(start..<end)))
            }
            if buffer.count - start > maxLineBytes + 1 {
                lineNumber += 1
                throw tooLong()
            }
            if eof {
                guard buffer.count > start else { return nil }
                lineNumber += 1
                var end = buffer.count
                if buffer.base[end - 1] == 0x0D { end -= 1 }
                bytesConsumed += Int64(buffer.count - start)
                scanFrom = buffer.count
                lastLineUnterminated = true
                guard end - start <= maxLineBytes else { throw tooLong() }
                return try body(withoutBOM(buffer.slice(start..<end)))
            }
            // Keep only the unfinished line, then read more after it.
            buffer.removeFirst(start)
            searched = buffer.count
            start = 0
            scanFrom = 0
            try fill()
        }
    }

    private func tooLong() -> TraceError {
        Self.tooLong(path: displayPath, line: lineNumber, maxLineBytes: maxLineBytes)
    }

    static func tooLong(path: String, line: Int, maxLineBytes: Int) -> TraceError {
        TraceError(path: path, line: line, column: maxLineBytes + 1,
                   message: "line is longer than --max-body-bytes (\(maxLineBytes) bytes)")
    }

    /// The descriptor of a plain (uncompressed) regular file nothing was read
    /// from yet, which can be read in pieces parsed in parallel instead.
    var unreadPlainFile: Int32? {
        gz == nil && zstd == nil && fileSize != nil && bytesRead == 0 ? fd : nil
    }

    private func findNewline(from start: Int) -> Int? {
        guard start < buffer.count else { return nil }
        let p = buffer.base + start
        guard let hit = memchr(p, 0x0A, buffer.count - start) else { return nil }
        return UnsafeMutableRawPointer(hit).assumingMemoryBound(to: UInt8.self) - buffer.base
    }

    /// Reads as much as the buffer has room for (at least 64 KiB; the buffer
    /// grows to 1 MiB for big files and further only for longer lines).
    private func fill() throws(TraceError) {
        if buffer.capacity - buffer.count < 1 << 16 {
            buffer.reserve(buffer.count + min(max(buffer.capacity, 1 << 16), 1 << 20))
        }
        while true {
            if let gz {
                var message: UnsafePointer<CChar>?
                let n = csim_gz_read(gz, buffer.base + buffer.count, UInt32(min(buffer.capacity - buffer.count, 1 << 30)), &message)
                if n > 0 { buffer.commit(n); bytesRead += Int64(n); return }
                if n == 0 { eof = true; return }
                var why = message.map { String(cString: $0) } ?? "unknown zlib error"
                if why.hasPrefix("<fd:"), let colon = why.range(of: ": ") { why = String(why[colon.upperBound...]) }
                throw TraceError(kind: .io, path: displayPath, line: lineNumber + 1, column: 0,
                                 message: "cannot decompress the trace: \(why) (truncated or corrupt gzip stream)")
            }
            if let zstd {
                var message: UnsafePointer<CChar>?
                let n = csim_zstd_read(zstd, buffer.base + buffer.count, buffer.capacity - buffer.count, &message)
                if n > 0 { buffer.commit(n); bytesRead += Int64(n); return }
                if n == 0 { eof = true; return }
                let why = message.map { String(cString: $0) } ?? "unknown zstd error"
                throw TraceError(kind: .io, path: displayPath, line: lineNumber + 1, column: 0,
                                 message: "cannot decompress the trace: \(why) (truncated or corrupt zstd stream)")
            }
            let n = read(fd, buffer.base + buffer.count, buffer.capacity - buffer.count)
            if n > 0 {
                buffer.commit(n)
                bytesRead += Int64(n)
                return
            }
            if n == 0 { eof = true; return }
            if errno == EINTR { continue }
            let why = String(cString: strerror(errno))
            throw TraceError(kind: .io, path: displayPath, line: lineNumber + 1, column: 0, message: "read failed: \(why)")
        }
    }
}
