// Helpers shared by the core tests: building inputs (Feed keeps their memory alive), packing
// into vectors, and asserting values and errors.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "column.h"
#include "error.h"
#include "input.h"
#include "sequence_features.h"

namespace seqfeat {
namespace test {


template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::kFloat32;
  else if constexpr (std::is_same_v<T, double>) return DType::kFloat64;
  else if constexpr (std::is_same_v<T, int32_t>) return DType::kInt32;
  else return DType::kInt64;
}

// A Batch plus the arrays its FeatureInputs point into (inputs are borrowed views).
class Feed {
 public:
  // COO SparseTensor; rank = dense_shape.size() (rank 1 is normalised to [N, 1] by Batch::add).
  template <class T>
  void coo(const std::string& key, const std::vector<std::vector<int64_t>>& indices,
           std::vector<T> values, std::vector<int64_t> dense_shape) {
    FeatureInput in = sparse_base(key, indices, std::move(dense_shape));
    set_values(in, std::move(values));
    batch_.add(std::move(in));
  }
  void coo_strings(const std::string& key, const std::vector<std::vector<int64_t>>& indices,
                   const std::vector<std::string>& values, std::vector<int64_t> dense_shape) {
    FeatureInput in = sparse_base(key, indices, std::move(dense_shape));
    set_strings(in, values);
    batch_.add(std::move(in));
  }
  // Ragged: row_splits over steps when step_splits is given, else over values.
  template <class T>
  void ragged(const std::string& key, std::vector<int64_t> row_splits,
              std::vector<int64_t> step_splits, std::vector<T> values) {
    FeatureInput in = ragged_base(key, std::move(row_splits), std::move(step_splits));
    set_values(in, std::move(values));
    batch_.add(std::move(in));
  }
  void ragged_strings(const std::string& key, std::vector<int64_t> row_splits,
                      std::vector<int64_t> step_splits, const std::vector<std::string>& values) {
    FeatureInput in = ragged_base(key, std::move(row_splits), std::move(step_splits));
    set_strings(in, values);
    batch_.add(std::move(in));
  }
  template <class T>
  void dense(const std::string& key, std::vector<int64_t> shape, std::vector<T> values) {
    FeatureInput in;
    in.key = key;
    in.form = InputForm::kDense;
    in.shape = std::move(shape);
    set_values(in, std::move(values));
    batch_.add(std::move(in));
  }
  void dense_strings(const std::string& key, std::vector<int64_t> shape,
                     const std::vector<std::string>& values) {
    FeatureInput in;
    in.key = key;
    in.form = InputForm::kDense;
    in.shape = std::move(shape);
    set_strings(in, values);
    batch_.add(std::move(in));
  }
  const Batch& batch() const { return batch_; }

 private:
  template <class T>
  const T* keep(std::vector<T> v) {
    auto held = std::make_shared<std::vector<T>>(std::move(v));
    held_.push_back(held);
    return held->data();
  }
  FeatureInput sparse_base(const std::string& key, const std::vector<std::vector<int64_t>>& indices,
                           std::vector<int64_t> dense_shape) {
    FeatureInput in;
    in.key = key;
    in.form = InputForm::kSparse;
    in.rank = static_cast<int64_t>(dense_shape.size());
    std::vector<int64_t> flat;
    for (const auto& row : indices) flat.insert(flat.end(), row.begin(), row.end());
    in.indices = keep(std::move(flat));
    in.dense_shape = std::move(dense_shape);
    return in;
  }
  FeatureInput ragged_base(const std::string& key, std::vector<int64_t> row_splits,
                           std::vector<int64_t> step_splits) {
    FeatureInput in;
    in.key = key;
    in.form = InputForm::kRagged;
    in.batch_size = static_cast<int64_t>(row_splits.size()) - 1;
    in.row_splits = keep(std::move(row_splits));
    if (!step_splits.empty()) {
      in.num_steps = static_cast<int64_t>(step_splits.size()) - 1;
      in.step_splits = keep(std::move(step_splits));
    }
    return in;
  }
  template <class T>
  void set_values(FeatureInput& in, std::vector<T> values) {
    in.dtype = dtype_of<T>();
    in.num_values = static_cast<int64_t>(values.size());
    in.values = keep(std::move(values));
  }
  void set_strings(FeatureInput& in, const std::vector<std::string>& values) {
    std::vector<int64_t> offsets{0};
    std::vector<char> bytes;
    for (const auto& s : values) {
      bytes.insert(bytes.end(), s.begin(), s.end());
      offsets.push_back(static_cast<int64_t>(bytes.size()));
    }
    bytes.push_back('\0');  // never read; keeps the pointer non-null for all-empty values
    in.dtype = DType::kString;
    in.num_values = static_cast<int64_t>(values.size());
    in.strings.offsets = keep(std::move(offsets));
    in.strings.bytes = keep(std::move(bytes));
  }

