/// FUNCTION lines (Redis 7.0+, Valkey): read, checked as the server's arity
/// checks them, and counted (TraceReader hands them on as other commands until
/// the functions VM is modeled, issue #23).
extension TraceLineParser {
    /// Redis 7.0+'s FUNCTION subcommands (src/commands/function-*.json arities).
    func functionSubcommand(_ args: TraceArguments, endColumn: Int,
                                    _ command: (TraceCommandKind, UnsafeBufferPointer<UInt8>, FlushMode, Int) -> Outcome) throws(LineError) -> Outcome {
        guard args.count >= 2 else { throw LineError(column: endColumn, message: "FUNCTION needs a subcommand") }
        let sub = args[1]
        if Self.equalsIgnoringCase(sub, "LOAD") {
            // FUNCTION LOAD [REPLACE] code: the code is the last argument; an unknown
            // option is the server's error ("Unknown option given"), counted by the model.
            guard args.count >= 3 else { throw LineError(column: endColumn, message: "FUNCTION LOAD needs the library's code") }
            let replace = (2..<(args.count - 1)).contains { Self.equalsIgnoringCase(args[$0], "REPLACE") }
            return command(.functionLoad, args[args.count - 1], .unspecified, replace ? 1 : 0)
        }
        if Self.equalsIgnoringCase(sub, "DELETE") {
            guard args.count == 3 else {
                throw LineError(column: args.count < 3 ? endColumn : args.column(3),
                                message: "FUNCTION DELETE takes exactly one library name, got \(args.count - 2) arguments")
            }
            return command(.functionDelete, args[2], .unspecified, 0)
        }
        if Self.equalsIgnoringCase(sub, "FLUSH") {
            if args.count == 2 { return command(.functionFlush, sub, .unspecified, 0) }
            if args.count == 3, Self.equalsIgnoringCase(args[2], "SYNC") { return command(.functionFlush, sub, .sync, 0) }
            if args.count == 3, Self.equalsIgnoringCase(args[2], "ASYNC") { return command(.functionFlush, sub, .async, 0) }
            throw LineError(column: args.column(2), message: "FUNCTION FLUSH takes only ASYNC or SYNC, got \(Self.quoted(args[2]))")
        }
        if Self.equalsIgnoringCase(sub, "RESTORE") { return command(.functionRestore, sub, .unspecified, 0) }
        return command(.functionOther, sub, .unspecified, 0)
    }
}
