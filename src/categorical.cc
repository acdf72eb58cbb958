// Categorical columns: identity, hash bucket, vocabulary list/file, weighted; and the bag
// layout shared by all of them.
#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/ranges.h>

#include "column.h"
#include "checked.h"
#include "error.h"
#include "hash.h"
#include "vocabulary.h"

namespace seqfeat {

std::string render_value(const FeatureInput& in, int64_t i) {
  switch (in.dtype) {
    case DType::kString: return fmt::format("\"{}\"", printable(in.strings.at(i)));
    case DType::kInt32:
    case DType::kInt64: return fmt::format("{}", in.integer(i));
    default: return fmt::format("{}", in.number(i));
  }
}

namespace {

bool is_ignored_cell(const FeatureInput& in, int64_t i) {
  switch (in.dtype) {
    case DType::kString: return in.strings.at(i).empty();
    case DType::kInt32:
    case DType::kInt64: return in.integer(i) == -1;
    default: return false;
  }
}

// The per-example arrays (example_bags [B + 1], lengths [B]), zeroed. B comes from a shape, not
// from the values, so it is checked against the allocation limit.
void size_examples(IdBags& out, int64_t batch, const std::string& column, const FeatureInput& in) {
  out.batch = batch;
  const int64_t slots =
      checked_add(batch, 1, "Column {}, feature {}: batch size", column, in.key);
  checked_assign(out.example_bags, slots, 0, "Column {}, feature {}: {} examples", column, in.key,
                 batch);
  out.lengths.assign(static_cast<size_t>(batch), 0);
}

void layout_sparse(const FeatureInput& in, IdBags& out, const std::string& column) {
  const int64_t rank = in.rank;
  const auto& shape = in.dense_shape;
  if (static_cast<int64_t>(shape.size()) != rank)
    fail(Code::kInvalidArgument,
         "Column {}, feature {}: dense_shape has {} dimensions but indices have rank {}", column,
         in.key, shape.size(), rank);
  out.steps = shape[1];
  out.width = checked_product(shape, 2, "Column {}, feature {}: values per step (dense_shape)",
                              column, in.key);
  const int64_t n = in.num_values;
  checked_resize(out.entry_k, n, "Column {}, feature {}: {} values", column, in.key, n);
  out.value_index.resize(static_cast<size_t>(n));
  size_examples(out, shape[0], column, in);
  out.bag_step.clear();
  out.bag_entries.clear();
  int64_t prev_b = -1, prev_t = -1, prev_k = -1;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t b = in.index(i, 0), t = in.index(i, 1);
    int64_t k = 0;
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t v = in.index(i, d);
      if (v < 0 || v >= shape[d])
        fail(Code::kInvalidArgument,
             "Column {}, feature {}: index {} of entry {} (example {}) is out of bounds: "
             "indices[{}, {}] = {} not in [0, {})",
             column, in.key, d, i, b, i, d, v, shape[d]);
      if (d >= 2) k = k * shape[d] + v;
    }
    if (b < prev_b || (b == prev_b && (t < prev_t || (t == prev_t && k < prev_k))))
      fail(Code::kInvalidArgument,
           "Column {}, feature {}: indices are not in canonical row-major order at entry {} "
           "(example {}, step {}): it comes after example {}, step {}",
           column, in.key, i, b, t, prev_b, prev_t);
    if (b != prev_b || t != prev_t) {
      out.bag_step.push_back(t);
      out.bag_entries.push_back(i);
      out.example_bags[b + 1] += 1;
      out.lengths[b] = t + 1;
    }
    out.entry_k[i] = k;
    out.value_index[i] = i;
    prev_b = b; prev_t = t; prev_k = k;
  }
  out.bag_entries.push_back(n);
  for (int64_t b = 0; b < out.batch; ++b) out.example_bags[b + 1] += out.example_bags[b];
}

