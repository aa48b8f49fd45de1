/// A policy run against a server built with another allocator than the one
/// its layout assumes (a `malloc=libc` Valkey): the same decisions, the script
/// bytes sized by that server's allocator.
final class ServerAllocatorPolicy: CachePolicy {
    let base: any CachePolicy
    let entryLayout: ScriptEntryLayout

    init(_ base: any CachePolicy, allocator: ScriptAllocator) {
        self.base = base
        entryLayout = base.entryLayout.sized(by: allocator)
    }

    var needsScriptCost: Bool { base.needsScriptCost }

    func created(_ script: ScriptID, origin: ScriptOrigin, cost: Int, victims: inout [ScriptID]) -> Bool {
        base.created(script, origin: origin, cost: cost, victims: &victims)
    }

    func hit(_ script: ScriptID) { base.hit(script) }
    func loadedAgain(_ script: ScriptID) -> Bool { base.loadedAgain(script) }
    func removeAll() { base.removeAll() }

    func invariantViolations(cachedEval: Int, cachedLoad: Int) -> [String] {
        base.invariantViolations(cachedEval: cachedEval, cachedLoad: cachedLoad)
    }
}

extension PolicyRegistry {
    /// The same policies, their script bytes sized by `allocator` (nil: unchanged).
    func sized(by allocator: ScriptAllocator?) -> PolicyRegistry {
        guard let allocator else { return self }
        return PolicyRegistry(entries: entries.map { entry in
            var entry = entry
            let make = entry.make
            entry.make = { arguments in ServerAllocatorPolicy(make(arguments), allocator: allocator) }
            return entry
        })
    }
}
