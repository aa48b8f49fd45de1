import Foundation
import Testing
@testable import ScriptSim

/// `--warmup` and `--warmup-seconds`: the cache fills during the warm-up and
/// only the events after it are counted. Expected figures are worked out by
/// hand from the replay rules in the comments.
@Suite struct WarmupTests {
    func eval(_ body: String) -> String { "EVAL \(quoted(body)) 0\n" }
    func evalsha(_ body: String) -> String { "EVALSHA \(sha1Hex(body)) 0\n" }

    func replay(_ text: String, policies: [String], servers: [String] = [], warmup: Warmup?,
                clients: [ClientChoice] = [ClientChoice(.auto)], batchSize: Int = 4096) throws -> TraceReport {
        let options = ReplayOptions(batchSize: batchSize, clients: clients, warmup: warmup)
        return try Replayer(policies: policies, servers: servers, options: options).replay(path: try writeTrace(text))
    }

    let a = "return 'a'", b = "return 'b'", c = "return 'c'"

    /// eval-lru:entries=2, `--warmup 2` on  a b a c sha(b) a:
    /// warm-up: a miss [a], b miss [a b]. Counted: a hit [b a]; c miss, b
    /// evicted [a c]; EVALSHA b NOSCRIPT, the client holds b and retries with
    /// EVAL: compiled again (a recompile), a evicted [c b]; a miss, recompiled,
    /// c evicted [b a].
    @Test func twoEventsOfWarmupOnAHandWorkedTrace() throws {
        let trace = eval(a) + eval(b) + eval(a) + eval(c) + evalsha(b) + eval(a)
        let report = try replay(trace, policies: ["eval-lru:entries=2"], warmup: .events(2))
        let r = report.policies[0]
        #expect(report.summary.warmupEvents == 2)
        #expect(report.summary.replayEvents == 6)
        #expect(r.requests == 4)
        #expect(r.evalHits == 1 && r.evalMisses == 2 && r.evalshaHits == 0 && r.evalshaMisses == 1)
        #expect(r.noscript == 1 && r.retries == 1 && r.appErrors == 0)
        #expect(r.hitRate == 0.25)
        #expect(r.compiles == 3 && r.recompiles == 2)
        #expect(r.evictions == 3)
        #expect(r.cachedScripts == 2, "a gauge: the cache at the end, warm-up or not")
        #expect(r.cachedScriptsPeak == 2)
        // The same trace counted from the start: the warm-up's two misses and compiles come back.
        let all = try replay(trace, policies: ["eval-lru:entries=2"], warmup: nil).policies[0]
        #expect(all.requests == 6 && all.evalMisses == 4 && all.compiles == 5 && all.evictions == 3)
    }

    /// unbounded on  a b c FLUSH a a: peaks start from the state at the warm-up's end.
    @Test func peaksCoverTheCountedPartFromTheWarmupEnd() throws {
        let trace = eval(a) + eval(b) + eval(c) + "SCRIPT FLUSH\n" + eval(a) + eval(a)
        let full = try replay(trace, policies: ["unbounded"], warmup: nil).policies[0]
        #expect(full.cachedScriptsPeak == 3 && full.flushes == 1)
        // Warm-up a b c: 3 cached when counting starts, so that is the peak; the flush is counted.
        let three = try replay(trace, policies: ["unbounded"], warmup: .events(3)).policies[0]
        #expect(three.cachedScriptsPeak == 3)
        #expect(three.flushes == 1 && three.flushesSync == 1)
        #expect(three.evalMisses == 1 && three.evalHits == 1 && three.compiles == 1)
        // Warm-up through the flush: an empty cache, then a (miss) and a (hit).
        let four = try replay(trace, policies: ["unbounded"], warmup: .events(4)).policies[0]
        #expect(four.cachedScriptsPeak == 1 && four.cachedScripts == 1)
        #expect(four.flushes == 0 && four.flushesSync == 0)
        #expect(four.evalMisses == 1 && four.evalHits == 1 && four.compiles == 1)
        #expect(four.scriptBytesPeak == four.scriptBytes, "one script cached from the warm-up's end to the end")
        // The VM peak is the fresh VM's, below the old VM with three scripts.
        #expect(four.vmBytesPeak < full.vmBytesPeak)
        #expect(four.vmBytesPeak >= four.vmBytes)
        #expect(four.allocatorActivePeak <= full.allocatorActivePeak)
    }