void layout_dense(const FeatureInput& in, bool drop_ignored, IdBags& out,
                  const std::string& column) {
  const auto& shape = in.shape;
  out.steps = shape[1];
  out.width = checked_product(shape, 2, "Column {}, feature {}: values per step (shape)", column,
                              in.key);
  size_examples(out, shape[0], column, in);
  out.bag_step.clear();
  out.bag_entries.clear();
  out.entry_k.clear();
  out.value_index.clear();
  int64_t cell = 0;
  // Without cells (a zero dimension) there is nothing to walk, however large the other ones are.
  const int64_t batch = in.num_values > 0 ? out.batch : 0;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < out.steps; ++t) {
      bool open = false;
      for (int64_t k = 0; k < out.width; ++k, ++cell) {
        if (drop_ignored && is_ignored_cell(in, cell)) continue;
        if (!open) {
          out.bag_step.push_back(t);
          out.bag_entries.push_back(static_cast<int64_t>(out.value_index.size()));
          out.example_bags[b + 1] += 1;
          out.lengths[b] = t + 1;
          open = true;
        }
        out.entry_k.push_back(k);
        out.value_index.push_back(cell);
      }
    }
  }
  out.bag_entries.push_back(static_cast<int64_t>(out.value_index.size()));
  for (int64_t b = 0; b < out.batch; ++b) out.example_bags[b + 1] += out.example_bags[b];
}

void layout_ragged(const FeatureInput& in, IdBags& out) {
  out.batch = in.batch_size;
  out.example_bags.assign(in.row_splits, in.row_splits + in.batch_size + 1);
  const int64_t nbags = in.row_splits[in.batch_size];
  out.bag_step.resize(nbags);
  out.lengths.resize(in.batch_size);
  out.steps = 0;
  for (int64_t b = 0; b < in.batch_size; ++b) {
    const int64_t begin = in.row_splits[b], end = in.row_splits[b + 1];
    for (int64_t s = begin; s < end; ++s) out.bag_step[s] = s - begin;
    out.lengths[b] = end - begin;
    out.steps = std::max(out.steps, end - begin);
  }
  const int64_t n = in.num_values;
  out.value_index.resize(n);
  out.entry_k.resize(n);
  int64_t* const value_index = out.value_index.data();
  if (in.step_splits) {
    for (int64_t i = 0; i < n; ++i) value_index[i] = i;
    const int64_t* splits = in.step_splits;
    out.bag_entries.assign(splits, splits + nbags + 1);
    // Bags are short: each gets the ramp 0, 1, ..., 7 in one fixed-size store (the overhang is
    // overwritten by the bags after it) rather than a loop whose exit mispredicts once per bag.
    static constexpr int64_t kRamp[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    constexpr int64_t kShort = 8;
    int64_t* k = out.entry_k.data();
    int64_t width = 0;
    for (int64_t s = 0; s < nbags; ++s) {
      const int64_t first = splits[s], len = splits[s + 1] - first;
      width = std::max(width, len);
      if (len <= kShort && first + kShort <= n) {
        std::memcpy(k + first, kRamp, sizeof kRamp);
      } else {
        for (int64_t j = 0; j < len; ++j) k[first + j] = j;
      }
    }
    out.width = std::max<int64_t>(width, 1);
  } else {
    // One value per step (nbags == n): one pass writes all three per-entry arrays.
    out.bag_entries.resize(nbags + 1);
    int64_t* const bag_entries = out.bag_entries.data();
    int64_t* const k = out.entry_k.data();
    for (int64_t i = 0; i < n; ++i) {
      value_index[i] = i;
      bag_entries[i] = i;
      k[i] = 0;
    }
    bag_entries[nbags] = nbags;
    out.width = 1;
  }
}

}  // namespace

void build_bag_layout(const FeatureInput& in, bool drop_ignored, IdBags& out,
                      const std::string& column_name) {
  out.input = &in;
  out.oov_hits = 0;
  out.strict_oov_entry = -1;
  out.weights.clear();
  switch (in.form) {
    case InputForm::kSparse: layout_sparse(in, out, column_name); break;
    case InputForm::kDense: layout_dense(in, drop_ignored, out, column_name); break;
    case InputForm::kRagged: layout_ragged(in, out); break;
  }
}

void CategoricalColumn::get_ids(const Batch& batch, IdBags& out) const {
  const FeatureInput& in = batch.get(key());
  check_input(in);
  build_bag_layout(in, /*drop_ignored=*/true, out, name());
  out.ids.resize(out.value_index.size());
  lookup(in, out);
}

