/// What runs a script, and what a client does when it cannot: the parts of
/// a policy replay that follow the call rather than the cache.
extension PolicyReplay {
    /// What the client does after NOSCRIPT: without the body, or in a
    /// transaction, or under `none`, the error reaches the application.
    func recover(_ e: ReplayEvent) throws(EngineError) {
        let id = e.script
        let recovery = e.bodyKnown ? client.recovery(for: e) : .none
        switch recovery {
        case .none:
            result.appErrors += 1
        case .eval:
            result.retries += 1
            if try create(id, as: .eval) { runNew(id, readOnly: e.readOnly) }
        case .loadEvalsha:
            // SCRIPT LOAD (a compile error there reaches the application as
            // that error), then EVALSHA again: a hit unless the policy would
            // not keep the script, when the second NOSCRIPT is final.
            result.recoveriesScriptLoad += 1
            result.scriptLoads += 1
            guard try create(id, as: .load) else { return }
            if isCached(id) {
                run(cached: id, readOnly: e.readOnly)
            } else {
                result.noscript += 1
                result.appErrors += 1
            }
        }
    }

    /// A cached script runs: recency is refreshed and the GC ticks (evalGenericCommand's tail).
    func run(cached id: ScriptID, readOnly: Bool) {
        guard startsRun(id, readOnly: readOnly) else { return }
        policy.hit(id)
        gc.tick(vm)
    }

    /// A script just created runs (it is already at the list's tail): the GC ticks, unless refused.
    func runNew(_ id: ScriptID, readOnly: Bool) {
        guard startsRun(id, readOnly: readOnly) else { return }
        gc.tick(vm)
    }

    /// `scriptPrepareForRun`: EVAL_RO / EVALSHA_RO of a script with write flags
    /// is refused (no refresh, no tick); otherwise the server builds KEYS and ARGV.
    private func startsRun(_ id: ScriptID, readOnly: Bool) -> Bool {
        if readOnly, refusesReadOnly(id) {
            result.readOnlyRefusals += 1
            return false
        }
        vm.setCallArguments(arguments_)
        return true
    }

    private func refusesReadOnly(_ id: ScriptID) -> Bool {
        catalog.withBody(id) { body in
            guard case .success(let parsed) = Shebang.parse(body, dialect: server.shebang) else { return false }
            return parsed.refusesReadOnly
        }
    }

}
