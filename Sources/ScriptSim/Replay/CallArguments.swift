/// The KEYS and ARGV of one EVAL / EVALSHA call, copied out of the trace line,
/// for engines that build them before each run as the server does (Lua 5.1:
/// the server interns every argument, which grows Lua's string table).
public struct CallArguments: Sendable {
    /// Every argument's bytes, back to back: the keys, then the other arguments.
    var bytes: [UInt8] = []
    var lengths: [Int] = []
    /// How many of the arguments are keys (numkeys).
    var keys = 0

    init() {}

    /// From a traced EVAL / EVALSHA: arguments 3… after numkeys (already validated).
    init?(_ command: TraceCommand) {
        switch command.kind {
        case .eval, .evalReadOnly, .evalsha, .evalshaReadOnly: break
        default: return nil
        }
        guard command.argumentCount >= 3 else { return nil }
        keys = TraceLineParser.integer(command.argument(2)) ?? 0
        for i in 3..<command.argumentCount {
            let a = command.argument(i)
            bytes.append(contentsOf: a)
            lengths.append(a.count)
        }
        keys = min(max(keys, 0), lengths.count)
    }
}

/// What travels with each call through the folder: its timestamp and, when an
/// engine needs them, its arguments.
struct CallExtra {
    var timestamp: Double?
    var arguments: CallArguments?
}
