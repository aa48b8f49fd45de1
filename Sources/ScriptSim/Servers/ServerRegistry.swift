/// A server ready to run: a profile with its `redis.conf` parameters set.
public struct ServerConfiguration: Sendable {
    public var profile: ServerProfile
    public var arguments: ServerArguments
    /// The canonical form printed in reports: `valkey-9.2:maxmemory-scripts=4mb`.
    public var spec: PolicySpec

    /// What a SCRIPT FLUSH without ASYNC or SYNC does on this server.
    public var lazyfreeLazyUserFlush: Bool { arguments.flag("lazyfree-lazy-user-flush") }
    /// Valkey 9.2's `maxmemory-scripts`: the script bytes above which EVAL scripts are evicted (nil: no limit).
    public var evalScriptsMemoryLimit: Int? { arguments.bytes("maxmemory-scripts") }
    /// The server's own eviction rule with these parameters.
    public var defaultPolicy: String { profile.defaultPolicy(arguments) }
}

/// One simulated server: a server configuration and the eviction rule it runs
/// (its own, or the one `--policy` put in its place).
public struct RunConfiguration: Sendable {
    public var server: ServerConfiguration
    public var policy: PolicyConfiguration
    /// Whether `policy` is the server's own rule (not set with `--policy`).
    public var policyIsServers: Bool

    public init(server: ServerConfiguration, policy: PolicyConfiguration, policyIsServers: Bool) {
        self.server = server
        self.policy = policy
        self.policyIsServers = policyIsServers
    }
}

/// The one place a server profile is named and parsed, like `PolicyRegistry`
/// for policies: `--server`, `scriptsim servers`, verify's choice and the
/// reports all read it.
public struct ServerRegistry: Sendable {
    public private(set) var profiles: [ServerProfile]

    public init(profiles: [ServerProfile]) { self.profiles = profiles }

    /// Every built-in profile, oldest first.
    public static let builtIn = ServerRegistry(profiles: RedisProfiles.all + ValkeyProfiles.all)

    /// What runs with neither `--server` nor `--policy`: today's three servers side by side.
    public static let defaultServers = ["redis-7.2", "redis-7.4", "valkey-9.1"]
    /// Where a `--policy` without `--server` runs.
    public static let policyOnlyServer = "redis-7.4"
    /// The profile library callers get when they name none (the Lua environment of a bare `LuaVM`).
    public static let fallbackProfile = builtIn[policyOnlyServer]!

    /// The fewest EVAL scripts any built-in server that evicts keeps (500): a
    /// capture's recorded recoveries are folded knowing no server evicts sooner.
    static let smallestEvalScriptLimit = builtIn.profiles.compactMap(\.evalScriptLimit).min() ?? Int.max

    /// Adds a profile, or replaces one of the same name (how a user's own server joins).
    public mutating func register(_ profile: ServerProfile) {
        profiles.removeAll { $0.name == profile.name }
        profiles.append(profile)
    }

    public subscript(name: String) -> ServerProfile? { profiles.first { $0.name == name.lowercased() } }

    /// Names with their parameters, for messages: "redis-7.0, …, valkey-9.2[:maxmemory-scripts=…]".
    public var usageList: String {
        profiles.map { p in
            let own = p.parameters.filter { $0.key != "lazyfree-lazy-user-flush" }
            return own.isEmpty ? p.name : p.name + "[:" + own.map { "\($0.key)=\($0.defaultValue ?? $0.valueHint)" }.joined(separator: ",") + "]"
        }.joined(separator: ", ")
    }

    /// The servers whose own rule is the policy family `name`, with that rule's spec
    /// ("redis-7.4 (eval-lru)"): what `scriptsim policies` says a policy reproduces.
    public func servers(running name: String) -> [String] {
        profiles.compactMap { p in
            let rule = p.defaultPolicy(ServerArguments())
            return PolicyRegistry.splitSpec(rule).name == name ? "\(p.name) (\(rule))" : nil
        }
    }

    /// Parses `NAME[:key=value,...]`, filling in the server's defaults.
    public func configuration(_ text: String) throws(PolicySpecError) -> ServerConfiguration {
        let (name, rest) = PolicyRegistry.splitSpec(text)
        guard let profile = self[String(name)] else {
            let hint = NearestName.hint(for: String(name), among: profiles.map(\.name))
            throw PolicySpecError("unknown server '\(name)'\(hint); valid servers: \(usageList)")
        }
        let owner = "server '\(profile.name)'"
        let given = try PolicyRegistry.keyValues(rest, of: owner, accepted: profile.parameters)
        let values = try PolicyRegistry.arguments(profile.parameters, given: given, of: owner)
        return ServerConfiguration(profile: profile, arguments: ServerArguments(values: values),
                                   spec: PolicySpec(name: profile.name, parameters: PolicyRegistry.canonical(profile.parameters, values)))
    }

    /// The runs `--server` and `--policy` ask for, server by server: each
    /// server with each policy, or with its own rule when no policy is named;
    /// policies without servers run on `policyOnlyServer`; neither, the default servers.
    public func runs(servers: [String], policies: [String], policyRegistry: PolicyRegistry = .builtIn)
        throws(PolicySpecError) -> [RunConfiguration] {
        let names = servers.isEmpty ? (policies.isEmpty ? Self.defaultServers : [Self.policyOnlyServer]) : servers
        var configurations: [ServerConfiguration] = []
        for name in names { configurations.append(try configuration(name)) }
        var chosen: [PolicyConfiguration] = []
        for p in policies { chosen.append(try policyRegistry.configuration(p)) }
        var out: [RunConfiguration] = []
        for server in configurations {
            if chosen.isEmpty {
                out.append(RunConfiguration(server: server, policy: try policyRegistry.configuration(server.defaultPolicy), policyIsServers: true))
                continue
            }
            for policy in chosen { out.append(RunConfiguration(server: server, policy: policy, policyIsServers: false)) }
        }
        for run in out where run.server.evalScriptsMemoryLimit != nil && !run.policy.makePolicy().evictsForMemory {
            throw PolicySpecError("server '\(run.server.spec)': maxmemory-scripts evicts EVAL scripts in the policy's LRU order, "
                + "and policy '\(run.policy.spec)' keeps none; use eval-lru or pinned-loaded")
        }
        return out
    }

    /// The profile of a server that says it is `product` `version` (INFO's
    /// `server_name` and `redis_version` / `valkey_version`): the one whose
    /// releases hold it, else the newest one before it (with `exact` false).
    public func profile(product: String, version: String) -> (profile: ServerProfile, exact: Bool)? {
        let v = ServerVersion(version)
        let candidates = profiles.filter { $0.product == product }
        if let exact = candidates.first(where: { ServerVersion($0.firstVersion) <= v && v <= ServerVersion($0.lastVersion) }) {
            return (exact, true)
        }
        let before = candidates.filter { ServerVersion($0.firstVersion) <= v }
        return before.max { ServerVersion($0.firstVersion) < ServerVersion($1.firstVersion) }.map { ($0, false) }
    }
}

/// A dotted release number compared part by part ("7.4.10" after "7.4.9").
struct ServerVersion: Comparable {
    let parts: [Int]
    init(_ text: String) {
        let numbers = text.split(separator: ".").map { Int($0) ?? 0 }
        parts = numbers + Array(repeating: 0, count: max(0, 3 - numbers.count))
    }
    static func < (a: ServerVersion, b: ServerVersion) -> Bool { a.parts.lexicographicallyPrecedes(b.parts) }
}
