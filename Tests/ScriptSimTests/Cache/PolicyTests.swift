import Testing
@testable import ScriptSim

/// Each policy on its own, driven directly with costs chosen by hand.
@Suite struct PolicyTests {
    func create(_ p: any CachePolicy, _ id: ScriptID, _ origin: ScriptOrigin, cost: Int = 0) -> (kept: Bool, victims: [ScriptID]) {
        var victims: [ScriptID] = []
        let kept = p.created(id, origin: origin, cost: cost, victims: &victims)
        return (kept, victims)
    }

    @Test func evalLRUEvictsHeadBeforeAdding() {
        let policy = EvalLRUPolicy(entries: 2)
        #expect(create(policy, 1, .eval).victims == [])
        #expect(create(policy, 2, .load).victims == [])
        #expect(create(policy, 3, .eval).victims == [])
        policy.hit(1)
        #expect(create(policy, 4, .eval).victims == [3])
        #expect(policy.recencyOrder == [1, 4])
        #expect(!policy.loadedAgain(1), "Redis does not promote")
        #expect(policy.invariantViolations(cachedEval: 2, cachedLoad: 1).isEmpty)
        #expect(!policy.invariantViolations(cachedEval: 3, cachedLoad: 1).isEmpty)
    }

    @Test func evalLRUPromotesOnLoadLikeValkey() {
        let policy = EvalLRUPolicy(entries: 2, promoteOnLoad: true)
        _ = create(policy, 1, .eval)
        _ = create(policy, 2, .eval)
        #expect(policy.loadedAgain(1))
        #expect(!policy.loadedAgain(1), "already pinned")
        #expect(create(policy, 3, .eval).victims == [])
        #expect(create(policy, 4, .eval).victims == [2])
        #expect(policy.recencyOrder == [3, 4])
    }

    @Test func sizeCappedEvictsAnyOriginByBytes() {
        let policy = SizeCappedPolicy(bytes: 100)
        #expect(create(policy, 1, .eval, cost: 40) == (true, []))
        #expect(create(policy, 2, .load, cost: 40) == (true, []))
        policy.hit(1)                                                   // order: 2, 1
        #expect(create(policy, 3, .eval, cost: 30) == (true, [2]))     // 110 > 100: the loaded script goes
        #expect(create(policy, 4, .eval, cost: 101) == (false, []))    // larger than the budget: not kept
        #expect(policy.heldBytes == 70)
        #expect(create(policy, 5, .eval, cost: 100) == (true, [1, 3]))
        #expect(policy.heldBytes == 100)
        #expect(policy.invariantViolations(cachedEval: 0, cachedLoad: 1).isEmpty)
    }

    @Test func pinnedLoadedByCount() {
        let policy = PinnedLoadedPolicy(entries: 2, bytes: nil)
        _ = create(policy, 1, .load)
        _ = create(policy, 2, .eval)
        _ = create(policy, 3, .eval)
        #expect(policy.loadedAgain(2))                                 // pinned now
        #expect(!policy.loadedAgain(1))
        #expect(create(policy, 4, .eval).victims == [])
        #expect(create(policy, 5, .eval).victims == [3])
        #expect(policy.invariantViolations(cachedEval: 2, cachedLoad: 2).isEmpty)
    }

    @Test func pinnedLoadedByBytes() {
        let policy = PinnedLoadedPolicy(entries: nil, bytes: 100)
        #expect(create(policy, 1, .load, cost: 500) == (true, []))     // loaded scripts are never limited
        #expect(create(policy, 2, .eval, cost: 60) == (true, []))
        #expect(create(policy, 3, .eval, cost: 60) == (true, [2]))
        #expect(create(policy, 4, .eval, cost: 150) == (false, []))
        #expect(policy.needsScriptCost)
        #expect(!PinnedLoadedPolicy(entries: 3, bytes: nil).needsScriptCost)
    }

    @Test func secondHitAdmissionWithItsWindow() {
        let filter = SecondHitAdmission(window: 2)
        #expect(!filter.admit(1))
        #expect(filter.admit(1))         // seen again: kept
        #expect(!filter.admit(2))
        #expect(!filter.admit(3))
        #expect(!filter.admit(4))        // window of 2: 2 is forgotten
        #expect(filter.ghostOrder == [3, 4])
        #expect(!filter.admit(2))
        #expect(filter.admit(4))
        filter.removeAll()
        #expect(filter.ghostOrder == [])
    }
}
