import Foundation

/// The one place a policy is named, documented and parsed, so `--help`,
/// error messages and reports cannot drift apart (libCacheSim's registry did).
public struct PolicyRegistry: Sendable {
    /// A parameter a policy accepts.
    public struct Parameter: Sendable {
        public enum Kind: Sendable {
            /// A whole number of scripts, at least 1.
            case count
        }
        public var key: String
        public var kind: Kind
        /// Default value as written in a spec; nil when the parameter is required.
        public var defaultValue: String?
        public var help: String

        public init(key: String, kind: Kind, defaultValue: String?, help: String) {
            self.key = key
            self.kind = kind
            self.defaultValue = defaultValue
            self.help = help
        }
    }

    /// Parameter values after parsing.
    public struct Arguments: Sendable {
        var values: [String: Int] = [:]
        public func count(_ key: String) -> Int { values[key]! }
    }

    /// A policy family.
    public struct Entry: Sendable {
        public var name: String
        public var summary: String
        /// The real server whose behaviour this reproduces.
        public var models: String
        public var parameters: [Parameter]
        public var make: @Sendable (PolicySpec, Arguments) -> any CachePolicy

        public init(name: String, summary: String, models: String, parameters: [Parameter],
                    make: @escaping @Sendable (PolicySpec, Arguments) -> any CachePolicy) {
            self.name = name
            self.summary = summary
            self.models = models
            self.parameters = parameters
            self.make = make
        }
    }

    public private(set) var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Every built-in policy.
    public static let builtIn = PolicyRegistry(entries: [UnboundedPolicy.registration, EvalLRUPolicy.registration])

    /// Adds a policy family (how a user's own policy joins the comparison).
    public mutating func register(_ entry: Entry) {
        entries.removeAll { $0.name == entry.name }
        entries.append(entry)
    }

    /// Names with their parameters, e.g. "unbounded, eval-lru[:entries=500]".
    public var usageList: String {
        entries.map { e in
            e.parameters.isEmpty ? e.name
                : e.name + "[:" + e.parameters.map { "\($0.key)=\($0.defaultValue ?? "N")" }.joined(separator: ",") + "]"
        }.joined(separator: ", ")
    }

    /// Canonical specs of every policy with its defaults (what runs when none is named).
    public func defaultSpecs() throws(PolicySpecError) -> [PolicySpec] {
        var out: [PolicySpec] = []
        for e in entries where e.parameters.allSatisfy({ $0.defaultValue != nil }) {
            out.append(try parse(e.name))
        }
        return out
    }

    /// Parses and checks `text`, filling in defaults.
    public func parse(_ text: String) throws(PolicySpecError) -> PolicySpec {
        try resolve(text).spec
    }

    /// Builds a fresh policy instance for one replay.
    public func makePolicy(_ text: String) throws(PolicySpecError) -> any CachePolicy {
        let (spec, entry, args) = try resolve(text)
        return entry.make(spec, args)
    }

    private func resolve(_ text: String) throws(PolicySpecError) -> (spec: PolicySpec, entry: Entry, args: Arguments) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let name: Substring
        let rest: Substring?
        if let colon = trimmed.firstIndex(of: ":") {
            name = trimmed[..<colon]
            rest = trimmed[trimmed.index(after: colon)...]
        } else {
            name = trimmed[...]
            rest = nil
        }
        guard let entry = entries.first(where: { $0.name == name.lowercased() }) else {
            throw PolicySpecError("unknown policy '\(name)'; valid policies: \(usageList)")
        }
        var given: [String: String] = [:]
        if let rest {
            guard !rest.isEmpty else { throw PolicySpecError("policy '\(entry.name)': nothing after ':'; expected key=value") }
            for pair in rest.split(separator: ",", omittingEmptySubsequences: false) {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard kv.count == 2, !kv[0].isEmpty else {
                    throw PolicySpecError("policy '\(entry.name)': '\(pair)' is not key=value")
                }
                let key = kv[0].lowercased()
                guard entry.parameters.contains(where: { $0.key == key }) else {
                    let valid = entry.parameters.isEmpty ? "it takes no parameters"
                        : "valid: " + entry.parameters.map(\.key).joined(separator: ", ")
                    throw PolicySpecError("policy '\(entry.name)': unknown parameter '\(kv[0])'; \(valid)")
                }
                guard given[key] == nil else {
                    throw PolicySpecError("policy '\(entry.name)': parameter '\(key)' given twice")
                }
                given[key] = String(kv[1])
            }
        }
        var args = Arguments()
        var canonical: [(key: String, value: String)] = []
        for p in entry.parameters {
            guard let raw = given[p.key] ?? p.defaultValue else {
                throw PolicySpecError("policy '\(entry.name)' needs \(p.key)=N (\(p.help))")
            }
            switch p.kind {
            case .count:
                guard let n = Int(raw), n >= 1 else {
                    throw PolicySpecError("policy '\(entry.name)': \(p.key) must be a whole number of at least 1, got '\(raw)'")
                }
                args.values[p.key] = n
                canonical.append((p.key, String(n)))
            }
        }
        return (PolicySpec(name: entry.name, parameters: canonical), entry, args)
    }
}
