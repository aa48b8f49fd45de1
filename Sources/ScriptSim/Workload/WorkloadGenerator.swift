/// The knobs of `scriptsim generate`, in terms a user of Redis scripts knows.
public struct GeneratorOptions: Sendable, Equatable {
    /// Script commands to write (SCRIPT LOAD and SCRIPT FLUSH lines included).
    public var events = 100_000
    /// Distinct reusable scripts the application has.
    public var scripts = 200
    /// Popularity of those scripts: Zipf exponent (0 = all equally used).
    public var zipf = 1.0
    /// Share of calls sent with EVAL (the rest: SCRIPT LOAD once, then EVALSHA).
    public var evalShare = 0.5
    /// Share of EVAL calls whose body has a value written into it (the
    /// anti-pattern that fills the cache with one-off scripts).
    public var inlineShare = 0.2
    /// Distinct inlined values (nil: a fresh value every time, so every such body is new).
    public var inlineValues: Int?
    /// Body sizes in bytes, chosen uniformly per script.
    public var bodyBytes = 100...600
    /// A SCRIPT FLUSH every this many events (nil: none).
    public var flushEvery: Int?
    /// What those flushes say.
    public var flushMode = FlushMode.async
    /// Write the MONITOR prefix (timestamp and `[db client]`).
    public var monitor = false
    /// Events per second of trace time, for MONITOR timestamps.
    public var rate = 1000.0
    /// First timestamp, in seconds since the epoch.
    public var startTime = 1_732_460_000.0
    /// Client addresses in the MONITOR prefix.
    public var clients = 8
    /// With `monitor`: also write what a real capture holds besides script
    /// commands — the commands scripts run (client `lua`) after each EVAL and
    /// EVALSHA, and this share of unrelated GETs. They are not events.
    public var captureNoise = 0.0
    public var seed: UInt64 = 1

    public init() {}

    /// One problem with the options, or nil.
    public var problem: String? {
        if events < 1 { return "--events must be at least 1" }
        if scripts < 1 { return "--scripts must be at least 1" }
        if scripts > 1_000_000 { return "--scripts must be at most 1000000 (every reusable body is built up front)" }
        if !startTime.isFinite || startTime < 0 || startTime >= 1e11 {
            return "--start-time must be seconds since the epoch, from 0 to 99999999999 (as MONITOR prints them)"
        }
        if zipf < 0 || !zipf.isFinite { return "--zipf must be 0 or more" }
        if !(0...1).contains(evalShare) { return "--eval-share must be between 0 and 1" }
        if !(0...1).contains(inlineShare) { return "--inline-share must be between 0 and 1" }
        if let v = inlineValues, v < 1 { return "--inline-values must be at least 1" }
        if bodyBytes.lowerBound < 100 { return "--body-bytes must start at 100 or more (a script needs room for its code)" }
        if let f = flushEvery, f < 2 { return "--flush-every must be at least 2" }
        if !(rate > 0) { return "--rate must be positive" }
        if clients < 1 { return "--clients must be at least 1" }
        if !(0...1).contains(captureNoise) { return "--capture-noise must be between 0 and 1" }
        if captureNoise > 0, !monitor { return "--capture-noise needs --monitor" }
        return nil
    }
}

/// Writes a trace (format v1) of an application's script traffic,
/// deterministically for a seed. Memory holds the reusable scripts only, so
/// traces of any length stream out.
public struct WorkloadGenerator {
    public let options: GeneratorOptions
    /// The reusable scripts, most popular first.
    public let scripts: [String]

    public init(options: GeneratorOptions) {
        self.options = options
        var rng = SeededRandom(seed: options.seed ^ 0x5C21_9751)
        scripts = (0..<options.scripts).map { Self.script(index: $0, bytes: rng.within(options.bodyBytes), rng: &rng) }
    }

    /// Statements a script is built from: real Redis calls on keys of their
    /// own type (so the scripts run without WRONGTYPE errors), using the
    /// script's argument `arg` (ARGV[1]) and ARGV[2].
    /// Each statement stands alone (locals live in their own `do` block), so
    /// a body of any length compiles and runs.
    static let statements = [
        "redis.call('GET', KEYS[1] .. ':s')",
        "redis.call('SET', KEYS[1] .. ':s', arg, 'EX', tonumber(ARGV[2]) or 60)",
        "redis.call('INCRBY', KEYS[1] .. ':n', tonumber(ARGV[2]) or 1)",
        "redis.call('HSET', KEYS[1] .. ':h', 'last', arg)",
        "redis.call('HLEN', KEYS[1] .. ':h')",
        "redis.call('ZADD', KEYS[1] .. ':z', tonumber(ARGV[2]) or 0, arg)",
        "redis.call('ZREMRANGEBYRANK', KEYS[1] .. ':z', 0, -101)",
        "redis.call('LPUSH', KEYS[1] .. ':l', arg)",
        "redis.call('LTRIM', KEYS[1] .. ':l', 0, 99)",
        "redis.call('SADD', KEYS[1] .. ':t', arg)",
        "do local ttl = redis.call('TTL', KEYS[1] .. ':s') if ttl < 0 then redis.call('EXPIRE', KEYS[1] .. ':s', 3600) end end",
        "do local size = redis.call('SCARD', KEYS[1] .. ':t') if size > 1000 then redis.call('SPOP', KEYS[1] .. ':t') end end",
    ]

