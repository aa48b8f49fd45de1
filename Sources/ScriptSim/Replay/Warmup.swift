import Foundation

/// The first part of a trace that fills the cache without being counted, as
/// libCacheSim's `--warmup-sec`: a replay of a capture that starts on a cold
/// server otherwise reports the cold start's misses as if the policy caused them.
public enum Warmup: Equatable, Sendable {
    /// The first `n` replay events (after recorded recoveries are folded).
    case events(Int)
    /// The events stamped before the trace's first timestamp plus this many
    /// seconds (MONITOR timestamps). The warm-up ends at the first event
    /// stamped at or after that instant; an event without a timestamp never ends it.
    case seconds(Double)

    /// What the user typed, for messages.
    public var option: String {
        switch self {
        case .events(let n): return "--warmup \(n)"
        case .seconds(let s): return "--warmup-seconds " + String(format: "%g", s)
        }
    }
}

/// Decides, as the reader emits each replay event, where the warm-up ends and
/// (with `--interval-seconds`) before which events a timeline sample is due.
///
/// Only the reader sees timestamps in order; the policy runs replay batches in
/// parallel, so these marks travel with each batch (`Replayer.BatchExtras`).
struct EventMarker {
    let warmup: Warmup?
    let intervalSeconds: Double?
    /// Index of the first counted event, once known (stays known).
    private(set) var warmupEnd: Int?
    /// The first event's timestamp: time 0 of the warm-up and of the intervals.
    private(set) var origin: Double?
    /// The interval (of `intervalSeconds`) the last stamped event fell in.
    private var interval: Int?

    init(warmup: Warmup?, intervalSeconds: Double?) {
        self.warmup = warmup
        self.intervalSeconds = intervalSeconds
        if case .events(let n) = warmup { warmupEnd = n }
    }

    /// The option that cannot work on a trace without timestamps, if any.
    var optionNeedingTimestamps: String? {
        if case .seconds? = warmup { return "--warmup-seconds" }
        return intervalSeconds == nil ? nil : "--interval-seconds"
    }

    /// Notes event `index` (0-based, in replay order) and its timestamp.
    /// Returns whether a timeline sample is due before it: it is the first
    /// event of a later interval than the one before, so the event before it
    /// was the last of its interval. Time that runs backwards stays in the
    /// current interval.
    mutating func mark(index: Int, timestamp: Double?) -> Bool {
        guard let t = timestamp else { return false }
        let origin = self.origin ?? t
        self.origin = origin
        if warmupEnd == nil, case .seconds(let s) = warmup, t >= origin + s { warmupEnd = index }
        guard let width = intervalSeconds else { return false }
        let k = Int(((t - origin) / width).rounded(.down))
        defer { interval = max(interval ?? k, k) }
        guard let current = interval else { return false }
        return k > current
    }

    /// Events that were warm-up, out of `total` replayed.
    func warmupEvents(total: Int) -> Int {
        guard warmup != nil else { return 0 }
        return min(warmupEnd ?? total, total)
    }
}

/// What the reader marked in one batch for the policy runs.
struct BatchMarks {
    /// Index (over the whole trace) of the first counted event, once known.
    var warmupEnd: Int?
    /// Positions in the batch, ascending, before which a timeline sample is due.
    var sampleBefore: [Int] = []
}
