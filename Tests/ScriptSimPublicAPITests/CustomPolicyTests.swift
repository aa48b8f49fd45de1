import Foundation
import ScriptSim   // deliberately not @testable: only the public API
import Testing

/// The "adding a policy" steps of docs/policies.md, followed with the public API only.
///
/// Step 1: conform to `CachePolicy`. This one evicts EVAL-created scripts in
/// creation order, whatever their hits (FIFO), keeping at most `entries`.
final class EvalFIFOPolicy: CachePolicy {
    let entries: Int
    private var queue: [ScriptID] = []
    private var head = 0

    init(entries: Int) { self.entries = entries }

    func created(_ script: ScriptID, origin: ScriptOrigin, cost: Int, victims: inout [ScriptID]) -> Bool {
        guard origin == .eval else { return true }
        while queue.count - head >= entries {
            victims.append(queue[head])
            head += 1
        }
        queue.append(script)
        return true
    }

    func hit(_ script: ScriptID) {}   // FIFO: hits change nothing

    func removeAll() {
        queue.removeAll()
        head = 0
    }

    func invariantViolations(cachedEval: Int, cachedLoad: Int) -> [String] {
        queue.count - head == cachedEval ? [] : ["queue holds \(queue.count - head), cache \(cachedEval)"]
    }
}

@Suite struct CustomPolicyTests {
    /// Step 2: register it, with its parameters documented.
    func registry() -> PolicyRegistry {
        var registry = PolicyRegistry.builtIn
        registry.register(PolicyRegistry.Entry(
            name: "eval-fifo",
            summary: "EVAL-created scripts evicted in creation order.",
            models: "no server (an example)",
            parameters: [.init(key: "entries", kind: .count, defaultValue: "2", alwaysShown: true,
                               help: "most EVAL-created scripts kept")],
            evicting: true,
            make: { args in EvalFIFOPolicy(entries: args.count("entries")!) }))
        return registry
    }

    func trace(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("custom-policy-\(UUID().uuidString).trace")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Step 3: run it beside the built-in policies.
    @Test func customPolicyRunsBesideBuiltIns() throws {
        let a = "return 'a'"
        let shaA = "5e7bc3514efeedd434dcc6028289b28e3eba6ebb"   // SHA1 of the body of a
        let path = try trace("""
            EVAL "\(a)" 0
            EVAL "return 'b'" 0
            EVAL "\(a)" 0
            EVAL "return 'c'" 0
            EVALSHA \(shaA) 0
            """)
        let replayer = try Replayer(policies: ["eval-fifo", "eval-lru:entries=2", "eval-fifo:entries=2,admit=second-hit"],
                                    registry: registry(), options: ReplayOptions(retryNoscript: false))
        let report = try replayer.replay(path: path)
        let fifo = report.policies[0], lru = report.policies[1], admitted = report.policies[2]
        #expect(fifo.policy == "eval-fifo:entries=2")
        #expect(fifo.evictions == 1)       // c evicts a, the first created, despite its hit
        #expect(fifo.noscript == 1)
        #expect(lru.evictions == 1)        // c evicts b: a's hit made it recent
        #expect(lru.evalshaHits == 1)
        #expect(admitted.policy == "eval-fifo:entries=2,admit=second-hit,window=1000")
        #expect(admitted.admissionRejects == 3)
        #expect(admitted.evalshaHits == 1)
    }

    @Test func customPolicyErrorsComeFromTheRegistry() {
        #expect(throws: PolicySpecError("policy 'eval-fifo': entries must be a whole number of at least 1, got '0'")) {
            try registry().parse("eval-fifo:entries=0")
        }
    }
}