namespace {

[[noreturn]] void incompatible(const std::string& key, DType column, const FeatureInput& in) {
  fail(Code::kDtypeMismatch,
       "Column dtype and SparseTensors dtype must be compatible. key: {}, column dtype: {}, "
       "tensor dtype: {}",
       key, dtype_name(column), dtype_name(in.dtype));
}

// ------------------------------------------------------------------------------------------
class IdentityColumn final : public CategoricalColumn {
 public:
  IdentityColumn(std::string key, bool sequence, int64_t num_buckets,
                 std::optional<int64_t> default_value)
      : CategoricalColumn(key, ColumnKind::kIdentity, sequence), key_(std::move(key)),
        num_buckets_(num_buckets), default_value_(default_value) {}
  std::string type_name() const override {
    return is_sequence() ? "SequenceCategoricalColumn(IdentityCategoricalColumn)"
                         : "IdentityCategoricalColumn";
  }
  int64_t num_buckets() const override { return num_buckets_; }
  const std::string& key() const override { return key_; }
  CategoricalParams params() const override {
    CategoricalParams p;
    p.buckets = num_buckets_;
    p.default_value = default_value_;
    return p;
  }
  void check_input(const FeatureInput& in) const override {
    if (!is_integer(in.dtype))
      fail(Code::kDtypeMismatch, "Invalid input, not integer. key: {} dtype: {}", key_,
           dtype_name(in.dtype));
  }
  std::vector<std::pair<std::string, DType>> parse_features() const override {
    return {{key_, DType::kInt64}};
  }
  void lookup(const FeatureInput& in, IdBags& out) const override {
    const int64_t n = out.num_entries();
    const int64_t* vi = out.value_index.data();
    int64_t* ids = out.ids.data();
    // Sparse and ragged layouts keep every value in order (value_index[i] == i).
    const bool in_order = in.form != InputForm::kDense;
    if (in_order && in.dtype == DType::kInt64) {
      if (n > 0) std::memcpy(ids, in.values, static_cast<size_t>(n) * sizeof(int64_t));
    } else if (in_order) {
      const auto* v = static_cast<const int32_t*>(in.values);
      for (int64_t i = 0; i < n; ++i) ids[i] = v[i];
    } else if (in.dtype == DType::kInt64) {
      const auto* v = static_cast<const int64_t*>(in.values);
      for (int64_t i = 0; i < n; ++i) ids[i] = v[vi[i]];
    } else {
      const auto* v = static_cast<const int32_t*>(in.values);
      for (int64_t i = 0; i < n; ++i) ids[i] = v[vi[i]];
    }
    if (default_value_) {
      const auto buckets = static_cast<uint64_t>(num_buckets_);
      for (int64_t i = 0; i < n; ++i) {
        if (static_cast<uint64_t>(ids[i]) >= buckets) {
          ids[i] = *default_value_;
          if (out.oov_hits++ == 0) out.strict_oov_entry = i;
        }
      }
    }
  }

 private:
  std::string key_;
  int64_t num_buckets_;
  std::optional<int64_t> default_value_;
};

// ------------------------------------------------------------------------------------------
class HashBucketColumn final : public CategoricalColumn {
 public:
  HashBucketColumn(std::string key, bool sequence, int64_t size, DType dtype)
      : CategoricalColumn(key, ColumnKind::kHashBucket, sequence), key_(std::move(key)),
        size_(size), dtype_(dtype) {}
  std::string type_name() const override {
    return is_sequence() ? "SequenceCategoricalColumn(HashedCategoricalColumn)"
                         : "HashedCategoricalColumn";
  }
  int64_t num_buckets() const override { return size_; }
  const std::string& key() const override { return key_; }
  CategoricalParams params() const override {
    CategoricalParams p;
    p.buckets = size_;
    p.dtype = dtype_;
    return p;
  }
  void check_input(const FeatureInput& in) const override {
    if (in.dtype != DType::kString && !is_integer(in.dtype))
      fail(Code::kDtypeMismatch, "{} dtype must be string or integer. dtype: {}.", key_,
           dtype_name(in.dtype));
    if ((in.dtype == DType::kString) != (dtype_ == DType::kString)) incompatible(key_, dtype_, in);
  }
  std::vector<std::pair<std::string, DType>> parse_features() const override {
    return {{key_, dtype_ == DType::kString ? DType::kString : DType::kInt64}};
  }
  void lookup(const FeatureInput& in, IdBags& out) const override {
    const int64_t n = out.num_entries();
    const BucketOf bucket(static_cast<uint64_t>(size_));
    int64_t* const ids = out.ids.data();
    if (in.dtype == DType::kString) {
      in.strings.for_each(out.value_index.data(), n,
                          [&](int64_t i, std::string_view s) { ids[i] = bucket(fingerprint64(s)); });
    } else {
      for (int64_t i = 0; i < n; ++i)
        ids[i] = bucket(fingerprint64_of_int(in.integer(out.value_index[i])));
    }
  }

