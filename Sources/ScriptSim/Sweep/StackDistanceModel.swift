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

    /// What every limit's figures are made of (StackDistanceModel+Results).
    private(set) var tally = Tally()
    /// Events consumed so far.
    private var consumed = 0
    /// False during a warm-up; `warmupEnd` is the first counted event once known.
    private var counting = true
    private var warmupEnd: Int?
    /// The state when the warm-up ended, whose counts every result subtracts.
    private(set) var atWarmupEnd: Snapshot?
    /// Limits `k <= inexactUpTo` are not modelled exactly (0: none of them).
    private(set) var inexactUpTo = 0
    /// Limits `k > inexactAbove` are not modelled exactly (nil: none of them).
    private(set) var inexactAbove: Int?

    /// Whether `result(entries: k)` equals a full replay.
    func isExact(entries k: Int) -> Bool { k > inexactUpTo && (inexactAbove.map { k <= $0 } ?? true) }
    private(set) var inexactReasons: Set<String> = []

    /// The swept server's shebang rules (which *_RO calls it refuses).
    let shebang: Shebang.Dialect

    init(catalog: ScriptCatalog, client: ClientModel, promoteOnLoad: Bool, shebang: Shebang.Dialect) {
        self.shebang = shebang
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
        // A script refreshed since the last compaction is in `stacked` once per
        // refresh: keep it once, or its stamp would be counted again and depths
        // would come out negative.
        var seen = Set<ScriptID>()
        let live = stacked.filter { stamp[Int($0)] != 0 && seen.insert($0).inserted }
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

    /// The events before `end` (nil: the reader will say, batch by batch) are warm-up.
    func beginWarmup(end: Int?) {
        counting = false
        warmupEnd = end
    }

    /// Consumes a batch, with the warm-up's end when the reader marked it.
    /// `scripts`: the catalog's count published with the batch (nil: now).
    func consume(_ events: UnsafeBufferPointer<ReplayEvent>, marks: BatchMarks = BatchMarks(), scripts: Int? = nil) {
        let known = scripts ?? catalog.count
        if stamp.count < known {
            stamp.append(contentsOf: repeatElement(0, count: known - stamp.count))
            pinned.append(contentsOf: repeatElement(false, count: known - pinned.count))
        }
        if let end = marks.warmupEnd { warmupEnd = end }
        for e in events {
            if !counting, let end = warmupEnd, consumed >= end {
                counting = true
                atWarmupEnd = snapshot
            }
            consume(e)
            consumed += 1
        }
    }

    /// The state the figures are made of now.
    var snapshot: Snapshot { Snapshot(tally: tally, stackSize: stackSize, pinnedCount: pinnedCount) }

    /// The counts after the warm-up (all of them without one; none while the
    /// warm-up has not ended: it covered the whole trace).
    var countedFrom: Snapshot? { counting ? atWarmupEnd : snapshot }

    private func consume(_ e: ReplayEvent) {
        let id = e.script
        // Whether the body was known at the event (an EVAL always sends it), not
        // at the end of its batch: a reader a batch ahead may have added it since.
        if e.readOnly, e.operation == .eval || (e.operation == .evalsha && e.bodyKnown), refusesReadOnly(id) {
            // A refused run refreshes nothing, which one recency stack cannot show.
            inexactAbove = 0
            inexactReasons.insert("EVAL_RO/EVALSHA_RO of a script with write flags, which the server refuses")
        }
        switch e.operation {
        case .eval:
            if pinned[Int(id)] {
                tally.evalHitsPinned += 1
            } else if stamp[Int(id)] != 0 {
                bump(&tally.evalDepth, depth(id))
                remove(id)
                pushTop(id)
            } else {
                tally.evalColdMisses += 1
                createCold(id)
            }
        case .evalsha:
            if pinned[Int(id)] {
                tally.evalshaHitsPinned += 1
            } else if stamp[Int(id)] != 0 {
                let d = depth(id)
                bump(&tally.evalshaDepth, d)
                if recovery(e) == .eval {
                    bump(&tally.evalshaRetryDepth, d)
                } else {
                    markInexact(upTo: d, "EVALSHA without an EVAL recovery of a script some limits had evicted")
                }
                remove(id)
                pushTop(id)
            } else {
                tally.noscriptCold += 1
                switch recovery(e) {
                case .eval:
                    tally.retriesCold += 1
                    createCold(id)
                case .loadEvalsha:
                    tally.loadRecoveriesCold += 1
                    if catalog.compiles(id) {
                        tally.coldCompiles += 1
                        pin(id)
                    } else {
                        tally.compileErrors += 1
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
                    bump(&tally.loadDepth, d)
                    remove(id)
                    pin(id)
                } else {
                    markInexact(upTo: d, "SCRIPT LOAD of a script some limits had evicted and others still cache")
                }
            } else if catalog.compiles(id) {
                tally.coldCompiles += 1
                pin(id)
            } else {
                tally.compileErrors += 1
            }
        case .flush:
            tally.segmentEnds.append(stackSize)
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
            if case .success(let parsed) = Shebang.parse(body, dialect: shebang) { return parsed.refusesReadOnly }
            return false
        }
    }

    private func recovery(_ e: ReplayEvent) -> Recovery { e.bodyKnown ? client.recovery(for: e) : .none }

    private func createCold(_ id: ScriptID) {
        guard catalog.compiles(id) else {
            tally.compileErrors += 1
            return
        }
        tally.coldCompiles += 1
        tally.coldListInserts += 1
        pushTop(id)
    }

    private func pin(_ id: ScriptID) {
        pinned[Int(id)] = true
        pinnedCount += 1
    }
}
