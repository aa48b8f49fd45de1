/// Redis 7.4 and 8.0: scripts first created by EVAL live in an LRU list of at
/// most `entries` (hard-coded 500 in Redis, `LRU_LIST_LENGTH`); scripts first
/// created by SCRIPT LOAD are never evicted.
///
/// Rules, from `src/eval.c` (`luaCreateFunction`, `luaScriptsLRUAdd`,
/// `evalGenericCommand`):
/// - origin is fixed at creation: SCRIPT LOAD of an EVAL-created script leaves
///   it in the list, evictable (Valkey 8.0 pins it; Redis does not);
/// - eviction runs after the new script compiled and before it is added, from
///   the head, while the list holds `entries` or more, so it never evicts itself;
/// - an EVAL or EVALSHA hit moves the script to the tail; SCRIPT EXISTS and a
///   repeated SCRIPT LOAD do not.
public final class EvalLRUPolicy: CachePolicy {
    public let spec: PolicySpec
    public let entries: Int
    public var entryLayout: ScriptEntryLayout { .redis74 }
    private var list = RecencyList()

    public init(entries: Int = 500) {
        precondition(entries >= 1)
        self.entries = entries
        spec = PolicySpec(name: "eval-lru", parameters: [("entries", String(entries))])
    }

    public func created(_ script: ScriptID, origin: ScriptOrigin, victims: inout [ScriptID]) {
        guard origin == .eval else { return }
        while list.count >= entries, let oldest = list.removeFirst() {
            victims.append(oldest)
        }
        list.append(script)
    }

    public func hit(_ script: ScriptID) { list.moveToTail(script) }

    public func loadedAgain(_ script: ScriptID) {}

    public func removeAll() { list.removeAll() }

    public func invariantViolations(cachedEval: Int, cachedLoad: Int) -> [String] {
        var out: [String] = []
        if list.count > entries { out.append("LRU list holds \(list.count) scripts, above entries=\(entries)") }
        if list.count != cachedEval { out.append("LRU list holds \(list.count) scripts but \(cachedEval) EVAL-created scripts are cached") }
        return out
    }

    /// Scripts from least to most recently used (for tests).
    public var recencyOrder: [ScriptID] { list.ordered }

    static let registration = PolicyRegistry.Entry(
        name: "eval-lru",
        summary: "EVAL-created scripts in an LRU list of bounded length; SCRIPT LOAD scripts kept.",
        models: "Redis 7.4 and 8.0 (entries=500, hard-coded there)",
        parameters: [.init(key: "entries", kind: .count, defaultValue: "500",
                           help: "most EVAL-created scripts kept; the least recently used is evicted first")],
        make: { _, args in EvalLRUPolicy(entries: args.count("entries")) })
}
