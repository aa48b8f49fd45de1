import Foundation

/// What `scriptsim sweep` varies: one parameter of one policy over a set of values.
public struct SweepSpec: Sendable {
    /// The policy with its other parameters, e.g. `eval-lru:promote-on-load=yes`.
    public var policy: String
    public var key: String
    public var values: [Int]
    public var targets: [SweepTarget]
    /// At most this many full replays where the one-pass model covers the rest.
    public var maxReplays: Int
    /// The server every limit runs on, `NAME[:key=value,...]` (`ServerRegistry`).
    public var server: String

    public init(policy: String, key: String, values: [Int], targets: [SweepTarget] = [], maxReplays: Int = 8,
                server: String = ServerRegistry.policyOnlyServer) {
        self.server = server
        self.policy = policy
        self.key = key
        self.values = values
        self.targets = targets
        self.maxReplays = maxReplays
    }

    /// The server's own eviction rule, without the parameter the sweep varies
    /// (`vary` is `KEY=…`): what a sweep with no `--policy` sweeps.
    public static func serversOwnPolicy(server: String, vary: String) throws(PolicySpecError) -> String {
        let key = vary.split(separator: "=", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        let own = try ServerRegistry.builtIn.configuration(server).defaultPolicy
        let (name, rest) = PolicyRegistry.splitSpec(own)
        let kept = (rest?.split(separator: ",") ?? []).filter { !$0.lowercased().hasPrefix(key + "=") }
        return kept.isEmpty ? String(name) : name + ":" + kept.joined(separator: ",")
    }

    /// More limits than any sweep needs; each one is a policy to run.
    public static let maxPoints = 10_000

    /// The policy being swept, parsed with the varied key filled in (a policy
    /// such as size-capped requires the very parameter the sweep varies) and
    /// then left out of its parameters.
    static func baseSpec(policy: String, varying key: String, registry: PolicyRegistry = .builtIn) throws(PolicySpecError) -> PolicySpec {
        if let spec = try? registry.configuration(policy).spec { return spec }
        let filled = policy + (policy.contains(":") ? "," : ":") + key + "=1"
        guard let spec = try? registry.configuration(filled).spec else { return try registry.configuration(policy).spec }
        return PolicySpec(name: spec.name, parameters: spec.parameters.filter { $0.key != key })
    }

    /// The parameter keys written in a policy spec (not the registry's defaults).
    static func givenKeys(_ policy: String) -> Set<String> {
        guard let colon = policy.firstIndex(of: ":") else { return [] }
        return Set(policy[policy.index(after: colon)...].split(separator: ",").compactMap { pair in
            pair.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        })
    }

    /// Parses `--vary KEY=A..B` (with `points` values, log-spaced unless
    /// `linear`) or `KEY=V1,V2,...`, checking KEY against the registry.
    public static func values(_ vary: String, policy: String, points: Int, linear: Bool,
                              registry: PolicyRegistry = .builtIn) throws(PolicySpecError) -> (key: String, values: [Int]) {
        guard let eq = vary.firstIndex(of: "=") else { throw PolicySpecError("--vary '\(vary)': expected KEY=FROM..TO or KEY=V1,V2,...") }
        let key = vary[..<eq].lowercased()
        let base = try baseSpec(policy: policy, varying: key, registry: registry)
        let rest = String(vary[vary.index(after: eq)...])
        guard let entry = registry.entries.first(where: { $0.name == base.name }),
              let parameter = entry.parameters.first(where: { $0.key == key }),
              parameter.kind == .count || parameter.kind == .bytes else {
            let numeric = registry.entries.first { $0.name == base.name }?.parameters
                .filter { $0.kind == .count || $0.kind == .bytes }.map(\.key) ?? []
            throw PolicySpecError("--vary: policy '\(base.name)' has no numeric parameter '\(key)'; it can vary: \(numeric.isEmpty ? "nothing" : numeric.joined(separator: ", "))")
        }
        // `--policy eval-lru:entries=100 --vary entries=...` would silently replace the 100.
        if givenKeys(policy).contains(key) {
            throw PolicySpecError("--vary \(key): --policy '\(policy)' also sets \(key); the sweep sets it at each limit, so leave it out of --policy")
        }
        func number(_ s: String) throws(PolicySpecError) -> Int {
            let v = parameter.kind == .bytes ? ByteSize.parse(s) : Int(s.trimmingCharacters(in: .whitespaces))
            guard let v, v >= 1 else {
                throw PolicySpecError("--vary \(key): '\(s)' is not a \(parameter.kind == .bytes ? "size" : "whole number") of at least 1")
            }
            return v
        }
        var values: [Int]
        if rest.contains("..") {
            let ends = rest.components(separatedBy: "..")
            guard ends.count == 2 else { throw PolicySpecError("--vary \(key): expected FROM..TO") }
            let lo = try number(ends[0]), hi = try number(ends[1])
            guard lo < hi else { throw PolicySpecError("--vary \(key): FROM must be below TO") }
            guard points >= 2, points <= maxPoints else { throw PolicySpecError("--points must be from 2 to \(maxPoints)") }
            values = (0..<points).map { i in
                if i == points - 1 { return hi }
                let f = Double(i) / Double(points - 1)
                let v = linear ? Double(lo) + f * (Double(hi) - Double(lo)) : exp(log(Double(lo)) + f * (log(Double(hi)) - log(Double(lo))))
                // Doubles near Int.max round above it: stay within FROM..TO.
                let r = min(max(v.rounded(), Double(lo)), Double(hi))
                return r >= 9.2e18 ? hi : Int(r)
            }
        } else {
            values = []
            for part in rest.split(separator: ",") { values.append(try number(String(part))) }
            guard values.count <= maxPoints else { throw PolicySpecError("--vary \(key): at most \(maxPoints) values") }
        }
        values = Array(Set(values)).sorted()
        guard !values.isEmpty else { throw PolicySpecError("--vary \(key): no values") }
        return (key, values)
    }
}
