// Input features: borrowed views of caller memory, keyed by feature name.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dtype.h"

namespace seqfeat {

enum class InputForm { kSparse, kDense, kRagged };

// The highest rank of an input tensor (TF's limit).
constexpr int64_t kMaxRank = 254;

// A (pointer, length) string, layout-compatible with seqfeat_string_view of the C ABI.
struct StringRef {
  const char* data;
  size_t size;
};

// Length of a fixed-width item without its trailing NUL bytes (numpy 'S' padding). Reads the
// item eight bytes at a time from its end (little-endian: the highest non-zero byte of a word
// is the last non-NUL byte of those eight), never outside the item.
inline size_t fixed_width_length(const char* item, size_t width) noexcept {
  size_t n = width;
  if constexpr (std::endian::native == std::endian::little) {
    for (; n >= 8; n -= 8) {
      uint64_t word;
      std::memcpy(&word, item + n - 8, 8);
      if (word != 0) return n - 8 + static_cast<size_t>(71 - std::countl_zero(word)) / 8;
    }
  }
  while (n > 0 && item[n - 1] == '\0') --n;
  return n;
}

// Strings, either Arrow-style (offsets[n + 1] into bytes), an array of (pointer, length), or
// fixed-width items of `itemsize` bytes whose trailing NUL bytes are padding (numpy 'S').
struct StringsView {
  const int64_t* offsets = nullptr;
  const char* bytes = nullptr;
  const StringRef* refs = nullptr;
  size_t itemsize = 0;  // > 0: fixed-width items at bytes + i * itemsize
  std::string_view at(int64_t i) const {
    if (itemsize) {
      const char* item = bytes + static_cast<size_t>(i) * itemsize;
      return {item, fixed_width_length(item, itemsize)};
    }
    if (refs) return {refs[i].size ? refs[i].data : "", refs[i].size};
    return {bytes + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i])};
  }
  // f(j, string value index[j]) for j in [0, n), with the layout chosen once, not per string.
  template <class F>
  void for_each(const int64_t* index, int64_t n, F&& f) const {
    if (itemsize) {
      for (int64_t j = 0; j < n; ++j) {
        const char* item = bytes + static_cast<size_t>(index[j]) * itemsize;
        f(j, std::string_view(item, fixed_width_length(item, itemsize)));
      }
    } else if (refs) {
      for (int64_t j = 0; j < n; ++j) {
        const StringRef& r = refs[index[j]];
        f(j, std::string_view(r.size ? r.data : "", r.size));
      }
    } else {
      for (int64_t j = 0; j < n; ++j) {
        const int64_t v = index[j];
        f(j, std::string_view(bytes + offsets[v], static_cast<size_t>(offsets[v + 1] - offsets[v])));
      }
    }
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

  // Storage for strings the batch converted (UTF-32 input) or split (NUL-separated input):
  // `strings` points into it.
  std::vector<char> converted_bytes;
  std::vector<int64_t> converted_offsets;
  std::vector<StringRef> converted_refs;

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

// Points in.strings at a UTF-8 copy of `count` fixed-width UTF-32 items of chars_per_item code
// points each (numpy 'U': trailing NUL code points are padding), kept in in.converted_*.
// Surrogates and values above U+10FFFF are errors naming the feature and the value.
void set_utf32_strings(FeatureInput& in, const char32_t* items, size_t chars_per_item,
                       int64_t count);

// Points in.strings at `count` strings held in `size` bytes, consecutive strings separated by
// one NUL byte (none after the last; no NUL inside a string), as views into those bytes kept
// in in.converted_refs (the bytes are not copied). count == 0 needs size == 0. Any other
// number of NUL bytes than count - 1 is an error naming the feature.
void set_separated_strings(FeatureInput& in, const char* bytes, size_t size, int64_t count);

class Batch {
 public:
  // Validates the descriptor (sizes, non-null pointers, splits structure) and stores the view.
  void add(FeatureInput input);
  void clear() {
    features_.clear();
    touch();
  }
  // Replaces the contents with `count` features: input i is keyed key_of(i), filled in place
  // by fill(i, input) and validated as add() does. The storage of keys already present is
  // reused, so refilling a batch with the same keys allocates nothing. On error the batch is
  // left empty.
  template <class KeyOf, class Fill>
  void assign(size_t count, KeyOf&& key_of, Fill&& fill);
  // Changes whenever the contents change; unique across all batches of the process, so a plan
  // made for (batch, generation) can be recognised and reused.
  uint64_t generation() const { return generation_; }
  // Throws Error(kNotFound) "Feature <key> is not in features dictionary."
  const FeatureInput& get(const std::string& key) const;
  bool contains(const std::string& key) const { return features_.count(key) != 0; }

 private:
  static void validate(FeatureInput& in);
  void touch();
  FeatureInput& slot(std::string_view key);

  // Transparent hashing: lookups by string_view build no std::string.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, FeatureInput, KeyHash, std::equal_to<>> features_;
  std::vector<const FeatureInput*> assigned_;
  uint64_t generation_ = 0;
};

template <class KeyOf, class Fill>
void Batch::assign(size_t count, KeyOf&& key_of, Fill&& fill) {
  touch();
  assigned_.clear();
  try {
    for (size_t i = 0; i < count; ++i) {
      FeatureInput& in = slot(key_of(i));
      fill(i, in);
      validate(in);
      assigned_.push_back(&in);
    }
  } catch (...) {
    features_.clear();
    throw;
  }
  if (assigned_.size() < features_.size()) {
    for (auto it = features_.begin(); it != features_.end();) {
      if (std::find(assigned_.begin(), assigned_.end(), &it->second) == assigned_.end())
        it = features_.erase(it);
      else
        ++it;
    }
  }
}

}  // namespace seqfeat
