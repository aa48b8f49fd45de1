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

/// Replays `text` under `policies` (on each of `servers`; none: redis-7.4) and returns the report.
func replay(_ text: String, policies: [String], servers: [String] = [], retry: Bool = true, skipInvalid: Bool = false) throws -> TraceReport {
    let path = try writeTrace(text)
    let replayer = try Replayer(policies: policies, servers: servers,
                                options: ReplayOptions(retryNoscript: retry, reader: TraceReaderOptions(skipInvalid: skipInvalid)))
    return try replayer.replay(path: path)
}

/// The one policy result of a single-policy replay (on `server`; nil: redis-7.4).
func replayOne(_ text: String, policy: String, server: String? = nil, retry: Bool = true) throws -> PolicyResult {
    try replay(text, policies: [policy], servers: server.map { [$0] } ?? [], retry: retry).policies[0]
}

/// A server's own rule replayed on `text`.
func replayServer(_ text: String, _ server: String, retry: Bool = true) throws -> PolicyResult {
    try replay(text, policies: [], servers: [server], retry: retry).policies[0]
}

/// A built-in server profile by name.
func profile(_ name: String) -> ServerProfile { ServerRegistry.builtIn[name]! }

/// The script bytes model of Redis 7.4 (where a policy without --server runs).
let redis74Memory = RedisScriptMemory(layout: profile("redis-7.4").layout)

/// `policy` on `server`, as a replay runs it.
func run(_ policy: String, on server: String = "redis-7.4") throws -> RunConfiguration {
    RunConfiguration(server: try ServerRegistry.builtIn.configuration(server), policy: try PolicyRegistry.builtIn.configuration(policy),
                     policyIsServers: false)
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
