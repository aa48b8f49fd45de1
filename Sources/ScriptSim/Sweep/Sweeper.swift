import Foundation

/// One limit's figures.
public struct SweepRow: Equatable, Sendable {
    public var value: Int
    /// The canonical spec at this limit.
    public var policy: String
    /// "replay" (every figure measured) or "model" (counts from the one-pass model; no memory figures).
    public var source: String
    public var hitRate: Double
    public var noscript: Int
    public var retries: Int
    public var compiles: Int
    public var evictions: Int
    public var cachedScripts: Int
    public var vmBytesPeak: Int?
    public var vmBytesRetained: Int?
    public var scriptBytesPeak: Int?

    func value(of metric: SweepTarget.Metric) -> Double? {
        switch metric {
        case .hitRate: return hitRate
        case .noscript: return Double(noscript)
        case .compiles: return Double(compiles)
        case .evictions: return Double(evictions)
        case .retries: return Double(retries)
        case .vmBytesPeak: return vmBytesPeak.map(Double.init)
        case .vmBytesRetained: return vmBytesRetained.map(Double.init)
        case .scriptBytesPeak: return scriptBytesPeak.map(Double.init)
        }
    }
}

public struct SweepReport: Equatable, Sendable {
    public var path: String
    /// The server every limit ran on, as configured.
    public var server: String
    public var policy: String
    public var key: String
    /// Whether the values are bytes (plots use a log axis then).
    public var bytes: Bool
    public var rows: [SweepRow]
    /// Why the one-pass model was not used, or where it was not exact (empty: it was exact everywhere it ran).
    public var modelNotes: [String]
    public var replays: Int
    /// The verdict on the targets: its `recommended:` or `no limit meets` line
    /// and the figures behind it (nil without targets).
    public var recommendation: SweepRecommendation?
    /// What the trace held (for warnings about the input).
    public var summary = TraceSummary()
    /// The most full replays (each a VM and an arena) that were alive at once.
    public var peakConcurrentReplays = 0
}

/// Where a running sweep stands, for a status line on stderr: reading the
/// trace (with the one-pass model alongside), then the full replays, which
/// run a few limits at a time over the spooled events.
public struct SweepProgress: Sendable {
    public enum Stage: Sendable { case reading, replaying }
    public var stage: Stage
    public var path: String
    /// Reading: events read so far. Replaying: events the current group of limits has replayed.
    public var events: Int
    /// The trace's events (known once it is read; 0 while reading).
    public var totalEvents: Int
    public var bytesRead: Int64
    /// Full replays finished, and how many the sweep runs.
    public var limitsDone: Int
    public var limitsTotal: Int
    /// Limits in the group being replayed now.
    public var limitsRunning: Int
}

/// Replays a trace under one policy at many limits. The trace is parsed and
/// hashed once (its compact events are spooled to a temporary file); for
/// count limits of LRU-style policies a one-pass stack-distance model gives
/// every limit's counts and picks the few limits worth a full replay.
public final class Sweeper {
    public let spec: SweepSpec
    public let options: ReplayOptions
    public var onInvalidLine: ((TraceError) -> Void)?
    /// Called after each batch read and each batch a group of full replays finishes.
    public var onProgress: ((SweepProgress) -> Void)?

    public init(spec: SweepSpec, options: ReplayOptions = ReplayOptions()) {
        self.spec = spec
        self.options = options
    }

    func configuration(_ value: Int) throws(PolicySpecError) -> RunConfiguration {
        let base = try SweepSpec.baseSpec(policy: spec.policy, varying: spec.key)
        var params = base.parameters.filter { $0.key != spec.key }
        params.append((spec.key, String(value)))
        let text = base.name + ":" + params.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        return RunConfiguration(server: try ServerRegistry.builtIn.configuration(spec.server),
                                policy: try PolicyRegistry.builtIn.configuration(text), policyIsServers: false)
    }

