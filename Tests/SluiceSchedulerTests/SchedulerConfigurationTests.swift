import SluiceScheduler
import Testing

@Suite("SchedulerConfiguration")
struct SchedulerConfigurationTests {
    @Test("the defaults are valid")
    func defaultsAreValid() throws {
        try SchedulerConfiguration().validate()
    }

    @Test("an unusable limit is named")
    func unusableLimitIsNamed() {
        #expect(throws: InvalidSchedulerConfiguration(parameter: "maxQueue", reason: "must be at least 1")) {
            try SchedulerConfiguration(maxQueue: 0).validate()
        }
        #expect(
            throws: InvalidSchedulerConfiguration(parameter: "requestTimeout", reason: "must be positive")
        ) {
            try SchedulerConfiguration(requestTimeout: .zero).validate()
        }
        #expect(
            throws: InvalidSchedulerConfiguration(parameter: "maxBatchWait", reason: "must not be negative")
        ) {
            try SchedulerConfiguration(maxBatchWait: .milliseconds(-1)).validate()
        }
    }
}
