#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
@testable import ScriptSim

/// Issue #21 item 18: what a parallel read holds is bounded by its pieces in
/// flight, and a piece by its lines as well as its bytes. A piece's parse
/// keeps a record per line, several times the text of a short line, so a
/// megabyte of blank lines made a million records per piece (540 MB resident
/// for a 61 MB trace, against 27 MB read serially).
@Suite struct PieceBoundTests {
    /// Pieces of `path` as the source cuts them.
    static func pieces(_ path: String, pieceBytes: Int) throws -> [[UInt8]] {
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { _ = close(fd) }
        var source = PieceSource(fd: fd, prefix: [], pieceBytes: pieceBytes, maxLineBytes: 512 << 20)
        defer { source.deallocate() }
        var raw = ByteBuffer(capacity: 1 << 12)
        defer { raw.deallocate() }
        var out: [[UInt8]] = []
        while true {
            let end = source.next(into: &raw)
            out.append(Array(raw.slice(0..<raw.count)))
            if end.isLast { break }
        }
        return out
    }

    /// Blank lines, then short ones, then long ones: no piece holds more than
    /// 8,192 lines; the pieces are the file, cut at line ends; pieces of long
    /// lines still fill `pieceBytes`.
    @Test func aPieceHoldsAtMost8192Lines() throws {
        let text = String(repeating: "\n", count: 100_000) + String(repeating: "EVAL \"return 1\" 0\n", count: 30_000)
            + String(repeating: "EVAL \"" + String(repeating: "x", count: 500) + "\" 0\n", count: 3_000)
        let path = try ParallelReadTests.write(Array(text.utf8))
        let pieces = try Self.pieces(path, pieceBytes: 1 << 20)
        #expect(pieces.flatMap { $0 } == Array(text.utf8))
        for (i, piece) in pieces.enumerated() {
            #expect(piece.filter { $0 == 0x0A }.count <= 8192, "piece \(i)")
            #expect(piece.isEmpty || piece.last == 0x0A, "piece \(i)")
        }
        // 100,000 blank lines are 13 pieces (12 full ones), not one.
        #expect(pieces.count > 13 + 30_000 / 8192)
        // The long lines' pieces are not cut by the line count (2,000 lines a MiB).
        #expect(pieces.contains { $0.count > 1_000_000 })
    }

    /// Cut by lines, the parallel read is still the serial one.
    @Test func piecesCutByLinesReadTheSame() throws {
        let text = "EVAL \"return 0\" 0\n" + String(repeating: "\n", count: 20_000)
            + (0..<20_000).map { "EVAL \"return \($0 % 7)\" 0\n" }.joined() + String(repeating: "# c\n", count: 9_000) + "EVAL \"end\" 0"
        let path = try ParallelReadTests.write(Array(text.utf8))
        ParallelReadTests().expectSameReads(path, pieces: [200_000, 100_000, 8192, 1000])
        ParallelReadTests().expectSameReads(path, pieces: [300_000], skipInvalid: true, maxLineBytes: 12)
    }
}
