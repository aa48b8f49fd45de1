/// Reuse distances of script calls, in distinct scripts: for a call of a
/// script called before, how many other scripts were called in between. An
/// LRU list of N entries keeps the script exactly when that distance is
/// below N, so the distribution says what `eval-lru:entries=N` needs.
///
/// Mattson's stack distance, with a Fenwick tree over last-use stamps:
/// O(log n) per call, memory in distinct scripts (stamps are renumbered when
/// the clock runs past the tree).
struct ReuseDistance {
    private var stamp: [Int] = []      // per script: last-use stamp, 0 if not since the last reset
    private var tree: [Int] = [0]      // 1-based Fenwick tree counting live stamps
    private var owner: [ScriptID] = [0] // stamp -> script, for renumbering
    private var clock = 0
    private var live = 0

    /// Records a call of `id`; returns its reuse distance, or nil on its first call since the last reset.
    mutating func call(_ id: ScriptID) -> Int? {
        let i = Int(id)
        if i >= stamp.count { stamp.append(contentsOf: repeatElement(0, count: i + 1 - stamp.count)) }
        var distance: Int?
        if stamp[i] > 0 {
            distance = live - prefix(stamp[i])
            add(stamp[i], -1)
            stamp[i] = 0
            live -= 1
        }
        if clock + 1 >= tree.count { grow() }
        clock += 1
        stamp[i] = clock
        owner[clock] = id
        add(clock, 1)
        live += 1
        return distance
    }

    /// SCRIPT FLUSH: every script is new again.
    mutating func reset() {
        stamp.removeAll(keepingCapacity: true)
        tree = [0]
        owner = [0]
        clock = 0
        live = 0
    }

    /// Renumbers the live stamps 1…live in their order and makes room for as many again.
    private mutating func grow() {
        var order: [ScriptID] = []
        order.reserveCapacity(live)
        for s in stride(from: 1, through: clock, by: 1) where stamp[Int(owner[s])] == s {
            order.append(owner[s])
        }
        let capacity = max(1024, 2 * (order.count + 1))
        tree = [Int](repeating: 0, count: capacity + 1)
        owner = [ScriptID](repeating: 0, count: capacity + 1)
        clock = 0
        for id in order {
            clock += 1
            stamp[Int(id)] = clock
            owner[clock] = id
            add(clock, 1)
        }
    }

    private mutating func add(_ at: Int, _ delta: Int) {
        var i = at
        while i < tree.count {
            tree[i] += delta
            i += i & -i
        }
    }

    private func prefix(_ at: Int) -> Int {
        var i = at, sum = 0
        while i > 0 {
            sum += tree[i]
            i -= i & -i
        }
        return sum
    }
}
