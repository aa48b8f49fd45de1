import Foundation

/// Output formats for `scriptsim replay`.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// Aligned columns for a terminal, bytes in KiB/MiB.
    case table
    /// GitHub-flavoured Markdown tables, for issues and docs.
    case markdown
    /// One row per trace and policy, every figure, raw numbers.
    case csv
    /// The stable machine-readable contract (README, "JSON contract").
    case json
}

/// A column of the per-policy tables: one definition drives the table,
/// Markdown, CSV and JSON outputs, so they cannot disagree.
struct ReportColumn {
    enum Kind { case count, bytes, ratio, seconds, milliseconds, rate, text }
    var key: String
    var title: String
    var kind: Kind
    var value: (PolicyResult) -> ReportCell
}

enum ReportCell {
    case int(Int)
    case double(Double)
    case text(String)
    /// No figure: a hit rate with no EVAL or EVALSHA request (`-`, JSON null, CSV empty).
    case none
}

enum ReportColumns {
    /// In the tables its cell is the whole run name (`runName`: server, policy, and what tells runs apart).
    static let policy = ReportColumn(key: "policy", title: "run", kind: .text) { .text($0.policy) }
    /// (EVAL hits + EVALSHA hits) / requests; none without a request, rather than a 0
    /// that reads as "every call missed".
    static let hitRate = ReportColumn(key: "hit_rate", title: "hit rate", kind: .ratio) { $0.requests == 0 ? .none : .double($0.hitRate) }
    static let server = ReportColumn(key: "server", title: "server", kind: .text) { .text($0.server) }

    /// The hit-rate table.
    static let client = ReportColumn(key: "client", title: "client", kind: .text) { .text($0.client) }
    static let engine = ReportColumn(key: "engine", title: "engine", kind: .text) { .text($0.engine) }

    static let hits: [ReportColumn] = [
        policy,
        engine,
        client,
        .init(key: "requests", title: "requests", kind: .count) { .int($0.requests) },
        .init(key: "eval_hits", title: "eval hits", kind: .count) { .int($0.evalHits) },
        .init(key: "eval_misses", title: "eval misses", kind: .count) { .int($0.evalMisses) },
        .init(key: "evalsha_hits", title: "evalsha hits", kind: .count) { .int($0.evalshaHits) },
        .init(key: "noscript", title: "noscript", kind: .count) { .int($0.noscript) },
        .init(key: "retries", title: "recov. EVAL", kind: .count) { .int($0.retries) },
        .init(key: "recoveries_script_load", title: "recov. LOAD", kind: .count) { .int($0.recoveriesScriptLoad) },
        .init(key: "app_errors", title: "app errors", kind: .count) { .int($0.appErrors) },
        hitRate,
        .init(key: "compiles", title: "compiles", kind: .count) { .int($0.compiles) },
        .init(key: "compile_errors", title: "compile errors", kind: .count) { .int($0.compileErrors) },
        .init(key: "evictions", title: "evictions", kind: .count) { .int($0.evictions) },
        .init(key: "admission_rejects", title: "admission rejects", kind: .count) { .int($0.admissionRejects) },
        .init(key: "recompiles", title: "recompiles", kind: .count) { .int($0.recompiles) },
        .init(key: "compile_seconds", title: "compile time", kind: .seconds) { .double($0.compileSeconds) },
        .init(key: "recompile_seconds", title: "recompile time", kind: .seconds) { .double($0.recompileSeconds) },
    ]

    /// The compact table of the default output: the figures a reader decides
    /// on, within 100 columns (`--wide` prints the three full tables).
    static let compact: [ReportColumn] = [
        hitRate,
        .init(key: "noscript", title: "NOSCRIPT", kind: .count) { .int($0.noscript) },
        .init(key: "evictions", title: "evicted", kind: .count) { .int($0.evictions) },
        .init(key: "compiles", title: "compiles", kind: .count) { .int($0.compiles) },
        .init(key: "vm_bytes_peak", title: "VM peak", kind: .bytes) { .int($0.vmBytesPeak) },
        .init(key: "vm_bytes", title: "VM final", kind: .bytes) { .int($0.vmBytes) },
        .init(key: "script_bytes", title: "script bytes", kind: .bytes) { .int($0.scriptBytes) },
    ]

    /// The memory table.
    static let memory: [ReportColumn] = [
        policy,
        .init(key: "vm_bytes_peak", title: "VM peak", kind: .bytes) { .int($0.vmBytesPeak) },
        .init(key: "vm_bytes", title: "VM final", kind: .bytes) { .int($0.vmBytes) },
        .init(key: "vm_bytes_retained", title: "VM after GC", kind: .bytes) { .int($0.vmBytesRetained) },
        .init(key: "lua_gccount_bytes", title: "Lua count", kind: .bytes) { .int($0.luaGCCountBytes) },
        .init(key: "lua_gccount_retained_bytes", title: "Lua after GC", kind: .bytes) { .int($0.luaGCCountRetainedBytes) },
        .init(key: "cached_scripts_peak", title: "cached peak", kind: .count) { .int($0.cachedScriptsPeak) },
        .init(key: "cached_scripts", title: "cached final", kind: .count) { .int($0.cachedScripts) },
        .init(key: "script_bytes_peak", title: "script bytes peak", kind: .bytes) { .int($0.scriptBytesPeak) },
        .init(key: "script_bytes", title: "script bytes final", kind: .bytes) { .int($0.scriptBytes) },
        .init(key: "evicted_bytes", title: "evicted bytes", kind: .bytes) { .int($0.evictedBytes) },
    ]

