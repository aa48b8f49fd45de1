/// A doubly linked recency list over dense script ids, stored in arrays so
/// that moving a script to the tail costs no allocation (Redis uses an adlist
/// whose nodes it relinks in place; this is the same operation).
///
/// Head = least recently used (next victim), tail = most recent.
struct RecencyList {
    private static let none = UInt32.max
    private var prev: [UInt32] = []
    private var next: [UInt32] = []
    private var member: [Bool] = []
    private var head = RecencyList.none
    private var tail = RecencyList.none
    private(set) var count = 0

    init() {}

    private mutating func ensure(_ id: ScriptID) {
        let needed = Int(id) + 1
        if member.count < needed {
            let grow = max(needed, member.count * 2, 64) - member.count
            prev.append(contentsOf: repeatElement(Self.none, count: grow))
            next.append(contentsOf: repeatElement(Self.none, count: grow))
            member.append(contentsOf: repeatElement(false, count: grow))
        }
    }

    func contains(_ id: ScriptID) -> Bool {
        Int(id) < member.count && member[Int(id)]
    }

    /// The least recently used script.
    var first: ScriptID? { head == Self.none ? nil : head }

    mutating func append(_ id: ScriptID) {
        ensure(id)
        precondition(!member[Int(id)], "script \(id) is already in the recency list")
        member[Int(id)] = true
        prev[Int(id)] = tail
        next[Int(id)] = Self.none
        if tail != Self.none { next[Int(tail)] = id } else { head = id }
        tail = id
        count += 1
    }

    mutating func remove(_ id: ScriptID) {
        guard contains(id) else { return }
        let p = prev[Int(id)], n = next[Int(id)]
        if p != Self.none { next[Int(p)] = n } else { head = n }
        if n != Self.none { prev[Int(n)] = p } else { tail = p }
        member[Int(id)] = false
        count -= 1
    }

    /// Moves a member to the tail (most recent); does nothing for non-members.
    mutating func moveToTail(_ id: ScriptID) {
        guard contains(id), tail != id else { return }
        remove(id)
        append(id)
    }

    mutating func removeFirst() -> ScriptID? {
        guard let id = first else { return nil }
        remove(id)
        return id
    }

    mutating func removeAll() {
        var id = head
        while id != Self.none {
            let n = next[Int(id)]
            member[Int(id)] = false
            id = n
        }
        head = Self.none
        tail = Self.none
        count = 0
    }

    /// Members from least to most recent (for tests and invariant checks).
    var ordered: [ScriptID] {
        var out: [ScriptID] = []
        var id = head
        while id != Self.none {
            out.append(id)
            id = next[Int(id)]
        }
        return out
    }
}
