import Testing
@testable import ScriptSim

/// The Fenwick-tree reuse distance against the definition, computed the slow
/// way, over enough calls to renumber its stamps many times.
@Suite struct ReuseDistanceTests {
    @Test func equalsTheDefinitionAcrossRenumberingAndResets() {
        var rng = SeededRandom(seed: 3)
        var fast = ReuseDistance()
        var history: [ScriptID] = []   // calls since the last reset
        for step in 0..<20_000 {
            if step % 7_000 == 6_999 {
                fast.reset()
                history.removeAll()
                continue
            }
            // A skewed mix: a few hot scripts called again and again, many cold ones.
            let id = ScriptID(rng.below(4) == 0 ? rng.below(300) : rng.below(12))
            // Distinct other scripts called since the last call of `id`.
            var expected: Int?
            if let last = history.lastIndex(of: id) { expected = Set(history[(last + 1)...]).count }
            #expect(fast.call(id) == expected, "call \(step)")
            history.append(id)
        }
    }

    /// The histogram form of the quantiles (what analyze keeps) equals the sorted-values form.
    @Test func quantilesFromCountsEqualQuantilesFromValues() {
        var rng = SeededRandom(seed: 9)
        for n in [1, 2, 3, 10, 99, 100, 101, 1000] {
            var values = (0..<n).map { _ in rng.below(rng.below(2) == 0 ? 5 : 500) }
            var counts = [Int](repeating: 0, count: (values.max() ?? 0) + 1)
            for v in values { counts[v] += 1 }
            #expect(Quantiles(counts: counts) == Quantiles(&values), "n = \(n)")
        }
        #expect(Quantiles(counts: []) == Quantiles())
    }
}
