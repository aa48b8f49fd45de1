/// A fast, non-cryptographic 64-bit hash of a script body's exact bytes
/// (wyhash's folded 128-bit multiply over 16 bytes at a time).
///
/// Recognising a body seen before needs no SHA1: the catalog finds candidates
/// by this hash and confirms them byte for byte, so a collision costs one
/// comparison and never a wrong answer. SHA1 is computed once per distinct body.
enum BodyHash {
    private static let p0: UInt64 = 0xA076_1D64_78BD_642F
    private static let p1: UInt64 = 0xE703_7ED1_A0B4_28DB
    private static let p2: UInt64 = 0x8EBC_6AF0_9C88_C6E3
    private static let p3: UInt64 = 0x5899_65CC_7537_4CC3

    @inline(__always)
    private static func mum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (hi, lo) = a.multipliedFullWidth(by: b)
        return hi ^ lo
    }

    /// Up to 8 bytes at `p` as one word (zero-filled), without reading past them.
    @inline(__always)
    private static func partial(_ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        if n >= 8 { return p.loadUnaligned(as: UInt64.self) }
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << (8 * UInt64(i)) }
        return v
    }

    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = bytes.count
        guard let base = bytes.baseAddress, n > 0 else { return p3 }
        let raw = UnsafeRawPointer(base)
        var h = p0 ^ UInt64(n)
        var i = 0
        while i + 16 <= n {
            let a = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let b = raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)
            h = mum(a ^ p1, b ^ h ^ p2)
            i += 16
        }
        let rest = n - i
        let a = partial(raw + i, rest)
        let b = rest > 8 ? partial(raw + i + 8, rest - 8) : 0
        return mum(a ^ p1 ^ h, b ^ p3 ^ UInt64(truncatingIfNeeded: n))
    }
}

/// An open-addressing table from a 64-bit hash (of a body, or a SHA1's first
/// 64 bits) to script ids. Several ids may share a hash (different bodies or
/// digests that collide): lookups ask the caller to confirm each candidate.
struct BodyTable {
    private var hashes: [UInt64]
    private var ids: [UInt32]
    private var used = 0
    private static let empty = UInt32.max

    init() {
        hashes = [UInt64](repeating: 0, count: 1024)
        ids = [UInt32](repeating: Self.empty, count: 1024)
    }

    /// The first id with `hash` whose body `matches`, if any.
    @inline(__always)
    func find(_ hash: UInt64, matches: (ScriptID) -> Bool) -> ScriptID? {
        let mask = ids.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let id = ids[slot]
            if id == Self.empty { return nil }
            if hashes[slot] == hash, matches(id) { return id }
            slot = (slot + 1) & mask
        }
    }

    mutating func insert(_ hash: UInt64, _ id: ScriptID) {
        if (used + 1) * 2 > ids.count { grow() }
        place(hash, id)
        used += 1
    }

    private mutating func place(_ hash: UInt64, _ id: ScriptID) {
        let mask = ids.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while ids[slot] != Self.empty { slot = (slot + 1) & mask }
        hashes[slot] = hash
        ids[slot] = id
    }

    private mutating func grow() {
        let oldHashes = hashes, oldIDs = ids
        hashes = [UInt64](repeating: 0, count: oldIDs.count * 2)
        ids = [UInt32](repeating: Self.empty, count: oldIDs.count * 2)
        for i in oldIDs.indices where oldIDs[i] != Self.empty { place(oldHashes[i], oldIDs[i]) }
    }
}
