import Foundation
import Testing
@testable import ScriptSim

/// Issue #23 item 1 (its first part): Functions commands are read, checked and
/// counted in MONITOR and typed form; until the functions VM is modeled they
/// reach the replay as other commands, and the report says no figure includes them.
@Suite struct FunctionCommandTests {
    let library = "#!lua name=lib\\nredis.register_function('f', function(keys, args) return 1 end)"

    func summary(_ text: String) throws -> (TraceSummary, [TraceCommandKind], Int) {
        let reader = try TraceReader(path: try writeTrace(text))
        var kinds: [TraceCommandKind] = []
        var others = 0
        try reader.forEachCommand({ kinds.append($0.kind) }, other: { _ in others += 1 })
        return (reader.summary, kinds, others)
    }

    @Test func everyFunctionsCommandIsCounted() throws {
        let text = """
            FUNCTION LOAD "\(library)"
            function load replace "\(library)"
            1732460000.000001 [0 127.0.0.1:50000] "FCALL" "f" "0"
            FCALL_RO f 1 key arg
            fcall f notanumber
            FUNCTION DELETE lib
            FUNCTION FLUSH
            FUNCTION FLUSH ASYNC
            FUNCTION RESTORE "\\x00payload"
            FUNCTION LIST
            FUNCTION STATS
            EVAL "return 1" 0
            GET k

            """
        let (s, kinds, others) = try summary(text)
        #expect(s[.functionLoad] == 2 && s[.fcall] == 2 && s[.fcallReadOnly] == 1 && s[.functionDelete] == 1)
        #expect(s[.functionFlush] == 2 && s[.functionRestore] == 1 && s[.functionOther] == 2)
        #expect(s.functionCommands == 11)
        #expect(s.scriptEvents == 1, "script events are EVAL, EVALSHA and SCRIPT")
        #expect(kinds == [.eval])
        #expect(others == 12, "11 Functions commands and GET reach the replay as other commands")
        #expect(s.skippedOther == 1, "only GET is skipped as not Lua")
    }

    @Test(arguments: [
        ("FCALL f\n", 8, "FCALL needs a function name and numkeys"),
        ("FUNCTION\n", 9, "FUNCTION needs a subcommand"),
        ("FUNCTION LOAD\n", 14, "FUNCTION LOAD needs the library's code"),
        ("FUNCTION DELETE a b\n", 19, "FUNCTION DELETE takes exactly one library name, got 2 arguments"),
        ("FUNCTION FLUSH NOW\n", 16, "FUNCTION FLUSH takes only ASYNC or SYNC, got 'NOW'"),
    ])
    func malformedFunctionsLinesSayWhere(line: String, column: Int, message: String) throws {
        do {
            _ = try summary(line)
            Issue.record("expected an error for \(line)")
        } catch let e as TraceError {
            #expect(e.line == 1 && e.column == column && e.message == message, "\(e.description)")
        }
    }

    /// A Functions-only trace: no hit rate of 0, and the report says the traffic is not modeled.
    @Test func aFunctionsOnlyTraceSaysWhatItLacks() throws {
        let report = try replay("FUNCTION LOAD \"\(library)\"\nFCALL f 0\nFCALL f 0\n", policies: ["eval-lru"])
        #expect(report.summary.functionCommands == 3)
        let table = ReportRenderer(format: .table).render([report])
        #expect(table.contains("Functions: FUNCTION LOAD 1, FCALL 2"), "\(table)")
        #expect(table.contains("not modeled yet"))
        #expect(table.contains("\n    1         -"))
        let json = ReportRenderer(format: .json).render([report])
        #expect(json.contains("\"fcall\": 2"))
    }
}
