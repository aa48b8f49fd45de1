import Foundation
import Histogram

/// One policy replaying a trace on a VM and arena of its own: the script cache
/// of one simulated server.
///
/// The replay decides what Redis's `evalGenericCommand` and `scriptCommand`
/// decide (hit, miss, NOSCRIPT, compile, cache) and asks the admission filter
/// and the policy only whether to keep a new script and what to evict. Not
/// thread-safe: one thread at a time (batches may move between threads, never
/// overlap).
final class PolicyReplay {

    let policy: any CachePolicy
    let admission: any AdmissionFilter
    let catalog: ScriptCatalog
    let allocator: VMAllocator
    let client: ClientModel
    /// What the modeled server does beyond eviction (GC ticks, shebang, script bytes, flushes).
    let server: ServerProfile
    /// Its `lazyfree-lazy-user-flush`, and its `maxmemory-scripts` (nil: none).
    let lazyUserFlush: Bool
    let memoryLimit: Int?
    let flushOptions: FlushOptions
    let closer: BackgroundCloser
    var vm: LuaVM
    /// Events replayed so far (the index of the next one).
    private(set) var events = 0
    /// When to take timeline samples, and those not yet collected (PolicyReplay+Timeline).
    var sampler = TimelineSampler()
    /// Where counting starts (PolicyReplay+Warmup).
    var warmup = WarmupState()
    var pauses = Histogram<UInt64>(highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .three)
    private var applyNanoseconds: UInt64 = 0
    /// An ASYNC flush handed the old VM to the closer; the next event waits for it
    /// (PolicyReplay+BackgroundClose), so no figure depends on the close's speed.
    var closeInFlight = false
    var closeWaitNanoseconds: UInt64 = 0
    var result: PolicyResult
    /// Per script: 0 when not cached, else its `ScriptOrigin` raw value.
    var origin: [UInt8] = []
    /// Per script: evicted since the last flush (a compile now is a recompile).
    var evicted: [Bool] = []
    var cachedEval = 0
    var cachedLoad = 0
    var memory: RedisScriptMemory
    var gc: GCCadence
    private var victims: [ScriptID] = []
    var compileNanoseconds: UInt64 = 0
    var recompileNanoseconds: UInt64 = 0
    var failedScripts = Set<ScriptID>()
    /// The current event's call arguments (KEYS and ARGV for a Lua 5.1 run).
    var arguments_: CallArguments?
    static let maxErrorExamples = 5
    static let maxFailedSHAs = 1000

    /// `allocator` nil: the one the server's Lua really uses (`ServerProfile.vmAllocator`).
    init(run: RunConfiguration, catalog: ScriptCatalog, client: ClientChoice = ClientChoice(.evalFallback),
         allocator chosen: AllocatorKind? = nil, flush: FlushOptions = FlushOptions(), engine: LuaEngine = .lua54,
         owesQuietGCSteps: Bool = true) throws(EngineError) {
        policy = run.policy.makePolicy()
        admission = run.policy.makeAdmission()
        self.catalog = catalog
        self.client = client.model
        server = run.server.profile
        lazyUserFlush = run.server.lazyfreeLazyUserFlush
        memoryLimit = run.server.evalScriptsMemoryLimit
        flushOptions = flush
        closer = BackgroundCloser(purgeAfterClose: flush.afterFlush == .purge)
        let kind = chosen ?? server.vmAllocator
        allocator = try VMAllocator(kind: kind)
        vm = try LuaVM(allocator: allocator, engine: engine, server: server.lua, owesQuietGCSteps: owesQuietGCSteps)
        memory = RedisScriptMemory(layout: server.layout)
        gc = GCCadence(period: server.gcPeriod, stepKilobytes: server.gcStepKilobytes)
        result = PolicyResult(policy: run.policy.spec.description)
        result.server = run.server.spec.description
        result.allocator = kind.rawValue
        result.client = client.description
        result.engine = engine.rawValue
        sampleAllocator()
    }

    var cachedScripts: Int { cachedEval + cachedLoad }

    func isCached(_ id: ScriptID) -> Bool { origin[Int(id)] != 0 }

