/// What a client sends after the server answered NOSCRIPT to one of its EVALSHAs.
public enum Recovery: UInt8, Sendable {
    /// Nothing: the error reaches the application.
    case none = 0
    /// EVAL of the body (ioredis, go-redis, node-redis, Spring Data Redis).
    case eval = 1
    /// SCRIPT LOAD of the body, then EVALSHA again (redis-py). On Redis 7.4+
    /// and Valkey the SCRIPT LOAD pins the script: it is never evicted.
    case loadEvalsha = 2
}

/// How the simulated application's client library behaves on NOSCRIPT.
///
/// The server's rules decide what is evicted; the client decides what the
/// server sees next. The same traffic gives different counts under redis-py
/// (whose recovery pins the script) and ioredis (whose recovery is an EVAL
/// that can be evicted again), so every run names its client.
public enum ClientModel: String, CaseIterable, Sendable {
    /// On a MONITOR trace, each connection recovers the way its recorded
    /// recoveries show, else as the library it named with CLIENT SETINFO
    /// LIB-NAME (Redis 7.2+ and Valkey show it; 7.0 refuses it); any other
    /// connection, and every typed line, uses `eval-fallback`.
    case auto
    case evalFallback = "eval-fallback"
    case loadEvalsha = "load-evalsha"
    case none

    /// The recovery this model makes for one EVALSHA call. Inside MULTI … EXEC
    /// no client can recover: the NOSCRIPT is in EXEC's reply.
    func recovery(for event: ReplayEvent) -> Recovery {
        if event.inTransaction { return .none }
        switch self {
        case .auto: return event.autoRecovery
        default: return libraryRecovery ?? .eval
        }
    }

    /// The recovery a library following this model makes (nil for `auto`).
    var libraryRecovery: Recovery? {
        switch self {
        case .auto: return nil
        case .evalFallback: return .eval
        case .loadEvalsha: return .loadEvalsha
        case .none: return Recovery.none
        }
    }
}

/// A `--client` value: a model, or a library's name standing for the model
/// its source shows (docs/clients.md names the file and version read).
public struct ClientChoice: Equatable, Sendable, CustomStringConvertible {
    /// As the user named it: a model or a library.
    public var name: String
    public var model: ClientModel

    public init(_ model: ClientModel) {
        name = model.rawValue
        self.model = model
    }

    private init(name: String, model: ClientModel) {
        self.name = name
        self.model = model
    }

    /// Library names and the model their NOSCRIPT handling follows.
    public static let libraries: [(name: String, model: ClientModel)] = [
        ("redis-py", .loadEvalsha),
        ("ioredis", .evalFallback),
        ("go-redis", .evalFallback),
        ("node-redis", .evalFallback),
        ("spring-data-redis", .evalFallback),
        ("predis", .evalFallback),
        ("stackexchange-redis", .loadEvalsha),
        ("jedis", .none),
        ("lettuce", .none),
        ("phpredis", .none),
    ]

    /// Parses a model name or a library alias (case-insensitive).
    public init?(parsing text: String) {
        let key = text.lowercased()
        if let model = ClientModel(rawValue: key) {
            self.init(model)
        } else if let library = Self.libraries.first(where: { $0.name == key }) {
            self.init(name: library.name, model: library.model)
        } else {
            return nil
        }
    }

    /// Every accepted name, for messages and `--help`.
    public static var allNames: [String] { ClientModel.allCases.map(\.rawValue) + libraries.map(\.name) }

    /// `load-evalsha`, or `redis-py (load-evalsha)` for a library.
    public var description: String { name == model.rawValue ? name : "\(name) (\(model.rawValue))" }
}

/// What the replay makes of recoveries a MONITOR capture recorded.
public enum RecordedRecoveries: String, CaseIterable, Sendable {
    /// Fold each recorded recovery into the application call it recovered, so
    /// the simulated server's own replies drive the modeled client.
    case fold
    /// Replay every line as sent (what the recording server saw).
    case keep
}
