import Dispatch
import Foundation
import Testing
@testable import ScriptSim

/// SCRIPT FLUSH SYNC/ASYNC as Redis 7.4+ does it, observed through the
/// background closer's counters and its test gate, never through timing.
@Suite struct FlushTests {
    /// A policy replay fed directly, with `count` distinct scripts cached.
    func replayWith(_ count: Int, flush: FlushOptions = FlushOptions(), allocator: AllocatorKind = .arena,
                    server: String = "redis-7.4") throws -> (PolicyReplay, ScriptCatalog) {
        let catalog = try ScriptCatalog()
        let run = try PolicyReplay(run: run("unbounded", on: server), catalog: catalog, allocator: allocator, flush: flush)
        var events: [ReplayEvent] = []
        for i in 0..<count {
            let id = Array("return \(i)".utf8).withUnsafeBufferPointer { catalog.intern(body: $0) }
            events.append(ReplayEvent(operation: .eval, script: id))
        }
        try events.withUnsafeBufferPointer { try run.apply($0) }
        return (run, catalog)
    }

    func flush(_ run: PolicyReplay, _ mode: FlushMode) throws {
        try [ReplayEvent(operation: .flush, flushMode: mode)].withUnsafeBufferPointer { try run.apply($0) }
    }

    @Test func asyncAbove64ReturnsBeforeTheOldVMIsClosed() throws {
        let (run, _) = try replayWith(65)
        let gate = DispatchSemaphore(value: 0)
        run.closer.gate = gate
        try flush(run, .async)
        #expect(run.closer.pending == 1, "the old VM waits for the background thread")
        #expect(run.closer.closed == 0)
        #expect(run.cachedScripts == 0, "the new empty cache is usable at once")
        gate.signal()
        let result = try run.finish()       // waits for every background close
        #expect(run.closer.pending == 0)
        #expect(run.closer.closed == 1)
        #expect(result.flushesAsync == 1)
        #expect(result.flushesSync == 0)
    }

    @Test func asyncAt64OrBelowClosesSynchronously() throws {
        let (run, _) = try replayWith(64)
        run.closer.gate = DispatchSemaphore(value: 0)   // would block a background close forever
        try flush(run, .async)
        #expect(run.closer.pending == 0)
        let result = try run.finish()
        #expect(result.flushesSync == 1)
        #expect(result.flushesAsync == 0)
    }

    @Test(arguments: [(false, 1, 0), (true, 0, 1)])
    func noArgumentFollowsLazyfreeLazyUserFlush(lazyfree: Bool, sync: Int, async: Int) throws {
        let (run, _) = try replayWith(100, server: "redis-7.4:lazyfree-lazy-user-flush=\(lazyfree ? "yes" : "no")")
        try flush(run, .unspecified)
        let result = try run.finish()
        #expect(result.flushesSync == sync)
        #expect(result.flushesAsync == async)
    }

    @Test(arguments: [(FlushOptions.Mode.sync, FlushMode.async, 1, 0), (.async, .sync, 0, 1), (.asTraced, .sync, 1, 0)])
    func flushModeOverridesTheTrace(mode: FlushOptions.Mode, traced: FlushMode, sync: Int, async: Int) throws {
        let (run, _) = try replayWith(100, flush: FlushOptions(mode: mode))
        try flush(run, traced)
        let result = try run.finish()
        #expect((result.flushesSync, result.flushesAsync) == (sync, async))
    }

    /// Exact on an arena; glibc may hand out a chunk a little larger than asked
    /// when the rest would be too small to split off, so libc is held to its
    /// rounding (at most 24 bytes a block).
    @Test(arguments: AllocatorKind.allCases)
    func memoryReturnsToAFreshVMOnceTheBackgroundCloseEnds(allocator: AllocatorKind) throws {
        let fresh = try LuaVM(allocator: VMAllocator(kind: allocator))
        let freshBytes = fresh.liveBytes, slack = allocator == .libc ? 24 * fresh.liveBlocks : 0
        fresh.close()
        func close(_ a: Int, _ b: Int) -> Bool { abs(a - b) <= slack }
        let (run, _) = try replayWith(500, allocator: allocator)
        let full = run.allocator.liveBytes
        let gate = DispatchSemaphore(value: 0)
        run.closer.gate = gate
        try flush(run, .async)
        #expect(close(run.allocator.liveBytes, full + freshBytes), "old and new VM both held while the close waits")
        gate.signal()
        run.closer.waitForAll()
        #expect(close(run.allocator.liveBytes, freshBytes))
        let result = try run.finish()
        #expect(close(result.vmBytes, freshBytes))
        #expect(result.vmBytesPeak + slack >= full + freshBytes)
    }

