/// A server's `used_memory_scripts_eval` (`src/eval.c:evalScriptsMemory`),
/// kept as scripts come and go:
///
///     scripts_mem                             per script: sds SHA key + body string
///   + dictMemUsage(scripts)                   entries × 24 + buckets × 8
///   + dictSize × sizeof(script struct)        luaScript 16 (7.0/7.2), 24 (7.4+); Valkey's evalScript 40
///   + listLength(lru) × sizeof(listNode)      24, 7.4+ and Valkey
///
/// Allocation sizes are what the server's `zmalloc_size` reports, from the
/// allocator it was built with (`ScriptAllocator`). Checked byte for byte
/// against Debian's Redis 7.0.15, Redis 7.4.1 and Valkey 9.1.2 built from
/// source (jemalloc), docs/fidelity.md; a `malloc=libc` build may read more
/// (glibc's chunks depend on its heap's history). The dict
/// is modelled with rehashing complete: servers rehash incrementally with a
/// per-process random hash seed, so the transient second table (a few
/// commands after a power-of-two crossing) cannot be reproduced by anyone.
struct RedisScriptMemory {
    static let dictEntryBytes = 24
    static let bucketBytes = 8
    static let listNodeBytes = 24
    static let robjBytes = 16
    static let embstrLimit = 44
    /// Valkey 9 embeds a value when 8 + sds (n + 4) fits in 128 bytes.
    static let valkeyEmbedLimit = 116
    static let bigArgument = 32 * 1024

    /// The usable size jemalloc gives a request of `n` bytes *as Redis builds it*:
    /// Redis configures its bundled jemalloc with `--with-lg-quantum=3`, so
    /// classes are 8, 16, 24, 32, then four per doubling (40, 48, 56, 64, 80, ...).
    /// Checked against a real INFO dump (176 bytes for one 17-byte script, tests).
    static func sizeClass(_ n: Int) -> Int {
        if n <= 0 { return 0 }
        if n <= 32 { return (n + 7) & ~7 }
        let lg = Int.bitWidth - 1 - (n - 1).leadingZeroBitCount   // floor(log2(n - 1))
        let delta = 1 << (lg - 2)
        return (n + delta - 1) & ~(delta - 1)
    }

    /// A system jemalloc (16-byte quantum): 8, 16, 32, 48, ..., 128, then as above.
    static func sizeClass16(_ n: Int) -> Int {
        if n <= 0 { return 0 }
        if n <= 8 { return 8 }
        if n <= 128 { return (n + 15) & ~15 }
        return sizeClass(n)
    }

    /// glibc's `malloc_usable_size` of a heap chunk for a request of `n` bytes.
    static func glibcUsable(_ n: Int) -> Int { max(32, (n + 8 + 15) & ~15) - 8 }

    /// `sdsZmallocSize(sha)` as Redis 7.4 builds it: a 40-byte sds with an 8-bit header.
    static let shaKeyBytes = sizeClass(3 + 40 + 1)

    /// Redis's sds header for a string of `n` bytes (src/sds.c:sdsReqType).
    static func sdsHeader(_ n: Int) -> Int {
        switch n {
        case ..<256: return 3
        case ..<65536: return 5
        case ..<(1 << 32): return 9
        default: return 17
        }
    }

    /// Valkey's (and newer Redis's) sds header: type 8 up to 252 bytes, 16 up to 65530.
    static func valkeySdsHeader(_ n: Int) -> Int {
        switch n {
        case ...252: return 3
        case ...65530: return 5
        case ...((1 << 32) - 10): return 9
        default: return 17
        }
    }

    /// The usable size this server's allocator gives a request of `n` bytes.
    func usable(_ n: Int) -> Int { layout.allocator.usable(n) }

    /// `sdsZmallocSize(sha)` (Redis) / `sdsAllocSize(sha)` (Valkey): a 40-byte sds.
    var shaBytes: Int { usable(3 + 40 + 1) }