 private:
  std::string key_;
  int64_t size_;
  DType dtype_;
};

// ------------------------------------------------------------------------------------------
class VocabularyColumn final : public CategoricalColumn {
 public:
  VocabularyColumn(std::string key, bool sequence, ColumnKind kind,
                   std::unique_ptr<StringVocabulary> strings, std::unique_ptr<IntVocabulary> ints,
                   DType dtype, int64_t default_value, int64_t num_oov_buckets)
      : CategoricalColumn(key, kind, sequence), key_(std::move(key)),
        strings_(std::move(strings)), ints_(std::move(ints)), dtype_(dtype),
        size_(strings_ ? static_cast<int64_t>(strings_->size())
                       : static_cast<int64_t>(ints_->size())),
        default_value_(default_value), num_oov_buckets_(num_oov_buckets) {}
  std::string type_name() const override {
    const char* base = kind() == ColumnKind::kVocabularyFile ? "VocabularyFileCategoricalColumn"
                                                             : "VocabularyListCategoricalColumn";
    return is_sequence() ? fmt::format("SequenceCategoricalColumn({})", base) : base;
  }
  int64_t num_buckets() const override { return size_ + num_oov_buckets_; }
  const std::string& key() const override { return key_; }
  CategoricalParams params() const override {
    CategoricalParams p;
    p.dtype = dtype_;
    p.num_oov_buckets = num_oov_buckets_;
    p.default_value = default_value_;
    if (strings_) p.string_vocabulary = &strings_->keys();
    if (ints_) p.int_vocabulary = &ints_->keys();
    p.vocabulary_file = vocabulary_file_;
    return p;
  }
  void set_vocabulary_file(std::string file) { vocabulary_file_ = std::move(file); }
  void check_input(const FeatureInput& in) const override {
    if (in.dtype != DType::kString && !is_integer(in.dtype)) incompatible(key_, dtype_, in);
    if ((in.dtype == DType::kString) != (dtype_ == DType::kString)) incompatible(key_, dtype_, in);
  }
  std::vector<std::pair<std::string, DType>> parse_features() const override {
    return {{key_, dtype_ == DType::kString ? DType::kString : DType::kInt64}};
  }
  void lookup(const FeatureInput& in, IdBags& out) const override {
    const int64_t n = out.num_entries();
    const auto oov = static_cast<uint64_t>(num_oov_buckets_);
    const BucketOf oov_bucket(oov ? oov : 1);
    int64_t* const ids = out.ids.data();
    auto miss = [&](int64_t i, uint64_t fp) {
      if (out.oov_hits++ == 0 && oov == 0) out.strict_oov_entry = i;
      return oov ? size_ + oov_bucket(fp) : default_value_;
    };
    if (strings_) {
      // In blocks: hash every key of the block and prefetch its first slot, then probe and
      // prefetch the vocabulary key found, then compare, so that the cache misses of a block
      // overlap instead of following one another.
      constexpr int64_t kBlock = 64;
      uint64_t fps[kBlock];
      int64_t found[kBlock];
      std::string_view keys[kBlock];
      for (int64_t first = 0; first < n; first += kBlock) {
        const int64_t count = std::min(kBlock, n - first);
        in.strings.for_each(out.value_index.data() + first, count,
                            [&](int64_t j, std::string_view s) {
                              keys[j] = s;
                              fps[j] = fingerprint64(s);
                              strings_->prefetch(fps[j]);
                            });
        for (int64_t j = 0; j < count; ++j) {
          found[j] = strings_->candidate(fps[j]);
          strings_->prefetch_key(found[j]);
        }
        for (int64_t j = 0; j < count; ++j) {
          const int64_t id = strings_->confirm(keys[j], fps[j], found[j]);
          ids[first + j] = id >= 0 ? id : miss(first + j, fps[j]);
        }
      }
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      const int64_t x = in.integer(out.value_index[i]);
      const int64_t id = ints_->find(x);
      ids[i] = id >= 0 ? id : miss(i, oov ? fingerprint64_of_int(x) : 0);
    }
  }

