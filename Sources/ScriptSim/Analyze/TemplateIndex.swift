/// Groups distinct bodies into templates as they first appear: each body is
/// compiled once on the engine (its VM bytes, or why it does not compile)
/// and split by the Lua tokenizer; bodies that compile and share a template
/// key are the same program with different literals.
///
/// Grouping happens at first sight, so the what-if replay can send each
/// template's calls to one script while the trace is still being read.
final class TemplateIndex {
    struct Group {
        /// Distinct bodies in order of first appearance; the first stands for the template.
        var bodies: [ScriptID]
    }

    private let meter: ScriptCostMeter
    private var groups: [[UInt8]: Int] = [:]
    private(set) var members: [Group] = []
    /// Per script: the script its calls go to in the what-if (itself unless templated).
    private var representative: [ScriptID] = []
    private var classified: [Bool] = []
    /// Per script: VM bytes its compiled body keeps.
    private(set) var vmBytes: [Int] = []
    private(set) var compileFailures = ProblemBodies()
    private(set) var untokenized = ProblemBodies()
    static let maxExamples = 5

    /// The analyzed server's shebang rules and script layout.
    let shebang: Shebang.Dialect
    let scriptMemory: RedisScriptMemory

    init(engine: LuaEngine, server: ServerProfile) throws(EngineError) {
        meter = try ScriptCostMeter(engine: engine, server: server.lua)
        shebang = server.shebang
        scriptMemory = RedisScriptMemory(layout: server.layout)
    }

    /// The script a call of `id` goes to when every template is one script.
    func whatIfScript(_ id: ScriptID) -> ScriptID {
        Int(id) < representative.count ? representative[Int(id)] : id
    }

    /// Classifies a body the first time it is seen (later calls return at once).
    func classify(_ id: ScriptID, catalog: ScriptCatalog) {
        let i = Int(id)
        if i >= classified.count {
            let n = i + 1 - classified.count
            classified.append(contentsOf: repeatElement(false, count: n))
            vmBytes.append(contentsOf: repeatElement(0, count: n))
            let start = representative.count
            representative.append(contentsOf: (start..<start + n).map { ScriptID($0) })
        }
        guard !classified[i], catalog.hasBody(id) else { return }
        classified[i] = true
        catalog.withBody(id) { body in
            let code: UnsafeBufferPointer<UInt8>
            switch Shebang.codeOffset(body, dialect: shebang) {
            case .failure(let e):
                note(&compileFailures, id, catalog, EngineError.invalidShebang(sha: catalog.shaHex(id), message: e.message).description)
                return
            case .success(let offset):
                code = UnsafeBufferPointer(rebasing: body[offset...])
            }
            switch meter.compileCost(code) {
            case .failure(let e):
                // The meter compiles without a SHA; the message names the script's own.
                let named: EngineError = if case .compileFailed(_, let m) = e { .compileFailed(sha: catalog.shaHex(id), message: m) } else { e }
                note(&compileFailures, id, catalog, named.description)
                return
            case .success(let bytes):
                vmBytes[i] = bytes
            }
            switch LuaTokenizer.template(of: body) {
            case .failure(let e):
                note(&untokenized, id, catalog, "\(e)")
            case .success(let template):
                if let g = groups[template.key] {
                    members[g].bodies.append(id)
                    representative[i] = members[g].bodies[0]
                } else {
                    groups[template.key] = members.count
                    members.append(Group(bodies: [id]))
                }
            }
        }
    }

    private func note(_ problems: inout ProblemBodies, _ id: ScriptID, _ catalog: ScriptCatalog, _ message: String) {
        problems.count += 1
        if problems.examples.count < Self.maxExamples {
            problems.examples.append(CompileErrorExample(sha: catalog.shaHex(id), message: message))
        }
    }
}

/// What the analyzer counted per script, for the templates' figures.
struct ScriptTallies {
    /// EVAL and EVALSHA calls (read-only variants included).
    var calls: [Int] = []
    /// Sent with EVAL at least once.
    var sentWithEval: [Bool] = []
    /// The most keys and other arguments a call passed (where the rewrite's arguments go).
    var maxKeys: [Int] = []
    var maxArgs: [Int] = []

    mutating func grow(to n: Int) {
        guard n > calls.count else { return }
        let more = n - calls.count
        calls.append(contentsOf: repeatElement(0, count: more))
        sentWithEval.append(contentsOf: repeatElement(false, count: more))
        maxKeys.append(contentsOf: repeatElement(0, count: more))
        maxArgs.append(contentsOf: repeatElement(0, count: more))
    }
}
