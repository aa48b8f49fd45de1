#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CScriptsimEngine
import Foundation
import Testing
@testable import ScriptSim

/// Compressed input through what cannot be peeked with `pread`: a FIFO, a
/// pipe named as `/dev/fd/N` (what `<(…)` gives), standard input. Each must
/// read as the same trace in a file does, and a cut stream stay an I/O error.
@Suite struct PipedInputTests {
    static let text = (0..<3000).map { "EVAL \"return \($0 % 53) .. '\(String(repeating: "y", count: $0 % 40))'\" 0\n" }.joined()

    /// One gzip member of `data` (zlib through the C target).
    static func gzip(_ data: Data) -> Data {
        var out = Data(count: csim_gzip_bound(data.count))
        let n = out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in csim_gzip_compress(dst.baseAddress, dst.count, src.baseAddress, src.count) }
        }
        precondition(n > 0, "zlib could not compress")
        return out.prefix(n)
    }

    static func zstd(_ data: Data) -> Data {
        var out = Data(count: csim_zstd_bound(data.count))
        let n = out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in csim_zstd_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, 3) }
        }
        precondition(n > 0, "libzstd could not compress")
        return out.prefix(n)
    }

    /// Writes `data` into `fd` on a thread of its own and closes it; the first
    /// `dribble` bytes go one `write` each (a pipe then hands the reader short reads).
    static func feed(_ fd: Int32, _ data: Data, dribble: Int = 0) {
        // A reader that stops early must not kill the test process.
        signal(SIGPIPE, SIG_IGN)
        Thread {
            data.withUnsafeBytes { raw in
                let p = raw.bindMemory(to: UInt8.self)
                var at = 0
                while at < p.count {
                    let chunk = at < dribble ? 1 : p.count - at
                    let n = write(fd, p.baseAddress! + at, chunk)
                    if n <= 0 { break }
                    at += n
                }
            }
            close(fd)
        }.start()
    }

    /// A FIFO that a thread fills with `data` once a reader opens it.
    static func fifo(_ data: Data, dribble: Int = 0) throws -> String {
        let path = try writeTrace("", name: "x") + ".fifo"
        #expect(mkfifo(path, 0o600) == 0)
        signal(SIGPIPE, SIG_IGN)
        Thread {
            let fd = open(path, O_WRONLY)   // blocks until the reader opens it
            if fd >= 0 { feed(fd, data, dribble: dribble) }
        }.start()
        return path
    }

    /// A pipe whose read end is named `/dev/fd/N`, as the shell's `<(…)` names it.
    /// The caller closes the returned descriptor once the reader opened the path.
    static func pipePath(_ data: Data) -> (path: String, readEnd: Int32) {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0)
        feed(fds[1], data)
        return ("/dev/fd/\(fds[0])", fds[0])
    }

    /// The JSON report of `path`, named alike whatever it was read from.
    static func json(_ path: String) throws -> String {
        var report = try Replayer(policies: ["eval-lru:entries=10", "unbounded"]).replay(path: path)
        report.path = "trace"
        report.policies = report.policies.map(withoutTimes)
        return ReportRenderer(format: .json).render([report])
    }

    static func packed(_ compression: String) -> Data {
        let plain = Data(text.utf8)
        switch compression {
        case "gzip": return gzip(plain)
        case "zstd": return zstd(plain)
        default: return plain
        }
    }

    @Test(arguments: ["plain", "gzip", "zstd"])
    func aFIFOReadsLikeTheFile(compression: String) throws {
        let expected = try Self.json(writeTrace(Self.text))
        #expect(try Self.json(Self.fifo(Self.packed(compression))) == expected)
        // The magic bytes a byte at a time: the sniff waits for all of them.
        #expect(try Self.json(Self.fifo(Self.packed(compression), dribble: 6)) == expected)
    }

    @Test(arguments: ["plain", "gzip", "zstd"])
    func processSubstitutionReadsLikeTheFile(compression: String) throws {
        let expected = try Self.json(writeTrace(Self.text))
        let (path, readEnd) = Self.pipePath(Self.packed(compression))
        defer { close(readEnd) }
        #expect(try Self.json(path) == expected)
    }

    @Test(arguments: ["gzip", "zstd"])
    func aCutStreamThroughAPipeIsAnIOError(compression: String) throws {
        let data = Self.packed(compression)
        let path = try Self.fifo(data.prefix(data.count / 2))
        do {
            _ = try Self.json(path)
            Issue.record("a truncated \(compression) stream through a FIFO was read as a shorter trace")
        } catch let e as TraceError {
            #expect(e.kind == .io)
            #expect(e.message == "cannot decompress the trace: unexpected end of file (truncated or corrupt \(compression) stream)")
        }
    }

    /// Inputs shorter than a magic number, or that only start like one, are text.
    @Test(arguments: [("", 0), ("\n", 1), ("#", 1), ("# c\n", 1), ("\u{1F}\n", 1), ("(\n", 1), ("SCRIPT FLUSH\n", 1)])
    func shortOrLookalikePlainTextThroughAPipeIsText(text: String, lines: Int) throws {
        let reader = try TraceReader(path: Self.fifo(Data(text.utf8)))
        try reader.forEachCommand { _ in }
        #expect(reader.summary.lines == lines)
        #expect(reader.summary.invalid == 0)
        #expect(reader.summary.scriptEvents == (text.hasPrefix("SCRIPT") ? 1 : 0))
    }

    /// Standard input, through the command line: zstd was read as text ("carriage return inside the line").
    @Test(arguments: ["gzip", "zstd"])
    func compressedStandardInput(compression: String) throws {
        let plain = try CommandLineTests().run(["replay", "-", "--format", "json"], stdin: Self.text)
        #expect(plain.status == 0)
        let packed = Self.packed(compression)
        let r = try CommandLineTests().run(["replay", "-", "--format", "json"], stdinData: packed)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.withoutTimings(r.stdout) == Self.withoutTimings(plain.stdout))
        let cut = try CommandLineTests().run(["replay", "-"], stdinData: packed.prefix(packed.count / 2))
        #expect(cut.status == 74)
        #expect(cut.stdout.isEmpty)
        #expect(cut.stderr.hasPrefix("<stdin>:"))
        #expect(cut.stderr.hasSuffix(": cannot decompress the trace: unexpected end of file (truncated or corrupt \(compression) stream)\n"))
    }

    /// The report's JSON without the figures that depend on timing.
    static func withoutTimings(_ json: String) -> String {
        json.split(separator: "\n").filter { !$0.contains("_seconds\"") && !$0.contains("per_second") }.joined(separator: "\n")
    }
}
