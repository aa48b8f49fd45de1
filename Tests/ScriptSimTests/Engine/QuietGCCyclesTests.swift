import Foundation
import Testing
@testable import ScriptSim

/// A Lua 5.4 VM may owe the GC steps of a quiet stretch rather than take them
/// (`QuietGCCycles`). Owing must never show: a VM that owes and one that
/// takes every step hold the same bytes after every change, and replays
/// report the same figures, timeline included.
@Suite struct QuietGCCyclesTests {
    func compile(_ vm: LuaVM, _ body: String, key: Int) throws {
        try Array(body.utf8).withUnsafeBufferPointer { b in try vm.compile(b, slot: LuaVM.slot(for: ScriptID(key)), sha: "s\(key)") }
    }

    /// What a change can reveal: every count the allocator and Lua keep.
    func figures(_ vm: LuaVM) -> [Int] { [vm.liveBytes, vm.peakBytes, vm.liveBlocks, vm.luaCountBytes] }

    /// Two VMs take the same calls in the same order, hits (steps) in long and
    /// short stretches between compiles, drops, lookups and full collections.
    @Test(arguments: [1, 2, 3])
    func owingVMHoldsTheSameBytesAfterEveryChange(seed: UInt64) throws {
        let owing = try LuaVM(allocator: VMAllocator(), owesQuietGCSteps: true)
        let taking = try LuaVM(allocator: VMAllocator(), owesQuietGCSteps: false)
        defer { owing.close(); taking.close() }
        var random = SeededRandom(seed: seed)
        var live: [Int] = []
        var next = 0
        var owed = 0
        var changes = 0
        for _ in 0..<400 {
            // A stretch of steps: from a few (inside a cycle) to thousands (many cycles).
            let steps = [random.within(0...5), random.within(0...120), random.within(0...3000)][random.within(0...2)]
            for _ in 0..<steps {
                if !owing.gcStep() { owed += 1 }
                #expect(taking.gcStep())
            }
            let body = "local t = {\(next), '\(String(repeating: "v", count: random.within(1...200)))'} return t[1] + \(next)"
            switch random.within(0...9) {
            case 0...4:
                for vm in [owing, taking] { try compile(vm, body, key: next) }
                live.append(next)
                next += 1
            case 5...7 where !live.isEmpty:
                let key = live.remove(at: random.within(0...(live.count - 1)))
                for vm in [owing, taking] { vm.drop(slot: LuaVM.slot(for: ScriptID(key))) }
            case 8 where !live.isEmpty:
                let key = live[random.within(0...(live.count - 1))]
                #expect(owing.contains(slot: LuaVM.slot(for: ScriptID(key))) == taking.contains(slot: LuaVM.slot(for: ScriptID(key))))
            default:
                for vm in [owing, taking] { vm.collectGarbage() }
            }
            changes += 1
            #expect(figures(owing) == figures(taking), "after change \(changes), seed \(seed)")
        }
        // The comparison is worth something only if steps were owed.
        #expect(owed > 10_000, "owed \(owed)")
    }

    /// A stretch of hits without any change owes nearly every step after the
    /// first few cycles; a 5.1 VM never owes.
    @Test func onlyLua54Owes() throws {
        let vm54 = try LuaVM(allocator: VMAllocator())
        let vm51 = try LuaVM(allocator: VMAllocator(), engine: .lua51)
        defer { vm54.close(); vm51.close() }
        for vm in [vm54, vm51] {
            for k in 0..<100 { try compile(vm, "return \(k)", key: k) }
        }
        #expect((0..<20_000).filter { _ in !vm54.gcStep() }.count > 19_000)
        #expect((0..<2_000).allSatisfy { _ in vm51.gcStep() })
    }

    func report(_ path: String, policies: [String], owing: Bool, timeline: String) throws -> TraceReport {
        var options = ReplayOptions()
        options.flush = FlushOptions(mode: .sync)
        options.owesQuietGCSteps = owing
        options.timeline = TimelineOptions(path: timeline, sampleEvery: 97)
        let replayer = try Replayer(policies: policies, options: options)
        var report = try replayer.replay(path: path)
        try replayer.commitOutputs()
        report.policies = report.policies.map(withoutTimes)
        return report
    }

    /// Hit-heavy traces (long quiet stretches once the cache is warm), broken
    /// by new bodies, evictions or flushes: every figure and every timeline
    /// sample agrees, and the owing replay did owe steps.
    @Test(arguments: [(0.0, nil), (0.0005, nil), (0.0, 20_000)] as [(Double, Int?)])
    func replaysReportTheSameWithAndWithoutOwing(inlineShare: Double, flushEvery: Int?) throws {
        var o = GeneratorOptions()
        o.events = 60_000
        o.scripts = 300
        o.inlineShare = inlineShare
        o.flushEvery = flushEvery
        o.flushMode = .sync
        o.seed = 5
        var text = ""
        WorkloadGenerator(options: o).generate { text += $0 }
        let path = try writeTrace(text)
        let policies = ["unbounded", "eval-lru:entries=100", "size-capped:bytes=64KiB"]
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        let owing = try report(path, policies: policies, owing: true, timeline: dir.appendingPathComponent("a.csv").path)
        var taking = try report(path, policies: policies, owing: false, timeline: dir.appendingPathComponent("b.csv").path)
        #expect(taking.policies.allSatisfy { $0.gcStepsOwed == 0 })
        #expect(owing.policies.contains { $0.gcStepsOwed > 100 }, "\(owing.policies.map(\.gcStepsOwed))")
        for i in taking.policies.indices {
            taking.policies[i].gcStepsOwed = owing.policies[i].gcStepsOwed
            let same = owing.policies[i] == taking.policies[i]
            #expect(same, "\(policies[i]): owing \(owing.policies[i]) taking \(taking.policies[i])")
        }
        let sameTimeline = owing.timeline == taking.timeline
        #expect(sameTimeline)
        let a = try String(contentsOf: dir.appendingPathComponent("a.csv"), encoding: .utf8)
        let b = try String(contentsOf: dir.appendingPathComponent("b.csv"), encoding: .utf8)
        let sameCSV = a == b
        #expect(sameCSV && a.split(separator: "\n").count > 100)
    }
}
