/// A library's first line, `#!lua name=mylib`, read as `functionExtractLibMetaData`
/// reads it (src/functions.c, Redis 7.0–8.0 and Valkey 9): the line is split as
/// sdssplitargs splits it, `parts[0]` without its `#!` names the engine, and the only
/// option is `name=` (its prefix in any case). The code the engine compiles starts at
/// the line feed, so error line numbers are the user's.
public struct FunctionLibraryHeader: Equatable, Sendable {
    public var engine: String
    public var name: String
    /// Where the code the engine compiles starts (the header's line feed).
    public var codeOffset: Int

    /// The header of `code`, or the server's error (checked in its order: the
    /// metadata, then the name, then the engine).
    public static func parse(_ code: UnsafeBufferPointer<UInt8>, engines: [String] = ["LUA"]) -> Result<FunctionLibraryHeader, FunctionError> {
        guard code.count >= 2, code[0] == UInt8(ascii: "#"), code[1] == UInt8(ascii: "!") else {
            return .failure(FunctionError(.metadata, "Missing library metadata"))
        }
        // strchr(payload, '\n'): a NUL before it ends the string.
        guard let lf = code.firstIndex(where: { $0 == 0x0A || $0 == 0 }), code[lf] == 0x0A,
              let parts = Shebang.splitArguments(UnsafeBufferPointer(rebasing: code[0..<lf]), dialect: .redis), !parts.isEmpty else {
            return .failure(FunctionError(.metadata, "Invalid library metadata"))
        }
        func text(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self) }
        let engine = text(parts[0].dropFirst(2))
        var name: String?
        for part in parts.dropFirst() {
            let option = text(part)
            guard option.count >= 5, option.prefix(5).lowercased() == "name=" else {
                return .failure(FunctionError(.metadata, "Invalid metadata value given: \(option)"))
            }
            guard name == nil else {
                return .failure(FunctionError(.metadata, "Invalid metadata value, name argument was given multiple times"))
            }
            name = String(option.dropFirst(5))
        }
        guard let name else { return .failure(FunctionError(.metadata, "Library name was not given")) }
        guard isValidName(name) else {
            return .failure(FunctionError(.invalidName,
                "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"))
        }
        guard engines.contains(where: { $0.lowercased() == engine.lowercased() }) else {
            return .failure(FunctionError(.unknownEngine, "Engine '\(engine)' not found"))
        }
        return .success(FunctionLibraryHeader(engine: engine, name: name, codeOffset: lf))
    }

    /// `functionsVerifyName`: one or more of a-z, A-Z, 0-9 and `_`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
        }
    }
}
