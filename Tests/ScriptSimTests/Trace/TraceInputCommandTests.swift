import Foundation
import Testing
@testable import ScriptSim

/// Trace input as a user meets it through the command line: many traces at a
/// low descriptor limit.
@Suite struct TraceInputCommandTests {
    /// `scriptsim ARGUMENTS` under `ulimit -n limit`.
    func run(_ arguments: [String], descriptorLimit limit: Int) throws -> CommandLineTests.Run {
        let exe = try #require(CommandLineTests.executable, "the scriptsim executable was not built")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -n \(limit) && exec \"$0\" \"$@\"", exe.path] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CommandLineTests.Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                                    stderr: String(decoding: e, as: UTF8.self))
    }

    /// More traces than descriptors (plain, gzip and zstd): each is opened when
    /// it is read and closed after. Before, replay held one descriptor per trace
    /// and stopped with 66 at the limit, or read a `.gz` as text (65) where
    /// zlib's `dup()` found none left.
    @Test(arguments: ["replay", "analyze"])
    func moreTracesThanDescriptors(command: String) throws {
        let text = "EVAL \"return 1\" 0\nEVAL \"return 2\" 0\n"
        let dir = URL(fileURLWithPath: try writeTrace(text)).deletingLastPathComponent()
        var paths: [String] = []
        for i in 0..<90 {
            let url = dir.appendingPathComponent("t\(i).trace")
            switch i % 3 {
            case 0: try Data(text.utf8).write(to: url)
            case 1: try PipedInputTests.gzip(Data(text.utf8)).write(to: url)
            default: try PipedInputTests.zstd(Data(text.utf8)).write(to: url)
            }
            paths.append(url.path)
        }
        let r = try run([command] + paths + ["--format", "csv"], descriptorLimit: 48)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        for path in paths { #expect(r.stdout.contains(path), "\(path)") }
    }
}
