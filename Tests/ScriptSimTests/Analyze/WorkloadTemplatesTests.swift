import Foundation
import Testing
@testable import ScriptSim

/// analyze on the shipped workloads finds exactly the templates the generator
/// wrote: for each reusable script, the bodies it sent with a value written in
/// (`WorkloadGenerator.inlined`) — checked against the generator's own scripts
/// and knobs (workloads/README.md), never by reading analyze's output back.
@Suite struct WorkloadTemplatesTests {
    static let workloads = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("workloads")

    struct Case {
        var file: String
        var options: GeneratorOptions
    }

    static var cases: [Case] {
        var storm = GeneratorOptions()
        (storm.events, storm.scripts, storm.zipf, storm.evalShare, storm.inlineShare, storm.bodyBytes, storm.seed) =
            (9000, 80, 0.9, 1, 0.6, 100...180, 1)
        var monitor = GeneratorOptions()
        (monitor.events, monitor.scripts, monitor.evalShare, monitor.inlineShare, monitor.bodyBytes, monitor.seed) =
            (5000, 60, 0.5, 0.3, 100...250, 4)
        (monitor.monitor, monitor.captureNoise) = (true, 0.2)
        return [Case(file: "eval-storm.trace", options: storm), Case(file: "monitor-mixed.trace", options: monitor)]
    }

    @Test(arguments: cases.map(\.file))
    func findsTheGeneratorsTemplates(file: String) throws {
        let options = try #require(Self.cases.first { $0.file == file }).options
        let path = Self.workloads.appendingPathComponent(file).path
        // The shipped file is what these knobs write.
        let generator = WorkloadGenerator(options: options)
        var written = ""
        generator.generate { written += $0 }
        #expect(written == (try String(contentsOfFile: path, encoding: .utf8)))

        // Ground truth: every EVAL body is a reusable script or one with a value written in.
        let value = try Regex(#"local arg = '(v[0-9]+)'"#)
        var inlinedBodies: [Int: Set<String>] = [:]
        var evalCalls = 0, inlinedCalls = 0
        let reader = try TraceReader(path: path)
        try reader.forEachCommand { command in
            guard command.kind == .eval else { return }
            evalCalls += 1
            let body = String(decoding: command.payload, as: UTF8.self)
            if generator.scripts.contains(body) { return }
            let match = try #require(body.firstMatch(of: value)?.output[1].substring)
            let index = try #require(generator.scripts.firstIndex { WorkloadGenerator.inlined($0, value: String(match)) == body })
            inlinedBodies[index, default: []].insert(body)
            inlinedCalls += 1
        }
        // The knob: about inlineShare of the EVALs carry a value (within four standard deviations).
        let p = options.inlineShare, sd = (Double(evalCalls) * p * (1 - p)).squareRoot()
        #expect(abs(Double(inlinedCalls) - Double(evalCalls) * p) < 4 * sd)

        let report = try TraceAnalyzer().analyze(path: path)
        let expected = inlinedBodies.filter { $0.value.count >= 2 }
        #expect(report.templates.count == expected.count)
        #expect(report.templatedBodies == expected.values.reduce(0) { $0 + $1.count })
        for t in report.templates {
            // Both examples come from one reusable script, and the template holds all of its inlined bodies.
            let owners = t.examples.map { e in expected.first { $0.value.contains(e) }?.key }
            #expect(owners.count == 2 && owners[0] != nil && owners[0] == owners[1], "template mixes programs: \(t.template)")
            if let owner = owners[0] { #expect(t.distinctBodies == expected[owner]?.count) }
            #expect(t.varyingLiterals.count == 1 && t.varyingLiterals[0].kind == .string)
            #expect(t.rewrite.contains("local arg = ARGV["))
        }
        #expect(report.compileFailures.count == 0 && report.untokenized.count == 0)
    }
}
