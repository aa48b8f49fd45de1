import Foundation

/// A policy ready to run: its canonical spec and how to build fresh state for
/// each replay (every trace and every run gets new instances).
public struct PolicyConfiguration: Sendable {
    public var spec: PolicySpec
    public var makePolicy: @Sendable () -> any CachePolicy
    public var makeAdmission: @Sendable () -> any AdmissionFilter
}

/// The one place a policy is named, documented and parsed, so `--help`,
/// `scriptsim policies`, error messages and reports cannot drift apart
/// (libCacheSim's registry did).
public struct PolicyRegistry: Sendable {
    /// A parameter a policy accepts.
    public struct Parameter: Sendable {
        public enum Kind: Sendable, Equatable {
            /// A whole number, at least 1.
            case count
            /// A size in bytes, at least 1, read as redis.conf reads sizes (`ByteSize`).
            case bytes
            /// yes or no.
            case flag
            /// One of the listed words.
            case choice([String])
        }
        public var key: String
        public var kind: Kind
        /// Default as written in a spec; nil when the parameter may be left out.
        public var defaultValue: String?
        /// Printed in the canonical spec even at its default (limits are; switches are not).
        public var alwaysShown: Bool
        /// The spec is invalid without it.
        public var required: Bool
        public var help: String

        public init(key: String, kind: Kind, defaultValue: String?, alwaysShown: Bool = false,
                    required: Bool = false, help: String) {
            self.key = key
            self.kind = kind
            self.defaultValue = defaultValue
            self.alwaysShown = alwaysShown
            self.required = required
            self.help = help
        }

        /// How the value is written, for messages and listings.
        public var valueHint: String {
            switch kind {
            case .count: return "N"
            case .bytes: return "SIZE"
            case .flag: return "yes|no"
            case .choice(let words): return words.joined(separator: "|")
            }
        }
    }

    /// Parameter values after parsing, typed.
    public struct Arguments: Sendable {
        var counts: [String: Int] = [:]
        var words: [String: String] = [:]
        public func count(_ key: String) -> Int? { counts[key] }
        public func bytes(_ key: String) -> Int? { counts[key] }
        public func flag(_ key: String) -> Bool { words[key] == "yes" }
        public func word(_ key: String) -> String? { words[key] }
    }

    /// A policy family.
    public struct Entry: Sendable {
        public var name: String
        public var summary: String
        /// The real server whose behaviour this reproduces.
        public var models: String
        public var parameters: [Parameter]
        /// Evicting policies also take the admission parameters (`admit`, `window`).
        public var evicting: Bool
        /// A rule between parameters; returns the problem, or nil.
        public var validate: @Sendable (Arguments) -> String?
        public var make: @Sendable (Arguments) -> any CachePolicy

        public init(name: String, summary: String, models: String, parameters: [Parameter], evicting: Bool,
                    validate: @escaping @Sendable (Arguments) -> String? = { _ in nil },
                    make: @escaping @Sendable (Arguments) -> any CachePolicy) {
            self.name = name
            self.summary = summary
            self.models = models
            self.parameters = parameters
            self.evicting = evicting
            self.validate = validate
            self.make = make
        }

        /// Its parameters, with the admission ones for evicting policies.
        public var allParameters: [Parameter] { parameters + (evicting ? PolicyRegistry.admissionParameters : []) }
    }

    /// Admission parameters every evicting policy takes.
    public static let admissionParameters: [Parameter] = [
        .init(key: "admit", kind: .choice(["always", "second-hit"]), defaultValue: "always",
              help: "second-hit: keep an EVAL script only once it is seen again within `window` distinct EVAL bodies"),
        .init(key: "window", kind: .count, defaultValue: "1000",
              help: "with admit=second-hit: how many distinct rejected EVAL bodies the ghost list remembers"),
    ]

    public private(set) var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Every built-in policy.
    public static let builtIn = PolicyRegistry(entries: [
        UnboundedPolicy.registration, EvalLRUPolicy.registration,
        SizeCappedPolicy.registration, PinnedLoadedPolicy.registration,
    ])

    /// Adds a policy family, or replaces one of the same name (how a user's own policy joins).
    public mutating func register(_ entry: Entry) {
        entries.removeAll { $0.name == entry.name }
        entries.append(entry)
    }

    /// Names with their own parameters, e.g. "unbounded, eval-lru[:entries=500,...]".
    public var usageList: String {
        entries.map { e in
            e.parameters.isEmpty ? e.name
                : e.name + "[:" + e.parameters.map { "\($0.key)=\($0.defaultValue ?? $0.valueHint)" }.joined(separator: ",") + "]"
        }.joined(separator: ", ")
    }

    /// Parses and checks `text`, filling in defaults.
    public func parse(_ text: String) throws(PolicySpecError) -> PolicySpec {
        try configuration(text).spec
    }

