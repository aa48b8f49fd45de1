/// The plot of a replay's timeline (`--plot`).
extension SweepRenderer {
    /// VM bytes, hit rate and NOSCRIPT replies over the trace, one series per
    /// run in each panel. Hit rate and NOSCRIPT are per timeline row (since
    /// the previous row), so a burst after a SCRIPT FLUSH or a deploy stands
    /// out instead of melting into a running average; a row without requests
    /// has no hit rate and leaves a gap. The x axis is events replayed, or
    /// with `--interval-seconds` seconds since the trace's first timestamp.
    public static func timelinePlot(_ report: TraceReport) -> String {
        let byTime = report.timelineIntervalSeconds != nil
        let origin = report.summary.firstTimestamp ?? 0
        func x(_ p: TimelinePoint) -> Double? {
            guard byTime else { return Double(p.event) }
            return p.timestamp.map { $0 - origin }
        }
        func series(_ y: (TimelinePoint) -> Double?) -> [SVGChart.Series] {
            report.timeline.map { s in
                SVGChart.Series(name: s.label, points: s.points.compactMap { p in
                    guard let x = x(p), let y = y(p) else { return nil }
                    return (x, y)
                })
            }
        }
        let xLabel: String
        if let width = report.timelineIntervalSeconds {
            xLabel = "seconds of trace time (a row per \(SVGChart.short(width)) s with events)"
        } else {
            xLabel = "events replayed"
        }
        return SVGChart(title: "Lua VM memory, hit rate and NOSCRIPT over the trace — \(report.path)", xLabel: xLabel,
                        xLog: false, xIsBytes: false,
                        panels: [
                            SVGChart.Panel(title: "VM bytes", yLabel: "VM bytes (allocator's count)", yIsBytes: true,
                                           series: series { Double($0.vmBytes) }),
                            SVGChart.Panel(title: "Hit rate per interval", yLabel: "hits / requests since the previous row",
                                           yIsBytes: false, series: series { $0.intervalHitRate }),
                            SVGChart.Panel(title: "NOSCRIPT replies per interval", yLabel: "NOSCRIPT replies since the previous row",
                                           yIsBytes: false, series: series { Double($0.intervalNoscript) }),
                        ]).render()
    }
}
