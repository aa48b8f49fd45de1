extension PolicyResult {
    /// How every output names this run: its server and policy, then whatever
    /// else tells it apart from the other runs of the same report (engine,
    /// allocator, client), in that order. The tables, the plot and the
    /// timeline's `run` column all use it.
    /// (A row without a server, as analyze's "as sent", is named by its policy alone.)
    public func runName(among runs: [PolicyResult]) -> String {
        var name = server.isEmpty ? policy : "\(server) \(policy)"
        if Set(runs.map(\.engine)).count > 1 { name += " [\(engine)]" }
        if Set(runs.map(\.allocator)).count > 1 { name += " [\(allocator)]" }
        if Set(runs.map(\.client)).count > 1 { name += " [\(client)]" }
        return name
    }
}