 private:
  std::string key_;
  std::unique_ptr<StringVocabulary> strings_;
  std::unique_ptr<IntVocabulary> ints_;
  DType dtype_;
  int64_t size_;
  int64_t default_value_;
  int64_t num_oov_buckets_;
  std::string vocabulary_file_;
};

// ------------------------------------------------------------------------------------------
class WeightedColumn final : public CategoricalColumn {
 public:
  WeightedColumn(std::shared_ptr<const CategoricalColumn> inner, std::string weight_key,
                 DType dtype)
      : CategoricalColumn(fmt::format("{}_weighted_by_{}", inner->name(), weight_key),
                          ColumnKind::kWeighted, inner->is_sequence()),
        inner_(std::move(inner)), weight_key_(std::move(weight_key)), dtype_(dtype) {}
  std::string type_name() const override { return "WeightedCategoricalColumn"; }
  int64_t num_buckets() const override { return inner_->num_buckets(); }
  const std::string& key() const override { return inner_->key(); }
  const CategoricalColumn& base() const override { return inner_->base(); }
  CategoricalParams params() const override {
    CategoricalParams p;
    p.dtype = dtype_;
    p.weight_feature_key = weight_key_;
    return p;
  }
  bool weighted() const override { return true; }
  std::shared_ptr<const CategoricalColumn> wrapped() const override { return inner_; }
  void check_input(const FeatureInput& in) const override { inner_->check_input(in); }
  std::vector<std::pair<std::string, DType>> parse_features() const override {
    auto features = inner_->parse_features();
    features.emplace_back(weight_key_, dtype_);
    return features;
  }
  void lookup(const FeatureInput& in, IdBags& out) const override { inner_->lookup(in, out); }
  void get_ids(const Batch& batch, IdBags& out) const override {
    inner_->get_ids(batch, out);
    const FeatureInput& w = batch.get(weight_key_);
    if (w.dtype != dtype_)
      fail(Code::kDtypeMismatch, "Bad dtype, expected {}, but got {}. (weight feature {})",
           dtype_name(dtype_), dtype_name(w.dtype), weight_key_);
    // Weights pair with ids by position: take the weight feature's values in order (dense
    // weights drop 0.0 cells, as TF sparsifies them).
    if (w.form == InputForm::kDense) {
      out.weights.clear();
      for (int64_t i = 0; i < w.num_values; ++i) {
        const double x = w.number(i);
        if (x != 0.0) out.weights.push_back(static_cast<float>(x));
      }
    } else {
      // One pass, the dtype switch outside the loop (float32 weights are copied as they are).
      out.weights.resize(static_cast<size_t>(w.num_values));
      float* weights = out.weights.data();
      if (w.dtype == DType::kFloat32) {
        if (w.num_values > 0)
          std::memcpy(weights, w.values, static_cast<size_t>(w.num_values) * sizeof(float));
      } else if (w.dtype == DType::kFloat64) {
        const auto* v = static_cast<const double*>(w.values);
        for (int64_t i = 0; i < w.num_values; ++i) weights[i] = static_cast<float>(v[i]);
      } else {
        for (int64_t i = 0; i < w.num_values; ++i) weights[i] = static_cast<float>(w.number(i));
      }
    }
    if (out.weights.size() != out.ids.size())
      fail(Code::kInvalidArgument,
           "Column {}: the weight feature {} has {} values but the id feature {} has {}; weights "
           "are paired with ids by position",
           name(), weight_key_, out.weights.size(), key(), out.ids.size());
  }

 private:
  std::shared_ptr<const CategoricalColumn> inner_;
  std::string weight_key_;
  DType dtype_;
};

void check_key(const std::string& key) {
  if (key.empty()) fail(Code::kInvalidArgument, "key must be a non-empty string.");
}

void check_oov(const std::string& key, int64_t default_value, int64_t num_oov_buckets,
               bool default_given) {
  if (num_oov_buckets != 0) {
    if (default_given)
      fail(Code::kInvalidArgument, "Can't specify both num_oov_buckets and default_value in {}.",
           key);
    if (num_oov_buckets < 0)
      fail(Code::kInvalidArgument, "Invalid num_oov_buckets {} in {}.", num_oov_buckets, key);
  }
  (void)default_value;
}

}  // namespace

