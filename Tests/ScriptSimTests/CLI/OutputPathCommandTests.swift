import Foundation
import Testing
@testable import ScriptSim

/// Issue #21, items 1, 2, 4, 7 and 10: output paths of every length and kind,
/// outputs equal to inputs, closed standard descriptors, signals, and what an
/// existing file keeps when it is replaced.
@Suite struct OutputPathCommandTests {
    let cli = CommandLineTests()
    let mixed = CommandLineTests.workloads.appendingPathComponent("mixed.trace").path

    /// A fresh folder holding a copy of a small trace, `t.trace`.
    func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scriptsim-out-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let trace = (0..<50).map { "EVAL \"return \($0 % 7)\" 0\n" }.joined()
        try trace.write(toFile: dir + "/t.trace", atomically: false, encoding: .utf8)
        return dir
    }

    func names(_ dir: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir).sorted() }

    /// Runs a shell command in `dir`; its status and standard error.
    func shell(_ command: String, in dir: String) throws -> (status: Int32, stderr: String) {
        try runShell(command, in: URL(fileURLWithPath: dir))
    }

    var exe: String { get throws { try #require(CommandLineTests.executable).path } }

    /// Item 1: one-character paths crashed (SIGILL) in Foundation's path methods.
    @Test(arguments: ["a", "c", "d", "/tmp/e"])
    func oneCharacterOutputPaths(name: String) throws {
        let dir = try folder()
        let path = name.hasPrefix("/") ? dir + "/" + name.dropFirst(5) : name
        let r = try shell("'\(try exe)' replay t.trace --policy unbounded --timeline '\(path)' --plot p", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: path.hasPrefix("/") ? path : dir + "/" + path))
        let g = try shell("'\(try exe)' generate --events 20 -o g && '\(try exe)' sweep t.trace --policy eval-lru --vary entries=2,4 --plot s",
                          in: dir)
        #expect(g.status == 0, "\(g.stderr)")
        #expect(try names(dir).filter { $0.hasPrefix(".") }.isEmpty, "no temporary file left")
    }

    /// Item 1: `-o -` is standard output; `--timeline -` and `--plot -` would
    /// share it with the report, so they are refused.
    @Test func dashIsStandardOutput() throws {
        let dir = try folder()
        let g = try cli.run(["generate", "--events", "5", "-o", "-"])
        #expect(g.status == 0)
        #expect(g.stdout.split(separator: "\n").count == 5)
        for args in [["replay", dir + "/t.trace", "--timeline", "-"], ["replay", dir + "/t.trace", "--timeline", "x.csv", "--plot", "-"],
                     ["sweep", dir + "/t.trace", "--policy", "eval-lru", "--vary", "entries=2,4", "--plot", "-"]] {
            let r = try cli.run(args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.contains("standard output carries the report"))
        }
        #expect(!FileManager.default.fileExists(atPath: "-"))
    }

    /// Item 2: an output equal to an input, directly, through a symlink or a
    /// hard link, or on standard input, and two outputs on one file: exit 64, input untouched.
    @Test func outputsThatAreInputsAreRefused() throws {
        let dir = try folder()
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/t.trace"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/sym", withDestinationPath: "t.trace")
        try FileManager.default.linkItem(atPath: dir + "/t.trace", toPath: dir + "/hard")
        let cases = [
            "replay t.trace --timeline t.trace", "replay t.trace --timeline ./t.trace", "replay t.trace --timeline sym",
            "replay t.trace --timeline hard", "replay - --timeline t.trace < t.trace", "replay t.trace --timeline x --plot t.trace",
            "replay t.trace --timeline x --plot x", "replay t.trace --timeline x --plot ./x", "sweep t.trace --policy eval-lru --vary entries=2,4 --plot t.trace",
            "sweep t.trace --policy eval-lru --vary entries=2,4 --plot sym",
        ]
        for c in cases {
            let r = try shell("'\(try exe)' \(c)", in: dir)
            #expect(r.status == 64, "\(c): \(r.stderr)")
            #expect(r.stderr.contains("would replace the input") || r.stderr.contains("cannot hold both"), "\(c): \(r.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/t.trace")) == before)
        #expect(try names(dir) == ["hard", "sym", "t.trace"])
    }

    /// Item 4: with standard output or error closed, the next file opened took
    /// descriptor 1 or 2 and received the report or the warnings.
    @Test func closedStandardDescriptorsAreNotReused() throws {
        let dir = try folder()
        let out = try shell("'\(try exe)' replay t.trace --policy unbounded --timeline o.csv >&-", in: dir)
        #expect(out.status == 74)
        #expect(out.stderr.contains("cannot write the report: Bad file descriptor"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/o.csv"), "no timeline without its report")
        try "EVAL \"return 1\" 0\nGET k\nGET j\nGET x\nGET y\nGET z\nGET a\nGET b\nGET c\nGET d\nGET e\n"
            .write(toFile: dir + "/noisy.trace", atomically: false, encoding: .utf8)
        let err = try shell("'\(try exe)' replay noisy.trace --policy unbounded --timeline e.csv 2>&-", in: dir)
        #expect(err.status == 0)
        let csv = try String(contentsOfFile: dir + "/e.csv", encoding: .utf8)
        #expect(csv.hasPrefix("event,"))
        #expect(!csv.contains("note:") && !csv.contains("warning"), "the note went nowhere, not into the timeline")
        let input = try shell("'\(try exe)' replay - --policy unbounded <&-", in: dir)
        #expect(input.status == 74, "\(input.stderr)")
    }

    /// Item 10: a replaced file keeps its mode; a dangling symlink is followed
    /// (the link stays, its target is created); a file the shell would not
    /// write is refused and left as it was.
    @Test func replacedFilesKeepModeAndLinks() throws {
        let dir = try folder()
        _ = FileManager.default.createFile(atPath: dir + "/private.csv", contents: Data("old".utf8), attributes: [.posixPermissions: 0o600])
        #expect(try shell("'\(try exe)' replay t.trace --policy unbounded --timeline private.csv", in: dir).status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/private.csv")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try FileManager.default.createSymbolicLink(atPath: dir + "/dangling", withDestinationPath: "sub/target.csv")
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: false)
        #expect(try shell("'\(try exe)' replay t.trace --policy unbounded --timeline dangling", in: dir).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/dangling") == "sub/target.csv")
        #expect(try String(contentsOfFile: dir + "/sub/target.csv", encoding: .utf8).hasPrefix("event,"))

        // Not writable: as root only another user is refused, so run as nobody there.
        let asUser = geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : ""
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir)
        _ = FileManager.default.createFile(atPath: dir + "/readonly.csv", contents: Data("keep".utf8), attributes: [.posixPermissions: 0o444])
        // A copy of the executable in the folder: the clone's own path may not be open to nobody.
        var runnable = try exe
        if geteuid() == 0 {
            try FileManager.default.copyItem(atPath: runnable, toPath: dir + "/scriptsim-copy")
            runnable = dir + "/scriptsim-copy"
            _ = try shell("chown 65534:65534 readonly.csv t.trace", in: dir)
        }
        let r = try shell("\(asUser)'\(runnable)' replay t.trace --policy unbounded --timeline readonly.csv", in: dir)
        #expect(r.status == 74, "\(r.stderr)")
        #expect(r.stderr.contains("Permission denied"))
        #expect(try String(contentsOfFile: dir + "/readonly.csv", encoding: .utf8) == "keep")

        // A writable file in a folder that is not: refused, and the message says why
        // (it said "Permission denied", though `>` could write the file).
        try FileManager.default.createDirectory(atPath: dir + "/locked", withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: dir + "/locked/open.csv", contents: Data("keep".utf8), attributes: [.posixPermissions: 0o666])
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir + "/locked")
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir + "/locked") }
        let locked = try shell("\(asUser)'\(runnable)' replay t.trace --policy unbounded --timeline locked/open.csv", in: dir)
        #expect(locked.status == 74)
        #expect(locked.stderr.contains("its folder is not writable"), "\(locked.stderr)")
        #expect(try String(contentsOfFile: dir + "/locked/open.csv", encoding: .utf8) == "keep")
    }

    /// Item 7: SIGINT or SIGTERM while a file is being written removes the
    /// unfinished file, says so, and exits 130 / 143.
    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func signalsLeaveNoPartialFile(signal: Int32, status: Int32) throws {
        let dir = try folder()
        for command in [["generate", "--events", "1000000000", "-o", "big.trace"],
                        ["replay", "-", "--policy", "unbounded", "--timeline", "t.csv", "--plot", "t.svg"]] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try exe)
            p.arguments = command
            p.currentDirectoryURL = URL(fileURLWithPath: dir)
            let input = Pipe(), err = Pipe()
            p.standardInput = input      // kept open: replay waits for more trace
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            input.fileHandleForWriting.write(Data("EVAL \"return 1\" 0\n".utf8))
            let deadline = Date().addingTimeInterval(30)
            while try names(dir).allSatisfy({ !$0.contains(".partial-") }), Date() < deadline { usleep(10_000) }
            #expect(try names(dir).contains { $0.contains(".partial-") }, "the file is being written")
            kill(p.processIdentifier, signal)
            let stop = Date().addingTimeInterval(30)
            while p.isRunning, Date() < stop { usleep(10_000) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL); Issue.record("\(command[0]) ignored the signal") }
            p.waitUntilExit()
            let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(p.terminationStatus == status, "\(command[0]): \(e)")
            #expect(e.contains("interrupted"))
            let left = try names(dir)
            #expect(left == ["t.trace"], "\(command[0]) left \(left)")
        }
    }
}
