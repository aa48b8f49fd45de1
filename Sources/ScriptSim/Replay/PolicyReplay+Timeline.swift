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
    /// The allocator's figures at the last read, and the event count then.
    var allocatorRead: (event: Int, statistics: AllocatorStatistics)?
    /// Fewest events between two reads of the allocator's own statistics
    /// (0: read at every row). See `denseReadSpacing`.
    var allocatorReadSpacing = 0

    /// The spacing of allocator reads when the user sets the rows' density
    /// (`--sample-every`, `--interval-seconds`). A read is a jemalloc `epoch`
    /// refresh, which merges the statistics of every arena in the process:
    /// measured at 30–100 µs on this project's 2-core machine, against 1–3 µs
    /// for the replay of an event, so a row per event that read each time cost
    /// twenty times the replay (55 µs a row). Read at most once in this many
    /// events, the rows between repeat the last read and say which event it
    /// was taken at (`allocator_read_event`); every other column is exact at
    /// every row, and the row after a flush reads afresh. The default
    /// sampling (about 1000 rows) reads at every row.
    static let denseReadSpacing = 256
}

/// The timeline's view of a run: memory now, and what happened since the last row.
extension PolicyReplay {
    /// Records the state after the current event for the timeline.
    func takeSample() {
        settleBackgroundClose()
        let read: (event: Int, statistics: AllocatorStatistics)
        if let last = sampler.allocatorRead, events - last.event < sampler.allocatorReadSpacing {
            read = last
        } else {
            read = (events, sampleAllocator())
            sampler.allocatorRead = read
        }
        let counts = IntervalCounts(result)
        sampler.samples.append(TimelineSample(event: events, vmBytes: allocator.liveBytes, scriptBytes: memory.total,
                                              cachedScripts: cachedScripts, allocatorActive: read.statistics.active,
                                              allocatorResident: read.statistics.resident, allocatorReadEvent: read.event,
                                              interval: counts - sampler.previous))
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
        if events > sampler.lastEvent {
            sampler.allocatorRead = nil   // the last row reads the allocator afresh
            takeSample()
        }
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
