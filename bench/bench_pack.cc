// Full SequenceFeatures::pack_into on the workloads of docs/performance.md (plan + execute), into a
// preallocated buffer, at 1 and 2 threads. Every iteration draws a fresh batch; for the
// DRAM-sized workloads (W2, W3) the caches are also evicted first (outside the timed region,
// see Evictor); W1's table stays cache-resident as in docs/performance.md.
//
// BM_Plan times the plan phase alone (output_shape runs the same validation and lookups), so
// its share of a pack can be read off.
#include <benchmark/benchmark.h>

#include "bench_common.h"

namespace seqfeat::bench {
namespace {

struct Workload {
  const char* name;
  Spec spec;
  int64_t dim;  // table dimension (0 for numeric)
  Combiner combiner;
  bool dram;
};

const Workload kWorkloads[] = {
    {"W1", {256, 50, 1, 1, 100000, 0, false, 0}, 32, Combiner::kMean, false},
    {"W2_mean", {512, 100, 1, 5, 1000000, 0, false, 0}, 64, Combiner::kMean, true},
    {"W2_wmean", {512, 100, 1, 5, 1000000, 0, true, 0}, 64, Combiner::kMean, true},
    {"W2_zipf", {512, 100, 1, 5, 1000000, 1.05, false, 0}, 64, Combiner::kMean, true},
    {"W3", {1024, 20, 1, 1, 10000000, 0, false, 0}, 16, Combiner::kMean, true},
    {"N1_E1", {256, 50, 1, 1, 1, 0, false, 1}, 0, Combiner::kMean, false},
    {"N1_E8", {256, 50, 1, 1, 1, 0, false, 8}, 0, Combiner::kMean, false},
};

struct Fixture {
  std::vector<float> table;
  std::unique_ptr<SequenceFeatures> layer;
};

Fixture& fixture(const Workload& w) {
  static std::string current;
  static Fixture f;
  if (current != w.name) {
    f = Fixture{};
    if (w.spec.numeric_width > 0) {
      auto col = std::make_shared<NumericColumn>("x", true, std::vector<int64_t>{w.spec.numeric_width},
                                                 0.f, DType::kFloat32, Normalizer{});
      f.layer = std::make_unique<SequenceFeatures>(
          std::vector<std::shared_ptr<const Column>>{col});
    } else {
      f.table = random_table(w.spec.rows, w.dim);
      f.layer = std::make_unique<SequenceFeatures>(
          embedding_layer(w.spec.rows, w.dim, w.combiner, w.spec.weighted, f.table));
    }
    current = w.name;
  }
  return f;
}

void BM_Pack(benchmark::State& state, const Workload* w, bool plan_only) {
  Fixture& f = fixture(*w);
  Generator gen(w->spec);
  RaggedFeature feat;
  Batch batch;
  PackOptions opt;
  opt.num_threads = static_cast<int>(state.range(0));
  const int64_t depth = f.layer->depth();
  std::vector<float> out(static_cast<size_t>(w->spec.batch * w->spec.max_len * depth));
  std::vector<int64_t> lengths(static_cast<size_t>(w->spec.batch));
  int64_t entries = 0;
  std::unique_ptr<Evictor> evict;
  if (w->dram) evict = std::make_unique<Evictor>(*f.layer, w->spec.rows, w->dim, w->spec.weighted);
  for (auto _ : state) {
    state.PauseTiming();
    gen.draw(feat);
    batch.clear();
    add_to_batch(batch, feat);
    entries += feat.entries();
    if (evict) (*evict)();
    state.ResumeTiming();
    if (plan_only) {
      benchmark::DoNotOptimize(f.layer->output_shape(batch, opt));
    } else {
      f.layer->pack_into(batch, opt, out.data(), out.size(), lengths.data(), lengths.size(),
                         nullptr, 0, nullptr);
    }
    benchmark::ClobberMemory();
  }
  state.counters["lookups/s"] = benchmark::Counter(static_cast<double>(entries),
                                                   benchmark::Counter::kIsRate);
}

int register_all() {
  for (const Workload& w : kWorkloads) {
    benchmark::RegisterBenchmark((std::string("BM_Pack/") + w.name).c_str(), BM_Pack, &w, false)
        ->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime()->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((std::string("BM_Plan/") + w.name).c_str(), BM_Pack, &w, true)
        ->Arg(1)->ArgName("threads")->UseRealTime()->Unit(benchmark::kMicrosecond);
  }
  return 0;
}
const int registered = register_all();

}  // namespace
}  // namespace seqfeat::bench

BENCHMARK_MAIN();
