import Foundation
import FoundationXML
import Testing
@testable import ScriptSim

@Suite struct SweepTests {
    func generated(_ configure: (inout GeneratorOptions) -> Void) throws -> String {
        var o = GeneratorOptions()
        o.events = 30_000
        o.scripts = 1500
        o.zipf = 0.8
        o.inlineShare = 0.1
        o.bodyBytes = 100...300
        configure(&o)
        var text = ""
        WorkloadGenerator(options: o).generate { text += $0 }
        return try writeTrace(text)
    }

    /// Model and full replays at every limit, for a direct comparison.
    func modelAndReplays(_ path: String, policy: String, limits: [Int], retry: Bool = true, client: ClientModel = .auto)
        throws -> (model: [ModelledResult], replays: [PolicyResult], exact: [Bool]) {
        let options = retry ? ReplayOptions(clients: [ClientChoice(client)]) : ReplayOptions(retryNoscript: false)
        let sweeper = Sweeper(spec: SweepSpec(policy: policy, key: "entries", values: limits), options: options)
        let kind = sweeper.modelKind()
        #expect(kind.applies)
        let catalog = try ScriptCatalog()
        let model = StackDistanceModel(catalog: catalog, client: options.clients[0].model, promoteOnLoad: kind.promote, shebang: .redis)
        _ = try Replayer.readEvents(path: path, options: options, catalog: catalog,
                                    keepTimestamps: false, onInvalidLine: nil) { batch, _, _ in model.consume(batch) }
        let specs = try limits.map { try sweeper.configuration($0).policy.spec.description }
        let replays = try Replayer(policies: specs, options: options).replay(path: path).policies
        return (limits.map { model.result(entries: $0) }, replays, limits.map { model.isExact(entries: $0) })
    }

    /// A generated EVAL trace where every third call of a reusable script is
    /// made by SHA1 instead (as go-redis's Run does: EVALSHA first, EVAL on
    /// NOSCRIPT), with flushes: hits, NOSCRIPT and retries at every depth.
    func evalAndEvalsha() throws -> String {
        let reader = try TraceReader(path: try generated { $0.evalShare = 1; $0.flushEvery = 9_000 })
        var out = "", i = 0
        try reader.forEachCommand { c in
            let args = (0..<c.arguments.count).map { String(decoding: c.arguments[$0], as: UTF8.self) }
            i += 1
            if i % 3 == 0, c.kind == .eval, !args[1].contains("local arg = 'v") {
                out += (["EVALSHA", Verifier.sha1Hex(c.payload)] + args.dropFirst(2)).map(WorkloadGenerator.quote).joined(separator: " ") + "\n"
            } else {
                out += args.map(WorkloadGenerator.quote).joined(separator: " ") + "\n"
            }
        }
        return try writeTrace(out)
    }

    func same(_ m: ModelledResult, _ r: PolicyResult) -> Bool {
        m == ModelledResult(evalHits: r.evalHits, evalMisses: r.evalMisses, evalshaHits: r.evalshaHits, noscript: r.noscript,
                            retries: r.retries, compiles: r.compiles, compileErrors: r.compileErrors, evictions: r.evictions,
                            cachedScripts: r.cachedScripts)
    }

    static let twentyLimits = [1, 2, 5, 10, 20, 35, 50, 75, 100, 150, 200, 300, 400, 500, 700, 900, 1200, 1500, 2000, 3000]

    /// The check: one-pass counts equal full replays at 20 limits of a generated trace.
    @Test(arguments: ["eval-lru", "eval-lru:promote-on-load=yes", "pinned-loaded:entries=1"])
    func onePassEqualsFullReplaysAtTwentyLimits(policy: String) throws {
        let path = try evalAndEvalsha()
        let (model, replays, exact) = try modelAndReplays(path, policy: policy, limits: Self.twentyLimits)
        #expect(exact.allSatisfy { $0 })
        #expect(replays.contains { $0.noscript > 0 && $0.retries > 0 && $0.evictions > 0 })
        for (i, k) in Self.twentyLimits.enumerated() {
            #expect(same(model[i], replays[i]), "\(policy) entries=\(k)")
            #expect(model[i].hitRate == replays[i].hitRate)
        }
    }

