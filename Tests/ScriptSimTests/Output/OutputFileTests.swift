import Foundation
import Testing
@testable import ScriptSim

/// The one way the tool writes a file the user named.
@Suite struct OutputFileTests {
    func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scriptsim-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func contents(_ url: URL) -> String? { (try? Data(contentsOf: url)).map { String(decoding: $0, as: UTF8.self) } }

    @Test func aRegularFileChangesOnlyOnCommit() throws {
        let dir = try directory()
        let target = dir.appendingPathComponent("out.csv")
        try Data("old\n".utf8).write(to: target)
        let file = try OutputFile(path: target.path, what: "timeline")
        try file.write("new\n")
        #expect(contents(target) == "old\n")
        try file.commit()
        #expect(contents(target) == "new\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.csv"])
    }

    @Test func aDiscardedFileLeavesNothing() throws {
        let dir = try directory()
        let existing = dir.appendingPathComponent("kept.svg")
        try Data("kept".utf8).write(to: existing)
        do {
            let file = try OutputFile(path: existing.path, what: "plot")
            try file.write("half")
        }   // released without commit
        let fresh = try OutputFile(path: dir.appendingPathComponent("new.svg").path, what: "plot")
        try fresh.write("x")
        fresh.discard()
        #expect(contents(existing) == "kept")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["kept.svg"])
    }

    @Test func aSymlinkStaysASymlink() throws {
        let dir = try directory()
        let real = dir.appendingPathComponent("real.trace")
        try Data("old".utf8).write(to: real)
        let link = dir.appendingPathComponent("link.trace")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        let file = try OutputFile(path: link.path, what: "trace")
        try file.write("new")
        try file.commit()
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == real.path)
        #expect(contents(real) == "new")
    }

    @Test func aDeviceIsWrittenInPlace() throws {
        let file = try OutputFile(path: "/dev/null", what: "plot")
        #expect(file.inPlace)
        try file.write("nothing")
        try file.commit()
        var st = stat()
        #expect(stat("/dev/null", &st) == 0 && (st.st_mode & S_IFMT) == S_IFCHR)
    }

    @Test func aMissingDirectoryIsOneError() throws {
        #expect(throws: OutputError.self) { try OutputFile(path: "/nonexistent-dir/p.svg", what: "plot") }
    }
}
