/// One script-cache event as every policy replays it: an operation and a
/// script id, 8 bytes, so batches stay small however large the bodies are.
public struct ReplayEvent: Equatable, Sendable {
    public enum Operation: UInt8, Sendable {
        /// EVAL / EVAL_RO.
        case eval
        /// EVALSHA / EVALSHA_RO.
        case evalsha
        case scriptLoad
        case flush
        case exists
    }

    public var operation: Operation
    /// SCRIPT FLUSH: how the old VM is to be freed.
    public var flushMode: FlushMode
    /// EVALSHA: whether the trace had shown this script's body before, so a
    /// client that meets NOSCRIPT can retry with EVAL.
    public var bodyKnown: Bool
    public var script: ScriptID

    public init(operation: Operation, script: ScriptID = 0, bodyKnown: Bool = false, flushMode: FlushMode = .unspecified) {
        self.operation = operation
        self.script = script
        self.bodyKnown = bodyKnown
        self.flushMode = flushMode
    }
}
