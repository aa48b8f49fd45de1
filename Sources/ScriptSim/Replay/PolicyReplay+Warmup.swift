/// Where a run starts counting (`--warmup`, `--warmup-seconds`).
struct WarmupState {
    /// False during the warm-up.
    var counting = true
    /// Index of the first counted event; nil while the reader has not found it
    /// (every event so far is warm-up).
    var end: Int?
    /// The run's counts when the warm-up ended, subtracted at the end.
    var before: PolicyResult?
}

/// The warm-up of a policy run: the cache fills as usual, and the figures
/// describe only the events after it.
///
/// Counts keep running through the whole trace (the timeline's per-interval
/// figures need them cumulative) and the counts at the boundary are
/// subtracted once, in `finish`. What cannot be subtracted starts afresh at
/// the boundary instead: peaks restart from the value at that moment, and
/// time totals, flush pauses and compile error examples from nothing.
extension PolicyReplay {
    /// The events before `end` (nil: the reader will say, batch by batch) are warm-up.
    func beginWarmup(end: Int?) {
        warmup = WarmupState(counting: false, end: end, before: nil)
    }

    /// The warm-up ends before the current event. The VM peak restarts from
    /// the bytes the allocator counts now (an ASYNC flush's close has ended:
    /// the event waited for it); the allocator's own peaks from a fresh reading.
    func startCounting() {
        warmup.counting = true
        warmup.before = result
        compileNanoseconds = 0
        recompileNanoseconds = 0
        pauses.reset()
        closer.resetFigures()
        failedScripts.removeAll()
        result.compileErrorExamples.removeAll()
        result.compileErrorSHAs.removeAll()
        result.cachedScriptsPeak = cachedScripts
        result.scriptBytesPeak = memory.total
        allocator.resetPeak()
        let now = allocator.statistics()
        result.allocatorAllocatedPeak = now.allocated
        result.allocatorActivePeak = now.active
        result.allocatorResidentPeak = now.resident
    }
}

extension PolicyResult {
    /// Takes away the counts of `before` (the same run at the warm-up's end),
    /// leaving the counts of the events after it. Gauges (cached scripts, VM
    /// and script bytes, Lua counts, allocator figures) and peaks are states,
    /// not counts, and stay. Every count of `PolicyResult` is listed here;
    /// WarmupTests checks that a warm-up covering a whole trace leaves none.
    mutating func subtractCounts(_ before: PolicyResult) {
        evalHits -= before.evalHits
        evalMisses -= before.evalMisses
        evalshaHits -= before.evalshaHits
        noscript -= before.noscript
        evalshaMisses -= before.evalshaMisses
        retries -= before.retries
        recoveriesScriptLoad -= before.recoveriesScriptLoad
        appErrors -= before.appErrors
        readOnlyRefusals -= before.readOnlyRefusals
        scriptLoads -= before.scriptLoads
        flushes -= before.flushes
        flushesSync -= before.flushesSync
        flushesAsync -= before.flushesAsync
        compiles -= before.compiles
        compileErrors -= before.compileErrors
        evictions -= before.evictions
        memoryEvictions -= before.memoryEvictions
        evictedBytes -= before.evictedBytes
        admissionRejects -= before.admissionRejects
        oversizeRejects -= before.oversizeRejects
        promotions -= before.promotions
        recompiles -= before.recompiles
    }
}
