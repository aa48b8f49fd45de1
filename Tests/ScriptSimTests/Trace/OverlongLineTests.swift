#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import ScriptSim

/// Issue #21 item 8: a line longer than `--max-body-bytes` is malformed
/// (docs/trace-format.md), so `--skip-invalid` skips it as it skips any other
/// malformed line: counted as invalid, reported FILE:LINE:COLUMN, the lines
/// after it numbered as before. It is dropped as it is read, never held whole,
/// and a serial read and a read in pieces agree. Before, it stopped the read
/// (exit 65) even under `--skip-invalid`; without the flag it still does.
@Suite struct OverlongLineTests {
    static let short = "EVAL \"return 1\" 0\n"
    static func long(_ bytes: Int) -> String { "EVAL \"" + String(repeating: "a", count: bytes - 9) + "\" 0" }
    static func message(_ path: String, line: Int, max: Int) -> String {
        "\(path):\(line):\(max + 1): line is longer than --max-body-bytes (\(max) bytes)"
    }

    /// What a read under `--skip-invalid` gives: the summary, the skipped lines, the commands' line numbers.
    func read(_ path: String, threads: Int, pieceBytes: Int = 1 << 20, max: Int) throws -> (TraceSummary, [String], [Int]) {
        var options = TraceReaderOptions(skipInvalid: true, maxLineBytes: max, parseThreads: threads)
        options.pieceBytes = pieceBytes
        let reader = try TraceReader(path: path, options: options)
        var skipped: [String] = []
        var lines: [Int] = []
        reader.onInvalidLine = { skipped.append($0.description) }
        try reader.forEachCommand { _ in lines.append(reader.lineNumber) }
        #expect(reader.readInPieces == (threads > 1), "\(path)")
        return (reader.summary, skipped, lines)
    }

