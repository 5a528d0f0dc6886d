#ifndef SLUICE_KERNELS_H
#define SLUICE_KERNELS_H

#include <stddef.h>

/// out[m, n] = sum_k x[m, k] * w[n, k] + bias[n], for rows n in [n_begin, n_end).
/// A weight-streaming kernel for small m: every weight row is read once, from memory, and
/// used for all m input rows while it is in registers. x: [m, k], w: [n_total, k] (the
/// Hugging Face [out, in] layout), out: [m, n_total], bias may be NULL.
/// 2·m·k FLOP per weight row; 4·k bytes of weights per row.
void sluice_linear_small_m(float *out, const float *x, const float *w, const float *bias,
                           size_t m, size_t k, size_t n_total, size_t n_begin, size_t n_end);

/// 1 when the AVX2 + FMA path runs on this processor, 0 when the portable one does.
int sluice_kernels_use_avx2(void);

/// A task for `sluice_parallel_for`: called once per index with the caller's context.
typedef void (*sluice_task)(void *context, size_t index);

/// Runs `task(context, i)` for i in [0, count), index 0 on the calling thread and each other
/// index on its own pool thread, and returns when all are done. Pool threads spin briefly
/// between calls (a forward pass makes hundreds of calls back to back) and then sleep, so
/// hand-offs cost well under a microsecond while busy and nothing while idle. Calls from
/// different threads are serialised.
void sluice_parallel_for(size_t count, sluice_task task, void *context);

/// Records the calling thread as one that computes (the pool's workers record themselves), so
/// that `sluice_lower_other_threads` leaves it alone. Linux only; elsewhere it does nothing.
void sluice_register_compute_thread(void);

/// Lowers the CPU priority of every thread of the process that does not compute to `offset`
/// nice levels below the compute threads' (at most nice 19); threads already that low are left
/// as they are. Returns how many it lowered, or -1 where it cannot (no compute thread
/// registered yet, no /proc, not Linux). A thread can lower its own process's threads without
/// privileges, not raise them again: call it only once the compute threads are registered.
int sluice_lower_other_threads(int offset);

// The bf16 and int8 kernels.
#include "sluice_lowp_kernels.h"
#endif
