/// A plain LRU cache under one byte budget, whatever a script's origin: the
/// baseline a user compares the servers' rules against.
///
/// A script's bytes are its measured VM bytes plus its key and body as Redis
/// stores them. Scripts loaded with SCRIPT LOAD can be evicted too, so their
/// EVALSHA calls meet NOSCRIPT. A script larger than the whole budget is
/// compiled and run but not kept.
public final class SizeCappedPolicy: CachePolicy {
    public let budget: Int
    private var lru = RecencyBudget()

    public init(bytes: Int) {
        precondition(bytes >= 1)
        budget = bytes
    }

    public var needsScriptCost: Bool { true }

    public func created(_ script: ScriptID, origin: ScriptOrigin, cost: Int, victims: inout [ScriptID]) -> Bool {
        guard cost <= budget else { return false }
        while lru.bytes + cost > budget, let oldest = lru.evictOldest() { victims.append(oldest) }
        lru.append(script, cost: cost)
        return true
    }

    public func hit(_ script: ScriptID) { lru.touch(script) }

    public func removeAll() { lru.removeAll() }

    public func invariantViolations(cachedEval: Int, cachedLoad: Int) -> [String] {
        var out = lru.consistencyProblems
        if lru.bytes > budget { out.append("holds \(lru.bytes) bytes, above bytes=\(budget)") }
        if lru.count != cachedEval + cachedLoad { out.append("tracks \(lru.count) scripts but \(cachedEval + cachedLoad) are cached") }
        return out
    }

    /// Bytes held now (for tests).
    public var heldBytes: Int { lru.bytes }

    static let registration = PolicyRegistry.Entry(
        name: "size-capped",
        summary: "One byte budget for every cached script, least recently used evicted first, whatever its origin.",
        models: "no server: the plain LRU cache to compare the servers' rules against",
        parameters: [
            .init(key: "bytes", kind: .bytes, defaultValue: nil, alwaysShown: true, required: true,
                  help: "budget for VM bytes plus script bytes of all cached scripts"),
        ],
        evicting: true,
        make: { args in SizeCappedPolicy(bytes: args.bytes("bytes")!) })
}
