/// Storage the trace reader manages by hand: argument bytes and their ranges
/// are handed to consumers as plain pointers (no retain, no copy), valid until
/// the buffer is reused for the next line or piece.

/// A growable byte buffer whose storage address only changes when it grows.
struct ByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 4096) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    func deallocate() { base.deallocate() }

    mutating func removeAll() { count = 0 }

    /// Keeps the first `n` bytes.
    mutating func truncate(to n: Int) { count = min(count, n) }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if count == capacity { grow(to: capacity * 2) }
        base[count] = byte
        count += 1
    }

    /// Stores the 8 bytes of `word` after `count` and keeps the first `n` of
    /// them (the caller has reserved room for the whole word).
    @inline(__always)
    mutating func appendWord(_ word: UInt64, keeping n: Int) {
        UnsafeMutableRawPointer(base + count).storeBytes(of: word, as: UInt64.self)
        count += n
    }

    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        if count + bytes.count > capacity { grow(to: max(capacity * 2, count + bytes.count)) }
        if let src = bytes.baseAddress { (base + count).update(from: src, count: bytes.count) }
        count += bytes.count
    }

    /// Drops the first `n` bytes, moving the rest to the front.
    mutating func removeFirst(_ n: Int) {
        guard n > 0 else { return }
        let rest = count - n
        if rest > 0 { base.update(from: base + n, count: rest) }
        count = rest
    }

    mutating func reserve(_ n: Int) {
        if n > capacity { grow(to: Swift.max(capacity * 2, n)) }
    }

    /// Marks `n` more bytes, written directly after `count`, as used.
    mutating func commit(_ n: Int) { count += n }

    /// Where `part` (a piece of these bytes) starts in them.
    func offset(of part: UnsafeBufferPointer<UInt8>) -> Int {
        guard let p = part.baseAddress else { return 0 }
        return UnsafeMutablePointer(mutating: p) - base
    }

    func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    private mutating func grow(to newCapacity: Int) {
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = newCapacity
    }
}

/// A growable list of arguments (ranges into a `ByteBuffer`) whose storage is
/// managed by hand, so a command can point at a line's arguments without
/// retaining anything.
struct ArgumentList: RandomAccessCollection {
    private(set) var base: UnsafeMutablePointer<ArgumentSplitter.Argument>
    private(set) var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 16) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    func deallocate() { base.deallocate() }

    var startIndex: Int { 0 }
    var endIndex: Int { count }
    subscript(i: Int) -> ArgumentSplitter.Argument { base[i] }

    mutating func removeAll() { count = 0 }

    mutating func truncate(to n: Int) { count = Swift.min(count, n) }

    mutating func append(_ argument: ArgumentSplitter.Argument) {
        if count == capacity {
            let fresh = UnsafeMutablePointer<ArgumentSplitter.Argument>.allocate(capacity: capacity * 2)
            fresh.moveInitialize(from: base, count: count)
            base.deallocate()
            base = fresh
            capacity *= 2
        }
        (base + count).initialize(to: argument)
        count += 1
    }
}

/// A line's (or a piece's lines') unescaped arguments: the bytes and the
/// ranges in them. Managed by hand: copies share the storage.
struct ArgumentStorage {
    // No default values: a default would be allocated, then overwritten by
    // the sized init and leaked (the trace-reader fuzz target found it).
    var bytes: ByteBuffer
    var list: ArgumentList

    init() { self.init(bytes: 4096, arguments: 16) }

    init(bytes: Int, arguments: Int) {
        self.bytes = ByteBuffer(capacity: bytes)
        list = ArgumentList(capacity: arguments)
    }

    func deallocate() {
        bytes.deallocate()
        list.deallocate()
    }

    mutating func removeAll() {
        bytes.removeAll()
        list.removeAll()
    }

    /// Forgets what was appended after `bytes` bytes and `arguments` arguments.
    mutating func truncate(bytes n: Int, arguments k: Int) {
        bytes.truncate(to: n)
        list.truncate(to: k)
    }

    /// The arguments from `first` on, as plain pointers (valid until the storage grows).
    func view(from first: Int) -> TraceArguments {
        TraceArguments(bytes: bytes.base, list: list.base + first, count: list.count - first)
    }
}
