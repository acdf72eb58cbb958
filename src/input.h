// Input features: borrowed views of caller memory, keyed by feature name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dtype.h"

namespace seqfeat {

enum class InputForm { kSparse, kDense, kRagged };

// A (pointer, length) string, layout-compatible with seqfeat_string_view of the C ABI.
struct StringRef {
  const char* data;
  size_t size;
};

// Strings, either Arrow-style (offsets[n + 1] into bytes) or an array of (pointer, length).
struct StringsView {
  const int64_t* offsets = nullptr;
  const char* bytes = nullptr;
  const StringRef* refs = nullptr;
  std::string_view at(int64_t i) const {
    if (refs) return {refs[i].size ? refs[i].data : "", refs[i].size};
    return {bytes + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i])};
  }
};

// One feature of a batch. Nothing here is owned except the small shape vectors.
struct FeatureInput {
  std::string key;
  InputForm form = InputForm::kSparse;
  DType dtype = DType::kFloat32;
  const void* values = nullptr;  // numeric values
  StringsView strings;           // string values
  int64_t num_values = 0;

  // kSparse: indices[num_values, rank]; a rank-1 input is read as [N, 1] (rank1 = true,
  // rank = 2, dense_shape = {d0, 1}).
  const int64_t* indices = nullptr;
  int64_t rank = 0;
  bool rank1 = false;
  std::vector<int64_t> dense_shape;

  // kDense: shape (values has prod(shape) cells).
  std::vector<int64_t> shape;

  // kRagged: row_splits[batch_size + 1] over steps (or values if step_splits is null),
  // step_splits[num_steps + 1] over values.
  int64_t batch_size = 0;
  const int64_t* row_splits = nullptr;
  const int64_t* step_splits = nullptr;
  int64_t num_steps = 0;

  int64_t index(int64_t entry, int64_t dim) const {
    if (rank1) return dim == 0 ? indices[entry] : 0;
    return indices[entry * rank + dim];
  }
  double number(int64_t i) const {
    switch (dtype) {
      case DType::kFloat32: return static_cast<const float*>(values)[i];
      case DType::kFloat64: return static_cast<const double*>(values)[i];
      case DType::kInt32: return static_cast<const int32_t*>(values)[i];
      case DType::kInt64: return static_cast<double>(static_cast<const int64_t*>(values)[i]);
      default: return 0.0;
    }
  }
  int64_t integer(int64_t i) const {
    return dtype == DType::kInt32 ? static_cast<const int32_t*>(values)[i]
                                  : static_cast<const int64_t*>(values)[i];
  }
  // Batch size (dim 0) of the feature.
  int64_t batch() const;
  // Short description for messages: "SparseTensor(dense_shape=[2, 5], int64)".
  std::string describe() const;
};

class Batch {
 public:
  // Validates the descriptor (sizes, non-null pointers, splits structure) and stores the view.
  void add(FeatureInput input);
  void clear() { features_.clear(); }
  // Throws Error(kNotFound) "Feature <key> is not in features dictionary."
  const FeatureInput& get(const std::string& key) const;
  bool contains(const std::string& key) const { return features_.count(key) != 0; }

 private:
  std::unordered_map<std::string, FeatureInput> features_;
};

}  // namespace seqfeat
