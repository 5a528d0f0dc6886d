#ifndef SLUICE_THREADPOOL_H
#define SLUICE_THREADPOOL_H

#include <stddef.h>

/// A task for `sluice_parallel_for`: called once per index with the caller's context.
typedef void (*sluice_task)(void *context, size_t index);

/// Runs `task(context, i)` for i in [0, count), index 0 on the calling thread and each other
/// index on its own pool thread, and returns when all are done. Pool threads spin briefly
/// between calls (a forward pass makes hundreds of calls back to back) and then sleep, so
/// hand-offs cost well under a microsecond while busy and nothing while idle. Calls from
/// different threads are serialised. The pool is one per process (threadpool.c); Swift reaches
/// it only through `ComputeRuntime`.
void sluice_parallel_for(size_t count, sluice_task task, void *context);

/// How many times since the process started a pool thread ran out of spinning and slept until
/// the next call woke it (each costs that call a wake-up).
unsigned long sluice_threadpool_parks(void);

#endif
