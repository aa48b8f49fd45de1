import CScriptsimEngine
import Foundation
import Testing
@testable import ScriptSim

/// `.zst` traces are read like gzip ones: by their first bytes, whatever the
/// name; a damaged stream is one error line and status 74.
@Suite struct ZstdInputTests {
    static let workloads = InterningTests.workloads

    /// One zstd frame of `data` (libzstd through the C target, with a content
    /// checksum as the zstd tool writes).
    func zstd(_ data: Data, level: Int32 = 3) -> Data {
        var out = Data(count: csim_zstd_bound(data.count))
        let n = out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in csim_zstd_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, level) }
        }
        precondition(n > 0, "libzstd could not compress")
        return out.prefix(n)
    }

    func write(_ data: Data, _ name: String) throws -> String {
        let path = try writeTrace("", name: name)
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func json(_ path: String) throws -> String {
        var report = try Replayer(policies: ["eval-lru:entries=10", "unbounded"]).replay(path: path)
        report.path = "trace"
        report.policies = report.policies.map(withoutTimes)
        return ReportRenderer(format: .json).render([report])
    }

    @Test func aCompressedWorkloadGivesTheSameReport() throws {
        let plain = Self.workloads.appendingPathComponent("monitor-mixed.trace").path
        let data = try Data(contentsOf: URL(fileURLWithPath: plain))
        // Named as anything: the magic bytes decide.
        let packed = try write(zstd(data), "monitor-mixed.bin")
        #expect(try json(packed) == json(plain))
    }

    /// Frames one after another are one stream (`cat a.zst b.zst`), as the zstd tool reads them.
    @Test func concatenatedFramesAreOneTrace() throws {
        let text = (0..<3000).map { "EVAL \"return \($0 % 41)\" 0\n" }.joined()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let first = lines[0..<1000].joined(separator: "\n") + "\n"
        let rest = lines[1000...].joined(separator: "\n")
        let packed = try write(zstd(Data(first.utf8)) + zstd(Data(rest.utf8), level: 19), "frames.zst")
        let plain = try writeTrace(text, name: "frames.trace")
        #expect(try json(packed) == json(plain))
        let report = try Replayer(policies: ["unbounded"]).replay(path: packed)
        #expect(report.summary.lines == 3000)
        #expect(report.summary.distinctScripts == 41)
    }

    @Test func truncatedOrCorruptZstdIsAnError() throws {
        let text = (0..<20_000).map { "EVAL \"return \($0 % 97) .. '\(String(repeating: "x", count: $0 % 50))'\" 0\n" }.joined()
        let data = zstd(Data(text.utf8))
        let cut = try write(data.prefix(data.count / 2), "cut.zst")
        do {
            _ = try Replayer(policies: ["unbounded"]).replay(path: cut)
            Issue.record("a truncated zstd stream was read as a shorter trace")
        } catch let e as TraceError {
            #expect(e.kind == .io)
            #expect(e.message == "cannot decompress the trace: unexpected end of file (truncated or corrupt zstd stream)")
        }
        // A damaged block: bytes in the middle of the frame overwritten.
        var damaged = data
        let middle = damaged.startIndex + damaged.count / 2
        for i in middle..<(middle + 16) { damaged[i] ^= 0x5A }
        let bad = try write(damaged, "bad.zst")
        for path in [cut, bad] {
            let r = try CommandLineTests().run(["replay", path])
            #expect(r.status == 74, "\(path)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            #expect(r.stderr.contains("truncated or corrupt zstd stream"))
        }
    }
}
