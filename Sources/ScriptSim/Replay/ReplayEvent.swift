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
    /// EVALSHA: whether the client holds this script's body (the trace showed
    /// it earlier, `--scripts` gave it, or a folded recovery sent it), so it can
    /// recover from NOSCRIPT.
    public var bodyKnown: Bool
    /// Bit 7 inside MULTI … EXEC; bit 6 EVAL_RO / EVALSHA_RO; bits 0–1 (EVALSHA)
    /// the `Recovery` the `auto` client model makes. One byte, so the event stays 8 bytes.
    private var clientBits: UInt8
    public var script: ScriptID

    public init(operation: Operation, script: ScriptID = 0, bodyKnown: Bool = false, flushMode: FlushMode = .unspecified,
                inTransaction: Bool = false, autoRecovery: Recovery = .eval, readOnly: Bool = false) {
        self.operation = operation
        self.script = script
        self.bodyKnown = bodyKnown
        self.flushMode = flushMode
        clientBits = (inTransaction ? 0x80 : 0) | (readOnly ? 0x40 : 0) | autoRecovery.rawValue
    }

    /// Sent inside MULTI … EXEC, where no client can recover from NOSCRIPT.
    public var inTransaction: Bool {
        get { clientBits & 0x80 != 0 }
        set { clientBits = newValue ? clientBits | 0x80 : clientBits & 0x7F }
    }

    /// EVAL_RO / EVALSHA_RO: a script with a shebang but without `no-writes` is refused.
    public var readOnly: Bool { clientBits & 0x40 != 0 }

    /// What the `auto` client does after NOSCRIPT on this call: the recovery
    /// the capture recorded for it, or its connection's, or EVAL.
    public var autoRecovery: Recovery {
        get { Recovery(rawValue: clientBits & 0x03) ?? .eval }
        set { clientBits = clientBits & 0xFC | newValue.rawValue }
    }
}
