#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The compact events of one trace, kept in a temporary file so that a sweep
/// parses and hashes the trace once and replays it as often as it needs:
/// 8 bytes an event on disk, one batch in memory.
final class EventSpool {
    private let path: String
    private var file: UnsafeMutablePointer<FILE>?
    private(set) var count = 0

    init() throws(OutputError) {
        let dir = FileManager.default.temporaryDirectory.path
        path = "\(dir)/scriptsim-events-\(getpid())-\(UUID().uuidString)"
        guard let f = fopen(path, "w+") else {
            throw OutputError(path: path, message: "cannot create the event spool: \(String(cString: strerror(errno)))")
        }
        file = f
        unlink(path)   // gone from the directory at once; the open file lives until closed
    }

    deinit { if let file { fclose(file) } }

    func append(_ events: UnsafeBufferPointer<ReplayEvent>) throws(OutputError) {
        guard let base = events.baseAddress else { return }
        if fwrite(base, MemoryLayout<ReplayEvent>.stride, events.count, file) != events.count {
            throw OutputError(path: path, message: "cannot write the event spool: \(String(cString: strerror(errno)))")
        }
        count += events.count
    }

    /// Reads every event back, in batches of `batchSize`.
    func forEachBatch(_ batchSize: Int, _ body: (UnsafeBufferPointer<ReplayEvent>) throws -> Void) throws {
        fflush(file)
        rewind(file)
        var buffer = [ReplayEvent](repeating: ReplayEvent(operation: .exists), count: batchSize)
        var left = count
        while left > 0 {
            let n = min(left, batchSize)
            let got = buffer.withUnsafeMutableBufferPointer { fread($0.baseAddress, MemoryLayout<ReplayEvent>.stride, n, file) }
            guard got == n else { throw OutputError(path: path, message: "the event spool ended early") }
            try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<n])) }
            left -= n
        }
    }
}
