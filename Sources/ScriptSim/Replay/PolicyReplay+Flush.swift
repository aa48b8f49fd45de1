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
    /// above the server's lazy-free threshold with ASYNC handed to the
    /// background closer (on servers that close it there) — then a
    /// fresh VM and an empty cache are ready at once. The time this holds the
    /// replay thread is the flush's pause.
    func flush(_ traced: FlushMode) throws(EngineError) {
        result.flushes += 1
        sampler.allocatorRead = nil   // the next timeline row shows what the flush did to the arena
        sampleAllocator()
        let start = MonotonicClock.nanoseconds()
        let old = vm
        let asynchronous = flushOptions.isAsynchronous(traced, lazyUserFlush: lazyUserFlush)
            && cachedScripts > server.lazyfreeThreshold
        // Redis 7.0 and 7.2 free only the dict in the background: lua_close runs on the main thread.
        let inBackground = asynchronous && server.asyncFlushClosesVMInBackground
        if asynchronous { result.flushesAsync += 1 } else { result.flushesSync += 1 }
        if inBackground {
            // The fresh VM first, then the handoff: the old and the new VM are both
            // held for a moment (as on the server), and the close never allocates
            // beside the fresh VM's creation.
            vm = try LuaVM(allocator: allocator, engine: old.engine, server: server.lua, owesQuietGCSteps: old.owesQuietGCSteps)
            sampleAllocator()
            closer.close(old)
            closeInFlight = true
        } else {
            old.close()
            if flushOptions.afterFlush == .purge { allocator.purge() }
            vm = try LuaVM(allocator: allocator, engine: old.engine, server: server.lua, owesQuietGCSteps: old.owesQuietGCSteps)
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
