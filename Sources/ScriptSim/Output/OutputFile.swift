#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CScriptsimEngine

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
/// - a regular file, a new path, or a symlink to either (dangling or not, as
///   the shell's `>` follows it) is written to a temporary file beside its
///   target and renamed over the target only by `commit()` — the user's file is
///   never half-written, never replaced by a failed run, and a symlink stays a
///   symlink;
/// - an existing file keeps its mode and owner, and one the shell's `>` would
///   refuse (not writable) is refused;
/// - a device, a pipe or a socket (or a symlink to one) is written in place,
///   never removed or replaced;
/// - anything not committed is removed when the object goes away, when the
///   command fails, and on SIGINT, SIGTERM or SIGHUP (`installInterruptCleanup`);
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

    /// Removes every unfinished output file on SIGINT, SIGTERM, SIGHUP (and the
    /// other terminating signals), says so on standard error and exits 128 + the
    /// signal (130, 143, 129); a write past `ulimit -f` fails instead of killing.
    public static func installInterruptCleanup() {
        csim_pending_install("interrupted; unfinished output files removed, nothing was replaced")
    }

    /// The outputs are written and flushed; the report and the renames left
    /// happen together: a signal from here on no longer stops the command.
    public static func beginFinishing() { csim_pending_finishing() }

    public init(path: String, what: String) throws(OutputError) {
        self.path = path
        self.what = what
        if let fd = OutputPath.descriptor(named: path) {
            // One of our own descriptors: written through it, where the shell pointed it.
            inPlace = true
            target = path
            writingPath = path
            let copy = dup(fd)
            guard copy >= 0, let f = fdopen(copy, "w") else {
                let error = Self.failure(path, what, "cannot write")
                if copy >= 0 { Glibc.close(copy) }
                throw error
            }
            file = f
            return
        }
        var st = stat()
        if stat(path, &st) != 0, errno == ELOOP { throw Self.failure(path, what, "cannot write") }
        let resolved = OutputPath.followingLinks(path)
        let exists = stat(resolved, &st) == 0
        inPlace = exists && (st.st_mode & S_IFMT) != S_IFREG
        if inPlace {
            target = path
            writingPath = path
            guard let f = fopen(path, "w") else { throw Self.failure(path, what, "cannot write") }
            file = f
            return
        }
        if exists, access(resolved, W_OK) != 0 { throw Self.failure(path, what, "cannot write") }
        target = resolved
        let (dir, name) = OutputPath.split(resolved)
        writingPath = dir + "/" + OutputPath.partialName(for: name)
        guard csim_pending_add(writingPath) == 0 else {
            throw OutputError(path: path, message: "cannot write the \(what): too many output files at once")
        }
        let fd = open(writingPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        // An existing file keeps its permissions and owner, as `>` would keep them.
        let kept = fd < 0 || !exists || (fchmod(fd, st.st_mode & 0o7777) == 0 && (fchown(fd, st.st_uid, st.st_gid) == 0
                                                                                   || (st.st_uid == geteuid() && errno == EPERM)))
        guard fd >= 0, kept, let f = fdopen(fd, "w") else {
            let error = fd >= 0 && !kept
                ? OutputError(path: path, message: "cannot write the \(what): cannot keep its owner (\(st.st_uid):\(st.st_gid)); "
                              + "write it as its owner or to another path")
                : fd < 0 && errno == EACCES && exists
                ? OutputError(path: path, message: "cannot write the \(what): its folder is not writable (a file is written "
                              + "beside its target and renamed over it, so a failed run never leaves it half-written)")
                : Self.failure(path, what, "cannot write")
            if fd >= 0 { Glibc.close(fd); unlink(writingPath) }
            csim_pending_remove(writingPath)
            throw error
        }
        file = f
    }
    deinit { discard() }

    /// Writes every byte of `text`, NUL bytes included.
    public func write(_ text: String) throws(OutputError) {
        guard let file else { return }
        var text = text
        let written = text.withUTF8 { bytes in bytes.isEmpty ? 0 : fwrite(bytes.baseAddress!, 1, bytes.count, file) }
        if written != text.utf8.count { throw Self.failure(path, what, "cannot write") }
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
            if !inPlace { unlink(writingPath); csim_pending_remove(writingPath) }
            throw flushError
        }
        if !closed {
            let error = Self.failure(path, what, "cannot write")
            if !inPlace { unlink(writingPath); csim_pending_remove(writingPath) }
            throw error
        }
        if !inPlace, rename(writingPath, target) != 0 {
            let error = Self.failure(path, what, "cannot write")
            unlink(writingPath)
            csim_pending_remove(writingPath)
            throw error
        }
        if !inPlace { csim_pending_remove(writingPath) }
    }

    /// Abandons the file: nothing of it stays (a device or pipe keeps what it was sent).
    public func discard() {
        guard !finished else { return }
        finished = true
        if let f = file { fclose(f) }
        file = nil
        if !inPlace { unlink(writingPath); csim_pending_remove(writingPath) }
    }

    private static func failure(_ path: String, _ what: String, _ doing: String) -> OutputError {
        let code = errno
        return OutputError(path: path, message: "\(doing) the \(what): \(String(cString: strerror(code)))", brokenPipe: code == EPIPE)
    }
}