    /// Figures that are states (gauges and their peaks), not counts.
    static let states: Set<String> = [
        "cachedScripts", "cachedScriptsPeak", "vmBytes", "vmBytesPeak", "vmBytesRetained", "luaGCCountBytes",
        "luaGCCountRetainedBytes", "scriptBytes", "scriptBytesPeak", "allocatorAllocated", "allocatorAllocatedPeak",
        "allocatorActive", "allocatorActivePeak", "allocatorResident", "allocatorResidentPeak",
    ]

    /// Not a figure of the trace: how the work was done (steps owed, `QuietGCCycles`).
    static let diagnostics: Set<String> = ["gcStepsOwed"]

    /// Every integer figure of a result that is a count, by field name (found
    /// by reflection, so a count added later is covered without a change here).
    func counts(_ r: PolicyResult) -> [String: Int] {
        var out: [String: Int] = [:]
        for child in Mirror(reflecting: r).children {
            if let label = child.label, let v = child.value as? Int, !Self.states.contains(label), !Self.diagnostics.contains(label) { out[label] = v }
        }
        return out
    }

    /// A trace that moves every count: hits, misses, NOSCRIPT with and without
    /// the body, recoveries, SCRIPT LOAD and promotion, a compile error, an
    /// EVAL_RO refusal, evictions, admission and oversize rejects, flushes of both kinds.
    var everyCount: String {
        let big = "return '" + String(repeating: "x", count: 20_000) + "'"
        var t = eval(a) + eval(b) + eval(a) + "SCRIPT LOAD \(quoted(a))\n" + evalsha(c) + eval(c) + evalsha(c)
        t += eval("return +") + "EVAL_RO \(quoted("#!lua\nreturn 1")) 0\n" + eval(big) + eval(b) + evalsha(b)
        t += (0..<70).map { eval("return \($0)") }.joined() + "SCRIPT FLUSH ASYNC\n" + eval(a) + evalsha(b) + "SCRIPT FLUSH SYNC\n"
        return t + eval(a) + eval(c) + evalsha(a)
    }

    let everyPolicy = ["unbounded", "eval-lru:entries=1,promote-on-load=yes", "eval-lru:entries=2,admit=second-hit", "size-capped:bytes=16KiB"]
    /// A server's memory limit moves `memoryEvictions`.
    let limited = "valkey-9.2:maxmemory-scripts=2kb"
    let everyClient = [ClientChoice(.auto), ClientChoice(.loadEvalsha), ClientChoice(.none)]

    /// A warm-up longer than the trace leaves no count, no time and no example:
    /// the check that `subtractCounts` knows every count of `PolicyResult`.
    @Test func aWarmupOverTheWholeTraceCountsNothing() throws {
        let full = try replay(everyCount, policies: everyPolicy, warmup: nil, clients: everyClient)
        let limitedFull = try replay(everyCount, policies: [], servers: [limited], warmup: nil)
        var moved = Set<String>()
        for r in full.policies + limitedFull.policies { for (k, v) in counts(r) where v != 0 { moved.insert(k) } }
        #expect(moved == Set(counts(full.policies[0]).keys), "the trace moves every count: \(Set(counts(full.policies[0]).keys).subtracting(moved))")
        let report = try replay(everyCount, policies: everyPolicy, warmup: .events(1_000_000), clients: everyClient)
        let limitedReport = try replay(everyCount, policies: [], servers: [limited], warmup: .events(1_000_000))
        #expect(report.summary.warmupEvents == report.summary.replayEvents)
        for r in report.policies + limitedReport.policies {
            #expect(counts(r).values.allSatisfy { $0 == 0 }, "\(r.policy) [\(r.client)]: \(counts(r).filter { $0.value != 0 })")
            #expect(r.compileSeconds == 0 && r.recompileSeconds == 0 && r.flushPauseMaxSeconds == 0 && r.backgroundCloseSeconds == 0)
            #expect(r.compileErrorExamples.isEmpty && r.compileErrorSHAs.isEmpty)
            #expect(r.hitRate == 0)
        }
        for (f, w) in zip(full.policies, report.policies) {
            #expect(f.cachedScripts == w.cachedScripts && f.scriptBytes == w.scriptBytes && f.vmBytes == w.vmBytes, "gauges stay")
        }
    }

