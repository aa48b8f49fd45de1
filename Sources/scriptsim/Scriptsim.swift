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
              scriptsim analyze app.trace   # programs sent as many bodies, and the fix
            """,
        version: scriptsimVersion,
        subcommands: [Replay.self, Analyze.self, Sweep.self, Verify.self, Generate.self, Policies.self, Servers.self],
        defaultSubcommand: Replay.self
    )

    /// A closed pipe (`scriptsim replay ... | head`) is a write error reported in
    /// one line with status 74, not a silent death by SIGPIPE.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        reserveStandardDescriptors()
        OutputFile.installInterruptCleanup()
        refuseArgumentsThatAreNotUTF8()
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let unknown = unknownHelpTopic(arguments) {
            fail("scriptsim help: no subcommand '\(unknown)'\(NearestName.hint(for: unknown, among: subcommandNames)); "
                 + "subcommands: \(subcommandNames.joined(separator: ", "))", code: 64)
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            if let hinted = valueHint(error) { fail("Error: " + hinted, code: 64) }
            // --help, help NAME, --version: the parser would print them with
            // print() and exit 0 even when nothing reached a closed or full stdout.
            if exitCode(for: error) == .success {
                let text = fullMessage(for: error)
                guard Stdout.write(text.isEmpty || text.hasSuffix("\n") ? text : text + "\n") else {
                    fail("scriptsim: cannot write: \(Stdout.lastError)", code: 74)
                }
                Glibc.exit(0)
            }
            exit(withError: clearerUsageError(error, arguments: arguments))
        }
    }

    /// `scriptsim help NAME` for a NAME that is no subcommand: the argument
    /// parser would print the top-level help and exit 0, hiding the typo.
    static func unknownHelpTopic(_ arguments: [String]) -> String? {
        guard arguments.count >= 2, arguments[0] == "help", !arguments[1].hasPrefix("-") else { return nil }
        return (subcommandNames + ["help"]).contains(arguments[1]) ? nil : arguments[1]
    }

    /// Swift hands `main` its arguments with bytes that are not UTF-8 replaced
    /// by U+FFFD, so a path such as `b\xFF.trace` would name another file (and
    /// `-o` would write that other file). Such an argument is refused, with its
    /// bytes shown, before anything is opened.
    static func refuseArgumentsThatAreNotUTF8() {
        for i in 1..<Int(CommandLine.argc) {
            guard let raw = CommandLine.unsafeArgv[i], String(validatingCString: raw) == nil else { continue }
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw))
            fail("scriptsim: argument \(i) is not UTF-8 ('\(DisplayText.of(bytes))'); give paths in UTF-8 "
                 + "(rename the file, or pass a trace on standard input with '-')", code: 64)
        }
    }

    static var subcommandNames: [String] { configuration.subcommands.map { $0._commandName } }

    /// The argument parser reports a missing `<trace>` before an unknown option,
    /// so `scriptsim --bogus` said "Missing expected argument '<trace>'". When
    /// the same words with a trace added fail on an unknown option or argument,
    /// that is the error the user made.
    static func clearerUsageError(_ error: Error, arguments: [String]) -> Error {
        guard message(for: error).hasPrefix("Missing expected argument") else { return error }
        do {
            _ = try parseAsRoot(arguments + ["trace"])
        } catch let retry {
            let text = message(for: retry)
            if text.hasPrefix("Unknown option") || text.hasPrefix("Unexpected argument") { return retry }
        }
        return error
    }

    /// "The value 'jsno' is invalid for '--format <format>'. Please provide one of …":
    /// the parser lists the values (quoted, or one per line after "- ") but does not
    /// say which was meant. When one is close, the error says so first.
    static func valueHint(_ error: Error) -> String? {
        let text = message(for: error)
        guard text.hasPrefix("The value '"), let close = text.range(of: "' is invalid for '"),
              let list = text.range(of: ". Please provide one of") else { return nil }
        let typed = String(text[text.index(text.startIndex, offsetBy: 11)..<close.lowerBound])
        let offered = text[list.upperBound...]
        var values: [String] = []
        for line in offered.split(separator: "\n") where line.hasPrefix("  - ") { values.append(String(line.dropFirst(4))) }
        if values.isEmpty {
            values = offered.split(separator: "'", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }
        guard let nearest = NearestName.nearest(to: typed, among: values) else { return nil }
        return text[..<list.lowerBound] + " (did you mean '\(nearest)'?)" + text[list.lowerBound...]
    }
}
