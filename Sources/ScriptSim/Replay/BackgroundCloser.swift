import Dispatch
import Foundation

/// Closes old Lua VMs off the replay thread: Redis 7.4+'s lazy-free job for
/// SCRIPT FLUSH ASYNC (`freeLuaScriptsAsync` → bio `lazyFreeLuaScripts`),
/// which closes the old interpreter while the main thread goes on with a
/// fresh one.
///
/// A VM handed over here is owned by the closer from then on; the replay
/// never touches it again. `waitForAll` ends a run only once every close has
/// finished, so final memory figures include them.
final class BackgroundCloser: @unchecked Sendable {
    /// Moves a VM to the closer's thread. `@unchecked Sendable` because
    /// ownership moves: the sender drops its reference at the handoff.
    private struct Handoff: @unchecked Sendable {
        let vm: LuaVM
    }

    private let queue = DispatchQueue(label: "scriptsim.background-close")
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var _started = 0
    private var _finished = 0
    private var _totalNanoseconds: UInt64 = 0
    private var _maxNanoseconds: UInt64 = 0
    /// Return the arena's dirty pages to the system after each close.
    let purgeAfterClose: Bool

    /// Test hook: when set, every close waits on it before it starts, so a test
    /// can observe that a flush returned while the old VM is still open.
    var gate: DispatchSemaphore?

    init(purgeAfterClose: Bool) { self.purgeAfterClose = purgeAfterClose }

    /// Takes `vm` and closes it on the background thread.
    func close(_ vm: LuaVM) {
        let handoff = Handoff(vm: vm)
        let gate = self.gate
        let purge = purgeAfterClose
        group.enter()
        lock.lock(); _started += 1; lock.unlock()
        queue.async { [self] in
            gate?.wait()
            let start = MonotonicClock.nanoseconds()
            let allocator = handoff.vm.allocator
            handoff.vm.close()
            if purge { allocator.purge() }
            let elapsed = MonotonicClock.nanoseconds() - start
            lock.lock()
            _finished += 1
            _totalNanoseconds += elapsed
            _maxNanoseconds = max(_maxNanoseconds, elapsed)
            lock.unlock()
            group.leave()
        }
    }

    /// Blocks until every VM handed over is closed.
    func waitForAll() { group.wait() }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    /// Forgets the time totals so far (the warm-up's): from now on they cover
    /// the closes that finish after this call.
    func resetFigures() {
        locked {
            _totalNanoseconds = 0
            _maxNanoseconds = 0
        }
    }

    /// VMs handed over and not yet closed.
    var pending: Int { locked { _started - _finished } }
    var closed: Int { locked { _finished } }
    var totalSeconds: Double { locked { Double(_totalNanoseconds) / 1e9 } }
    var maxSeconds: Double { locked { Double(_maxNanoseconds) / 1e9 } }
}
