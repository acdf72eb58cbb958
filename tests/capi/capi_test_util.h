// Helpers shared by the C-ABI tests: RAII handles, a batch that owns the memory its views point
// to, column builders and a pack wrapper. Only the public header is used.
#pragma once

#include <seqfeat/seqfeat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace sftest {

// ---------------------------------------------------------------------------------------------
// RAII handles
// ---------------------------------------------------------------------------------------------
struct ColumnDeleter {
  void operator()(seqfeat_column* c) const { seqfeat_column_free(c); }
};
struct FeaturesDeleter {
  void operator()(seqfeat_features* f) const { seqfeat_features_free(f); }
};
struct TensorDeleter {
  void operator()(seqfeat_tensor* t) const { seqfeat_tensor_free(t); }
};
struct StatsDeleter {
  void operator()(seqfeat_stats* s) const { seqfeat_stats_free(s); }
};
using ColumnPtr = std::unique_ptr<seqfeat_column, ColumnDeleter>;
using FeaturesPtr = std::unique_ptr<seqfeat_features, FeaturesDeleter>;
using TensorPtr = std::unique_ptr<seqfeat_tensor, TensorDeleter>;
using StatsPtr = std::unique_ptr<seqfeat_stats, StatsDeleter>;

// Training handles.
struct GradientsDeleter {
  void operator()(seqfeat_gradients* g) const { seqfeat_gradients_free(g); }
};
struct OptimizerDeleter {
  void operator()(seqfeat_optimizer* o) const { seqfeat_optimizer_free(o); }
};
using GradientsPtr = std::unique_ptr<seqfeat_gradients, GradientsDeleter>;
using OptimizerPtr = std::unique_ptr<seqfeat_optimizer, OptimizerDeleter>;

inline GradientsPtr NewGradients() {
  seqfeat_gradients* g = nullptr;
  EXPECT_EQ(seqfeat_gradients_create(&g), SEQFEAT_OK);
  return GradientsPtr(g);
}
inline OptimizerPtr Sgd(float lr) {
  seqfeat_optimizer* o = nullptr;
  EXPECT_EQ(seqfeat_sgd_optimizer_create(lr, &o), SEQFEAT_OK) << seqfeat_last_error_message();
  return OptimizerPtr(o);
}
inline OptimizerPtr Adagrad(float lr, float init, float eps) {
  seqfeat_optimizer* o = nullptr;
  EXPECT_EQ(seqfeat_adagrad_optimizer_create(lr, init, eps, &o), SEQFEAT_OK)
      << seqfeat_last_error_message();
  return OptimizerPtr(o);
}

// An embedding column's table, row-major.
inline std::vector<float> TableOf(const seqfeat_column* c) {
  int64_t rows = 0, dim = 0;
  EXPECT_EQ(seqfeat_column_table_shape(c, &rows, &dim), SEQFEAT_OK) << seqfeat_last_error_message();
  std::vector<float> t(static_cast<size_t>(rows * dim));
  EXPECT_EQ(seqfeat_column_table_get(c, t.data(), t.size()), SEQFEAT_OK)
      << seqfeat_last_error_message();
  return t;
}

// Sentinels written into out-params before a call that must fail: they must survive.
template <class T>
T* Sentinel() {
  return reinterpret_cast<T*>(static_cast<uintptr_t>(0x5EF0A1C0));
}

// ---------------------------------------------------------------------------------------------
// Status checks
// ---------------------------------------------------------------------------------------------
struct Outcome {
  seqfeat_status status;
  std::string message;  // seqfeat_last_error_message() right after a failed call
};

inline Outcome Capture(seqfeat_status status) {
  return Outcome{status, status == SEQFEAT_OK ? std::string() : std::string(seqfeat_last_error_message())};
}

inline std::string StatusName(seqfeat_status s) {
  const char* text = seqfeat_status_string(s);
  return std::to_string(s) + " (" + (text ? text : "<null>") + ")";
}

inline std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

