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

/// Writes the timeline CSV as the replay goes, so its memory stays bounded.
/// Columns are documented in the README ("Memory over time").
///
/// A regular file is written under a temporary name and renamed into place
/// only when the run succeeds, so a failed run never leaves a timeline that
/// looks complete. Devices and pipes (`/dev/stdout`) are written directly.
final class TimelineWriter {
    static let header = "event,timestamp,policy,allocator,vm_bytes,script_bytes,cached_scripts,allocator_active,allocator_resident\n"
    let output: OutputFile

    init(path: String) throws(OutputError) {
        output = try OutputFile(path: path, what: "timeline")
        try output.write(Self.header)
    }

    func row(_ s: TimelineSample, timestamp: Double?, policy: String, allocator: String) throws(OutputError) {
        let ts = timestamp.map { JSONValue.number($0) } ?? ""
        try output.write("\(s.event),\(ts),\(ReportRenderer.csvField(policy)),\(allocator),\(s.vmBytes),\(s.scriptBytes),\(s.cachedScripts),\(s.allocatorActive),\(s.allocatorResident)\n")
    }
}
