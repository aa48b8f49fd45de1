/// Lets a Lua 5.4 VM owe the GC steps of a long run of hits instead of
/// taking them, with the same result as taking every one.
///
/// On the hit path the VM does nothing between Redis's GC steps (one every
/// 50 calls), yet each step does real work: with nothing new to collect, the
/// incremental collector marks and sweeps the same heap cycle after cycle.
/// That work was about half of the policy thread's time on a hit-heavy trace.
///
/// Why owing is exact (Lua 5.4's lgc.c and lapi.c): a cycle that runs while
/// nothing calls into the VM and the allocator sees no allocation, free or
/// resize ends with the estimate equal to the heap's total
/// (`atomic` sets it, a sweep that frees nothing leaves it) and `setpause`
/// derives the next debt from those two alone; the string cache and the
/// stack above its top are cleared in every `atomic`. So once a quiet cycle
/// has ended, each further quiet cycle runs the same steps from the same
/// state to the same state, with only the two white bits swapped; after two
/// cycles the VM is bit for bit where it was. Steps owed are taken when the
/// VM is about to change, less whole multiples of two cycles. To be safe
/// the period is used only once three quiet cycles in a row have ended, the
/// last two after the same number of steps. Owed steps change no byte count, so memory read
/// meanwhile is what it would have been. Tests replay workloads with and
/// without owing and compare everything.
///
/// Not used on Lua 5.1: the 5.1 model builds KEYS and ARGV before every call,
/// as the servers do, so a run of hits is never quiet there; and the argument
/// above was checked against 5.4's collector only.
struct QuietGCCycles {
    /// The VM's change mark when the last cycle ended; nil after an API change.
    private var lastEnd: UInt64?
    /// Cycles in a row during which the change mark stood still.
    private var quietInRow = 0
    private var stepsThisCycle = 0
    private var kilobytesThisCycle: Int32?
    private var uniformCycle = true
    private var lastQuietLength = 0
    /// Steps after which the state repeats (with whites swapped); 0 while unknown.
    private var period = 0
    private var periodKilobytes: Int32 = 0
    /// Steps owed since the last one taken.
    private var owed = 0

    /// Whether this step can be owed: the state repeats and nothing changed since.
    mutating func owe(mark: UInt64, kilobytes: Int32) -> Bool {
        guard period > 0, lastEnd == mark, kilobytes == periodKilobytes else { return false }
        owed += 1
        return true
    }

    /// Records a step taken (`endedCycle`: Lua reported the end of a cycle).
    mutating func took(endedCycle: Bool, mark: UInt64, kilobytes: Int32) {
        stepsThisCycle += 1
        if let k = kilobytesThisCycle, k != kilobytes { uniformCycle = false }
        kilobytesThisCycle = kilobytes
        guard endedCycle else { return }
        let quiet = lastEnd == mark && uniformCycle
        quietInRow = quiet ? quietInRow + 1 : 0
        // The first quiet cycle began wherever the last change left the
        // collector; from its end on, quiet cycles repeat one another.
        if quietInRow >= 3, stepsThisCycle == lastQuietLength {
            period = stepsThisCycle
            periodKilobytes = kilobytes
        } else {
            period = 0
        }
        lastQuietLength = quiet ? stepsThisCycle : 0
        lastEnd = mark
        stepsThisCycle = 0
        kilobytesThisCycle = nil
        uniformCycle = true
    }

    /// The owed steps to take now, before the VM changes: whole double
    /// periods bring the state back to where it is, so only the rest remain.
    mutating func settle() -> (steps: Int, kilobytes: Int32) {
        defer { owed = 0 }
        return (period > 0 ? owed % (2 * period) : owed, periodKilobytes)
    }

    /// The VM is about to change through its API: what was learnt no longer holds.
    mutating func changed() {
        precondition(owed == 0, "settle owed GC steps before changing the VM")
        lastEnd = nil
        quietInRow = 0
        period = 0
        lastQuietLength = 0
    }
}
