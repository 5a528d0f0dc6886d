import SluiceTensors

extension ComputeRuntime {
    /// What the tests compute on: every core, as `sluice` does without `--threads`. One for the
    /// test process, as the executable builds one for its own.
    static let forTests = ComputeRuntime()
}
