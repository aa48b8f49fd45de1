internal import CScriptsimEngine

/// The Lua environment a server version builds before its first script, as a
/// Lua 5.1 VM copies it: its libraries, its `redis` (or Valkey's `server`)
/// table and version fields, and its protections. Each server profile
/// (`ServerProfile.lua`) states its own; the C side holds none of these facts.
public struct ServerEnvironment: Equatable, Sendable {
    public enum Family: String, Sendable {
        /// `redis` table, `__redis__err__handler`, scripts under "f_<sha>".
        case redis
        /// `server` table aliased as `redis`, the handler in the registry,
        /// scripts in luaL_ref slots, KEYS/ARGV presized (Valkey 9's engine_lua.c).
        case valkey
    }
    public var family: Family
    /// getfenv, setfenv and newproxy on the globals allow list (upstream Redis up
    /// to 8.0; dropped by the CVE-2025-46818 fix: Debian's 7.0.15, Redis 8.2.2, Valkey 9).
    public var insecureAPI: Bool
    /// The os library (only `os.clock`): Redis 7.4+ and Valkey.
    public var osLibrary: Bool
    /// `luaSetTableProtectionForBasicTypes` at init (the same fix).
    public var basicTypeProtection: Bool
    /// `redis.REDIS_VERSION` ("7.2.4" on every Valkey, its compatibility version).
    public var redisVersion: String
    /// `server.VALKEY_VERSION` (Valkey only).
    public var valkeyVersion: String?
    /// The CVE-2025-46819 lexer (deps/lua/src/llex.c skip_sep returning level + 2): a `[[` inside a
    /// level-0 long string or comment is text, not "nesting of [[...]] is deprecated".
    /// Debian's 7.0.15, Redis 7.4.6 / 8.0.4 / 8.2.2, Valkey 7.2.11 / 8.0.6 / 8.1.4 / 9.x.
    public var nestedLongBracketsAreText: Bool
    /// Valkey's `server` table, aliased as `redis`, with VALKEY_VERSION and SERVER_NAME: every Valkey.
    public var serverTable: Bool { valkeyVersion != nil }

    public init(family: Family, insecureAPI: Bool, osLibrary: Bool, basicTypeProtection: Bool,
                redisVersion: String, valkeyVersion: String? = nil, nestedLongBracketsAreText: Bool = false) {
        self.nestedLongBracketsAreText = nestedLongBracketsAreText
        self.family = family
        self.insecureAPI = insecureAPI
        self.osLibrary = osLibrary
        self.basicTypeProtection = basicTypeProtection
        self.redisVersion = redisVersion
        self.valkeyVersion = valkeyVersion
    }

    /// `REDIS_VERSION_NUM`'s encoding: 0x00MMmmpp ("7.0.15" is 0x07000f).
    static func versionNumber(_ version: String) -> Int32 {
        let parts = version.split(separator: ".").map { Int32($0) ?? 0 } + [0, 0, 0]
        return parts[0] << 16 | parts[1] << 8 | parts[2]
    }

    /// Calls `body` with the C description (valid only during the call).
    func withCEnvironment<R>(_ body: (UnsafePointer<csim_server_env>) -> R) -> R {
        redisVersion.withCString { redis in
            (valkeyVersion ?? "").withCString { valkey in
                var env = csim_server_env(
                    family: Int32(family == .valkey ? CSIM_SERVER_VALKEY : CSIM_SERVER_REDIS),
                    insecure_api: insecureAPI ? 1 : 0, os_library: osLibrary ? 1 : 0,
                    basic_type_protection: basicTypeProtection ? 1 : 0, server_table: serverTable ? 1 : 0,
                    redis_version: redis, redis_version_num: Self.versionNumber(redisVersion),
                    valkey_version: valkey, valkey_version_num: Self.versionNumber(valkeyVersion ?? "0"))
                return body(&env)
            }
        }
    }
}
