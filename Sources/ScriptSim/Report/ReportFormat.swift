import Foundation

/// Output formats for `scriptsim replay`.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// Aligned columns for a terminal, bytes in KiB/MiB.
    case table
    /// GitHub-flavoured Markdown tables, for issues and docs.
    case markdown
    /// One row per trace and policy, every figure, raw numbers.
    case csv
    /// The stable machine-readable contract (docs/output.md).
    case json
}

/// A column of the per-policy tables: one definition drives the table,
/// Markdown, CSV and JSON outputs, so they cannot disagree.
struct ReportColumn {
    enum Kind { case count, bytes, ratio, seconds, text }
    var key: String
    var title: String
    var kind: Kind
    var value: (PolicyResult) -> ReportCell
}

enum ReportCell {
    case int(Int)
    case double(Double)
    case text(String)
}

enum ReportColumns {
    static let policy = ReportColumn(key: "policy", title: "policy", kind: .text) { .text($0.policy) }

    /// The hit-rate table.
    static let hits: [ReportColumn] = [
        policy,
        .init(key: "requests", title: "requests", kind: .count) { .int($0.requests) },
        .init(key: "eval_hits", title: "eval hits", kind: .count) { .int($0.evalHits) },
        .init(key: "eval_misses", title: "eval misses", kind: .count) { .int($0.evalMisses) },
        .init(key: "evalsha_hits", title: "evalsha hits", kind: .count) { .int($0.evalshaHits) },
        .init(key: "noscript", title: "noscript", kind: .count) { .int($0.noscript) },
        .init(key: "retries", title: "retries", kind: .count) { .int($0.retries) },
        .init(key: "hit_rate", title: "hit rate", kind: .ratio) { .double($0.hitRate) },
        .init(key: "compiles", title: "compiles", kind: .count) { .int($0.compiles) },
        .init(key: "compile_errors", title: "compile errors", kind: .count) { .int($0.compileErrors) },
        .init(key: "evictions", title: "evictions", kind: .count) { .int($0.evictions) },
        .init(key: "admission_rejects", title: "admission rejects", kind: .count) { .int($0.admissionRejects) },
        .init(key: "recompiles", title: "recompiles", kind: .count) { .int($0.recompiles) },
        .init(key: "compile_seconds", title: "compile time", kind: .seconds) { .double($0.compileSeconds) },
        .init(key: "recompile_seconds", title: "recompile time", kind: .seconds) { .double($0.recompileSeconds) },
    ]

    /// The memory table.
    static let memory: [ReportColumn] = [
        policy,
        .init(key: "vm_bytes_peak", title: "VM peak", kind: .bytes) { .int($0.vmBytesPeak) },
        .init(key: "vm_bytes", title: "VM final", kind: .bytes) { .int($0.vmBytes) },
        .init(key: "vm_bytes_retained", title: "VM after GC", kind: .bytes) { .int($0.vmBytesRetained) },
        .init(key: "lua_gccount_bytes", title: "Lua count", kind: .bytes) { .int($0.luaGCCountBytes) },
        .init(key: "cached_scripts_peak", title: "cached peak", kind: .count) { .int($0.cachedScriptsPeak) },
        .init(key: "cached_scripts", title: "cached final", kind: .count) { .int($0.cachedScripts) },
        .init(key: "script_bytes_peak", title: "script bytes peak", kind: .bytes) { .int($0.scriptBytesPeak) },
        .init(key: "script_bytes", title: "script bytes final", kind: .bytes) { .int($0.scriptBytes) },
        .init(key: "evicted_bytes", title: "evicted bytes", kind: .bytes) { .int($0.evictedBytes) },
    ]

    /// Figures only in CSV and JSON (not in the two human tables).
    static let extra: [ReportColumn] = [
        .init(key: "script_loads", title: "script loads", kind: .count) { .int($0.scriptLoads) },
        .init(key: "flushes", title: "flushes", kind: .count) { .int($0.flushes) },
        .init(key: "oversize_rejects", title: "oversize rejects", kind: .count) { .int($0.oversizeRejects) },
        .init(key: "promotions", title: "promotions", kind: .count) { .int($0.promotions) },
    ]

    /// Every figure once, in JSON/CSV order: the documented contract first.
    static let all: [ReportColumn] = {
        let order = ["policy", "requests", "eval_hits", "eval_misses", "evalsha_hits", "noscript", "retries", "hit_rate",
                     "compiles", "compile_errors", "evictions", "cached_scripts", "cached_scripts_peak",
                     "vm_bytes", "vm_bytes_peak", "vm_bytes_retained", "lua_gccount_bytes",
                     "script_bytes", "script_bytes_peak", "compile_seconds", "admission_rejects", "oversize_rejects",
                     "promotions", "recompiles", "recompile_seconds", "evicted_bytes", "script_loads", "flushes"]
        let byKey = Dictionary(uniqueKeysWithValues: (hits + memory.dropFirst() + extra).map { ($0.key, $0) })
        return order.map { byKey[$0]! }
    }()
}
