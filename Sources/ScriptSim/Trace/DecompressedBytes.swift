internal import CScriptsimEngine

/// The bytes of a gzip or zstd stream, decompressed as they are read from the
/// input (`DescriptorBytes`, whose sniffed first bytes come first).
///
/// A stream that ends inside a member or frame is "unexpected end of file"
/// (the words zlib uses), damage is the library's own message: both an
/// `InputFailure`, never a trace that merely looks shorter.
final class DecompressedBytes: ByteSource {
    private let input: DescriptorBytes
    private let decoder: OpaquePointer
    private let compression: Compression
    /// Compressed bytes read and not yet taken by the decoder: `pending[taken..<filled]`.
    private let pending: UnsafeMutablePointer<UInt8>
    private let pendingCapacity = 1 << 17
    private var taken = 0
    private var filled = 0
    private var inputEnded = false

    /// A decoder for `compression` (gzip or zstd) over `input`; setting it up
    /// can fail (memory), which is said rather than the input read as text.
    init(_ compression: Compression, over input: DescriptorBytes) throws(InputFailure) {
        precondition(compression != .none)
        var message: UnsafePointer<CChar>?
        let format = compression == .gzip ? Int32(CSIM_DECODE_GZIP) : Int32(CSIM_DECODE_ZSTD)
        guard let d = csim_decoder_open(format, &message) else {
            let why = message.map { String(cString: $0) } ?? "unknown error"
            throw InputFailure(message: "cannot set up \(compression.name) decompression: \(why)")
        }
        decoder = d
        self.input = input
        self.compression = compression
        pending = .allocate(capacity: pendingCapacity)
    }

    deinit {
        csim_decoder_close(decoder)
        pending.deallocate()
    }

    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(InputFailure) -> Int {
        while true {
            // Called even with no new input: the decoder may hold output from the last call.
            var used = 0
            var message: UnsafePointer<CChar>?
            let n = csim_decoder_run(decoder, pending + taken, filled - taken, &used, buffer, count, &message)
            if n < 0 { throw damaged(message.map { String(cString: $0) } ?? "unknown error") }
            taken += used
            if n > 0 { return n }
            if taken < filled {
                // It took input without writing (headers, a finished frame): go on.
                guard used > 0 else { throw damaged("the decoder stopped making progress") }
                continue
            }
            if inputEnded {
                if csim_decoder_at_end(decoder) != 0 { return 0 }
                throw damaged("unexpected end of file")
            }
            taken = 0
            filled = try input.read(into: pending, count: pendingCapacity)
            if filled == 0 { inputEnded = true }
        }
    }

    private func damaged(_ why: String) -> InputFailure {
        InputFailure(message: "cannot decompress the trace: \(why) (truncated or corrupt \(compression.name) stream)")
    }
}
