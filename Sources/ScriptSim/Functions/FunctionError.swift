/// Why a Functions command failed, as the server answers it (docs/research/functions.md
/// §1–3: the same text on Redis 7.0.15, 7.4.1, 8.0.2 and Valkey 9.1.2 unless noted).
/// `kind` is what the report counts; `message` is the reply without "ERR ".
public struct FunctionError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// The `#!lua name=…` header: missing, unreadable, or naming no library.
        case metadata
        /// A library name other than letters, digits and underscores.
        case invalidName = "invalid_name"
        /// An engine the server does not have (`#!js`).
        case unknownEngine = "unknown_engine"
        /// The library exists and REPLACE was not given.
        case libraryExists = "library_exists"
        /// The code does not compile.
        case compile
        /// The library's top level failed (or `register_function` refused its arguments).
        case registration
        /// The top level registered nothing.
        case noFunctions = "no_functions"
        /// A function name another library holds (names are case-insensitive).
        case functionExists = "function_exists"
        /// FUNCTION DELETE of a library the server does not hold.
        case libraryNotFound = "library_not_found"
    }
    public var kind: Kind
    public var message: String
    public var description: String { message }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
