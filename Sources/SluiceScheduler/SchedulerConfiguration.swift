/// The limits that shape batches, the queue and deadlines (see "The batching algorithm" in DESIGN.md).
public struct SchedulerConfiguration: Sendable, Equatable {
    /// The most jobs one batch may hold.
    public var maxBatchSize: Int
    /// The most real tokens (no padding) one batch may hold; a single job over it runs alone.
    public var maxBatchTokens: Int
    /// How long a batch that is not full may wait for more jobs, counted once from its oldest
    /// job's arrival. Zero (the default) never waits: an idle server answers at once.
    public var maxBatchWait: Duration
    /// The most a batch that is not full waits, after the previous batch ends, for as many jobs
    /// as that batch held: under a steady load their clients come back within moments of their
    /// answers, and a batch cut before they do is a fragment that costs a whole pass over the
    /// weights. The wait is also at most half the previous batch's compute time, and it ends as
    /// soon as the batch has that many jobs, so a lone client never waits. Zero turns it off.
    public var maxRefillWait: Duration
    /// How many jobs may wait in the queue; `submit` refuses the next one as overloaded.
    public var maxQueue: Int
    /// How long after submission a job may wait before it is answered with a timeout.
    public var requestTimeout: Duration
    /// How many batches in a row may be cut from more urgent jobs (a lower `priority`) while
    /// the oldest waiting job is passed over; the next batch is then cut in arrival order. This
    /// bounds how long the less urgent level can starve.
    public var maxPriorityBypass: Int

    /// Creates a configuration; the defaults match the command line's.
    public init(
        maxBatchSize: Int = 32,
        maxBatchTokens: Int = 16384,
        maxBatchWait: Duration = .zero,
        maxRefillWait: Duration = .milliseconds(20),
        maxQueue: Int = 1024,
        requestTimeout: Duration = .seconds(30),
        maxPriorityBypass: Int = 4
    ) {
        self.maxBatchSize = maxBatchSize
        self.maxBatchTokens = maxBatchTokens
        self.maxBatchWait = maxBatchWait
        self.maxRefillWait = maxRefillWait
        self.maxQueue = maxQueue
        self.requestTimeout = requestTimeout
        self.maxPriorityBypass = maxPriorityBypass
    }

    /// Checks every limit, and names the first one that cannot work.
    public func validate() throws(InvalidSchedulerConfiguration) {
        if maxBatchSize < 1 {
            throw InvalidSchedulerConfiguration(parameter: "maxBatchSize", reason: "must be at least 1")
        }
        if maxBatchTokens < 1 {
            throw InvalidSchedulerConfiguration(parameter: "maxBatchTokens", reason: "must be at least 1")
        }
        if maxBatchWait < .zero {
            throw InvalidSchedulerConfiguration(parameter: "maxBatchWait", reason: "must not be negative")
        }
        if maxRefillWait < .zero {
            throw InvalidSchedulerConfiguration(parameter: "maxRefillWait", reason: "must not be negative")
        }
        if maxQueue < 1 {
            throw InvalidSchedulerConfiguration(parameter: "maxQueue", reason: "must be at least 1")
        }
        if requestTimeout <= .zero {
            throw InvalidSchedulerConfiguration(parameter: "requestTimeout", reason: "must be positive")
        }
        if maxPriorityBypass < 0 {
            throw InvalidSchedulerConfiguration(
                parameter: "maxPriorityBypass", reason: "must not be negative")
        }
    }
}

/// A scheduler limit that cannot work, named so the operator can fix the matching flag.
public struct InvalidSchedulerConfiguration: Error, Equatable, CustomStringConvertible {
    /// The name of the offending `SchedulerConfiguration` property.
    public var parameter: String
    /// What the value must be instead.
    public var reason: String

    /// Creates the error for one parameter.
    public init(parameter: String, reason: String) {
        self.parameter = parameter
        self.reason = reason
    }

    /// A sentence for a human, e.g. "maxQueue must be at least 1".
    public var description: String { "\(parameter) \(reason)" }
}
