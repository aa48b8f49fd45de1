import Foundation
import Testing
@testable import ScriptSim

/// Issue #22's three differences between the servers' Lua and the model, each
/// measured on Debian's Redis 7.0.15, Redis 8.0.2 and Valkey 9.1.2
/// (docs/servers.md, "What the servers' Lua differs in").
@Suite struct ServerLuaFidelityTests {
    func eval(_ body: String) -> String { "EVAL \(quoted(body)) 0\n" }

    func compiled(_ body: String, on server: String) throws -> PolicyResult {
        try Replayer(policies: [], servers: [server], options: ReplayOptions(engines: [.lua51]))
            .replay(path: try writeTrace(eval(body))).policies[0]
    }

    /// CVE-2025-46819's lexer (Debian's 7.0.15, the October 2025 releases, Valkey 9)
    /// reads a `[[` inside a level-0 long string or comment as text; Redis 7.4.1 and
    /// 8.0.2 refuse it ("nesting of [[...]] is deprecated"), as stock Lua 5.1 does.
    @Test(arguments: ["return [[ [[ ]]", "--[[ [[ ]]\nreturn 1"])
    func nestedLongBracketsFollowTheServersLexer(body: String) throws {
        for server in ["redis-7.0", "redis-7.4.6", "redis-8.2", "valkey-9.1"] {
            #expect(try compiled(body, on: server).compileErrors == 0, "\(server) accepts it")
        }
        for server in ["redis-7.4", "redis-8.0", "valkey-8.0"] {
            let r = try compiled(body, on: server)
            #expect(r.compileErrors == 1, "\(server) refuses it")
            #expect(r.compileErrorExamples.first?.message.contains("nesting of [[...]] is deprecated") == true)
        }
    }

    /// Both lexers refuse a nested bracket that closes early, each with its own message.
    @Test func aNestedBracketThatClosesEarlyFailsWithEachLexersMessage() throws {
        let body = "return [[ a [[ b ]] ]]"
        let patched = try compiled(body, on: "redis-7.0")
        #expect(patched.compileErrors == 1)
        #expect(patched.compileErrorExamples.first?.message.contains("'<eof>' expected near ']'") == true,
                "\(patched.compileErrorExamples.first?.message ?? "")")
        let stock = try compiled(body, on: "redis-8.0")
        #expect(stock.compileErrorExamples.first?.message.contains("nesting of [[...]] is deprecated") == true)
        // Brackets of other levels were never nesting errors.
        for server in ["redis-7.0", "redis-8.0", "valkey-9.1"] {
            #expect(try compiled("return [==[ [[ ]==] .. [[ [=[ ]]", on: server).compileErrors == 0)
        }
    }

    /// A shebang line is split as sdssplitargs splits it: \v and \f join a bare
    /// token, \r ends one, an unknown escape in double quotes is its letter.
    @Test(arguments: [
        ("#!lua\u{0B}flags=no-writes\nreturn 1", "Unexpected engine in script shebang: #!lua\u{0B}flags=no-writes"),
        ("#!lua flags=no-writes\u{0C}\nreturn 1", "Unexpected flag in script shebang: no-writes\u{0C}"),
        ("#!lua \"flags=\\q\"\nreturn 1", "Unexpected flag in script shebang: q"),
        ("#!lua\r\nreturn 1", nil),
        ("#!lua 'flags=no-writes'\r\nreturn 1", nil),
    ] as [(String, String?)])
    func shebangsAreSplitAsTheServerSplitsThem(body: String, message: String?) throws {
        let r = try compiled(body, on: "redis-7.4")
        if let message {
            #expect(r.compileErrors == 1)
            #expect(r.compileErrorExamples.first?.message.contains(message) == true, "\(r.compileErrorExamples.first?.message ?? "none")")
        } else {
            #expect(r.compileErrors == 0, "\(r.compileErrorExamples.first?.message ?? "")")
        }
    }

    /// luaCallFunction sets registry["__RUN_CTX__"] before each run and nils it
    /// after: the key keeps its slot, so the registry's hash part doubles one
    /// script earlier than the live keys alone would make it. Debian's 7.0.15
    /// jumps by ~20 KiB at 510 cached scripts (verify's reading: the trace's EVALs,
    /// then its full-collection EVAL), as the model now does.
    @Test func theRunContextKeyTakesARegistrySlot() throws {
        func retained(_ scripts: Int) throws -> Int {
            var options = ReplayOptions(engines: [.lua51])
            options.retainedProbe = Array(Verifier.gcProbe.utf8)
            let trace = (1...scripts).map { eval("return \($0)") }.joined()
            return try Replayer(policies: [], servers: ["redis-7.0"], options: options)
                .replay(path: try writeTrace(trace)).policies[0].luaGCCountRetainedBytes
        }
        let (a, b, c) = (try retained(508), try retained(509), try retained(510))
        #expect(b - a < 2_000, "no jump from 508 to 509: \(b - a)")
        #expect(c - b > 15_000, "the jump from 509 to 510: \(c - b)")
    }
}
