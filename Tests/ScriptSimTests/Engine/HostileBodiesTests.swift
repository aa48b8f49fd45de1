import Foundation
import Testing
@testable import ScriptSim

/// Bodies that attack the compiler: each ends as a compile error or a bounded
/// compile, never a crash, and the VM's byte counter stays exact.
@Suite(.serialized) struct HostileBodiesTests {
    enum Outcome: Equatable { case compiles, refused(String) }

    func compile(_ body: [UInt8], engine: LuaEngine = .lua54) throws -> Outcome {
        let allocator = try VMAllocator()
        let vm = try LuaVM(allocator: allocator, engine: engine)
        defer { vm.close() }
        let outcome: Outcome
        do {
            try body.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(EngineError) in
                try vm.compile(b, slot: LuaVM.slot(for: 1), sha: "hostile")
            }
            outcome = .compiles
        } catch {
            guard case .compileFailed(_, let message) = error else { throw error }
            outcome = .refused(message)
        }
        vm.flushThreadCache()
        #expect(allocator.statistics().allocated == allocator.liveBytes, "counter stays exact")
        vm.collectGarbage()
        vm.flushThreadCache()
        #expect(allocator.statistics().allocated == allocator.liveBytes, "counter stays exact after GC")
        return outcome
    }

    func refusal(_ o: Outcome) -> String? { if case .refused(let m) = o { return m } else { return nil } }

    @Test func deepNesting() throws {
        let parens = String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000)
        let deep = refusal(try compile(Array("return \(parens)".utf8))) ?? ""
        #expect(deep.contains("overflow") || deep.contains("levels"), "\(deep)")
        let functions = String(repeating: "function f() ", count: 50_000) + String(repeating: "end ", count: 50_000)
        #expect(refusal(try compile(Array(functions.utf8))) != nil)
        let tables = "return " + String(repeating: "{", count: 100_000) + String(repeating: "}", count: 100_000)
        #expect(refusal(try compile(Array(tables.utf8))) != nil)
    }

    @Test func aMillionLocalsOrConstants() throws {
        let locals = (0..<1_000_000).map { "local a\($0) = \($0)" }.joined(separator: "\n")
        #expect(refusal(try compile(Array(locals.utf8)))?.contains("too many local variables") == true)
        let constants = "return {" + (0..<1_000_000).map { "\($0).5" }.joined(separator: ",") + "}"
        // Lua 5.4 indexes constants with 25 bits and compiles it; 5.1 (the servers'
        // Lua) has 18 bits for them and refuses it.
        #expect(try compile(Array(constants.utf8)) == .compiles)
        #expect(refusal(try compile(Array(constants.utf8), engine: .lua51))?.contains("constant table overflow") == true)
    }

    @Test func aHundredMebibyteStringConstant() throws {
        var body = [UInt8](repeating: UInt8(ascii: "x"), count: (100 << 20) + 9)
        body.replaceSubrange(0..<8, with: Array("return '".utf8))
        body[body.count - 1] = UInt8(ascii: "'")
        #expect(try compile(body) == .compiles)
    }

    @Test func binaryChunksNulAndInvalidUTF8() throws {
        #expect(refusal(try compile([0x1B, 0x4C, 0x75, 0x61, 0x54, 0x00, 0x19, 0x93]))?.contains("binary chunk") == true)
        #expect(refusal(try compile([0x1B])) != nil)
        #expect(try compile(Array("return 'a\u{0}b'".utf8)) == .compiles)                       // NUL inside a string
        #expect(refusal(try compile([0x72, 0x65, 0x74, 0x00, 0x75])) != nil)                     // NUL in code
        #expect(try compile([0x72, 0x65, 0x74, 0x75, 0x72, 0x6E, 0x20, 0x27, 0xFF, 0xFE, 0xC3, 0x28, 0x27]) == .compiles)
        #expect(refusal(try compile([0xFF, 0xFE, 0xFD])) != nil)
        #expect(try compile([]) == .compiles)                                                    // an empty chunk is valid Lua
    }

    /// Compiled, never run: no library is open, so these cannot reach the host.
    @Test func hostileCallsCompileButNeverRun() throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("scriptsim-pwned-\(UUID().uuidString)").path
        for body in ["os.execute('touch \(marker)')", "io.open('\(marker)', 'w'):write('x')", "require('os').execute('touch \(marker)')",
                     "load('os.execute(\"touch \(marker)\")')()", "dofile('/etc/passwd')", "loadfile('/etc/passwd')()",
                     "package.loadlib('/lib/x86_64-linux-gnu/libc.so.6', 'system')('touch \(marker)')"] {
            #expect(try compile(Array(body.utf8)) == .compiles)
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// The same corpus through a trace: compile errors are counted, the run goes on.
    @Test func throughATrace() throws {
        let bodies = ["return " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000),
                      "\u{1B}Lua", "os.execute('true')", "return 'ok'", "#!lua flags=evil\nreturn 1"]
        let trace = bodies.map { "EVAL \(quoted($0)) 0\n" }.joined()
        let r = try replayOne(trace, policy: "eval-lru")
        #expect(r.compileErrors == 3)
        #expect(r.cachedScripts == 2)
    }

    @Test func overlongLinesStopAtMaxBodyBytes() throws {
        let path = try writeTrace("EVAL \"return 1\" 0\nEVAL \"return '" + String(repeating: "x", count: 3000) + "'\" 0\n")
        let r = try CommandLineTests().run(["replay", path, "--max-body-bytes", "1KiB"])
        #expect(r.status == 65)
        #expect(r.stderr == "\(path):2:1025: line is longer than --max-body-bytes (1024 bytes)\n")
    }
}
