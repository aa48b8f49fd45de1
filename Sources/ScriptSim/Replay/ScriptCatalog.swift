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

    /// From 40 hex digits, either case (Redis's lookups ignore case).
    init?(hex: UnsafeBufferPointer<UInt8>) {
        guard hex.count == 40 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 20)
        for i in 0..<20 {
            guard let hi = ArgumentSplitter.hexValue(hex[2 * i]), let lo = ArgumentSplitter.hexValue(hex[2 * i + 1]) else { return nil }
            bytes[i] = hi << 4 | lo
        }
        self.init(bytes: bytes)
    }

    /// 40 lowercase hex digits, as Redis's `sha1hex` writes them.
    var hex: String {
        String(a, radix: 16).leftPadded(16) + String(b, radix: 16).leftPadded(16) + String(c, radix: 16).leftPadded(8)
    }
}

private extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}

/// Every distinct script a trace mentions, interned to a dense `ScriptID`.
///
/// Holds one copy of each distinct body, so memory grows with distinct
/// scripts, never with trace length. An EVALSHA of a SHA never seen with a body
/// gets an id too (it can only ever meet NOSCRIPT until its body shows up).
///
/// Written by the reader thread between batches, read by policy replays
/// during a batch — never both at once.
public final class ScriptCatalog {
    struct Entry {
        var sha: SHA1Key
        /// Script body, once seen with EVAL or SCRIPT LOAD.
        var body: [UInt8]?
        /// Bytes Redis's `used_memory_scripts_eval` counts for this script's SHA key and body.
        var redisBytes: Int
        /// VM bytes the compiled function holds (0 if it does not compile).
        var vmBytes: Int
        /// Whether the body compiles (shebang included): false also while the body is unknown.
        var compiles: Bool
        /// Whether a trace line sent the body (the summary counts those, not `--scripts` bodies).
        var sentInTrace = false
    }

    private(set) var entries: [Entry] = []
    private var index: [SHA1Key: ScriptID] = [:]
    public private(set) var bodyBytes = 0
    public private(set) var withBody = 0
    /// Measures each distinct body's VM bytes (and whether it compiles), when
    /// something needs it: byte budgets and the sweep's one-pass model. It costs
    /// one more compile per distinct script, so plain replays go without.
    private let meter: ScriptCostMeter?

    public init(measureCosts: Bool = true) throws(EngineError) {
        meter = measureCosts ? try ScriptCostMeter() : nil
    }


    public var count: Int { entries.count }

    /// Interns a body sent with EVAL or SCRIPT LOAD (hashing it once).
    func intern(body: UnsafeBufferPointer<UInt8>) -> ScriptID {
        let id = known(body)
        if !entries[Int(id)].sentInTrace {
            entries[Int(id)].sentInTrace = true
            bodyBytes += body.count
            withBody += 1
        }
        return id
    }

    /// Interns a body the client holds from the start (`--scripts`): known for
    /// recovery, not counted as sent until a trace line sends it.
    @discardableResult
    func preload(body: UnsafeBufferPointer<UInt8>) -> ScriptID { known(body) }

    private func known(_ body: UnsafeBufferPointer<UInt8>) -> ScriptID {
        let key = SHA1Key(digest: Insecure.SHA1.hash(data: UnsafeRawBufferPointer(body)))
        if let id = index[key] {
            if entries[Int(id)].body == nil { attach(body, to: id) }
            return id
        }
        let id = add(key)
        attach(body, to: id)
        return id
    }

    /// Interns a SHA sent with EVALSHA. One that is not 40 hex digits matches
    /// no script on a server (NOSCRIPT): all such share one id that never gets a body.
    func intern(sha hex: UnsafeBufferPointer<UInt8>) -> ScriptID {
        guard let key = SHA1Key(hex: hex) else {
            if let id = invalidSHA { return id }
            precondition(entries.count < Int(UInt32.max), "too many distinct scripts")
            let id = ScriptID(entries.count)
            entries.append(Entry(sha: SHA1Key(bytes: [UInt8](repeating: 0, count: 20)), body: nil,
                                 redisBytes: RedisScriptMemory.shaKeyBytes, vmBytes: 0, compiles: false))
            invalidSHA = id
            return id
        }
        return index[key] ?? add(key)
    }

    /// The id every EVALSHA of a malformed SHA shares (not in `index`).
    private var invalidSHA: ScriptID?

    /// Whether the body of `id` compiles (known from measuring it; false without a meter).
    func compiles(_ id: ScriptID) -> Bool { entries[Int(id)].compiles }

    /// Whether the body of `id` is known (a client can retry EVALSHA with EVAL).
    func hasBody(_ id: ScriptID) -> Bool { entries[Int(id)].body != nil }

    public func shaHex(_ id: ScriptID) -> String { entries[Int(id)].sha.hex }

    func redisBytes(_ id: ScriptID) -> Int { entries[Int(id)].redisBytes }

    /// Length of the script's body (0 while unknown).
    func bodyLength(_ id: ScriptID) -> Int { entries[Int(id)].body?.count ?? 0 }

    /// What caching the script costs: its measured VM bytes plus its key and
    /// body as Redis stores them. Byte budgets use it.
    func cost(_ id: ScriptID) -> Int { entries[Int(id)].redisBytes + entries[Int(id)].vmBytes }

    /// Calls `body` with the script's bytes.
    func withBody<R>(_ id: ScriptID, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard let bytes = entries[Int(id)].body else { preconditionFailure("script \(id) has no body") }
        return try bytes.withUnsafeBufferPointer(body)
    }

    private func add(_ key: SHA1Key) -> ScriptID {
        precondition(entries.count < Int(UInt32.max), "too many distinct scripts")
        let id = ScriptID(entries.count)
        entries.append(Entry(sha: key, body: nil, redisBytes: RedisScriptMemory.shaKeyBytes, vmBytes: 0, compiles: false))
        index[key] = id
        return id
    }

    private func attach(_ body: UnsafeBufferPointer<UInt8>, to id: ScriptID) {
        entries[Int(id)].body = Array(body)
        entries[Int(id)].redisBytes = RedisScriptMemory.shaKeyBytes + RedisScriptMemory.bodyBytes(length: body.count)
        if let meter, case .success(let offset) = Shebang.codeOffset(body),
           let bytes = meter.measureIfCompiles(UnsafeBufferPointer(rebasing: body[offset...])) {
            entries[Int(id)].vmBytes = bytes
            entries[Int(id)].compiles = true
        }
    }
}