  std::vector<std::shared_ptr<void>> held_;
  Batch batch_;
};

// The result of one pack into buffers pre-filled with sentinels (NaN, -7, 9), so a cell the
// packer forgot to write shows up.
struct Packed {
  OutputShape shape;
  std::vector<float> dense;
  std::vector<int64_t> lengths;
  std::vector<uint8_t> mask;
  PackStats stats;
};

inline Packed pack(const SequenceFeatures& layer, const Batch& batch, const PackOptions& options = {}) {
  Packed p;
  p.shape = layer.output_shape(batch, options);
  p.dense.assign(static_cast<size_t>(p.shape.batch * p.shape.steps * p.shape.depth),
                 std::numeric_limits<float>::quiet_NaN());
  p.lengths.assign(static_cast<size_t>(p.shape.batch), -7);
  p.mask.assign(static_cast<size_t>(p.shape.batch * p.shape.steps), 9);
  layer.pack_into(batch, options, p.dense.data(), p.dense.size(), p.lengths.data(),
                  p.lengths.size(), p.mask.data(), p.mask.size(), &p.stats);
  return p;
}

inline void expect_shape(const Packed& p, int64_t batch, int64_t steps, int64_t depth) {
  EXPECT_EQ(p.shape.batch, batch);
  EXPECT_EQ(p.shape.steps, steps);
  EXPECT_EQ(p.shape.depth, depth);
}

// Element-wise comparison with a relative tolerance (hand-derived values such as 9 / sqrt(2)
// are not exactly representable).
inline void expect_floats(const std::vector<float>& actual, const std::vector<float>& expected,
                   float relative = 1e-6f) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], relative * std::max(1.f, std::fabs(expected[i])))
        << "at flat index " << i;
}

// Runs fn and expects a seqfeat::Error with this code whose message contains every part.
inline void expect_error(const std::function<void()>& fn, Code code,
                  std::initializer_list<std::string_view> parts) {
  try {
    fn();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    const std::string_view message = e.what();
    for (std::string_view part : parts)
      EXPECT_NE(message.find(part), std::string_view::npos)
          << "message \"" << message << "\" lacks \"" << part << "\"";
  }
}

using Columns = std::vector<std::shared_ptr<const Column>>;

inline std::shared_ptr<const NumericColumn> numeric(const std::string& key, std::vector<int64_t> shape = {1},
                                             float default_value = 0.f, Normalizer norm = {}) {
  return std::make_shared<NumericColumn>(key, /*sequence=*/true, std::move(shape), default_value,
                                         DType::kFloat32, norm);
}

inline std::shared_ptr<const EmbeddingColumn> embedding(std::shared_ptr<const CategoricalColumn> cat,
                                                 int64_t dimension, Combiner combiner,
                                                 const std::vector<float>& table,
                                                 std::optional<float> max_norm = std::nullopt) {
  EmbeddingSpec spec;
  spec.dimension = dimension;
  spec.combiner = combiner;
  spec.max_norm = max_norm;
  spec.initial_table = table.data();
  spec.initial_table_count = table.size();
  return make_embedding_column(std::move(cat), spec);
}

inline std::shared_ptr<const IndicatorColumn> indicator(std::shared_ptr<const CategoricalColumn> cat) {
  return std::make_shared<IndicatorColumn>(std::move(cat));
}

inline std::shared_ptr<const CategoricalColumn> identity(const std::string& key, int64_t num_buckets,
                                                  std::optional<int64_t> default_value = {}) {
  return make_identity_column(key, /*sequence=*/true, num_buckets, default_value);
}

}  // namespace test
}  // namespace seqfeat
