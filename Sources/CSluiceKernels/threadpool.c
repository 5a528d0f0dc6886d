// A small pool of worker threads for the engine's data-parallel kernels. GCD's
// concurrentPerform costs tens of microseconds per call to wake its workers, which at
// hundreds of calls per forward pass was a fifth of a small batch's time; these workers spin
// on a generation counter for a short while after each call, then park on a condition variable.
#include "sluice_threadpool.h"

#include "sluice_priorities.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

// How long workers spin after a call before they park, and how long the caller spins for them
// before it yields its core. Counted in time, not in pause instructions: a pause takes 23 ns
// on Zen 5 and 13 ns on a Xeon (Emerald Rapids), and varies more across other x86 cores, so a
// count of them spins for very different times. The clock is read every 32 pauses (25 ns a
// read through the vDSO).
enum { MAX_WORKERS = 63, PAUSES_PER_CLOCK_READ = 32 };
// The workers' spin can be changed for a measurement with SLUICE_SPIN_US (microseconds, 1 to
// 1,000,000), read once as the process starts: `sluice bench --batches` reports how often the
// workers parked per forward pass. On the Xeon of BENCHMARKS.md, spins of 20, 110 and 2,000 us
// made no difference to one `test [MASK]` through HTTP (23.8-24.0 ms p50).
static long WORKER_SPIN_NS = 110000;
static const long CALLER_SPIN_NS = 45000;

__attribute__((constructor)) static void read_spin_setting(void) {
    const char *text = getenv("SLUICE_SPIN_US");
    if (text == NULL) return;
    char *end;
    long us = strtol(text, &end, 10);
    if (*end == 0 && us >= 1 && us <= 1000000) WORKER_SPIN_NS = us * 1000;
}

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

// Times a worker parked (went to sleep and was woken by a later call): what the spin costs
// when it is too short (sluice_threadpool_parks).
static atomic_ulong parks;

unsigned long sluice_threadpool_parks(void) { return atomic_load_explicit(&parks, memory_order_relaxed); }

static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER;  // one parallel call at a time
static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cond = PTHREAD_COND_INITIALIZER;
static atomic_ulong generation;  // bumped once per call
static atomic_ulong remaining;   // worker indices not yet finished in this call
static sluice_task current_task;
static void *current_context;
static size_t current_count;
static size_t started_workers;

typedef struct {
    size_t index;        // this worker runs index `index` of every call that has it
    unsigned long seen;  // the generation before the first call it must serve
} worker_start;

static void *worker_main(void *arg) {
    sluice_register_compute_thread();
    worker_start start = *(worker_start *)arg;
    free(arg);
    size_t index = start.index;
    unsigned long seen = start.seen;
    for (;;) {
        unsigned long now = atomic_load_explicit(&generation, memory_order_acquire);
        long deadline = now == seen ? now_ns() + WORKER_SPIN_NS : 0;
        for (int spin = 1; now == seen; spin++) {
            CPU_RELAX();
            now = atomic_load_explicit(&generation, memory_order_acquire);
            if (spin % PAUSES_PER_CLOCK_READ == 0 && now_ns() > deadline) break;
        }
        if (now == seen) {
            atomic_fetch_add_explicit(&parks, 1, memory_order_relaxed);
            pthread_mutex_lock(&park_lock);
            while ((now = atomic_load_explicit(&generation, memory_order_acquire)) == seen)
                pthread_cond_wait(&park_cond, &park_lock);
            pthread_mutex_unlock(&park_lock);
        }
        seen = now;
        if (index < current_count) {
            current_task(current_context, index);
            atomic_fetch_sub_explicit(&remaining, 1, memory_order_acq_rel);
        }
    }
    return NULL;
}

void sluice_parallel_for(size_t count, sluice_task task, void *context) {
    if (count == 0) return;
    if (count == 1) {
        task(context, 0);
        return;
    }
    if (count > MAX_WORKERS + 1) count = MAX_WORKERS + 1;
    pthread_mutex_lock(&call_lock);
    while (started_workers < count - 1) {
        pthread_t thread;
        worker_start *start = malloc(sizeof *start);
        if (start == NULL) break;
        // Created under call_lock before this call bumps the generation: the new worker serves
        // this call and every later one, never an earlier one.
        start->index = started_workers + 1;
        start->seen = atomic_load_explicit(&generation, memory_order_acquire);
        if (pthread_create(&thread, NULL, worker_main, start) != 0) {
            free(start);
            break;
        }
        pthread_detach(thread);
        started_workers++;
    }
    size_t workers = count - 1 < started_workers ? count - 1 : started_workers;
    current_task = task;
    current_context = context;
    current_count = workers + 1;
    atomic_store_explicit(&remaining, workers, memory_order_release);
    pthread_mutex_lock(&park_lock);
    atomic_fetch_add_explicit(&generation, 1, memory_order_acq_rel);
    pthread_cond_broadcast(&park_cond);
    pthread_mutex_unlock(&park_lock);
    task(context, 0);
    // Indices the pool could not take (thread creation failed) run here.
    for (size_t i = workers + 1; i < count; i++) task(context, i);
    // The pool's threads are usually running, and finish within microseconds of this one; but
    // in a server the cores are shared with request handling, and a worker that has not been
    // scheduled yet needs a core, so past a short spin the caller gives its core away.
    long deadline = 0;
    for (int spin = 1; atomic_load_explicit(&remaining, memory_order_acquire) != 0; spin++) {
        if (deadline == 0) deadline = now_ns() + CALLER_SPIN_NS;
        if (deadline > 0 && (spin % PAUSES_PER_CLOCK_READ != 0 || now_ns() < deadline)) {
            CPU_RELAX();
        } else {
            deadline = -1;  // spun long enough: from now on give the core away
            sched_yield();
        }
    }
    pthread_mutex_unlock(&call_lock);
}
