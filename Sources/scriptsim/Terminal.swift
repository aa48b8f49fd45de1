#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ScriptSim

/// Ends a command over a trace that failed: the exit status tells what failed
/// (65 malformed line, 66 unreadable trace, 74 I/O, 70 anything else).
func failReading(_ error: Error) -> Never {
    switch error {
    case let error as OutputError: fail(error.description, code: 74)
    case let error as TraceError:
        let code: Int32 = switch error.kind {
        case .malformed: 65
        case .unreadable: 66
        case .io: 74
        }
        fail(error.description, code: code)
    default: fail("scriptsim: \(error)", code: 70)
    }
}

/// Reads each trace in turn with `read`, a progress line on stderr meanwhile;
/// `warn` then sees each result once the line is cleared. A failure ends the
/// command with its exit status (`failReading`).
func readEach<R>(_ paths: [String], meter: ProgressMeter, _ read: (String) throws -> R, warn: (R) -> Void) -> [R] {
    var results: [R] = []
    for path in paths {
        do {
            let result = try read(path)
            meter.finish()
            warn(result)
            results.append(result)
        } catch {
            meter.finish()
            failReading(error)
        }
    }
    return results
}

/// A command started with standard input, output or error closed (`>&-`)
/// would get that descriptor back from its next `open`, and write its report
/// into the timeline file. Each closed one is held by /dev/null opened the
/// wrong way round (input write-only, outputs read-only), so using it fails
/// with EBADF as it would have, and no file of the user's takes its number.
func reserveStandardDescriptors() {
    for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
        let held = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY)
        if held >= 0, held != fd { dup2(held, fd); close(held) }
    }
}

/// Output files must not land on a trace being read or on each other
/// (`--timeline t --plot t`); `-` (standard output) carries the report.
func refuseOverlappingOutputs(_ outputs: [(name: String, path: String?)], inputs: [String]) {
    let given = outputs.compactMap { o in o.path.map { (name: o.name, path: $0) } }
    for o in given where o.path == "-" || OutputPath.isStandardOutput(o.path) {
        fail("\(o.name) \(o.path): standard output carries the report; give the \(o.name.dropFirst(2)) a file name", code: 64)
    }
    if let problem = OutputPath.overlap(outputs: given, inputs: inputs) { fail("scriptsim: \(problem)", code: 64) }
}

/// Prints one line on stderr and exits with `code` (sysexits.h numbers).
func fail(_ message: String, code: Int32) -> Never {
    // During Ctrl-C handling the failure is a consequence; the handler exits with 130.
    while Interrupts.isInterrupted { pause() }
    PendingFiles.discardAll()
    Stderr.line(message)
    exit(code)
}

enum Stderr {
    static var isTerminal: Bool { isatty(2) == 1 }

    static func line(_ s: String) { fputs(s + "\n", stderr) }
}

enum Stdout {
    nonisolated(unsafe) static var lastError = ""

    /// Writes all of `text`, NUL bytes included, and flushes; false (with
    /// `lastError`) when the write failed.
    static func write(_ text: String) -> Bool {
        var text = text
        let count = text.utf8.count
        var ok = text.withUTF8 { bytes in bytes.isEmpty || fwrite(bytes.baseAddress!, 1, count, stdout) == count }
        ok = fflush(stdout) == 0 && ok
        if !ok { lastError = String(cString: strerror(errno)) }
        return ok
    }
}

/// A status line on stderr, at most a few times a second.
final class ProgressMeter {
    let enabled: Bool
    private var last: Double = 0
    private var shown = false
    private let start = Date()

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: ReplayProgress) {
        update { elapsed in
            let rate = elapsed > 0 ? Double(p.events) / elapsed : 0
            return "\(p.path): \(p.events) events, \(ReportRenderer.bytes(Int(p.bytesRead))) read, \(Int(rate)) events/s"
        }
    }

    /// Shows the line `text` makes (given the seconds since the start) when one
    /// is due; the line is built only then, so callers can call this per batch.
    func update(_ text: (_ elapsed: Double) -> String) {
        guard enabled else { return }
        let now = Date().timeIntervalSince(start)
        guard now - last >= 0.5 else { return }
        last = now
        fputs("\r" + text(now) + "\u{1B}[K", stderr)
        shown = true
    }

    func finish() {
        if shown { fputs("\r\u{1B}[K", stderr) }
        shown = false
    }
}

/// Files written for the user that must appear only if the whole command
/// succeeds. `fail` exits without running deinitialisers, so it discards them here.
enum PendingFiles {
    nonisolated(unsafe) private static var files: [OutputFile] = []

    static func add(_ more: [OutputFile]) { files += more }

    /// Writes `text` to a new pending file, or fails with status 74.
    static func write(_ path: String, _ text: String, what: String) {
        do {
            let file = try OutputFile(path: path, what: what)
            files.append(file)
            try file.write(text)
        } catch {
            fail(error.description, code: 74)
        }
    }