    @Test func purgeReturnsDirtyPages() throws {
        let trace = (0..<20000).map { "EVAL \"return \($0)\" 0\n" }.joined() + "SCRIPT FLUSH\n"
        let path = try writeTrace(trace)
        func resident(_ after: FlushOptions.AfterFlush) throws -> Int {
            let r = try Replayer(policies: ["unbounded"], options: ReplayOptions(flush: FlushOptions(afterFlush: after))).replay(path: path)
            return r.policies[0].allocatorResident
        }
        #expect(try resident(.purge) < resident(.keep) / 4)
    }
}

/// Issue #21 item 11: with SCRIPT FLUSH ASYNC the old VM is closed on another
/// thread, and no figure may depend on how far that close got.
@Suite struct AsyncFlushDeterminismTests {
    /// Three rounds of 4,000 distinct scripts, each ended by an ASYNC flush, on
    /// the two engines and both arena kinds, with a timeline every 97 events.
    @Test func everyByteFigureIsTheSameRunToRun() throws {
        var trace = ""
        for round in 0..<3 {
            for i in 0..<4000 { trace += "EVAL \"local t = {\(round), \(i)} return 'v\(i)' .. t[1]\" 0\n" }
            trace += "SCRIPT FLUSH ASYNC\n"
        }
        trace += (0..<300).map { "EVAL \"return \($0)\" 0\n" }.joined()
        let path = try writeTrace(trace)
        let csv = path + ".csv"
        func run() throws -> ([PolicyResult], String) {
            let options = ReplayOptions(allocators: [.arena, .arenaNoTcache],
                                        timeline: TimelineOptions(path: csv, sampleEvery: 97), engines: [.lua54, .lua51])
            let replayer = try Replayer(policies: ["unbounded", "eval-lru"], options: options)
            let report = try replayer.replay(path: path)
            for file in replayer.pendingOutputs { try file.commit() }
            return (report.policies.map(withoutTimes), try String(contentsOfFile: csv, encoding: .utf8))
        }
        let first = try run()
        #expect(first.0.allSatisfy { $0.flushesAsync == 3 })
        for _ in 0..<3 {
            let again = try run()
            #expect(again.0 == first.0)
            #expect(again.1 == first.1)
        }
    }
}

@Suite struct AllocatorTests {
    @Test func threeAllocatorsGiveTheSameCounts() throws {
        var trace = ""
        for i in 0..<3000 {
            trace += "EVAL \"return \((i * 31) % 900)\" 0\n"
            if i == 1500 { trace += "SCRIPT FLUSH ASYNC\n" }
        }
        let path = try writeTrace(trace)
        let report = try Replayer(policies: ["eval-lru:entries=200"],
                                  options: ReplayOptions(allocators: [.arena, .arenaNoTcache, .libc])).replay(path: path)
        #expect(report.policies.map(\.allocator) == ["arena", "arena-notcache", "libc"])
        let counts = report.policies.map { [$0.evalHits, $0.evalMisses, $0.evictions, $0.cachedScripts, $0.compiles, $0.scriptBytes] }
        #expect(counts[0] == counts[1])
        #expect(counts[0] == counts[2])
        // jemalloc's size classes are the same with and without a thread cache.
        #expect(report.policies[0].luaGCCountBytes == report.policies[1].luaGCCountBytes)
        for p in report.policies { #expect(p.vmBytes >= p.luaGCCountBytes, "\(p.allocator): usable bytes cover Lua's own count") }
    }

    @Test func arenaWithoutThreadCacheMatchesItsStatistics() throws {
        let allocator = try VMAllocator(kind: .arenaNoTcache)
        let vm = try LuaVM(allocator: allocator)
        defer { vm.close() }
        for i in 0..<300 {
            try Array("return \(i) .. 'x'".utf8).withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(EngineError) in
                try vm.compile(b, slot: LuaVM.slot(for: ScriptID(i)), sha: "")
            }
        }
        // No thread cache: the arena's statistics equal the counter without any flush.
        #expect(allocator.statistics().allocated == allocator.liveBytes)
    }

    /// glibc rounds each block up by at most 24 bytes (16-byte chunks, 8 of header, 32 at least).
    @Test func libcCounterIsLuasCountPlusRounding() throws {
        let vm = try LuaVM(allocator: VMAllocator(kind: .libc))
        defer { vm.close() }
        for i in 0..<500 {
            try Array("local t = {\(i), 'v\(i)'} return t".utf8).withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(EngineError) in
                try vm.compile(b, slot: LuaVM.slot(for: ScriptID(i)), sha: "")
            }
        }
        let lua = vm.luaCountBytes, live = vm.liveBytes
        #expect(live >= lua)
        #expect(live - lua <= 24 * vm.liveBlocks)
        #expect(vm.liveBlocks > 1000)
    }
}
