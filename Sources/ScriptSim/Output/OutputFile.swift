#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A write that failed (disk full, closed pipe), said in one line.
public struct OutputError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    /// The reader went away (EPIPE): the producer should stop.
    public var brokenPipe = false

    public init(path: String, message: String, brokenPipe: Bool = false) {
        self.path = path
        self.message = message
        self.brokenPipe = brokenPipe
    }

    public var description: String { "\(path): \(message)" }
}

/// Every file the tool writes where the user told it to (`generate -o`,
/// `--timeline`, `--plot`), written the one safe way:
///
/// - a regular file, a new path, or a symlink to either is written to a
///   temporary file beside its target and renamed over the target only by
///   `commit()` — the user's file is never half-written, never replaced by a
///   failed run, and a symlink stays a symlink;
/// - a device, a pipe or a socket (or a symlink to one) is written in place,
///   never removed or replaced;
/// - anything not committed is removed when the object goes away, so a
///   failed run leaves nothing behind;
/// - a closed pipe (EPIPE) is an error with `brokenPipe` set, so producers stop.
public final class OutputFile {
    public let path: String
    /// What the file is, for messages ("timeline", "plot", "trace").
    public let what: String
    /// Written in place (device, pipe, socket).
    public let inPlace: Bool
    private let target: String
    private let writingPath: String
    private var file: UnsafeMutablePointer<FILE>?
    private var finished = false

    public init(path: String, what: String) throws(OutputError) {
        self.path = path
        self.what = what
        var st = stat()
        let exists = stat(path, &st) == 0
        inPlace = exists && (st.st_mode & S_IFMT) != S_IFREG
        if inPlace {
            target = path
            writingPath = path
            guard let f = fopen(path, "w") else { throw Self.failure(path, what, "cannot write") }
            file = f
            return
        }
        // Follow a symlink to its regular file: the link itself is kept.
        var resolved = path
        if exists, let real = realpath(path, nil) {
            resolved = String(cString: real)
            free(real)
        }
        target = resolved
        let dir = (resolved as NSString).deletingLastPathComponent
        let name = (resolved as NSString).lastPathComponent
        writingPath = (dir.isEmpty ? "." : dir) + "/." + name + ".partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(writingPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0, let f = fdopen(fd, "w") else {
            let error = Self.failure(path, what, "cannot write")
            if fd >= 0 { Glibc.close(fd); unlink(writingPath) }
            throw error
        }
        file = f
    }

    deinit { discard() }

    public func write(_ text: String) throws(OutputError) {
        guard let file else { return }
        if fputs(text, file) < 0 { throw Self.failure(path, what, "cannot write") }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        guard let file, let base = bytes.baseAddress, !bytes.isEmpty else { return }
        if fwrite(base, 1, bytes.count, file) != bytes.count { throw Self.failure(path, what, "cannot write") }
    }

    /// Writes out everything buffered, so a full disk or device shows now,
    /// before the caller reports success elsewhere (the first of two phases).
    public func prepare() throws(OutputError) {
        guard let file else { return }
        if fflush(file) != 0 { throw Self.failure(path, what, "cannot write") }
    }

    /// Flushes and closes, then (for a regular file) renames the finished file
    /// into place. A failure here (a full disk) is an error too, and leaves nothing.
    public func commit() throws(OutputError) {
        guard let f = file, !finished else { return }
        file = nil
        finished = true
        let flushed = fflush(f) == 0
        let flushError = flushed ? nil : Self.failure(path, what, "cannot write")
        let closed = fclose(f) == 0
        if let flushError {
            if !inPlace { unlink(writingPath) }
            throw flushError
        }
        if !closed {
            let error = Self.failure(path, what, "cannot write")
            if !inPlace { unlink(writingPath) }
            throw error
        }
        if !inPlace, rename(writingPath, target) != 0 {
            let error = Self.failure(path, what, "cannot write")
            unlink(writingPath)
            throw error
        }
    }

    /// Abandons the file: nothing of it stays (a device or pipe keeps what it was sent).
    public func discard() {
        guard !finished else { return }
        finished = true
        if let f = file { fclose(f) }
        file = nil
        if !inPlace { unlink(writingPath) }
    }

    private static func failure(_ path: String, _ what: String, _ doing: String) -> OutputError {
        let code = errno
        return OutputError(path: path, message: "\(doing) the \(what): \(String(cString: strerror(code)))", brokenPipe: code == EPIPE)
    }
}
