/// Hit and miss counts of an `eval-lru`-style policy for every `entries`
/// limit at once, from one pass over the events (Mattson's stack algorithm).
///
/// LRU has the inclusion property: the scripts a list of `k` keeps are the
/// `k` most recently used EVAL-created scripts, whatever `k`. So one recency
/// stack serves every limit: an access at stack depth `d` (0 = most recent)
/// hits for every `k > d` and misses for every `k <= d`, and a miss puts the
/// script on top just as a hit does. Scripts created by SCRIPT LOAD are
/// pinned and sit outside the stack. Depths come from a Fenwick tree over
/// recency stamps, so each event costs O(log n), and memory grows with
/// distinct scripts only.
///
/// Where the limits part ways, the model is not exact and says so:
/// - a SCRIPT LOAD of a script at depth `d` pins it under the limits `k <= d`
///   (it had been evicted there, so it is created again by SCRIPT LOAD) but
///   not under larger ones (Redis keeps its origin): limits `k <= d` are
///   inexact (`inexactUpTo`);
/// - with promote-on-load the script leaves the list under `k > d`, which
///   frees a slot there that a single recency stack cannot represent (LRU's
///   inclusion holds, but no longer as one order): limits `k > d` are
///   inexact (`inexactAbove`);
/// - an EVALSHA at depth `d` whose client does not recover with EVAL (model
///   `none` or `load-evalsha`, a transaction) leaves the script evicted, or
///   pins it, under `k <= d` but refreshes it above: limits `k <= d` are inexact.
/// Inexact limits need a full replay; `isExact(entries:)` tells which.
final class StackDistanceModel {
    let catalog: ScriptCatalog
    let client: ClientModel
    let promoteOnLoad: Bool

    // Recency stack: a stamp per script in it, a Fenwick tree counting live stamps.
    private var stamp: [Int] = []          // 0: not in the stack
    private var tree: [Int] = [0]          // 1-based Fenwick tree over stamps
    private var clock = 0
    private(set) var stackSize = 0
    private var stacked: [ScriptID] = []   // scripts in the stack (for flush and compaction)
    private var pinned: [Bool] = []
    private var pinnedCount = 0

    // Depth histograms: how many accesses of each kind met a script at each depth.
    private var evalDepth: [Int] = []
    private var evalshaDepth: [Int] = []
    /// The EVALSHA accesses whose client recovers with EVAL (a miss there is a retry).
    private var evalshaRetryDepth: [Int] = []
    private var loadDepth: [Int] = []

    // Counts that do not depend on the limit.
    private(set) var evalHitsPinned = 0
    private(set) var evalColdMisses = 0
    private(set) var evalshaHitsPinned = 0
    private(set) var noscriptCold = 0
    private(set) var retriesCold = 0
    private(set) var loadRecoveriesCold = 0
    private(set) var coldListInserts = 0
    private(set) var coldCompiles = 0
    private(set) var compileErrors = 0
    /// Stack sizes at each flush and at the end (the list holds min(k, size) then).
    private var segmentEnds: [Int] = []
    /// Limits `k <= inexactUpTo` are not modelled exactly (0: none of them).
    private(set) var inexactUpTo = 0
    /// Limits `k > inexactAbove` are not modelled exactly (nil: none of them).
    private(set) var inexactAbove: Int?

    /// Whether `result(entries: k)` equals a full replay.
    func isExact(entries k: Int) -> Bool { k > inexactUpTo && (inexactAbove.map { k <= $0 } ?? true) }
    private(set) var inexactReasons: Set<String> = []

    init(catalog: ScriptCatalog, client: ClientModel, promoteOnLoad: Bool) {
        self.catalog = catalog
        self.client = client
        self.promoteOnLoad = promoteOnLoad
    }

    // MARK: Fenwick tree

    private func add(_ i: Int, _ v: Int) {
        var i = i
        while i < tree.count { tree[i] += v; i += i & -i }
    }

    private func prefix(_ i: Int) -> Int {
        var i = i, s = 0
        while i > 0 { s += tree[i]; i -= i & -i }
        return s
    }

    /// Scripts more recent than `id` in the stack.
    private func depth(_ id: ScriptID) -> Int { stackSize - prefix(stamp[Int(id)]) }

    private func pushTop(_ id: ScriptID) {
        if clock + 1 >= tree.count { compact() }
        clock += 1
        stamp[Int(id)] = clock
        add(clock, 1)
        stackSize += 1
        stacked.append(id)
    }

    private func remove(_ id: ScriptID) {
        add(stamp[Int(id)], -1)
        stamp[Int(id)] = 0
        stackSize -= 1
    }

    /// Renumbers the live stamps 1...n in recency order and rebuilds the tree
    /// with room to spare (amortised O(1) per access).
    private func compact() {
        let live = stacked.filter { stamp[Int($0)] != 0 }
        let ordered = live.sorted { stamp[Int($0)] < stamp[Int($1)] }
        let capacity = max(1 << 16, 4 * ordered.count + 2)
        tree = [Int](repeating: 0, count: capacity + 1)
        stacked = ordered
        clock = 0
        for id in ordered {
            clock += 1
            stamp[Int(id)] = clock
            add(clock, 1)
        }
    }

    private func bump(_ h: inout [Int], _ d: Int) {
        if h.count <= d { h.append(contentsOf: repeatElement(0, count: d + 1 - h.count)) }
        h[d] += 1
    }

    private func markInexact(upTo d: Int, _ reason: String) {
        inexactUpTo = max(inexactUpTo, d)
        inexactReasons.insert(reason)
    }

    // MARK: Events

