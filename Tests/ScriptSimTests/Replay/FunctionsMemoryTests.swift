import Testing
@testable import ScriptSim

/// `used_memory_functions` as INFO showed it on Redis 7.0.15 (Debian), 7.4.1 and
/// 8.0.2 (built from source) and Valkey 9.1.2 (jemalloc) for one series of
/// loads, a REPLACE, a failed load, a delete and three flushes, each figure read
/// after the functions dict's rehash settled (docs/research/functions.md §4);
/// the model gives every one to the byte.
@Suite struct FunctionsMemoryTests {
    /// A library as the measurement built it: `name`'s functions `f…`, positional,
    /// then one registered by table with a description.
    static func library(_ name: String, _ functions: [String], gcFirst: Bool = false,
                        described: (String, String)? = nil) -> (code: String, functions: [FunctionsMemory.Function]) {
        var lines = ["#!lua name=\(name)"]
        for (i, f) in functions.enumerated() {
            lines.append(gcFirst && i == 0
                ? "redis.register_function('\(f)', function(keys, args) collectgarbage('collect') return 1 end)"
                : "redis.register_function('\(f)', function(keys, args) return \(i) end)")
        }
        var registered = functions.map { FunctionsMemory.Function(nameLength: $0.utf8.count, descriptionLength: nil) }
        if let (f, description) = described {
            lines.append("redis.register_function{function_name='\(f)', callback=function(keys, args) return 'd' end, "
                         + "flags={'no-writes'}, description='\(description)'}")
            registered.append(FunctionsMemory.Function(nameLength: f.utf8.count, descriptionLength: description.utf8.count))
        }
        return (lines.joined(separator: "\n"), registered)
    }

    enum Step { case load(String, (code: String, functions: [FunctionsMemory.Function])), delete(String), flush, none }

    static let ten = [2, 5, 10, 20, 31, 32, 40, 44, 45, 60].map { "t" + String(repeating: "x", count: $0 - 1) }
    static let steps: [Step] = [
        .load("a", library("a", ["f"], gcFirst: true)), .none,
        .load("lib_two", library("lib_two", ["f2a", "function_with_a_longer_name_33chr"])),
        .load("ten", library("ten", ten)), .none,
        .load("library_with_a_name_of_40_characters_xyz",
              library("library_with_a_name_of_40_characters_xyz", [], described: ("described_fn", String(repeating: "D", count: 50)))),
        .none, .delete("lib_two"), .none,
        .load("ten", library("ten", ten)), .none,   // FUNCTION LOAD REPLACE
        .none,                                      // a load refused: "Function f already exists"
        .none, .flush, .load("a", library("a", ["f"], gcFirst: true)), .none,
        .flush, .load("a", library("a", ["f"], gcFirst: true)), .none,
        .flush, .load("a", library("a", ["f"], gcFirst: true)), .none,
    ]

    /// The servers' figures: before the first step, then after each.
    @Test(arguments: [
        ("redis-7.0", [200, 472, 472, 928, 3272, 3272, 3768, 3768, 3312, 3312, 3312, 3312, 3312, 3312, 200, 472, 472, 200, 472, 472, 200, 472, 472]),
        ("redis-7.4", [192, 456, 456, 888, 3120, 3120, 3600, 3600, 3168, 3168, 3168, 3168, 3168, 3168, 296, 560, 560, 400, 664, 664, 504, 768, 768]),
        ("redis-8.0", [192, 456, 456, 888, 3120, 3120, 3600, 3600, 3168, 3168, 3168, 3168, 3168, 3168, 296, 560, 560, 400, 664, 664, 504, 768, 768]),
        ("valkey-9.1", [328, 624, 624, 1120, 3688, 3688, 4208, 4208, 3712, 3712, 3712, 3712, 3712, 3712, 328, 624, 624, 328, 624, 624, 328, 624, 624]),
    ])
    func everyReadingToTheByte(server: String, measured: [Int]) {
        var memory = FunctionsMemory(layout: profile(server).functionsMemory)
        var modeled = [memory.total]
        for step in Self.steps {
            switch step {
            case .load(let name, let library): memory.load(library: name, codeLength: library.code.utf8.count, functions: library.functions)
            case .delete(let name): memory.delete(library: name)
            case .flush: memory.flush()
            case .none: break
            }
            modeled.append(memory.total)
        }
        #expect(modeled == measured)
    }
}