    /// Surfaces any write error before the report goes to standard output.
    /// Then the last phase begins: the report and the renames are not
    /// interrupted (`OutputFile.beginFinishing`).
    static func prepareAll() {
        do {
            for file in files { try file.prepare() }
        } catch {
            fail(error.description, code: 74)
        }
        OutputFile.beginFinishing()
    }

    static func commitAll() {
        prepareAll()
        do {
            for file in files { try file.commit() }
            files.removeAll()
        } catch {
            fail(error.description, code: 74)
        }
    }

    static func discardAll() {
        for file in files { file.discard() }
        files.removeAll()
    }
}

/// What a trace's summary says that a user should know before trusting the
/// figures: a cut last line, no script command at all, or script commands
/// that are a small part of what the trace held. On stderr; never fatal.
func warnAboutTrace(_ s: TraceSummary, path: String) {
    if s.lastLineUnterminated {
        Stderr.line("\(path):\(s.lines): warning: the last line has no line end; if the trace was cut, its last command may be incomplete")
    }
    let commands = s.scriptEvents + s.functionCommands + s.skippedOther
    if s.functionCommands > 0 {
        Stderr.line("\(path): note: \(s.functionCommands) Functions command\(s.functionCommands == 1 ? "" : "s") (FUNCTION, FCALL) "
                    + "counted; the functions VM is not modeled yet, so no figure includes them")
    }
    if s.scriptEvents == 0, s.functionCommands > 0 {
        return
    } else if s.scriptEvents == 0 {
        Stderr.line("\(path): warning: no script command (EVAL, EVALSHA, SCRIPT LOAD/FLUSH/EXISTS) in \(s.lines) line\(s.lines == 1 ? "" : "s")"
                    + (s.skippedOther > 0 ? "; \(s.skippedOther) other command\(s.skippedOther == 1 ? "" : "s") skipped" : "")
                    + "; is this a trace? (docs/trace-format.md)")
    } else if s.skippedOther * 10 > commands * 9 {
        Stderr.line("\(path): note: \(s.skippedOther) of \(commands) commands were not script commands and were skipped")
    }
}

/// Reports malformed lines skipped under `--skip-invalid`: the first 20 in
/// full, then one line saying the report counts the rest.
func invalidLineReporter() -> (TraceError) -> Void {
    var shown = 0
    return { error in
        shown += 1
        if shown <= 20 {
            Stderr.line("\(error.description) (skipped)")
        } else if shown == 21 {
            Stderr.line("scriptsim: more malformed lines skipped; the report counts them all")
        }
    }
}

/// `scriptsim frobnicate` reaches replay as a trace named "frobnicate" (replay
/// is the default subcommand): say so instead of "no such file".
/// A stream can be read once: standard input or a FIFO given twice would
/// read as empty the second time (or wait forever for a writer).
func refuseRepeatedStreams(_ traces: [String]) {
    var seen: [(dev: UInt64, inode: UInt64)] = []
    for path in traces {
        var st = stat()
        let ok = path == "-" ? fstat(0, &st) == 0 : stat(path, &st) == 0
        guard ok, path == "-" || (st.st_mode & S_IFMT) != S_IFREG else { continue }
        let id = (dev: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        if seen.contains(where: { $0 == id }) {
            let name = path == "-" ? "standard input ('-')" : "'\(path)'"
            fail("scriptsim: \(name) is given twice; a stream can be read only once", code: 64)
        }
        seen.append(id)
    }
}

func refuseMistypedSubcommand(_ traces: [String]) {
    for path in traces where path != "-" && !FileManager.default.fileExists(atPath: path)
        && !path.contains("/") && !path.contains(".") && path.allSatisfy({ $0.isLetter || $0 == "-" }) {
        let names = Scriptsim.subcommandNames
        fail("scriptsim: '\(path)' is neither a trace file nor a subcommand\(NearestName.hint(for: path, among: names)) "
             + "(\(names.joined(separator: ", ")))", code: 64)
    }
}

/// `--max-body-bytes`, or exit 64.
func parseMaxBodyBytes(_ text: String) -> Int {
    guard let bytes = ByteSize.parse(text), bytes > 0 else {
        fail("--max-body-bytes: '\(text)' \(ByteSize.problem(text) ?? "is not a size")", code: 64)
    }
    return bytes
}

/// A `redis.conf` setting once given as a global flag, now a parameter of each
/// server (`ServerProfile.parameters`): refused with the spelling that works.
func refuseServerSetting(_ key: String) -> Never {
    fail("--\(key) is a setting of each server now: --server NAME:\(key)=yes|no "
         + "(e.g. --server redis-7.4:\(key)=yes; 'scriptsim servers' shows each server's default)", code: 64)
}
