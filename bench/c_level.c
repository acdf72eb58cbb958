/* The C-level figure of bench/compare_torch.py: one call of the C ABI (the batch's features
 * added as ragged views, then seqfeat_features_pack_into into a caller buffer), timed inside C
 * so that the figure holds no ctypes or Python time. Loaded by the benchmark with ctypes. */
#define _POSIX_C_SOURCE 199309L
#include <seqfeat/seqfeat.h>

#include <stdint.h>
#include <time.h>

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Adds count ragged features sharing row_splits / step_splits (keys[i], dtypes[i], values[i],
 * num_values each) to batch and packs them into out / lengths. Returns the nanoseconds the
 * adds and the pack took, or -1 with *status set when a call failed. */
int64_t seqfeat_bench_pack_ragged(const seqfeat_features* features, seqfeat_batch* batch,
                                  int32_t count, const char* const* keys,
                                  const int32_t* dtypes, const void* const* values,
                                  int64_t num_values, int64_t batch_size,
                                  const int64_t* row_splits, int64_t num_steps,
                                  const int64_t* step_splits, const seqfeat_pack_options* opts,
                                  float* out, size_t out_count, int64_t* lengths,
                                  size_t lengths_count, int32_t* status) {
  const int64_t t0 = now_ns();
  for (int32_t i = 0; i < count; ++i) {
    *status = seqfeat_batch_add_ragged(batch, keys[i], batch_size, row_splits, num_steps,
                                       step_splits, dtypes[i], values[i], num_values);
    if (*status != SEQFEAT_OK) return -1;
  }
  *status = seqfeat_features_pack_into(features, batch, opts, out, out_count, lengths,
                                       lengths_count, NULL, 0, NULL);
  const int64_t t1 = now_ns();
  return *status == SEQFEAT_OK ? t1 - t0 : -1;
}
