#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import ScriptSim

/// Prints one line on stderr and exits with `code` (sysexits.h numbers).
func fail(_ message: String, code: Int32) -> Never {
    // During Ctrl-C handling the failure is a consequence; the handler exits with 130.
    while Interrupts.isInterrupted { pause() }
    Stderr.line(message)
    exit(code)
}

enum Stderr {
    static var isTerminal: Bool { isatty(2) == 1 }

    static func line(_ s: String) { fputs(s + "\n", stderr) }
}

enum Stdout {
    nonisolated(unsafe) static var lastError = ""

    /// Writes all of `text` and flushes; false (with `lastError`) when the write failed.
    static func write(_ text: String) -> Bool {
        var ok = fputs(text, stdout) >= 0
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
        guard enabled else { return }
        let now = Date().timeIntervalSince(start)
        guard now - last >= 0.5 else { return }
        last = now
        let rate = now > 0 ? Double(p.events) / now : 0
        fputs("\r\(p.path): \(p.events) events, \(ReportRenderer.bytes(Int(p.bytesRead))) read, \(Int(rate)) events/s\u{1B}[K", stderr)
        shown = true
    }

    func finish() {
        if shown { fputs("\r\u{1B}[K", stderr) }
        shown = false
    }
}
