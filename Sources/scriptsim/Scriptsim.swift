import ArgumentParser
import Foundation
import ScriptSim

/// What `scriptsim --version` prints.
let scriptsimVersion = "scriptsim 0.6.0"

@main
struct Scriptsim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scriptsim",
        abstract: "Replay Redis script-cache traffic against a real Lua 5.4 VM and compare eviction policies.",
        discussion: """
            A trace holds EVAL, EVALSHA, SCRIPT LOAD, SCRIPT FLUSH and SCRIPT EXISTS commands, \
            one per line, as redis-cli MONITOR prints them (see docs/trace-format.md). Every \
            script is compiled by liblua5.4 on a VM that allocates from a jemalloc arena of \
            its own, so memory figures are counted, never estimated.

            Exit status: 0 success; 3 sweep found no limit that meets its targets; 64 bad \
            usage or policy spec; 65 malformed trace line; \
            66 trace file missing or unreadable; 70 internal error; 74 I/O error.

            Examples:
              scriptsim replay workloads/mixed.trace
              scriptsim replay --policy unbounded --policy eval-lru:entries=1000 app.trace
              zcat big.trace.gz | scriptsim replay - --format json
              scriptsim analyze app.trace        # which programs are sent as many bodies, and the fix
            """,
        version: scriptsimVersion,
        subcommands: [Replay.self, Analyze.self, Sweep.self, Verify.self, Generate.self, Policies.self],
        defaultSubcommand: Replay.self
    )

    /// A closed pipe (`scriptsim replay ... | head`) is a write error reported in
    /// one line with status 74, not a silent death by SIGPIPE.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        reserveStandardDescriptors()
        OutputFile.installInterruptCleanup()
        main(nil)
    }
}