    /// Replays a batch of events in order (`arguments`, when kept, one per
    /// event), with the warm-up's end and the timeline samples the reader marked.
    /// `scripts`: the catalog's count published with the batch (a reader on
    /// another thread may be adding scripts); nil when nothing is adding any.
    func apply(_ events: UnsafeBufferPointer<ReplayEvent>, arguments: [CallArguments?] = [],
               marks: BatchMarks = BatchMarks(), scripts: Int? = nil) throws(EngineError) {
        let known = scripts ?? catalog.count
        if origin.count < known {
            origin.append(contentsOf: repeatElement(0, count: known - origin.count))
            evicted.append(contentsOf: repeatElement(false, count: known - evicted.count))
        }
        let start = MonotonicClock.nanoseconds()
        closeWaitNanoseconds = 0
        defer { applyNanoseconds += MonotonicClock.nanoseconds() - start - closeWaitNanoseconds }
        if let end = marks.warmupEnd { warmup.end = end }
        var due = 0
        for (i, e) in events.enumerated() {
            if closeInFlight { settleBackgroundClose() }
            if due < marks.sampleBefore.count, marks.sampleBefore[due] == i {
                takeSample()
                due += 1
            }
            if !warmup.counting, let end = warmup.end, self.events >= end { startCounting() }
            arguments_ = i < arguments.count ? arguments[i] : nil
            try apply(e)
            self.events += 1
            if sampler.every > 0, self.events % sampler.every == 0 { takeSample() }
        }
    }

    private func apply(_ e: ReplayEvent) throws(EngineError) {
        let id = e.script
        switch e.operation {
        case .eval:
            if isCached(id) {
                result.evalHits += 1
                run(cached: id, readOnly: e.readOnly)
            } else {
                result.evalMisses += 1
                if try create(id, as: .eval) { runNew(id, readOnly: e.readOnly) }
            }
        case .evalsha:
            if isCached(id) {
                result.evalshaHits += 1
                run(cached: id, readOnly: e.readOnly)
            } else {
                result.noscript += 1
                result.evalshaMisses += 1
                try recover(e)
            }
        case .scriptLoad:
            result.scriptLoads += 1
            if isCached(id) {
                if origin[Int(id)] == ScriptOrigin.eval.rawValue, policy.loadedAgain(id) { promote(id) }
            } else {
                _ = try create(id, as: .load)
            }
        case .flush:
            try flush(e.flushMode)
        case .exists:
            break
        }
    }

    /// Redis's `luaCreateFunction`: shebang check, compile, evict, add, GC tick.
    /// Returns whether the script compiled (and so runs), kept or not.
    func create(_ id: ScriptID, as newOrigin: ScriptOrigin) throws(EngineError) -> Bool {
        var elapsed: UInt64 = 0
        let outcome: EngineError? = catalog.withBody(id) { body -> EngineError? in
            switch Shebang.codeOffset(body, dialect: server.shebang) {
            case .failure(let e):
                return .invalidShebang(sha: catalog.shaHex(id), message: e.message)
            case .success(let offset):
                let code = UnsafeBufferPointer(rebasing: body[offset...])
                let start = MonotonicClock.nanoseconds()
                defer { elapsed = MonotonicClock.nanoseconds() - start }
                do throws(EngineError) {
                    try vm.compile(code, slot: LuaVM.slot(for: id), sha: catalog.shaHex(id))
                    return nil
                } catch {
                    return error
                }
            }
        }
        compileNanoseconds += elapsed
        if let outcome {
            guard outcome.isScriptError else { throw outcome }
            result.compileErrors += 1
            if result.compileErrorExamples.count < Self.maxErrorExamples {
                result.compileErrorExamples.append(CompileErrorExample(sha: catalog.shaHex(id), message: outcome.description))
            }
            if result.compileErrorSHAs.count < Self.maxFailedSHAs, failedScripts.insert(id).inserted {
                result.compileErrorSHAs.append(catalog.shaHex(id))
            }
            // Redis 7.4 ticks the GC after a compile failure, not after a shebang refusal.
            if case .compileFailed = outcome, server.gcTicksOnCreate { gc.tick(vm) }
            return false
        }
        result.compiles += 1
        if evicted[Int(id)] {
            result.recompiles += 1
            recompileNanoseconds += elapsed
        }
        defer { if server.gcTicksOnCreate { gc.tick(vm) } }
        if newOrigin == .eval, !admission.admit(id) {
            result.admissionRejects += 1
            vm.drop(slot: LuaVM.slot(for: id))
            return true
        }
        // The server's memory limit first, from the head of the policy's order
        // (the new script is not in it yet); then the policy's own rule.
        if newOrigin == .eval, let limit = memoryLimit { evictForMemory(adding: id, limit: limit) }
        victims.removeAll(keepingCapacity: true)
        let keep = policy.created(id, origin: newOrigin, cost: policy.needsScriptCost ? cost(id) : 0, victims: &victims)
        for v in victims { evict(v) }
        guard keep else {
            result.oversizeRejects += 1
            vm.drop(slot: LuaVM.slot(for: id))
            return true
        }
        origin[Int(id)] = newOrigin.rawValue
        if newOrigin == .eval { cachedEval += 1 } else { cachedLoad += 1 }
        memory.add(bytes: memory.entryBytes(length: catalog.bodyLength(id)), inList: newOrigin == .eval)
        result.cachedScriptsPeak = max(result.cachedScriptsPeak, cachedScripts)
        result.scriptBytesPeak = max(result.scriptBytesPeak, memory.total)
        return true
    }

