/// How a server version counts its Functions in `used_memory_functions`
/// (`functionsMemoryOverhead`, renamed `functionsMemoryEngine` in 8.0): the
/// libraries' and functions' own structures, not the functions VM (that is
/// `used_memory_vm_functions`). Read in each server's src/functions.c and
/// function_lua.c and checked against 92 INFO readings of Redis 7.0.15, 7.4.1,
/// 8.0.2 and Valkey 9.1.2 (docs/research/functions.md §4).
public struct FunctionsMemoryLayout: Equatable, Sendable {
    /// What an empty server shows: Redis's engines dict (56) and `functionsLibCtx`
    /// (32) plus the Lua engine's own bytes; Valkey's all told.
    public var emptyBytes: Int
    /// Redis 7.4 and 8.0 register the engine's bytes again on every FUNCTION FLUSH
    /// and never subtract them (104 each time); nil where a flush adds nothing.
    public var bytesAddedPerFlush: Int?
    /// Valkey's function entries (string objects for names, its own structs) rather than Redis's sds.
    public var valkeyEntries: Bool
    /// Whose size classes the structures are sized by.
    public var allocator: ScriptAllocator

    public init(emptyBytes: Int, bytesAddedPerFlush: Int? = nil, valkeyEntries: Bool = false, allocator: ScriptAllocator) {
        self.emptyBytes = emptyBytes
        self.bytesAddedPerFlush = bytesAddedPerFlush
        self.valkeyEntries = valkeyEntries
        self.allocator = allocator
    }
}

/// The model of `used_memory_functions` for one functions VM: libraries are
/// added, replaced and deleted, and a flush empties them, as the server does.
struct FunctionsMemory {
    /// A registered function as the figure counts it.
    struct Function {
        var nameLength: Int
        /// nil: no description given.
        var descriptionLength: Int?
    }

    let layout: FunctionsMemoryLayout
    /// Each loaded library's bytes and its number of functions.
    private var libraries: [String: (bytes: Int, functions: Int)] = [:]
    private var functions = 0
    /// The functions dict's buckets: a power of two from 4, grown as functions
    /// are added and never shrunk until a flush (8 bytes each).
    private var buckets = 0
    private var flushes = 0

    init(layout: FunctionsMemoryLayout) { self.layout = layout }

    private func usable(_ n: Int) -> Int { layout.allocator.usable(n) }

    /// `used_memory_functions` now (the dict's settled figure: no rehash in flight).
    var total: Int {
        layout.emptyBytes + flushes * (layout.bytesAddedPerFlush ?? 0) + buckets * 8 + libraries.values.reduce(0) { $0 + $1.bytes }
    }

    /// FUNCTION LOAD (or LOAD REPLACE) of `name` that succeeded.
    mutating func load(library name: String, codeLength: Int, functions registered: [Function]) {
        // REPLACE: the old library's entries go, the new one's come.
        functions -= libraries[name]?.functions ?? 0
        var bytes = usable(32) + sds(name.utf8.count) + sds(codeLength)
        for f in registered { bytes += functionBytes(f) }
        libraries[name] = (bytes, registered.count)
        functions += registered.count
        while functions > buckets { buckets = buckets == 0 ? 4 : buckets * 2 }
    }

    /// FUNCTION DELETE of a loaded library.
    mutating func delete(library name: String) {
        functions -= libraries.removeValue(forKey: name)?.functions ?? 0
    }

    /// FUNCTION FLUSH: no library, an empty dict (no buckets until the next load).
    mutating func flush() {
        libraries.removeAll()
        functions = 0
        buckets = 0
        flushes += 1
    }

    /// An sds made by `sdsnew`: a 1-byte header under 32 bytes.
    private func sds(_ n: Int) -> Int {
        let header = n < 32 ? 1 : n < 256 ? 3 : n < 65536 ? 5 : 9
        return usable(header + n + 1)
    }

    /// Valkey's names are string objects: embedded up to 116 bytes.
    private func stringObject(_ n: Int) -> Int { n <= 116 ? usable(8 + max(8, n + 4)) : 16 }

    /// A function's dict entry (24), its `functionInfo` and names.
    private func functionBytes(_ f: Function) -> Int {
        if layout.valkeyEntries {
            return 24 + usable(16) + usable(16) + usable(40) + stringObject(f.nameLength)
                + (f.descriptionLength.map(stringObject) ?? 0)
        }
        return 24 + usable(40) + sds(f.nameLength) + (f.descriptionLength.map(sds) ?? 0) + usable(4)
    }
}
