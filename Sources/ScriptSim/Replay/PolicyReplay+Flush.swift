/// SCRIPT FLUSH, and the background close an ASYNC flush hands its old VM to.
///
/// Redis frees the old VM on a bio thread while the main thread goes on; how
/// far the close gets before the next command depends on the machine. Here the
/// close runs on the closer's thread too, but the next event (or sample, or the
/// end of the run) waits for it: every memory figure — the VM peak (old and new
/// VM both held at the flush), the allocator's active and resident bytes — is
/// then the same run after run, and the replay thread's pause is still only
/// what the server's main thread does. The wait is not counted as replay time.
extension PolicyReplay {
    /// SCRIPT FLUSH (`scriptingReset`): the old VM is released — closed here, or
    /// above 64 scripts with ASYNC handed to the background closer — then a
    /// fresh VM and an empty cache are ready at once. The time this holds the
    /// replay thread is the flush's pause.
    func flush(_ traced: FlushMode) throws(EngineError) {
        result.flushes += 1
        sampler.allocatorRead = nil   // the next timeline row shows what the flush did to the arena
        sampleAllocator()
        let start = MonotonicClock.nanoseconds()
        let old = vm
        let inBackground = flushOptions.closesInBackground(traced, scripts: cachedScripts)
        if inBackground {
            // The fresh VM first, then the handoff: the old and the new VM are both
            // held for a moment (as on the server), and the close never allocates
            // beside the fresh VM's creation.
            result.flushesAsync += 1
            vm = try LuaVM(allocator: allocator, engine: old.engine, server: server.environment, owesQuietGCSteps: old.owesQuietGCSteps)
            sampleAllocator()
            closer.close(old)
            closeInFlight = true
        } else {
            result.flushesSync += 1
            old.close()
            if flushOptions.afterFlush == .purge { allocator.purge() }
            vm = try LuaVM(allocator: allocator, engine: old.engine, server: server.environment, owesQuietGCSteps: old.owesQuietGCSteps)
        }
        _ = pauses.record(MonotonicClock.nanoseconds() - start)
        for i in origin.indices where origin[i] != 0 || evicted[i] {
            origin[i] = 0
            evicted[i] = false
        }
        cachedEval = 0
        cachedLoad = 0
        memory.reset()
        policy.removeAll()
        admission.removeAll()
        if !inBackground { sampleAllocator() }
    }

    /// Waits for the close an ASYNC flush started, if any.
    func settleBackgroundClose() {
        guard closeInFlight else { return }
        let start = MonotonicClock.nanoseconds()
        closer.waitForAll()
        closeWaitNanoseconds += MonotonicClock.nanoseconds() - start
        closeInFlight = false
    }
}
