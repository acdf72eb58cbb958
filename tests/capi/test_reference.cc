// A naive, obviously-correct reference of safe_embedding_lookup_sparse (compatibility.md §6.3) checked
// against the library on random batches: random ids (including negative ones), random
// multivalent bags (including empty steps), random weights (including <= 0), random tables,
// every combiner, with and without max_norm, for several dimensions.
#include <random>

#include "capi_test_util.h"

namespace sftest {
namespace {

struct Entry {
  int64_t b, t, k;
  int64_t id;
  float weight;
};

struct Config {
  int64_t dimension;
  int32_t combiner;
  bool weighted;
  bool clip;
};

constexpr int64_t kBuckets = 37;
constexpr float kMaxNorm = 0.9f;

// out[b, t, :] = combine over the bag of (b, t), per compatibility.md §6.3, in double precision.
// Also returns, per output element, the magnitude scale used for the tolerance.
void Reference(const Config& c, int64_t B, int64_t T, const std::vector<Entry>& entries,
               const std::vector<float>& table, std::vector<double>* out,
               std::vector<double>* scale, std::vector<int64_t>* lengths) {
  const int64_t D = c.dimension;
  out->assign(static_cast<size_t>(B * T * D), 0.0);
  scale->assign(out->size(), 0.0);
  lengths->assign(static_cast<size_t>(B), 0);
  for (const Entry& e : entries) (*lengths)[e.b] = std::max((*lengths)[e.b], e.t + 1);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t < T; ++t) {
      std::vector<const Entry*> bag;
      for (const Entry& e : entries) {
        if (e.b != b || e.t != t) continue;
        if (e.id < 0) continue;                                                  // step 3
        if (c.weighted && c.combiner != SEQFEAT_COMBINER_SUM && e.weight <= 0) continue;  // step 4
        bag.push_back(&e);
      }
      if (bag.empty()) continue;  // steps 5 and 8: zero vector
      std::vector<double> acc(D, 0.0), mag(D, 0.0);
      double weight_sum = 0, weight_sq = 0;
      for (const Entry* e : bag) {
        std::vector<double> row(D);
        double norm2 = 0;
        for (int64_t d = 0; d < D; ++d) {
          row[d] = table[e->id * D + d];
          norm2 += row[d] * row[d];
        }
        if (c.clip) {  // step 6: e * max_norm / max(|e|, max_norm)
          const double norm = std::sqrt(norm2);
          const double f = kMaxNorm / std::max(norm, static_cast<double>(kMaxNorm));
          for (double& v : row) v *= f;
        }
        const double w = c.weighted ? e->weight : 1.0;
        weight_sum += w;
        weight_sq += w * w;
        for (int64_t d = 0; d < D; ++d) {
          acc[d] += w * row[d];
          mag[d] += std::abs(w * row[d]);
        }
      }
      double div = 1.0;
      if (c.combiner == SEQFEAT_COMBINER_MEAN) div = weight_sum;
      if (c.combiner == SEQFEAT_COMBINER_SQRTN) div = std::sqrt(weight_sq);
      for (int64_t d = 0; d < D; ++d) {
        const size_t i = static_cast<size_t>((b * T + t) * D + d);
        (*out)[i] = acc[d] / div;
        (*scale)[i] = mag[d] / std::abs(div);
      }
    }
  }
}

class CapiReferenceCheck : public ::testing::TestWithParam<int64_t> {};

