// Indicator (multi-hot) rows, write_indicator_rows: B = 256 examples of 1..50 steps, by number
// of buckets, ids per step and weights; the column alone in the output (stride = buckets) and
// as part of a wider layer (stride = buckets + 32). Counter: output bytes written per second.
#include <benchmark/benchmark.h>

#include "bench_common.h"
#include "indicator_kernel.h"

namespace seqfeat::bench {
namespace {

void BM_Indicator(benchmark::State& state) {
  const int64_t buckets = state.range(0), max_ids = state.range(1);
  const bool weighted = state.range(2) != 0, wide = state.range(3) != 0;
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> len(1, 50), per(1, max_ids), id(0, buckets - 1);
  std::uniform_real_distribution<float> w(0.5f, 1.5f);
  std::vector<int64_t> example_bags{0}, bag_step, bag_entries{0}, ids;
  std::vector<float> weights;
  int64_t T = 0;
  for (int64_t b = 0; b < 256; ++b) {
    const int64_t L = len(rng);
    T = std::max(T, L);
    for (int64_t t = 0; t < L; ++t) {
      bag_step.push_back(t);
      for (int64_t i = per(rng); i > 0; --i) {
        ids.push_back(id(rng));
        weights.push_back(w(rng));
      }
      bag_entries.push_back(static_cast<int64_t>(ids.size()));
    }
    example_bags.push_back(static_cast<int64_t>(bag_step.size()));
  }
  const int64_t stride = wide ? buckets + 32 : buckets;
  std::vector<float> out(static_cast<size_t>(256 * T * stride));
  IndicatorRows r;
  r.ids = ids.data();
  r.weights = weighted ? weights.data() : nullptr;
  r.buckets = buckets;
  r.example_bags = example_bags.data();
  r.bag_step = bag_step.data();
  r.bag_entries = bag_entries.data();
  r.out = out.data();
  r.steps = T;
  r.stride = stride;
  for (auto _ : state) {
    write_indicator_rows(r, 0, 256);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 256 * T * buckets * 4);
}

BENCHMARK(BM_Indicator)
    ->ArgNames({"buckets", "max_ids", "weighted", "wide"})
    ->ArgsProduct({{8, 64, 512, 4096}, {1, 5}, {0, 1}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace seqfeat::bench

BENCHMARK_MAIN();
