import Foundation

/// A small SVG line chart: one or more stacked panels, each with labelled
/// axes (units in the label), a legend, and one `<polyline class="series">`
/// per series. Opens in any browser; no script, no external font.
public struct SVGChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public struct Panel: Sendable {
        public var title: String
        public var yLabel: String
        public var yIsBytes: Bool
        public var series: [Series]
        public init(title: String, yLabel: String, yIsBytes: Bool, series: [Series]) {
            self.title = title
            self.yLabel = yLabel
            self.yIsBytes = yIsBytes
            self.series = series
        }
    }

    public var title: String
    public var xLabel: String
    public var xLog: Bool
    public var xIsBytes: Bool
    public var panels: [Panel]

    public init(title: String, xLabel: String, xLog: Bool, xIsBytes: Bool, panels: [Panel]) {
        self.title = title
        self.xLabel = xLabel
        self.xLog = xLog
        self.xIsBytes = xIsBytes
        self.panels = panels
    }

    static let colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    public func render() -> String {
        let width = 1000.0, panelHeight = 330.0, left = 90.0, right = 310.0, top = 50.0, bottom = 60.0
        let height = top + Double(panels.count) * (panelHeight + bottom)
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(width / 2))" y="24" text-anchor="middle" font-size="16" font-weight="bold">\(Self.escape(title))</text>

            """
        let xs = panels.flatMap { $0.series.flatMap { $0.points.map(\.x) } }.filter { !xLog || $0 > 0 }
        var xMin = xs.min() ?? 0, xMax = xs.max() ?? 1
        if xMin == xMax { xMin -= 1; xMax += 1 }
        func xPos(_ x: Double) -> Double {
            let f = xLog ? (log10(x) - log10(xMin)) / (log10(xMax) - log10(xMin)) : (x - xMin) / (xMax - xMin)
            return left + f * (width - left - right)
        }
        for (p, panel) in panels.enumerated() {
            let y0 = top + Double(p) * (panelHeight + bottom)
            let ys = panel.series.flatMap { $0.points.map(\.y) }
            var yMin = min(0, ys.min() ?? 0)
            var yMax = ys.max() ?? 1
            // Ratios (0...1) get a range rounded to 0.05 around the data, so small differences show.
            if !panel.yIsBytes, let lo = ys.min(), let hi = ys.max(), lo >= 0, hi <= 1 {
                yMin = max(0, (lo * 20).rounded(.down) / 20)
                yMax = min(1, max(yMin + 0.05, (hi * 20).rounded(.up) / 20))
            }
            if yMax <= yMin { yMax = yMin + 1 }
            func yPos(_ y: Double) -> Double { y0 + panelHeight - (y - yMin) / (yMax - yMin) * panelHeight }
            out += "<g class=\"panel\">\n"
            out += "<text x=\"\(Int(left))\" y=\"\(Int(y0 - 8))\" font-weight=\"bold\">\(Self.escape(panel.title))</text>\n"
            out += "<rect x=\"\(Int(left))\" y=\"\(Int(y0))\" width=\"\(Int(width - left - right))\" height=\"\(Int(panelHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
            for i in 0...4 {
                let v = yMin + Double(i) / 4 * (yMax - yMin)
                let y = yPos(v)
                out += "<line x1=\"\(Int(left))\" x2=\"\(Int(width - right))\" y1=\"\(Self.f(y))\" y2=\"\(Self.f(y))\" stroke=\"#ddd\"/>\n"
                out += "<text x=\"\(Int(left - 6))\" y=\"\(Self.f(y + 4))\" text-anchor=\"end\">\(Self.escape(panel.yIsBytes ? ReportRenderer.bytes(Int(v)) : Self.short(v)))</text>\n"
            }
            for x in xTicks(xMin, xMax) {
                let px = xPos(x)
                out += "<line x1=\"\(Self.f(px))\" x2=\"\(Self.f(px))\" y1=\"\(Int(y0))\" y2=\"\(Int(y0 + panelHeight))\" stroke=\"#eee\"/>\n"
                out += "<text x=\"\(Self.f(px))\" y=\"\(Int(y0 + panelHeight + 16))\" text-anchor=\"middle\">\(Self.escape(xIsBytes ? ReportRenderer.bytes(Int(x)) : Self.short(x)))</text>\n"
            }
            out += "<text x=\"\(Int((left + width - right) / 2))\" y=\"\(Int(y0 + panelHeight + 38))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
            out += "<text transform=\"translate(18,\(Int(y0 + panelHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(panel.yLabel))</text>\n"
            for (i, s) in panel.series.enumerated() {
                let colour = Self.colours[i % Self.colours.count]
                let pts = s.points.filter { !xLog || $0.x > 0 }.map { "\(Self.f(xPos($0.x))),\(Self.f(yPos($0.y)))" }.joined(separator: " ")
                out += "<polyline class=\"series\" data-series=\"\(Self.escape(s.name))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(pts)\"/>\n"
                if s.points.count <= 40 {
                    for pt in s.points where !xLog || pt.x > 0 {
                        out += "<circle cx=\"\(Self.f(xPos(pt.x)))\" cy=\"\(Self.f(yPos(pt.y)))\" r=\"3\" fill=\"\(colour)\"/>\n"
                    }
                }
                let ly = y0 + 14 + Double(i) * 18
                out += "<line x1=\"\(Int(width - right + 12))\" x2=\"\(Int(width - right + 32))\" y1=\"\(Self.f(ly - 4))\" y2=\"\(Self.f(ly - 4))\" stroke=\"\(colour)\" stroke-width=\"3\"/>\n"
                out += "<text x=\"\(Int(width - right + 38))\" y=\"\(Self.f(ly))\">\(Self.escape(Self.clip(s.name)))</text>\n"
            }
            out += "</g>\n"
        }
        return out + "</svg>\n"
    }

    private func xTicks(_ lo: Double, _ hi: Double) -> [Double] {
        if xLog {
            var ticks: [Double] = []
            var d = pow(10, floor(log10(lo)))
            while d <= hi * 1.0001 {
                for m in [1.0, 2, 5] where d * m >= lo * 0.9999 && d * m <= hi * 1.0001 { ticks.append(d * m) }
                d *= 10
            }
            return ticks.count >= 2 ? ticks : [lo, hi]
        }
        // About five ticks at round values (1, 2 or 5 times a power of ten).
        let raw = (hi - lo) / 5, magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        let first = (lo / step).rounded(.up) * step
        let ticks = stride(from: first, through: hi + step * 1e-9, by: step).map { $0 }
        return ticks.count >= 2 ? ticks : [lo, hi]
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func short(_ v: Double) -> String {
        if abs(v) >= 1e6 { return String(format: "%.3gM", v / 1e6) }
        if abs(v) >= 1e3 { return String(format: "%.3gk", v / 1e3) }
        if v == v.rounded() { return String(Int(v)) }
        return String(format: "%.3g", v)
    }

    static func clip(_ s: String) -> String { s.count > 40 ? String(s.prefix(39)) + "…" : s }

    static func escape(_ s: String) -> String {
        // Controls are not characters XML 1.0 allows, even as references.
        ReportRenderer.visibleLine(s).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
