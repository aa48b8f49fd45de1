/// An LRU list over scripts that also keeps each member's cost and their
/// total: the shared state of every policy that evicts by count or bytes.
struct RecencyBudget {
    private(set) var list = RecencyList()
    private var costs: [Int] = []
    /// Sum of the members' costs.
    private(set) var bytes = 0

    var count: Int { list.count }

    func contains(_ id: ScriptID) -> Bool { list.contains(id) }

    mutating func append(_ id: ScriptID, cost: Int) {
        if costs.count <= Int(id) {
            costs.append(contentsOf: repeatElement(0, count: max(Int(id) + 1, costs.count * 2, 64) - costs.count))
        }
        costs[Int(id)] = cost
        bytes += cost
        list.append(id)
    }

    mutating func remove(_ id: ScriptID) {
        guard list.contains(id) else { return }
        list.remove(id)
        bytes -= costs[Int(id)]
    }

    /// Removes and returns the least recently used member.
    mutating func evictOldest() -> ScriptID? {
        guard let id = list.first else { return nil }
        remove(id)
        return id
    }

    mutating func touch(_ id: ScriptID) { list.moveToTail(id) }

    mutating func removeAll() {
        list.removeAll()
        bytes = 0
    }

    /// Checks the running total against the members (for end-of-trace invariants).
    var consistencyProblems: [String] {
        let sum = list.ordered.reduce(0) { $0 + costs[Int($1)] }
        return sum == bytes ? [] : ["byte total \(bytes) differs from the members' sum \(sum)"]
    }
}
