import Testing

@testable import SluiceScheduler

@Suite("DrainRateEstimator")
struct DrainRateEstimatorTests {
    @Test("without history the answer is one second")
    func noHistoryGivesOneSecond() {
        #expect(DrainRateEstimator().retryAfterSeconds(queuedJobs: 1000) == 1)
    }

    @Test("the estimate is queued jobs times seconds per job, rounded up")
    func estimateIsRoundedUp() {
        var estimator = DrainRateEstimator()
        estimator.record(jobs: 4, duration: .seconds(1))
        estimator.record(jobs: 4, duration: .seconds(1))

        #expect(estimator.retryAfterSeconds(queuedJobs: 10) == 3)
        #expect(estimator.retryAfterSeconds(queuedJobs: 0) == 1)
    }

    @Test("only recent batches count")
    func onlyRecentBatchesCount() {
        var estimator = DrainRateEstimator()
        estimator.record(jobs: 1, duration: .seconds(100))
        for _ in 0..<DrainRateEstimator.window {
            estimator.record(jobs: 1, duration: .seconds(2))
        }

        #expect(estimator.retryAfterSeconds(queuedJobs: 3) == 6)
    }
}
