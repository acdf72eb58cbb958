// Workloads shared by the kernel benchmarks (docs/performance.md): ragged batches with lengths
// uniform in 1..Tmax, ids uniform or Zipf, tables filled with values (every page touched).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "column.h"
#include "input.h"
#include "sequence_features.h"

namespace seqfeat::bench {

// A table of `rows` x `dim` uniform values in [-0.5, 0.5).
inline std::vector<float> random_table(int64_t rows, int64_t dim, uint64_t seed = 7) {
  std::vector<float> t(static_cast<size_t>(rows * dim));
  std::mt19937_64 rng(seed);
  for (auto& v : t) v = static_cast<float>(rng() >> 40) * 0x1p-24f - 0.5f;
  return t;
}

// One ragged categorical (or numeric) feature: row_splits over steps, step_splits over ids
// when steps hold more than one id.
struct RaggedFeature {
  int64_t batch = 0;
  std::vector<int64_t> row_splits, step_splits, ids;
  std::vector<float> weights, values;
  int64_t steps() const { return row_splits.back(); }
  int64_t entries() const {
    return !ids.empty() ? static_cast<int64_t>(ids.size()) : static_cast<int64_t>(values.size());
  }
};

struct Spec {
  int64_t batch = 256, max_len = 50;
  int64_t ids_min = 1, ids_max = 1;  // ids per step
  int64_t rows = 100000;             // id range
  double zipf = 0;                   // > 0: Zipf(alpha) ranks over a fixed permutation
  bool weighted = false;
  int64_t numeric_width = 0;         // > 0: numeric values, width per step
};

class Generator {
 public:
  explicit Generator(Spec spec, uint64_t seed = 1234) : spec_(spec), rng_(seed) {
    if (spec_.zipf > 0) {
      cdf_.resize(static_cast<size_t>(spec_.rows));
      double total = 0;
      for (int64_t k = 0; k < spec_.rows; ++k) total += std::pow(double(k + 1), -spec_.zipf);
      double run = 0;
      for (int64_t k = 0; k < spec_.rows; ++k) {
        run += std::pow(double(k + 1), -spec_.zipf) / total;
        cdf_[k] = run;
      }
      perm_.resize(static_cast<size_t>(spec_.rows));
      for (int64_t k = 0; k < spec_.rows; ++k) perm_[k] = k;
      std::shuffle(perm_.begin(), perm_.end(), rng_);
    }
  }

  // Draws a fresh batch into f (reusing its memory).
  void draw(RaggedFeature& f) {
    const Spec& s = spec_;
    f.batch = s.batch;
    f.row_splits.assign(1, 0);
    std::uniform_int_distribution<int64_t> len(1, s.max_len);
    for (int64_t b = 0; b < s.batch; ++b) f.row_splits.push_back(f.row_splits.back() + len(rng_));
    const int64_t steps = f.row_splits.back();
    std::uniform_real_distribution<float> unit(0.f, 1.f);
    if (s.numeric_width > 0) {
      f.values.resize(static_cast<size_t>(steps * s.numeric_width));
      for (auto& v : f.values) v = unit(rng_);
      for (auto& r : f.row_splits) r *= s.numeric_width;  // values per example
      f.ids.clear();
      f.step_splits.clear();
      return;
    }
    f.step_splits.clear();
    int64_t n = steps;
    if (s.ids_max > 1) {
      std::uniform_int_distribution<int64_t> per(s.ids_min, s.ids_max);
      f.step_splits.assign(1, 0);
      for (int64_t i = 0; i < steps; ++i) f.step_splits.push_back(f.step_splits.back() + per(rng_));
      n = f.step_splits.back();
    }
    f.ids.resize(static_cast<size_t>(n));
    if (s.zipf > 0) {
      for (auto& id : f.ids) {
        const double u = unit(rng_);
        const auto k = std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin();
        id = perm_[std::min<int64_t>(k, s.rows - 1)];
      }
    } else {
      std::uniform_int_distribution<int64_t> id(0, s.rows - 1);
      for (auto& v : f.ids) v = id(rng_);
    }
    f.weights.clear();
    if (s.weighted) {
      f.weights.resize(f.ids.size());
      for (auto& w : f.weights) w = 0.5f + unit(rng_);
    }
  }

