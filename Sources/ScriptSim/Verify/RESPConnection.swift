#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reply in RESP2, the protocol Redis and Valkey speak by default.
public indirect enum RESPValue: Equatable, Sendable {
    case simple(String)
    case error(String)
    case integer(Int)
    /// nil for the null bulk string.
    case bulk([UInt8]?)
    /// nil for the null array.
    case array([RESPValue]?)

    /// The text of a simple or bulk string.
    public var text: String? {
        switch self {
        case .simple(let s): return s
        case .bulk(let b?): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }
}

/// Why talking to a server failed: refused, timed out, closed, or not RESP.
/// One line; the command line exits with status 69 (EX_UNAVAILABLE).
public struct NetworkError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A minimal blocking RESP2 client over TCP: pipelined writes, one reply
/// parsed at a time, every wait bounded by a timeout. Enough for `verify`,
/// small enough to read in one sitting.
final class RESPConnection {
    let endpoint: String
    private var fd: Int32 = -1
    private var output = ByteBuffer(capacity: 1 << 16)
    private var input = ByteBuffer(capacity: 1 << 16)
    private var readOffset = 0

    /// Connects to `host:port` within `timeout` seconds.
    init(host: String, port: Int, timeout: Double) throws(NetworkError) {
        // Callers validate; this keeps a bad value from trapping in the conversions below.
        let timeout = timeout.isFinite ? min(max(timeout, 0.001), 86_400) : 10
        // An IPv6 address is bracketed, as in a URL and in MONITOR's "[::1]:6379".
        endpoint = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw NetworkError("\(endpoint): cannot resolve host: \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            let s = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if s >= 0 {
                if let why = Self.connect(s, a.pointee.ai_addr, a.pointee.ai_addrlen, timeout: timeout) {
                    lastError = why
                    close(s)
                } else {
                    fd = s
                    break
                }
            }
            ai = a.pointee.ai_next
        }
        guard fd >= 0 else {
            throw NetworkError("\(endpoint): cannot connect: \(lastError)")
        }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Wraps a socket already connected (the fuzz target's socket pair).
    init(connectedSocket: Int32, endpoint: String) {
        self.endpoint = endpoint
        fd = connectedSocket
    }

    deinit {
        if fd >= 0 { close(fd) }
        output.deallocate()
        input.deallocate()
    }

    /// Non-blocking connect bounded by `timeout`; nil on success, else why not.
    private static func connect(_ s: Int32, _ addr: UnsafeMutablePointer<sockaddr>?, _ len: socklen_t, timeout: Double) -> String? {
        let flags = fcntl(s, F_GETFL, 0)
        _ = fcntl(s, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(s, F_SETFL, flags) }
        if Glibc.connect(s, addr, len) == 0 { return nil }
        guard errno == EINPROGRESS else { return String(cString: strerror(errno)) }
        var p = pollfd(fd: s, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&p, 1, Int32(timeout * 1000))
        if ready == 0 { return "timed out after \(timeout) s" }
        if ready < 0 { return String(cString: strerror(errno)) }
        var err: Int32 = 0
        var elen = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &elen)
        return err == 0 ? nil : String(cString: strerror(err))
    }

    // MARK: Writing

    /// Queues one command (not sent until `flush`).
    func queue(_ arguments: [UnsafeBufferPointer<UInt8>]) {
        header("*", arguments.count)
        for a in arguments { bulk(a) }
    }

    /// Queues one command given as byte arrays.
    func queue(_ arguments: [[UInt8]]) {
        header("*", arguments.count)
        for a in arguments { a.withUnsafeBufferPointer { bulk($0) } }
    }

    /// Queues one command given as strings.
    func queue(_ arguments: [String]) {
        header("*", arguments.count)
        for a in arguments { Array(a.utf8).withUnsafeBufferPointer { bulk($0) } }
    }

    private func header(_ kind: String, _ n: Int) {
        Array("\(kind)\(n)\r\n".utf8).withUnsafeBufferPointer { output.append(contentsOf: $0) }
    }

    private func bulk(_ bytes: UnsafeBufferPointer<UInt8>) {
        header("$", bytes.count)
        output.append(contentsOf: bytes)
        output.append(0x0D)
        output.append(0x0A)
    }

    /// Sends everything queued.
    func flush() throws(NetworkError) {
        var sent = 0
        while sent < output.count {
            let n = send(fd, output.base + sent, output.count - sent, Int32(MSG_NOSIGNAL))
            if n > 0 { sent += n; continue }
            if n < 0, errno == EINTR { continue }
            throw NetworkError("\(endpoint): write failed: \(n == 0 ? "connection closed" : errnoText())")
        }
        output.removeAll()
    }

    /// Sends everything queued and reads one reply (the only one outstanding).
    func flushAndRead() throws(NetworkError) -> RESPValue {
        try flush()
        return try readReply()
    }

    /// Sends one command and reads its reply.
    func call(_ arguments: [String]) throws(NetworkError) -> RESPValue {
        queue(arguments)
        try flush()
        return try readReply()
    }

    // MARK: Reading

    /// Limits on what a reply may hold. Nothing verify sends gets replies
    /// nested more than two deep (EXEC's array) or larger than one INFO text;
    /// a peer sending more is not a server we understand, and must not run the
    /// process out of stack or memory.
    static let maxDepth = 32
    static let maxBulkBytes = 512 << 20
    static let maxArrayItems = 1 << 24

    /// Reads one complete reply.
    func readReply() throws(NetworkError) -> RESPValue { try readReply(depth: 0) }

    private func readReply(depth: Int) throws(NetworkError) -> RESPValue {
        guard depth < Self.maxDepth else { throw protocolError("replies nested more than \(Self.maxDepth) deep") }
        let kind = try readByte()
        let line = try readLine()
        switch kind {
        case UInt8(ascii: "+"): return .simple(line)
        case UInt8(ascii: "-"): return .error(line)
        case UInt8(ascii: ":"):
            guard let n = Int(line) else { throw protocolError("integer reply '\(line)'") }
            return .integer(n)
        case UInt8(ascii: "$"):
            guard let n = Int(line), n >= -1, n <= Self.maxBulkBytes else { throw protocolError("bulk length '\(line)'") }
            if n == -1 { return .bulk(nil) }
            let bytes = try readBytes(n)
            guard try readByte() == 0x0D, try readByte() == 0x0A else { throw protocolError("bulk string not ended by CRLF") }
            return .bulk(bytes)
        case UInt8(ascii: "*"):
            guard let n = Int(line), n >= -1, n <= Self.maxArrayItems else { throw protocolError("array length '\(line)'") }
            if n == -1 { return .array(nil) }
            var items: [RESPValue] = []
            items.reserveCapacity(min(n, 1024))
            for _ in 0..<n { items.append(try readReply(depth: depth + 1)) }
            return .array(items)
        default:
            throw protocolError("unexpected byte 0x\(String(kind, radix: 16)) at the start of a reply")
        }
    }

    private func protocolError(_ what: String) -> NetworkError {
        NetworkError("\(endpoint): protocol error: \(what); is this a Redis or Valkey server?")
    }

    private func errnoText() -> String {
        errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : String(cString: strerror(errno))
    }

    private func fill() throws(NetworkError) {
        if readOffset > 0 && readOffset == input.count {
            input.removeAll()
            readOffset = 0
        } else if readOffset > (1 << 20) {
            input.removeFirst(readOffset)
            readOffset = 0
        }
        input.reserve(input.count + (1 << 16))
        while true {
            let n = recv(fd, input.base + input.count, 1 << 16, 0)
            if n > 0 { input.commit(n); return }
            if n == 0 { throw NetworkError("\(endpoint): connection closed by the server") }
            if errno == EINTR { continue }
            throw NetworkError("\(endpoint): read failed: \(errnoText())")
        }
    }

    private func readByte() throws(NetworkError) -> UInt8 {
        while readOffset >= input.count { try fill() }
        defer { readOffset += 1 }
        return input.base[readOffset]
    }

    private func readBytes(_ n: Int) throws(NetworkError) -> [UInt8] {
        while input.count - readOffset < n { try fill() }
        defer { readOffset += n }
        return Array(input.slice(readOffset..<(readOffset + n)))
    }

    private func readLine() throws(NetworkError) -> String {
        var scanned = readOffset
        while true {
            while scanned + 1 < input.count {
                if input.base[scanned] == 0x0D, input.base[scanned + 1] == 0x0A {
                    let text = String(decoding: input.slice(readOffset..<scanned), as: UTF8.self)
                    readOffset = scanned + 2
                    return text
                }
                scanned += 1
                if scanned - readOffset > 1 << 20 { throw protocolError("reply line longer than 1 MiB") }
            }
            let consumed = readOffset
            try fill()
            scanned += readOffset - consumed   // fill may have moved the data to the front
        }
    }
}
