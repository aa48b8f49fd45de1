/// What `scriptsim analyze` found in one trace: its shape, the templates of
/// its inlined-value bodies, and what the cache would do if the application
/// passed those values as arguments.
public struct AnalyzeReport: Sendable {
    public var path: String
    /// The reader's counts: commands by kind, distinct scripts, flushes, skipped lines.
    public var summary: TraceSummary
    /// Distinct bodies sent with EVAL / EVAL_RO.
    public var distinctEvalBodies = 0
    /// Of those, bodies called exactly once in the whole trace (one EVAL, never called again).
    public var evalBodiesCalledOnce = 0
    /// Sizes of the distinct bodies the trace sent.
    public var bodyBytes = Quantiles()
    /// Reuse distance of EVAL calls of a body called before (since the last flush), in distinct scripts.
    public var reuseDistance = Quantiles()
    /// MONITOR connections seen, and the busiest ones (at most `AnalyzeOptions.topConnections`).
    public var connectionCount = 0
    public var connections: [ConnectionTally] = []
    /// Templates with two or more distinct bodies, most distinct bodies first.
    public var templates: [TemplateStats] = []
    /// Bodies the engine does not compile (or whose shebang the server refuses):
    /// never grouped, never cached.
    public var compileFailures = ProblemBodies()
    /// Bodies the Lua tokenizer cannot split (they do not compile either).
    public var untokenized = ProblemBodies()
    /// The trace as sent and as it would be with each template sent as one script.
    public var whatIf: WhatIf

    /// Distinct bodies that fall into those templates.
    public var templatedBodies: Int { templates.reduce(0) { $0 + $1.distinctBodies } }

    public var evalBodiesCalledOnceShare: Double {
        distinctEvalBodies == 0 ? 0 : Double(evalBodiesCalledOnce) / Double(distinctEvalBodies)
    }
}

/// Exact order statistics of a set of counts (nearest rank).
public struct Quantiles: Equatable, Sendable {
    public var count = 0
    public var min = 0
    public var p50 = 0
    public var p90 = 0
    public var p99 = 0
    public var max = 0

    public init() {}

    /// From a histogram: `counts[v]` values equal to `v` (memory in the
    /// largest value, not in how many there are).
    init(counts: [Int]) {
        let n = counts.reduce(0, +)
        guard n > 0 else { return }
        func rank(_ p: Double) -> Int {
            let target = Swift.max(1, Int((p * Double(n)).rounded(.up)))
            var seen = 0
            for (v, c) in counts.enumerated() {
                seen += c
                if seen >= target { return v }
            }
            return counts.count - 1
        }
        count = n
        min = counts.firstIndex { $0 > 0 } ?? 0
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        max = counts.lastIndex { $0 > 0 } ?? 0
    }

    /// From the values, sorted in place.
    init(_ values: inout [Int]) {
        guard !values.isEmpty else { return }
        values.sort()
        func rank(_ p: Double) -> Int { values[Swift.max(0, Int((p * Double(values.count)).rounded(.up)) - 1)] }
        count = values.count
        min = values[0]
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        max = values[values.count - 1]
    }
}

/// One MONITOR connection's share of the trace.
public struct ConnectionTally: Equatable, Sendable {
    public var connection: String
    /// Script commands it sent.
    public var events: Int
    /// Distinct scripts it named (by body or SHA).
    public var distinctScripts: Int
}

/// Distinct bodies that were set apart, with the first few as examples.
public struct ProblemBodies: Equatable, Sendable {
    public var count = 0
    public var examples: [CompileErrorExample] = []
}

/// One program sent as many distinct bodies that differ only in literals.
public struct TemplateStats: Equatable, Sendable {
    /// The body with each literal shown as a placeholder (`LuaTemplate.readable`).
    public var template: String
    public var distinctBodies: Int
    /// EVAL and EVALSHA calls of those bodies.
    public var calls: Int
    /// Of its bodies, those sent with EVAL.
    public var evalBodies: Int
    /// Of the trace's distinct EVAL bodies, the share that are this template's.
    public var shareOfEvalBodies: Double
    /// What the analyzed server's script dict holds for them (its layout), summed.
    public var scriptBytes: Int
    /// VM bytes each compiled body keeps (measured on the engine), summed.
    public var vmBytes: Int
    public var varyingLiterals: [VaryingLiteral]
    /// The first two distinct bodies, as sent.
    public var examples: [String]
    /// The first body with each varying literal passed as an argument instead.
    public var rewrite: String
}

/// A literal position whose value changes from body to body.
public struct VaryingLiteral: Equatable, Sendable {
    public var kind: LuaLiteral.Kind
    /// 1-based among the template's literals of that kind, and how many there are.
    public var ordinal: Int
    public var ofKind: Int
    /// Distinct values it takes.
    public var values: Int
    /// Where the rewrite passes it: `KEYS[2]` for a key name, `ARGV[3]` otherwise.
    public var passedAs: String

    /// "string 1 of 2 varies: 1,843 values".
    public var description: String {
        "\(kind.rawValue) \(ordinal) of \(ofKind) varies: \(values) values, pass it as \(passedAs)"
    }
}

/// The cache under one policy, on the trace as sent and on the same trace with
/// every template's bodies sent as one script (its first body): a what-if.
public struct WhatIf: Equatable, Sendable {
    public var asSent: PolicyResult
    public var parameterised: PolicyResult
}
