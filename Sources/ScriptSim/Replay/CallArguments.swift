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

/// What travels with each call through the folder: its timestamp and its
/// place among the script commands. Plain values only, so the folder copies
/// it as bytes (with the arguments inside, every copy went through Swift's
/// value witnesses: 3% of a hit-path replay); arguments wait in `HeldArguments`.
struct CallExtra {
    var timestamp: Double?
    var sequence: Int
}

/// The arguments of calls on their way through the folder, by sequence
/// number. Calls come out in the order they went in, less the recoveries the
/// folder absorbed, so each lookup drops the entries before it.
struct HeldArguments {
    private var held: [(sequence: Int, arguments: CallArguments?)] = []
    private var head = 0

    mutating func hold(_ arguments: CallArguments?, sequence: Int) {
        held.append((sequence, arguments))
    }

    /// The arguments of call `sequence` (nil when it had none).
    mutating func take(_ sequence: Int) -> CallArguments? {
        while head < held.count, held[head].sequence < sequence { head += 1 }
        guard head < held.count, held[head].sequence == sequence else { return nil }
        let arguments = held[head].arguments
        head += 1
        if head > 4096, head * 2 > held.count {
            held.removeFirst(head)
            head = 0
        }
        return arguments
    }
}
