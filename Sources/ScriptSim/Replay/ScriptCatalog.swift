#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto

/// Every distinct script a trace mentions, interned to a dense `ScriptID`.
///
/// Holds one copy of each distinct body, so memory grows with distinct
/// scripts, never with trace length. An EVALSHA of a SHA never seen with a body
/// gets an id too (it can only ever meet NOSCRIPT until its body shows up).
///
/// A body is recognised by a fast hash of its bytes and a byte comparison
/// (`BodyTable`); its SHA1 is computed once, when the body is new. EVALSHA
/// looks its SHA up in the SHA1 index. `internBySHA1` hashes every body with
/// SHA1 instead, as Redis does: the same ids in the same order (tests compare).
///
/// One thread (the reader) writes; policy replays read entries concurrently,
/// only ids below the count published with their batch. Entries and bodies
/// never move once written (`EntryStore`, `BodyArena`), and an entry's body
/// fields are written before any event that reads them is published.
public final class ScriptCatalog {
    struct Entry {
        var sha: SHA1Key
        /// Script body, once seen with EVAL or SCRIPT LOAD (in `arena`).
        var body: UnsafePointer<UInt8>?
        var bodyCount: Int
        /// VM bytes the compiled function holds (0 if it does not compile).
        var vmBytes: Int
        /// Whether the body compiles (shebang included): false also while the body is unknown.
        var compiles: Bool
        /// Whether a trace line sent the body (the summary counts those, not `--scripts` bodies).
        var sentInTrace = false

        init(sha: SHA1Key) {
            self.sha = sha
            body = nil
            bodyCount = 0
            vmBytes = 0
            compiles = false
        }
    }

    private let entries = EntryStore<Entry>()
    private let arena = BodyArena()
    /// SHA1 → id, by the digest's first 64 bits (already uniform) and confirmed
    /// on the whole digest: no `Hasher` per lookup or per resize, which a
    /// dictionary of `SHA1Key` spent 5% of the miss path on.
    private var index = BodyTable()
    private var bodies = BodyTable()
    /// Hash every body with SHA1 (Redis's way) instead of recognising repeats by
    /// the fast hash: kept to show the two give identical answers.
    let internBySHA1: Bool
    public private(set) var bodyBytes = 0
    public private(set) var withBody = 0
    /// Measures each distinct body's VM bytes (and whether it compiles), when
    /// something needs it: byte budgets and the sweep's one-pass model. It costs
    /// one more compile per distinct script, so plain replays go without.
    private let meter: ScriptCostMeter?

    public convenience init(measureCosts: Bool = true) throws(EngineError) {
        try self.init(measureCosts: measureCosts, internBySHA1: false)
    }

    init(measureCosts: Bool, internBySHA1: Bool) throws(EngineError) {
        meter = measureCosts ? try ScriptCostMeter() : nil
        self.internBySHA1 = internBySHA1
    }

    /// Ids interned so far. Only the interning thread may ask while policies
    /// replay: they use the count published with their batch.
    public var count: Int { entries.count }

    /// Interns a body sent with EVAL or SCRIPT LOAD (`digest`: its fast hash,
    /// when a parsing thread already worked it out).
    func intern(body: UnsafeBufferPointer<UInt8>, digest: PayloadDigest = .none) -> ScriptID {
        let id = known(body, digest: digest)
        let e = entries.pointer(Int(id))
        if !e.pointee.sentInTrace {
            e.pointee.sentInTrace = true
            bodyBytes += body.count
            withBody += 1
        }
        return id
    }

    /// Interns a body the client holds from the start (`--scripts`): known for
    /// recovery, not counted as sent until a trace line sends it.
    @discardableResult
    func preload(body: UnsafeBufferPointer<UInt8>) -> ScriptID { known(body) }

    private func known(_ body: UnsafeBufferPointer<UInt8>, digest: PayloadDigest = .none) -> ScriptID {
        if internBySHA1 { return bySHA1(body, hash: nil) }
        let h: UInt64
        if case .body(let given) = digest { h = given } else { h = BodyHash.hash(body) }
        if let id = bodies.find(h, matches: { same(body, as: $0) }) { return id }
        return bySHA1(body, hash: h)
    }

    /// Whether `id`'s body is exactly `body`.
    @inline(__always)
    private func same(_ body: UnsafeBufferPointer<UInt8>, as id: ScriptID) -> Bool {
        let e = entries.pointer(Int(id))
        guard e.pointee.bodyCount == body.count, let stored = e.pointee.body else { return false }
        return body.count == 0 || memcmp(stored, body.baseAddress!, body.count) == 0
    }

