import Testing
@testable import ScriptSim

@Suite struct LuaVMTests {
    func compile(_ vm: LuaVM, _ body: String, key: Int) throws(EngineError) {
        try Array(body.utf8).withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(EngineError) in
            try vm.compile(b, slot: LuaVM.slot(for: ScriptID(key)), sha: "script-\(key)")
        }
    }

    func drop(_ vm: LuaVM, key: Int) { vm.drop(slot: LuaVM.slot(for: ScriptID(key))) }

    func has(_ vm: LuaVM, key: Int) -> Bool { vm.contains(slot: LuaVM.slot(for: ScriptID(key))) }

    @Test func compiledFunctionIsKeptInTheRegistry() throws {
        let vm = try LuaVM(allocator: VMAllocator())
        defer { vm.close() }
        try compile(vm, "return redis.call('GET', KEYS[1])", key: 1)
        #expect(has(vm, key: 1))
        drop(vm, key: 1)
        #expect(!has(vm, key: 1))
    }

    @Test func syntaxErrorIsTypedWithLuasMessage() throws {
        let vm = try LuaVM(allocator: VMAllocator())
        defer { vm.close() }
        do {
            try compile(vm, "return +", key: 2)
        } catch {
            guard case .compileFailed(let sha, let message) = error else { Issue.record("wrong error \(error)"); return }
            #expect(sha == "script-2")
            #expect(message.contains("user_script:1:"))
            #expect(message.contains("unexpected symbol"))
        }
        #expect(!has(vm, key: 2))
    }

    @Test func binaryChunkIsRefused() throws {
        let vm = try LuaVM(allocator: VMAllocator())
        defer { vm.close() }
        do {
            try compile(vm, "\u{1B}Lua\u{54}\u{00}\u{19}\u{93}\r\n\u{1A}\n", key: 3)
            Issue.record("a binary chunk compiled")
        } catch {
            guard case .compileFailed(_, let message) = error else { Issue.record("wrong error \(error)"); return }
            #expect(message.contains("attempt to load a binary chunk (mode is 't')"))
        }
        #expect(!has(vm, key: 3))
    }

    @Test func hostileNamesCompileButNothingIsOpened() throws {
        // Compiling never runs code, and no library is opened to reach.
        let vm = try LuaVM(allocator: VMAllocator())
        defer { vm.close() }
        try compile(vm, "os.execute('touch /tmp/pwned'); io.open('/etc/passwd'); require('x'); dofile('y')", key: 4)
        #expect(has(vm, key: 4))
    }

    @Test func bytesGrowWithEachCompile() throws {
        let vm = try LuaVM(allocator: VMAllocator())
        defer { vm.close() }
        // Lua's collector frees the compiler's temporaries as it goes, so compare
        // what each cached script leaves behind after a full collection.
        vm.collectGarbage()
        var last = vm.liveBytes
        #expect(last > 0)
        for i in 0..<200 {
            try compile(vm, "return \(i) + tonumber(ARGV[1])", key: i)
            vm.collectGarbage()
            #expect(vm.liveBytes > last, "compile \(i) did not add bytes")
            last = vm.liveBytes
        }
    }

    @Test func droppedScriptsReturnTheirBytesOnlyThroughGC() throws {
        let vm = try LuaVM(allocator: VMAllocator())
        defer { vm.close() }
        for i in 0..<300 { try compile(vm, "local x = \(i) return x * 2", key: i) }
        let full = vm.liveBytes
        for i in 0..<300 { drop(vm, key: i) }
        #expect(vm.liveBytes >= full - 64, "dropping a reference frees nothing by itself")
        vm.collectGarbage()
        #expect(vm.liveBytes < full / 2)
    }

    @Test func exactCounterEqualsAllocatorStatistics() throws {
        let allocator = try VMAllocator()
        let vm = try LuaVM(allocator: allocator)
        defer { vm.close() }
        func check(_ when: String) {
            vm.flushThreadCache()
            #expect(allocator.statistics().allocated == allocator.liveBytes, "\(when)")
            #expect(allocator.liveBytes == vm.liveBytes)
        }
        check("fresh")
        for i in 0..<500 { try compile(vm, "return '\(i)' .. KEYS[1]", key: i) }
        check("after 500 compiles")
        // A large constant exercises jemalloc's large size classes too.
        try compile(vm, "return '" + String(repeating: "x", count: 200_000) + "'", key: 100_000)
        check("after a large compile")
        for i in stride(from: 0, to: 500, by: 2) { drop(vm, key: i) }
        vm.gcStep()
        check("after drops and a GC step")
        vm.collectGarbage()
        check("after a full GC")
    }

    @Test func luaOwnCountIsBelowUsableBytes() throws {
        let vm = try LuaVM(allocator: VMAllocator())
        defer { vm.close() }
        for i in 0..<100 { try compile(vm, "return \(i)", key: i) }
        #expect(vm.luaCountBytes > 0)
        #expect(vm.luaCountBytes <= vm.liveBytes)
    }

    @Test func closingReturnsEveryByteToTheArena() throws {
        let allocator = try VMAllocator()
        let vm = try LuaVM(allocator: allocator)
        for i in 0..<100 { try compile(vm, "return \(i)", key: i) }
        vm.close()
        #expect(allocator.liveBytes == 0)
        #expect(allocator.statistics().allocated == 0)
        #expect(allocator.peakBytes > 0)
    }

    @Test func freshVMsAreTheSameSize() throws {
        let a = try LuaVM(allocator: VMAllocator())
        let b = try LuaVM(allocator: VMAllocator())
        defer { a.close(); b.close() }
        #expect(a.liveBytes == b.liveBytes)
    }

    @Test func manyVMsDoNotExhaustArenas() throws {
        for _ in 0..<5000 {
            let vm = try LuaVM(allocator: VMAllocator())
            vm.close()
        }
    }
}

@Suite struct ShebangTests {
    func offset(_ body: String) -> Result<Int, ShebangError> {
        Array(body.utf8).withUnsafeBufferPointer { Shebang.codeOffset($0) }
    }

    @Test func rulesFromRedis() throws {
        #expect(try offset("return 1").get() == 0)
        #expect(try offset("#!lua\nreturn 1").get() == 5)
        #expect(try offset("#!lua flags=no-writes,allow-oom\nreturn 1").get() == 31)
        #expect(try offset("#!lua flags=\nreturn 1").get() == 12)
        func message(_ body: String) -> String? {
            if case .failure(let e) = offset(body) { return e.message }
            return nil
        }
        #expect(message("#!lua") == "Invalid script shebang")
        #expect(message("#!python\nreturn 1") == "Unexpected engine in script shebang: #!python")
        #expect(message("#!lua name=x\nreturn 1") == "Unknown lua shebang option: name=x")
        #expect(message("#!lua flags=no-writes,fast\nreturn 1") == "Unexpected flag in script shebang: fast")
    }
}
