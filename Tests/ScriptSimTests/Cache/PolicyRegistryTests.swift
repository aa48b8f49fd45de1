import Testing
@testable import ScriptSim

@Suite struct PolicyRegistryTests {
    let registry = PolicyRegistry.builtIn

    @Test func canonicalSpecsFillDefaults() throws {
        #expect(try registry.parse("eval-lru").description == "eval-lru:entries=500")
        #expect(try registry.parse("EVAL-LRU:entries=1000").description == "eval-lru:entries=1000")
        #expect(try registry.parse("unbounded").description == "unbounded")
        #expect(try registry.defaultSpecs().map(\.description) == ["unbounded", "eval-lru:entries=500"])
    }

    @Test(arguments: [
        ("lfu", "unknown policy 'lfu'; valid policies: unbounded, eval-lru[:entries=500]"),
        ("eval-lru:entries=0", "policy 'eval-lru': entries must be a whole number of at least 1, got '0'"),
        ("eval-lru:entries=-1", "policy 'eval-lru': entries must be a whole number of at least 1, got '-1'"),
        ("eval-lru:entries=abc", "policy 'eval-lru': entries must be a whole number of at least 1, got 'abc'"),
        ("eval-lru:size=3", "policy 'eval-lru': unknown parameter 'size'; valid: entries"),
        ("eval-lru:entries", "policy 'eval-lru': 'entries' is not key=value"),
        ("eval-lru:", "policy 'eval-lru': nothing after ':'; expected key=value"),
        ("eval-lru:entries=1,entries=2", "policy 'eval-lru': parameter 'entries' given twice"),
        ("unbounded:entries=5", "policy 'unbounded': unknown parameter 'entries'; it takes no parameters"),
    ])
    func badSpecs(spec: String, message: String) {
        #expect(throws: PolicySpecError(message)) { try registry.parse(spec) }
    }
}

@Suite struct RecencyListTests {
    @Test func orderAndMoves() {
        var list = RecencyList()
        for id: ScriptID in [5, 1, 9, 3] { list.append(id) }
        #expect(list.ordered == [5, 1, 9, 3])
        list.moveToTail(1)
        #expect(list.ordered == [5, 9, 3, 1])
        #expect(list.removeFirst() == 5)
        list.remove(3)
        #expect(list.ordered == [9, 1])
        #expect(list.count == 2)
        list.removeAll()
        #expect(list.ordered == [])
        #expect(!list.contains(9))
        list.append(9)
        #expect(list.first == 9)
    }

    @Test func evalLRUPolicyEvictsHeadBeforeAdding() {
        let policy = EvalLRUPolicy(entries: 2)
        var victims: [ScriptID] = []
        policy.created(1, origin: .eval, victims: &victims)
        policy.created(2, origin: .load, victims: &victims)
        policy.created(3, origin: .eval, victims: &victims)
        #expect(victims.isEmpty)
        policy.hit(1)
        policy.created(4, origin: .eval, victims: &victims)
        #expect(victims == [3])
        #expect(policy.recencyOrder == [1, 4])
        #expect(policy.invariantViolations(cachedEval: 2, cachedLoad: 1).isEmpty)
        #expect(!policy.invariantViolations(cachedEval: 3, cachedLoad: 1).isEmpty)
    }
}
