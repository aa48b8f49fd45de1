/// When a policy run samples its state for the timeline, and the samples it
/// holds until the replayer collects them after each batch.
struct TimelineSampler {
    /// A sample after every `every` events (0: only where the reader marks one).
    var every = 0
    /// Samples taken since the replayer last collected them.
    var samples: [TimelineSample] = []
    /// The counts at the previous sample, so each row shows its own interval.
    var previous = IntervalCounts()
    /// Events replayed at the previous sample.
    var lastEvent = 0
}

/// The timeline's view of a run: memory now, and what happened since the last row.
extension PolicyReplay {
    /// Records the state after the current event for the timeline.
    func takeSample() {
        settleBackgroundClose()
        let stats = sampleAllocator()
        let counts = IntervalCounts(result)
        sampler.samples.append(TimelineSample(event: events, vmBytes: allocator.liveBytes, scriptBytes: memory.total,
                                              cachedScripts: cachedScripts, allocatorActive: stats.active,
                                              allocatorResident: stats.resident, interval: counts - sampler.previous))
        sampler.previous = counts
        sampler.lastEvent = events
    }

    /// The samples taken since the last call, handed over.
    func takeSamples() -> [TimelineSample] {
        var taken: [TimelineSample] = []
        swap(&taken, &sampler.samples)
        return taken
    }

    /// End of trace: the last, partial interval gets its row too, unless the
    /// last event was sampled already.
    func takeFinalSample() {
        if events > sampler.lastEvent { takeSample() }
    }

    /// Reads the allocator's own statistics and keeps their peaks.
    @discardableResult
    func sampleAllocator() -> AllocatorStatistics {
        let s = allocator.statistics()
        result.allocatorAllocated = s.allocated
        result.allocatorActive = s.active
        result.allocatorResident = s.resident
        result.allocatorAllocatedPeak = max(result.allocatorAllocatedPeak, s.allocated)
        result.allocatorActivePeak = max(result.allocatorActivePeak, s.active)
        result.allocatorResidentPeak = max(result.allocatorResidentPeak, s.resident)
        return s
    }
}
