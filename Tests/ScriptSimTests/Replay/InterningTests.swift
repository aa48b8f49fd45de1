import Foundation
import Testing
@testable import ScriptSim

/// Bodies are recognised by a fast hash and a byte comparison, and SHA1 is
/// computed once per distinct body (ScriptCatalog). Redis hashes every body
/// with SHA1; the catalog's `internBySHA1` does the same. The two must agree
/// on everything: same ids in the same order, so the same reports bit for bit.
@Suite struct InterningTests {
    static let workloads = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("workloads")

    /// Every shipped trace: workloads/*.trace and workloads/rules/*.
    static var shippedTraces: [String] {
        let fm = FileManager.default
        let top = (try? fm.contentsOfDirectory(atPath: workloads.path)) ?? []
        let rules = (try? fm.contentsOfDirectory(atPath: workloads.appendingPathComponent("rules").path)) ?? []
        return top.filter { $0.hasSuffix(".trace") }.sorted().map { workloads.appendingPathComponent($0).path }
            + rules.sorted().map { workloads.appendingPathComponent("rules").appendingPathComponent($0).path }
    }

    /// The JSON report with the figures that measure time zeroed (they vary run
    /// to run). Flushes close the old VM on the replay thread: a background
    /// close (SCRIPT FLUSH ASYNC) races the fresh VM, so the allocator's peaks
    /// would vary from run to run whichever way bodies were interned.
    func json(_ path: String, bySHA1: Bool, policies: [String], engines: [LuaEngine]) throws -> String {
        var options = ReplayOptions()
        options.flush = FlushOptions(mode: .sync)
        options.engines = engines
        options.internBySHA1 = bySHA1
        var report = try Replayer(policies: policies, options: options).replay(path: path)
        report.policies = report.policies.map(withoutTimes)
        return ReportRenderer(format: .json).render([report])
    }

    @Test func shippedWorkloadsGiveTheSameReportEitherWay() throws {
        let traces = Self.shippedTraces
        #expect(traces.count >= 10, "found \(traces)")
        for path in traces {
            // Every default policy, on both engines where the trace runs on both.
            let engines: [LuaEngine] = path.hasSuffix("lua54-only.trace") ? [.lua54] : [.lua54, .lua51]
            let fast = try json(path, bySHA1: false, policies: [], engines: engines)
            let sha1 = try json(path, bySHA1: true, policies: [], engines: engines)
            #expect(fast == sha1, "\(path)")
            #expect(fast.contains("\"distinct_scripts\""))
        }
    }

    @Test func sweepsGiveTheSameReportEitherWay() throws {
        for name in ["mixed.trace", "eval-storm.trace"] {
            let path = Self.workloads.appendingPathComponent(name).path
            var options = ReplayOptions()
            let spec = SweepSpec(policy: "eval-lru", key: "entries", values: [10, 50, 100, 500], maxReplays: 2)
            let fast = try Sweeper(spec: spec, options: options).run(path: path)
            options.internBySHA1 = true
            let sha1 = try Sweeper(spec: spec, options: options).run(path: path)
            #expect(fast == sha1, "\(name)")
        }
    }

    /// Bodies that differ only in their tail bytes, at every length around the
    /// hash's 8- and 16-byte steps, and the empty body: each is interned once,
    /// its id found again, and its SHA1 is the body's own.
    @Test func catalogFindsEachBodyAgainAndKnowsItsSHA1() throws {
        var bodies: [[UInt8]] = [[]]
        for n in 1...40 {
            let base = (0..<n).map { UInt8(65 + ($0 * 7) % 26) }
            bodies.append(base)
            var last = base
            last[n - 1] ^= 1
            bodies.append(last)
        }
        let fast = try ScriptCatalog(measureCosts: false, internBySHA1: false)
        let sha1 = try ScriptCatalog(measureCosts: false, internBySHA1: true)
        for catalog in [fast, sha1] {
            for (i, b) in bodies.enumerated() {
                #expect(b.withUnsafeBufferPointer { catalog.intern(body: $0) } == ScriptID(i))
            }
            for (i, b) in bodies.enumerated().reversed() {
                #expect(b.withUnsafeBufferPointer { catalog.intern(body: $0) } == ScriptID(i))
                #expect(catalog.shaHex(ScriptID(i)) == sha1Hex(String(decoding: b, as: UTF8.self)))
                #expect(catalog.bodyLength(ScriptID(i)) == b.count)
            }
            #expect(catalog.count == bodies.count)
            #expect(catalog.withBody == bodies.count)
            #expect(catalog.bodyBytes == bodies.reduce(0) { $0 + $1.count })
        }
    }

