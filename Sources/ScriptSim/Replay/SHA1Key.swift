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

    /// From 40 hex digits, either case (Redis's lookups ignore case). Parsed
    /// straight into the three words, without a branch per digit that can
    /// fail: every EVALSHA line comes through here (a temporary array and
    /// an optional per digit showed in the hit path's profile).
    init?(hex: UnsafeBufferPointer<UInt8>) {
        guard hex.count == 40 else { return nil }
        var bad: UInt8 = 0
        func word(_ from: Int, _ digits: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in from..<(from + digits) {
                let n = Self.nibble(hex[i])
                bad |= n
                v = v << 4 | UInt64(n & 0x0F)
            }
            return v
        }
        let a = word(0, 16), b = word(16, 16), c = word(32, 8)
        guard bad & 0xF0 == 0 else { return nil }
        self.a = a; self.b = b; self.c = UInt32(c)
    }

    /// A hex digit's value, or 0xFF for any other byte.
    @inline(__always)
    static func nibble(_ c: UInt8) -> UInt8 {
        let digit = c &- UInt8(ascii: "0"), letter = (c | 0x20) &- UInt8(ascii: "a")
        return digit < 10 ? digit : letter < 6 ? letter &+ 10 : 0xFF
    }

    /// 40 lowercase hex digits, as Redis's `sha1hex` writes them.
    var hex: String {
        String(a, radix: 16).leftPadded(16) + String(b, radix: 16).leftPadded(16) + String(c, radix: 16).leftPadded(8)
    }
}

private extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