    /// A script of exactly `bytes` bytes: statements while they fit, then a
    /// comment line to make up the rest (real scripts carry comments too).
    static func script(index: Int, bytes: Int, rng: inout SeededRandom) -> String {
        let tail = "return redis.call('EXISTS', KEYS[1] .. ':s')"
        var body = "-- script \(index)\nlocal arg = ARGV[1]\n"
        while true {
            let statement = statements[rng.below(statements.count)]
            guard body.utf8.count + statement.utf8.count + 1 + tail.utf8.count <= bytes else { break }
            body += statement + "\n"
        }
        let room = bytes - body.utf8.count - tail.utf8.count
        if room >= 4 { body += "--" + String(repeating: " ", count: room - 3) + "\n" }
        return body + tail
    }

    /// The script with its argument written in (what an application that
    /// builds bodies with string formatting sends).
    static func inlined(_ body: String, value: String) -> String {
        body.replacingOccurrences(of: "local arg = ARGV[1]", with: "local arg = '\(value)'")
    }

    /// Writes every line through `write` (buffered by the caller).
    public func generate(_ write: (String) throws -> Void) rethrows {
        let o = options
        var rng = SeededRandom(seed: o.seed)
        let zipf = ZipfSampler(count: scripts.count, exponent: o.zipf)
        var loaded = [Bool](repeating: false, count: scripts.count)
        var written = 0
        var time = o.startTime
        /// A script just loaded, whose EVALSHA comes next.
        var pendingEvalsha: Int?

        func emit(_ args: [String]) throws {
            var line = ""
            var stamp = ""
            if o.monitor {
                time += -log(1 - rng.unit()) / o.rate   // Poisson arrivals at `rate`
                let client = rng.below(o.clients)
                stamp = String(format: "%.6f", time)
                line = "\(stamp) [0 \(Self.address(client))] "
            }
            line += args.map(Self.quote).joined(separator: " ")
            try write(line + "\n")
            written += 1
            guard o.captureNoise > 0 else { return }
            if args[0] == "EVAL" || args[0] == "EVALSHA" {
                try write("\(stamp) [0 lua] \(Self.quote("GET")) \(Self.quote(args[3] + ":s"))\n")
            }
            if rng.unit() < o.captureNoise {
                try write("\(stamp) [0 \(Self.address(rng.below(o.clients)))] \(Self.quote("GET")) \(Self.quote("user:\(rng.below(10_000))"))\n")
            }
        }

        func call(_ s: Int) -> [String] {
            ["1", "app:\(s):\(rng.below(1000))", String(1 + rng.below(100)), String(1 + rng.below(1000))]
        }

        while written < o.events {
            if let every = o.flushEvery, (written + 1) % every == 0 {
                switch o.flushMode {
                case .sync: try emit(["SCRIPT", "FLUSH", "SYNC"])
                case .async: try emit(["SCRIPT", "FLUSH", "ASYNC"])
                case .unspecified: try emit(["SCRIPT", "FLUSH"])
                }
                continue
            }
            if let s = pendingEvalsha {
                pendingEvalsha = nil
                try emit(["EVALSHA", Self.sha1Hex(scripts[s])] + call(s))
                continue
            }
            let s = zipf.draw(&rng)
            if rng.unit() < o.evalShare {
                var body = scripts[s]
                if rng.unit() < o.inlineShare {
                    let value = o.inlineValues.map { "v\(rng.below($0))" } ?? "v\(rng.next() % 1_000_000_000_000)"
                    body = Self.inlined(body, value: value)
                }
                try emit(["EVAL", body] + call(s))
            } else if !loaded[s] {
                // The client loads its script once, then calls it by SHA1.
                try emit(["SCRIPT", "LOAD", scripts[s]])
                loaded[s] = true
                pendingEvalsha = s
            } else {
                try emit(["EVALSHA", Self.sha1Hex(scripts[s])] + call(s))
            }
        }
    }

    /// A client address as MONITOR prints it: IPv4, one IPv6 peer, one unix socket.
    static func address(_ client: Int) -> String {
        switch client % 10 {
        case 8: return "[::1]:\(50000 + client)"
        case 9: return "unix:/run/redis/redis.sock"
        default: return "10.0.\(client / 250).\(client % 250 + 1):\(40000 + client * 7)"
        }
    }

    /// MONITOR's quoting (`sdscatrepr`): always double quotes; `\\ \" \n \r \t \a \b`
    /// escaped; other non-printable bytes as `\xHH`.
    static func quote(_ s: String) -> String {
        var out = "\""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "\""): out += "\\\""
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x07: out += "\\a"
            case 0x08: out += "\\b"
            case 0x20...0x7E: out.unicodeScalars.append(UnicodeScalar(b))
            default: out += String(format: "\\x%02x", Int(b))
            }
        }
        return out + "\""
    }

    static func sha1Hex(_ s: String) -> String {
        Array(s.utf8).withUnsafeBufferPointer { Verifier.sha1Hex($0) }
    }
}

import Foundation
