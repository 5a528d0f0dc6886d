/// Waits until `condition` holds, checking it every millisecond of real time, for at most
/// `timeout`; returns whether it held. Tests use it to wait for another thread to reach a
/// state, never to measure time: the timeout is only there so that a bug fails instead of hanging.
func eventually(timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + timeout
    while clock.now < end {
        if condition() {
            return true
        }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}
