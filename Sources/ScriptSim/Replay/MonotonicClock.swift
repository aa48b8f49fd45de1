#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The clock a replay times its compiles, batches and flush pauses with.
///
/// `clock_gettime(CLOCK_MONOTONIC)` read directly: on the miss path every event
/// is a compile timed twice, and `DispatchTime.now()` reaches the same clock
/// through two more calls in libdispatch (together about 1% of the replay
/// thread there, measured with perf).
enum MonotonicClock {
    @inline(__always)
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