    /// Past the model's first compaction of its recency stamps (65,536
    /// accesses), with scripts refreshed many times in between: the model still
    /// equals full replays (it used to count a refreshed script once per refresh
    /// and crash on a negative depth).
    @Test func onePassEqualsFullReplaysPastCompaction() throws {
        let path = try generated { $0.events = 150_000; $0.scripts = 200; $0.evalShare = 1; $0.inlineShare = 0; $0.zipf = 1 }
        let limits = [10, 50, 100, 150, 199, 500]
        let (model, replays, exact) = try modelAndReplays(path, policy: "eval-lru", limits: limits)
        #expect(exact.allSatisfy { $0 })
        for (i, k) in limits.enumerated() { #expect(same(model[i], replays[i]), "entries=\(k)") }
        #expect(replays[0].evictions > 0 && replays[5].evictions == 0)
    }

    /// A redis-py client (SCRIPT LOAD + EVALSHA after NOSCRIPT): cold recoveries
    /// pin the script under every limit, so the model stays exact there and
    /// says where a recovery of a script some limits still hold makes it inexact.
    @Test(arguments: ["eval-lru", "eval-lru:promote-on-load=yes"])
    func onePassFollowsTheLoadEvalshaClient(policy: String) throws {
        let path = try evalAndEvalsha()
        let (model, replays, exact) = try modelAndReplays(path, policy: policy, limits: Self.twentyLimits, client: .loadEvalsha)
        #expect(exact.contains(true) && exact.contains(false))
        #expect(replays.contains { $0.recoveriesScriptLoad > 0 && $0.retries == 0 })
        for (i, k) in Self.twentyLimits.enumerated() where exact[i] {
            #expect(same(model[i], replays[i]), "\(policy) entries=\(k)")
        }
    }

    /// Where SCRIPT LOAD meets scripts EVAL created, the model says which limits
    /// it cannot do exactly, and is exact at every other one.
    @Test(arguments: ["eval-lru", "eval-lru:promote-on-load=yes"])
    func modelKnowsWhereItIsExact(policy: String) throws {
        let path = try generated { $0.flushEvery = 12_000 }
        let (model, replays, exact) = try modelAndReplays(path, policy: policy, limits: Self.twentyLimits)
        #expect(exact.contains(false), "the generated trace loads scripts that EVAL created")
        for (i, k) in Self.twentyLimits.enumerated() where exact[i] {
            #expect(same(model[i], replays[i]), "\(policy) entries=\(k)")
        }
    }

    @Test func sweepReportsEveryLimitAndReplaysFew() throws {
        let path = try evalAndEvalsha()
        let values = (1...100).map { $0 * 30 }
        let plain = try Sweeper(spec: SweepSpec(policy: "eval-lru", key: "entries", values: values, maxReplays: 6)).run(path: path)
        let lo = plain.rows.first!.hitRate, hi = plain.rows.last!.hitRate
        #expect(hi > lo)
        let goal = (lo + hi) / 2
        let report = try Sweeper(spec: SweepSpec(policy: "eval-lru", key: "entries", values: values,
                                                 targets: [try SweepTarget.parseList("hit_rate>=\(goal)").first!], maxReplays: 6))
            .run(path: path)
        #expect(report.rows.count == 100)
        #expect(report.replays <= 9)
        #expect(report.rows.filter { $0.source == "replay" }.allSatisfy { $0.vmBytesPeak != nil })
        #expect(report.rows.filter { $0.source == "model" }.allSatisfy { $0.vmBytesPeak == nil })
        let smallest = try #require(report.rows.first { $0.hitRate >= goal })
        let rec = try #require(report.recommendation?.text)
        #expect(rec.hasPrefix("recommended: entries=\(smallest.value) "))
        #expect(report.rows.first { $0.value == smallest.value }?.source == "replay", "the recommended limit is replayed in full")
    }

    @Test func bytesSweepReplaysEveryPointAndRecommends() throws {
        let path = try generated { $0.events = 8000 }
        // The policy needs bytes=SIZE, the very key swept: `--help`'s example, without a dummy value.
        let (key, values) = try SweepSpec.values("bytes=64KiB..4MiB", policy: "size-capped", points: 5, linear: false)
        #expect(key == "bytes")
        // 64 KiB × 64^(i/4): ratio 2√2 between points.
        #expect(values == [65_536, 185_364, 524_288, 1_482_910, 4_194_304])
        let report = try Sweeper(spec: SweepSpec(policy: "size-capped", key: key, values: values,
                                                 targets: SweepTarget.parseList("hit_rate>=0.999,vm_bytes_peak<=1KiB")))
            .run(path: path)
        #expect(report.replays == 5)
        #expect(report.modelNotes.first?.contains("entries limits only") == true)
        let rec = try #require(report.recommendation?.text)
        #expect(rec.hasPrefix("no limit meets hit_rate>=0.999, vm_bytes_peak<=1KiB; closest: "))
    }

    /// FROM..TO up to Int.max stays within its ends (no overflow trap); points are bounded.
    @Test func hugeRangesAndManyPoints() throws {
        let (_, linear) = try SweepSpec.values("entries=1..9223372036854775807", policy: "eval-lru", points: 3, linear: true)
        #expect(linear == [1, 4_611_686_018_427_387_904, Int.max])
        #expect(throws: PolicySpecError.self) { try SweepSpec.values("entries=1..100", policy: "eval-lru", points: 1_000_000, linear: true) }
        #expect(try SweepSpec.values("entries=1..10", policy: "pinned-loaded", points: 2, linear: true).values == [1, 10])
    }

    /// Full replays run one core's worth at a time: 500 byte limits (no model,
    /// every point replayed) never hold more than that many VMs at once.
    @Test func fullReplaysRunInBoundedMemory() throws {
        let path = try writeTrace("EVAL \"return 1\" 0\nEVAL \"return 2\" 0\n")
        let (key, values) = try SweepSpec.values("bytes=1KiB..64MiB", policy: "size-capped", points: 500, linear: false)
        let report = try Sweeper(spec: SweepSpec(policy: "size-capped", key: key, values: values)).run(path: path)
        #expect(report.rows.count == values.count && report.replays == values.count)
        #expect(report.peakConcurrentReplays == ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Under a warm-up a sweep point counts what a replay of that limit with
    /// the same warm-up counts, whether the one-pass model or a full replay made it.
    @Test(arguments: [(Warmup.events(10_000), false), (Warmup.seconds(12), true)])
    func sweepPointsEqualReplaysUnderWarmup(warmup: Warmup, monitor: Bool) throws {
        let path = monitor ? try generated { $0.monitor = true; $0.evalShare = 1; $0.flushEvery = 9_000 } : try evalAndEvalsha()
        let options = ReplayOptions(warmup: warmup)
        let spec = SweepSpec(policy: "eval-lru", key: "entries", values: [5, 50, 200, 1000, 3000], maxReplays: 2)
        let report = try Sweeper(spec: spec, options: options).run(path: path)
        #expect(report.summary.warmupEvents > 5_000 && report.summary.warmupEvents < report.summary.replayEvents)
        #expect(report.rows.contains { $0.source == "model" } && report.rows.contains { $0.source == "replay" })
        let replays = try Replayer(policies: report.rows.map(\.policy), options: options).replay(path: path)
        #expect(replays.summary.warmupEvents == report.summary.warmupEvents)
        for (row, r) in zip(report.rows, replays.policies) {
            #expect(row.hitRate == r.hitRate && row.noscript == r.noscript && row.retries == r.retries, "\(row.policy) (\(row.source))")
            #expect(row.compiles == r.compiles && row.evictions == r.evictions && row.cachedScripts == r.cachedScripts,
                    "\(row.policy) (\(row.source))")
            if row.source == "replay" { #expect(row.scriptBytesPeak == r.scriptBytesPeak) }
        }
        // The warm-up's cold misses are not in the figures.
        let cold = try Sweeper(spec: spec).run(path: path)
        #expect(zip(cold.rows, report.rows).allSatisfy { $0.compiles > $1.compiles })
    }

    @Test func varyAndTargetErrors() throws {
        #expect(throws: PolicySpecError.self) { try SweepSpec.values("size=1..9", policy: "eval-lru", points: 3, linear: false) }
        #expect(throws: PolicySpecError.self) { try SweepSpec.values("entries=9..1", policy: "eval-lru", points: 3, linear: false) }
        #expect(throws: PolicySpecError.self) { try SweepTarget.parseList("hits>0.5") }
        #expect(throws: PolicySpecError.self) { try SweepTarget.parseList("speed>=9") }
        #expect(try SweepSpec.values("entries=100,500,1000", policy: "eval-lru", points: 3, linear: false).values == [100, 500, 1000])
        #expect(try SweepSpec.values("entries=10..1000", policy: "eval-lru", points: 3, linear: false).values == [10, 100, 1000])
        #expect(try SweepSpec.values("entries=10..1000", policy: "eval-lru", points: 3, linear: true).values == [10, 505, 1000])
    }
}

/// The SVG plots parse as XML and hold one series per policy.
@Suite struct PlotTests {
    final class Collector: NSObject, XMLParserDelegate {
        var series: [String] = []
        var root: String?
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String]) {
            if root == nil { root = name }
            if name == "polyline", attributes["class"] == "series" { series.append(attributes["data-series"] ?? "") }
        }
    }

