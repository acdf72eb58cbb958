/*
 * The machine's limits for the packing workloads, measured the way the kernels meet them.
 *
 *   seqfeat_roofline ROWS DIM LOOKUPS OUT_BYTES [REPS [EVICT]]
 *
 * prints one `name value` line per figure (medians over REPS repetitions):
 *
 *   gather_rows_per_s_{1,2}t   random rows of a ROWS x DIM float32 table (every page written
 *                              first) summed into registers; LOOKUPS fresh uniform ids per
 *                              repetition; the best of a plain loop (gather_plain_*), one
 *                              prefetching 16 rows ahead non-temporally (gather_prefetch_nta_*)
 *                              and one prefetching into L2 32 rows ahead for rows of up to two
 *                              cache lines, 16 otherwise (gather_prefetch_l2_*), as the kernel
 *   write_bytes_per_s_{1,2}t   memset of an OUT_BYTES buffer (the output written once)
 *   memcpy_bytes_per_s_1t      memcpy of OUT_BYTES
 *
 * With EVICT = 1 (the default) every repetition starts with the caches evicted by reading
 * 2 x L3 worth of other random rows of the same table, as the side-by-side runner does before
 * each timed call on a DRAM-sized table. Reading rows of the table (rather than a separate
 * buffer) keeps its page-table entries cached as they are in steady use; a flat flush would
 * also evict those and halve the gather rate with page walks no real workload pays.
 *
 * Two threads split the work in halves and meet at spinning barriers, so the figure does not
 * include waking a sleeping thread.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

enum { kPrefetchDistance = 16, kEvictBytes = 64 << 20, kMaxThreads = 2 };

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t next_random(uint64_t* s) { /* splitmix64 */
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static int compare_doubles(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double median(double* v, int n) {
  qsort(v, (size_t)n, sizeof(double), compare_doubles);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void* must_alloc(size_t bytes) {
  void* p = NULL;
  if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) {
    fprintf(stderr, "seqfeat_roofline: cannot allocate %zu bytes\n", bytes);
    exit(1);
  }
  return p;
}

/* ---- work items ------------------------------------------------------------------------ */

enum Task { kGatherPlain, kGatherNta, kGatherL2, kWrite, kCopy };

typedef struct {
  const float* table;
  int64_t dim;
  const int64_t* ids;
  int64_t begin, end; /* ids range, or byte range for write/copy */
  char* dst;
  const char* src;
  float sink;
} Work;

/* prefetch: 0 none, 1 non-temporal 16 rows ahead, 2 into L2 (prefetcht1) 16-32 rows ahead. */
static float gather(const Work* w, int prefetch) {
  const int64_t dim = w->dim;
  const int64_t line_floats = 16;
  const int64_t ahead = prefetch == 2 && dim <= 32 ? 32 : kPrefetchDistance;
  float acc[16] = {0};
  for (int64_t i = w->begin; i < w->end; ++i) {
    if (prefetch && i + ahead < w->end) {
      const float* p = w->table + w->ids[i + ahead] * dim;
      if (prefetch == 1) {
        for (int64_t d = 0; d < dim; d += line_floats) __builtin_prefetch(p + d, 0, 0);
      } else {
        for (int64_t d = 0; d < dim; d += line_floats) __builtin_prefetch(p + d, 0, 2);
      }
    }
    const float* row = w->table + w->ids[i] * dim;
    int64_t d = 0;
    for (; d + 16 <= dim; d += 16)
      for (int k = 0; k < 16; ++k) acc[k] += row[d + k];
    for (; d < dim; ++d) acc[d & 15] += row[d];
  }
  float s = 0.f;
  for (int k = 0; k < 16; ++k) s += acc[k];
  return s;
}

static void run_task(enum Task task, Work* w) {
  switch (task) {
    case kGatherPlain: w->sink += gather(w, 0); break;
    case kGatherNta: w->sink += gather(w, 1); break;
    case kGatherL2: w->sink += gather(w, 2); break;
    case kWrite: memset(w->dst + w->begin, (int)(w->sink > 1e30f), (size_t)(w->end - w->begin)); break;
    case kCopy: memcpy(w->dst + w->begin, w->src + w->begin, (size_t)(w->end - w->begin)); break;
  }
}

/* ---- a second, spinning thread ----------------------------------------------------------- */

static atomic_int g_generation;
static atomic_int g_done;
static enum Task g_task;
static Work g_helper_work;

static void* helper(void* arg) {
  (void)arg;
  int seen = 0;
  for (;;) {
    int g;
    while ((g = atomic_load_explicit(&g_generation, memory_order_acquire)) == seen) {
#if defined(__SSE__)
      _mm_pause();
#endif
    }
    if (g < 0) return NULL;
    seen = g;
    run_task(g_task, &g_helper_work);
    atomic_store_explicit(&g_done, seen, memory_order_release);
  }
}

/* Runs `task` over [begin, end) on `threads` threads and returns the wall time. */
static double timed(enum Task task, int threads, Work w) {
  static Work main_work;
  main_work = w;
  if (threads == 1) {
    const double t0 = now();
    run_task(task, &main_work);
    return now() - t0;
  }
  const int64_t mid = w.begin + (w.end - w.begin) / 2;
  g_helper_work = w;
  g_helper_work.begin = mid;
  main_work.end = mid;
  g_task = task;
  const int gen = atomic_load(&g_generation) + 1;
  const double t0 = now();
  atomic_store_explicit(&g_generation, gen, memory_order_release);
  run_task(task, &main_work);
  while (atomic_load_explicit(&g_done, memory_order_acquire) != gen) {
#if defined(__SSE__)
    _mm_pause();
#endif
  }
  return now() - t0;
}

/* Evicts the caches by reading kEvictBytes of other random rows of the table. */
static const float* g_table;
static int64_t g_dim, g_evict_rows;
static const int64_t* g_evict_ids;
static float g_evict_sink;
static void evict_caches(void) {
  for (int64_t i = 0; i < g_evict_rows; ++i)
    for (int64_t d = 0; d < g_dim; d += 16) g_evict_sink += g_table[g_evict_ids[i] * g_dim + d];
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s ROWS DIM LOOKUPS OUT_BYTES [REPS]\n", argv[0]);
    return 2;
  }
  const int64_t rows = atoll(argv[1]), dim = atoll(argv[2]), lookups = atoll(argv[3]);
  const int64_t out_bytes = atoll(argv[4]);
  const int reps = argc > 5 ? atoi(argv[5]) : 30;
  const int evict = argc > 6 ? atoi(argv[6]) : 1;
  if (rows < 1 || dim < 1 || lookups < 2 || out_bytes < 64 || reps < 1) {
    fprintf(stderr, "seqfeat_roofline: bad arguments\n");
    return 2;
  }

  float* table = must_alloc((size_t)(rows * dim) * sizeof(float));
  uint64_t seed = 42;
  for (int64_t i = 0; i < rows * dim; ++i)
    table[i] = (float)(next_random(&seed) >> 40) * 0x1p-24f - 0.5f;
  int64_t* ids = must_alloc((size_t)lookups * sizeof(int64_t));
  char* dst = must_alloc((size_t)out_bytes);
  char* src = must_alloc((size_t)out_bytes);
  memset(dst, 1, (size_t)out_bytes);
  memset(src, 2, (size_t)out_bytes);
  g_table = table;
  g_dim = dim;
  g_evict_rows = evict ? kEvictBytes / (dim * (int64_t)sizeof(float)) : 0;
  if (g_evict_rows > 0) {
    int64_t* e = must_alloc((size_t)g_evict_rows * sizeof(int64_t));
    for (int64_t i = 0; i < g_evict_rows; ++i) e[i] = (int64_t)(next_random(&seed) % (uint64_t)rows);
    g_evict_ids = e;
  }

  double* samples = must_alloc((size_t)reps * sizeof(double));
  double gather_rate[3][2]; /* [task - kGatherPlain][threads - 1] */
  double write_rate[2], memcpy_rate = 0.;
  float sink = 0.f;
  pthread_t thread;
  for (int threads = 1; threads <= kMaxThreads; ++threads) {
    /* The helper spins while it waits: start it only when it is used. */
    if (threads == 2 && pthread_create(&thread, NULL, helper, NULL) != 0) {
      fprintf(stderr, "seqfeat_roofline: cannot start a thread\n");
      return 1;
    }
    for (int variant = 0; variant < 3; ++variant) {
      for (int r = -2; r < reps; ++r) {
        for (int64_t i = 0; i < lookups; ++i) ids[i] = (int64_t)(next_random(&seed) % (uint64_t)rows);
        evict_caches();
        Work w = {table, dim, ids, 0, lookups, NULL, NULL, 0.f};
        const double t = timed((enum Task)(kGatherPlain + variant), threads, w);
        sink += g_helper_work.sink;
        if (r >= 0) samples[r] = (double)lookups / t;
      }
      gather_rate[variant][threads - 1] = median(samples, reps);
    }
    for (int r = -2; r < reps; ++r) {
      evict_caches();
      Work w = {NULL, 0, NULL, 0, out_bytes, dst, NULL, sink};
      const double t = timed(kWrite, threads, w);
      if (r >= 0) samples[r] = (double)out_bytes / t;
    }
    write_rate[threads - 1] = median(samples, reps);
    if (threads == 1) {
      for (int r = -2; r < reps; ++r) {
        evict_caches();
        Work w = {NULL, 0, NULL, 0, out_bytes, dst, src, 0.f};
        const double t = timed(kCopy, 1, w);
        if (r >= 0) samples[r] = (double)out_bytes / t;
      }
      memcpy_rate = median(samples, reps);
    }
  }

  atomic_store(&g_generation, -1);
  pthread_join(thread, NULL);

  static const char* const names[3] = {"plain", "prefetch_nta", "prefetch_l2"};
  for (int threads = 1; threads <= kMaxThreads; ++threads) {
    double best = 0.;
    for (int v = 0; v < 3; ++v) {
      const double rate = gather_rate[v][threads - 1];
      printf("gather_%s_rows_per_s_%dt %.6g\n", names[v], threads, rate);
      if (rate > best) best = rate;
    }
    printf("gather_rows_per_s_%dt %.6g\n", threads, best);
  }
  printf("write_bytes_per_s_1t %.6g\n", write_rate[0]);
  printf("write_bytes_per_s_2t %.6g\n", write_rate[1]);
  printf("memcpy_bytes_per_s_1t %.6g\n", memcpy_rate);
  printf("sink %g\n", (double)sink + (double)g_evict_sink + (double)dst[out_bytes / 2]);
  return 0;
}
