import ArgumentParser
import ScriptSim

/// The warm-up options, shared by replay and sweep: the cache fills during
/// the warm-up and counting starts after it (as libCacheSim's --warmup-sec).
struct WarmupOptions: ParsableArguments {
    // `.unconditional`: `--warmup -1` is the value -1 (refused by name below), not a missing value.
    @Option(name: .customLong("warmup"), parsing: .unconditional, help: ArgumentHelp(
        "Replay the first N events without counting them: the cache fills as usual, every count starts after "
            + "(an event is a script command, recorded recoveries folded into their calls).", valueName: "n"))
    var events: Int?

    @Option(name: .customLong("warmup-seconds"), parsing: .unconditional, help: ArgumentHelp(
        "The same by MONITOR time: events stamped before the first timestamp + S are warm-up "
            + "(a trace without timestamps is refused, status 65).", valueName: "s"))
    var seconds: Double?

    /// The warm-up asked for (nil: none, or zero); exits 64 on a bad or doubled option.
    func resolved() -> Warmup? {
        if events != nil, seconds != nil {
            fail("--warmup and --warmup-seconds are exclusive: count the warm-up in events or in seconds, not both", code: 64)
        }
        if let events {
            guard events >= 0 else { fail("--warmup must be a whole number of events, 0 or more", code: 64) }
            return events == 0 ? nil : .events(events)
        }
        if let seconds {
            guard seconds.isFinite, seconds >= 0 else { fail("--warmup-seconds must be a number of seconds, 0 or more", code: 64) }
            return seconds == 0 ? nil : .seconds(seconds)
        }
        return nil
    }
}

/// Warns on stderr when the warm-up covered every event: the report then counts nothing.
func warnAboutWarmup(_ s: TraceSummary, path: String, warmup: Warmup?) {
    guard let warmup, s.replayEvents > 0, s.warmupEvents >= s.replayEvents else { return }
    Stderr.line("\(path): warning: the warm-up (\(warmup.option)) covers all \(s.replayEvents) event\(s.replayEvents == 1 ? "" : "s")"
                + " of the trace; nothing was counted")
}
