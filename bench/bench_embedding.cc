// The embedding-bag kernel family (select_embed_examples) on synthetic bags: B = 256 examples of
// 1..50 steps, 1..5 ids per step (unless stated), the column alone in the output (stride = D).
//
//   BM_Combine/<variant>/D/combiner/weighted/max_norm   the hand-vectorised kernel (AVX2 build
//        and the x86-64-v2 baseline build) by dimension, combiner, weights and max_norm; table
//        of 100 000 rows, ids uniform.
//   BM_Variants/<variant>/rows/D/min_ids/max_ids         hand-vectorised vs BLAS side by side:
//        hand vs blas_gemm (multi-hot x table through cblas_sgemm) on small vocabularies, and
//        hand vs blas_axpy (cblas_saxpy accumulation) on long rows. `auto` is what the packer
//        dispatches to.
//
// Each iteration packs one of 8 pre-drawn batches in turn; the counter is looked-up ids/s.
#include <benchmark/benchmark.h>

#include "bench_common.h"
#include "embedding_kernel.h"

namespace seqfeat::bench {
namespace {

struct Bags {
  std::vector<int64_t> example_bags{0}, bag_step, bag_entries{0}, ids;
  std::vector<float> weights;
  int64_t steps = 0;
};

Bags draw_bags(std::mt19937_64& rng, int64_t batch, int64_t max_len, int64_t min_ids,
               int64_t max_ids, int64_t rows) {
  Bags b;
  std::uniform_int_distribution<int64_t> len(1, max_len), per(min_ids, max_ids), id(0, rows - 1);
  std::uniform_real_distribution<float> w(0.5f, 1.5f);
  for (int64_t e = 0; e < batch; ++e) {
    const int64_t L = len(rng);
    b.steps = std::max(b.steps, L);
    for (int64_t t = 0; t < L; ++t) {
      b.bag_step.push_back(t);
      const int64_t n = per(rng);
      for (int64_t i = 0; i < n; ++i) {
        b.ids.push_back(id(rng));
        b.weights.push_back(w(rng));
      }
      b.bag_entries.push_back(static_cast<int64_t>(b.ids.size()));
    }
    b.example_bags.push_back(static_cast<int64_t>(b.bag_step.size()));
  }
  return b;
}

struct Case {
  int64_t rows, dim, min_ids, max_ids;
  Combiner combiner;
  bool weighted, max_norm;
  EmbedVariant variant;
  Isa isa;
};

void run(benchmark::State& state, const Case& c) {
  const std::vector<float> table = random_table(c.rows, c.dim);
  std::mt19937_64 rng(42);
  std::vector<Bags> batches;
  for (int i = 0; i < 8; ++i) batches.push_back(draw_bags(rng, 256, 50, c.min_ids, c.max_ids, c.rows));
  std::vector<float> out(static_cast<size_t>(256 * 50 * c.dim));
  int64_t ids = 0;
  size_t k = 0;
  for (auto _ : state) {
    const Bags& b = batches[k++ % batches.size()];
    EmbeddingArgs a;
    a.table = table.data();
    a.dimension = c.dim;
    a.combiner = c.combiner;
    a.has_max_norm = c.max_norm;
    a.max_norm = 0.5f;
    a.ids = b.ids.data();
    a.weights = c.weighted ? b.weights.data() : nullptr;
    a.num_entries = static_cast<int64_t>(b.ids.size());
    a.rows = c.rows;
    a.num_bags = static_cast<int64_t>(b.bag_step.size());
    BagOutput o;
    o.example_bags = b.example_bags.data();
    o.bag_step = b.bag_step.data();
    o.bag_entries = b.bag_entries.data();
    o.out = out.data();
    o.steps = b.steps;
    o.stride = c.dim;
    const EmbedExamplesFn fn = select_embed_examples(a, c.isa, c.variant);
    if (!fn) {
      state.SkipWithError("variant does not apply");
      break;
    }
    fn(a, o, 0, 256);
    benchmark::ClobberMemory();
    ids += a.num_entries;
  }
  state.counters["ids/s"] = benchmark::Counter(static_cast<double>(ids), benchmark::Counter::kIsRate);
}

const char* variant_name(EmbedVariant v, Isa isa) {
  switch (v) {
    case EmbedVariant::kAuto: return "auto";
    case EmbedVariant::kBlasGemm: return "blas_gemm";
    case EmbedVariant::kBlasAxpy: return "blas_axpy";
    default: return isa == Isa::kBaseline ? "hand_x86-64-v2" : "hand";
  }
}

const char* combiner_name(Combiner c) {
  return c == Combiner::kSum ? "sum" : c == Combiner::kMean ? "mean" : "sqrtn";
}

void add(const std::string& family, const Case& c, const std::string& shape) {
  const std::string name = family + "/" + variant_name(c.variant, c.isa) + "/" + shape;
  benchmark::RegisterBenchmark(name.c_str(), [c](benchmark::State& s) { run(s, c); })
      ->Unit(benchmark::kMicrosecond);
}

int register_all() {
  const int64_t kRows = 100000;
  // By dimension, combiner, weights and max_norm.
  for (const Isa isa : {Isa::kBest, Isa::kBaseline}) {
    for (const int64_t d : {8, 16, 32, 64, 100, 128, 256})
      for (const Combiner comb : {Combiner::kMean, Combiner::kSum, Combiner::kSqrtn})
        for (const bool weighted : {false, true})
          for (const bool max_norm : {false, true}) {
            if (d != 64 && (comb != Combiner::kMean || weighted || max_norm)) continue;
            if (d == 64 && max_norm && comb != Combiner::kMean) continue;
            const Case c{kRows, d, 1, 5, comb, weighted, max_norm, EmbedVariant::kHand, isa};
            add("BM_Combine", c,
                "D:" + std::to_string(d) + "/" + combiner_name(comb) +
                    "/weighted:" + std::to_string(weighted) + "/max_norm:" + std::to_string(max_norm));
          }
    // One id per step (the row-copy path).
    for (const int64_t d : {16, 32, 64}) {
      const Case c{kRows, d, 1, 1, Combiner::kMean, false, false, EmbedVariant::kHand, isa};
      add("BM_Combine", c, "D:" + std::to_string(d) + "/one_id_per_step");
    }
  }
  // Hand-vectorised vs multi-hot x table (cblas_sgemm) on small vocabularies.
  for (const int64_t rows : {4, 8, 16, 64, 512})
    for (const int64_t d : {16, 64, 128})
      for (const auto ids : {std::pair<int64_t, int64_t>{1, 5}, {8, 16}, {16, 32}})
        for (const EmbedVariant v : {EmbedVariant::kHand, EmbedVariant::kBlasGemm, EmbedVariant::kAuto}) {
          const Case c{rows, d, ids.first, ids.second, Combiner::kMean, false, false, v, Isa::kBest};
          add("BM_Variants", c,
              "rows:" + std::to_string(rows) + "/D:" + std::to_string(d) + "/ids:" +
                  std::to_string(ids.first) + "-" + std::to_string(ids.second));
        }
  // Hand-vectorised vs cblas_saxpy accumulation on long rows.
  for (const int64_t d : {64, 256, 1024})
    for (const EmbedVariant v : {EmbedVariant::kHand, EmbedVariant::kBlasAxpy, EmbedVariant::kAuto}) {
      const Case c{20000, d, 1, 5, Combiner::kMean, true, false, v, Isa::kBest};
      add("BM_Variants", c, "rows:20000/D:" + std::to_string(d) + "/ids:1-5/weighted");
    }
  return 0;
}
const int registered = register_all();

}  // namespace
}  // namespace seqfeat::bench

BENCHMARK_MAIN();