    func consume(_ events: UnsafeBufferPointer<ReplayEvent>) {
        if stamp.count < catalog.count {
            stamp.append(contentsOf: repeatElement(0, count: catalog.count - stamp.count))
            pinned.append(contentsOf: repeatElement(false, count: catalog.count - pinned.count))
        }
        for e in events { consume(e) }
    }

    private func consume(_ e: ReplayEvent) {
        let id = e.script
        if e.readOnly, e.operation == .eval || e.operation == .evalsha, catalog.hasBody(id), refusesReadOnly(id) {
            // A refused run refreshes nothing, which one recency stack cannot show.
            inexactAbove = 0
            inexactReasons.insert("EVAL_RO/EVALSHA_RO of a script with write flags, which the server refuses")
        }
        switch e.operation {
        case .eval:
            if pinned[Int(id)] {
                evalHitsPinned += 1
            } else if stamp[Int(id)] != 0 {
                bump(&evalDepth, depth(id))
                remove(id)
                pushTop(id)
            } else {
                evalColdMisses += 1
                createCold(id)
            }
        case .evalsha:
            if pinned[Int(id)] {
                evalshaHitsPinned += 1
            } else if stamp[Int(id)] != 0 {
                let d = depth(id)
                bump(&evalshaDepth, d)
                if recovery(e) == .eval {
                    bump(&evalshaRetryDepth, d)
                } else {
                    markInexact(upTo: d, "EVALSHA without an EVAL recovery of a script some limits had evicted")
                }
                remove(id)
                pushTop(id)
            } else {
                noscriptCold += 1
                switch recovery(e) {
                case .eval:
                    retriesCold += 1
                    createCold(id)
                case .loadEvalsha:
                    loadRecoveriesCold += 1
                    if catalog.compiles(id) {
                        coldCompiles += 1
                        pin(id)
                    } else {
                        compileErrors += 1
                    }
                case .none:
                    break
                }
            }
        case .scriptLoad:
            if pinned[Int(id)] { return }
            if stamp[Int(id)] != 0 {
                let d = depth(id)
                if promoteOnLoad {
                    // Pinned under every limit: promoted where cached, recreated where evicted.
                    inexactAbove = min(inexactAbove ?? d, d)
                    inexactReasons.insert("SCRIPT LOAD promoted a script out of the LRU list of some limits")
                    bump(&loadDepth, d)
                    remove(id)
                    pin(id)
                } else {
                    markInexact(upTo: d, "SCRIPT LOAD of a script some limits had evicted and others still cache")
                }
            } else if catalog.compiles(id) {
                coldCompiles += 1
                pin(id)
            } else {
                compileErrors += 1
            }
        case .flush:
            segmentEnds.append(stackSize)
            for sid in stacked where stamp[Int(sid)] != 0 { remove(sid) }
            for i in pinned.indices where pinned[i] { pinned[i] = false }
            pinnedCount = 0
            stacked.removeAll(keepingCapacity: true)
        case .exists:
            break
        }
    }

    private func refusesReadOnly(_ id: ScriptID) -> Bool {
        catalog.withBody(id) { body in
            if case .success(let parsed) = Shebang.parse(body) { return parsed.refusesReadOnly }
            return false
        }
    }

    private func recovery(_ e: ReplayEvent) -> Recovery { e.bodyKnown ? client.recovery(for: e) : .none }

    private func createCold(_ id: ScriptID) {
        guard catalog.compiles(id) else {
            compileErrors += 1
            return
        }
        coldCompiles += 1
        coldListInserts += 1
        pushTop(id)
    }

    private func pin(_ id: ScriptID) {
        pinned[Int(id)] = true
        pinnedCount += 1
    }

    // MARK: Results

    /// Accesses in `h` at depth >= k (misses under limit k).
    private static func atOrBelow(_ h: [Int], _ k: Int) -> Int {
        h.indices.reduce(0) { $0 + ($1 >= k ? h[$1] : 0) }
    }

    /// The figures a full replay of `entries = k` would give (those the model knows).
    func result(entries k: Int) -> ModelledResult {
        let evalMiss = Self.atOrBelow(evalDepth, k), evalAll = evalDepth.reduce(0, +)
        let shaMiss = Self.atOrBelow(evalshaDepth, k), shaAll = evalshaDepth.reduce(0, +)
        let loadMiss = Self.atOrBelow(loadDepth, k), loadAll = loadDepth.reduce(0, +)
        let retried = Self.atOrBelow(evalshaRetryDepth, k)
        let inserts = coldListInserts + evalMiss + retried
        let promotedFromList = loadAll - loadMiss
        let ends = segmentEnds + [stackSize]
        let kept = ends.reduce(0) { $0 + min(k, $1) }
        var r = ModelledResult()
        r.evalHits = evalHitsPinned + evalAll - evalMiss
        r.evalMisses = evalColdMisses + evalMiss
        r.evalshaHits = evalshaHitsPinned + shaAll - shaMiss
        r.noscript = noscriptCold + shaMiss
        r.retries = retriesCold + retried
        r.compiles = coldCompiles + evalMiss + retried + loadMiss
        r.compileErrors = compileErrors
        r.evictions = inserts - promotedFromList - kept
        r.cachedScripts = pinnedCount + min(k, stackSize)
        return r
    }
}

/// The counts `StackDistanceModel` gives for one limit.
struct ModelledResult: Equatable {
    var evalHits = 0
    var evalMisses = 0
    var evalshaHits = 0
    var noscript = 0
    var retries = 0
    var compiles = 0
    var compileErrors = 0
    var evictions = 0
    var cachedScripts = 0

    var requests: Int { evalHits + evalMisses + evalshaHits + noscript }
    var hitRate: Double { requests == 0 ? 0 : Double(evalHits + evalshaHits) / Double(requests) }
}