    /// The flush and allocator table.
    static let flushAndAllocator: [ReportColumn] = [
        policy,
        .init(key: "allocator", title: "allocator", kind: .text) { .text($0.allocator) },
        .init(key: "flushes_sync", title: "flushes sync", kind: .count) { .int($0.flushesSync) },
        .init(key: "flushes_async", title: "async", kind: .count) { .int($0.flushesAsync) },
        .init(key: "flush_pause_p50_seconds", title: "pause p50", kind: .milliseconds) { .double($0.flushPauseP50Seconds) },
        .init(key: "flush_pause_p99_seconds", title: "pause p99", kind: .milliseconds) { .double($0.flushPauseP99Seconds) },
        .init(key: "flush_pause_max_seconds", title: "pause max", kind: .milliseconds) { .double($0.flushPauseMaxSeconds) },
        .init(key: "background_close_seconds", title: "background close", kind: .milliseconds) { .double($0.backgroundCloseSeconds) },
        .init(key: "allocator_active_peak", title: "active peak", kind: .bytes) { .int($0.allocatorActivePeak) },
        .init(key: "allocator_active", title: "active final", kind: .bytes) { .int($0.allocatorActive) },
        .init(key: "allocator_resident_peak", title: "resident peak", kind: .bytes) { .int($0.allocatorResidentPeak) },
        .init(key: "allocator_resident", title: "resident final", kind: .bytes) { .int($0.allocatorResident) },
        .init(key: "allocator_fragmentation", title: "frag", kind: .ratio) { .double($0.allocatorFragmentation) },
        .init(key: "events_per_second", title: "events/s", kind: .rate) { .double($0.eventsPerSecond) },
    ]

    /// Figures only in CSV and JSON (not in the human tables).
    static let extra: [ReportColumn] = [
        .init(key: "recoveries_eval", title: "recoveries eval", kind: .count) { .int($0.retries) },
        .init(key: "evalsha_misses", title: "evalsha misses", kind: .count) { .int($0.evalshaMisses) },
        .init(key: "read_only_refusals", title: "read-only refusals", kind: .count) { .int($0.readOnlyRefusals) },
        .init(key: "script_loads", title: "script loads", kind: .count) { .int($0.scriptLoads) },
        .init(key: "flushes", title: "flushes", kind: .count) { .int($0.flushes) },
        .init(key: "oversize_rejects", title: "oversize rejects", kind: .count) { .int($0.oversizeRejects) },
        .init(key: "promotions", title: "promotions", kind: .count) { .int($0.promotions) },
        .init(key: "memory_evictions", title: "memory evictions", kind: .count) { .int($0.memoryEvictions) },
        .init(key: "background_close_max_seconds", title: "background close max", kind: .seconds) { .double($0.backgroundCloseMaxSeconds) },
        .init(key: "allocator_allocated_peak", title: "allocated peak", kind: .bytes) { .int($0.allocatorAllocatedPeak) },
        .init(key: "allocator_allocated", title: "allocated final", kind: .bytes) { .int($0.allocatorAllocated) },
    ]

    /// Figures that measure time: they vary from run to run, everything else is deterministic.
    static let timingKeys: Set<String> = ["compile_seconds", "recompile_seconds", "flush_pause_p50_seconds",
                                          "flush_pause_p99_seconds", "flush_pause_max_seconds", "background_close_seconds",
                                          "background_close_max_seconds", "events_per_second"]

    /// Every figure once, in JSON/CSV order: the documented contract first.
    static let all: [ReportColumn] = {
        let order = ["policy", "requests", "eval_hits", "eval_misses", "evalsha_hits", "noscript", "retries", "hit_rate",
                     "compiles", "compile_errors", "evictions", "cached_scripts", "cached_scripts_peak",
                     "vm_bytes", "vm_bytes_peak", "vm_bytes_retained", "lua_gccount_bytes",
                     "script_bytes", "script_bytes_peak", "compile_seconds", "admission_rejects", "oversize_rejects",
                     "promotions", "recompiles", "recompile_seconds", "evicted_bytes", "script_loads", "flushes",
                     "allocator", "flushes_sync", "flushes_async", "flush_pause_p50_seconds", "flush_pause_p99_seconds",
                     "flush_pause_max_seconds", "background_close_seconds", "background_close_max_seconds",
                     "allocator_allocated_peak", "allocator_allocated", "allocator_active_peak", "allocator_active",
                     "allocator_resident_peak", "allocator_resident", "allocator_fragmentation", "events_per_second",
                     "client", "recoveries_eval", "recoveries_script_load", "app_errors", "evalsha_misses", "read_only_refusals", "engine", "lua_gccount_retained_bytes", "server", "memory_evictions"]
        let byKey = Dictionary(uniqueKeysWithValues: ([policy, server] + hits.dropFirst() + memory.dropFirst() + extra + flushAndAllocator.dropFirst()).map { ($0.key, $0) })
        return order.map { byKey[$0]! }
    }()
}
