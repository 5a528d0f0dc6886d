// Which threads compute, and the priority of every other thread of the process below them:
// under overload the model keeps the cores while requests are parsed and refused.
#include "sluice_priorities.h"

#include <pthread.h>
#include <stdlib.h>

#ifdef __linux__
#include <dirent.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

// The pool's workers (at most 63, threadpool.c) and a few threads of the pool's owner.
enum { MAX_COMPUTE_THREADS = 63 + 16 };

// The threads that compute: the pool's workers and any thread registered by its owner (a
// server's inference thread). sluice_lower_other_threads leaves them at their priority.
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static long compute_tids[MAX_COMPUTE_THREADS];
static size_t compute_count;

void sluice_register_compute_thread(void) {
#ifdef __linux__
    long tid = syscall(SYS_gettid);
    pthread_mutex_lock(&registry_lock);
    int known = 0;
    for (size_t i = 0; i < compute_count; i++) known |= compute_tids[i] == tid;
    if (!known && compute_count < sizeof compute_tids / sizeof compute_tids[0]) compute_tids[compute_count++] = tid;
    pthread_mutex_unlock(&registry_lock);
#endif
}

int sluice_lower_other_threads(int offset) {
#ifdef __linux__
    pthread_mutex_lock(&registry_lock);
    size_t count = compute_count;
    long tids[sizeof compute_tids / sizeof compute_tids[0]];
    for (size_t i = 0; i < count; i++) tids[i] = compute_tids[i];
    pthread_mutex_unlock(&registry_lock);
    if (count == 0) return -1;  // nothing to keep above the rest yet
    errno = 0;
    int base = getpriority(PRIO_PROCESS, (id_t)tids[0]);
    if (errno != 0) return -1;
    int target = base + offset > 19 ? 19 : base + offset;
    DIR *dir = opendir("/proc/self/task");
    if (dir == NULL) return -1;
    int lowered = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        long tid = strtol(entry->d_name, NULL, 10);
        if (tid <= 0) continue;
        int compute = 0;
        for (size_t i = 0; i < count; i++) compute |= tids[i] == tid;
        if (compute) continue;
        errno = 0;
        int nice = getpriority(PRIO_PROCESS, (id_t)tid);
        if (errno != 0 || nice >= target) continue;  // gone, or already as low
        if (setpriority(PRIO_PROCESS, (id_t)tid, target) == 0) lowered++;
    }
    closedir(dir);
    return lowered;
#else
    (void)offset;
    return -1;
#endif
}
