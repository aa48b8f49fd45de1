#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where and how often to sample memory over the trace (`--timeline`,
/// `--sample-every`, `--interval-seconds`).
public struct TimelineOptions: Sendable {
    public var path: String
    /// Events between samples; nil chooses it from the trace size for about
    /// `TimelineOptions.targetRows` rows (unless `intervalSeconds` is set).
    public var sampleEvery: Int?
    /// Sample by trace time instead: a row at the last event of each interval
    /// of this many seconds (MONITOR timestamps) that had events.
    public var intervalSeconds: Double?
    public static let targetRows = 1000

    public init(path: String, sampleEvery: Int? = nil, intervalSeconds: Double? = nil) {
        self.path = path
        self.sampleEvery = sampleEvery
        self.intervalSeconds = intervalSeconds
    }
}

/// Counts a timeline row shows for its interval: what happened since the
/// run's previous row (cumulative counts of one row minus the previous row's).
struct IntervalCounts: Equatable {
    var requests = 0
    var hits = 0
    var noscript = 0
    var evictions = 0
    var compiles = 0

    init() {}

    /// The run's counts from its first event (warm-up included).
    init(_ r: PolicyResult) {
        requests = r.requests
        hits = r.evalHits + r.evalshaHits
        noscript = r.noscript
        evictions = r.evictions
        compiles = r.compiles
    }

    static func - (a: Self, b: Self) -> Self {
        var d = Self()
        d.requests = a.requests - b.requests
        d.hits = a.hits - b.hits
        d.noscript = a.noscript - b.noscript
        d.evictions = a.evictions - b.evictions
        d.compiles = a.compiles - b.compiles
        return d
    }

    /// hits / requests, nil for an interval without requests.
    var hitRate: Double? { requests == 0 ? nil : Double(hits) / Double(requests) }
}

/// One policy's state after a given event.
struct TimelineSample {
    var event: Int
    var vmBytes: Int
    var scriptBytes: Int
    var cachedScripts: Int
    var allocatorActive: Int
    var allocatorResident: Int
    /// Since the run's previous sample.
    var interval: IntervalCounts
}

/// Writes the timeline CSV as the replay goes, so its memory stays bounded.
/// Columns are documented in the README ("Memory over time"); new ones are
/// appended, so scripts that read columns by position keep working.
///
/// A regular file is written under a temporary name and renamed into place
/// only when the run succeeds, so a failed run never leaves a timeline that
/// looks complete. Devices and pipes (`/dev/stdout`) are written directly.
final class TimelineWriter {
    static let header = "event,timestamp,policy,allocator,vm_bytes,script_bytes,cached_scripts,allocator_active,allocator_resident,"
        + "interval_requests,interval_hit_rate,interval_noscript,interval_evictions,interval_compiles\n"
    let output: OutputFile

    init(path: String) throws(OutputError) {
        output = try OutputFile(path: path, what: "timeline")
        try output.write(Self.header)
    }

    func row(_ s: TimelineSample, timestamp: Double?, policy: String, allocator: String) throws(OutputError) {
        let ts = timestamp.map { JSONValue.number($0) } ?? ""
        let i = s.interval
        let rate = i.hitRate.map { JSONValue.number($0) } ?? ""
        try output.write("\(s.event),\(ts),\(ReportRenderer.csvField(policy)),\(allocator),\(s.vmBytes),\(s.scriptBytes),\(s.cachedScripts),"
                         + "\(s.allocatorActive),\(s.allocatorResident),\(i.requests),\(rate),\(i.noscript),\(i.evictions),\(i.compiles)\n")
    }
}
