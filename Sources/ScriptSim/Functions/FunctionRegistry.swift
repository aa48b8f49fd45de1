/// The libraries and functions one server holds, and the rules FUNCTION LOAD,
/// DELETE and FLUSH apply to them (src/functions.c `functionsCreateWithLibraryCtx`,
/// `libraryLink`, `functionDeleteCommand`): library names are case-sensitive,
/// function names are not; a load is atomic; REPLACE unlinks the old library
/// first and puts it back if the new one fails. The engine (compiling the code and
/// running its top level) is the caller's; this holds what the server's dicts hold.
public struct FunctionRegistry: Sendable {
    public struct Library: Equatable, Sendable {
        public var name: String
        /// Function names as registered, in order.
        public var functions: [String]
        public var codeLength: Int
        /// Two of its names differ only in case: the server links one (its
        /// functions dict is case-insensitive) and aborts when the library is deleted.
        public var caseCollision: Bool
    }

    /// What a DELETE does to the server.
    public enum Deletion: Equatable, Sendable {
        case deleted(Library)
        /// The server aborts: `'ret == DICT_OK' is not true` in `libraryUnlink`
        /// (functions.c:291 in 7.0.15, :280 in 7.4.1, :285 in 8.0.2, :323 in Valkey 9.1),
        /// unlinking the function its dict never held.
        case crashesServer(Library)
    }

    private(set) var libraries: [String: Library] = [:]
    /// Lowercased function name → its library.
    private var owners: [String: String] = [:]

    public init() {}

    /// `number_of_libraries`.
    public var libraryCount: Int { libraries.count }
    /// `number_of_functions`: the case-insensitive dict's size.
    public var functionCount: Int { owners.count }

    /// Before the engine runs: the header's library may be loaded (or replaced).
    public func admits(_ header: FunctionLibraryHeader, replace: Bool) -> FunctionError? {
        guard libraries[header.name] != nil, !replace else { return nil }
        return FunctionError(.libraryExists, "Library '\(header.name)' already exists")
    }

    /// After the engine ran the library's top level and it registered `functions`:
    /// links it (replacing a library of the same name), or says why the server refuses.
    public mutating func link(_ header: FunctionLibraryHeader, functions: [String], codeLength: Int,
                              replace: Bool) -> Result<Library, FunctionError> {
        if let problem = admits(header, replace: replace) { return .failure(problem) }
        guard !functions.isEmpty else { return .failure(FunctionError(.noFunctions, "No functions registered")) }
        for f in functions {
            if let owner = owners[f.lowercased()], owner != header.name {
                return .failure(FunctionError(.functionExists, "Function \(f) already exists"))
            }
        }
        if let old = libraries.removeValue(forKey: header.name) { unlinkNames(of: old) }
        let lowered = functions.map { $0.lowercased() }
        let library = Library(name: header.name, functions: functions, codeLength: codeLength,
                              caseCollision: Set(lowered).count < lowered.count)
        libraries[header.name] = library
        for f in lowered where owners[f] == nil { owners[f] = header.name }
        return .success(library)
    }

    /// FUNCTION DELETE `name`: "Library not found", or what the server does.
    public mutating func delete(_ name: String) -> Result<Deletion, FunctionError> {
        guard let library = libraries.removeValue(forKey: name) else {
            return .failure(FunctionError(.libraryNotFound, "Library not found"))
        }
        unlinkNames(of: library)
        return .success(library.caseCollision ? .crashesServer(library) : .deleted(library))
    }

    /// FUNCTION FLUSH: nothing left.
    public mutating func flush() {
        libraries.removeAll()
        owners.removeAll()
    }

    private mutating func unlinkNames(of library: Library) {
        for f in library.functions where owners[f.lowercased()] == library.name { owners.removeValue(forKey: f.lowercased()) }
    }
}
