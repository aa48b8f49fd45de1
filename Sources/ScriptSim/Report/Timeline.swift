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
    /// Keep the rows in the report too (`TraceReport.timeline`, what `--plot`
    /// draws). Off, the rows go to the file only and memory stays flat however
    /// many there are (a row per event of a long trace).
    public var keepRows: Bool

    public init(path: String, sampleEvery: Int? = nil, intervalSeconds: Double? = nil, keepRows: Bool = true) {
        self.path = path
        self.sampleEvery = sampleEvery
        self.intervalSeconds = intervalSeconds
        self.keepRows = keepRows
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

/// What tells a run's rows apart: two servers, engines, clients or allocators
/// replay the same policy side by side.
struct TimelineRunLabel {
    var server: String
    var policy: String
    var allocator: String
    var engine: String
    var client: String
}

/// One policy's state after a given event.
struct TimelineSample {
    var event: Int
    var vmBytes: Int
    var scriptBytes: Int
    var cachedScripts: Int
    var allocatorActive: Int
    var allocatorResident: Int
    /// The event count at which the two allocator figures were read (see
    /// `TimelineSampler.allocatorReadSpacing`).
    var allocatorReadEvent: Int
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
        + "interval_requests,interval_hit_rate,interval_noscript,interval_evictions,interval_compiles,allocator_read_event,engine,client,server\n"
    let output: OutputFile

    /// `runs`: one label per run, in the order rows are written (`row(_:run:)` takes the index).
    init(path: String, runs: [TimelineRunLabel]) throws(OutputError) {
        runFields = runs.map { run in
            (Array(",\(ReportRenderer.csvField(run.policy)),\(ReportRenderer.csvField(run.allocator)),".utf8),
             Array(",\(ReportRenderer.csvField(run.engine)),\(ReportRenderer.csvField(run.client)),\(ReportRenderer.csvField(run.server))\n".utf8))
        }
        output = try OutputFile(path: path, what: "timeline")
        try output.write(Self.header)
    }

    /// The line being built, reused: a row per event must cost about what the
    /// replay of an event does, and string interpolation of fourteen fields
    /// (with the policy's CSV quoting each time) cost several times that.
    private var line: [UInt8] = []
    /// ",policy,allocator," and ",engine,client,server\n" of each run, quoted once.
    private let runFields: [(middle: [UInt8], end: [UInt8])]

    func row(_ s: TimelineSample, timestamp: Double?, run: Int) throws(OutputError) {
        line.removeAll(keepingCapacity: true)
        append(s.event, ",")
        if let timestamp { line.append(contentsOf: JSONValue.number(timestamp).utf8) }
        let fields = runFields[run]
        line.append(contentsOf: fields.middle)
        let i = s.interval
        append(s.vmBytes, ","); append(s.scriptBytes, ","); append(s.cachedScripts, ",")
        append(s.allocatorActive, ","); append(s.allocatorResident, ","); append(i.requests, ",")
        if let rate = i.hitRate { line.append(contentsOf: JSONValue.number(rate).utf8) }
        line.append(UInt8(ascii: ","))
        append(i.noscript, ","); append(i.evictions, ","); append(i.compiles, ","); append(s.allocatorReadEvent)
        line.append(contentsOf: fields.end)
        let failure = line.withUnsafeBytes { bytes -> OutputError? in
            do throws(OutputError) { try output.write(bytes) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Decimal digits of `value`, as `String(value)` gives them, then `end`.
    private func append(_ value: Int, _ end: Unicode.Scalar? = nil) {
        if value < 0 { line.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes: room for 20 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var at = buffer.count
            repeat {
                at -= 1
                buffer[at] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            line.append(contentsOf: buffer[at...])
        }
        if let end { line.append(UInt8(ascii: end)) }
    }
}
