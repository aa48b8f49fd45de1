import Foundation

/// Renders replay reports in every `ReportFormat`. Pure: the same reports give
/// the same text (only compile times vary from run to run).
public struct ReportRenderer: Sendable {
    public var format: ReportFormat
    /// Table format: every figure in three tables, as wide as they get (`--wide`),
    /// rather than the compact table that fits 100 columns.
    public var wide: Bool

    public init(format: ReportFormat, wide: Bool = false) {
        self.format = format
        self.wide = wide
    }

    public func render(_ reports: [TraceReport]) -> String {
        switch format {
        case .json: return json(reports).rendered() + "\n"
        case .csv: return csv(reports)
        case .table: return reports.map { wide ? text($0, markdown: false) : compactText($0) }.joined(separator: "\n")
        case .markdown: return reports.map { text($0, markdown: true) }.joined(separator: "\n")
        }
    }

    // MARK: JSON

    public func json(_ reports: [TraceReport]) -> JSONValue {
        .object([("traces", .array(reports.map { r in
            .object([
                ("path", .string(r.path)),
                ("summary", Self.summaryJSON(r.summary)),
                ("policies", .array(r.policies.map(Self.policyJSON))),
            ])
        }))])
    }

    static func summaryJSON(_ s: TraceSummary) -> JSONValue {
        .object([
            ("lines", .int(s.lines)),
            ("script_events", .int(s.scriptEvents)),
            ("commands", .object(TraceCommandKind.allCases.map { ($0.key, .int(s[$0])) })),
            ("skipped", .int(s.skippedScriptInternal + s.skippedOther)),
            ("skipped_script_internal", .int(s.skippedScriptInternal)),
            ("skipped_other", .int(s.skippedOther)),
            ("invalid", .int(s.invalid)),
            ("distinct_scripts", .int(s.distinctScripts)),
            ("distinct_body_bytes", .int(s.distinctBodyBytes)),
            ("body_bytes_sent", .int(s.bodyBytesSent)),
            ("folded_recoveries_eval", .int(s.foldedRecoveriesEval)),
            ("folded_recoveries_script_load", .int(s.foldedRecoveriesScriptLoad)),
            ("recovery_window_expired", .int(s.recoveryWindowExpired)),
            ("calls_in_transaction", .int(s.callsInTransaction)),
            ("first_timestamp", s.firstTimestamp.map { .double($0) } ?? .null),
            ("last_timestamp", s.lastTimestamp.map { .double($0) } ?? .null),
            ("warmup_events", .int(s.warmupEvents)),
        ])
    }

    static func policyJSON(_ p: PolicyResult) -> JSONValue {
        var members: [(String, JSONValue)] = ReportColumns.all.map { c in
            switch c.value(p) {
            case .none: return (c.key, .null)
            case .int(let i): return (c.key, .int(i))
            case .double(let d): return (c.key, .double(d))
            case .text(let t): return (c.key, .string(t))
            }
        }
        members.append(("compile_error_examples", .array(p.compileErrorExamples.map {
            .object([("sha", .string($0.sha)), ("message", .string($0.message))])
        })))
        return .object(members)
    }

    // MARK: CSV

    func csv(_ reports: [TraceReport]) -> String {
        let summaryKeys = ["lines", "script_events", "skipped", "invalid", "distinct_scripts", "distinct_body_bytes"]
        // The warm-up came later than the other columns: it is last, so positions stay.
        var out = (["trace"] + summaryKeys.map { "trace_" + $0 } + ReportColumns.all.map(\.key) + ["trace_warmup_events"])
            .joined(separator: ",") + "\n"
        for r in reports {
            let s = r.summary
            let summary = [s.lines, s.scriptEvents, s.skippedScriptInternal + s.skippedOther, s.invalid,
                           s.distinctScripts, s.distinctBodyBytes].map(String.init)
            for p in r.policies {
                let cells = ReportColumns.all.map { c -> String in
                    switch c.value(p) {
                    case .none: return ""
                    case .int(let i): return String(i)
                    case .double(let d): return JSONValue.number(d)
                    case .text(let t): return Self.csvField(t)
                    }
                }
                out += ([Self.csvField(r.path)] + summary + cells + [String(s.warmupEvents)]).joined(separator: ",") + "\n"
            }
        }
        return out
    }

    /// `s` with every control character but tab, CR and LF (NUL, ESC, DEL …)
    /// written as `\xNN`, so a terminal or a CSV reader shows every byte and
    /// none acts (JSON keeps the exact text).
    static func visible(_ s: String) -> String { escapingControls(s, lineBreaks: false) }

