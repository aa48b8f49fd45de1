import Foundation
import Testing
@testable import ScriptSim

/// A trace without EVAL or EVALSHA (only SCRIPT LOAD here; Functions traffic
/// next) has no hit rate: `-`, JSON null, CSV empty, never a 0 that reads as
/// "every call missed" (issue #23, item 3).
@Suite struct NoRequestHitRateTests {
    @Test func noRequestsNoHitRate() throws {
        let report = try replay("SCRIPT LOAD \"return 1\"\n", policies: ["eval-lru"])
        #expect(report.policies[0].requests == 0)
        let table = ReportRenderer(format: .table).render([report])
        #expect(table.contains("\n    1         -         0"), "\(table)")
        let json = try JSONSerialization.jsonObject(with: Data(ReportRenderer(format: .json).render([report]).utf8)) as! [String: Any]
        let policy = ((json["traces"] as! [[String: Any]])[0]["policies"] as! [[String: Any]])[0]
        #expect(policy["hit_rate"] is NSNull)
        let csv = ReportRenderer(format: .csv).render([report]).split(separator: "\n")
        let header = csv[0].split(separator: ",", omittingEmptySubsequences: false)
        let row = csv[1].split(separator: ",", omittingEmptySubsequences: false)
        #expect(row[header.firstIndex(of: "hit_rate")!] == "")
        // With a request, a figure again.
        let one = try replay("EVAL \"return 1\" 0\n", policies: ["eval-lru"])
        #expect(ReportRenderer(format: .table).render([one]).contains("    1    0.0000"))
    }
}
