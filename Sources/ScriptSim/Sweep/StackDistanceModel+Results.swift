extension StackDistanceModel {
    /// Accesses by depth and the counts that do not depend on the limit: what
    /// every limit's figures are made of.
    struct Tally {
        // Depth histograms: how many accesses of each kind met a script at each depth.
        var evalDepth: [Int] = []
        var evalshaDepth: [Int] = []
        /// The EVALSHA accesses whose client recovers with EVAL (a miss there is a retry).
        var evalshaRetryDepth: [Int] = []
        var loadDepth: [Int] = []

        // Counts that do not depend on the limit.
        var evalHitsPinned = 0
        var evalColdMisses = 0
        var evalshaHitsPinned = 0
        var noscriptCold = 0
        var retriesCold = 0
        var loadRecoveriesCold = 0
        var coldListInserts = 0
        var coldCompiles = 0
        var compileErrors = 0
        /// Stack sizes at each flush (the list holds min(k, size) then).
        var segmentEnds: [Int] = []
    }

    /// The model's state at one moment: the figures a replay of the trace up
    /// to there gives. A warm-up's end is one; the figures after it are the
    /// end's minus its.
    struct Snapshot {
        var tally: Tally
        var stackSize: Int
        var pinnedCount: Int

        /// Accesses in `h` at depth >= k (misses under limit k).
        private static func atOrBelow(_ h: [Int], _ k: Int) -> Int {
            h.indices.reduce(0) { $0 + ($1 >= k ? h[$1] : 0) }
        }

        /// The figures a full replay up to this moment of `entries = k` would give.
        func result(entries k: Int) -> ModelledResult {
            let t = tally
            let evalMiss = Self.atOrBelow(t.evalDepth, k), evalAll = t.evalDepth.reduce(0, +)
            let shaMiss = Self.atOrBelow(t.evalshaDepth, k), shaAll = t.evalshaDepth.reduce(0, +)
            let loadMiss = Self.atOrBelow(t.loadDepth, k), loadAll = t.loadDepth.reduce(0, +)
            let retried = Self.atOrBelow(t.evalshaRetryDepth, k)
            let inserts = t.coldListInserts + evalMiss + retried
            let promotedFromList = loadAll - loadMiss
            // The list holds min(k, stack size) at each flush and now; the rest were evicted.
            let ends = t.segmentEnds + [stackSize]
            let kept = ends.reduce(0) { $0 + min(k, $1) }
            var r = ModelledResult()
            r.evalHits = t.evalHitsPinned + evalAll - evalMiss
            r.evalMisses = t.evalColdMisses + evalMiss
            r.evalshaHits = t.evalshaHitsPinned + shaAll - shaMiss
            r.noscript = t.noscriptCold + shaMiss
            r.retries = t.retriesCold + retried
            r.compiles = t.coldCompiles + evalMiss + retried + loadMiss
            r.compileErrors = t.compileErrors
            r.evictions = inserts - promotedFromList - kept
            r.cachedScripts = pinnedCount + min(k, stackSize)
            return r
        }
    }

    /// The figures a full replay of `entries = k` would give (those the model
    /// knows), counting only the events after the warm-up.
    func result(entries k: Int) -> ModelledResult {
        var r = snapshot.result(entries: k)
        if let start = countedFrom { r.subtractCounts(start.result(entries: k)) }
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

    /// The counts since `before` (the same limit at the warm-up's end); the
    /// cached scripts are a state and stay.
    mutating func subtractCounts(_ before: ModelledResult) {
        evalHits -= before.evalHits
        evalMisses -= before.evalMisses
        evalshaHits -= before.evalshaHits
        noscript -= before.noscript
        retries -= before.retries
        compiles -= before.compiles
        compileErrors -= before.compileErrors
        evictions -= before.evictions
    }
}
