import Foundation

/// Renders `AnalyzeReport`s in every `ReportFormat`: the table fits 100
/// columns (bodies shortened, one line each); JSON has everything in full.
public struct AnalyzeRenderer: Sendable {
    public var format: ReportFormat
    /// Templates shown in the table and Markdown (JSON and CSV list all).
    public var top: Int

    public init(format: ReportFormat, top: Int = 10) {
        self.format = format
        self.top = top
    }

    public func render(_ reports: [AnalyzeReport]) -> String {
        switch format {
        case .json: return json(reports).rendered() + "\n"
        case .csv: return csv(reports)
        case .table, .markdown: return reports.map { text($0, markdown: format == .markdown) }.joined(separator: "\n")
        }
    }

    // MARK: JSON and CSV

    public func json(_ reports: [AnalyzeReport]) -> JSONValue {
        .object([("traces", .array(reports.map(Self.traceJSON)))])
    }

    static func traceJSON(_ r: AnalyzeReport) -> JSONValue {
        func quantiles(_ q: Quantiles) -> JSONValue {
            .object([("count", .int(q.count)), ("min", .int(q.min)), ("p50", .int(q.p50)), ("p90", .int(q.p90)),
                     ("p99", .int(q.p99)), ("max", .int(q.max))])
        }
        func problems(_ p: ProblemBodies) -> JSONValue {
            .object([("count", .int(p.count)), ("examples", .array(p.examples.map {
                .object([("sha", .string($0.sha)), ("message", .string($0.message))])
            }))])
        }
        return .object([
            ("path", .string(r.path)),
            ("summary", ReportRenderer.summaryJSON(r.summary)),
            ("distinct_eval_bodies", .int(r.distinctEvalBodies)),
            ("eval_bodies_called_once", .int(r.evalBodiesCalledOnce)),
            ("eval_bodies_called_once_share", .double(r.evalBodiesCalledOnceShare)),
            ("body_bytes", quantiles(r.bodyBytes)),
            ("reuse_distance", quantiles(r.reuseDistance)),
            ("script_flushes", .int(r.summary[.scriptFlush])),
            ("connection_count", .int(r.connectionCount)),
            ("connections", .array(r.connections.map {
                .object([("connection", .string($0.connection)), ("events", .int($0.events)),
                         ("distinct_scripts", .int($0.distinctScripts))])
            })),
            ("templated_bodies", .int(r.templatedBodies)),
            ("templates", .array(r.templates.map(templateJSON))),
            ("compile_failures", problems(r.compileFailures)),
            ("untokenized", problems(r.untokenized)),
            ("what_if", .object([
                ("policy", .string(r.whatIf.asSent.policy)),
                ("server", .string(r.whatIf.asSent.server)),
                ("as_sent", ReportRenderer.policyJSON(r.whatIf.asSent)),
                ("parameterised", ReportRenderer.policyJSON(r.whatIf.parameterised)),
            ])),
        ])
    }

    static func templateJSON(_ t: TemplateStats) -> JSONValue {
        .object([
            ("template", .string(t.template)),
            ("distinct_bodies", .int(t.distinctBodies)),
            ("calls", .int(t.calls)),
            ("eval_bodies", .int(t.evalBodies)),
            ("share_of_eval_bodies", .double(t.shareOfEvalBodies)),
            ("script_bytes", .int(t.scriptBytes)),
            ("vm_bytes", .int(t.vmBytes)),
            ("varying_literals", .array(t.varyingLiterals.map {
                .object([("kind", .string($0.kind.rawValue)), ("ordinal", .int($0.ordinal)), ("of_kind", .int($0.ofKind)),
                         ("values", .int($0.values)), ("passed_as", .string($0.passedAs))])
            })),
            ("examples", .array(t.examples.map { .string($0) })),
            ("rewrite", .string(t.rewrite)),
        ])
    }

    /// One row per template (the summary is in the other formats).
    func csv(_ reports: [AnalyzeReport]) -> String {
        var out = "trace,rank,distinct_bodies,calls,share_of_eval_bodies,script_bytes,vm_bytes,varying_literals,template,example_1,example_2,rewrite\n"
        for r in reports {
            for (i, t) in r.templates.enumerated() {
                let fields = [r.path, String(i + 1), String(t.distinctBodies), String(t.calls), JSONValue.number(t.shareOfEvalBodies),
                              String(t.scriptBytes), String(t.vmBytes), t.varyingLiterals.map(\.description).joined(separator: "; "),
                              t.template, t.examples.first ?? "", t.examples.dropFirst().first ?? "", t.rewrite]
                out += fields.map(ReportRenderer.csvField).joined(separator: ",") + "\n"
            }
        }
        return out
    }

    // MARK: Table and Markdown

