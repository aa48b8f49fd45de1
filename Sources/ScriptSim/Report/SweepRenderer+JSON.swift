import Foundation

/// The JSON form of a sweep's verdict: an object a script can test
/// (`met`, `limit`) instead of a sentence it would have to parse.
extension SweepRenderer {
    /// A metric's figure as JSON: the hit rate a fraction, counts and sizes whole numbers.
    static func figure(_ value: Double?, _ metric: SweepTarget.Metric) -> JSONValue {
        guard let value else { return .null }
        return metric == .hitRate ? .double(value) : .int(Int(value))
    }

    /// Each target's metric at `row` (null where a model row has no memory figures).
    static func figures(_ row: SweepRow, _ targets: [SweepTarget]) -> JSONValue {
        var seen = Set<String>()
        let metrics = targets.map(\.metric).filter { seen.insert($0.rawValue).inserted }
        return .object(metrics.map { ($0.rawValue, figure(row.value(of: $0), $0)) })
    }

    /// `{"met", "limit", "policy", "values", "targets", "closest", "text"}`: `limit`,
    /// `policy` and `values` describe the recommended limit (null when none meets
    /// the targets); `closest` the nearest miss when none does.
    static func json(_ r: SweepRecommendation) -> JSONValue {
        let targets: [JSONValue] = r.targets.map { t in
            .object([("target", .string(t.text)), ("metric", .string(t.metric.rawValue)), ("op", .string(t.atLeast ? ">=" : "<=")),
                     ("bound", figure(t.bound, t.metric))])
        }
        let closest: JSONValue = r.closest.map { c in
            .object([("target", .string(c.target.text)), ("limit", .int(c.row.value)), ("policy", .string(c.row.policy)),
                     ("value", figure(c.value, c.target.metric)), ("miss", figure(c.miss, c.target.metric)),
                     ("relative_miss", c.relativeMiss.map { .double($0) } ?? .null), ("values", figures(c.row, r.targets))])
        } ?? .null
        return .object([
            ("met", .bool(r.met)), ("limit", r.recommended.map { .int($0.value) } ?? .null),
            ("policy", r.recommended.map { .string($0.policy) } ?? .null),
            ("values", r.recommended.map { figures($0, r.targets) } ?? .null),
            ("targets", .array(targets)), ("closest", closest), ("text", .string(r.text)),
        ])
    }
}
