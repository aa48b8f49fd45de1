import ArgumentParser
import ScriptSim

/// How a trace is read, shared by replay, sweep and analyze.
struct ReadingOptions: ParsableArguments {
    @Option(name: .customLong("parse-threads"), help: ArgumentHelp(
        "Threads that split and classify the lines of a plain trace file, a piece at a time, while one thread "
            + "takes them in trace order (0: one per core, at most 4; 1: read serially). gzip, zstd and standard input are "
            + "read serially. The results are the same either way.", valueName: "n"))
    var parseThreads = 0

    /// The thread count asked for; exits 64 on a bad one.
    func resolvedThreads() -> Int {
        guard (0...256).contains(parseThreads) else {
            fail("--parse-threads must be between 0 (one per core, at most 4) and 256", code: 64)
        }
        return parseThreads
    }
}
