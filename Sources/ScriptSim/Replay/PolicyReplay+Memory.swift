/// What a new script costs, and a server's memory limit on EVAL scripts.
extension PolicyReplay {
    /// Valkey 9.2's `maxmemory-scripts` (docs/servers.md): before an EVAL script
    /// is added, EVAL scripts are evicted least recently used first while the
    /// script bytes with it would exceed the limit; the new one is never evicted
    /// (an oversized script stays, alone), SCRIPT LOAD scripts never.
    func evictForMemory(adding id: ScriptID, limit: Int) {
        let bytes = memory.entryBytes(length: catalog.bodyLength(id))
        while memory.total(adding: bytes, inList: true) > limit, let victim = policy.evictForMemory() {
            evict(victim)
            result.memoryEvictions += 1
        }
    }

    /// What caching the script costs a byte budget: the VM bytes its compiled
    /// function holds plus its key and body as this server stores them.
    func cost(_ id: ScriptID) -> Int { catalog.vmCost(id) + memory.entryBytes(length: catalog.bodyLength(id)) }
}