    /// After a warm-up of k events, each count is the full trace's minus a
    /// replay of its first k events (typed lines: one event each).
    @Test(arguments: [1, 9, 13, 84, 87])
    func countsAreTheFullTraceMinusItsFirstEvents(k: Int) throws {
        let lines = everyCount.split(separator: "\n", omittingEmptySubsequences: false)
        let prefix = lines.prefix(k).joined(separator: "\n") + "\n"
        let full = try replay(everyCount, policies: everyPolicy, warmup: nil, clients: everyClient).policies
        let head = try replay(prefix, policies: everyPolicy, warmup: nil, clients: everyClient).policies
        let warmed = try replay(everyCount, policies: everyPolicy, warmup: .events(k), clients: everyClient, batchSize: 5)
        #expect(warmed.summary.warmupEvents == k)
        for (i, w) in warmed.policies.enumerated() {
            let expected = counts(full[i]).merging(counts(head[i])) { $0 - $1 }
            #expect(counts(w) == expected, "\(w.policy) [\(w.client)]")
        }
    }

    /// MONITOR timestamps at +0, +0.25, +0.5, +1, +1.5, +1.75 s (a b a c a b),
    /// unbounded. `--warmup-seconds 1`: the events before +1 s (a b a) are
    /// warm-up; counted: c miss, a hit, b hit.
    @Test func warmupSecondsFollowsMonitorTime() throws {
        let offsets = ["000000", "250000", "500000", "000000", "500000", "750000"]
        let seconds = [0, 0, 0, 1, 1, 1]
        let bodies = [a, b, a, c, a, b]
        let trace = (0..<6).map { i in
            "173246000\(seconds[i]).\(offsets[i]) [0 127.0.0.1:50000] \"EVAL\" \(quoted(bodies[i])) \"0\"\n"
        }.joined()
        let one = try replay(trace, policies: ["unbounded"], warmup: .seconds(1))
        #expect(one.summary.warmupEvents == 3)
        let r = one.policies[0]
        #expect(r.evalMisses == 1 && r.evalHits == 2 && r.compiles == 1 && r.requests == 3)
        // 0.75 s ends at the same event (+0.5 is before, +1 after); 1.25 s one later (+1.5).
        #expect(try replay(trace, policies: ["unbounded"], warmup: .seconds(0.75)).summary.warmupEvents == 3)
        let later = try replay(trace, policies: ["unbounded"], warmup: .seconds(1.25))
        #expect(later.summary.warmupEvents == 4)
        #expect(later.policies[0].evalHits == 2 && later.policies[0].evalMisses == 0)
    }

    /// An event is a replay event: a recorded recovery folded into its call is
    /// not one. EVAL a; EVALSHA b answered NOSCRIPT, recovered with EVAL b (one
    /// call); EVAL a: three events, `--warmup 2` leaves the last (a hit).
    @Test func foldedRecoveriesAreNotEvents() throws {
        let line = { (t: Int, args: String) in "173246000\(t).000000 [0 10.0.0.1:40000] \(args)\n" }
        let trace = line(0, "\"EVAL\" \(quoted(a)) \"0\"") + line(1, "\"EVALSHA\" \"\(sha1Hex(b))\" \"0\"")
            + line(1, "\"EVAL\" \(quoted(b)) \"0\"") + line(2, "\"EVAL\" \(quoted(a)) \"0\"")
        let report = try replay(trace, policies: ["unbounded"], warmup: .events(2))
        #expect(report.summary.foldedRecoveriesEval == 1)
        #expect(report.summary.replayEvents == 3 && report.summary.warmupEvents == 2)
        #expect(report.policies[0].requests == 1 && report.policies[0].evalHits == 1)
    }

    @Test func warmupSecondsNeedsTimestamps() throws {
        let error = #expect(throws: TraceError.self) {
            try replay(eval(a) + eval(b), policies: ["unbounded"], warmup: .seconds(1))
        }
        #expect(error?.kind == .malformed && error?.line == 1)
        #expect(error?.message == "--warmup-seconds needs trace timestamps (MONITOR form), and the first script command has none")
        // A warm-up in events needs none.
        #expect(try replay(eval(a) + eval(b), policies: ["unbounded"], warmup: .events(1)).summary.warmupEvents == 1)
    }
}
