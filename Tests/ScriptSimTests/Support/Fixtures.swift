import Crypto
import Foundation
@testable import ScriptSim

/// Writes `text` to a fresh temporary file and returns its path.
func writeTrace(_ text: String, name: String = "test.trace") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scriptsim-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// Replays `text` under `policies` and returns the report.
func replay(_ text: String, policies: [String], retry: Bool = true, skipInvalid: Bool = false) throws -> TraceReport {
    let path = try writeTrace(text)
    let replayer = try Replayer(policies: policies,
                                options: ReplayOptions(retryNoscript: retry, reader: TraceReaderOptions(skipInvalid: skipInvalid)))
    return try replayer.replay(path: path)
}

/// The one policy result of a single-policy replay.
func replayOne(_ text: String, policy: String, retry: Bool = true) throws -> PolicyResult {
    try replay(text, policies: [policy], retry: retry).policies[0]
}

/// Lowercase SHA1 hex of a body, computed independently of the code under test.
func sha1Hex(_ body: String) -> String {
    Insecure.SHA1.hash(data: Data(body.utf8)).map { String(format: "%02x", $0) }.joined()
}

/// A double-quoted trace argument for `body` (escapes quotes and backslashes).
func quoted(_ body: String) -> String {
    "\"" + body.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        .replacingOccurrences(of: "\n", with: "\\n") + "\""
}

/// Figures that must not depend on timing.
func withoutTimes(_ r: PolicyResult) -> PolicyResult {
    var r = r
    r.compileSeconds = 0
    r.recompileSeconds = 0
    r.flushPauseP50Seconds = 0
    r.flushPauseP99Seconds = 0
    r.flushPauseMaxSeconds = 0
    r.backgroundCloseSeconds = 0
    r.backgroundCloseMaxSeconds = 0
    r.eventsPerSecond = 0
    return r
}
