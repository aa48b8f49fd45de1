/// Redis 7.4 and 8.0: scripts first created by EVAL live in an LRU list of at
/// most `entries` (hard-coded 500 in Redis, `LRU_LIST_LENGTH`); scripts first
/// created by SCRIPT LOAD are never evicted.
///
/// Rules, from `src/eval.c` (`luaCreateFunction`, `luaScriptsLRUAdd`,
/// `evalGenericCommand`):
/// - origin is fixed at creation: SCRIPT LOAD of an EVAL-created script leaves
///   it in the list, evictable — unless `promoteOnLoad` (Valkey 8.0, #637),
///   which takes it out of the list for good;
/// - eviction runs after the new script compiled and before it is added, from
///   the head, while the list holds `entries` or more, so it never evicts itself;
/// - an EVAL or EVALSHA hit moves the script to the tail; SCRIPT EXISTS and a
///   repeated SCRIPT LOAD do not.
public final class EvalLRUPolicy: CachePolicy {
    public let entries: Int
    public let promoteOnLoad: Bool
    private var list = RecencyList()

    public init(entries: Int = 500, promoteOnLoad: Bool = false) {
        precondition(entries >= 1)
        self.entries = entries
        self.promoteOnLoad = promoteOnLoad
    }

    public func created(_ script: ScriptID, origin: ScriptOrigin, cost: Int, victims: inout [ScriptID]) -> Bool {
        guard origin == .eval else { return true }
        while list.count >= entries, let oldest = list.removeFirst() {
            victims.append(oldest)
        }
        list.append(script)
        return true
    }

    public func hit(_ script: ScriptID) { list.moveToTail(script) }

    public func loadedAgain(_ script: ScriptID) -> Bool {
        guard promoteOnLoad, list.contains(script) else { return false }
        list.remove(script)
        return true
    }

    public func removeAll() { list.removeAll() }

    public var evictsForMemory: Bool { true }
    public func evictForMemory() -> ScriptID? { list.removeFirst() }

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
        summary: "EVAL-created scripts in an LRU list of bounded length; SCRIPT LOAD scripts are kept.",
        models: "the EVAL LRU list of Redis 7.4+ (and, with promote-on-load=yes, of Valkey 8+); each server's limit is its profile's",
        parameters: [
            .init(key: "entries", kind: .count, defaultValue: "500", alwaysShown: true,
                  help: "most EVAL-created scripts kept; the least recently used is evicted first"),
            .init(key: "promote-on-load", kind: .flag, defaultValue: "no",
                  help: "yes: SCRIPT LOAD of a cached EVAL script pins it (Valkey 8.0); no: it stays evictable (Redis)"),
        ],
        evicting: true,
        make: { args in EvalLRUPolicy(entries: args.count("entries")!, promoteOnLoad: args.flag("promote-on-load")) })
}
