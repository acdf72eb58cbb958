// Numeric packing, write_numeric_in_order (ragged values in order), next to a plain memcpy of the
// same output bytes: B = 256 examples of 1..50 steps (N1's lengths), E values per step, the
// column alone (stride = E) or in a wider layer (stride = E + 16), with and without a
// max_length window (max_length 32, padding 'pre'). Counter: output bytes per second.
#include <benchmark/benchmark.h>

#include "bench_common.h"
#include "numeric_kernel.h"

namespace seqfeat::bench {
namespace {

struct Ragged {
  std::vector<int64_t> entries{0}, lengths, first_step, kept, base;
  std::vector<float> values;
  int64_t steps = 0;
};

Ragged draw(int64_t E, int64_t max_length) {
  Ragged r;
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int64_t> len(1, 50);
  std::uniform_real_distribution<float> v(0.f, 1.f);
  for (int64_t b = 0; b < 256; ++b) {
    const int64_t L = len(rng);
    r.lengths.push_back(L);
    r.steps = std::max(r.steps, L);
    for (int64_t i = 0; i < L * E; ++i) r.values.push_back(v(rng));
    r.entries.push_back(static_cast<int64_t>(r.values.size()));
    if (max_length > 0) {
      const int64_t k = std::min(L, max_length);
      r.kept.push_back(k);
      r.first_step.push_back(0);
      r.base.push_back(max_length - k);
    }
  }
  if (max_length > 0) r.steps = max_length;
  return r;
}

void BM_Numeric(benchmark::State& state) {
  const int64_t E = state.range(0), max_length = state.range(2);
  const bool wide = state.range(1) != 0;
  const Ragged r = draw(E, max_length);
  const int64_t stride = wide ? E + 16 : E;
  std::vector<float> out(static_cast<size_t>(256 * r.steps * stride));
  NumericRows rows;
  rows.values = r.values.data();
  rows.example_entries = r.entries.data();
  rows.width = E;
  if (max_length > 0) rows.window = StepWindow{r.first_step.data(), r.kept.data(), r.base.data()};
  rows.out = out.data();
  rows.steps = r.steps;
  rows.stride = stride;
  for (auto _ : state) {
    write_numeric_in_order(rows, 0, 256);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 256 * r.steps * E * 4);
}

// memcpy of the bytes the column writes: the ceiling N1 is measured against.
void BM_Memcpy(benchmark::State& state) {
  const int64_t E = state.range(0);
  const Ragged r = draw(E, 0);
  const size_t n = static_cast<size_t>(256 * r.steps * E);
  std::vector<float> src(n, 1.f), dst(n);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), n * sizeof(float));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(n * sizeof(float)));
}

BENCHMARK(BM_Numeric)
    ->ArgNames({"E", "wide", "max_length"})
    ->ArgsProduct({{1, 8, 32}, {0, 1}, {0, 32}})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Memcpy)->ArgName("E")->Arg(1)->Arg(8)->Arg(32)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace seqfeat::bench

BENCHMARK_MAIN();