    /// A body on one line for the table: line ends shown as ⏎, tabs and runs
    /// of spaces as one space, a lone CR and other controls escaped, cut to
    /// `width` characters (a preview: JSON has the exact text).
    static func oneLine(_ s: String, width: Int) -> String {
        let flat = ReportRenderer.visibleLine(s.replacingOccurrences(of: "\r\n", with: "⏎").replacingOccurrences(of: "\n", with: "⏎")
            .replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: " {2,}", with: " ", options: .regularExpression))
        return flat.count <= width ? flat : String(flat.prefix(width - 1)) + "…"
    }

    static func percent(_ d: Double) -> String { String(format: "%.1f%%", d * 100) }

    func text(_ r: AnalyzeReport, markdown: Bool) -> String {
        let s = r.summary
        let lead = markdown ? "" : "  "
        let path = ReportRenderer.visibleLine(r.path)
        var out = markdown ? "### \(path)\n\n" : "trace \(path)\n"
        let commands = TraceCommandKind.allCases.filter { s[$0] > 0 }.map { "\($0.displayName) \(s[$0])" }.joined(separator: ", ")
        out += lead + "\(s.scriptEvents) script events" + (commands.isEmpty ? "" : " (\(commands))") + "\n"
        out += lead + "\(s.distinctScripts) distinct bodies (\(ReportRenderer.bytes(s.distinctBodyBytes))); \(r.distinctEvalBodies) sent with EVAL, "
            + "\(r.evalBodiesCalledOnce) of them (\(Self.percent(r.evalBodiesCalledOnceShare))) called once\n"
        let b = r.bodyBytes
        if b.count > 0 { out += lead + "body bytes: min \(b.min), p50 \(b.p50), p99 \(b.p99), max \(b.max)\n" }
        let d = r.reuseDistance
        out += lead + (d.count == 0 ? "no EVAL body was called twice\n"
            : "reuse distance of EVAL bodies (distinct scripts called in between; an LRU of N entries keeps\n"
                + lead + "  a body whose distance is below N): p50 \(d.p50), p90 \(d.p90), p99 \(d.p99), over \(d.count) reuses\n")
        if r.connectionCount > 0 {
            out += lead + plural(r.connectionCount, "connection") + (r.connectionCount > 3 ? "; the busiest (json lists \(r.connections.count)):" : ":") + "\n"
            for c in r.connections.prefix(3) {
                out += lead + "  \(Self.oneLine(c.connection, width: 50))  \(c.events) events, \(c.distinctScripts) distinct scripts\n"
            }
        }
        out += "\n" + templates(r, markdown: markdown) + "\n" + whatIf(r, markdown: markdown)
        let apart = r.compileFailures.count + r.untokenized.count
        if apart > 0 {
            out += "\n" + lead + "set apart (not grouped): \(r.compileFailures.count) bodies do not compile, \(r.untokenized.count) cannot be tokenized\n"
            for e in (r.compileFailures.examples + r.untokenized.examples).prefix(3) {
                out += lead + "  \(e.sha.prefix(12))  " + Self.oneLine(e.message, width: 80) + "\n"
            }
        }
        return out
    }

    func templates(_ r: AnalyzeReport, markdown: Bool) -> String {
        guard !r.templates.isEmpty else {
            return (markdown ? "**templates**: " : "templates: ") + "none (no two distinct bodies are the same program with different literals)\n"
        }
        let evalBodies = r.templates.reduce(0) { $0 + $1.evalBodies }
        let share = r.distinctEvalBodies == 0 ? 0 : Double(evalBodies) / Double(r.distinctEvalBodies)
        let line = (markdown ? "**templates**: " : "templates: ")
            + "\(r.templates.count) program\(r.templates.count == 1 ? "" : "s") sent as \(r.templatedBodies) distinct bodies (\(Self.percent(share)) of distinct EVAL bodies)"
            + (r.templates.count > top ? "; the \(top) with most bodies:" : ":")
        var out = (markdown ? line : Prose.wrap(line, indent: "  ")) + "\n\n"
        for (i, t) in r.templates.prefix(top).enumerated() {
            if markdown {
                out += "\(i + 1). **\(t.distinctBodies) distinct bodies**, \(t.calls) calls, \(Self.percent(t.shareOfEvalBodies)) of EVAL bodies, "
                    + "script bytes \(ReportRenderer.bytes(t.scriptBytes)), VM bytes \(ReportRenderer.bytes(t.vmBytes))\n"
                for v in t.varyingLiterals { out += "   - \(v.description)\n" }
                out += "   - template: `\(Self.oneLine(t.template, width: 200))`\n   - rewrite: `\(Self.oneLine(t.rewrite, width: 200))`\n"
                continue
            }
            out += String(format: "  %2d. ", i + 1) + "\(t.distinctBodies) distinct bodies, \(t.calls) calls, \(Self.percent(t.shareOfEvalBodies)) of EVAL bodies, "
                + "\(ReportRenderer.bytes(t.scriptBytes)) script, \(ReportRenderer.bytes(t.vmBytes)) VM\n"
            for v in t.varyingLiterals.prefix(4) { out += "      \(v.description)\n" }
            if t.varyingLiterals.count > 4 { out += "      … \(t.varyingLiterals.count - 4) more varying literals\n" }
            out += "      template  " + Self.oneLine(t.template, width: 84) + "\n"
            for e in t.examples { out += "      example   " + Self.oneLine(e, width: 84) + "\n" }
            out += "      rewrite   " + Self.oneLine(t.rewrite, width: 84) + "\n"
        }
        return out
    }

    func whatIf(_ r: AnalyzeReport, markdown: Bool) -> String {
        let w = r.whatIf
        var out = (markdown ? "**what-if**: " : "what-if: ") + "the trace on \(w.asSent.server) under \(w.asSent.policy) [\(w.asSent.engine)] as sent, and"
            + (markdown ? " " : "\n  ") + "with each template sent as one script (its calls go to its first body)\n" + (markdown ? "\n" : "")
        var first = w.asSent, second = w.parameterised
        first.policy = "as sent"
        second.policy = "parameterised"
        first.server = ""
        second.server = ""
        let table = ReportRenderer(format: markdown ? .markdown : .table)
            .table(title: "", columns: [ReportColumns.policy] + ReportColumns.compact, rows: [first, second], markdown: markdown)
        out += table.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(markdown ? 2 : 1).joined(separator: "\n")
        return out
    }
}