    /// An EVALSHA before its body: the body, when it comes, joins that id.
    @Test func aBodyJoinsTheIdItsSHAGotFirst() throws {
        let catalog = try ScriptCatalog(measureCosts: false)
        let body = Array("return 1".utf8)
        let sha = Array(sha1Hex("return 1").uppercased().utf8)
        let early = sha.withUnsafeBufferPointer { catalog.intern(sha: $0) }
        #expect(!catalog.hasBody(early))
        #expect(body.withUnsafeBufferPointer { catalog.intern(body: $0) } == early)
        #expect(body.withUnsafeBufferPointer { catalog.intern(body: $0) } == early)
        #expect(catalog.hasBody(early))
        #expect(catalog.count == 1)
    }

    /// Two bodies with the same fast hash are told apart by their bytes.
    @Test func equalHashesAreComparedByBytes() {
        var table = BodyTable()
        table.insert(42, 0)
        table.insert(42, 1)
        table.insert(42 + 1024, 2)   // the same first slot in a table of 1,024
        #expect(table.find(42) { $0 == 1 } == 1)
        #expect(table.find(42) { $0 == 0 } == 0)
        #expect(table.find(42) { _ in false } == nil)
        #expect(table.find(42 + 1024) { _ in true } == 2)
        #expect(table.find(7) { _ in true } == nil)
    }

    /// The table keeps every id as it grows past its first size.
    @Test func tableGrows() {
        var table = BodyTable()
        for i in 0..<5000 { table.insert(UInt64(i) &* 0x9E37_79B9_7F4A_7C15, ScriptID(i)) }
        for i in stride(from: 0, to: 5000, by: 37) {
            #expect(table.find(UInt64(i) &* 0x9E37_79B9_7F4A_7C15) { $0 == ScriptID(i) } == ScriptID(i))
        }
    }

    /// SHA1Key(hex:) takes 40 hex digits of either case and nothing else:
    /// each byte just outside the digit ranges ('/', ':', '@', 'G', '`', 'g')
    /// at the start, the middle and the end makes it no SHA.
    @Test func hexSHAsParseOnlyFromHexDigits() {
        let good = "0123456789abcdefABCDEF0123456789abcdef01"
        let key = Array(good.utf8).withUnsafeBufferPointer { SHA1Key(hex: $0) }
        #expect(key?.hex == good.lowercased())
        for bad in Array("/:@G`g".utf8) {
            for at in [0, 17, 39] {
                var bytes = Array(good.utf8)
                bytes[at] = bad
                #expect(bytes.withUnsafeBufferPointer { SHA1Key(hex: $0) } == nil, "\(bad) at \(at)")
            }
        }
        #expect(Array(good.utf8.dropLast()).withUnsafeBufferPointer { SHA1Key(hex: $0) } == nil)
    }

    /// The word-at-a-time parse agrees with a digit-by-digit definition for
    /// every byte value at every position of an eight-digit word, and on
    /// random SHAs of mixed case.
    @Test func hexSHAsParseAsDigitByDigit() {
        func reference(_ bytes: [UInt8]) -> String? {
            guard bytes.count == 40 else { return nil }
            var out = ""
            for b in bytes {
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): out.append(Character(UnicodeScalar(b)))
                case UInt8(ascii: "A")...UInt8(ascii: "F"): out.append(Character(UnicodeScalar(b + 32)))
                default: return nil
                }
            }
            return out
        }
        var rng = SeededRandom(seed: 40)
        let digits = Array("0123456789abcdefABCDEF".utf8)
        for round in 0..<2_000 {
            var bytes = (0..<40).map { _ in digits[rng.below(digits.count)] }
            if round < 256 * 8 / 8 {
                // Every byte value, at each position of one word (and across the words).
                for k in 0..<8 { bytes[(round + 13 * k) % 40] = UInt8(truncatingIfNeeded: round &* 8 &+ k) }
            }
            #expect(bytes.withUnsafeBufferPointer { SHA1Key(hex: $0) }?.hex == reference(bytes), "\(bytes)")
        }
    }
}
