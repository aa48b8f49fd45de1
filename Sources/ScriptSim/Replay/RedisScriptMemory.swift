/// Redis's `used_memory_scripts_eval` (`src/eval.c:evalScriptsMemory`), kept
/// as scripts come and go:
///
///     lua_scripts_mem                         per script: sds SHA key + body string
///   + dictMemUsage(lua_scripts)               entries × 24 + buckets × 8
///   + dictSize × sizeof(luaScript)            24 (7.4+) or 16 (7.2)
///   + listLength(lru) × sizeof(listNode)      24, 7.4+ only
///
/// Allocation sizes are the size classes of Redis's bundled jemalloc, what
/// its `zmalloc_size` reports (see `sizeClass`). The dict is modelled with rehashing complete:
/// Redis rehashes incrementally with a per-process random hash seed, so the
/// transient second table cannot be reproduced by anyone.
struct RedisScriptMemory {
    static let dictEntryBytes = 24
    static let bucketBytes = 8
    static let listNodeBytes = 24
    static let robjBytes = 16
    static let embstrLimit = 44
    static let bigArgument = 32 * 1024

    /// The usable size jemalloc gives a request of `n` bytes *as Redis builds it*:
    /// Redis configures its bundled jemalloc with `--with-lg-quantum=3`, so
    /// classes are 8, 16, 24, 32, then four per doubling (40, 48, 56, 64, 80, ...).
    /// The system jemalloc (16-byte quantum) would give other figures, so the
    /// classes are computed, not asked of the local allocator. Checked against
    /// a real INFO dump (176 bytes for one 17-byte script, tests).
    static func sizeClass(_ n: Int) -> Int {
        if n <= 0 { return 0 }
        if n <= 32 { return (n + 7) & ~7 }
        let lg = Int.bitWidth - 1 - (n - 1).leadingZeroBitCount   // floor(log2(n - 1))
        let delta = 1 << (lg - 2)
        return (n + delta - 1) & ~(delta - 1)
    }

    /// `sdsZmallocSize(sha)`: a 40-byte sds with an 8-bit header.
    static let shaKeyBytes = sizeClass(3 + 40 + 1)

    /// `getStringObjectSdsUsedMemory(body)` for a body as a client's argv holds it.
    static func bodyBytes(length n: Int) -> Int {
        if n <= embstrLimit {
            // EMBSTR: robj and sds in one block; Redis subtracts the robj header.
            return sizeClass(robjBytes + 3 + n + 1) - robjBytes
        }
        if n >= bigArgument {
            // Arguments of 32 KiB and more are taken from the query buffer, CRLF room included.
            return sizeClass(sdsHeader(n + 2) + n + 2 + 1)
        }
        return sizeClass(sdsHeader(n) + n + 1)
    }

    static func sdsHeader(_ n: Int) -> Int {
        switch n {
        case ..<256: return 3
        case ..<65536: return 5
        case ..<(1 << 32): return 9
        default: return 17
        }
    }

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