    /// Parses `text` into something a replay can run.
    public func configuration(_ text: String) throws(PolicySpecError) -> PolicyConfiguration {
        let (name, rest) = Self.splitSpec(text)
        guard let entry = entries.first(where: { $0.name == name.lowercased() }) else {
            let hint = NearestName.hint(for: String(name), among: entries.map(\.name))
            throw PolicySpecError("unknown policy '\(name)'\(hint); valid policies: \(usageList)")
        }
        let given = try Self.keyValues(rest, of: "policy '\(entry.name)'", accepted: entry.allParameters)
        let args = try Self.arguments(entry.allParameters, given: given, of: "policy '\(entry.name)'")
        if let problem = entry.validate(args) { throw PolicySpecError("policy '\(entry.name)' \(problem)") }
        let secondHit = entry.evicting && args.word("admit") == "second-hit"
        if entry.evicting, !secondHit, given["window"] != nil {
            throw PolicySpecError("policy '\(entry.name)': window applies only with admit=second-hit")
        }
        var canonical = Self.canonical(entry.parameters, args)
        let window = args.count("window") ?? 1000
        let admission: @Sendable () -> any AdmissionFilter
        if secondHit {
            admission = { SecondHitAdmission(window: window) }
        } else {
            admission = { AdmitAlways() }
        }
        canonical += admission().specSuffix
        let make = entry.make
        return PolicyConfiguration(spec: PolicySpec(name: entry.name, parameters: canonical),
                                   makePolicy: { make(args) }, makeAdmission: admission)
    }

    /// `NAME[:rest]` split at the first colon (shared with `ServerRegistry`).
    static func splitSpec(_ text: String) -> (name: Substring, rest: Substring?) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let colon = trimmed.firstIndex(of: ":") else { return (trimmed[...], nil) }
        return (trimmed[..<colon], trimmed[trimmed.index(after: colon)...])
    }

    /// `key=value,...` checked against `accepted`; `owner` names what takes them in messages.
    static func keyValues(_ rest: Substring?, of owner: String, accepted: [Parameter]) throws(PolicySpecError) -> [String: String] {
        var given: [String: String] = [:]
        guard let rest else { return given }
        guard !rest.isEmpty else { throw PolicySpecError("\(owner): nothing after ':'; expected key=value") }
        for pair in rest.split(separator: ",", omittingEmptySubsequences: false) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2, !kv[0].isEmpty else {
                throw PolicySpecError("\(owner): '\(pair)' is not key=value")
            }
            let key = kv[0].lowercased()
            guard accepted.contains(where: { $0.key == key }) else {
                let valid = accepted.isEmpty ? "it takes no parameters" : "valid: " + accepted.map(\.key).joined(separator: ", ")
                let hint = NearestName.hint(for: String(kv[0]), among: accepted.map(\.key))
                throw PolicySpecError("\(owner): unknown parameter '\(kv[0])'\(hint); \(valid)")
            }
            guard given[key] == nil else { throw PolicySpecError("\(owner): parameter '\(key)' given twice") }
            given[key] = String(kv[1])
        }
        return given
    }

    /// Typed values of `parameters`, defaults filled in.
    static func arguments(_ parameters: [Parameter], given: [String: String], of owner: String) throws(PolicySpecError) -> Arguments {
        var args = Arguments()
        for p in parameters {
            guard let raw = given[p.key] ?? p.defaultValue else {
                if p.required { throw PolicySpecError("\(owner) needs \(p.key)=\(p.valueHint) (\(p.help))") }
                continue
            }
            switch p.kind {
            case .count:
                guard let n = Int(raw), n >= 1 else {
                    throw PolicySpecError("\(owner): \(p.key) must be a whole number of at least 1, got '\(raw)'")
                }
                args.counts[p.key] = n
            case .bytes:
                guard let n = ByteSize.parse(raw), n >= 1 else {
                    throw PolicySpecError("\(owner): \(p.key) \(ByteSize.problem(raw) ?? "is not a size"), got '\(raw)'")
                }
                args.counts[p.key] = n
            case .flag:
                let v = raw.lowercased()
                guard v == "yes" || v == "no" else {
                    throw PolicySpecError("\(owner): \(p.key) must be yes or no, got '\(raw)'")
                }
                args.words[p.key] = v
            case .choice(let words):
                let v = raw.lowercased()
                guard words.contains(v) else {
                    throw PolicySpecError("\(owner): \(p.key) must be one of \(words.joined(separator: ", ")), got '\(raw)'")
                }
                args.words[p.key] = v
            }
        }
        return args
    }

    /// The canonical `key=value` list: parameters in declared order, those at
    /// their default left out unless always shown.
    static func canonical(_ parameters: [Parameter], _ args: Arguments) -> [(key: String, value: String)] {
        var out: [(key: String, value: String)] = []
        for p in parameters {
            let number = args.counts[p.key].map { p.kind == .bytes ? ByteSize.format($0) : String($0) }
            guard let value = number ?? args.words[p.key] else { continue }
            if p.alwaysShown || value != p.defaultValue { out.append((p.key, value)) }
        }
        return out
    }
}
