// Every variant of the packing kernels against a naive loop on random inputs:
//   - embed_examples: hand-vectorised (baseline and AVX2 builds, plain and non-temporal stores),
//     BLAS gemm (multi-hot x table) and BLAS axpy, for several dimensions, all combiners, weights (with non-positive ones),
//     max_norm, negative ids, empty bags, skipped steps, and the max_length window (truncating
//     and padding at either end), written into a wider output (column offset, stride = ΣD);
//   - write_numeric_in_order with and without a window, zero and non-zero default;
//   - write_indicator_rows (hand and the per-bag variants), weighted and not.
// The naive loop is combine_reference per bag plus explicit zero / default steps.
#include <array>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "embedding_kernel.h"
#include "indicator_kernel.h"
#include "numeric_kernel.h"

namespace seqfeat {
namespace {

// A random batch of bags: example b has up to max_steps natural steps; each present step has a
// bag of 0..max_bag entries (ids in [-2, rows), weights in [-0.5, 1.5)).
struct RandomBags {
  int64_t batch = 0, rows = 0;
  std::vector<int64_t> example_bags{0}, bag_step, bag_entries{0}, ids, lengths;
  std::vector<float> weights;

  RandomBags(std::mt19937_64& rng, int64_t batch_size, int64_t max_steps, int64_t max_bag,
             int64_t table_rows, bool univalent)
      : batch(batch_size), rows(table_rows) {
    std::uniform_int_distribution<int64_t> steps(0, max_steps), bag(univalent ? 1 : 0, max_bag);
    std::uniform_int_distribution<int64_t> id(-2, table_rows - 1);
    std::uniform_real_distribution<float> w(-0.5f, 1.5f);
    std::bernoulli_distribution skip(univalent ? 0.0 : 0.2);
    for (int64_t b = 0; b < batch; ++b) {
      const int64_t L = steps(rng);
      int64_t length = 0;
      for (int64_t t = 0; t < L; ++t) {
        if (skip(rng)) continue;  // a step without a bag (sparse input)
        bag_step.push_back(t);
        const int64_t n = univalent ? 1 : bag(rng);
        for (int64_t i = 0; i < n; ++i) {
          ids.push_back(id(rng));
          weights.push_back(w(rng));
        }
        bag_entries.push_back(static_cast<int64_t>(ids.size()));
        length = t + 1;
      }
      example_bags.push_back(static_cast<int64_t>(bag_step.size()));
      lengths.push_back(length);
    }
  }
};

// The per-example step window of pack_into for max_length M (truncating / padding 'pre' or
// 'post'); M == 0: no window.
struct Window {
  std::vector<int64_t> first_step, kept, base;
  int64_t steps = 0;
  bool active = false;
  Window(const std::vector<int64_t>& lengths, int64_t max_length, bool pad_pre, bool trunc_pre) {
    steps = 0;
    for (int64_t L : lengths) steps = std::max(steps, L);
    if (max_length == 0) return;
    active = true;
    steps = max_length;
    for (int64_t L : lengths) {
      const int64_t k = std::min(L, max_length);
      kept.push_back(k);
      first_step.push_back(L > max_length && trunc_pre ? L - max_length : 0);
      base.push_back(pad_pre ? max_length - k : 0);
    }
  }
  // The kernels' view of this window.
  StepWindow view() const {
    if (!active) return {};
    return {first_step.data(), kept.data(), base.data()};
  }
  // Output step of natural step s of example b, or -1.
  int64_t map(int64_t b, int64_t s) const {
    if (!active) return s;
    const int64_t rel = s - first_step[b];
    return rel < 0 || rel >= kept[b] ? -1 : base[b] + rel;
  }
};

std::vector<float> random_table(std::mt19937_64& rng, int64_t rows, int64_t dim) {
  std::vector<float> t(static_cast<size_t>(rows * dim));
  std::normal_distribution<float> n(0.f, 0.7f);
  for (auto& v : t) v = n(rng);
  return t;
}

void expect_near_all(const std::vector<float>& actual, const std::vector<float>& expected,
                     const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    const float tol = 2e-5f * std::max(1.f, std::fabs(expected[i]));
    if (!(std::fabs(actual[i] - expected[i]) <= tol) &&
        !(std::isnan(actual[i]) && std::isnan(expected[i]))) {
      ADD_FAILURE() << what << ": element " << i << " is " << actual[i] << ", expected "
                    << expected[i];
      return;
    }
  }
}

const char* name(EmbedVariant v, Isa isa) {
  switch (v) {
    case EmbedVariant::kBlasGemm: return "blas_gemm";
    case EmbedVariant::kBlasAxpy: return "blas_axpy";
    default: return isa == Isa::kBaseline ? "hand_baseline" : "hand_avx2";
  }
}

TEST(KernelsPerf, EmbedExamplesVariantsMatchNaiveLoop) {
  std::mt19937_64 rng(20240611);
  const int64_t dims[] = {1, 3, 8, 16, 24, 32, 64, 128, 200, 300};
  const Combiner combiners[] = {Combiner::kSum, Combiner::kMean, Combiner::kSqrtn};
  const struct { EmbedVariant variant; Isa isa; } variants[] = {
      {EmbedVariant::kHand, Isa::kBaseline}, {EmbedVariant::kHand, Isa::kAvx2},
      {EmbedVariant::kBlasGemm, Isa::kBest}, {EmbedVariant::kBlasAxpy, Isa::kBest},
      {EmbedVariant::kAuto, Isa::kBest}};
  const struct { int64_t max_length; bool pad_pre, trunc_pre; } windows[] = {
      {0, false, false}, {4, false, false}, {4, true, true}, {9, true, false}};
  int checked = 0;
  for (const int64_t D : dims) {
    for (const bool univalent : {false, true}) {
      const int64_t rows = univalent ? 50 : 37;
      const std::vector<float> table = random_table(rng, rows, D);
      RandomBags bags(rng, 23, 7, 5, rows, univalent);
      for (const Combiner combiner : combiners)
        for (const bool weighted : {false, true})
          for (const bool max_norm : {false, true})
            for (const auto& win : windows) {
              const Window window(bags.lengths, win.max_length, win.pad_pre, win.trunc_pre);
              EmbeddingArgs a;
              a.table = table.data();
              a.dimension = D;
              a.combiner = combiner;
              a.has_max_norm = max_norm;
              a.max_norm = 0.9f;
              a.ids = bags.ids.data();
              a.weights = weighted ? bags.weights.data() : nullptr;
              a.num_entries = static_cast<int64_t>(bags.ids.size());
              a.rows = rows;
              a.num_bags = static_cast<int64_t>(bags.bag_step.size());
              // The layer's output is wider than the column: offset 2, stride D + 5.
              const int64_t stride = D + 5, offset = 2, T = window.steps;
              const float sentinel = -777.f;
              std::vector<float> expected(static_cast<size_t>(bags.batch * T * stride), sentinel);
              for (int64_t b = 0; b < bags.batch; ++b) {
                for (int64_t t = 0; t < T; ++t)
                  std::fill_n(expected.data() + (b * T + t) * stride + offset, D, 0.f);
                for (int64_t g = bags.example_bags[b]; g < bags.example_bags[b + 1]; ++g) {
                  const int64_t t = window.map(b, bags.bag_step[g]);
                  if (t < 0) continue;
                  combine_reference(a, bags.bag_entries[g], bags.bag_entries[g + 1],
                                    expected.data() + (b * T + t) * stride + offset);
                }
              }
              BagOutput o;
              o.example_bags = bags.example_bags.data();
              o.bag_step = bags.bag_step.data();
              o.bag_entries = bags.bag_entries.data();
              o.window = window.view();
              o.steps = T;
              o.stride = stride;
              for (const auto& v : variants)
                for (const bool stream : {false, true}) {
                if (stream && v.variant != EmbedVariant::kHand) continue;
                o.stream = stream;
                const EmbedExamplesFn fn = select_embed_examples(a, v.isa, v.variant);
                if (v.variant == EmbedVariant::kBlasGemm && max_norm) {
                  EXPECT_EQ(fn, nullptr);
                  continue;
                }
                ASSERT_NE(fn, nullptr);
                std::vector<float> out(expected.size(), sentinel);
                o.out = out.data() + offset;
                // Two ranges, as two threads would write them.
                fn(a, o, 0, 9);
                fn(a, o, 9, bags.batch);
                expect_near_all(out, expected,
                                std::string(name(v.variant, v.isa)) + " D=" + std::to_string(D) +
                                    " combiner=" + std::to_string(static_cast<int>(combiner)) +
                                    " weighted=" + std::to_string(weighted) +
                                    " max_norm=" + std::to_string(max_norm) +
                                    " univalent=" + std::to_string(univalent) +
                                    " max_length=" + std::to_string(win.max_length) +
                                    " stream=" + std::to_string(stream));
                ++checked;
              }
            }
    }
  }
  EXPECT_GT(checked, 2000);
}

TEST(KernelsPerf, NumericInOrderMatchesNaiveLoop) {
  std::mt19937_64 rng(7);
  for (const int64_t E : {1, 3, 8}) {
    for (const float def : {0.f, -1.5f}) {
      for (const auto win : {std::array<int64_t, 3>{0, 0, 0}, std::array<int64_t, 3>{3, 1, 0},
                             std::array<int64_t, 3>{3, 0, 1}, std::array<int64_t, 3>{6, 1, 1}}) {
        // Ragged values: example b has L_b steps of E values.
        const int64_t B = 17;
        std::uniform_int_distribution<int64_t> len(0, 6);
        std::vector<int64_t> lengths, entries{0};
        std::vector<float> values;
        for (int64_t b = 0; b < B; ++b) {
          lengths.push_back(len(rng));
          for (int64_t i = 0; i < lengths.back() * E; ++i)
            values.push_back(std::normal_distribution<float>(0.f, 1.f)(rng));
          entries.push_back(static_cast<int64_t>(values.size()));
        }
        const Window window(lengths, win[0], win[1] != 0, win[2] != 0);
        const int64_t T = window.steps, stride = E + 3, offset = 1;
        std::vector<float> expected(static_cast<size_t>(B * T * stride), 99.f);
        for (int64_t b = 0; b < B; ++b) {
          for (int64_t t = 0; t < T; ++t)
            std::fill_n(expected.data() + (b * T + t) * stride + offset, E, def);
          for (int64_t s = 0; s < lengths[b]; ++s) {
            const int64_t t = window.map(b, s);
            if (t < 0) continue;
            for (int64_t j = 0; j < E; ++j)
              expected[(b * T + t) * stride + offset + j] = values[entries[b] + s * E + j];
          }
        }
        NumericRows r;
        r.values = values.data();
        r.example_entries = entries.data();
        r.width = E;
        r.default_value = def;
        r.window = window.view();
        std::vector<float> out(expected.size(), 99.f);
        r.out = out.data() + offset;
        r.steps = T;
        r.stride = stride;
        write_numeric_in_order(r, 0, 5);
        write_numeric_in_order(r, 5, B);
        EXPECT_EQ(out, expected) << "E=" << E << " default=" << def << " window=" << win[0];
        // The same through the dense layout (stride == E, no offset).
        if (!window.active) {
          std::vector<float> dense(static_cast<size_t>(B * T * E), 99.f), want(dense.size());
          for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
              for (int64_t j = 0; j < E; ++j)
                want[(b * T + t) * E + j] = expected[(b * T + t) * stride + offset + j];
          r.out = dense.data();
          r.stride = E;
          write_numeric_in_order(r, 0, B);
          EXPECT_EQ(dense, want) << "E=" << E << " contiguous";
        }
      }
    }
  }
}

TEST(KernelsPerf, IndicatorRowsMatchNaiveLoop) {
  std::mt19937_64 rng(11);
  for (const int64_t buckets : {1, 5, 64, 300}) {
    for (const bool weighted : {false, true}) {
      for (const int64_t max_length : {0, 3}) {
        RandomBags bags(rng, 19, 6, 6, buckets + 3, false);  // some ids >= buckets: dropped
        const Window window(bags.lengths, max_length, max_length > 0, false);
        const int64_t T = window.steps, stride = buckets + 2, offset = 1;
        std::vector<float> expected(static_cast<size_t>(bags.batch * T * stride), 5.f);
        for (int64_t b = 0; b < bags.batch; ++b) {
          for (int64_t t = 0; t < T; ++t)
            std::fill_n(expected.data() + (b * T + t) * stride + offset, buckets, 0.f);
          for (int64_t g = bags.example_bags[b]; g < bags.example_bags[b + 1]; ++g) {
            const int64_t t = window.map(b, bags.bag_step[g]);
            if (t < 0) continue;
            for (int64_t i = bags.bag_entries[g]; i < bags.bag_entries[g + 1]; ++i) {
              const int64_t id = bags.ids[i];
              if (id < 0 || id >= buckets) continue;
              expected[(b * T + t) * stride + offset + id] += weighted ? bags.weights[i] : 1.f;
            }
          }
        }
        IndicatorRows r;
        r.ids = bags.ids.data();
        r.weights = weighted ? bags.weights.data() : nullptr;
        r.buckets = buckets;
        r.example_bags = bags.example_bags.data();
        r.bag_step = bags.bag_step.data();
        r.bag_entries = bags.bag_entries.data();
        r.window = window.view();
        r.steps = T;
        r.stride = stride;
        std::vector<float> out(expected.size(), 5.f);
        r.out = out.data() + offset;
        write_indicator_rows(r, 0, 4);
        write_indicator_rows(r, 4, bags.batch);
        expect_near_all(out, expected, "indicator buckets=" + std::to_string(buckets));
      }
    }
  }
}

}  // namespace
}  // namespace seqfeat