    /// Redis's `luaDeleteFunction`: the registry entry goes, the bytes wait for the GC.
    func evict(_ id: ScriptID) {
        let was = origin[Int(id)]
        precondition(was != 0, "policy \(result.policy) evicted script \(id), which is not cached")
        vm.drop(slot: LuaVM.slot(for: id))
        origin[Int(id)] = 0
        evicted[Int(id)] = true
        if was == ScriptOrigin.eval.rawValue { cachedEval -= 1 } else { cachedLoad -= 1 }
        let bytes = memory.entryBytes(length: catalog.bodyLength(id))
        memory.remove(bytes: bytes, inList: was == ScriptOrigin.eval.rawValue)
        result.evictions += 1
        result.evictedBytes += bytes
    }

    /// Valkey 8.0's promotion: an EVAL script loaded again becomes permanent.
    private func promote(_ id: ScriptID) {
        origin[Int(id)] = ScriptOrigin.load.rawValue
        cachedEval -= 1
        cachedLoad += 1
        memory.unlist()
        result.promotions += 1
    }

    /// End of trace: final figures, a full GC for the retained figure, invariant checks.
    /// With `probe` (verify), the figures are taken first; then the probe
    /// script is EVAL'd as the server ran it — created, maybe evicting one —
    /// and the retained Lua count is read after a full collection, as the
    /// server's INFO is read after `collectgarbage('collect')`.
    func finish(probe: ScriptID? = nil) throws -> PolicyResult {
        settleBackgroundClose()
        // A warm-up the trace never got past covers it all: nothing is counted.
        if !warmup.counting { startCounting() }
        if let before = warmup.before { result.subtractCounts(before) }
        var problems = policy.invariantViolations(cachedEval: cachedEval, cachedLoad: cachedLoad)
        if memory.entries != cachedScripts {
            problems.append("script memory model holds \(memory.entries) entries, cache holds \(cachedScripts)")
        }
        guard problems.isEmpty else { throw ReplayInvariantError(policy: result.policy, problems: problems) }
        result.cachedScripts = cachedScripts
        result.scriptBytes = memory.total
        result.vmBytes = allocator.liveBytes
        vm.flushThreadCache()
        let final = sampleAllocator()
        result.allocatorFragmentation = final.fragmentation
        if result.flushes > 0 {
            result.flushPauseP50Seconds = Double(pauses.valueAtPercentile(50)) / 1e9
            result.flushPauseP99Seconds = Double(pauses.valueAtPercentile(99)) / 1e9
            result.flushPauseMaxSeconds = Double(pauses.max) / 1e9
        }
        result.backgroundCloseSeconds = closer.totalSeconds
        result.backgroundCloseMaxSeconds = closer.maxSeconds
        result.gcStepsOwed = gc.owed
        result.eventsPerSecond = applyNanoseconds == 0 ? 0 : Double(events) / (Double(applyNanoseconds) / 1e9)
        result.luaGCCountBytes = vm.luaCountBytes
        vm.collectGarbage()
        result.vmBytesRetained = allocator.liveBytes
        result.vmBytesPeak = allocator.peakBytes
        result.compileSeconds = Double(compileNanoseconds) / 1e9
        result.recompileSeconds = Double(recompileNanoseconds) / 1e9
        var figures = result
        if let probe {
            if origin.count < catalog.count { origin.append(contentsOf: repeatElement(0, count: catalog.count - origin.count)) }
            if evicted.count < catalog.count { evicted.append(contentsOf: repeatElement(false, count: catalog.count - evicted.count)) }
            arguments_ = CallArguments()
            try apply(ReplayEvent(operation: .eval, script: probe))
            vm.collectGarbage()
        }
        figures.luaGCCountRetainedBytes = vm.serverLuaCountBytes
        vm.close()
        return figures
    }
}
