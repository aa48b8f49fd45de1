import Foundation
import Testing
@testable import ScriptSim

@Suite struct TraceReaderTests {
    struct Seen: Equatable {
        var kind: TraceCommandKind
        var payload: String
        var timestamp: Double?
    }

    func read(_ text: String, skipInvalid: Bool = false) throws -> (commands: [Seen], summary: TraceSummary) {
        let reader = try TraceReader(path: try writeTrace(text), options: TraceReaderOptions(skipInvalid: skipInvalid))
        var seen: [Seen] = []
        try reader.forEachCommand { c in
            seen.append(Seen(kind: c.kind, payload: String(decoding: c.payload, as: UTF8.self), timestamp: c.timestamp))
        }
        return (seen, reader.summary)
    }

    func failure(_ text: String) throws -> TraceError {
        do {
            _ = try read(text)
        } catch let e as TraceError {
            return e
        }
        Issue.record("expected a TraceError")
        return TraceError(path: "", line: 0, column: 0, message: "")
    }

    /// Issue #21 item 9: MONITOR prints a Unix socket's path unescaped, blanks and all.
    @Test func unixSocketPathsWithBlanksAreOneClient() throws {
        let reader = try TraceReader(path: try writeTrace("""
            1732460000.1 [0 unix:/var/run/redis with space.sock] "EVAL" "return 1" "0"
            1732460000.2 [0 unix:/run/a]b c.sock] "GET" "k"
            1732460000.3 [0 unix:/run/plain.sock] "EVAL" "return 2" "0"
            1732460000.4 [1 unix:/tmp/x y] EVAL "return 3" 0
            """), options: TraceReaderOptions())
        var clients: [String] = []
        var payloads: [String] = []
        try reader.forEachCommand(
            { c in
                clients.append(String(decoding: c.connection, as: UTF8.self))
                payloads.append(String(decoding: c.payload, as: UTF8.self))
            },
            other: { c in clients.append(String(decoding: c.connection, as: UTF8.self)) })
        #expect(clients == ["unix:/var/run/redis with space.sock", "unix:/run/a]b c.sock",
                            "unix:/run/plain.sock", "unix:/tmp/x y"])
        #expect(payloads == ["return 1", "return 2", "return 3"])
        #expect(reader.summary.invalid == 0)
    }

    @Test func monitorPrefixIsStripped() throws {
        let (seen, summary) = try read("""
            1732460000.123456 [0 127.0.0.1:53422] "EVAL" "return 1" "0"
            1732460000.200000 [3 [::1]:6379] "evalsha" "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB" "0"
            1732460001 [0 unix:/tmp/redis.sock] "SCRIPT" "LOAD" "return 2"
            1732460002.5 "SCRIPT" "FLUSH" "ASYNC"
            1732460003.000001 [0 lua] "GET" "k"
            1732460004.000001 [0 127.0.0.1:53422] "GET" "k"
            """)
        #expect(seen == [
            Seen(kind: .eval, payload: "return 1", timestamp: 1732460000.123456),
            Seen(kind: .evalsha, payload: "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", timestamp: 1732460000.2),
            Seen(kind: .scriptLoad, payload: "return 2", timestamp: 1732460001),
            Seen(kind: .scriptFlush, payload: "FLUSH", timestamp: 1732460002.5),
        ])
        #expect(summary.skippedScriptInternal == 1)
        #expect(summary.skippedOther == 1)
        #expect(summary.firstTimestamp == 1732460000.123456)
        #expect(summary.lastTimestamp == 1732460002.5)
    }

    @Test func crlfBlankAndCommentLines() throws {
        let (seen, summary) = try read("# header\r\n\r\nEVAL \"return 1\" 0\r\n   \r\n  # indented comment\nEVAL_RO 'return 2' 0")
        #expect(seen.map(\.payload) == ["return 1", "return 2"])
        #expect(seen.map(\.kind) == [.eval, .evalReadOnly])
        #expect(summary.lines == 6)
        #expect(summary.scriptEvents == 2)
    }

    @Test func commandsAreCaseInsensitiveAndClassified() throws {
        let (seen, summary) = try read("""
            eval "return 1" 2 k1 k2 a1
            Evalsha_Ro 0123456789abcdef0123456789abcdef01234567 0
            script load "return 3"
            script flush sync
            SCRIPT FLUSH
            SCRIPT EXISTS a b c
            SCRIPT KILL
            SET k v
            """)
        #expect(seen.map(\.kind) == [.eval, .evalshaReadOnly, .scriptLoad, .scriptFlush, .scriptFlush, .scriptExists])
        #expect(summary.skippedOther == 2)
        #expect(summary[.scriptExists] == 1)
    }

    @Test func flushModes() throws {
        var modes: [FlushMode] = []
        let reader = try TraceReader(path: try writeTrace("SCRIPT FLUSH\nSCRIPT FLUSH SYNC\nSCRIPT FLUSH async\n"))
        try reader.forEachCommand { modes.append($0.flushMode) }
        #expect(modes == [.unspecified, .sync, .async])
    }

    @Test func bodiesKeepEveryByte() throws {
        let (seen, _) = try read(#"EVAL "a\x00b\nc" 0"#)
        #expect(Array(seen[0].payload.utf8) == [0x61, 0x00, 0x62, 0x0A, 0x63])
    }

    /// Each malformed-line error with its exact line and column.
    @Test(arguments: [
        (#"EVAL "return 1"#, 6, "unterminated double-quoted argument"),
        ("EVAL 'return 1", 6, "unterminated single-quoted argument"),
        (#"EVAL "a\qb" 0"#, 8, "invalid escape '\\q' in double-quoted argument"),
        (#"EVAL "\x4" 0"#, 7, "invalid \\x escape: expected two hex digits"),
        (#"EVAL "a"b 0"#, 9, "closing quote must be followed by a space"),
        (#"EVAL "return 1""#, 16, "EVAL needs numkeys after the script"),
        ("EVAL", 5, "EVAL needs a script and numkeys"),
        (#"EVAL "return 1" x"#, 17, "numkeys is not an integer: 'x'"),
        (#"EVAL "return 1" 1.5"#, 17, "numkeys is not an integer: '1.5'"),
        (#"EVAL "return 1" 2 k"#, 17, "numkeys is 2 but only 1 argument follows"),
        (#"EVAL_RO "return 1" 1"#, 20, "numkeys is 1 but only 0 arguments follow"),
        (#"EVAL "return 1" -1"#, 17, "numkeys can't be negative: -1"),
        ("EVALSHA abc", 12, "EVALSHA needs numkeys after the SHA1"),
        ("EVALSHA 0123456789abcdef0123456789abcdef0123456g x", 50, "numkeys is not an integer: 'x'"),
        ("EVALSHA 0123456789abcdef0123456789abcdef01234567", 49, "EVALSHA needs numkeys after the SHA1"),
        ("SCRIPT LOAD", 12, "SCRIPT LOAD takes exactly one script body, got 0 arguments"),
        ("SCRIPT LOAD a b", 15, "SCRIPT LOAD takes exactly one script body, got 2 arguments"),
        ("SCRIPT FLUSH LATER", 14, "SCRIPT FLUSH takes only ASYNC or SYNC, got 'LATER'"),
        ("SCRIPT", 7, "SCRIPT needs a subcommand"),
        ("SCRIPT EXISTS", 14, "SCRIPT EXISTS needs at least one SHA1"),
        (#"1732460000.5 [0 127.0.0.1:1 "EVAL" "return 1" "0""#, 14, "unterminated '[<db> <client>]' prefix"),
        (#"1732460000.5 [x 127.0.0.1:1] "EVAL" "return 1" "0""#, 15, "expected '[<db> <client>]' after the timestamp, as MONITOR prints it"),
        ("12ab EVAL x 0", 1, "a line must start with a command or a timestamp (digits with an optional fraction)"),
        ("1732460000.5", 13, "missing command after the timestamp"),
    ])
    func malformedLine(line: String, column: Int, message: String) throws {
        let error = try failure("EVAL \"return 0\" 0\n# comment\n\(line)\nEVAL \"return 9\" 0\n")
        #expect(error.kind == .malformed)
        #expect(error.line == 3)
        #expect(error.column == column)
        #expect(error.message == message)
        #expect(error.description.hasSuffix(":3:\(column): \(message)"))
    }

    @Test func skipInvalidCountsAndReports() throws {
        let reader = try TraceReader(path: try writeTrace("EVAL \"return 1\" 0\nEVAL \"bad\nEVAL \"return 2\" x\nEVAL \"return 3\" 0\n"),
                                     options: TraceReaderOptions(skipInvalid: true))
        var reported: [TraceError] = []
        reader.onInvalidLine = { reported.append($0) }
        var count = 0
        try reader.forEachCommand { _ in count += 1 }
        #expect(count == 2)
        #expect(reader.summary.invalid == 2)
        #expect(reported.map(\.line) == [2, 3])
    }

    @Test func missingFileIsUnreadable() {
        #expect(throws: TraceError.self) { try TraceReader(path: "/nonexistent/trace") }
        do {
            _ = try TraceReader(path: "/nonexistent/trace")
        } catch {
            #expect(error.kind == .unreadable)
            #expect(error.description.hasPrefix("/nonexistent/trace: cannot open trace: "))
        }
    }

    @Test func overlongLineIsAnError() throws {
        let body = String(repeating: "x", count: 5000)
        let reader = try TraceReader(path: try writeTrace("EVAL \"return 1\" 0\nEVAL \"\(body)\" 0\n"),
                                     options: TraceReaderOptions(maxLineBytes: 1000))
        #expect(throws: TraceError.self) { try reader.forEachCommand { _ in } }
    }

    @Test func lastLineWithoutNewline() throws {
        let (seen, _) = try read("EVAL \"return 1\" 0\nEVAL \"return 2\" 0")
        #expect(seen.count == 2)
    }

    @Test func linesLongerThanTheReadBlock() throws {
        let body = String(repeating: "a", count: 3 << 20)
        let (seen, _) = try read("EVAL \"return 1\" 0\nEVAL \"return '\(body)'\" 0\nEVAL \"return 2\" 0\n")
        #expect(seen.map(\.payload.count) == [8, (3 << 20) + 9, 8])
    }

    /// numkeys is read as Redis's string2ll reads it; the digit-by-digit reader
    /// agrees with the definition (Swift's own Int parser, with string2ll's
    /// refusals of '+', leading zeros and "-0") on edge cases and random strings.
    @Test func numkeysIsReadAsString2llReadsIt() {
        func reference(_ s: String) -> Int? {
            guard !s.isEmpty, s.utf8.count <= 20 else { return nil }
            if s.hasPrefix("+") || (s.count > 1 && (s.hasPrefix("0") || s.hasPrefix("-0"))) { return nil }
            return Int(s)
        }
        var cases = ["0", "-0", "00", "01", "-01", "1", "-1", "+1", "-", "", " 1", "1 ", "1a", "9223372036854775807",
                     "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "99999999999999999999",
                     "-9999999999999999999", "123456789012345678901", "1-", "--1", "0x10"]
        var rng = SeededRandom(seed: 7)
        let alphabet = Array("0123456789-+ a")
        for _ in 0..<20_000 {
            cases.append(String((0..<rng.below(22)).map { _ in alphabet[rng.below(alphabet.count)] }))
        }
        for c in cases {
            let bytes = Array(c.utf8)
            #expect(bytes.withUnsafeBufferPointer { TraceLineParser.integer($0) } == reference(c), "\(c)")
        }
    }
}

@Suite struct GzipInputTests {
    func gzip(_ text: String) throws -> Data {
        let src = try writeTrace(text)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-c", src]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data
    }

    func trace(_ n: Int) -> String { (0..<n).map { "EVAL \"return \($0 % 97) .. '\(String(repeating: "x", count: $0 % 50))'\" 0\n" }.joined() }

    @Test func gzipFilesReadLikePlainOnes() throws {
        let text = trace(20_000)
        let path = try writeTrace(text) + ".gz"
        try gzip(text).write(to: URL(fileURLWithPath: path))
        let plain = try replayOne(text, policy: "eval-lru:entries=10")
        let packed = try Replayer(policies: ["eval-lru:entries=10"]).replay(path: path).policies[0]
        #expect(withoutTimes(plain) == withoutTimes(packed))
    }

    @Test func truncatedOrCorruptGzipIsAnError() throws {
        let data = try gzip(trace(20_000))
        let path = try writeTrace("") + ".gz"
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Replayer(policies: ["unbounded"]).replay(path: path)
            Issue.record("a truncated gzip stream was read as a shorter trace")
        } catch let e as TraceError {
            #expect(e.kind == .io)
            #expect(e.message == "cannot decompress the trace: unexpected end of file (truncated or corrupt gzip stream)")
        }
        // On standard input too, through the command line: one line, status 74, nothing on stdout.
        let r = try CommandLineTests().run(["replay", "-"], stdinData: data.prefix(data.count / 2))
        #expect(r.status == 74)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.split(separator: "\n").count == 1)
    }

    /// A UTF-8 BOM is not a command; a CR-only file is an error, not one merged
    /// command; a last line without its line feed is said on stderr.
    @Test func bomCarriageReturnsAndACutLastLine() throws {
        let bom = try CommandLineTests().run(["replay", "-", "--policy", "unbounded", "--format", "csv"],
                                             stdinData: Data([0xEF, 0xBB, 0xBF]) + Data("EVAL \"return 1\" 0\nEVAL \"return 2\" 0\n".utf8))
        #expect(bom.status == 0)
        #expect(bom.stdout.split(separator: "\n")[1].hasPrefix("<stdin>,2,2,"))   // 2 lines, 2 script events
        let cr = try CommandLineTests().run(["replay", "-"], stdinData: Data("EVAL \"return 1\" 0\rEVAL \"return 2\" 0\r".utf8))
        #expect(cr.status == 65)
        #expect(cr.stderr.hasPrefix("<stdin>:1:18: carriage return inside the line"))
        let cut = try CommandLineTests().run(["replay", "-", "--policy", "unbounded"], stdinData: Data("EVAL \"return 1\" 0\nEVAL \"return 2\" 0".utf8))
        #expect(cut.status == 0)
        #expect(cut.stderr.contains("<stdin>:2: warning: the last line has no line end"))
        let none = try CommandLineTests().run(["replay", "-", "--policy", "unbounded"], stdinData: Data("GET a\nSET b c\n".utf8))
        #expect(none.status == 0)
        #expect(none.stderr.contains("<stdin>: warning: no script command"))
        let mostlyOther = try CommandLineTests().run(["replay", "-", "--policy", "unbounded"],
                                                     stdinData: Data(("EVAL \"return 1\" 0\n" + String(repeating: "GET k\n", count: 10)).utf8))
        #expect(mostlyOther.stderr.contains("<stdin>: note: 10 of 11 commands were not script commands and were skipped"))
        let crlf = try CommandLineTests().run(["replay", "-", "--policy", "unbounded"], stdinData: Data("EVAL \"return 1\" 0\r\n".utf8))
        #expect(crlf.status == 0 && crlf.stderr.isEmpty)
    }
}
