import Foundation
import Testing
@testable import ScriptSim

/// A plain trace file is parsed in pieces on several threads (PieceParserPool)
/// while the reading thread takes the lines in order. Whatever the piece size
/// and thread count, the reader must hand out exactly what a serial read hands
/// out: the same commands with the same bytes, line numbers and offsets, the
/// same counts, the same skipped lines, and the same first error.
@Suite struct ParallelReadTests {
    /// Everything a read hands out, in order, as text (bytes in base64).
    static func transcript(_ path: String, threads: Int, pieceBytes: Int = 1 << 20, skipInvalid: Bool = false,
                           maxLineBytes: Int = 512 << 20) -> String {
        var options = TraceReaderOptions(skipInvalid: skipInvalid, maxLineBytes: maxLineBytes, parseThreads: threads)
        options.pieceBytes = pieceBytes
        options.payloadDigests = true
        func b64(_ b: UnsafeBufferPointer<UInt8>) -> String { Data(b).base64EncodedString() }
        var out = ""
        do {
            let reader = try TraceReader(path: path, options: options)
            reader.onInvalidLine = { out += "invalid \($0)\n" }
            try reader.forEachCommand({ c in
                out += "\(reader.lineNumber) \(reader.bytesConsumed) \(c.kind) \(b64(c.payload)) \(c.flushMode) \(c.existsCount) "
                out += "\(c.timestamp.map { "\($0)" } ?? "-") \(b64(c.connection)) ["
                for i in 0..<c.argumentCount { out += b64(c.argument(i)) + "," }
                out += "]\n"
                // A digest worked out ahead (parallel reads) must be the payload's own.
                switch (c.digest, PayloadDigest(c.kind, c.payload)) {
                case (.none, _): break
                case (.body(let h), .body(let own)) where h == own: break
                case (.sha(let k), .sha(let own)) where k == own: break
                default: out += "wrong digest\n"
                }
            }, other: { c in
                out += "\(reader.lineNumber) \(reader.bytesConsumed) other \(c.kind) \(b64(c.connection)) "
                out += "\(c.timestamp.map { "\($0)" } ?? "-") \(b64(c.argument))\n"
            })
            out += "end \(reader.lineNumber) \(reader.bytesConsumed) \(reader.summary)\n"
            // A comparison with a serial read proves nothing unless this one went in pieces.
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            #expect(reader.readInPieces == (threads > 1 && size > pieceBytes), "\(path) at \(pieceBytes)")
        } catch {
            out += "error \(error)\n"
        }
        return out
    }

    static func write(_ bytes: [UInt8]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scriptsim-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("pieces.trace")
        try Data(bytes).write(to: url)
        return url.path
    }

    /// `path` read serially and in pieces of every size given, on three threads.
    func expectSameReads(_ path: String, pieces: [Int], skipInvalid: Bool = false, maxLineBytes: Int = 512 << 20,
                         sourceLocation: SourceLocation = #_sourceLocation) {
        let serial = Self.transcript(path, threads: 1, skipInvalid: skipInvalid, maxLineBytes: maxLineBytes)
        for piece in pieces {
            let parallel = Self.transcript(path, threads: 3, pieceBytes: piece, skipInvalid: skipInvalid, maxLineBytes: maxLineBytes)
            #expect(parallel == serial, "pieces of \(piece) bytes, \(path)", sourceLocation: sourceLocation)
        }
    }

    @Test func shippedTracesReadTheSameInPieces() throws {
        let traces = InterningTests.shippedTraces
        #expect(traces.count >= 10)
        for path in traces { expectSameReads(path, pieces: [40, 4096, 65536]) }
    }

    @Test func lineEndsMarksAndEmptyLinesReadTheSame() throws {
        let text = "\u{FEFF}EVAL \"return 1\" 0\r\n\r\n# comment\n   \nSCRIPT LOAD \"return 2\"\r\n"
            + "1700000000.000001 [0 127.0.0.1:5000] \"EVALSHA\" \"e0e1f9fabfc9d4800c877a703b823ac0578ff831\" \"0\"\n"
            + "1700000000.000002 [0 lua] \"GET\" \"k\"\n"
            + "1700000000.000003 [0 [::1]:6000] \"CLIENT\" \"SETINFO\" \"LIB-NAME\" \"redis-py\"\n"
            // A byte-order mark is dropped before the file's first line only, not before a piece's.
            + "\u{FEFF}EVAL \"not the first line\" 0\n"
            + "MULTI\nEVAL 'return \\'x\\'' 1 k a\nEXEC\nSCRIPT FLUSH ASYNC\nSCRIPT EXISTS a b\nEVAL \"x\\x41\\n\" 0\r"
        let path = try Self.write(Array(text.utf8))
        expectSameReads(path, pieces: Array(1...24) + [100, 1000])
        #expect(Self.transcript(path, threads: 3, pieceBytes: 7).contains("lastLineUnterminated: true"))
    }

