import Crypto
import Foundation

/// What verify asks the server: AUTH, INFO and its sections, the rehash a
/// SCRIPT EXISTS settles, and the refusal of a server that holds data.
extension Verifier {
    // MARK: INFO

    /// AUTH, as redis-cli sends it; a refusal is one clear line, never the password.
    static func authenticate(_ c: RESPConnection, user: String?, password: String?) throws(NetworkError) {
        guard let password else {
            if user != nil { throw NetworkError("--user needs a password: --pass or REDISCLI_AUTH") }
            return
        }
        let reply = try c.call(user.map { ["AUTH", $0, password] } ?? ["AUTH", password])
        if case .error(let m) = reply {
            throw NetworkError("\(c.endpoint): authentication failed\(user.map { " for user '\($0)'" } ?? ""): \(m)")
        }
    }

    static func sha1Hex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        SHA1Key(digest: Insecure.SHA1.hash(data: UnsafeRawBufferPointer(bytes))).hex
    }

    /// A server's scripts dict rehashes incrementally, one bucket per lookup,
    /// after each power-of-two crossing; while it does, INFO counts both bucket
    /// tables in `used_memory_scripts_eval`. One SCRIPT EXISTS of enough
    /// never-cached SHAs (a lookup each, nothing else touched: no recency, no
    /// stats compared here) finishes it, so the figure is the settled one.
    static func settleRehash(_ c: RESPConnection) throws {
        let cached = Int(try info(c, "memory")["number_of_cached_scripts"] ?? "0") ?? 0
        guard cached > 4 else { return }
        let lookups = min(2 * cached + 64, 1 << 20)
        c.queue(["SCRIPT", "EXISTS"] + Array(repeating: String(repeating: "0", count: 40), count: lookups))
        let reply = try c.flushAndRead()
        if case .error(let m) = reply { throw NetworkError("\(c.endpoint): SCRIPT EXISTS failed: \(m)") }
    }

    /// `errorstat_<NAME>:count=N` from INFO errorstats (Redis 6.2+), nil when absent there.
    static func errorCount(_ errors: [String: String], _ name: String) -> Int? {
        guard !errors.isEmpty else { return nil }
        guard let v = errors["errorstat_\(name)"] else { return 0 }
        return v.split(separator: ",").first { $0.hasPrefix("count=") }.flatMap { Int($0.dropFirst(6)) }
    }

    static func info(_ c: RESPConnection, _ section: String) throws(NetworkError) -> [String: String] {
        let reply = try c.call(["INFO", section])
        guard let text = reply.text else {
            if case .error(let m) = reply, m.hasPrefix("NOAUTH") {
                throw NetworkError("\(c.endpoint): the server requires a password (\(m)); give --pass (and --user) or set REDISCLI_AUTH")
            }
            if case .error(let m) = reply { throw NetworkError("\(c.endpoint): INFO \(section) failed: \(m)") }
            throw NetworkError("\(c.endpoint): INFO \(section) gave no text")
        }
        var out: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return out
    }

    /// Refuses a server holding keys or cached scripts, reading only INFO.
    static func checkEmpty(_ c: RESPConnection) throws {
        let keyspace = try info(c, "keyspace")
        let keys = keyspace.filter { $0.key.hasPrefix("db") }
        let scripts = Int(try info(c, "memory")["number_of_cached_scripts"] ?? "0") ?? 0
        guard keys.isEmpty, scripts == 0 else {
            var what: [String] = []
            if !keys.isEmpty { what.append("keys in \(keys.keys.sorted().joined(separator: ", "))") }
            if scripts > 0 { what.append("\(scripts) cached script\(scripts == 1 ? "" : "s")") }
            throw VerifyRefusal(message: "\(c.endpoint): refusing to verify against a server that holds \(what.joined(separator: " and ")); verify writes keys and scripts, so use an empty server or --start")
        }
    }
}
