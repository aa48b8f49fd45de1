import Foundation

/// A sweep's verdict on its targets: the smallest limit that meets them all,
/// or, when none does, the target that came closest. Kept as figures (not
/// only as the sentence) so JSON readers and the exit status need no parsing.
public struct SweepRecommendation: Equatable, Sendable {
    /// The target nearest to being met when none is, and where.
    public struct Closest: Equatable, Sendable {
        public var target: SweepTarget
        /// The limit's row where the target came closest.
        public var row: SweepRow
        /// The target metric's figure there.
        public var value: Double
        /// |value − bound|.
        public var miss: Double
        /// The miss relative to the bound; nil for a bound of 0, which has no scale.
        public var relativeMiss: Double?
    }

    public var targets: [SweepTarget]
    /// The smallest limit meeting every target (nil: none does).
    public var recommended: SweepRow?
    /// When no limit meets the targets: the closest miss (nil when no limit
    /// measured the figures the targets need).
    public var closest: Closest?
    /// The `recommended: …` or `no limit meets …` sentence of the text formats.
    public var text: String

    public var met: Bool { recommended != nil }
}

/// Choosing the limit to recommend from a sweep's rows.
extension Sweeper {
    static func modelValue(_ m: ModelledResult, _ metric: SweepTarget.Metric) -> Double {
        switch metric {
        case .hitRate: return m.hitRate
        case .noscript: return Double(m.noscript)
        case .compiles: return Double(m.compiles)
        case .evictions: return Double(m.evictions)
        case .retries: return Double(m.retries)
        default: return .nan
        }
    }

    /// The smallest limit meeting every target (`recommended: KEY=V ...`), or
    /// none (`no limit meets ...`) with the target that came closest.
    static func recommend(_ rows: [SweepRow], targets: [SweepTarget], key: String, bytes: Bool) -> SweepRecommendation {
        func show(_ v: Int) -> String { "\(key)=" + (bytes ? ByteSize.format(v) : String(v)) }
        func figures(_ r: SweepRow) -> String {
            targets.map { t in
                guard let v = r.value(of: t.metric) else { return "\(t.metric.rawValue) not measured" }
                return "\(t.metric.rawValue) " + (t.metric == .hitRate ? String(format: "%.4f", v) : t.metric.isBytes ? ReportRenderer.bytes(Int(v)) : String(Int(v)))
            }.joined(separator: ", ")
        }
        let goals = targets.map(\.text).joined(separator: ", ")
        let candidates = rows.filter { r in targets.allSatisfy { t in r.value(of: t.metric).map { t.met(by: $0) } ?? false } }
        if let best = candidates.first {
            return SweepRecommendation(targets: targets, recommended: best, closest: nil,
                                       text: "recommended: \(show(best.value)) (\(figures(best)); smallest of the \(plural(rows.count, "limit")) that meets \(goals))")
        }
        // The target that came closest: the smallest relative shortfall any measured limit had on it.
        var closest: (target: SweepTarget, row: SweepRow, value: Double, shortfall: Double)?
        for t in targets {
            for r in rows {
                guard let v = r.value(of: t.metric), !t.met(by: v) else { continue }
                let s = t.shortfall(v)
                if closest == nil || s < closest!.shortfall { closest = (t, r, v, s) }
            }
        }
        guard let c = closest else {
            return SweepRecommendation(targets: targets, recommended: nil, closest: nil,
                                       text: "no limit meets \(goals) (the figures it needs were not measured)")
        }
        let miss = c.target.bound == 0 ? "missed by \(c.target.metric.isBytes ? ReportRenderer.bytes(Int(c.shortfall)) : String(format: "%g", c.shortfall))"
            : "came within " + String(format: "%.1f%%", c.shortfall * 100)
        let near = SweepRecommendation.Closest(target: c.target, row: c.row, value: c.value, miss: abs(c.value - c.target.bound),
                                               relativeMiss: c.target.bound == 0 ? nil : c.shortfall)
        return SweepRecommendation(targets: targets, recommended: nil, closest: near,
                                   text: "no limit meets \(goals); closest: \(c.target.text) \(miss) at \(show(c.row.value)) (\(figures(c.row)))")
    }
}
