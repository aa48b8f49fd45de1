import Foundation

/// Runs `script` with `shell -c` in `dir` (stdout discarded): its status and
/// standard error. For the command-line tests that need redirections, `ulimit`,
/// process substitution or signals, as a user's shell gives them.
func runShell(_ script: String, shell: String = "/bin/sh", in dir: URL,
              environment: [String: String] = [:]) throws -> (status: Int32, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: shell)
    p.arguments = ["-c", script]
    p.currentDirectoryURL = dir
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: e, as: UTF8.self))
}
