#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CScriptsimEngine

/// Reads a file or standard input in large blocks and hands out one line at a
/// time, so memory stays bounded by the longest line, never the file size.
///
/// Lines end in LF or CRLF; the last line may lack its terminator. Input
/// compressed with gzip or zstd is decompressed as it is read, known by its
/// first bytes (`ByteSource`), whether it is a file, a FIFO, a pipe or
/// standard input.
///
/// The descriptor is held only while the trace is read: `close()` (the
/// reader calls it once the trace is read or fails) lets go of it, so a run
/// over many traces holds one at a time.
final class LineSource {
    let path: String
    /// The input as read, and what the lines are cut from (the same, or the decompressor over it).
    private var input: DescriptorBytes?
    private var bytes: ByteSource?
    private let ownsDescriptor: Bool
    private let compression: Compression
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
    /// Longest line accepted; a longer one is an error (or, skipped, is not
    /// kept), so one bad line cannot exhaust memory.
    let maxLineBytes: Int

    /// Opens `path`, or standard input when `path` is "-", and reads its first
    /// bytes to tell how it is compressed.
    init(path: String, maxLineBytes: Int) throws(TraceError) {
        self.path = path
        self.maxLineBytes = maxLineBytes
        let fd: Int32
        if path == "-" {
            fd = 0
            ownsDescriptor = false
        } else {
            let d = open(path, O_RDONLY | O_CLOEXEC)
            guard d >= 0 else {
                let why = String(cString: strerror(errno))
                buffer.deallocate()
                throw TraceError(kind: .unreadable, path: path, line: 0, column: 0, message: "cannot open trace: \(why)")
            }
            var st = stat()
            if fstat(d, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                _ = systemClose(d)
                buffer.deallocate()
                throw TraceError(kind: .unreadable, path: path, line: 0, column: 0, message: "cannot read trace: is a directory")
            }
            fd = d
            ownsDescriptor = true
            if (st.st_mode & S_IFMT) == S_IFREG { fileSize = Int64(st.st_size) }
        }
        let input = DescriptorBytes(fd: fd)
        self.input = input
        let displayPath = path == "-" ? "<stdin>" : path
        do throws(InputFailure) {
            compression = try input.sniff()
            switch compression {
            case .none: bytes = input
            case .gzip, .zstd:
                bytes = try DecompressedBytes(compression, over: input)
                fileSize = nil   // the size on disk says nothing about the events
            }
        } catch {
            if ownsDescriptor { _ = systemClose(fd) }
            self.input = nil
            buffer.deallocate()
            throw TraceError(kind: .io, path: displayPath, line: 0, column: 0, message: error.message)
        }
    }

    deinit {
        close()
        buffer.deallocate()
    }

    /// Lets go of the descriptor and the decompressor (reading after this finds the end).
    func close() {
        bytes = nil
        if let input, ownsDescriptor { _ = systemClose(input.fd) }
        input = nil
        eof = true
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
    ///
    /// A line longer than `maxLineBytes` goes to `overlong` instead, which
    /// throws to stop there; when it returns, the rest of the line is read and
    /// dropped up to its line feed a block at a time (`--skip-invalid`: memory
    /// stays bounded by `maxLineBytes`, however long the line).
    func nextLine<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R, overlong: () throws -> R) throws -> R? {
        var start = scanFrom
        var searched = start
        while true {
            if let nl = findNewline(from: searched) {
                lineNumber += 1
                var end = nl
                if end > start, buffer.base[end - 1] == 0x0D { end -= 1 }
                scanFrom = nl + 1
                bytesConsumed += Int64(nl + 1 - start)
                guard end - start <= maxLineBytes else { return try overlong() }
                return try body(withoutBOM(buffer.slice(start..<end)))
            }
            if buffer.count - start > maxLineBytes + 1 {
                lineNumber += 1
                let result = try overlong()
                try discardLine(from: start)
                return result
            }
            if eof {
                guard buffer.count > start else { return nil }
                lineNumber += 1
                var end = buffer.count
                if buffer.base[end - 1] == 0x0D { end -= 1 }
                bytesConsumed += Int64(buffer.count - start)
                scanFrom = buffer.count
                lastLineUnterminated = true
                guard end - start <= maxLineBytes else { return try overlong() }
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

    /// Drops the current line from `start` (no line feed in the buffer after
    /// it) up to and with its line feed, or to the end of the input. The
    /// buffer is emptied before each block is read, so it does not grow.
    private func discardLine(from start: Int) throws(TraceError) {
        var from = start
        while true {
            if let nl = findNewline(from: from) {
                bytesConsumed += Int64(nl + 1 - from)
                scanFrom = nl + 1
                return
            }
            bytesConsumed += Int64(buffer.count - from)
            buffer.removeAll()
            scanFrom = 0
            from = 0
            if eof {
                lastLineUnterminated = true
                return
            }
            do { try fill() } catch {
                // The failed read is inside this line, not the next.
                var located = error
                located.line = lineNumber
                throw located
            }
        }
    }

    /// Capacity of the read buffer (tests check a skipped line did not grow it).
    var bufferCapacity: Int { buffer.capacity }

    /// What is wrong with a line longer than `maxLineBytes`: at the first byte past the limit.
    static func tooLong(maxLineBytes: Int) -> LineError {
        LineError(column: maxLineBytes + 1, message: "line is longer than --max-body-bytes (\(plural(maxLineBytes, "byte")))")
    }

    /// The descriptor of a plain (uncompressed) regular file no line was read
    /// from yet, which can be read in pieces parsed in parallel instead, with
    /// the bytes read to sniff it (the first piece starts with them).
    func takeUnreadPlainFile() -> (fd: Int32, prefix: [UInt8])? {
        guard compression == .none, fileSize != nil, bytesRead == 0, let input else { return nil }
        return (input.fd, input.takeKept())
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
        guard let bytes else { eof = true; return }
        do throws(InputFailure) {
            let n = try bytes.read(into: buffer.base + buffer.count, count: buffer.capacity - buffer.count)
            if n == 0 { eof = true; return }
            buffer.commit(n)
            bytesRead += Int64(n)
        } catch {
            throw TraceError(kind: .io, path: displayPath, line: lineNumber + 1, column: 0, message: error.message)
        }
    }
}

/// close(2) under a name `LineSource.close()` does not hide.
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }