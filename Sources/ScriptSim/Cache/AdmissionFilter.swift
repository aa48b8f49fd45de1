/// Decides whether a script created by EVAL is kept at all, before any policy
/// makes room for it (Caffeine's `Admittor`, combined with any evicting policy).
///
/// A rejected script has still been compiled and run; it is just not cached.
public protocol AdmissionFilter: AnyObject {
    /// The name as it appears in a canonical spec, e.g. `admit=second-hit,window=1000`;
    /// empty for the default (admit everything).
    var specSuffix: [(key: String, value: String)] { get }

    /// A new EVAL-created script compiled: keep it?
    func admit(_ script: ScriptID) -> Bool

    /// SCRIPT FLUSH: forget everything.
    func removeAll()
}

/// Keeps every script (what every server does).
public final class AdmitAlways: AdmissionFilter {
    public init() {}
    public var specSuffix: [(key: String, value: String)] { [] }
    public func admit(_ script: ScriptID) -> Bool { true }
    public func removeAll() {}
}

/// Keeps an EVAL script only once it has been seen again within the last
/// `window` distinct EVAL bodies that were not kept. The ghost list holds
/// script ids only (no bodies, no VM bytes), so a storm of one-off bodies —
/// values inlined into script text — no longer flushes the scripts an
/// application really reuses. A script that was evicted and comes back starts
/// over: it is admitted on its second sighting.
public final class SecondHitAdmission: AdmissionFilter {
    public let window: Int
    private var ghosts = RecencyList()

    public init(window: Int) {
        precondition(window >= 1)
        self.window = window
    }

    public var specSuffix: [(key: String, value: String)] { [("admit", "second-hit"), ("window", String(window))] }

    public func admit(_ script: ScriptID) -> Bool {
        if ghosts.contains(script) {
            ghosts.remove(script)
            return true
        }
        if ghosts.count >= window { _ = ghosts.removeFirst() }
        ghosts.append(script)
        return false
    }

    public func removeAll() { ghosts.removeAll() }

    /// Ids in the ghost list, oldest first (for tests).
    public var ghostOrder: [ScriptID] { ghosts.ordered }
}
