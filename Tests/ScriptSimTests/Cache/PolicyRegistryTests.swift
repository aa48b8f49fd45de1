import Testing
@testable import ScriptSim

@Suite struct PolicyRegistryTests {
    let registry = PolicyRegistry.builtIn

    @Test func canonicalSpecsFillDefaults() throws {
        #expect(try registry.parse("eval-lru").description == "eval-lru:entries=500")
        #expect(try registry.parse("EVAL-LRU:entries=1000").description == "eval-lru:entries=1000")
        #expect(try registry.parse("eval-lru:promote-on-load=YES").description == "eval-lru:entries=500,promote-on-load=yes")
        #expect(try registry.parse("eval-lru:admit=second-hit").description == "eval-lru:entries=500,admit=second-hit,window=1000")
        #expect(try registry.parse("eval-lru:window=64,admit=second-hit").description == "eval-lru:entries=500,admit=second-hit,window=64")
        #expect(try registry.parse("unbounded").description == "unbounded")
        #expect(try registry.parse("size-capped:bytes=8MiB").description == "size-capped:bytes=8MiB")
        #expect(try registry.parse("size-capped:bytes=1.5MB").description == "size-capped:bytes=1536KiB")
        #expect(try registry.parse("size-capped:bytes=1048576").description == "size-capped:bytes=1MiB")
        #expect(try registry.parse("pinned-loaded:entries=100").description == "pinned-loaded:entries=100")
        #expect(try registry.parse("pinned-loaded:bytes=64KiB,entries=9").description == "pinned-loaded:entries=9,bytes=64KiB")
        let defaults = try ServerRegistry.builtIn.runs(servers: [], policies: [])
        #expect(defaults.map { "\($0.server.spec) \($0.policy.spec)" }
                == ["redis-7.2 unbounded", "redis-7.4 eval-lru:entries=500", "valkey-9.1 eval-lru:entries=500,promote-on-load=yes"])
    }

    @Test(arguments: [
        ("lfu", "unknown policy 'lfu'; valid policies: unbounded, eval-lru[:entries=500,promote-on-load=no], size-capped[:bytes=SIZE], pinned-loaded[:entries=N,bytes=SIZE]"),
        ("size-capped", "policy 'size-capped' needs bytes=SIZE (budget for VM bytes plus script bytes of all cached scripts)"),
        ("size-capped:bytes=-1", "policy 'size-capped': bytes must be a size of at least 1 byte (512, 64kb, 8mb, 1gb, 64KiB, 1.5MiB, 2m (redis.conf's rule: kb/mb/gb and KiB/MiB/GiB are 1024-based, k/m/g 1000-based)), got '-1'"),
        ("size-capped:bytes=0", "policy 'size-capped': bytes must be a size of at least 1 byte (512, 64kb, 8mb, 1gb, 64KiB, 1.5MiB, 2m (redis.conf's rule: kb/mb/gb and KiB/MiB/GiB are 1024-based, k/m/g 1000-based)), got '0'"),
        ("size-capped:bytes=lots", "policy 'size-capped': bytes must be a size of at least 1 byte (512, 64kb, 8mb, 1gb, 64KiB, 1.5MiB, 2m (redis.conf's rule: kb/mb/gb and KiB/MiB/GiB are 1024-based, k/m/g 1000-based)), got 'lots'"),
        ("pinned-loaded", "policy 'pinned-loaded' needs entries=N, bytes=SIZE or both"),
        ("pinned-loaded:entries=0", "policy 'pinned-loaded': entries must be a whole number of at least 1, got '0'"),
        ("eval-lru:entries=0", "policy 'eval-lru': entries must be a whole number of at least 1, got '0'"),
        ("eval-lru:entries=-1", "policy 'eval-lru': entries must be a whole number of at least 1, got '-1'"),
        ("eval-lru:entries=abc", "policy 'eval-lru': entries must be a whole number of at least 1, got 'abc'"),
        ("eval-lru:size=3", "policy 'eval-lru': unknown parameter 'size'; valid: entries, promote-on-load, admit, window"),
        ("eval-lru:entries", "policy 'eval-lru': 'entries' is not key=value"),
        ("eval-lru:", "policy 'eval-lru': nothing after ':'; expected key=value"),
        ("eval-lru:entries=1,entries=2", "policy 'eval-lru': parameter 'entries' given twice"),
        ("eval-lru:promote-on-load=maybe", "policy 'eval-lru': promote-on-load must be yes or no, got 'maybe'"),
        ("eval-lru:admit=sometimes", "policy 'eval-lru': admit must be one of always, second-hit, got 'sometimes'"),
        ("eval-lru:window=5", "policy 'eval-lru': window applies only with admit=second-hit"),
        ("unbounded:entries=5", "policy 'unbounded': unknown parameter 'entries'; it takes no parameters"),
        ("unbounded:admit=second-hit", "policy 'unbounded': unknown parameter 'admit'; it takes no parameters"),
    ])
    func badSpecs(spec: String, message: String) {
        #expect(throws: PolicySpecError(message)) { try registry.parse(spec) }
    }

    @Test func sizes() {
        #expect(ByteSize.parse("512") == 512)
        #expect(ByteSize.parse("64KiB") == 65536)
        #expect(ByteSize.parse("8MiB") == 8 << 20)
        #expect(ByteSize.parse("1GiB") == 1 << 30)
        #expect(ByteSize.parse("1.5MiB") == 1_572_864)
    }

    /// Issue #21 item 15: redis.conf's spellings mean what `memtoll` makes of them.
    @Test func sizesFollowRedisConf() {
        let cases: [(String, Int)] = [
            ("1b", 1), ("1k", 1000), ("1kb", 1024), ("1K", 1000), ("1KB", 1024), ("1Kb", 1024),
            ("1m", 1_000_000), ("1mb", 1 << 20), ("1MB", 1 << 20), ("1M", 1_000_000),
            ("1g", 1_000_000_000), ("1gb", 1 << 30), ("1GB", 1 << 30), ("64mb", 64 << 20),
            ("1KiB", 1024), ("1mib", 1 << 20), ("2GiB", 2 << 30), ("1.5mb", 1_572_864), ("1.5m", 1_500_000),
            (" 8 mb ", 8 << 20),
        ]
        for (text, bytes) in cases { #expect(ByteSize.parse(text) == bytes, "\(text)") }
        for bad in ["", "mb", "1x", "inf", "nan", "1e3", "0x10", "1..5mb", ".", "-1mb", "1.5"] {
            #expect(ByteSize.parse(bad) == nil, "\(bad)")
        }
        #expect(ByteSize.problem("1mb") == nil)
        #expect(ByteSize.problem("0kb")?.hasPrefix("must be a size of at least 1 byte") == true)
        #expect(ByteSize.parse("-1") == nil)
        #expect(ByteSize.parse("1.5") == nil)
        #expect(ByteSize.format(3 << 20) == "3MiB")
        #expect(ByteSize.format(1000) == "1000")
    }
}

@Suite struct RecencyListTests {
    @Test func orderAndMoves() {
        var list = RecencyList()
        for id: ScriptID in [5, 1, 9, 3] { list.append(id) }
        #expect(list.ordered == [5, 1, 9, 3])
        list.moveToTail(1)
        #expect(list.ordered == [5, 9, 3, 1])
        #expect(list.removeFirst() == 5)
        list.remove(3)
        #expect(list.ordered == [9, 1])
        #expect(list.count == 2)
        list.removeAll()
        #expect(list.ordered == [])
        #expect(!list.contains(9))
        list.append(9)
        #expect(list.first == 9)
    }
}
