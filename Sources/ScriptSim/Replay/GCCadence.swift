/// Redis's GC cadence (`luaGC` in src/eval.c in 7.4, inline in
/// `luaCallFunction` before): every 50th tick runs one incremental step of
/// 50 KiB of work. Which events tick depends on the modeled server
/// (`ScriptEntryLayout.gcTicksOnCreate`). The counter is a static in Redis, so
/// it survives SCRIPT FLUSH; here it lives as long as the policy run.
struct GCCadence {
    static let period = 50
    static let stepKilobytes: Int32 = 50
    private var ticks = 0
    /// Steps the VMs owed rather than took (`QuietGCCycles`); tests read it.
    private(set) var owed = 0

    mutating func tick(_ vm: LuaVM) {
        ticks += 1
        if ticks >= Self.period {
            if !vm.gcStep(kilobytes: Self.stepKilobytes) { owed += 1 }
            ticks = 0
        }
    }
}
