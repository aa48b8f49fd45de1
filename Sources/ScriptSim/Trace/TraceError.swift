/// Why a trace could not be read, with the place a user can open in an editor.
///
/// Every message renders as one line, `FILE:LINE:COLUMN: what is wrong`, the
/// form compilers use, so editors and CI logs link straight to the byte.
public struct TraceError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A line that is not a valid trace event (exit status 65, EX_DATAERR).
        case malformed
        /// The trace file does not exist or cannot be opened (exit status 66, EX_NOINPUT).
        case unreadable
        /// Reading failed part-way (exit status 74, EX_IOERR).
        case io
    }

    public var kind: Kind
    public var path: String
    /// 1-based line number; 0 when the error is about the file as a whole.
    public var line: Int
    /// 1-based byte column within the line; 0 when the error is about the file or line as a whole.
    public var column: Int
    public var message: String

    public init(kind: Kind = .malformed, path: String, line: Int, column: Int, message: String) {
        self.kind = kind
        self.path = path
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if line == 0 { return "\(path): \(message)" }
        if column == 0 { return "\(path):\(line): \(message)" }
        return "\(path):\(line):\(column): \(message)"
    }
}

/// An error inside one line, before the reader knows the file and line it belongs to.
struct LineError: Error {
    /// 1-based byte column.
    var column: Int
    var message: String
}
