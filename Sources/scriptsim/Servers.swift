import ArgumentParser
import ScriptSim

struct Servers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every server profile: its versions, eviction rule, layout, Lua environment and flush behaviour, "
            + "where each fact was read, and whether a real server checks it in CI.",
        discussion: """
            A run of replay, sweep or analyze is a server (--server NAME[:key=value]) and an \
            eviction rule: the server's own, or --policy in its place. docs/servers.md says what \
            each profile changes from the one before it, with the source lines.
            """)

    @Option(help: "Output format: table, markdown or json.")
    var format: ReportFormat = .table

    func run() throws {
        if format == .csv { fail("servers: --format takes table, markdown or json (a profile is not one row)", code: 64) }
        guard Stdout.write(ServerRenderer(format: format).render(.builtIn)) else {
            fail("scriptsim: cannot write: \(Stdout.lastError)", code: 74)
        }
    }
}
