import Crypto

/// A SHA1 digest as a hashable value (no heap allocation per lookup).
struct SHA1Key: Hashable {
    var a: UInt64, b: UInt64, c: UInt32

    /// A SHA1 is already uniformly distributed: 64 of its bits are hash enough.
    func hash(into hasher: inout Hasher) { hasher.combine(a) }

    init(digest: Insecure.SHA1Digest) {
        (a, b, c) = digest.withUnsafeBytes { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
             UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
        }
    }

    init(bytes: [UInt8]) {
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt32 = 0
        for i in 0..<8 { a = a << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { b = b << 8 | UInt64(bytes[i]) }
        for i in 16..<20 { c = c << 8 | UInt32(bytes[i]) }
        self.a = a; self.b = b; self.c = c
    }

    /// From 40 hex digits, either case (Redis's lookups ignore case). Eight
    /// digits at a time, as one 64-bit word: every EVALSHA line comes through
    /// here (digit by digit it was 5% of the hit path's profile).
    init?(hex: UnsafeBufferPointer<UInt8>) {
        guard hex.count == 40, let base = hex.baseAddress else { return nil }
        func word(_ at: Int) -> UInt64? {
            Self.digits(UInt64(littleEndian: UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self)))
        }
        guard let a0 = word(0), let a1 = word(8), let b0 = word(16), let b1 = word(24), let c = word(32) else { return nil }
        a = a0 << 32 | a1
        b = b0 << 32 | b1
        self.c = UInt32(c)
    }

    /// The value of eight hex digits (the first in the lowest byte), or nil if
    /// any byte is not one. Per byte, in parallel: lowercase it, test the two
    /// ranges, take the low nibble (+9 for a letter), then gather the nibbles.
    @inline(__always)
    static func digits(_ w: UInt64) -> UInt64? {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs = ones &* 0x80
        guard w & highs == 0 else { return nil }
        let lower = w | (ones &* 0x20)
        // A byte x < 0x80 lies in [lo, hi] when x + (0x7F - hi) keeps the high bit clear and x + (0x80 - lo) sets it.
        func within(_ lo: UInt64, _ hi: UInt64) -> UInt64 {
            ~(w &+ ones &* (0x7F - hi)) & (w &+ ones &* (0x80 - lo)) & highs
        }
        func withinLower(_ lo: UInt64, _ hi: UInt64) -> UInt64 {
            ~(lower &+ ones &* (0x7F - hi)) & (lower &+ ones &* (0x80 - lo)) & highs
        }
        guard within(0x30, 0x39) | withinLower(0x61, 0x66) == highs else { return nil }
        let values = (lower & (ones &* 0x0F)) &+ ((lower >> 6) & ones) &* 9
        let pairs = ((values << 4) | (values >> 8)) & 0x00FF_00FF_00FF_00FF
        let quads = (pairs | pairs >> 8) & 0x0000_FFFF_0000_FFFF
        return UInt64(UInt32(truncatingIfNeeded: quads | quads >> 16).byteSwapped)
    }

    /// 40 lowercase hex digits, as Redis's `sha1hex` writes them.
    var hex: String {
        String(a, radix: 16).leftPadded(16) + String(b, radix: 16).leftPadded(16) + String(c, radix: 16).leftPadded(8)
    }
}

private extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
