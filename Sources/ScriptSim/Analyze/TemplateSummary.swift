extension TemplateIndex {
    /// The figures of every template with two or more distinct bodies, most
    /// distinct bodies first (then most VM bytes, then first seen).
    func summaries(catalog: ScriptCatalog, tallies: ScriptTallies, distinctEvalBodies: Int) -> [TemplateStats] {
        var out: [(stats: TemplateStats, first: ScriptID)] = []
        for group in members where group.bodies.count >= 2 {
            out.append((summary(of: group, catalog: catalog, tallies: tallies, distinctEvalBodies: distinctEvalBodies), group.bodies[0]))
        }
        out.sort {
            ($0.stats.distinctBodies, $0.stats.vmBytes, -Int($0.first)) > ($1.stats.distinctBodies, $1.stats.vmBytes, -Int($1.first))
        }
        return out.map(\.stats)
    }

    private func summary(of group: Group, catalog: ScriptCatalog, tallies: ScriptTallies, distinctEvalBodies: Int) -> TemplateStats {
        let first = group.bodies[0]
        let template = catalog.withBody(first) { try! LuaTokenizer.template(of: $0).get() }
        // Distinct source texts at each literal position.
        var values = [Set<[UInt8]>](repeating: [], count: template.literals.count)
        var calls = 0, evalBodies = 0, scriptBytes = 0, vm = 0, keys = 0, args = 0
        for id in group.bodies {
            let i = Int(id)
            calls += tallies.calls[i]
            if tallies.sentWithEval[i] { evalBodies += 1 }
            scriptBytes += scriptMemory.entryBytes(length: catalog.bodyLength(id))
            vm += vmBytes[i]
            keys = max(keys, tallies.maxKeys[i])
            args = max(args, tallies.maxArgs[i])
            catalog.withBody(id) { body in
                guard case .success(let t) = LuaTokenizer.template(of: body) else { return }
                for (n, literal) in t.literals.enumerated() { values[n].insert(Array(body[literal.range])) }
            }
        }
        // Varying literals move to the end of KEYS (key names) or ARGV (the rest).
        var varying: [VaryingLiteral] = []
        var replacements: [Int: String] = [:]
        var ordinals: [LuaLiteral.Kind: Int] = [:]
        let kindCounts = Dictionary(grouping: template.literals, by: \.kind).mapValues(\.count)
        for (n, literal) in template.literals.enumerated() {
            ordinals[literal.kind, default: 0] += 1
            guard values[n].count > 1 else { continue }
            let passedAs: String
            if literal.kind == .string, literal.isKeyPosition {
                keys += 1
                passedAs = "KEYS[\(keys)]"
                replacements[n] = passedAs
            } else {
                args += 1
                passedAs = "ARGV[\(args)]"
                replacements[n] = literal.kind == .number ? "tonumber(\(passedAs))" : passedAs
            }
            varying.append(VaryingLiteral(kind: literal.kind, ordinal: ordinals[literal.kind]!, ofKind: kindCounts[literal.kind]!,
                                          values: values[n].count, passedAs: passedAs))
        }
        let rewrite = catalog.withBody(first) { LuaTokenizer.rewrite($0, template: template, replacements: replacements) }
        return TemplateStats(
            template: template.readable,
            distinctBodies: group.bodies.count,
            calls: calls,
            evalBodies: evalBodies,
            shareOfEvalBodies: distinctEvalBodies == 0 ? 0 : Double(evalBodies) / Double(distinctEvalBodies),
            scriptBytes: scriptBytes,
            vmBytes: vm,
            varyingLiterals: varying,
            examples: group.bodies.prefix(2).map { id in catalog.withBody(id) { DisplayText.of($0) } },
            rewrite: DisplayText.of(rewrite))
    }
}