    @Test func theFirstErrorIsTheSerialOne() throws {
        let good = (0..<30).map { "EVAL \"return \($0)\" 0\n" }.joined()
        for bad in ["EVAL \"unterminated 0\n", "EVAL \"x\" 2 k\n", "SCRIPT FLUSH NOW\n", "12x EVAL \"a\" 0\n", "EVAL \"a\\q\" 0\n"] {
            let path = try Self.write(Array((good + bad + good + bad + good).utf8))
            expectSameReads(path, pieces: [16, 50, 333])
            expectSameReads(path, pieces: [16, 50, 333], skipInvalid: true)
            #expect(Self.transcript(path, threads: 3, pieceBytes: 50).contains("error \(path):31:"))
        }
    }

    @Test func tooLongLinesStopWhereASerialReadStops() throws {
        let long = "EVAL \"" + String(repeating: "a", count: 300) + "\" 0"
        let short = "EVAL \"return 1\" 0\n"
        for text in [short + long + "\n" + short, short + long, short + long + "\r\n", String(repeating: short, count: 9) + long] {
            let path = try Self.write(Array(text.utf8))
            // Pieces shorter than the line, and pieces holding it whole.
            for max in [40, 306, 307, 308, 309] {
                expectSameReads(path, pieces: [8, 64, 1000], maxLineBytes: max)
                expectSameReads(path, pieces: [8, 64, 1000], skipInvalid: true, maxLineBytes: max)
            }
        }
    }

    /// The caller stops part-way (a replay that failed): the workers stop too
    /// (the test would hang otherwise), at the first piece, in the middle, near the end.
    @Test func aConsumerThatStopsStopsTheWorkers() throws {
        struct Stop: Error {}
        let path = InterningTests.workloads.appendingPathComponent("mixed.trace").path
        var options = TraceReaderOptions(parseThreads: 2)
        options.pieceBytes = 4096
        for limit in [1, 500, 11_999] {
            var seen = 0
            #expect(throws: Stop.self) {
                try TraceReader(path: path, options: options).forEachCommand { _ in
                    seen += 1
                    if seen == limit { throw Stop() }
                }
            }
            #expect(seen == limit)
        }
    }

    /// Random lines of a small grammar, valid and not, cut into random pieces.
    @Test func randomTracesReadTheSameInRandomPieces() throws {
        var rng = SeededRandom(seed: 2026)
        let parts = ["EVAL", "EVALSHA", "SCRIPT", "LOAD", "FLUSH", "0", "1", "k", "\"a b\"", "'c\\'d'", "\"\\x4", "\"e\\nf\"",
                     "1700000000.5", "[0", "127.0.0.1:1]", "lua]", "MULTI", "EXEC", "\r", "#", "\"", "\u{FEFF}", "  ", "GET"]
        for round in 0..<40 {
            var text = ""
            for _ in 0..<rng.below(60) {
                for _ in 0..<(1 + rng.below(6)) { text += parts[rng.below(parts.count)] + " " }
                text += rng.below(8) == 0 ? "\r\n" : "\n"
            }
            if rng.below(2) == 0 { text += "EVAL \"tail\" 0" }
            let path = try Self.write(Array(text.utf8))
            let pieces = [1 + rng.below(40), 1 + rng.below(400)]
            expectSameReads(path, pieces: pieces, skipInvalid: round % 2 == 0, maxLineBytes: round % 3 == 0 ? 30 : 512 << 20)
        }
    }

    /// A replay parsed in pieces reports what a serial replay reports (and
    /// analyze, which also watches every command as read).
    @Test func replaysAndAnalysesAreTheSameInPieces() throws {
        for name in ["monitor-mixed.trace", "eval-storm.trace"] {
            let path = InterningTests.workloads.appendingPathComponent(name).path
            var reports: [String] = []
            var analyses: [String] = []
            for threads in [1, 2] {
                var options = ReplayOptions(reader: TraceReaderOptions(parseThreads: threads))
                options.reader.pieceBytes = 10_000
                options.flush = FlushOptions(mode: .sync)
                var report = try Replayer(policies: [], options: options).replay(path: path)
                report.policies = report.policies.map(withoutTimes)
                reports.append(ReportRenderer(format: .json).render([report]))
                let analysis = try TraceAnalyzer(options: AnalyzeOptions(replay: options)).analyze(path: path)
                // Its what-if replays carry their timings: those lines aside.
                let json = AnalyzeRenderer(format: .json).render([analysis]).split(separator: "\n")
                analyses.append(json.filter { !$0.contains("_seconds\"") && !$0.contains("events_per_second") }.joined(separator: "\n"))
            }
            #expect(reports[0] == reports[1], "\(name)")
            #expect(analyses[0] == analyses[1], "\(name)")
        }
    }
}
