import Foundation
import ScriptSim   // deliberately not @testable: only the public API
import Testing

/// The "adding a profile" steps of docs/servers.md, with the public API only:
/// a server of the user's own (here Redis 8.0 as a distribution builds it,
/// sized by its system jemalloc and keeping at most 2 EVAL scripts) joins the registry.
@Suite struct CustomServerTests {
    func registry() -> ServerRegistry {
        var registry = ServerRegistry.builtIn
        var ours = ServerRegistry.builtIn["redis-8.0"]!
        ours.name = "redis-8.0-distro"
        ours.layout = ours.layout.sized(by: .systemJemalloc)
        ours.defaultPolicy = { _ in "eval-lru:entries=2" }
        ours.sources = [SourceReference("system jemalloc", "debian/rules", "8.0.2")]
        registry.register(ours)
        return registry
    }

    @Test func aProfileOfOurOwnRunsBesideTheBuiltIns() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("custom-server-\(UUID().uuidString).trace")
        // 20-byte bodies: an embedded string of 40 bytes, a 40-byte class in the
        // bundled jemalloc and a 48-byte one with a 16-byte quantum.
        let bodies = ["a", "b", "c"].map { "return '\(String(repeating: $0, count: 11))'" }
        try Data(bodies.map { "EVAL \"\($0)\" 0\n" }.joined().utf8).write(to: url)
        let runs = try registry().runs(servers: ["redis-8.0-distro", "redis-8.0"], policies: [])
        let report = try Replayer(runs: runs, options: ReplayOptions(retryNoscript: false)).replay(path: url.path)
        let (ours, upstream) = (report.policies[0], report.policies[1])
        #expect(ours.server == "redis-8.0-distro" && ours.policy == "eval-lru:entries=2")
        #expect((ours.cachedScripts, ours.evictions) == (2, 1))
        #expect((upstream.cachedScripts, upstream.evictions) == (3, 0))
        // Its own size classes: the same two scripts cost 8 bytes more each than on upstream's build.
        let sameRule = try Replayer(policies: ["eval-lru:entries=2"], servers: ["redis-8.0"], options: ReplayOptions(retryNoscript: false))
            .replay(path: url.path).policies[0]
        #expect(sameRule.cachedScripts == 2)
        #expect(ours.scriptBytes == sameRule.scriptBytes + 2 * 8)
    }

    @Test func unknownServersNameTheRegistered() {
        #expect(throws: PolicySpecError.self) { try registry().configuration("redis-8.0-distr0") }
        do { _ = try registry().configuration("redis-8.0-distr0") } catch {
            #expect(error.message.contains("did you mean 'redis-8.0-distro'?"))
        }
    }
}
