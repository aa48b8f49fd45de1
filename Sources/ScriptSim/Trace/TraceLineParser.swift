import Foundation

/// Turns one trace line into a script command, a skip, or a located error.
///
/// The grammar (format v1, docs/trace-format.md):
///
///     line     = [timestamp [" [" db " " client "]"]] " " command
///     command  = arguments split as redis-cli does (ArgumentSplitter)
///
/// Lines MONITOR prints for client `lua` are the commands a script ran, not
/// traffic to the script cache, so they are skipped.
final class TraceLineParser {
    enum Outcome {
        /// Blank or `#` comment.
        case ignored
        /// A command run from inside a script (MONITOR client `lua`).
        case scriptInternal
        /// A command the script cache does not see (GET, SET, SCRIPT KILL, ...);
        /// MULTI, EXEC and DISCARD are told apart for the client model.
        case otherCommand(ConnectionCommand)
        case script(TraceCommand)
    }

    private let splitter = ArgumentSplitter()

    init() {}

    /// A line parsed on its own: its arguments live in this parser's splitter
    /// until the next line.
    func parse(_ line: UnsafeBufferPointer<UInt8>) throws(LineError) -> Outcome {
        let start: Start
        switch try prefix(line) {
        case .done(let outcome): return outcome
        case .command(let s): start = s
        }
        try splitter.split(line, from: start.at)
        return try classify(splitter.view, timestamp: start.timestamp, connection: start.connection, lineLength: line.count)
    }

    /// A line parsed into `storage`, after the lines before it (a parsed
    /// piece's): the arguments of a script command (or a library name) stay
    /// there; anything else takes nothing.
    func parse(_ line: UnsafeBufferPointer<UInt8>, appendingTo storage: inout ArgumentStorage) throws(LineError) -> Outcome {
        let start: Start
        switch try prefix(line) {
        case .done(let outcome): return outcome
        case .command(let s): start = s
        }
        let (bytes, first) = (storage.bytes.count, storage.list.count)
        do throws(LineError) {
            try ArgumentSplitter.split(line, from: start.at, appendingTo: &storage)
            let outcome = try classify(storage.view(from: first), timestamp: start.timestamp, connection: start.connection,
                                       lineLength: line.count)
            switch outcome {
            case .script: return outcome
            case .otherCommand(let c) where c.kind == .libraryName: return outcome
            default: break
            }
            storage.truncate(bytes: bytes, arguments: first)
            return outcome
        } catch {
            storage.truncate(bytes: bytes, arguments: first)
            throw error
        }
    }

    /// Where a line's command starts, and what the MONITOR prefix before it said.
    private struct Start {
        var at: Int
        var timestamp: Double?
        var connection: UnsafeBufferPointer<UInt8>
    }
    private enum Prefix {
        case done(Outcome)
        case command(Start)
    }

    private func prefix(_ line: UnsafeBufferPointer<UInt8>) throws(LineError) -> Prefix {
        var p = 0
        let end = line.count
        while p < end, ArgumentSplitter.isBlank(line[p]) { p += 1 }
        if p == end || line[p] == UInt8(ascii: "#") { return .done(.ignored) }

        // Optional MONITOR prefix: "<seconds>[.<fraction>] [<db> <client>] ".
        var timestamp: Double?
        var connection = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        if Self.isDigit(line[p]) {
            let tsStart = p
            while p < end, Self.isDigit(line[p]) { p += 1 }
            if p < end, line[p] == UInt8(ascii: ".") {
                p += 1
                while p < end, Self.isDigit(line[p]) { p += 1 }
            }
            if p < end, !ArgumentSplitter.isBlank(line[p]) {
                throw LineError(column: tsStart + 1, message: "a line must start with a command or a timestamp (digits with an optional fraction)")
            }
            timestamp = Double(String(decoding: UnsafeBufferPointer(rebasing: line[tsStart..<p]), as: UTF8.self))
            while p < end, ArgumentSplitter.isBlank(line[p]) { p += 1 }
            if p == end {
                throw LineError(column: p + 1, message: "missing command after the timestamp")
            }
            if line[p] == UInt8(ascii: "[") {
                let open = p
                p += 1
                let dbStart = p
                while p < end, Self.isDigit(line[p]) { p += 1 }
                guard p > dbStart, p < end, line[p] == UInt8(ascii: " ") else {
                    throw LineError(column: dbStart + 1, message: "expected '[<db> <client>]' after the timestamp, as MONITOR prints it")
                }
                p += 1
                let clientStart = p
                if Self.hasUnixPrefix(line, at: p, end: end) {
                    p = Self.endOfUnixClient(line, from: p, end: end)
                } else {
                    while p < end, !ArgumentSplitter.isBlank(line[p]) { p += 1 }
                }
                // The client ends with "]"; IPv6 peers are "[::1]:port", so the last "]" closes.
                guard p > clientStart + 1, line[p - 1] == UInt8(ascii: "]") else {
                    throw LineError(column: open + 1, message: "unterminated '[<db> <client>]' prefix")
                }
                let client = UnsafeBufferPointer(rebasing: line[clientStart..<(p - 1)])
                if client.count == 3, client.elementsEqual("lua".utf8) { return .done(.scriptInternal) }
                connection = client
                while p < end, ArgumentSplitter.isBlank(line[p]) { p += 1 }
                if p == end {
                    throw LineError(column: p + 1, message: "missing command after the '[<db> <client>]' prefix")
                }
            }
        }

        return .command(Start(at: p, timestamp: timestamp, connection: connection))
    }