inline ::testing::AssertionResult HasAll(const std::string& message,
                                         std::initializer_list<std::string> parts) {
  for (const std::string& part : parts) {
    if (message.find(part) == std::string::npos) {
      return ::testing::AssertionFailure() << "message \"" << message << "\" lacks \"" << part << "\"";
    }
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult HasAllNoCase(const std::string& message,
                                               std::initializer_list<std::string> parts) {
  const std::string lower = Lower(message);
  for (const std::string& part : parts) {
    if (lower.find(Lower(part)) == std::string::npos) {
      return ::testing::AssertionFailure() << "message \"" << message << "\" lacks \"" << part
                                           << "\" (case-insensitive)";
    }
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult IsStatus(const Outcome& o, seqfeat_status expected) {
  if (o.status != expected) {
    return ::testing::AssertionFailure() << "status " << StatusName(o.status) << ", expected "
                                         << StatusName(expected) << "; message: " << o.message;
  }
  if (expected != SEQFEAT_OK && o.message.empty()) {
    return ::testing::AssertionFailure() << "status " << StatusName(o.status)
                                         << " but seqfeat_last_error_message() is empty";
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult IsOneOf(const Outcome& o,
                                          std::initializer_list<seqfeat_status> expected) {
  for (seqfeat_status e : expected) {
    if (o.status == e) {
      if (o.message.empty()) {
        return ::testing::AssertionFailure() << "status " << StatusName(o.status)
                                             << " but seqfeat_last_error_message() is empty";
      }
      return ::testing::AssertionSuccess();
    }
  }
  auto failure = ::testing::AssertionFailure();
  failure << "status " << StatusName(o.status) << ", expected one of";
  for (seqfeat_status e : expected) failure << " " << StatusName(e);
  return failure << "; message: " << o.message;
}

// ASSERT a call succeeded, printing the library's message otherwise.
#define SF_ASSERT_OK(expr)                                                                    \
  do {                                                                                        \
    const seqfeat_status sf_status_ = (expr);                                                 \
    ASSERT_EQ(sf_status_, SEQFEAT_OK) << #expr << ": " << seqfeat_last_error_message();       \
  } while (0)
#define SF_EXPECT_OK(expr)                                                                    \
  do {                                                                                        \
    const seqfeat_status sf_status_ = (expr);                                                 \
    EXPECT_EQ(sf_status_, SEQFEAT_OK) << #expr << ": " << seqfeat_last_error_message();       \
  } while (0)
// EXPECT a NULL-argument style failure: SEQFEAT_ERR_INVALID_ARGUMENT with a message.
#define SF_EXPECT_INVALID(expr) EXPECT_TRUE(::sftest::IsStatus(::sftest::Capture(expr), SEQFEAT_ERR_INVALID_ARGUMENT)) << #expr

// ---------------------------------------------------------------------------------------------
// Strings (Arrow-style offsets + bytes)
// ---------------------------------------------------------------------------------------------
struct Strings {
  std::vector<int64_t> offsets{0};
  std::string bytes;
  explicit Strings(const std::vector<std::string>& values) {
    for (const std::string& v : values) {
      bytes += v;
      offsets.push_back(static_cast<int64_t>(bytes.size()));
    }
    bytes.push_back('\0');  // so that data() is never an empty buffer
  }
  size_t size() const { return offsets.size() - 1; }
};

template <class T>
constexpr int32_t DtypeOf() {
  if constexpr (std::is_same_v<T, float>) return SEQFEAT_DTYPE_FLOAT32;
  else if constexpr (std::is_same_v<T, double>) return SEQFEAT_DTYPE_FLOAT64;
  else if constexpr (std::is_same_v<T, int32_t>) return SEQFEAT_DTYPE_INT32;
  else if constexpr (std::is_same_v<T, int64_t>) return SEQFEAT_DTYPE_INT64;
  else static_assert(sizeof(T) == 0, "unsupported value type");
}

using Index = std::vector<int64_t>;

// A seqfeat_batch plus the memory its views point to (kept alive as long as the batch).
class Batch {
 public:
  Batch() {
    const seqfeat_status s = seqfeat_batch_create(&batch_);
    EXPECT_EQ(s, SEQFEAT_OK) << seqfeat_last_error_message();
  }
  ~Batch() { seqfeat_batch_free(batch_); }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  seqfeat_batch* get() const { return batch_; }

  // Copies `v` into storage owned by this object; never returns NULL (even for empty input).
  template <class T>
  const T* Keep(const std::vector<T>& v) {
    auto& block = storage_.emplace_back(std::max<size_t>(1, v.size()) * sizeof(T) + 64, 0);
    if (!v.empty()) std::memcpy(block.data(), v.data(), v.size() * sizeof(T));
    return reinterpret_cast<const T*>(block.data());
  }
  const char* KeepBytes(const std::string& s) {
    auto& block = storage_.emplace_back(s.size() + 1, 0);
    std::memcpy(block.data(), s.data(), s.size());
    return reinterpret_cast<const char*>(block.data());
  }

  static std::vector<int64_t> Flatten(const std::vector<Index>& indices) {
    std::vector<int64_t> flat;
    for (const Index& i : indices) flat.insert(flat.end(), i.begin(), i.end());
    return flat;
  }

  template <class T>
  seqfeat_status Sparse(const char* key, const std::vector<Index>& indices, const Index& dense_shape,
                        const std::vector<T>& values) {
    return seqfeat_batch_add_sparse(batch_, key, Keep(Flatten(indices)),
                                    static_cast<int64_t>(indices.size()),
                                    static_cast<int64_t>(dense_shape.size()), Keep(dense_shape),
                                    DtypeOf<T>(), Keep(values));
  }
  seqfeat_status SparseStrings(const char* key, const std::vector<Index>& indices,
                               const Index& dense_shape, const std::vector<std::string>& values) {
    Strings s(values);
    return seqfeat_batch_add_sparse_strings(batch_, key, Keep(Flatten(indices)),
                                            static_cast<int64_t>(indices.size()),
                                            static_cast<int64_t>(dense_shape.size()),
                                            Keep(dense_shape), Keep(s.offsets), KeepBytes(s.bytes));
  }
  template <class T>
  seqfeat_status Dense(const char* key, const Index& shape, const std::vector<T>& values) {
    return seqfeat_batch_add_dense(batch_, key, Keep(shape), static_cast<int64_t>(shape.size()),
                                   DtypeOf<T>(), Keep(values));
  }
  seqfeat_status DenseStrings(const char* key, const Index& shape,
                              const std::vector<std::string>& values) {
    Strings s(values);
    return seqfeat_batch_add_dense_strings(batch_, key, Keep(shape),
                                           static_cast<int64_t>(shape.size()), Keep(s.offsets),
                                           KeepBytes(s.bytes));
  }
  // step_splits empty: one value per step (NULL is passed).
  template <class T>
  seqfeat_status Ragged(const char* key, const Index& row_splits, const Index& step_splits,
                        const std::vector<T>& values) {
    const int64_t batch_size = static_cast<int64_t>(row_splits.size()) - 1;
    const int64_t num_steps = step_splits.empty() ? 0 : static_cast<int64_t>(step_splits.size()) - 1;
    return seqfeat_batch_add_ragged(batch_, key, batch_size, Keep(row_splits), num_steps,
                                    step_splits.empty() ? nullptr : Keep(step_splits), DtypeOf<T>(),
                                    Keep(values), static_cast<int64_t>(values.size()));
  }
  seqfeat_status RaggedStrings(const char* key, const Index& row_splits, const Index& step_splits,
                               const std::vector<std::string>& values) {
    Strings s(values);
    const int64_t batch_size = static_cast<int64_t>(row_splits.size()) - 1;
    const int64_t num_steps = step_splits.empty() ? 0 : static_cast<int64_t>(step_splits.size()) - 1;
    return seqfeat_batch_add_ragged_strings(
        batch_, key, batch_size, Keep(row_splits), num_steps,
        step_splits.empty() ? nullptr : Keep(step_splits), Keep(s.offsets), KeepBytes(s.bytes),
        static_cast<int64_t>(values.size()));
  }

 private:
  seqfeat_batch* batch_ = nullptr;
  std::deque<std::vector<unsigned char>> storage_;
};

// ---------------------------------------------------------------------------------------------
// Column builders (EXPECT success; return nullptr on failure so that callers can ASSERT)
// ---------------------------------------------------------------------------------------------
// `create` writes the handle through its argument; the call is made here so that the status
// and the handle are read in a defined order.
template <class Create>
ColumnPtr Checked(Create&& create, const char* what) {
  seqfeat_column* c = nullptr;
  const seqfeat_status s = create(&c);
  EXPECT_EQ(s, SEQFEAT_OK) << what << ": " << seqfeat_last_error_message();
  return ColumnPtr(s == SEQFEAT_OK ? c : nullptr);
}

inline ColumnPtr Numeric(const char* key, const Index& shape = {}, float default_value = 0.0f,
                         int32_t sequence = 1) {
  seqfeat_numeric_options o;
  seqfeat_numeric_options_default(&o);
  o.shape = shape.empty() ? nullptr : shape.data();
  o.shape_rank = shape.size();
  o.default_value = default_value;
  return Checked(
      [&](seqfeat_column** out) { return seqfeat_numeric_column_create(key, sequence, &o, out); },
      key);
}

inline ColumnPtr NumericWith(const char* key, const seqfeat_numeric_options& o,
                             int32_t sequence = 1) {
  return Checked(
      [&](seqfeat_column** out) { return seqfeat_numeric_column_create(key, sequence, &o, out); },
      key);
}

inline ColumnPtr Identity(const char* key, int64_t num_buckets,
                          int64_t default_value = SEQFEAT_NO_DEFAULT, int32_t sequence = 1) {
  return Checked(
      [&](seqfeat_column** out) {
        return seqfeat_identity_column_create(key, sequence, num_buckets, default_value, out);
      },
      key);
}

inline ColumnPtr Hash(const char* key, int64_t size, int32_t dtype = SEQFEAT_DTYPE_STRING,
                      int32_t sequence = 1) {
  return Checked(
      [&](seqfeat_column** out) {
        return seqfeat_hash_bucket_column_create(key, sequence, size, dtype, out);
      },
      key);
}

inline ColumnPtr VocabStrings(const char* key, const std::vector<std::string>& vocabulary,
                              int64_t default_value = -1, int64_t num_oov_buckets = 0,
                              int32_t sequence = 1) {
  Strings s(vocabulary);
  return Checked(
      [&](seqfeat_column** out) {
        return seqfeat_vocabulary_list_column_create_strings(key, sequence, s.offsets.data(),
                                                             s.bytes.data(), s.size(),
                                                             default_value, num_oov_buckets, out);
      },
      key);
}

inline ColumnPtr VocabInts(const char* key, const std::vector<int64_t>& vocabulary,
                           int64_t default_value = -1, int64_t num_oov_buckets = 0,
                           int32_t dtype = SEQFEAT_DTYPE_INT64, int32_t sequence = 1) {
  return Checked(
      [&](seqfeat_column** out) {
        return seqfeat_vocabulary_list_column_create_ints(key, sequence, vocabulary.data(),
                                                          vocabulary.size(), dtype, default_value,
                                                          num_oov_buckets, out);
      },
      key);
}

inline ColumnPtr VocabFile(const char* key, const std::string& path, int64_t vocabulary_size = -1,
                           int64_t num_oov_buckets = 0, int64_t default_value = SEQFEAT_NO_DEFAULT,
                           int32_t dtype = SEQFEAT_DTYPE_STRING, int32_t sequence = 1) {
  return Checked(
      [&](seqfeat_column** out) {
        return seqfeat_vocabulary_file_column_create(key, sequence, path.c_str(), vocabulary_size,
                                                     num_oov_buckets, default_value, dtype, out);
      },
      key);
}

inline ColumnPtr Weighted(const seqfeat_column* categorical, const char* weight_key,
                          int32_t dtype = SEQFEAT_DTYPE_FLOAT32) {
  return Checked(
      [&](seqfeat_column** out) {
        return seqfeat_weighted_column_create(categorical, weight_key, dtype, out);
      },
      weight_key);
}

struct EmbeddingSpec {
  int64_t dimension = 2;
  int32_t combiner = SEQFEAT_COMBINER_MEAN;
  std::optional<float> max_norm;
  std::vector<float> table;  // empty: default initializer
  uint64_t seed = 0;
};

inline seqfeat_embedding_options EmbeddingOptions(const EmbeddingSpec& spec) {
  seqfeat_embedding_options o;
  seqfeat_embedding_options_default(&o);
  o.dimension = spec.dimension;
  o.combiner = spec.combiner;
  o.has_max_norm = spec.max_norm.has_value() ? 1 : 0;
  o.max_norm = spec.max_norm.value_or(0.0f);
  o.seed = spec.seed;
  o.initial_table = spec.table.empty() ? nullptr : spec.table.data();
  o.initial_table_count = spec.table.size();
  return o;
}

inline ColumnPtr Embedding(const seqfeat_column* categorical, const EmbeddingSpec& spec) {
  const seqfeat_embedding_options o = EmbeddingOptions(spec);
  return Checked(
      [&](seqfeat_column** out) { return seqfeat_embedding_column_create(categorical, &o, out); },
      "embedding");
}

inline ColumnPtr Indicator(const seqfeat_column* categorical) {
  return Checked(
      [&](seqfeat_column** out) { return seqfeat_indicator_column_create(categorical, out); },
      "indicator");
}

inline FeaturesPtr Layer(std::initializer_list<const seqfeat_column*> columns) {
  std::vector<const seqfeat_column*> v(columns);
  seqfeat_features* f = nullptr;
  const seqfeat_status s = seqfeat_features_create(v.data(), v.size(), &f);
  EXPECT_EQ(s, SEQFEAT_OK) << seqfeat_last_error_message();
  return FeaturesPtr(s == SEQFEAT_OK ? f : nullptr);
}

inline std::string Name(const seqfeat_column* c) { return seqfeat_column_name(c); }

// ---------------------------------------------------------------------------------------------
// Packing
// ---------------------------------------------------------------------------------------------
struct Packed {
  int64_t B = -1, T = -1, D = -1;
  std::vector<float> dense;
  std::vector<int64_t> lengths;
  std::vector<uint8_t> mask;
  float at(int64_t b, int64_t t, int64_t d) const {
    return dense.at(static_cast<size_t>((b * T + t) * D + d));
  }
  std::vector<float> step(int64_t b, int64_t t) const {
    const auto begin = dense.begin() + (b * T + t) * D;
    return std::vector<float>(begin, begin + D);
  }
};

inline seqfeat_pack_options PackOptions() {
  seqfeat_pack_options o;
  seqfeat_pack_options_default(&o);
  return o;
}

// output_shape + pack_into with exactly sized buffers (mask included).
inline Outcome PackInto(const seqfeat_features* features, const Batch& batch, Packed* out,
                        const seqfeat_pack_options* opts = nullptr, seqfeat_stats* stats = nullptr) {
  seqfeat_pack_options defaults = PackOptions();
  if (opts == nullptr) opts = &defaults;
  Outcome shape = Capture(seqfeat_features_output_shape(features, batch.get(), opts, &out->B,
                                                        &out->T, &out->D));
  if (shape.status != SEQFEAT_OK) return shape;
  out->dense.assign(static_cast<size_t>(out->B * out->T * out->D), -12345.0f);
  out->lengths.assign(static_cast<size_t>(out->B), -777);
  out->mask.assign(static_cast<size_t>(out->B * out->T), 0xAB);
  return Capture(seqfeat_features_pack_into(
      features, batch.get(), opts, out->dense.empty() ? nullptr : out->dense.data(),
      out->dense.size(), out->lengths.empty() ? nullptr : out->lengths.data(), out->lengths.size(),
      out->mask.empty() ? nullptr : out->mask.data(), out->mask.size(), stats));
}

// Packs and ASSERTs success (use inside a test body through ASSERT_NO_FATAL_FAILURE).
inline void PackOk(const seqfeat_features* features, const Batch& batch, Packed* out,
                   const seqfeat_pack_options* opts = nullptr, seqfeat_stats* stats = nullptr) {
  const Outcome o = PackInto(features, batch, out, opts, stats);
  ASSERT_EQ(o.status, SEQFEAT_OK) << o.message;
}

inline ::testing::AssertionResult Near(const std::vector<float>& got, const std::vector<float>& want,
                                       double rel = 1e-6, double abs = 1e-6) {
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure() << "size " << got.size() << " != " << want.size();
  }
  for (size_t i = 0; i < got.size(); ++i) {
    const double diff = std::abs(static_cast<double>(got[i]) - want[i]);
    if (!(diff <= abs + rel * std::abs(static_cast<double>(want[i])))) {
      auto f = ::testing::AssertionFailure();
      f << "element " << i << ": got " << got[i] << ", want " << want[i] << "\n got: [";
      for (float g : got) f << g << " ";
      f << "]\nwant: [";
      for (float w : want) f << w << " ";
      return f << "]";
    }
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------------------------
// Library-owned tensors
// ---------------------------------------------------------------------------------------------
inline std::vector<int64_t> Shape(const seqfeat_tensor* t) {
  const int32_t n = seqfeat_tensor_ndim(t);
  const int64_t* s = seqfeat_tensor_shape(t);
  if (s == nullptr || n <= 0) return {};
  return std::vector<int64_t>(s, s + n);
}
template <class T>
std::vector<T> Values(const seqfeat_tensor* t) {
  const T* p = static_cast<const T*>(seqfeat_tensor_data(t));
  const int64_t n = seqfeat_tensor_size(t);
  if (p == nullptr || n <= 0) return {};
  return std::vector<T>(p, p + n);
}

// The id stage of a categorical column.
struct SparseOut {
  std::vector<int64_t> indices_shape, indices, ids, dense_shape;
  std::vector<float> weights;
  bool has_weights = false;
};

inline Outcome GetSparse(const seqfeat_column* column, const Batch& batch, SparseOut* out) {
  seqfeat_tensor *ind = nullptr, *ids = nullptr, *shape = nullptr, *w = nullptr;
  Outcome o = Capture(seqfeat_column_get_sparse_tensors(column, batch.get(), &ind, &ids, &shape, &w));
  if (o.status != SEQFEAT_OK) return o;
  TensorPtr a(ind), b(ids), c(shape), d(w);
  EXPECT_EQ(seqfeat_tensor_dtype(ind), SEQFEAT_DTYPE_INT64);
  EXPECT_EQ(seqfeat_tensor_dtype(ids), SEQFEAT_DTYPE_INT64);
  EXPECT_EQ(seqfeat_tensor_dtype(shape), SEQFEAT_DTYPE_INT64);
  EXPECT_EQ(seqfeat_tensor_ndim(ind), 2);
  EXPECT_EQ(seqfeat_tensor_ndim(ids), 1);
  EXPECT_EQ(seqfeat_tensor_ndim(shape), 1);
  out->indices_shape = Shape(ind);
  out->indices = Values<int64_t>(ind);
  out->ids = Values<int64_t>(ids);
  out->dense_shape = Values<int64_t>(shape);
  out->has_weights = w != nullptr;
  if (w != nullptr) {
    EXPECT_EQ(seqfeat_tensor_dtype(w), SEQFEAT_DTYPE_FLOAT32);
    out->weights = Values<float>(w);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Training (the gradients and optimizer handles are at the top of this file)
// ---------------------------------------------------------------------------------------------
// An embedding column's whole table, row-major.
inline std::vector<float> Table(const seqfeat_column* c) {
  int64_t rows = 0, dim = 0;
  EXPECT_EQ(seqfeat_column_table_shape(c, &rows, &dim), SEQFEAT_OK);
  std::vector<float> t(static_cast<size_t>(rows * dim));
  EXPECT_EQ(seqfeat_column_table_get(c, t.data(), t.size()), SEQFEAT_OK);
  return t;
}

// One table's gradient read back from a seqfeat_gradients.
struct TableGrad {
  std::string name;
  std::vector<int64_t> ids;
  std::vector<float> rows;
  int64_t dimension = 0;
};

inline std::map<std::string, TableGrad> ReadGradients(const seqfeat_gradients* g) {
  std::map<std::string, TableGrad> out;
  for (size_t i = 0; i < seqfeat_gradients_num_tables(g); ++i) {
    const char* name = nullptr;
    const int64_t* ids = nullptr;
    const float* rows = nullptr;
    int64_t count = -1, dim = -1;
    EXPECT_EQ(seqfeat_gradients_table(g, i, &name, &ids, &rows, &count, &dim), SEQFEAT_OK);
    TableGrad t;
    t.name = name;
    t.dimension = dim;
    if (count > 0) {
      t.ids.assign(ids, ids + count);
      t.rows.assign(rows, rows + count * dim);
    }
    out[t.name] = t;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Temporary directory for vocabulary files
// ---------------------------------------------------------------------------------------------
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "seqfeat_capi_XXXXXX").string();
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    const char* made = mkdtemp(buf.data());
    EXPECT_NE(made, nullptr);
    path_ = made ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string p = (std::filesystem::path(path_) / name).string();
    std::ofstream f(p, std::ios::binary);
    f << content;
    return p;
  }
  std::string Path(const std::string& name) const {
    return (std::filesystem::path(path_) / name).string();
  }
  const std::string& Root() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sftest