 private:
  Spec spec_;
  std::mt19937_64 rng_;
  std::vector<double> cdf_;
  std::vector<int64_t> perm_;
};

inline FeatureInput ragged_input(const std::string& key, const RaggedFeature& f, bool weights) {
  FeatureInput in;
  in.key = key;
  in.form = InputForm::kRagged;
  in.batch_size = f.batch;
  in.row_splits = f.row_splits.data();
  if (!f.step_splits.empty()) {
    in.step_splits = f.step_splits.data();
    in.num_steps = static_cast<int64_t>(f.step_splits.size()) - 1;
  }
  if (weights) {
    in.dtype = DType::kFloat32;
    in.values = f.weights.data();
    in.num_values = static_cast<int64_t>(f.weights.size());
  } else if (!f.values.empty()) {
    in.dtype = DType::kFloat32;
    in.values = f.values.data();
    in.num_values = static_cast<int64_t>(f.values.size());
  } else {
    in.dtype = DType::kInt64;
    in.values = f.ids.data();
    in.num_values = static_cast<int64_t>(f.ids.size());
  }
  return in;
}

// Adds the feature (and its weights) to the batch under the keys "ids" / "w" / "x".
inline void add_to_batch(Batch& batch, const RaggedFeature& f) {
  if (!f.values.empty()) {
    batch.add(ragged_input("x", f, false));
    return;
  }
  batch.add(ragged_input("ids", f, false));
  if (!f.weights.empty()) batch.add(ragged_input("w", f, true));
}

// A layer with one embedding column over identity ids "ids" (weighted by "w" if asked).
inline SequenceFeatures embedding_layer(int64_t rows, int64_t dim, Combiner combiner,
                                        bool weighted, const std::vector<float>& table,
                                        std::optional<float> max_norm = std::nullopt) {
  std::shared_ptr<const CategoricalColumn> cat = make_identity_column("ids", true, rows, {});
  if (weighted) cat = make_weighted_column(cat, "w", DType::kFloat32);
  EmbeddingSpec spec;
  spec.dimension = dim;
  spec.combiner = combiner;
  spec.max_norm = max_norm;
  spec.initial_table = table.data();
  spec.initial_table_count = table.size();
  return SequenceFeatures({make_embedding_column(cat, spec)});
}

// Evicts the caches the way the side-by-side runner does: packs a batch of random ids that
// covers 2 x L3 worth of rows of the layer's own table (a flat flush would also evict the
// table's page-table entries, which steady use keeps cached).
class Evictor {
 public:
  Evictor(const SequenceFeatures& layer, int64_t rows, int64_t dim, bool weighted)
      : layer_(layer) {
    const int64_t n = std::max<int64_t>(2, (int64_t{64} << 20) / (dim * 4));
    std::mt19937_64 rng(99);
    std::uniform_int_distribution<int64_t> id(0, rows - 1);
    feature_.batch = 64;
    feature_.ids.resize(static_cast<size_t>(n));
    for (auto& v : feature_.ids) v = id(rng);
    if (weighted) feature_.weights.assign(feature_.ids.size(), 1.f);
    for (int64_t b = 0; b <= feature_.batch; ++b) feature_.row_splits.push_back(n * b / feature_.batch);
    add_to_batch(batch_, feature_);
    out_.resize(static_cast<size_t>(feature_.batch * (n / feature_.batch + 1) * dim));
    lengths_.resize(static_cast<size_t>(feature_.batch));
  }
  void operator()() {
    PackOptions opt;
    opt.num_threads = 1;
    layer_.pack_into(batch_, opt, out_.data(), out_.size(), lengths_.data(), lengths_.size(),
                     nullptr, 0, nullptr);
  }

 private:
  const SequenceFeatures& layer_;
  RaggedFeature feature_;
  Batch batch_;
  std::vector<float> out_;
  std::vector<int64_t> lengths_;
};

}  // namespace seqfeat::bench