    private func classify(_ args: TraceArguments, timestamp: Double?, connection: UnsafeBufferPointer<UInt8>,
                          lineLength: Int) throws(LineError) -> Outcome {
        guard args.count > 0 else { return .ignored }
        let endColumn = lineLength + 1
        do {
            func arg(_ i: Int) -> UnsafeBufferPointer<UInt8> { args[i] }
            func text(_ i: Int) -> String { Self.quoted(arg(i)) }
            func command(_ kind: TraceCommandKind, _ payload: UnsafeBufferPointer<UInt8>,
                         flush: FlushMode = .unspecified, exists: Int = 0) -> Outcome {
                .script(TraceCommand(kind: kind, payload: payload, flushMode: flush, existsCount: exists,
                                     timestamp: timestamp, connection: connection, arguments: args))
            }
            func other(_ kind: ConnectionCommand.Kind) -> Outcome {
                .otherCommand(ConnectionCommand(kind: kind, connection: connection, timestamp: timestamp))
            }
            /// Checks `numkeys` the way evalGenericCommand does, in its order.
            func checkNumkeys(_ name: String, after what: String) throws(LineError) {
                guard args.count >= 3 else {
                    throw LineError(column: endColumn, message: args.count == 1
                        ? "\(name) needs a \(what) and numkeys" : "\(name) needs numkeys after the \(what)")
                }
                guard let n = Self.integer(arg(2)) else {
                    throw LineError(column: args.column(2), message: "numkeys is not an integer: \(text(2))")
                }
                let rest = args.count - 3
                if n > rest {
                    throw LineError(column: args.column(2), message: "numkeys is \(n) but only \(rest) argument\(rest == 1 ? "" : "s") follow\(rest == 1 ? "s" : "")")
                }
                if n < 0 {
                    throw LineError(column: args.column(2), message: "numkeys can't be negative: \(n)")
                }
            }

            let name = arg(0)
            switch true {
            case Self.equalsIgnoringCase(name, "EVAL"), Self.equalsIgnoringCase(name, "EVAL_RO"):
                let ro = name.count == 7
                let label = ro ? "EVAL_RO" : "EVAL"
                try checkNumkeys(label, after: "script")
                return command(ro ? .evalReadOnly : .eval, arg(1))
            case Self.equalsIgnoringCase(name, "EVALSHA"), Self.equalsIgnoringCase(name, "EVALSHA_RO"):
                let ro = name.count == 10
                let label = ro ? "EVALSHA_RO" : "EVALSHA"
                guard args.count >= 3 else {
                    throw LineError(column: endColumn, message: args.count == 1 ? "\(label) needs a SHA1 and numkeys" : "\(label) needs numkeys after the SHA1")
                }
                // evalShaCommand answers NOSCRIPT for a SHA that is not 40 characters before
                // it looks at numkeys; 40 characters that are not hex match no script either.
                let sha = arg(1)
                if sha.count == 40 { try checkNumkeys(label, after: "SHA1") }
                return command(ro ? .evalshaReadOnly : .evalsha, sha)
            case Self.equalsIgnoringCase(name, "SCRIPT"):
                guard args.count >= 2 else {
                    throw LineError(column: endColumn, message: "SCRIPT needs a subcommand")
                }
                let sub = arg(1)
                if Self.equalsIgnoringCase(sub, "LOAD") {
                    guard args.count == 3 else {
                        throw LineError(column: args.count < 3 ? endColumn : args.column(3),
                                        message: "SCRIPT LOAD takes exactly one script body, got \(args.count - 2) arguments")
                    }
                    return command(.scriptLoad, arg(2))
                }
                if Self.equalsIgnoringCase(sub, "FLUSH") {
                    if args.count == 2 { return command(.scriptFlush, arg(1), flush: .unspecified) }
                    if args.count == 3, Self.equalsIgnoringCase(arg(2), "SYNC") { return command(.scriptFlush, arg(1), flush: .sync) }
                    if args.count == 3, Self.equalsIgnoringCase(arg(2), "ASYNC") { return command(.scriptFlush, arg(1), flush: .async) }
                    throw LineError(column: args.column(2), message: "SCRIPT FLUSH takes only ASYNC or SYNC, got \(text(2))")
                }
                if Self.equalsIgnoringCase(sub, "EXISTS") {
                    guard args.count >= 3 else {
                        throw LineError(column: endColumn, message: "SCRIPT EXISTS needs at least one SHA1")
                    }
                    return command(.scriptExists, arg(1), exists: args.count - 2)
                }
                return other(.other)
            case Self.equalsIgnoringCase(name, "FCALL"), Self.equalsIgnoringCase(name, "FCALL_RO"):
                // Arity -3 (MONITOR never shows a shorter one). The server checks the
                // function's name before numkeys, so a bad numkeys is its error to count.
                let ro = name.count == 8
                guard args.count >= 3 else {
                    throw LineError(column: endColumn, message: "\(ro ? "FCALL_RO" : "FCALL") needs a function name and numkeys")
                }
                return command(ro ? .fcallReadOnly : .fcall, arg(1))
            case Self.equalsIgnoringCase(name, "FUNCTION"):
                return try functionSubcommand(args, endColumn: endColumn) { kind, payload, flush, exists in
                    command(kind, payload, flush: flush, exists: exists)
                }
            case Self.equalsIgnoringCase(name, "CLIENT"):
                guard args.count == 4, Self.equalsIgnoringCase(arg(1), "SETINFO"), Self.equalsIgnoringCase(arg(2), "LIB-NAME") else {
                    return other(.other)
                }
                return .otherCommand(ConnectionCommand(kind: .libraryName, connection: connection, timestamp: timestamp, argument: arg(3)))
            case Self.equalsIgnoringCase(name, "MULTI"):
                return other(.multi)
            case Self.equalsIgnoringCase(name, "EXEC"):
                return other(.exec)
            case Self.equalsIgnoringCase(name, "DISCARD"):
                return other(.discard)
            default:
                return other(.other)
            }
        }
    }

