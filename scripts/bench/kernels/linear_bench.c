// One linear layer (out = x · wᵀ, weights [n, k] in the Hugging Face layout) on two threads,
// by each of Sluice's kernels and by OpenBLAS's sgemm, on weights cycled through a 400 MB pool
// so that every call reads them from memory, as a forward pass does. Prints the best of `reps`
// calls per kernel: ms, GFLOP/s and weight GB/s. Never run by CI.
//
//   scripts/bench/kernels/run.sh K N REPS M [M ...]
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sluice_linear.h"
#include "sluice_threadpool.h"

enum { WIDE, BLAS, STREAM };

typedef struct {
    float *out, *xt;
    const float *x, *w;
    size_t m, k, n, begin, end;
    int kind;
} job;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void task(void *context, size_t i) {
    job *j = (job *)context + i;
    if (j->kind == WIDE)
        sluice_linear_wide(j->out, j->xt, j->w, NULL, j->m, j->k, j->n, j->begin, j->end);
    else if (j->kind == BLAS)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)j->m, (int)(j->end - j->begin), (int)j->k, 1,
                    j->x, (int)j->k, j->w + j->begin * j->k, (int)j->k, 0, j->out + j->begin, (int)j->n);
    else
        sluice_linear_small_m(j->out, j->x, j->w, NULL, j->m, j->k, j->n, j->begin, j->end);
}

int main(int argc, char **argv) {
    if (argc < 5) return fprintf(stderr, "usage: %s K N REPS M [M ...]\n", argv[0]), 2;
    openblas_set_num_threads(1);
    size_t k = atoi(argv[1]), n = atoi(argv[2]);
    int reps = atoi(argv[3]);
    size_t pool = (size_t)(400e6 / (n * k * 4)) + 1, which = 0;
    float *weights = malloc(pool * n * k * sizeof(float));
    for (size_t i = 0; i < pool * n * k; i++) weights[i] = (float)(i % 13) * 0.01f;
    static const char *names[] = {"wide", "blas", "stream"};
    for (int a = 4; a < argc; a++) {
        size_t m = atoi(argv[a]), panels = sluice_wide_padded_rows(m) / 16;
        float *x = malloc(m * k * sizeof(float)), *out = malloc(m * n * sizeof(float));
        for (size_t i = 0; i < m * k; i++) x[i] = (float)(i % 7) * 0.01f;
        float *xt = sluice_wide_scratch(sluice_wide_padded_rows(m) * k);
        for (int kind = WIDE; kind <= STREAM; kind++) {
            if ((kind == WIDE && !sluice_wide_available()) || (kind == STREAM && m > 8)) continue;
            double best = 1e9;
            for (int r = 0; r < reps; r++) {
                const float *w = weights + (which++ % pool) * n * k;
                size_t half = (n / 2 + 11) / 12 * 12;
                job jobs[2] = {{out, xt, x, w, m, k, n, 0, half, kind}, {out, xt, x, w, m, k, n, half, n, kind}};
                double t = now();
                if (kind == WIDE) sluice_transpose_padded(xt, x, m, k, 0, panels);
                sluice_parallel_for(2, task, jobs);
                t = now() - t;
                if (t < best) best = t;
            }
            printf("m=%4zu k=%zu n=%zu %-6s %8.3f ms %7.1f GFLOP/s %6.1f GB/s\n", m, k, n, names[kind], best * 1e3,
                   2.0 * m * k * n / best / 1e9, 4.0 * k * n / best / 1e9);
        }
        free(x);
        free(out);
    }
    return 0;
}