    /// `visible`, and tabs and line breaks too: for what must stay on its line
    /// (a trace's path in a heading, a title in a plot).
    public static func visibleLine(_ s: String) -> String { escapingControls(s, lineBreaks: true) }

    /// C0 and C1 controls, DEL and the noncharacters U+FFFE/U+FFFF as `\xNN` or
    /// `\u{NNNN}`: what a terminal would act on or an XML parser refuse.
    private static func escapingControls(_ s: String, lineBreaks: Bool) -> String {
        func isControl(_ u: Unicode.Scalar) -> Bool {
            if u == "\t" || u == "\n" || u == "\r" { return lineBreaks }
            return u.value < 0x20 || (0x7F...0x9F).contains(u.value) || u.value == 0xFFFE || u.value == 0xFFFF
        }
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            if !isControl(u) {
                out.unicodeScalars.append(u)
            } else if u.value <= 0x7F {
                out += "\\x" + String(format: "%02X", u.value)
            } else {
                out += "\\u{" + String(format: "%04X", u.value) + "}"
            }
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        let s = visible(s)
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: Table and Markdown

    func text(_ r: TraceReport, markdown: Bool) -> String {
        var out = ""
        let s = r.summary
        let commands = Self.commandList(s, functions: false)
        let head = markdown ? "### \(Self.visibleLine(r.path))\n\n" : "trace \(Self.visibleLine(r.path))\n"
        out += head
        out += (markdown ? "" : "  ") + "\(s.scriptEvents) script events" + (commands.isEmpty ? "" : " (\(commands))")
        out += "; skipped \(s.skippedScriptInternal + s.skippedOther) (inside scripts \(s.skippedScriptInternal), other commands \(s.skippedOther))"
        out += "; invalid \(s.invalid); \(s.distinctScripts) distinct scripts, \(Self.bytes(s.distinctBodyBytes)) of bodies\n"
        if s.foldedRecoveriesEval + s.foldedRecoveriesScriptLoad + s.callsInTransaction + s.recoveryWindowExpired > 0 {
            out += (markdown ? "\n" : "  ") + "recorded recoveries folded into their calls: \(s.foldedRecoveriesEval) by EVAL, "
                + "\(s.foldedRecoveriesScriptLoad) by SCRIPT LOAD; calls inside MULTI: \(s.callsInTransaction)"
                + (s.recoveryWindowExpired > 0 ? "; EVALSHAs left unfolded (connection silent too long): \(s.recoveryWindowExpired)" : "") + "\n"
        }
        if let line = Self.warmupLine(s) { out += (markdown ? "\n" : "  ") + line + "\n" }
        if let line = Self.functionsLine(s) { out += (markdown ? "\n" : "  ") + line + "\n" }
        out += "\n"
        out += table(title: "hit rate", columns: ReportColumns.hits, rows: r.policies, markdown: markdown)
        out += "\n"
        out += table(title: "memory", columns: ReportColumns.memory, rows: r.policies, markdown: markdown)
        out += "\n"
        out += table(title: "flush and allocator", columns: ReportColumns.flushAndAllocator, rows: r.policies, markdown: markdown)
        return out
    }

    /// The default table: the trace in a few short lines, each run numbered
    /// with its full name, then the figures a reader decides on by run number.
    func compactText(_ r: TraceReport) -> String {
        let s = r.summary
        var out = "trace \(Self.visibleLine(r.path))\n"
        let commands = Self.commandList(s, functions: false)
        out += "  \(s.scriptEvents) script events" + (commands.isEmpty ? "" : " (\(commands))") + "\n"
        out += "  \(s.distinctScripts) distinct scripts, \(Self.bytes(s.distinctBodyBytes)) of bodies; skipped \(s.skippedScriptInternal + s.skippedOther)"
            + ", invalid \(s.invalid)\n"
        if s.foldedRecoveriesEval + s.foldedRecoveriesScriptLoad + s.callsInTransaction > 0 {
            out += "  recorded recoveries folded: \(s.foldedRecoveriesEval) EVAL, \(s.foldedRecoveriesScriptLoad) SCRIPT LOAD; calls in MULTI: \(s.callsInTransaction)\n"
        }
        if let line = Self.warmupLine(s) { out += "  " + line + "\n" }
        if let line = Self.functionsLine(s) { out += Prose.wrap("  " + line, width: 100, indent: "    ") + "\n" }
        out += "\n"
        let showEngine = Set(r.policies.map(\.engine)).count > 1, showClient = Set(r.policies.map(\.client)).count > 1
        for (i, p) in r.policies.enumerated() { out += "  \(i + 1)  \(p.runName(among: r.policies))\n" }
        let shared = [showEngine ? nil : "engine \(r.policies.first?.engine ?? "-")",
                      showClient ? nil : "client \(r.policies.first?.client ?? "-")"].compactMap { $0 }
        if !shared.isEmpty { out += "     (" + shared.joined(separator: ", ") + ")\n" }
        out += "\n"
        // Runs are numbered in order; `table` asks each column once per row, in row order.
        final class Counter: @unchecked Sendable { var next = 0 }
        let counter = Counter()
        let run = ReportColumn(key: "run", title: "run", kind: .count) { _ in
            counter.next += 1
            return .int(counter.next)
        }
        // Compile errors and refused calls only when a run has any: a trace whose
        // bodies all fail must not read as "compiles 0" and nothing else.
        let errors = ["compile_errors", "read_only_refusals"].filter { key in
            r.policies.contains { key == "compile_errors" ? $0.compileErrors > 0 : $0.readOnlyRefusals > 0 }
        }.compactMap { key in ReportColumns.all.first { $0.key == key } }
        let body = table(title: "", columns: [run] + ReportColumns.compact + errors, rows: r.policies, markdown: false)
            .split(separator: "\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\n")
        out += body
        out += "\n  (--wide shows every figure; --format csv or json gives them all)\n"
        return out
    }

    /// "EVAL 6015, EVALSHA 5925": the script commands (or the Functions ones) the trace holds.
    static func commandList(_ s: TraceSummary, functions: Bool) -> String {
        TraceCommandKind.allCases.filter { $0.isFunction == functions && s[$0] > 0 }.map { "\($0.displayName) \(s[$0])" }
            .joined(separator: ", ")
    }

    /// The Functions traffic a trace holds, and that no figure includes it yet (issue #23).
    static func functionsLine(_ s: TraceSummary) -> String? {
        guard s.functionCommands > 0 else { return nil }
        return "Functions: \(commandList(s, functions: true)) — the functions VM is not modeled yet: no figure includes them"
    }

    /// "warm-up: 1000 events (counts start after them)", when there was one.
    static func warmupLine(_ s: TraceSummary) -> String? {
        guard s.warmupEvents > 0 else { return nil }
        let all = s.warmupEvents >= s.replayEvents ? ", the whole trace: nothing counted" : ""
        return "warm-up: \(s.warmupEvents) event\(s.warmupEvents == 1 ? "" : "s") (counts start after them\(all))"
    }

    func table(title: String, columns: [ReportColumn], rows: [PolicyResult], markdown: Bool) -> String {
        let header = columns.map(\.title)
        // Each row names its run as every output does (`runName`).
        let body = rows.map { row in
            columns.map { c -> String in c.key == "policy" ? row.runName(among: rows) : Self.human(c.value(row), kind: c.kind) }
        }
        var out = markdown ? "**\(title)**\n\n" : "\(title)\n"
        if markdown {
            out += "| " + header.joined(separator: " | ") + " |\n"
            out += "|" + columns.map { $0.kind == .text ? "---|" : "---:|" }.joined() + "\n"
            for line in body { out += "| " + line.joined(separator: " | ") + " |\n" }
            return out
        }
        var widths = header.map(\.count)
        for line in body { for (i, cell) in line.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func pad(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let fill = String(repeating: " ", count: widths[i] - c.count)
                return columns[i].kind == .text ? c + fill : fill + c
            }.joined(separator: "  ")
        }
        out += "  " + pad(header) + "\n"
        for line in body { out += "  " + pad(line) + "\n" }
        return out
    }

    static func human(_ cell: ReportCell, kind: ReportColumn.Kind) -> String {
        switch (cell, kind) {
        case (.none, _): return "-"
        case (.text(let t), _): return t
        case (.int(let i), .bytes): return bytes(i)
        case (.int(let i), _): return String(i)
        case (.double(let d), .ratio): return String(format: "%.4f", d)
        case (.double(let d), .seconds): return String(format: "%.3fs", d)
        case (.double(let d), .milliseconds): return String(format: "%.3f ms", d * 1000)
        case (.double(let d), .rate): return String(Int(d.rounded()))
        case (.double(let d), _): return String(d)
        }
    }

    /// Bytes in binary units with three significant figures ("1.23 MiB").
    public static func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n)
        var u = 0
        while abs(v) >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
        if u == 0 { return "\(n) B" }
        return String(format: v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v) + " " + units[u]
    }
}
