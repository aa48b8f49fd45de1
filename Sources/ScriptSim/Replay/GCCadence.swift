/// Redis's GC cadence (`luaGC` in src/eval.c in 7.4, inline in
/// `luaCallFunction` before): every 50th tick runs one incremental step of
/// 50 KiB of work (the profile's `gcPeriod`, `gcStepKilobytes`). Which events tick depends on the modeled server
/// (`ServerProfile.gcTicksOnCreate`). The counter is a static in Redis, so
/// it survives SCRIPT FLUSH; here it lives as long as the policy run.
struct GCCadence {
    let period: Int
    let stepKilobytes: Int32
    private var ticks = 0
    /// Steps the VMs owed rather than took (`QuietGCCycles`); tests read it.
    private(set) var owed = 0

    /// The server profile's `gcPeriod` and `gcStepKilobytes`.
    init(period: Int, stepKilobytes: Int) {
        self.period = period
        self.stepKilobytes = Int32(stepKilobytes)
    }

    mutating func tick(_ vm: LuaVM) {
        ticks += 1
        if ticks >= period {
            if !vm.gcStep(kilobytes: stepKilobytes) { owed += 1 }
            ticks = 0
        }
    }
}