std::shared_ptr<const CategoricalColumn> make_identity_column(std::string key, bool sequence,
                                                              int64_t num_buckets,
                                                              std::optional<int64_t> default_value) {
  check_key(key);
  if (num_buckets < 1)
    fail(Code::kInvalidArgument, "num_buckets {} < 1, column_name {}", num_buckets, key);
  if (default_value && (*default_value < 0 || *default_value >= num_buckets))
    fail(Code::kInvalidArgument, "default_value {} not in range [0, {}), column_name {}",
         *default_value, num_buckets, key);
  return std::make_shared<IdentityColumn>(std::move(key), sequence, num_buckets, default_value);
}

std::shared_ptr<const CategoricalColumn> make_hash_bucket_column(std::string key, bool sequence,
                                                                 int64_t hash_bucket_size,
                                                                 DType dtype) {
  if (hash_bucket_size < 1)
    fail(Code::kInvalidArgument, "hash_bucket_size must be at least 1. hash_bucket_size: {}, key: {}",
         hash_bucket_size, key);
  check_key(key);
  if (dtype != DType::kString && !is_integer(dtype))
    fail(Code::kInvalidArgument, "dtype must be string or integer. dtype: {}, column_name: {}",
         dtype_name(dtype), key);
  return std::make_shared<HashBucketColumn>(std::move(key), sequence, hash_bucket_size, dtype);
}

std::shared_ptr<const CategoricalColumn> make_vocabulary_list_column(
    std::string key, bool sequence, std::vector<std::string> vocabulary, int64_t default_value,
    int64_t num_oov_buckets) {
  if (vocabulary.empty())
    fail(Code::kInvalidArgument, "vocabulary_list [] must be non-empty, column_name: {}", key);
  auto vocab = std::make_unique<StringVocabulary>(std::move(vocabulary), key);
  check_oov(key, default_value, num_oov_buckets, default_value != -1);
  check_key(key);
  return std::make_shared<VocabularyColumn>(std::move(key), sequence, ColumnKind::kVocabularyList,
                                            std::move(vocab), nullptr, DType::kString,
                                            default_value, num_oov_buckets);
}

std::shared_ptr<const CategoricalColumn> make_vocabulary_list_column(
    std::string key, bool sequence, std::vector<int64_t> vocabulary, DType dtype,
    int64_t default_value, int64_t num_oov_buckets) {
  if (vocabulary.empty())
    fail(Code::kInvalidArgument, "vocabulary_list [] must be non-empty, column_name: {}", key);
  auto vocab = std::make_unique<IntVocabulary>(std::move(vocabulary), key);
  check_oov(key, default_value, num_oov_buckets, default_value != -1);
  if (!is_integer(dtype))
    fail(Code::kInvalidArgument,
         "dtype {} and vocabulary dtype int64 do not match, column_name: {}", dtype_name(dtype),
         key);
  check_key(key);
  return std::make_shared<VocabularyColumn>(std::move(key), sequence, ColumnKind::kVocabularyList,
                                            nullptr, std::move(vocab), DType::kInt64,
                                            default_value, num_oov_buckets);
}

namespace {

// The checks of a vocabulary-file column that do not depend on reading the file.
void check_vocabulary_file(const std::string& key, int64_t vocabulary_size,
                           int64_t num_oov_buckets, std::optional<int64_t> default_value,
                           DType dtype) {
  if (vocabulary_size < 1) fail(Code::kInvalidArgument, "Invalid vocabulary_size in {}.", key);
  check_oov(key, default_value.value_or(-1), num_oov_buckets, default_value.has_value());
  if (dtype != DType::kString && !is_integer(dtype))
    fail(Code::kInvalidArgument, "dtype must be string or integer. dtype: {}, column_name: {}",
         dtype_name(dtype), key);
  check_key(key);
}

std::shared_ptr<const CategoricalColumn> vocabulary_file_column(
    std::string key, bool sequence, std::string vocabulary_file,
    std::unique_ptr<StringVocabulary> strings, std::unique_ptr<IntVocabulary> ints,
    int64_t num_oov_buckets, std::optional<int64_t> default_value, DType dtype) {
  auto column = std::make_shared<VocabularyColumn>(
      std::move(key), sequence, ColumnKind::kVocabularyFile, std::move(strings), std::move(ints),
      dtype == DType::kString ? DType::kString : DType::kInt64, default_value.value_or(-1),
      num_oov_buckets);
  column->set_vocabulary_file(std::move(vocabulary_file));
  return column;
}

}  // namespace

