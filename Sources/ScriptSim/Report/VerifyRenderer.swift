import Foundation

/// Renders a `VerifyReport` in every `ReportFormat`. Every format ends with the
/// verdict (`verify: MATCH` or `verify: MISMATCH ...`): as the last line of
/// text, as a `verdict` column in CSV, as a `verdict` key in JSON.
public struct VerifyRenderer: Sendable {
    public var format: ReportFormat

    public init(format: ReportFormat) { self.format = format }

    public func render(_ r: VerifyReport) -> String {
        switch format {
        case .json: return json(r).rendered() + "\n"
        case .csv: return csv(r)
        case .table, .markdown: return text(r, markdown: format == .markdown)
        }
    }

    /// server / simulated, as docs/fidelity.md labels it.
    private func ratio(_ server: Int, _ simulated: Int) -> Double? {
        simulated == 0 ? nil : Double(server) / Double(simulated)
    }

    func json(_ r: VerifyReport) -> JSONValue {
        .object([
            ("path", .string(r.path)),
            ("server", .object([("endpoint", .string(r.endpoint)), ("name", .string(r.server.name)),
                                ("version", .string(r.server.version))])),
            ("policy", .string(r.policy)),
            ("profile", .string(r.profile)),
            ("profile_note", r.profileNote.map { .string($0) } ?? .null),
            ("client", .string(r.client)),
            ("engine", .string(r.engine)),
            ("figures", .array(r.figures.map {
                .object([("figure", .string($0.key)), ("server", .int($0.server)), ("simulated", .int($0.simulated)),
                         ("agree", .bool($0.agrees))])
            })),
            ("vm_bytes", .object([("server", .int(r.serverVMBytes)), ("server_field", .string(r.serverVMField)),
                                  ("simulated", .int(r.simulatedVMBytes)),
                                  ("ratio_server_over_simulated", ratio(r.serverVMBytes, r.simulatedVMBytes).map { .double($0) } ?? .null)])),
            ("vm_bytes_retained", .object([("server", .int(r.serverVMRetainedBytes)), ("simulated", .int(r.simulatedVMRetainedBytes)),
                                           ("ratio_server_over_simulated",
                                            ratio(r.serverVMRetainedBytes, r.simulatedVMRetainedBytes).map { .double($0) } ?? .null),
                                           ("judged", .bool(r.memoryJudged)), ("agree", .bool(r.memoryAgrees))])),
            ("script_bytes", .object([("server", r.serverScriptBytes.map { .int($0) } ?? .null),
                                      ("simulated", .int(r.simulatedScriptBytes)), ("server_allocator", .string(r.serverAllocator)),
                                      ("judged", .bool(r.scriptBytesJudged)), ("agree", .bool(r.scriptBytesAgree))])),
            ("commands_sent", .int(r.commandsSent)),
            ("runtime_errors", .int(r.runtimeErrors)),
            ("runtime_error_examples", .array(r.runtimeErrorExamples.map { .string($0) })),
            ("failed_on_server_only", .array(r.failedOnServerOnly.map { .string($0) })),
            ("failed_in_simulator_only", .array(r.failedInSimulatorOnly.map { .string($0) })),
            ("match", .bool(r.matches)),
            ("verdict", .string(r.verdict)),
        ])
    }

    func csv(_ r: VerifyReport) -> String {
        var out = "trace,server,version,policy,figure,server_value,simulated_value,agree\n"
        let head = [ReportRenderer.csvField(r.path), r.server.name, r.server.version, ReportRenderer.csvField(r.policy)]
        for f in r.figures {
            out += (head + [f.key, String(f.server), String(f.simulated), f.agrees ? "yes" : "no"]).joined(separator: ",") + "\n"
        }
        out += (head + ["vm_bytes", String(r.serverVMBytes), String(r.simulatedVMBytes), "not judged"]).joined(separator: ",") + "\n"
        out += (head + ["vm_bytes_retained", String(r.serverVMRetainedBytes), String(r.simulatedVMRetainedBytes),
                        r.memoryJudged ? (r.memoryAgrees ? "yes" : "no") : "not judged"]).joined(separator: ",") + "\n"
        out += (head + ["verdict", "", "", r.matches ? "MATCH" : "MISMATCH"]).joined(separator: ",") + "\n"
        return out
    }

