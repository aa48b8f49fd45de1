/// Scripts created by SCRIPT LOAD — and EVAL scripts later sent with SCRIPT
/// LOAD — are pinned (Valkey 8.0's rule, #637); EVAL scripts are evicted least
/// recently used when their count would exceed `entries` or their bytes
/// `bytes` (the idea of Valkey's `maxmemory-scripts`, #866).
///
/// An EVAL script larger than the whole byte budget is compiled and run but
/// not kept.
public final class PinnedLoadedPolicy: CachePolicy {
    public let entries: Int?
    public let budget: Int?
    private var lru = RecencyBudget()

    public init(entries: Int?, bytes: Int?) {
        precondition(entries != nil || bytes != nil, "pinned-loaded needs a limit")
        self.entries = entries
        budget = bytes
    }

    public var needsScriptCost: Bool { budget != nil }

    public func created(_ script: ScriptID, origin: ScriptOrigin, cost: Int, victims: inout [ScriptID]) -> Bool {
        guard origin == .eval else { return true }
        if let budget, cost > budget { return false }
        while overLimit(adding: cost), let oldest = lru.evictOldest() { victims.append(oldest) }
        lru.append(script, cost: cost)
        return true
    }

    private func overLimit(adding cost: Int) -> Bool {
        if let entries, lru.count + 1 > entries { return true }
        if let budget, lru.bytes + cost > budget { return true }
        return false
    }

    public func hit(_ script: ScriptID) { lru.touch(script) }

    public func loadedAgain(_ script: ScriptID) -> Bool {
        guard lru.contains(script) else { return false }
        lru.remove(script)
        return true
    }

    public func removeAll() { lru.removeAll() }

    public var evictsForMemory: Bool { true }
    public func evictForMemory() -> ScriptID? { lru.evictOldest() }

    public func invariantViolations(cachedEval: Int, cachedLoad: Int) -> [String] {
        var out = lru.consistencyProblems
        if let entries, lru.count > entries { out.append("holds \(lru.count) EVAL scripts, above entries=\(entries)") }
        if let budget, lru.bytes > budget { out.append("EVAL scripts hold \(lru.bytes) bytes, above bytes=\(budget)") }
        if lru.count != cachedEval { out.append("tracks \(lru.count) EVAL scripts but \(cachedEval) are cached") }
        return out
    }

    static let registration = PolicyRegistry.Entry(
        name: "pinned-loaded",
        summary: "SCRIPT LOAD scripts (and EVAL scripts later loaded) pinned; EVAL scripts LRU under a count and/or byte limit.",
        models: "Valkey 8.0 promotion (#637) with a maxmemory-scripts-style byte limit (#866)",
        parameters: [
            .init(key: "entries", kind: .count, defaultValue: nil, alwaysShown: true,
                  help: "most EVAL scripts kept (give entries, bytes or both)"),
            .init(key: "bytes", kind: .bytes, defaultValue: nil, alwaysShown: true,
                  help: "budget for VM bytes plus script bytes of the EVAL scripts"),
        ],
        evicting: true,
        validate: { args in
            args.count("entries") == nil && args.bytes("bytes") == nil
                ? "needs entries=N, bytes=SIZE or both" : nil
        },
        make: { args in PinnedLoadedPolicy(entries: args.count("entries"), bytes: args.bytes("bytes")) })
}
