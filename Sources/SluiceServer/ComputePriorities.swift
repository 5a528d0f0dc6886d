/// How the server keeps the model's compute threads ahead of request handling. The server does
/// not compute and does not know the engine's runtime: the executable wires these to the
/// runtime its model computes on (`ComputeRuntime` in SluiceTensors).
public struct ComputePriorities: Sendable {
    /// Called on the inference thread as it starts: records it as a thread that computes (and
    /// starts the runtime's threads from it, so that they share its priority).
    public var registerComputeThread: @Sendable () -> Void
    /// Lowers every thread that does not compute `offset` nice levels below those that do;
    /// returns how many it lowered, or nil where it cannot (no compute thread registered yet,
    /// not Linux). Called again every second, for threads started since.
    public var lowerOtherThreads: @Sendable (_ offset: Int) -> Int?

    /// Priorities kept by the given functions.
    public init(
        registerComputeThread: @escaping @Sendable () -> Void,
        lowerOtherThreads: @escaping @Sendable (_ offset: Int) -> Int?
    ) {
        self.registerComputeThread = registerComputeThread
        self.lowerOtherThreads = lowerOtherThreads
    }

    /// No thread is registered and none can be lowered: a server whose pipeline has no compute
    /// threads of its own (a fake in tests), or one that leaves priorities to its host.
    public static var unmanaged: ComputePriorities {
        ComputePriorities(registerComputeThread: {}, lowerOtherThreads: { _ in nil })
    }
}