    /// Whether the stack-distance model applies: an `entries` limit of a
    /// recency policy that admits everything (and, for pinned-loaded, no byte limit).
    func modelKind() -> (applies: Bool, promote: Bool, why: String?) {
        guard spec.key == "entries" else { return (false, false, "the one-pass model covers entries limits only; every point is replayed") }
        guard let base = try? SweepSpec.baseSpec(policy: spec.policy, varying: spec.key) else { return (false, false, nil) }
        if base["admit"] == "second-hit" { return (false, false, "an admission filter breaks LRU's inclusion property; every point is replayed") }
        switch base.name {
        case "eval-lru": return (true, base["promote-on-load"] == "yes", nil)
        case "pinned-loaded" where base["bytes"] == nil: return (true, true, nil)
        default: return (false, false, "no one-pass model for \(base.name); every point is replayed")
        }
    }

    public func run(path: String) throws -> SweepReport {
        let catalog = try ScriptCatalog(measureCosts: true, internBySHA1: options.internBySHA1)
        let spool = try EventSpool()
        let kind = modelKind()
        let server = try ServerRegistry.builtIn.configuration(spec.server).profile
        let model = kind.applies ? StackDistanceModel(catalog: catalog, client: options.clients.first?.model ?? .auto,
                                                      promoteOnLoad: kind.promote, shebang: server.shebang) : nil
        if options.warmup != nil { model?.beginWarmup(end: nil) }
        // Pass 1: parse and hash once; spool the events; run the model alongside
        // (while the reader reads the next batch).
        var read = 0
        let reader = try Replayer.readEvents(path: path, options: options, catalog: catalog, keepTimestamps: false,
                                             onInvalidLine: onInvalidLine, pipelined: true) { batch, extras, progress in
            try spool.append(batch)
            model?.consume(batch, marks: extras.marks, scripts: extras.scriptCount)
            read += batch.count
            onProgress?(SweepProgress(stage: .reading, path: progress.displayPath, events: read, totalEvents: 0,
                                      bytesRead: progress.bytesRead, limitsDone: 0, limitsTotal: 0, limitsRunning: 0))
        }
        var notes: [String] = kind.why.map { [$0] } ?? []
        // Choose the limits to replay in full.
        var modelled: [Int: ModelledResult] = [:]
        var replayValues = Set<Int>()
        if let model {
            for v in spec.values { modelled[v] = model.result(entries: v) }
            let inexact = spec.values.filter { !model.isExact(entries: $0) }
            if !inexact.isEmpty {
                var ranges: [String] = []
                if model.inexactUpTo > 0 { ranges.append("entries<=\(model.inexactUpTo)") }
                if let above = model.inexactAbove { ranges.append("entries>\(above)") }
                notes.append("one-pass model not exact for \(ranges.joined(separator: " and ")) (" + model.inexactReasons.sorted().joined(separator: "; ")
                             + "): \(inexact.count == 1 ? "that limit is" : "those \(inexact.count) limits are") replayed in full")
            }
            replayValues.formUnion(inexact)
            replayValues.formUnion(pickReplays(modelled, exactValues: spec.values.filter { model.isExact(entries: $0) }))
        } else {
            replayValues = Set(spec.values)
        }
        // Pass 2: full replays of the chosen limits from the spool, a few at a
        // time (one per core), so memory stays bounded whatever the number of limits.
        let chosen = spec.values.filter { replayValues.contains($0) }
        let group = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var replayed: [Int: PolicyResult] = [:]
        var peakConcurrent = 0
        for start in stride(from: 0, to: chosen.count, by: group) {
            let values = Array(chosen[start..<min(start + group, chosen.count)])
            var runs: [PolicyReplay] = []
            for v in values {
                runs.append(try PolicyReplay(run: configuration(v), catalog: catalog, client: options.clients.first ?? ClientChoice(.auto),
                                             allocator: options.allocators.first, flush: options.flush,
                                             engine: options.engines.first ?? .lua54,
                                             owesQuietGCSteps: options.owesQuietGCSteps))
                // Pass 1 found where the warm-up ends.
                if options.warmup != nil { runs.last?.beginWarmup(end: reader.summary.warmupEvents) }
            }
            peakConcurrent = max(peakConcurrent, runs.count)
            // A thread per limit: a small limit (many compiles) never holds a large one up batch by batch.
            let members = runs
            let lanes = PolicyLanes(lanes: members.count) { r, batch in
                try batch.events.withUnsafeBufferPointer { try members[r].apply($0) }
                return []
            }
            defer { lanes.cancel() }
            var done = 0
            func finished(_ f: PolicyLanes.Finished) {
                done += f.batch.events.count
                onProgress?(SweepProgress(stage: .replaying, path: reader.displayPath, events: done, totalEvents: spool.count,
                                          bytesRead: reader.bytesRead, limitsDone: start, limitsTotal: chosen.count, limitsRunning: values.count))
            }
            try spool.forEachBatch(options.batchSize) { batch in
                try lanes.feed(PolicyLanes.Batch(events: Array(batch), extras: Replayer.BatchExtras(), progress: nil), finished)
            }
            try lanes.drain(finished)
            for (v, run) in zip(values, runs) { replayed[v] = try run.finish() }
        }

        var rows: [SweepRow] = []
        for v in spec.values {
            let policy = try configuration(v).policy.spec.description
            if let r = replayed[v] {
                rows.append(SweepRow(value: v, policy: policy, source: "replay", hitRate: r.hitRate, noscript: r.noscript,
                                     retries: r.retries, compiles: r.compiles, evictions: r.evictions, cachedScripts: r.cachedScripts,
                                     vmBytesPeak: r.vmBytesPeak, vmBytesRetained: r.vmBytesRetained, scriptBytesPeak: r.scriptBytesPeak))
            } else if let m = modelled[v] {
                rows.append(SweepRow(value: v, policy: policy, source: "model", hitRate: m.hitRate, noscript: m.noscript,
                                     retries: m.retries, compiles: m.compiles, evictions: m.evictions, cachedScripts: m.cachedScripts,
                                     vmBytesPeak: nil, vmBytesRetained: nil, scriptBytesPeak: nil))
            }
        }
        let base = try SweepSpec.baseSpec(policy: spec.policy, varying: spec.key)
        let isBytes = PolicyRegistry.builtIn.entries.first { $0.name == base.name }?.parameters.first { $0.key == spec.key }?.kind == .bytes
        return SweepReport(path: reader.displayPath, server: spec.server, policy: base.name,
                           key: spec.key, bytes: isBytes, rows: rows, modelNotes: notes, replays: chosen.count,
                           recommendation: spec.targets.isEmpty ? nil : Self.recommend(rows, targets: spec.targets, key: spec.key, bytes: isBytes),
                           summary: reader.summary, peakConcurrentReplays: peakConcurrent)
    }

