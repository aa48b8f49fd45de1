#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where and how often to sample memory over the trace (`--timeline`, `--sample-every`).
public struct TimelineOptions: Sendable {
    public var path: String
    /// Events between samples; nil chooses it from the trace size for about
    /// `TimelineOptions.targetRows` rows.
    public var sampleEvery: Int?
    public static let targetRows = 1000

    public init(path: String, sampleEvery: Int? = nil) {
        self.path = path
        self.sampleEvery = sampleEvery
    }
}

/// One policy's state after a given event.
struct TimelineSample {
    var event: Int
    var vmBytes: Int
    var scriptBytes: Int
    var cachedScripts: Int
    var allocatorActive: Int
    var allocatorResident: Int
}

/// A write that failed (disk full, closed pipe), said in one line.
public struct OutputError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// Writes the timeline CSV as the replay goes, so its memory stays bounded.
/// Columns are documented in the README ("Memory over time").
///
/// A regular file is written under a temporary name and renamed into place
/// only when the run succeeds, so a failed run never leaves a timeline that
/// looks complete. Devices and pipes (`/dev/stdout`) are written directly.
final class TimelineWriter {
    static let header = "event,timestamp,policy,allocator,vm_bytes,script_bytes,cached_scripts,allocator_active,allocator_resident\n"
    let path: String
    private let writingPath: String
    private var file: UnsafeMutablePointer<FILE>?

    init(path: String) throws(OutputError) {
        self.path = path
        var st = stat()
        let special = stat(path, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG
        writingPath = special ? path : path + ".partial-\(getpid())"
        guard let f = fopen(writingPath, "w") else {
            throw OutputError(path: path, message: "cannot write timeline: \(String(cString: strerror(errno)))")
        }
        file = f
        try write(Self.header)
    }

    deinit {
        if let file {
            fclose(file)
            if writingPath != path { unlink(writingPath) }
        }
    }

    func write(_ text: String) throws(OutputError) {
        guard let file else { return }
        if fputs(text, file) < 0 {
            throw OutputError(path: path, message: "cannot write timeline: \(String(cString: strerror(errno)))")
        }
    }

    func row(_ s: TimelineSample, timestamp: Double?, policy: String, allocator: String) throws(OutputError) {
        let ts = timestamp.map { JSONValue.number($0) } ?? ""
        try write("\(s.event),\(ts),\(ReportRenderer.csvField(policy)),\(allocator),\(s.vmBytes),\(s.scriptBytes),\(s.cachedScripts),\(s.allocatorActive),\(s.allocatorResident)\n")
    }

    /// Flushes and closes; a failure here (a full disk) is an error too.
    func close() throws(OutputError) {
        guard let f = file else { return }
        file = nil
        let flushed = fflush(f) == 0
        let why = flushed ? "" : String(cString: strerror(errno))
        if fclose(f) != 0 || !flushed {
            let message = "cannot write timeline: \(flushed ? String(cString: strerror(errno)) : why)"
            if writingPath != path { unlink(writingPath) }
            throw OutputError(path: path, message: message)
        }
        if writingPath != path, rename(writingPath, path) != 0 {
            let message = "cannot write timeline: \(String(cString: strerror(errno)))"
            unlink(writingPath)
            throw OutputError(path: path, message: message)
        }
    }
}
