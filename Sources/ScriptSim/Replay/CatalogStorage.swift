#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The catalog's entries, in chunks that never move once allocated.
///
/// The reader appends entries while policy replays read the ones published
/// with their batch (Replayer+Reading's double buffering). A Swift array
/// would copy its elements to new storage as it grows, under a reader on
/// another thread; here an entry's address is fixed from its creation, and
/// the directory of chunks is mapped once at its full size (untouched pages
/// cost no memory), so a new chunk never moves the others.
final class EntryStore<Element> {
    static var chunkBits: Int { 14 }
    static var chunkSize: Int { 1 << chunkBits }
    /// Chunks the directory can hold: 2^18 × 2^14 ids is every `ScriptID`.
    static var directorySize: Int { 1 << 18 }

    private let directory: UnsafeMutablePointer<UnsafeMutablePointer<Element>?>
    /// Entries appended so far. Only the appending thread reads this while
    /// others read entries; they use the count published with their batch.
    private(set) var count = 0

    init() {
        let bytes = Self.directorySize * MemoryLayout<UnsafeMutablePointer<Element>?>.stride
        let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        precondition(raw != MAP_FAILED && raw != nil, "cannot map the catalog's directory")
        // Anonymous pages read as zero: every chunk pointer starts nil.
        directory = raw!.bindMemory(to: UnsafeMutablePointer<Element>?.self, capacity: Self.directorySize)
    }

    deinit {
        let chunks = (count + Self.chunkSize - 1) >> Self.chunkBits
        for c in 0..<chunks {
            let inChunk = min(Self.chunkSize, count - (c << Self.chunkBits))
            directory[c]!.deinitialize(count: inChunk)
            directory[c]!.deallocate()
        }
        munmap(directory, Self.directorySize * MemoryLayout<UnsafeMutablePointer<Element>?>.stride)
    }

    /// The address of entry `i` (fixed for the store's life). Read single
    /// fields through it: other fields of the entry may be written meanwhile.
    @inline(__always)
    func pointer(_ i: Int) -> UnsafeMutablePointer<Element> {
        directory[i >> Self.chunkBits].unsafelyUnwrapped + (i & (Self.chunkSize - 1))
    }

    /// Appends an entry and returns its index.
    func append(_ element: Element) -> Int {
        let i = count
        precondition(i < Self.directorySize << Self.chunkBits, "too many entries")
        let c = i >> Self.chunkBits
        if directory[c] == nil { directory[c] = .allocate(capacity: Self.chunkSize) }
        (directory[c]! + (i & (Self.chunkSize - 1))).initialize(to: element)
        count = i + 1
        return i
    }
}

/// Script bodies, copied once each into large blocks that are never moved or
/// freed before the catalog, so a policy can read a body while the reader
/// copies the next one (and each body costs no allocation of its own).
final class BodyArena {
    private var blocks: [UnsafeMutablePointer<UInt8>] = []
    private var free: UnsafeMutablePointer<UInt8>?
    private var left = 0
    static let blockBytes = 1 << 20

    deinit { for b in blocks { b.deallocate() } }

    /// A stable copy of `bytes` (a valid pointer even for an empty body).
    func copy(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafePointer<UInt8> {
        let n = bytes.count
        if n > left || free == nil {
            if n > Self.blockBytes / 4 {
                // A large body gets a block of its own; the current block stays in use.
                let own = UnsafeMutablePointer<UInt8>.allocate(capacity: max(n, 1))
                blocks.append(own)
                if let src = bytes.baseAddress { own.update(from: src, count: n) }
                return UnsafePointer(own)
            }
            let block = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.blockBytes)
            blocks.append(block)
            free = block
            left = Self.blockBytes
        }
        let at = free!
        if let src = bytes.baseAddress { at.update(from: src, count: n) }
        free = at + n
        left -= n
        return UnsafePointer(at)
    }
}