    func parse(_ svg: String) -> Collector? {
        let parser = XMLParser(data: Data(svg.utf8))
        let c = Collector()
        parser.delegate = c
        return parser.parse() ? c : nil
    }

    @Test func timelinePlotHasOneSeriesPerPolicy() throws {
        let trace = (0..<3000).map { "EVAL \"return \($0 % 700)\" 0\n" }.joined()
        let path = try writeTrace(trace)
        let report = try Replayer(policies: ["unbounded", "eval-lru:entries=100", "size-capped:bytes=64KiB"],
                                  options: ReplayOptions(timeline: TimelineOptions(path: path + ".csv", sampleEvery: 100))).replay(path: path)
        let c = try #require(parse(SweepRenderer.timelinePlot(report)))
        #expect(c.root == "svg")
        // In each panel: VM bytes, hit rate, NOSCRIPT.
        #expect(c.series == Array(repeating: ["redis-7.4 unbounded", "redis-7.4 eval-lru:entries=100", "redis-7.4 size-capped:bytes=64KiB"],
                                  count: 3).flatMap { $0 })
    }

    @Test func sweepPlotParses() throws {
        let report = SweepReport(path: "t", server: "redis-7.4", policy: "eval-lru", key: "entries", bytes: false,
                                 rows: [SweepRow(value: 10, policy: "eval-lru:entries=10", source: "replay", hitRate: 0.5, noscript: 1, retries: 1,
                                                 compiles: 3, evictions: 2, cachedScripts: 10, vmBytesPeak: 9000, vmBytesRetained: 8000, scriptBytesPeak: 100),
                                        SweepRow(value: 100, policy: "eval-lru:entries=100", source: "model", hitRate: 0.9, noscript: 0, retries: 0,
                                                 compiles: 2, evictions: 0, cachedScripts: 100)],
                                 modelNotes: [], replays: 1, recommendation: nil)
        let c = try #require(parse(SweepRenderer.plot(report)))
        #expect(c.series == ["eval-lru", "eval-lru peak", "eval-lru after GC"])
    }
}
