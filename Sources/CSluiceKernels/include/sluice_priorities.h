#ifndef SLUICE_PRIORITIES_H
#define SLUICE_PRIORITIES_H

/// Records the calling thread as one that computes (the pool's workers record themselves), so
/// that `sluice_lower_other_threads` leaves it alone. Linux only; elsewhere it does nothing.
void sluice_register_compute_thread(void);

/// Lowers the CPU priority of every thread of the process that does not compute to `offset`
/// nice levels below the compute threads' (at most nice 19); threads already that low are left
/// as they are. Returns how many it lowered, or -1 where it cannot (no compute thread
/// registered yet, no /proc, not Linux). A thread can lower its own process's threads without
/// privileges, not raise them again: call it only once the compute threads are registered.
int sluice_lower_other_threads(int offset);

#endif
