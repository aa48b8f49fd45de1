import Foundation

/// Renders a `SweepReport` in every format, and its plot.
public struct SweepRenderer: Sendable {
    public var format: ReportFormat
    /// Table format: every column (`--wide`) rather than the ones that fit 100 columns.
    public var wide: Bool
    public init(format: ReportFormat, wide: Bool = false) {
        self.format = format
        self.wide = wide
    }

    /// The columns of the default table: limit, source, hit rate, NOSCRIPT,
    /// compiles, evictions, VM peak, script bytes peak.
    static let compactColumns = [0, 1, 2, 3, 5, 6, 8, 10]

    static let columns: [(key: String, title: String)] = [
        ("value", "limit"), ("source", "source"), ("hit_rate", "hit rate"), ("noscript", "noscript"), ("retries", "retries"),
        ("compiles", "compiles"), ("evictions", "evictions"), ("cached_scripts", "cached"),
        ("vm_bytes_peak", "VM peak"), ("vm_bytes_retained", "VM after GC"), ("script_bytes_peak", "script bytes peak"),
    ]

    func cells(_ r: SweepRow, _ report: SweepReport, human: Bool) -> [String] {
        func bytes(_ v: Int?) -> String { v.map { human ? ReportRenderer.bytes($0) : String($0) } ?? (human ? "-" : "") }
        let limit = report.bytes && human ? ByteSize.format(r.value) : String(r.value)
        return [limit, r.source, human ? String(format: "%.4f", r.hitRate) : JSONValue.number(r.hitRate), String(r.noscript),
                String(r.retries), String(r.compiles), String(r.evictions), String(r.cachedScripts),
                bytes(r.vmBytesPeak), bytes(r.vmBytesRetained), bytes(r.scriptBytesPeak)]
    }

    public func render(_ report: SweepReport) -> String {
        switch format {
        case .json:
            let rows: [JSONValue] = report.rows.map { r in
                .object([("value", .int(r.value)), ("policy", .string(r.policy)), ("source", .string(r.source)),
                         ("hit_rate", .double(r.hitRate)), ("noscript", .int(r.noscript)), ("retries", .int(r.retries)),
                         ("compiles", .int(r.compiles)), ("evictions", .int(r.evictions)), ("cached_scripts", .int(r.cachedScripts)),
                         ("vm_bytes_peak", r.vmBytesPeak.map { .int($0) } ?? .null),
                         ("vm_bytes_retained", r.vmBytesRetained.map { .int($0) } ?? .null),
                         ("script_bytes_peak", r.scriptBytesPeak.map { .int($0) } ?? .null)])
            }
            return JSONValue.object([
                ("path", .string(report.path)), ("server", .string(report.server)), ("policy", .string(report.policy)),
                ("vary", .string(report.key)),
                ("replays", .int(report.replays)), ("warmup_events", .int(report.summary.warmupEvents)),
                ("model_notes", .array(report.modelNotes.map { .string($0) })),
                ("rows", .array(rows)), ("recommendation", report.recommendation.map(Self.json) ?? .null),
            ]).rendered() + "\n"
        case .csv:
            var out = (["policy"] + Self.columns.map(\.key)).joined(separator: ",") + "\n"
            for r in report.rows { out += ([ReportRenderer.csvField(r.policy)] + cells(r, report, human: false)).joined(separator: ",") + "\n" }
            if let rec = report.recommendation { out += "# \(rec.text)\n" }
            return out
        case .table, .markdown:
            let md = format == .markdown
            let compact = !md && !wide
            let shown = compact ? Self.compactColumns : Array(Self.columns.indices)
            var header = shown.map { Self.columns[$0].title }
            header[0] = report.key
            let body = report.rows.map { row in let all = cells(row, report, human: true); return shown.map { all[$0] } }
            func prose(_ text: String, indent: String) -> String { compact ? Prose.wrap(text, indent: indent) : text }
            let path = ReportRenderer.visibleLine(report.path)
            var out = md ? "### sweep \(report.server) \(report.policy) \(report.key) on \(path)\n\n"
                : prose("sweep \(report.server) \(report.policy) \(report.key) on \(path): \(plural(report.rows.count, "limit")), \(report.replays) replayed in full",
                        indent: "  ") + "\n"
            if let line = ReportRenderer.warmupLine(report.summary) { out += (md ? "" : "  ") + line + "\n" }
            for note in report.modelNotes { out += md ? "note: \(note)\n" : prose("  note: \(note)", indent: "    ") + "\n" }
            out += "\n"
            if md {
                out += "| " + header.joined(separator: " | ") + " |\n|" + header.indices.map { $0 == 1 ? "---|" : "---:|" }.joined() + "\n"
                for row in body { out += "| " + row.joined(separator: " | ") + " |\n" }
            } else {
                var widths = header.map(\.count)
                for row in body { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
                func line(_ cells: [String]) -> String {
                    cells.enumerated().map { i, c in
                        let pad = String(repeating: " ", count: widths[i] - c.count)
                        return i == 1 ? c + pad : pad + c
                    }.joined(separator: "  ")
                }
                out += "  " + line(header) + "\n"
                for row in body { out += "  " + line(row) + "\n" }
            }
            if compact { out += "  (--wide shows every column; --format csv or json gives them all)\n" }
            if let rec = report.recommendation { out += "\n" + prose(rec.text, indent: "  ") + "\n" }
            return out
        }
    }

    /// Hit rate (every limit) and VM memory (replayed limits) against the limit.
    public static func plot(_ report: SweepReport) -> String {
        let label = report.policy
        let hit = SVGChart.Series(name: label, points: report.rows.map { (Double($0.value), $0.hitRate) })
        let replayed = report.rows.filter { $0.vmBytesPeak != nil }
        let peak = SVGChart.Series(name: "\(label) peak", points: replayed.map { (Double($0.value), Double($0.vmBytesPeak!)) })
        let retained = SVGChart.Series(name: "\(label) after GC", points: replayed.map { (Double($0.value), Double($0.vmBytesRetained!)) })
        let logX = report.bytes || (report.rows.last.map { Double($0.value) } ?? 1) / max(1, Double(report.rows.first?.value ?? 1)) >= 20
        return SVGChart(title: "\(report.server) \(report.policy): hit rate and VM memory by \(report.key) — \(report.path)",
                        xLabel: report.bytes ? "\(report.key) (bytes, log scale)" : "\(report.key) (scripts\(logX ? ", log scale" : ""))",
                        xLog: logX, xIsBytes: report.bytes,
                        panels: [SVGChart.Panel(title: "Hit rate", yLabel: "hit rate (EVAL+EVALSHA hits / requests)", yIsBytes: false, series: [hit]),
                                 SVGChart.Panel(title: "Lua VM memory (replayed limits)", yLabel: "VM bytes", yIsBytes: true, series: [peak, retained])]).render()
    }
}
