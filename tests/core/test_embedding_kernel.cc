// The fused embedding-bag kernel: select_combine(D) against combine_reference and against an
// independent double-precision oracle written here, on random bags (negative ids, repeated ids,
// empty and all-pruned bags, non-positive weights), with and without max_norm, for every
// combiner; plus one hand-derived case per dimension.
#include "embedding_kernel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace seqfeat {
namespace {

const int64_t kDimensions[] = {1, 3, 8, 16, 32, 64, 100, 128, 300};
const Combiner kCombiners[] = {Combiner::kSum, Combiner::kMean, Combiner::kSqrtn};

// compatibility.md §6.3 in double precision. Also returns, per output element, the magnitude
// Σ |w_i clip(e_i)_d| / denom, the scale against which float rounding is measured.
void oracle(const EmbeddingArgs& a, int64_t begin, int64_t end, std::vector<double>& out,
            std::vector<double>& magnitude) {
  const int64_t dim = a.dimension;
  out.assign(static_cast<size_t>(dim), 0.0);
  magnitude.assign(static_cast<size_t>(dim), 0.0);
  int64_t n = 0;
  double wsum = 0, w2sum = 0;
  for (int64_t i = begin; i < end; ++i) {
    const int64_t id = a.ids[i];
    if (id < 0) continue;                                           // step 3: negative ids
    const double w = a.weights ? a.weights[i] : 1.0;
    if (a.weights && a.combiner != Combiner::kSum && !(w > 0)) continue;  // step 4
    const float* row = a.table + id * dim;
    double scale = 1.0;
    if (a.has_max_norm) {                                           // step 6: clip first
      double l2 = 0;
      for (int64_t d = 0; d < dim; ++d) l2 += static_cast<double>(row[d]) * row[d];
      scale = a.max_norm / std::max(std::sqrt(l2), static_cast<double>(a.max_norm));
    }
    for (int64_t d = 0; d < dim; ++d) {
      out[d] += w * scale * row[d];
      magnitude[d] += std::fabs(w * scale * row[d]);
    }
    ++n;
    wsum += w;
    w2sum += w * w;
  }
  if (n == 0) return;                                               // step 8: empty -> 0
  double denom = 1;
  if (a.combiner == Combiner::kMean) denom = a.weights ? wsum : static_cast<double>(n);
  if (a.combiner == Combiner::kSqrtn) denom = std::sqrt(a.weights ? w2sum : static_cast<double>(n));
  for (int64_t d = 0; d < dim; ++d) {
    out[d] /= denom;
    magnitude[d] /= std::fabs(denom);
  }
}

// |actual - expected| <= 1e-5 * max(|expected|, magnitude): relative to the size of the terms
// that were summed (a sum that cancels to ~0 is still held to the terms' precision).
void expect_close(const float* actual, const std::vector<double>& expected,
                  const std::vector<double>& magnitude, const char* what) {
  for (size_t d = 0; d < expected.size(); ++d) {
    const double bound = 1e-5 * std::max(std::fabs(expected[d]), magnitude[d]);
    ASSERT_LE(std::fabs(actual[d] - expected[d]), bound)
        << what << " at d = " << d << ": " << actual[d] << " vs " << expected[d];
  }
}

TEST(EmbeddingKernel, SelectedKernelMatchesReferenceOnRandomBags) {
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<float> uniform(-1.f, 1.f);
  for (int64_t dim : kDimensions) {
    SCOPED_TRACE(dim);
    constexpr int64_t kRows = 40;
    // Rows of very different norms, so that max_norm clips some and leaves others.
    std::vector<float> table(static_cast<size_t>(kRows * dim));
    for (int64_t r = 0; r < kRows; ++r) {
      const float row_scale = 0.1f + 2.9f * static_cast<float>(rng() % 1000) / 1000.f;
      for (int64_t d = 0; d < dim; ++d) table[r * dim + d] = uniform(rng) * row_scale;
    }
    // Bags of 0..12 entries; ids in [-3, rows) (negatives are pruned), repeats are common.
    std::vector<int64_t> ids, bags{0};
    std::vector<float> weights;
    for (int bag = 0; bag < 120; ++bag) {
      const int size = static_cast<int>(rng() % 13);
      for (int i = 0; i < size; ++i) {
        ids.push_back(static_cast<int64_t>(rng() % (kRows + 3)) - 3);
        const auto pick = rng() % 8;  // 1/8 zero, 1/8 negative, else positive
        weights.push_back(pick == 0 ? 0.f
                          : pick == 1 ? -static_cast<float>(rng() % 100) / 50.f
                                      : 0.05f + static_cast<float>(rng() % 100) / 40.f);
      }
      bags.push_back(static_cast<int64_t>(ids.size()));
    }
    // All-pruned bags: only negative ids; only non-positive weights.
    for (int64_t id : {-1, -2}) ids.push_back(id), weights.push_back(1.f);
    bags.push_back(static_cast<int64_t>(ids.size()));
    for (float w : {0.f, -1.f}) ids.push_back(1), weights.push_back(w);
    bags.push_back(static_cast<int64_t>(ids.size()));

    const CombineFn fast = select_combine(dim);
    ASSERT_NE(fast, nullptr);
    const float typical_norm = std::sqrt(static_cast<float>(dim) / 3.f);
    std::vector<float> out_fast(static_cast<size_t>(dim)), out_ref(static_cast<size_t>(dim));
    std::vector<double> expected, magnitude;
    for (Combiner combiner : kCombiners)
      for (bool weighted : {false, true})
        for (bool clip : {false, true}) {
          SCOPED_TRACE(::testing::Message() << "combiner " << static_cast<int>(combiner)
                                            << " weighted " << weighted << " max_norm " << clip);
          EmbeddingArgs args;
          args.table = table.data();
          args.dimension = dim;
          args.combiner = combiner;
          args.has_max_norm = clip;
          args.max_norm = clip ? typical_norm : 0.f;
          args.ids = ids.data();
          args.weights = weighted ? weights.data() : nullptr;
          args.num_entries = static_cast<int64_t>(ids.size());
          for (size_t bag = 0; bag + 1 < bags.size(); ++bag) {
            SCOPED_TRACE(bag);
            std::fill(out_fast.begin(), out_fast.end(), std::numeric_limits<float>::quiet_NaN());
            std::fill(out_ref.begin(), out_ref.end(), std::numeric_limits<float>::quiet_NaN());
            fast(args, bags[bag], bags[bag + 1], out_fast.data());
            combine_reference(args, bags[bag], bags[bag + 1], out_ref.data());
            oracle(args, bags[bag], bags[bag + 1], expected, magnitude);
            expect_close(out_ref.data(), expected, magnitude, "combine_reference vs oracle");
            expect_close(out_fast.data(), expected, magnitude, "select_combine vs oracle");
            for (int64_t d = 0; d < dim; ++d)
              ASSERT_LE(std::fabs(out_fast[d] - out_ref[d]),
                        1e-5 * std::max({std::fabs(static_cast<double>(out_ref[d])),
                                         magnitude[d], 0.0}))
                  << "select_combine vs combine_reference at d = " << d;
          }
        }
  }
}

// By hand, for every D >= 3 (rows are zero beyond the first three components):
//   A = (1, 2, 2) |A| = 3, B = (0, 0, 4) |B| = 4, max_norm 2:
//   A' = A * 2 / 3 = (2/3, 4/3, 4/3), B' = B * 2 / 4 = (0, 0, 2).
//   mean {A, B}                 = (1/3, 2/3, 5/3)
//   weighted sum (2, -1)        = 2 A' - B' = (4/3, 8/3, 2/3)
//   weighted sqrtn (2, -1)      = -1 is pruned: 2 A' / sqrt(4) = A'
//   unweighted sqrtn {A, A, -4} = 2 A' / sqrt(2) (the negative id does not count in n)
TEST(EmbeddingKernel, HandDerivedClippingAndCombining) {
  for (int64_t dim : kDimensions) {
    SCOPED_TRACE(dim);
    if (dim < 3) continue;  // D = 1 is covered by the random test
    std::vector<float> table(static_cast<size_t>(2 * dim), 0.f);
    const float a[3] = {1, 2, 2}, b[3] = {0, 0, 4};
    for (int64_t d = 0; d < 3; ++d) {
      table[d] = a[d];
      table[dim + d] = b[d];
    }
    const std::vector<int64_t> ids = {0, 1, 0, 0, -4};
    const std::vector<float> weights = {2.f, -1.f, 1.f, 1.f, 1.f};
    EmbeddingArgs args;
    args.table = table.data();
    args.dimension = dim;
    args.has_max_norm = true;
    args.max_norm = 2.f;
    args.ids = ids.data();
    args.num_entries = static_cast<int64_t>(ids.size());
    auto run = [&](Combiner combiner, bool weighted, int64_t begin, int64_t end) {
      args.combiner = combiner;
      args.weights = weighted ? weights.data() : nullptr;
      std::vector<float> out(static_cast<size_t>(dim), std::numeric_limits<float>::quiet_NaN());
      select_combine(dim)(args, begin, end, out.data());
      return out;
    };
    auto expect3 = [&](const std::vector<float>& out, float x, float y, float z) {
      EXPECT_NEAR(out[0], x, 1e-6f);
      EXPECT_NEAR(out[1], y, 1e-6f);
      EXPECT_NEAR(out[2], z, 1e-6f);
      for (int64_t d = 3; d < dim; ++d) EXPECT_EQ(out[d], 0.f) << d;
    };
    expect3(run(Combiner::kMean, false, 0, 2), 1.f / 3, 2.f / 3, 5.f / 3);
    expect3(run(Combiner::kSum, true, 0, 2), 4.f / 3, 8.f / 3, 2.f / 3);
    expect3(run(Combiner::kSqrtn, true, 0, 2), 2.f / 3, 4.f / 3, 4.f / 3);
    const float r2 = std::sqrt(2.f);
    expect3(run(Combiner::kSqrtn, false, 2, 5), 4.f / 3 / r2, 8.f / 3 / r2, 8.f / 3 / r2);
    expect3(run(Combiner::kMean, false, 4, 5), 0, 0, 0);  // all pruned -> 0
    expect3(run(Combiner::kMean, false, 3, 3), 0, 0, 0);  // empty -> 0
  }
}

}  // namespace
}  // namespace seqfeat
