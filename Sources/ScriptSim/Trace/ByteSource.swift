#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a line source's bytes come from: the input descriptor as it is
/// (`DescriptorBytes`), or decompressed from it (`DecompressedBytes`).
///
/// The layer exists so every input is read the same way: the format is told
/// by the first bytes, which are read (not peeked with `pread`, which a pipe
/// refuses) and then handed out again before the rest, so a file, a FIFO,
/// process substitution and standard input are all sniffed alike.
protocol ByteSource: AnyObject {
    /// Reads up to `count` bytes into `buffer`: how many, 0 at the end of the input.
    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(InputFailure) -> Int
}

/// Why reading failed part-way (the line source adds the place: exit status 74).
struct InputFailure: Error {
    var message: String
}

/// How the input is compressed, told by its first bytes whatever it is called.
enum Compression: Equatable {
    case none, gzip, zstd

    /// Bytes the sniff needs (a zstd frame's magic number).
    static let magicBytes = 4

    init(magic: UnsafeBufferPointer<UInt8>) {
        let m = Array(magic.prefix(Self.magicBytes))
        if m.count >= 2, m[0] == 0x1F, m[1] == 0x8B {
            self = .gzip
        } else if m.count == 4, m == [0x28, 0xB5, 0x2F, 0xFD] {
            self = .zstd
        } else if m.count == 4, m[0] & 0xF0 == 0x50, m[1] == 0x2A, m[2] == 0x4D, m[3] == 0x18 {
            // A skippable frame (magic 0x184D2A5?): zstd -d reads past it, so do we.
            self = .zstd
        } else if m == [0x1F] {
            // The whole input is the first byte of a gzip header: a stream cut
            // short (no trace line starts with a control byte), not plain text.
            self = .gzip
        } else if m.count >= 2, m.count < 4, m.elementsEqual([0x28, 0xB5, 0x2F].prefix(m.count)) {
            self = .zstd   // the same for zstd's magic: cut within it
        } else {
            self = .none
        }
    }

    /// Compressions told by their magic that are not read (xz, bzip2): named,
    /// rather than parsed as trace lines and reported as malformed ones.
    static func unreadFormat(_ m: [UInt8]) -> (name: String, tool: String)? {
        if m == [0xFD, 0x37, 0x7A, 0x58] { return ("xz", "xz") }
        if m.count == 4, m[0] == 0x42, m[1] == 0x5A, m[2] == 0x68, (0x31...0x39).contains(m[3]) { return ("bzip2", "bzip2") }
        return nil
    }

    var name: String {
        switch self {
        case .none: "plain"
        case .gzip: "gzip"
        case .zstd: "zstd"
        }
    }
}

/// The bytes of a descriptor, those read ahead to sniff the format first.
final class DescriptorBytes: ByteSource {
    let fd: Int32
    /// Read ahead (by `sniff`) and not handed out yet.
    private(set) var kept: [UInt8] = []
    private var keptFrom = 0

    init(fd: Int32) { self.fd = fd }

    /// Reads the input's first bytes (as many as a pipe gives until there are
    /// `Compression.magicBytes` or the input ends) and keeps them to be read again.
    func sniff() throws(InputFailure) -> Compression {
        var magic = [UInt8](repeating: 0, count: Compression.magicBytes)
        var got = 0
        while got < magic.count {
            let n = magic.withUnsafeMutableBufferPointer { Self.readOnce(fd, $0.baseAddress! + got, $0.count - got) }
            if n < 0 { throw InputFailure(message: "read failed: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            got += n
        }
        kept = Array(magic.prefix(got))
        keptFrom = 0
        if let other = Compression.unreadFormat(kept) {
            throw InputFailure(message: "the trace is \(other.name)-compressed; scriptsim reads gzip and zstd "
                               + "(decompress it first: \(other.tool) -dc FILE | scriptsim replay -)")
        }
        return kept.withUnsafeBufferPointer { Compression(magic: $0) }
    }

    /// The bytes `sniff` read that nothing took yet (a parallel read starts with them).
    func takeKept() -> [UInt8] {
        defer { kept = []; keptFrom = 0 }
        return Array(kept[keptFrom...])
    }

    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(InputFailure) -> Int {
        if keptFrom < kept.count {
            let n = min(count, kept.count - keptFrom)
            kept.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + keptFrom, count: n) }
            keptFrom += n
            return n
        }
        let n = Self.readOnce(fd, buffer, count)
        if n < 0 { throw InputFailure(message: "read failed: \(String(cString: strerror(errno)))") }
        return n
    }

    /// One `read`, retried when a signal interrupted it.
    static func readOnce(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
        while true {
            let n = systemRead(fd, buffer, count)
            if n >= 0 || errno != EINTR { return n }
        }
    }
}

/// read(2) under a name the `read` methods do not hide.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    read(fd, buffer, count)
}