std::shared_ptr<const CategoricalColumn> make_vocabulary_file_column(
    std::string key, bool sequence, std::string vocabulary_file, int64_t vocabulary_size,
    int64_t num_oov_buckets, std::optional<int64_t> default_value, DType dtype) {
  if (vocabulary_file.empty())
    fail(Code::kInvalidArgument, "Missing vocabulary_file in {}.", key);
  if (vocabulary_size < 0) {
    try {
      vocabulary_size = count_vocabulary_lines(vocabulary_file);
    } catch (const Error& e) {
      if (e.code() == Code::kNotFound)
        fail(Code::kNotFound, "vocabulary_file in {} does not exist. ({})", key, e.what());
      throw;
    }
  }
  check_vocabulary_file(key, vocabulary_size, num_oov_buckets, default_value, dtype);
  std::unique_ptr<StringVocabulary> strings;
  std::unique_ptr<IntVocabulary> ints;
  const std::string what = fmt::format("{} (vocabulary_file {})", key, vocabulary_file);
  if (dtype == DType::kString) {
    strings = std::make_unique<StringVocabulary>(
        read_vocabulary_file(vocabulary_file, vocabulary_size), what);
  } else {
    ints = std::make_unique<IntVocabulary>(
        read_int_vocabulary_file(vocabulary_file, vocabulary_size), what);
  }
  return vocabulary_file_column(std::move(key), sequence, std::move(vocabulary_file),
                                std::move(strings), std::move(ints), num_oov_buckets,
                                default_value, dtype);
}

std::shared_ptr<const CategoricalColumn> make_vocabulary_file_column(
    std::string key, bool sequence, std::string vocabulary_file,
    std::vector<std::string> string_keys, std::vector<int64_t> int_keys, int64_t num_oov_buckets,
    std::optional<int64_t> default_value, DType dtype) {
  const bool strings_expected = dtype == DType::kString;
  const size_t size = strings_expected ? string_keys.size() : int_keys.size();
  if ((strings_expected ? int_keys.size() : string_keys.size()) != 0)
    fail(Code::kInvalidArgument, "vocabulary of {} does not match its dtype {}", key,
         dtype_name(dtype));
  check_vocabulary_file(key, static_cast<int64_t>(size), num_oov_buckets, default_value, dtype);
  std::unique_ptr<StringVocabulary> strings;
  std::unique_ptr<IntVocabulary> ints;
  const std::string what = fmt::format("{} (vocabulary_file {})", key, vocabulary_file);
  if (strings_expected)
    strings = std::make_unique<StringVocabulary>(std::move(string_keys), what);
  else
    ints = std::make_unique<IntVocabulary>(std::move(int_keys), what);
  return vocabulary_file_column(std::move(key), sequence, std::move(vocabulary_file),
                                std::move(strings), std::move(ints), num_oov_buckets,
                                default_value, dtype);
}

std::shared_ptr<const CategoricalColumn> make_weighted_column(
    std::shared_ptr<const CategoricalColumn> categorical, std::string weight_feature_key,
    DType dtype) {
  if (!categorical) fail(Code::kInvalidArgument, "categorical_column is NULL");
  if (!is_numeric(dtype))
    fail(Code::kInvalidArgument, "dtype {} is not convertible to float.", dtype_name(dtype));
  if (weight_feature_key.empty())
    fail(Code::kInvalidArgument, "weight_feature_key must be a non-empty string.");
  if (weight_feature_key == categorical->key())
    fail(Code::kInvalidArgument, "Parse config {} already exists for {}.", weight_feature_key,
         categorical->name());
  return std::make_shared<WeightedColumn>(std::move(categorical), std::move(weight_feature_key),
                                          dtype);
}

}  // namespace seqfeat