    /// The limits worth a full replay: the ends, the smallest limit the model
    /// says meets the count targets (and its neighbours, for byte targets),
    /// then where the hit rate changes most between chosen limits.
    func pickReplays(_ modelled: [Int: ModelledResult], exactValues: [Int]) -> Set<Int> {
        let values = exactValues
        guard let first = values.first, let last = values.last else { return [] }
        var chosen: Set<Int> = [first, last]
        let countTargets = spec.targets.filter { !$0.metric.needsReplay }
        if !spec.targets.isEmpty {
            let meeting = values.first { v in
                countTargets.allSatisfy { t in modelled[v].map { m in t.met(by: Self.modelValue(m, t.metric)) } ?? false }
            }
            if let meeting, let i = values.firstIndex(of: meeting) {
                chosen.formUnion(values[max(0, i - 1)...min(values.count - 1, i + 2)])
            }
        }
        while chosen.count < min(spec.maxReplays, values.count) {
            let sorted = values.filter { chosen.contains($0) }
            var best: (gap: Double, value: Int)?
            for (a, b) in zip(sorted, sorted.dropFirst()) {
                let inner = values.filter { $0 > a && $0 < b }
                guard !inner.isEmpty else { continue }
                let gap = abs((modelled[b]?.hitRate ?? 0) - (modelled[a]?.hitRate ?? 0))
                let mid = inner[inner.count / 2]
                if best == nil || gap > best!.gap { best = (gap, mid) }
            }
            guard let pick = best else { break }
            chosen.insert(pick.value)
        }
        return chosen
    }
}