    /// The SHA1 path: a body not recognised by its fast hash `hash` (nil: not
    /// using the fast table) is hashed, found or added, and remembered.
    private func bySHA1(_ body: UnsafeBufferPointer<UInt8>, hash: UInt64?) -> ScriptID {
        let key = SHA1Key(digest: Insecure.SHA1.hash(data: UnsafeRawBufferPointer(body)))
        let id: ScriptID
        if let found = lookup(key) {
            id = found
            if entries.pointer(Int(id)).pointee.body == nil { attach(body, to: id) }
        } else {
            id = add(key)
            attach(body, to: id)
        }
        // Two bodies with one SHA1 would share an id, as they do in Redis.
        if let hash { bodies.insert(hash, id) }
        return id
    }

    /// Interns a SHA sent with EVALSHA. One that is not 40 hex digits matches
    /// no script on a server (NOSCRIPT): all such share one id that never gets a body.
    /// (`digest`: the SHA1 parsed already by a parsing thread.)
    func intern(sha hex: UnsafeBufferPointer<UInt8>, digest: PayloadDigest = .none) -> ScriptID {
        let parsed: SHA1Key?
        if case .sha(let given) = digest { parsed = given } else { parsed = SHA1Key(hex: hex) }
        guard let key = parsed else {
            if let id = invalidSHA { return id }
            let id = ScriptID(appendEntry(Entry(sha: SHA1Key(bytes: [UInt8](repeating: 0, count: 20)))))
            invalidSHA = id
            return id
        }
        return lookup(key) ?? add(key)
    }

    @inline(__always)
    private func lookup(_ key: SHA1Key) -> ScriptID? {
        index.find(key.a) { entries.pointer(Int($0)).pointee.sha == key }
    }

    /// The id every EVALSHA of a malformed SHA shares (not in `index`).
    private var invalidSHA: ScriptID?

    /// Whether the body of `id` compiles (known from measuring it; false without a meter).
    func compiles(_ id: ScriptID) -> Bool { entries.pointer(Int(id)).pointee.compiles }

    /// Whether the body of `id` is known (a client can retry EVALSHA with EVAL).
    func hasBody(_ id: ScriptID) -> Bool { entries.pointer(Int(id)).pointee.body != nil }

    /// Whether a trace line sent the body of `id`.
    func sentInTrace(_ id: ScriptID) -> Bool { entries.pointer(Int(id)).pointee.sentInTrace }

    public func shaHex(_ id: ScriptID) -> String { entries.pointer(Int(id)).pointee.sha.hex }

    /// Length of the script's body (0 while unknown).
    func bodyLength(_ id: ScriptID) -> Int { entries.pointer(Int(id)).pointee.bodyCount }

    /// The VM bytes its compiled function holds, measured on Lua 5.4 (0 when it
    /// does not compile). A byte budget adds the key and body as its server
    /// stores them (`PolicyReplay.cost`).
    func vmCost(_ id: ScriptID) -> Int { entries.pointer(Int(id)).pointee.vmBytes }

    /// Calls `body` with the script's bytes.
    func withBody<R>(_ id: ScriptID, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let e = entries.pointer(Int(id))
        guard let bytes = e.pointee.body else { preconditionFailure("script \(id) has no body") }
        return try body(UnsafeBufferPointer(start: bytes, count: e.pointee.bodyCount))
    }

    private func appendEntry(_ entry: Entry) -> Int {
        precondition(entries.count < Int(UInt32.max), "too many distinct scripts")
        return entries.append(entry)
    }

    private func add(_ key: SHA1Key) -> ScriptID {
        let id = ScriptID(appendEntry(Entry(sha: key)))
        index.insert(key.a, id)
        return id
    }

    private func attach(_ body: UnsafeBufferPointer<UInt8>, to id: ScriptID) {
        let e = entries.pointer(Int(id))
        e.pointee.body = arena.copy(body)
        e.pointee.bodyCount = body.count
        if let meter, case .success(let offset) = Shebang.codeOffset(body),
           let bytes = meter.measureIfCompiles(UnsafeBufferPointer(rebasing: body[offset...])) {
            e.pointee.vmBytes = bytes
            e.pointee.compiles = true
        }
    }
}
