// What the processor can run, asked once through the compiler's CPU model (which also checks
// that the OS saves the wide registers). Any thread may ask first: the cached answer is read
// and written atomically (relaxed: every thread computes the same value).
#include "sluice_cpu.h"

int sluice_cpu_has_avx512(void) {
#if defined(__x86_64__) || defined(__i386__)
    static int cached = -1;
    int answer = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (answer < 0) {
        __builtin_cpu_init();
        answer = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
        __atomic_store_n(&cached, answer, __ATOMIC_RELAXED);
    }
    return answer;
#else
    return 0;
#endif
}

int sluice_kernels_use_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    static int cached = -1;
    int answer = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (answer < 0) {
        __builtin_cpu_init();
        answer = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        __atomic_store_n(&cached, answer, __ATOMIC_RELAXED);
    }
    return answer;
#else
    return 0;
#endif
}

static int avx512_paths[SLUICE_KERNEL_FAMILIES] = {1, 1, 1, 1, 1};

int sluice_kernels_use_avx512(int family) {
    if (family < 0 || family >= SLUICE_KERNEL_FAMILIES) return 0;
    return sluice_cpu_has_avx512() && __atomic_load_n(&avx512_paths[family], __ATOMIC_RELAXED);
}

void sluice_kernels_set_avx512(int family, int on) {
    if (family < 0 || family >= SLUICE_KERNEL_FAMILIES) return;
    __atomic_store_n(&avx512_paths[family], on != 0, __ATOMIC_RELAXED);
}
