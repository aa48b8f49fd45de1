import Foundation
import Testing
@testable import ScriptSim

/// The issue's reproductions: files destroyed or left behind, a producer that
/// would not stop, odd places to write.
@Suite struct OutputCommandTests {
    let cli = CommandLineTests()
    static let workloads = CommandLineTests.workloads

    func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scriptsim-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Runs `command` through sh (for pipes), at most `seconds`.
    func shell(_ command: String, seconds: Double = 60) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning, Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate(); Issue.record("still running after \(seconds) s: \(command)") }
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test func generateIntoAClosedPipeStopsAndKeepsTheSymlink() throws {
        let exe = try #require(CommandLineTests.executable).path
        let dir = try directory()
        let link = dir.appendingPathComponent("to-stdout")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/dev/stdout")
        _ = try shell("'\(exe)' generate --events 1000000000000 -o '\(link.path)' | head -c1", seconds: 30)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link.path)) == "/dev/stdout")
        _ = try shell("'\(exe)' generate --events 1000000000000 | head -c100", seconds: 30)
    }

    @Test func aFailedPlotLeavesNoTimelineBehind() throws {
        let dir = try directory()
        let timeline = dir.appendingPathComponent("t.csv")
        let r = try cli.run(["replay", Self.workloads.appendingPathComponent("mixed.trace").path, "--policy", "unbounded",
                             "--timeline", timeline.path, "--plot", "/nonexistent-dir/p.svg"])
        #expect(r.status == 74)
        #expect(r.stderr.hasPrefix("/nonexistent-dir/p.svg: cannot write the plot"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func aPlotOntoADeviceOrASymlinkKeepsIt() throws {
        let dir = try directory()
        let real = dir.appendingPathComponent("real.svg")
        try Data().write(to: real)
        let link = dir.appendingPathComponent("link.svg")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        let trace = Self.workloads.appendingPathComponent("rules/plain-lru.trace").path
        let r = try cli.run(["sweep", trace, "--policy", "eval-lru", "--vary", "entries=100,500", "--plot", link.path])
        #expect(r.status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == real.path)
        #expect(((try? Data(contentsOf: real)) ?? Data()).count > 100)
        let null = try cli.run(["sweep", trace, "--policy", "eval-lru", "--vary", "entries=100,500", "--plot", "/dev/null"])
        #expect(null.status == 0)
        var st = stat()
        #expect(stat("/dev/null", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
    }

    @Test func generateRefusesWhatItCannotWrite() throws {
        for bad in ["--start-time=-5", "--start-time=nan", "--start-time=1e300"] {
            let r = try cli.run(["generate", "--monitor", "--events", "5", bad])
            #expect(r.status == 64, "\(bad)")
            #expect(r.stderr.contains("--start-time must be seconds since the epoch"), "\(bad)")
        }
        let huge = try cli.run(["generate", "--events", "10", "--scripts", "1000000000"])
        #expect(huge.status == 64)
        #expect(huge.stderr.contains("--scripts must be at most 1000000"))
    }
}
