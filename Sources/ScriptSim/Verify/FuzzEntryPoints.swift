#if canImport(Glibc)
import Glibc
#endif

/// Entry points for the libFuzzer targets in `Fuzz/` (a package of its own,
/// which sees only the public API). Not part of the tool's interface.
public enum FuzzEntryPoints {
    /// Parses `data` as a stream of RESP replies, as `verify` reads a server,
    /// until it ends: the number of complete replies, or the protocol error.
    /// Any crash, hang or unbounded allocation here is a bug.
    public static func respReplies(_ data: UnsafeRawBufferPointer) -> Result<Int, NetworkError> {
        var pair: [Int32] = [-1, -1]
        guard data.count <= 1 << 16, socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { return .success(0) }
        var sent = 0
        while sent < data.count {
            let n = write(pair[0], data.baseAddress! + sent, data.count - sent)
            if n <= 0 { break }
            sent += n
        }
        close(pair[0])
        let connection = RESPConnection(connectedSocket: pair[1], endpoint: "fuzz")
        var replies = 0
        while true {
            do {
                _ = try connection.readReply()
                replies += 1
            } catch {
                return error.message.hasSuffix("connection closed by the server") ? .success(replies) : .failure(error)
            }
        }
    }

    /// Every small parser a user types into: policy and server specs, sizes, sweep
    /// ranges and targets, client names; and a script's shebang line, as each
    /// server splits it. Each answers a value or a typed error.
    public static func userInput(_ text: String) {
        _ = try? PolicyRegistry.builtIn.configuration(text)
        _ = try? ServerRegistry.builtIn.configuration(text)
        _ = try? ServerRegistry.builtIn.runs(servers: [text], policies: [text])
        for dialect in [Shebang.Dialect.redis, .valkey] {
            _ = Array(("#!" + text + "\nreturn 1").utf8).withUnsafeBufferPointer { Shebang.parse($0, dialect: dialect) }
        }
        _ = ByteSize.parse(text)
        _ = ByteSize.problem(text)
        _ = try? SweepTarget.parseList(text)
        _ = ClientChoice(parsing: text)
        for policy in ["eval-lru", "size-capped", "pinned-loaded"] {
            _ = try? SweepSpec.values(text, policy: policy, points: 5, linear: text.count % 2 == 0)
        }
    }
}
