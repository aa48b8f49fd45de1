import Foundation
import Testing
@testable import ScriptSim

/// `scriptsim analyze`: the summary worked out by hand, the templates the
/// generator wrote found and never mixed, and the what-if against a replay
/// of the trace the application would send after the rewrite.
@Suite struct TraceAnalyzerTests {
    func analyze(_ text: String, policy: String = "eval-lru") throws -> AnalyzeReport {
        try TraceAnalyzer(options: AnalyzeOptions(policy: policy)).analyze(path: try writeTrace(text))
    }

    func eval(_ body: String, _ args: String = "0") -> String { "EVAL \(quoted(body)) \(args)\n" }

    @Test func summaryWorkedByHand() throws {
        // a b a c b | FLUSH | a: reuses of a (b between: 1) and b (a, c between: 2); a after the flush is new.
        let a = "return 1", b = "return 'bb'", c = "return {}"
        let r = try analyze(eval(a) + eval(b) + eval(a) + eval(c) + eval(b) + "SCRIPT FLUSH\n" + eval(a))
        #expect(r.summary[.eval] == 6)
        #expect(r.summary[.scriptFlush] == 1)
        #expect(r.distinctEvalBodies == 3)
        #expect(r.evalBodiesCalledOnce == 1)   // c
        #expect(r.reuseDistance.count == 2)
        #expect(r.reuseDistance.min == 1 && r.reuseDistance.p50 == 1 && r.reuseDistance.p90 == 2 && r.reuseDistance.max == 2)
        #expect(r.bodyBytes.min == 8 && r.bodyBytes.max == 11 && r.bodyBytes.count == 3)
        #expect(r.templates.isEmpty)   // three different programs
    }

    @Test func evalshaCallsCountInReuseDistance() throws {
        // EVAL a, EVALSHA b (known), EVAL a: one script called in between.
        let a = "return 1", b = "return 2 + 2"
        let text = "SCRIPT LOAD \(quoted(b))\n" + eval(a) + "EVALSHA \(sha1Hex(b)) 0\n" + eval(a)
        let r = try analyze(text)
        #expect(r.reuseDistance.count == 1 && r.reuseDistance.p50 == 1)
    }

    @Test func connectionsOfAMonitorCapture() throws {
        func line(_ t: Double, _ client: String, _ body: String) -> String {
            "\(t) [0 \(client)] \"EVAL\" \(quoted(body)) \"0\"\n"
        }
        let text = line(1.0, "10.0.0.1:5000", "return 1") + line(1.1, "10.0.0.2:5001", "return 2")
            + line(1.2, "10.0.0.1:5000", "return 3") + line(1.3, "10.0.0.1:5000", "return 1")
        let r = try analyze(text)
        #expect(r.connectionCount == 2)
        #expect(r.connections.map(\.connection) == ["10.0.0.1:5000", "10.0.0.2:5001"])
        #expect(r.connections.map(\.events) == [3, 1])
        #expect(r.connections.map(\.distinctScripts) == [2, 1])
    }

    @Test func templatesFigures() throws {
        // One program with a varying key name and value, one call each; another program alone.
        var text = ""
        for i in 0..<4 { text += eval("return redis.call('SET', 'user:\(i)', \(i * 10))") }
        text += eval("return redis.call('SET', 'user:0', 0)")   // a repeat: calls 5, bodies 4
        text += eval("return 'other'")
        let r = try analyze(text)
        let t = try #require(r.templates.first)
        #expect(r.templates.count == 1)
        #expect(t.distinctBodies == 4 && t.calls == 5 && t.evalBodies == 4)
        #expect(t.shareOfEvalBodies == 4.0 / 5.0)
        #expect(t.varyingLiterals.map(\.values) == [4, 4])
        #expect(t.varyingLiterals.map(\.passedAs) == ["KEYS[1]", "ARGV[1]"])
        #expect(t.rewrite == "return redis.call('SET', KEYS[1], tonumber(ARGV[1]))")
        #expect(t.examples == ["return redis.call('SET', 'user:0', 0)", "return redis.call('SET', 'user:1', 10)"])
        // Script bytes as Redis 7.4 counts each entry; VM bytes measured, so only positive.
        let expectedScriptBytes = (0..<4).map { i in
            redis74Memory.entryBytes(length: "return redis.call('SET', 'user:\(i)', \(i * 10))".utf8.count)
        }.reduce(0, +)
        #expect(t.scriptBytes == expectedScriptBytes)
        #expect(t.vmBytes > 0)
    }

    @Test func bodiesThatDoNotCompileAreSetApart() throws {
        let r = try analyze(eval("return 1 +") + eval("return 2 +") + eval("#!lua flags=bogus\nreturn 1") + eval("return 'x"))
        #expect(r.templates.isEmpty)
        #expect(r.compileFailures.count == 4)
        #expect(r.compileFailures.examples.count == 4)
    }

    /// The what-if equals a replay of the trace the application would send:
    /// each template's calls as one parameterised body.
    @Test func whatIfEqualsTheParameterisedTrace() throws {
        var rng = SeededRandom(seed: 7)
        var inlined = "", parameterised = ""
        for _ in 0..<3000 {
            let n = rng.below(1000), k = rng.below(40)
            switch rng.below(3) {
            case 0:
                inlined += eval("return redis.call('INCRBY', KEYS[1], \(n))", "1 counter")
                parameterised += eval("return redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))", "1 counter \(n)")
            case 1:
                inlined += eval("return redis.call('GET', 'item:\(n)')")
                parameterised += eval("return redis.call('GET', KEYS[1])", "1 item:\(n)")
            default:
                // 40 reusable scripts, sent as they are.
                inlined += eval("-- reusable \(k)\nreturn \(k)")
                parameterised += eval("-- reusable \(k)\nreturn \(k)")
            }
        }
        for policy in ["eval-lru:entries=20", "eval-lru"] {
            let r = try analyze(inlined, policy: policy)
            let replayed = try replayOne(parameterised, policy: policy)
            #expect(r.templates.count == 2)
            #expect(r.whatIf.parameterised.hitRate == replayed.hitRate)
            #expect(r.whatIf.parameterised.evictions == replayed.evictions)
            #expect(r.whatIf.parameterised.compiles == replayed.compiles)
            let asSent = try replayOne(inlined, policy: policy)
            #expect(r.whatIf.asSent.hitRate == asSent.hitRate && r.whatIf.asSent.evictions == asSent.evictions)
        }
    }
}
