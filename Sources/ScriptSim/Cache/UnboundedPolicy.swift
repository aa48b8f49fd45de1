/// Redis up to 7.2: every script that compiled stays cached until SCRIPT FLUSH.
///
/// "Executed scripts are guaranteed to be in the script cache of a given
/// execution of a Redis instance forever" (Redis 7.2 documentation).
public final class UnboundedPolicy: CachePolicy {
    public let spec: PolicySpec
    public var entryLayout: ScriptEntryLayout { .redis72 }

    public init(spec: PolicySpec = PolicySpec(name: "unbounded")) { self.spec = spec }

    public func created(_ script: ScriptID, origin: ScriptOrigin, victims: inout [ScriptID]) {}
    public func hit(_ script: ScriptID) {}
    public func loadedAgain(_ script: ScriptID) {}
    public func removeAll() {}
    public func invariantViolations(cachedEval: Int, cachedLoad: Int) -> [String] { [] }

    static let registration = PolicyRegistry.Entry(
        name: "unbounded",
        summary: "Keeps every compiled script until SCRIPT FLUSH.",
        models: "Redis 7.0 and 7.2 (and every version before 7.4)",
        parameters: [],
        make: { spec, _ in UnboundedPolicy(spec: spec) })
}
