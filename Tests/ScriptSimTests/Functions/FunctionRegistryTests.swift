import Testing
@testable import ScriptSim

/// FUNCTION LOAD's header and the libraries' rules, with the replies measured
/// on Redis 7.0.15, 7.4.1, 8.0.2 and Valkey 9.1.2 (docs/research/functions.md §1, §3).
@Suite struct FunctionRegistryTests {
    func header(_ code: String) -> Result<FunctionLibraryHeader, FunctionError> {
        Array(code.utf8).withUnsafeBufferPointer { FunctionLibraryHeader.parse($0) }
    }

    func loaded(_ name: String) throws -> FunctionLibraryHeader {
        try header("#!lua name=\(name)\nreturn").get()
    }

    @Test(arguments: [
        ("return 1", "Missing library metadata"),
        ("#!lua name=lib", "Invalid library metadata"),
        ("#!lua name=\"lib\nx", "Invalid library metadata"),
        ("#!lua\nx", "Library name was not given"),
        ("#!\nx", "Library name was not given"),
        ("#!lua foo=bar\nx", "Invalid metadata value given: foo=bar"),
        ("#!lua name=a name=b\nx", "Invalid metadata value, name argument was given multiple times"),
        ("#!js name=lib\nx", "Engine 'js' not found"),
        ("#!lua name=bad-name\nx", "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"),
        ("#!lua name=\nx", "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"),
        ("#!lua \"name=a b\"\nx", "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"),
    ])
    func headersAreRefusedAsTheServersRefuseThem(code: String, message: String) {
        guard case .failure(let e) = header(code) else { Issue.record("\(code) accepted"); return }
        #expect(e.message == message)
    }

    @Test func aHeaderInAnyCase() throws {
        let h = try header("#!LUA NAME=My_lib1\nredis.register_function('f', function() end)").get()
        #expect((h.engine, h.name, h.codeOffset) == ("LUA", "My_lib1", 18))
    }

    /// Library names are case-sensitive (`LIB1` and `lib1` coexist); function
    /// names are not (`F1` collides with `f1`); nothing registered is refused.
    @Test func libraryAndFunctionNames() throws {
        var r = FunctionRegistry()
        #expect(try r.link(loaded("lib1"), functions: ["f1"], codeLength: 10, replace: false).get().name == "lib1")
        #expect(r.admits(try loaded("lib1"), replace: false) == FunctionError(.libraryExists, "Library 'lib1' already exists"))
        #expect(throws: Never.self) { try r.link(loaded("LIB1"), functions: ["g"], codeLength: 10, replace: false).get() }
        guard case .failure(let e) = r.link(try loaded("other"), functions: ["F1"], codeLength: 10, replace: false) else {
            Issue.record("F1 linked beside f1"); return
        }
        #expect(e == FunctionError(.functionExists, "Function F1 already exists"))
        guard case .failure(let none) = r.link(try loaded("empty"), functions: [], codeLength: 10, replace: false) else { return }
        #expect(none.message == "No functions registered")
        #expect((r.libraryCount, r.functionCount) == (2, 2))
    }

    /// REPLACE relinks the library with its new functions; its own old names do not collide.
    @Test func replaceSwapsTheFunctions() throws {
        var r = FunctionRegistry()
        _ = r.link(try loaded("lib"), functions: ["a", "b"], codeLength: 10, replace: false)
        _ = r.link(try loaded("other"), functions: ["c"], codeLength: 10, replace: false)
        #expect(throws: Never.self) { try r.link(loaded("lib"), functions: ["b", "d"], codeLength: 12, replace: true).get() }
        #expect(r.functionCount == 3)
        // A REPLACE that takes another library's name fails and keeps the old library.
        guard case .failure = r.link(try loaded("lib"), functions: ["c"], codeLength: 12, replace: true) else { return }
        #expect(r.libraries["lib"]?.functions == ["b", "d"])
    }

    /// `aa` and `AA` in one library: it loads, the server counts one function, and
    /// a later FUNCTION DELETE aborts the server (measured on all four).
    @Test func namesDifferingOnlyInCaseCrashTheServerOnDelete() throws {
        var r = FunctionRegistry()
        let lib = try r.link(loaded("l"), functions: ["aa", "AA"], codeLength: 10, replace: false).get()
        #expect(lib.caseCollision)
        #expect((r.libraryCount, r.functionCount) == (1, 1))
        guard case .success(.crashesServer) = r.delete("l") else { Issue.record("not a crash"); return }
        #expect(r.delete("l") == .failure(FunctionError(.libraryNotFound, "Library not found")))
        _ = r.link(try loaded("m"), functions: ["x"], codeLength: 10, replace: false)
        r.flush()
        #expect((r.libraryCount, r.functionCount) == (0, 0))
    }
}