    @inline(__always)
    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ upper: StaticString) -> Bool {
        guard bytes.count == upper.utf8CodeUnitCount else { return false }
        let u = upper.utf8Start
        for i in 0..<bytes.count {
            var c = bytes[i]
            if c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") { c -= 32 }
            if c != u[i] { return false }
        }
        return true
    }

    /// A signed decimal integer as Redis's string2ll accepts it: an optional
    /// '-', then digits without a leading zero ("0" alone is fine), no blanks,
    /// no '+', within 64 bits. (Read digit by digit: numkeys is on every call.)
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = bytes.count
        guard n > 0, n <= 20 else { return nil }
        var i = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative {
            guard n > 1 else { return nil }
            i = 1
        }
        if bytes[i] == UInt8(ascii: "0") { return n == 1 ? 0 : nil }
        var value: UInt64 = 0
        while i < n {
            let digit = bytes[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            guard !o1, !o2 else { return nil }
            value = sum
            i += 1
        }
        if negative {
            guard value <= UInt64(Int.max) + 1 else { return nil }
            return value == UInt64(Int.max) + 1 ? Int.min : -Int(value)
        }
        return value <= UInt64(Int.max) ? Int(value) : nil
    }

    /// An argument as it may be shown in a message: quoted, escaped, cut at 40 bytes.
    static func quoted(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var out = "'"
        for c in bytes.prefix(40) {
            switch c {
            case UInt8(ascii: "'"): out += "\\'"
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x20...0x7E: out.unicodeScalars.append(UnicodeScalar(c))
            default: out += String(format: "\\x%02x", Int(c))
            }
        }
        if bytes.count > 40 { out += "..." }
        return out + "'"
    }
}
