import Foundation

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

    /// `recommended: KEY=V ...` for the smallest limit meeting every target, or
    /// `no limit meets ...` naming the target that came closest.
    static func recommend(_ rows: [SweepRow], targets: [SweepTarget], key: String, bytes: Bool) -> String {
        func show(_ v: Int) -> String { "\(key)=" + (bytes ? ByteSize.format(v) : String(v)) }
        func figures(_ r: SweepRow) -> String {
            targets.map { t in
                guard let v = r.value(of: t.metric) else { return "\(t.metric.rawValue) not measured" }
                return "\(t.metric.rawValue) " + (t.metric == .hitRate ? String(format: "%.4f", v) : t.metric.isBytes ? ReportRenderer.bytes(Int(v)) : String(Int(v)))
            }.joined(separator: ", ")
        }
        let candidates = rows.filter { r in targets.allSatisfy { t in r.value(of: t.metric).map { t.met(by: $0) } ?? false } }
        if let best = candidates.first {
            return "recommended: \(show(best.value)) (\(figures(best)); smallest of the \(plural(rows.count, "limit")) that meets \(targets.map(\.text).joined(separator: ", ")))"
        }
        // The target that came closest: the smallest relative shortfall any measured limit had on it.
        var closest: (target: SweepTarget, row: SweepRow, shortfall: Double)?
        for t in targets {
            for r in rows {
                guard let v = r.value(of: t.metric), !t.met(by: v) else { continue }
                let s = t.shortfall(v)
                if closest == nil || s < closest!.shortfall { closest = (t, r, s) }
            }
        }
        if let c = closest {
            let miss = c.target.bound == 0 ? "missed by \(c.target.metric.isBytes ? ReportRenderer.bytes(Int(c.shortfall)) : String(format: "%g", c.shortfall))"
                : "came within " + String(format: "%.1f%%", c.shortfall * 100)
            return "no limit meets \(targets.map(\.text).joined(separator: ", ")); closest: \(c.target.text) \(miss)"
                + " at \(show(c.row.value)) (\(figures(c.row)))"
        }
        return "no limit meets \(targets.map(\.text).joined(separator: ", ")) (the figures it needs were not measured)"
    }
}
