/// Redis up to 7.2: every script that compiled stays cached until SCRIPT FLUSH.
///
/// "Executed scripts are guaranteed to be in the script cache of a given
/// execution of a Redis instance forever" (Redis 7.2 documentation).
public final class UnboundedPolicy: CachePolicy {
    public init() {}

    public func created(_ script: ScriptID, origin: ScriptOrigin, cost: Int, victims: inout [ScriptID]) -> Bool { true }
    public func hit(_ script: ScriptID) {}
    public func removeAll() {}

    static let registration = PolicyRegistry.Entry(
        name: "unbounded",
        summary: "Keeps every compiled script until SCRIPT FLUSH.",
        models: "the script cache of Redis before 7.4, which never evicts",
        parameters: [],
        evicting: false,
        make: { _ in UnboundedPolicy() })
}