TEST_P(CapiReferenceCheck, RandomBatchesMatchTheNaiveCombiner) {
  const int64_t D = GetParam();
  std::mt19937_64 rng(0xC0FFEE + static_cast<uint64_t>(D));
  std::uniform_real_distribution<float> table_value(-1.0f, 1.0f);
  std::uniform_real_distribution<float> weight_value(-0.5f, 2.0f);
  std::uniform_int_distribution<int64_t> id_value(-3, kBuckets - 1);
  std::uniform_int_distribution<int64_t> bag_size(0, 5);
  std::uniform_int_distribution<int> coin(0, 3);
  const int64_t B = 9, T = 7, K = 5;

  for (int round = 0; round < 2; ++round) {
    std::vector<float> table(static_cast<size_t>(kBuckets * D));
    for (float& v : table) v = table_value(rng) * (coin(rng) == 0 ? 3.0f : 1.0f);
    std::vector<Entry> entries;
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t t = 0; t < T; ++t) {
        const int64_t n = bag_size(rng);
        for (int64_t k = 0; k < n; ++k) {
          float w = weight_value(rng);
          if (coin(rng) == 0) w = 0.0f;
          entries.push_back({b, t, k, id_value(rng), w});
        }
      }
    }
    std::vector<Index> idx;
    std::vector<int64_t> ids;
    std::vector<float> weights;
    for (const Entry& e : entries) {
      idx.push_back({e.b, e.t, e.k});
      ids.push_back(e.id);
      weights.push_back(e.weight);
    }
    Batch batch;
    SF_ASSERT_OK(batch.Sparse<int64_t>("ids", idx, {B, T, K}, ids));
    SF_ASSERT_OK(batch.Sparse<float>("w", idx, {B, T, K}, weights));

    ColumnPtr cat = Identity("ids", kBuckets);
    ASSERT_TRUE(cat);
    ColumnPtr weighted = Weighted(cat.get(), "w");
    ASSERT_TRUE(weighted);
    for (int32_t combiner : {SEQFEAT_COMBINER_SUM, SEQFEAT_COMBINER_MEAN, SEQFEAT_COMBINER_SQRTN}) {
      for (bool is_weighted : {false, true}) {
        for (bool clip : {false, true}) {
          const Config c{D, combiner, is_weighted, clip};
          EmbeddingSpec spec{.dimension = D, .combiner = combiner, .table = table};
          if (clip) spec.max_norm = kMaxNorm;
          ColumnPtr emb = Embedding(is_weighted ? weighted.get() : cat.get(), spec);
          ASSERT_TRUE(emb);
          FeaturesPtr layer = Layer({emb.get()});
          ASSERT_TRUE(layer);
          Packed p;
          ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), batch, &p));
          std::vector<double> want, scale;
          std::vector<int64_t> lengths;
          Reference(c, B, T, entries, table, &want, &scale, &lengths);
          ASSERT_EQ(p.B, B);
          ASSERT_EQ(p.T, T);
          ASSERT_EQ(p.D, D);
          EXPECT_EQ(p.lengths, lengths);
          int failures = 0;
          for (size_t i = 0; i < want.size() && failures < 5; ++i) {
            const double tol = 1e-5 * std::max(scale[i], std::abs(want[i])) + 1e-30;
            if (!(std::abs(p.dense[i] - want[i]) <= tol)) {
              ++failures;
              ADD_FAILURE() << "D=" << D << " combiner=" << combiner << " weighted=" << is_weighted
                            << " clip=" << clip << " element " << i << " (b=" << i / (T * D)
                            << ", t=" << (i / D) % T << ", d=" << i % D << "): got " << p.dense[i]
                            << ", want " << want[i];
            }
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Dimensions, CapiReferenceCheck,
                         ::testing::Values(1, 3, 8, 16, 32, 64, 128, 100),
                         [](const ::testing::TestParamInfo<int64_t>& info) {
                           return "D" + std::to_string(info.param);
                         });

// The same random content given as ragged input must give exactly the same output as COO.
TEST(CapiRaggedReference, RaggedMatchesCooOnRandomBags) {
  std::mt19937_64 rng(77);
  const int64_t B = 11, D = 8;
  std::uniform_int_distribution<int64_t> steps(0, 6), bag_size(0, 4), id_value(-2, kBuckets - 1);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> table(static_cast<size_t>(kBuckets * D));
  for (float& v : table) v = u(rng);
  Index row_splits{0}, step_splits{0};
  std::vector<int64_t> values;
  std::vector<Index> idx;
  int64_t T = 0;
  for (int64_t b = 0; b < B; ++b) {
    int64_t L = steps(rng);
    for (int64_t t = 0; t < L; ++t) {
      // The last step of an example is never empty, so that the ragged length (number of steps)
      // and the COO length (max step index + 1) agree.
      int64_t n = bag_size(rng);
      if (t == L - 1 && n == 0) n = 1;
      for (int64_t k = 0; k < n; ++k) {
        idx.push_back({b, t, k});
        values.push_back(id_value(rng));
      }
      step_splits.push_back(static_cast<int64_t>(values.size()));
    }
    row_splits.push_back(static_cast<int64_t>(step_splits.size()) - 1);
    T = std::max(T, L);
  }
  ColumnPtr cat = Identity("ids", kBuckets);
  ASSERT_TRUE(cat);
  ColumnPtr emb = Embedding(cat.get(), EmbeddingSpec{.dimension = D, .combiner = SEQFEAT_COMBINER_SQRTN,
                                                     .table = table});
  ASSERT_TRUE(emb);
  FeaturesPtr layer = Layer({emb.get()});
  ASSERT_TRUE(layer);
  Batch ragged, coo;
  SF_ASSERT_OK(ragged.Ragged<int64_t>("ids", row_splits, step_splits, values));
  SF_ASSERT_OK(coo.Sparse<int64_t>("ids", idx, {B, T, 4}, values));
  Packed pr, pc;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), ragged, &pr));
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), coo, &pc));
  EXPECT_EQ(pr.T, T);
  EXPECT_EQ(pr.lengths, pc.lengths);
  EXPECT_TRUE(Near(pr.dense, pc.dense, 1e-6, 1e-7));
}

}  // namespace
}  // namespace sftest