    /// Over-long lines in the middle, last without a line end, after CRLF, two in a row:
    /// skipped and counted, the lines around them read, serially and in pieces of every size.
    @Test func overlongLinesAreSkippedLikeMalformedOnes() throws {
        let s = Self.short
        let cases: [(text: String, invalid: [Int], commands: [Int], unterminated: Bool)] = [
            (s + Self.long(2048) + "\n" + s, [2], [1, 3], false),
            (s + Self.long(2048), [2], [1], true),
            (s + Self.long(2048) + "\n", [2], [1], false),
            (s + Self.long(2048) + "\r\n" + s + Self.long(3000) + "\r\n" + s, [2, 4], [1, 3, 5], false),
            (s + Self.long(2048) + "\n" + Self.long(5000) + "\n" + s + Self.long(1500), [2, 3, 5], [1, 4], true),
            (Self.long(1025) + "\n" + s, [1], [2], false),
        ]
        for c in cases {
            let path = try ParallelReadTests.write(Array(c.text.utf8))
            let (summary, skipped, commands) = try read(path, threads: 1, max: 1024)
            #expect(skipped == c.invalid.map { Self.message(path, line: $0, max: 1024) })
            #expect(summary.invalid == c.invalid.count)
            #expect(summary.lines == c.invalid.count + c.commands.count)
            #expect(commands == c.commands)
            #expect(summary.scriptEvents == c.commands.count)
            #expect(summary.lastLineUnterminated == c.unterminated)
            // Pieces shorter than a line, pieces holding several: the very same read.
            let pieces = [8, 100, 1000, 1024, 1030, 2047, 2048, 2049, 4096]
            ParallelReadTests().expectSameReads(path, pieces: pieces, skipInvalid: true, maxLineBytes: 1024)
            for piece in pieces where c.text.utf8.count > piece {
                let parallel = try read(path, threads: 3, pieceBytes: piece, max: 1024)
                #expect(parallel.0 == summary && parallel.1 == skipped && parallel.2 == commands, "pieces of \(piece)")
            }
            // Without --skip-invalid the first one still stops the read, at the same place both ways.
            for threads in [1, 3] {
                var options = TraceReaderOptions(maxLineBytes: 1024, parseThreads: threads)
                options.pieceBytes = 100
                #expect(throws: TraceError(path: path, line: c.invalid[0], column: 1025,
                                           message: "line is longer than --max-body-bytes (1024 bytes)")) {
                    try TraceReader(path: path, options: options).forEachCommand { _ in }
                }
            }
        }
    }

    /// Lines of several MiB under a 64 KiB limit, spanning many read blocks and
    /// pieces: the serial reader's buffer and a piece's bytes stay near the
    /// limit plus one block (a line held whole would take 8 MiB).
    @Test func aSkippedLineIsNotHeld() throws {
        let max = 64 << 10
        let text = Self.short + Self.long(8 << 20) + "\n" + Self.short + Self.long(3 << 20)
        let path = try ParallelReadTests.write(Array(text.utf8))
        let source = try LineSource(path: path, maxLineBytes: max)
        var got: [String] = []
        while let line = try source.nextLine({ "line \(source.lineNumber) \($0.count)" }, overlong: { "overlong \(source.lineNumber)" }) {
            got.append(line)
            #expect(source.bufferCapacity <= 2 << 20, "\(line)")
        }
        #expect(got == ["line 1 17", "overlong 2", "line 3 17", "overlong 4"])
        #expect(source.bytesConsumed == Int64(text.utf8.count))
        #expect(source.lastLineUnterminated)

        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { _ = close(fd) }
        var pieces = PieceSource(fd: fd, prefix: [], pieceBytes: 16 << 10, maxLineBytes: max, skipsOverlong: true)
        defer { pieces.deallocate() }
        var raw = ByteBuffer(capacity: 1 << 12)
        defer { raw.deallocate() }
        var ends: [String] = []
        var bytes: Int64 = 0
        while true {
            let end = pieces.next(into: &raw)
            #expect(raw.capacity <= 4 * max, "\(end)")
            if case .skipped(let n, _) = end { bytes += n } else { bytes += Int64(raw.count) }
            ends.append("\(end)")
            if end.isLast { break }
        }
        #expect(ends == ["lines", "skipped(bytes: \((8 << 20) + 1), terminated: true)", "lines",
                         "skipped(bytes: \(3 << 20), terminated: false)"])
        #expect(bytes == Int64(text.utf8.count))
    }

    /// Through the command line, serially and in pieces (the file is larger
    /// than a piece): exit 0, the events and the invalid count, each skipped
    /// line on stderr as other malformed lines are; without the flag, exit 65.
    @Test(arguments: [["--parse-threads", "1"], [], ["--parse-threads", "3"]])
    func replaySkipsThemWithSkipInvalid(threads: [String]) throws {
        let small = Self.short + Self.long(2048) + "\n" + "EVAL \"return 2\" 0\n"
        let big = String(repeating: Self.short, count: 3) + Self.long(5 << 19) + "\n" + String(repeating: Self.short, count: 3)
            + Self.long(3 << 19)
        for (text, events, invalid) in [(small, 2, [2]), (big, 6, [4, 8])] {
            let path = try writeTrace(text)
            let cli = CommandLineTests()
            let r = try cli.run(["replay", path, "--max-body-bytes", "1KiB", "--skip-invalid", "--format", "json"] + threads)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("\"script_events\": \(events),"), "\(r.stdout)")
            #expect(r.stdout.contains("\"invalid\": \(invalid.count),"))
            let notes = invalid.map { Self.message(path, line: $0, max: 1024) + " (skipped)\n" }.joined()
            let cut = text == big ? "\(path):8: warning: the last line has no line end; if the trace was cut, its last command may be incomplete\n" : ""
            #expect(r.stderr == notes + cut)
            let strict = try cli.run(["replay", path, "--max-body-bytes", "1KiB"] + threads)
            #expect(strict.status == 65)
            #expect(strict.stderr == Self.message(path, line: invalid[0], max: 1024) + "\n")
        }
    }
}