    func text(_ r: VerifyReport, markdown: Bool) -> String {
        var out = markdown
            ? "### verify \(ReportRenderer.visibleLine(r.path))\n\n\(r.server.name) \(r.server.version) at \(r.endpoint), simulated as `\(r.profile)` `\(r.policy)`, client `\(r.client)`, engine `\(r.engine)`; \(r.commandsSent) commands sent\n\n"
            : "verify \(ReportRenderer.visibleLine(r.path)) against \(r.server.name) \(r.server.version) at \(r.endpoint)\n  simulated as \(r.profile) \(r.policy), client \(r.client), engine \(r.engine); \(r.commandsSent) commands sent\n"
                + (r.profileNote.map { "  note: \($0)\n" } ?? "") + "\n"
        var rows = r.figures.map { [$0.title, String($0.server), String($0.simulated), $0.agrees ? "yes" : "NO"] }
        func ratioText(_ server: Int, _ simulated: Int) -> String {
            ratio(server, simulated).map { String(format: "server/simulated %.3f", $0) } ?? "no ratio"
        }
        rows.append(["Lua memory after GC", ReportRenderer.bytes(r.serverVMRetainedBytes), ReportRenderer.bytes(r.simulatedVMRetainedBytes),
                     r.memoryJudged ? "\(r.memoryAgrees ? "yes" : "NO") (\(ratioText(r.serverVMRetainedBytes, r.simulatedVMRetainedBytes)))"
                        : "\(ratioText(r.serverVMRetainedBytes, r.simulatedVMRetainedBytes)), not judged (\(r.engine))"])
        rows.append(["Lua memory live (\(r.serverVMField))", ReportRenderer.bytes(r.serverVMBytes), ReportRenderer.bytes(r.simulatedVMBytes),
                     "\(ratioText(r.serverVMBytes, r.simulatedVMBytes)), not judged (GC timing, run-time garbage)"])
        if let s = r.serverScriptBytes {
            rows.append(["script bytes (used_memory_scripts_eval)", String(s), String(r.simulatedScriptBytes),
                         r.scriptBytesJudged ? (r.scriptBytesAgree ? "yes" : "NO")
                            : "not judged (\(r.serverAllocator): chunk sizes depend on heap history)"])
        }
        let header = ["figure", "server", "simulated", "agree"]
        if markdown {
            out += "| " + header.joined(separator: " | ") + " |\n|---|---:|---:|---|\n"
            for row in rows { out += "| " + row.joined(separator: " | ") + " |\n" }
            out += "\n"
        } else {
            var widths = header.map(\.count)
            for row in rows { for (i, c) in row.enumerated() where i < 3 { widths[i] = max(widths[i], c.count) } }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { i, c in
                    guard i < 3 else { return c }
                    let pad = String(repeating: " ", count: widths[i] - c.count)
                    return i == 0 ? c + pad : pad + c
                }.joined(separator: "  ")
            }
            out += "  " + line(header) + "\n"
            for row in rows { out += "  " + line(row) + "\n" }
            out += "\n"
        }
        if r.runtimeErrors > 0 {
            out += "runtime script errors on the server (counted, not judged): \(r.runtimeErrors)"
            out += r.runtimeErrorExamples.isEmpty ? "\n" : "; first: \(r.runtimeErrorExamples[0])\n"
        }
        if !r.failedOnServerOnly.isEmpty {
            out += "failed to compile on the server only: \(r.failedOnServerOnly.joined(separator: ", "))\n"
        }
        if !r.failedInSimulatorOnly.isEmpty {
            out += "failed to compile in the simulator only (\(r.engine)): \(r.failedInSimulatorOnly.joined(separator: ", "))\n"
        }
        out += r.verdict + "\n"
        return out
    }
}
