/// Measures how many VM bytes a compiled script holds, on a VM of its own.
///
/// The allocator's counter is read before and after the compile, each time
/// after a full collection, so the figure is what the function keeps alive
/// (prototype, constants, debug info, closure, registry entry), not the
/// compiler's temporaries, and not disturbed by collection steps that happen
/// to run during the compile. Each distinct script is measured once, and every
/// policy gets the same figure, so byte budgets compare like with like.
public final class ScriptCostMeter {
    private let vm: LuaVM
    private static let slot = LuaVM.slot(for: 0)

    public init(engine: LuaEngine = .lua54, server: ServerEnvironment = ServerRegistry.fallbackProfile.lua) throws(EngineError) {
        vm = try LuaVM(allocator: VMAllocator(), engine: engine, server: server)
        // The first store grows the registry for the slot; do it once up front
        // so that no script is charged for it.
        _ = Array("return".utf8).withUnsafeBufferPointer { measure($0) }
    }

    deinit { vm.close() }

    /// VM bytes the compiled `code` keeps; 0 when it does not compile.
    public func measure(_ code: UnsafeBufferPointer<UInt8>) -> Int { measureIfCompiles(code) ?? 0 }

    /// VM bytes the compiled `code` keeps, or nil when it does not compile.
    public func measureIfCompiles(_ code: UnsafeBufferPointer<UInt8>) -> Int? { try? compileCost(code).get() }

    /// VM bytes the compiled `code` keeps, or the engine's reason it does not compile.
    public func compileCost(_ code: UnsafeBufferPointer<UInt8>) -> Result<Int, EngineError> {
        vm.drop(slot: Self.slot)
        vm.collectGarbage()
        let before = vm.liveBytes
        do throws(EngineError) {
            try vm.compile(code, slot: Self.slot, sha: "")
        } catch {
            return .failure(error)
        }
        vm.collectGarbage()
        return .success(max(0, vm.liveBytes - before))
    }
}
