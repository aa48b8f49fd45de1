import Foundation
import Testing
@testable import ScriptSim

@Suite struct ReportRendererTests {
    func sample() -> [TraceReport] {
        var s = TraceSummary()
        s.lines = 3
        s[.eval] = 2
        var p = PolicyResult(policy: "eval-lru:entries=500")
        p.evalHits = 1
        p.evalMisses = 1
        p.compileSeconds = 0.25
        p.vmBytes = 6000
        p.compileErrorExamples = [CompileErrorExample(sha: "ab", message: "line \"1\"\n")]
        return [TraceReport(path: "a,b.trace", summary: s, policies: [p])]
    }

    @Test func jsonParsesAndKeepsOrder() throws {
        let text = ReportRenderer(format: .json).render(sample())
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let p = ((json["traces"] as! [[String: Any]])[0]["policies"] as! [[String: Any]])[0]
        #expect(p["hit_rate"] as? Double == 0.5)
        #expect(p["compile_seconds"] as? Double == 0.25)
        #expect(p["vm_bytes"] as? Int == 6000)
        #expect(text.range(of: "\"policy\"")!.lowerBound < text.range(of: "\"eval_hits\"")!.lowerBound)
    }

    @Test func csvQuotesFieldsThatNeedIt() {
        let text = ReportRenderer(format: .csv).render(sample())
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[1].hasPrefix("\"a,b.trace\",3,2,0,0,0,0,eval-lru:entries=500,2,1,1,"))
        #expect(lines[0].split(separator: ",").count == lines[1].split(separator: ",").count - 1)
    }

    @Test func humanBytes() {
        #expect(ReportRenderer.bytes(512) == "512 B")
        #expect(ReportRenderer.bytes(1536) == "1.50 KiB")
        #expect(ReportRenderer.bytes(10 * 1024 * 1024) == "10.0 MiB")
        #expect(ReportRenderer.bytes(300 * 1024) == "300 KiB")
    }

    @Test func tableAlignsColumns() {
        let text = ReportRenderer(format: .table, wide: true).render(sample())
        #expect(text.contains("hit rate\n"))
        #expect(text.contains("0.5000"))
        #expect(text.contains("5.86 KiB"))
        #expect(text.contains("flush and allocator"))
    }

    @Test func theDefaultTableFitsATerminal() {
        let text = ReportRenderer(format: .table).render(sample())
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 100 })
        #expect(text.contains("0.5000") && text.contains("--wide"))
        #expect(!text.contains("flush and allocator"))
    }
}

@Suite struct TimelineTests {
    @Test func timelineHasOneRowPerSampleAndPolicy() throws {
        let trace = (0..<1000).map { "1732460000.\(String(format: "%06d", $0)) \"EVAL\" \"return \($0 % 300)\" \"0\"\n" }.joined()
        let path = try writeTrace(trace)
        let out = path + ".timeline.csv"
        let replayer = try Replayer(policies: ["unbounded", "eval-lru:entries=100"],
                                    options: ReplayOptions(batchSize: 64, timeline: TimelineOptions(path: out, sampleEvery: 100)))
        _ = try replayer.replay(path: path)
        #expect(!FileManager.default.fileExists(atPath: out), "the timeline appears only when committed")
        try replayer.commitOutputs()
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines[0] == "event,timestamp,policy,allocator,vm_bytes,script_bytes,cached_scripts,allocator_active,allocator_resident,"
                + "interval_requests,interval_hit_rate,interval_noscript,interval_evictions,interval_compiles,allocator_read_event,engine,client,server")
        #expect(lines.count == 1 + 10 * 2)
        #expect(lines[1].hasPrefix("100,1732460000.000099,unbounded,arena,"))
        #expect(lines[2].hasPrefix("100,1732460000.000099,eval-lru:entries=100,arena,"))
        let last = lines[20].split(separator: ",")
        #expect(last[0] == "1000")
        #expect(last[6] == "100", "eval-lru holds 100 scripts at the end")
    }

    @Test func aFailedWriteLeavesNoTimeline() throws {
        let path = try writeTrace("EVAL \"return 1\" 0\n")
        let r = try CommandLineTests().run(["replay", path, "--timeline", "/dev/full"])
        #expect(r.status == 74)
        #expect(r.stderr == "/dev/full: cannot write the timeline: No space left on device\n")
        #expect(r.stdout.isEmpty)
        // A bad trace with a regular file: no file appears, complete or partial.
        let bad = try writeTrace("EVAL \"return 1\" 0\nEVAL x\n")
        let out = bad + ".csv"
        let r2 = try CommandLineTests().run(["replay", bad, "--timeline", out])
        #expect(r2.status == 65)
        #expect(!FileManager.default.fileExists(atPath: out))
        let dir = (out as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.contains("partial") })
    }
}
