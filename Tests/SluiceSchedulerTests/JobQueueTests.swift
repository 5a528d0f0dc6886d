import Testing

@testable import SluiceScheduler

@Suite("JobQueue")
struct JobQueueTests {
    private func queue(tokens: [Int]) -> JobQueue<Int, Int> {
        var queue = JobQueue<Int, Int>()
        for (input, count) in tokens.enumerated() {
            queue.append(Job(input: input, tokens: count))
        }
        return queue
    }

    @Test("an empty queue plans no batch")
    func emptyQueuePlansNothing() {
        #expect(queue(tokens: []).plan(maxBatchSize: 4, maxBatchTokens: 10) == nil)
    }

    @Test("a batch that could still grow is not full")
    func batchThatCanGrowIsNotFull() {
        let plan = queue(tokens: [3, 3]).plan(maxBatchSize: 4, maxBatchTokens: 10)
        #expect(plan == .init(count: 2, tokens: 6, isFull: false))
    }

    @Test("the batch size limit fills a batch")
    func batchSizeFillsBatch() {
        let plan = queue(tokens: [1, 1, 1]).plan(maxBatchSize: 2, maxBatchTokens: 10)
        #expect(plan == .init(count: 2, tokens: 2, isFull: true))
        let exact = queue(tokens: [1, 1]).plan(maxBatchSize: 2, maxBatchTokens: 10)
        #expect(exact == .init(count: 2, tokens: 2, isFull: true))
    }

    @Test("the next job over the token budget fills a batch")
    func tokenBudgetFillsBatch() {
        let plan = queue(tokens: [6, 5, 1]).plan(maxBatchSize: 8, maxBatchTokens: 10)
        #expect(plan == .init(count: 1, tokens: 6, isFull: true))
    }

    @Test("a spent token budget fills a batch")
    func spentTokenBudgetFillsBatch() {
        let plan = queue(tokens: [4, 6]).plan(maxBatchSize: 8, maxBatchTokens: 10)
        #expect(plan == .init(count: 2, tokens: 10, isFull: true))
    }

    @Test("a first job over the token budget is a full batch of its own")
    func oversizedFirstJobRunsAlone() {
        let plan = queue(tokens: [50, 1]).plan(maxBatchSize: 8, maxBatchTokens: 10)
        #expect(plan == .init(count: 1, tokens: 50, isFull: true))
        let alone = queue(tokens: [50]).plan(maxBatchSize: 8, maxBatchTokens: 10)
        #expect(alone == .init(count: 1, tokens: 50, isFull: true))
    }

    @Test("expired jobs leave from the front, up to the first live one")
    func expiredJobsLeaveFromFront() {
        var queue = JobQueue<Int, Int>()
        for (input, deadline) in [(0, 1), (1, 2), (2, 3)] {
            let job = Job<Int, Int>(input: input, tokens: 1)
            job.deadline = .seconds(deadline)
            queue.append(job)
        }

        let expired = queue.removeExpired(now: .seconds(2))

        #expect(expired.map(\.input) == [0, 1])
        #expect(queue.first?.input == 2)
    }
}