    /// `getStringObjectSdsUsedMemory(body)` for a body as a client's argv holds it.
    func bodyBytes(length n: Int) -> Int {
        if layout.valkeyStrings {
            if n <= Self.valkeyEmbedLimit {
                // Valkey 9 (src/object.c, createEmbeddedStringObject): the robj without
                // its value pointer (8) and a type-8 sds (n + 4, at least 8) in one block;
                // an 8-byte expire slot when the block has room for it; the sds gets
                // the rest of the block, and sdsAllocSize counts it all.
                let asked = 8 + max(8, n + 4)
                let block = usable(asked)
                return block - 8 - (block >= asked + 8 ? 8 : 0)
            }
            // Longer ones are their own sds (sdsnewlen), the whole usable buffer.
            if n >= Self.bigArgument { return usable(Self.valkeySdsHeader(n + 2) + n + 3) }
            return usable(Self.valkeySdsHeader(n) + n + 1)
        }
        if n <= Self.embstrLimit {
            // EMBSTR: robj and sds in one block; Redis subtracts the robj header.
            return usable(Self.robjBytes + 3 + n + 1) - Self.robjBytes
        }
        if n >= Self.bigArgument {
            // Arguments of 32 KiB and more are taken from the query buffer, CRLF room included.
            return usable(Self.sdsHeader(n + 2) + n + 2 + 1)
        }
        return usable(Self.sdsHeader(n) + n + 1)
    }

    /// One script's key and body, as `scripts_mem` counts them.
    func entryBytes(length n: Int) -> Int { shaBytes + bodyBytes(length: n) }

    let layout: ScriptEntryLayout
    private(set) var scriptBytes = 0
    private(set) var entries = 0
    private(set) var listNodes = 0
    private(set) var buckets = 0

    init(layout: ScriptEntryLayout) { self.layout = layout }

    var total: Int {
        scriptBytes + entries * Self.dictEntryBytes + buckets * Self.bucketBytes
            + entries * layout.entryStructBytes + (layout.countsListNodes ? listNodes * Self.listNodeBytes : 0)
    }

    /// `total` once one more script of `bytes` is added (the dict may grow for it).
    func total(adding bytes: Int, inList: Bool) -> Int {
        var after = self
        after.add(bytes: bytes, inList: inList)
        return after.total
    }

    mutating func add(bytes: Int, inList: Bool) {
        // dictAdd expands first: an empty table gets 4 buckets, a full one the next power of two.
        if buckets == 0 { buckets = 4 } else if entries >= buckets { buckets = Self.nextPowerOfTwo(entries + 1) }
        entries += 1
        scriptBytes += bytes
        if inList { listNodes += 1 }
    }

    mutating func remove(bytes: Int, inList: Bool) {
        entries -= 1
        scriptBytes -= bytes
        if inList { listNodes -= 1 }
        if layout.dictShrinksOnDelete, buckets > 4, entries * 8 <= buckets {
            buckets = Self.nextPowerOfTwo(entries)
        }
    }

    /// A script leaves the LRU list but stays cached (Valkey's promotion).
    mutating func unlist() { listNodes -= 1 }

    /// SCRIPT FLUSH: a new empty dict (no table until the first add).
    mutating func reset() {
        scriptBytes = 0
        entries = 0
        listNodes = 0
        buckets = 0
    }

    static func nextPowerOfTwo(_ n: Int) -> Int {
        if n <= 4 { return 4 }
        return 1 << (Int.bitWidth - (n - 1).leadingZeroBitCount)
    }
}

extension ScriptAllocator {
    /// The usable size this allocator gives a request of `n` bytes (what
    /// `zmalloc_size` reports): every server structure the models count is sized here.
    func usable(_ n: Int) -> Int {
        switch self {
        case .bundledJemalloc: return RedisScriptMemory.sizeClass(n)
        case .systemJemalloc: return RedisScriptMemory.sizeClass16(n)
        case .glibc: return RedisScriptMemory.glibcUsable(n)
        }
    }
}
