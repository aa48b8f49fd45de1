import Foundation
import Testing
@testable import ScriptSim

@Suite struct WorkloadGeneratorTests {
    func text(_ o: GeneratorOptions) -> String {
        var out = ""
        WorkloadGenerator(options: o).generate { out += $0 }
        return out
    }

    /// Parses what was generated with the project's own reader.
    func commands(_ o: GeneratorOptions) throws -> [(kind: TraceCommandKind, payload: String, timestamp: Double?)] {
        let reader = try TraceReader(path: try writeTrace(text(o)))
        var out: [(TraceCommandKind, String, Double?)] = []
        try reader.forEachCommand { out.append(($0.kind, String(decoding: $0.payload, as: UTF8.self), $0.timestamp)) }
        return out
    }

    @Test func sameSeedSameBytesOtherSeedOtherBytes() {
        var o = GeneratorOptions()
        o.events = 5000
        let a = text(o), b = text(o)
        #expect(a == b)
        o.seed = 2
        #expect(text(o) != a)
    }

    @Test func defaultsWriteA100000EventMixedTrace() throws {
        let c = try commands(GeneratorOptions())
        #expect(c.count == 100_000)
        let kinds = Set(c.map(\.kind))
        #expect(kinds == [.eval, .evalsha, .scriptLoad])
    }

    @Test(arguments: [(0.5, 0.2), (0.9, 0.5), (0.1, 0.0)])
    func realisedShares(evalShare: Double, inlineShare: Double) throws {
        var o = GeneratorOptions()
        o.events = 40_000
        o.evalShare = evalShare
        o.inlineShare = inlineShare
        let c = try commands(o)
        let evals = c.filter { $0.kind == .eval }
        let calls = evals.count + c.filter { $0.kind == .evalsha }.count
        #expect(abs(Double(evals.count) / Double(calls) - evalShare) < 0.015)
        let inlined = evals.filter { $0.payload.contains("local arg = 'v") }.count
        #expect(abs(Double(inlined) / Double(max(1, evals.count)) - inlineShare) < 0.015)
        // Every SCRIPT LOAD precedes the first EVALSHA of its script.
        var loaded = Set<String>()
        for cmd in c {
            if cmd.kind == .scriptLoad { loaded.insert(WorkloadGenerator.sha1Hex(cmd.payload)) }
            if cmd.kind == .evalsha { #expect(loaded.contains(cmd.payload)) }
        }
    }

    @Test(arguments: [1.0, 0.0, 1.5])
    func popularityFollowsZipf(exponent: Double) throws {
        var o = GeneratorOptions()
        o.events = 60_000
        o.scripts = 50
        o.zipf = exponent
        o.inlineShare = 0
        let generator = WorkloadGenerator(options: o)
        let shaRank = Dictionary(uniqueKeysWithValues: generator.scripts.enumerated().map { (WorkloadGenerator.sha1Hex($1), $0) })
        let bodyRank = Dictionary(uniqueKeysWithValues: generator.scripts.enumerated().map { ($1, $0) })
        var counts = [Int](repeating: 0, count: 50)
        for c in try commands(o) {
            switch c.kind {
            case .eval: counts[bodyRank[c.payload]!] += 1
            case .evalsha: counts[shaRank[c.payload]!] += 1
            default: break
            }
        }
        // P(rank 1) / P(rank 2) = 2^s and P(rank 1) / P(rank 4) = 4^s.
        #expect(abs(Double(counts[0]) / Double(counts[1]) - pow(2, exponent)) < 0.15 * pow(2, exponent))
        #expect(abs(Double(counts[0]) / Double(counts[3]) - pow(4, exponent)) < 0.15 * pow(4, exponent))
    }

    @Test func bodySizesAndCode() throws {
        var o = GeneratorOptions()
        o.scripts = 300
        o.bodyBytes = 150...2000
        let g = WorkloadGenerator(options: o)
        for s in g.scripts {
            #expect((150...2000).contains(s.utf8.count))
            #expect(s.contains("KEYS[1]") && s.contains("ARGV[1]") && s.contains("redis.call("))
        }
        // Every script compiles on the real engine.
        let vm = try LuaVM(allocator: VMAllocator())
        defer { vm.close() }
        for (i, s) in g.scripts.enumerated() {
            try Array(s.utf8).withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(EngineError) in
                try vm.compile(b, slot: LuaVM.slot(for: ScriptID(i)), sha: "\(i)")
            }
        }
    }

    @Test func flushesEveryNEvents() throws {
        var o = GeneratorOptions()
        o.events = 10_000
        o.flushEvery = 1000
        o.flushMode = .sync
        let c = try commands(o)
        let flushes = c.enumerated().filter { $0.element.kind == .scriptFlush }.map(\.offset)
        #expect(flushes.count == 10)
        #expect(flushes.first == 999)
        #expect(zip(flushes, flushes.dropFirst()).allSatisfy { $1 - $0 == 1000 })
    }

    @Test func monitorPrefixAndRate() throws {
        var o = GeneratorOptions()
        o.events = 20_000
        o.monitor = true
        o.rate = 500
        let c = try commands(o)
        let stamps = c.compactMap(\.timestamp)
        #expect(stamps.count == 20_000)
        #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $0 <= $1 })
        let rate = Double(stamps.count - 1) / (stamps.last! - stamps.first!)
        #expect(abs(rate - 500) < 25)
        #expect(text(o).hasPrefix("1732460000."))
    }

    @Test func boundedInlineValuesBoundDistinctScripts() throws {
        var o = GeneratorOptions()
        o.events = 30_000
        o.scripts = 20
        o.inlineShare = 1
        o.evalShare = 1
        o.inlineValues = 10
        let distinct = Set(try commands(o).map(\.payload)).count
        #expect(distinct <= 20 * 10)
    }
}
