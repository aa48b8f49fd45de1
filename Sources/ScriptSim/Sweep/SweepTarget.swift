/// A goal a limit must meet, such as `hit_rate>=0.99`, `noscript<=10` or
/// `vm_bytes_peak<=64MiB`.
public struct SweepTarget: Equatable, CustomStringConvertible, Sendable {
    public enum Metric: String, CaseIterable, Sendable {
        case hitRate = "hit_rate", noscript, compiles, evictions, retries
        case vmBytesPeak = "vm_bytes_peak", vmBytesRetained = "vm_bytes_retained", scriptBytesPeak = "script_bytes_peak"

        /// Memory figures come from full replays only.
        var needsReplay: Bool { [.vmBytesPeak, .vmBytesRetained, .scriptBytesPeak].contains(self) }
        var isBytes: Bool { needsReplay }

        /// The values the metric can take: a bound outside them is a typo
        /// (`hit_rate>=1.5`, `noscript<=-1`) that no limit could ever meet, or
        /// that every limit meets, so it is refused before the trace is read.
        public var validRange: ClosedRange<Double> { self == .hitRate ? 0...1 : 0...Double.greatestFiniteMagnitude }

        /// The valid range in words, for the message that refuses a bound outside it.
        var rangeDescription: String {
            self == .hitRate ? "a rate from 0 to 1" : isBytes ? "a size of 0 bytes or more" : "a count of 0 or more"
        }
    }

    public var metric: Metric
    /// true: value >= bound; false: value <= bound.
    public var atLeast: Bool
    public var bound: Double
    public var text: String

    public var description: String { text }

    func met(by value: Double) -> Bool { atLeast ? value >= bound : value <= bound }

    /// How far `value` is from the bound, relative to the bound (0 when met).
    /// A bound of 0 has no scale: any miss counts as the value itself, so
    /// "closest" still ranks rows and the message shows the miss, not a ratio.
    func shortfall(_ value: Double) -> Double {
        if met(by: value) { return 0 }
        return bound == 0 ? abs(value) : abs(value - bound) / abs(bound)
    }

    /// Parses `metric>=x,metric<=y` (sizes for byte metrics: 64MiB).
    public static func parseList(_ text: String) throws(PolicySpecError) -> [SweepTarget] {
        var out: [SweepTarget] = []
        for part in text.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            let op: String
            if t.contains(">=") { op = ">=" } else if t.contains("<=") { op = "<=" } else {
                throw PolicySpecError("--target '\(t)': expected METRIC>=VALUE or METRIC<=VALUE (metrics: \(Metric.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let sides = t.components(separatedBy: op)
            guard sides.count == 2, let metric = Metric(rawValue: sides[0].trimmingCharacters(in: .whitespaces)) else {
                throw PolicySpecError("--target '\(t)': unknown metric; valid: \(Metric.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let raw = sides[1].trimmingCharacters(in: .whitespaces)
            let value: Double?
            if metric.isBytes { value = ByteSize.parse(raw).map(Double.init) } else { value = Double(raw) }
            // ByteSize refuses a negative size as it would a word: say which range it left.
            let negativeSize = metric.isBytes && raw.hasPrefix("-") && ByteSize.parse(String(raw.dropFirst())) != nil
            if negativeSize || value.map({ $0.isFinite && !metric.validRange.contains($0) }) == true {
                throw PolicySpecError("--target '\(t)': \(metric.rawValue) is \(metric.rangeDescription), got '\(raw)'")
            }
            guard let bound = value, bound.isFinite else {
                throw PolicySpecError("--target '\(t)': '\(raw)' is not a \(metric.isBytes ? "size" : "number")")
            }
            out.append(SweepTarget(metric: metric, atLeast: op == ">=", bound: bound, text: t))
        }
        guard !out.isEmpty else { throw PolicySpecError("--target is empty") }
        return out
    }
}

import Foundation
