import Foundation
import Testing
@testable import ScriptSim

/// What a user types wrong gets one clear line and the documented status.
@Suite struct UsageTests {
    let cli = CommandLineTests()
    var plainLRU: String { CommandLineTests.workloads.appendingPathComponent("rules/plain-lru.trace").path }

    @Test func aMistypedSubcommandIsNamedAsSuch() throws {
        let r = try cli.run(["frobnicate"])
        #expect(r.status == 64)
        #expect(r.stderr == "scriptsim: 'frobnicate' is neither a trace file nor a subcommand (replay, analyze, sweep, verify, generate, policies, servers)\n")
        let missing = try cli.run(["missing.trace"])
        #expect(missing.status == 66)
    }

    @Test func sizesTooLargeSaySo() throws {
        let r = try cli.run(["replay", plainLRU, "--policy", "size-capped:bytes=8EiB"])
        #expect(r.status == 64)
        #expect(r.stderr == "policy 'size-capped': bytes is too large (at most 8EiB less one byte), got '8EiB'\n")
        #expect(ByteSize.parse("7EiB") == 7 << 60)
        #expect(ByteSize.problem("0") == "must be a size of at least 1 byte (512, 64kb, 8mb, 1gb, 64KiB, 1.5MiB, 2m (redis.conf's rule: kb/mb/gb and KiB/MiB/GiB are 1024-based, k/m/g 1000-based))")
    }

    @Test func aTargetOfZeroReportsTheMissNotARatio() throws {
        let r = try cli.run(["sweep", plainLRU, "--policy", "eval-lru", "--vary", "entries=100,500", "--target", "vm_bytes_peak<=0"])
        #expect(r.status == 3, "no limit meets the target")
        let verdict = try #require(r.stdout.range(of: "\nno limit meets").map { String(r.stdout[$0.lowerBound...]) })
        #expect(verdict.hasPrefix("\nno limit meets vm_bytes_peak<=0; closest: vm_bytes_peak<=0 missed by "))
        #expect(!verdict.contains("%"))
    }

    @Test func sweepSkipsInvalidLinesAsReplayDoes() throws {
        let trace = try writeTrace(String(repeating: "EVAL \"x\" bad\n", count: 30) + "EVAL \"return 1\" 0\n")
        let r = try cli.run(["sweep", trace, "--policy", "eval-lru", "--vary", "entries=1,2", "--skip-invalid"])
        #expect(r.status == 0)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 21)
        #expect(lines.last == "scriptsim: more malformed lines skipped; the report counts them all")
    }

    /// mixed.trace tops out near a 0.84 hit rate, so the example's targets are
    /// not met there: the whole report, and status 3 (not an error) saying so.
    @Test func theSweepHelpExampleRuns() throws {
        let r = try cli.run(["sweep", CommandLineTests.workloads.appendingPathComponent("mixed.trace").path, "--policy", "size-capped",
                             "--vary", "bytes=1MiB..256MiB", "--points", "3", "--target", "hit_rate>=0.95,vm_bytes_peak<=64MiB"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        #expect(r.stdout.contains("\nno limit meets hit_rate>=0.95, vm_bytes_peak<=64MiB; closest: hit_rate>=0.95 "))
    }

    /// sweep's default table and prose fit 100 columns; --wide keeps every column.
    @Test func theSweepTableFitsATerminal() throws {
        let args = ["sweep", CommandLineTests.workloads.appendingPathComponent("mixed.trace").path, "--policy", "eval-lru",
                    "--vary", "entries=50..5000", "--target", "hit_rate>=0.84,noscript<=10"]
        let r = try cli.run(args)
        #expect(r.status == 0)
        let widest = r.stdout.split(separator: "\n").map(\.count).max() ?? 0
        #expect(widest <= 100, "widest line: \(widest)")
        #expect(r.stdout.contains("recommended: entries="))
        let wide = try cli.run(args + ["--wide"])
        #expect(wide.stdout.contains("retries") && wide.stdout.contains("VM after GC"))
    }
}
