/*
 * libseqfeat — optional header-only C++ layer over the C ABI (seqfeat.h).
 *
 * RAII handles (move-only, freed in the destructor), exceptions instead of status codes, and
 * standard containers at the edges. Only the C functions of seqfeat.h are called: no C++ type
 * crosses the shared library boundary, so this header works with any C++17 compiler and
 * standard library, whatever libseqfeat.so was built with.
 *
 *   seqfeat::column rating = seqfeat::column::numeric("rating");
 *   seqfeat::column watches = seqfeat::column::identity("watches", 1000);
 *   seqfeat::embedding_options eo(10);
 *   seqfeat::column emb = seqfeat::column::embedding(watches, eo);
 *   seqfeat::sequence_features layer({rating, emb});
 *   seqfeat::batch b;
 *   b.add_sparse("rating", indices, dense_shape, ratings);   // views: keep the vectors alive
 *   b.add_sparse("watches", indices, dense_shape, ids);
 *   seqfeat::packed out = layer.pack(b);                      // out.dense: [B, T, 11]
 *
 * Errors: every failing call throws seqfeat::error, whose status() is the SEQFEAT_ERR_* code and
 * whose what() is the library's message (column, feature key, example, value).
 * Threads: as in seqfeat.h — columns and layers may be shared by threads; a batch, tensor or
 * stats object belongs to one thread at a time.
 */
#ifndef SEQFEAT_SEQFEAT_HPP
#define SEQFEAT_SEQFEAT_HPP

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "seqfeat/seqfeat.h"

namespace seqfeat {

/** A failed libseqfeat call. */
class error : public std::exception {
 public:
  error(seqfeat_status status, std::string message)
      : status_(status), message_(std::move(message)) {}

  /** SEQFEAT_ERR_* code. */
  seqfeat_status status() const noexcept { return status_; }
  /** Static text of the code ("invalid argument", ...). */
  const char* status_string() const noexcept { return seqfeat_status_string(status_); }
  /** The library's message. */
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  seqfeat_status status_;
  std::string message_;
};

namespace detail {

inline void check(seqfeat_status status) {
  if (status != SEQFEAT_OK) throw error(status, seqfeat_last_error_message());
}

template <class T>
struct dtype_of;
template <>
struct dtype_of<float> {
  static constexpr int32_t value = SEQFEAT_DTYPE_FLOAT32;
};
template <>
struct dtype_of<double> {
  static constexpr int32_t value = SEQFEAT_DTYPE_FLOAT64;
};
template <>
struct dtype_of<int32_t> {
  static constexpr int32_t value = SEQFEAT_DTYPE_INT32;
};
template <>
struct dtype_of<int64_t> {
  static constexpr int32_t value = SEQFEAT_DTYPE_INT64;
};
template <>
struct dtype_of<uint8_t> {
  static constexpr int32_t value = SEQFEAT_DTYPE_UINT8;
};

inline int64_t product(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

inline std::string cstr_or_empty(const char* s) { return s ? std::string(s) : std::string(); }

/** How each C handle is freed. */
template <class T>
struct handle_traits;
#define SEQFEAT_HPP_HANDLE_TRAITS(type, free_fn)                      \
  template <>                                                         \
  struct handle_traits<type> {                                        \
    static void destroy(type* raw) noexcept { free_fn(raw); }          \
  };
SEQFEAT_HPP_HANDLE_TRAITS(seqfeat_column, seqfeat_column_free)
SEQFEAT_HPP_HANDLE_TRAITS(seqfeat_tensor, seqfeat_tensor_free)
SEQFEAT_HPP_HANDLE_TRAITS(seqfeat_batch, seqfeat_batch_free)
SEQFEAT_HPP_HANDLE_TRAITS(seqfeat_stats, seqfeat_stats_free)
SEQFEAT_HPP_HANDLE_TRAITS(seqfeat_features, seqfeat_features_free)
SEQFEAT_HPP_HANDLE_TRAITS(seqfeat_dense_features, seqfeat_dense_features_free)
SEQFEAT_HPP_HANDLE_TRAITS(seqfeat_plan, seqfeat_plan_free)
#undef SEQFEAT_HPP_HANDLE_TRAITS

/** The owner of one C handle: move-only, freed once by traits::destroy, empty once moved from
 *  (the handle<T, traits> of oneDNN's C++ API). */
template <class T, class traits = handle_traits<T>>
class handle {
 public:
  handle() noexcept = default;
  explicit handle(T* raw) noexcept : raw_(raw) {}
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;
  handle(handle&& other) noexcept : raw_(std::exchange(other.raw_, nullptr)) {}
  handle& operator=(handle&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~handle() { reset(); }

  T* get() const noexcept { return raw_; }
  explicit operator bool() const noexcept { return raw_ != nullptr; }
  /** Gives up ownership. */
  T* release() noexcept { return std::exchange(raw_, nullptr); }
  void reset(T* raw = nullptr) noexcept {
    T* old = std::exchange(raw_, raw);
    if (old != nullptr) traits::destroy(old);
  }
  /** Frees the current handle and returns where a C create function writes the new one. */
  T** out() noexcept {
    reset();
    return &raw_;
  }

 private:
  T* raw_ = nullptr;
};

/** A borrowed pointer that a move leaves null, so that a moved-from view is empty. */
template <class T>
class view_ptr {
 public:
  view_ptr() noexcept = default;
  view_ptr(T* raw) noexcept : raw_(raw) {}  // NOLINT(google-explicit-constructor)
  view_ptr(const view_ptr&) noexcept = default;
  view_ptr& operator=(const view_ptr&) noexcept = default;
  view_ptr(view_ptr&& other) noexcept : raw_(std::exchange(other.raw_, nullptr)) {}
  view_ptr& operator=(view_ptr&& other) noexcept {
    raw_ = std::exchange(other.raw_, nullptr);
    return *this;
  }
  operator T*() const noexcept { return raw_; }  // NOLINT(google-explicit-constructor)

 private:
  T* raw_ = nullptr;
};

}  // namespace detail

/** Runtime library version. */
inline const char* version_string() noexcept { return seqfeat_version_string(); }
inline uint32_t version_number() noexcept { return seqfeat_version_number(); }

/** An owned Arrow-style string array (offsets[n + 1] + bytes), the layout the C ABI takes. */
class string_array {
 public:
  string_array() : offsets_{0} {}
  string_array(std::initializer_list<std::string_view> values) : string_array() {
    for (std::string_view v : values) push_back(v);
  }
  template <class Container>
  explicit string_array(const Container& values) : string_array() {
    for (const auto& v : values) push_back(std::string_view(v));
  }

  void push_back(std::string_view value) {
    bytes_.append(value.data(), value.size());
    offsets_.push_back(static_cast<int64_t>(bytes_.size()));
  }
  size_t size() const noexcept { return offsets_.size() - 1; }
  const int64_t* offsets() const noexcept { return offsets_.data(); }
  const char* bytes() const noexcept { return bytes_.data(); }

 private:
  std::vector<int64_t> offsets_;
  std::string bytes_;
};

class batch;
class tensor;

/** Sparse id tensors of a categorical column (TF's get_sparse_tensors). */
struct sparse_tensors;

/** A borrowed column: valid while its owner (a column, an embedding column, a layer) lives. */
class column_view {
 public:
  column_view() noexcept = default;
  explicit column_view(const seqfeat_column* raw) noexcept : raw_(raw) {}

  const seqfeat_column* get() const noexcept { return raw_; }
  explicit operator bool() const noexcept { return raw_ != nullptr; }

  std::string name() const { return seqfeat_column_name(raw_); }
  /** SEQFEAT_COLUMN_*. */
  int32_t kind() const noexcept { return seqfeat_column_kind(raw_); }
  bool is_sequence() const noexcept { return seqfeat_column_is_sequence(raw_) != 0; }

  int64_t num_buckets() const {
    int64_t out = 0;
    detail::check(seqfeat_column_num_buckets(raw_, &out));
    return out;
  }

  std::vector<int64_t> variable_shape() const {
    std::vector<int64_t> shape(8);
    size_t rank = 0;
    const seqfeat_status first =
        seqfeat_column_variable_shape(raw_, shape.data(), shape.size(), &rank);
    if (first == SEQFEAT_ERR_BUFFER_TOO_SMALL || (first == SEQFEAT_OK && rank > shape.size())) {
      // Ask for the rank alone, then for exactly that many dims.
      detail::check(seqfeat_column_variable_shape(raw_, nullptr, 0, &rank));
      shape.resize(rank);
      detail::check(seqfeat_column_variable_shape(raw_, shape.data(), shape.size(), &rank));
    } else {
      detail::check(first);
    }
    shape.resize(rank);
    return shape;
  }

  /** The categorical column wrapped by an embedding, indicator or weighted column. */
  column_view categorical() const {
    const seqfeat_column* out = nullptr;
    detail::check(seqfeat_column_categorical(raw_, &out));
    return column_view(out);
  }

  /** (rows, dimension) of an embedding table. */
  std::pair<int64_t, int64_t> table_shape() const {
    int64_t rows = 0, dimension = 0;
    detail::check(seqfeat_column_table_shape(raw_, &rows, &dimension));
    return {rows, dimension};
  }

  std::string table_name() const {
    const char* out = nullptr;
    detail::check(seqfeat_column_table_name(raw_, &out));
    return detail::cstr_or_empty(out);
  }

  std::vector<float> table_get() const {
    const auto shape = table_shape();
    std::vector<float> out(static_cast<size_t>(shape.first * shape.second));
    detail::check(seqfeat_column_table_get(raw_, out.data(), out.size()));
    return out;
  }

  /** False for a read-only memory-mapped table (loaded with table_storage::mmap). */
  bool table_writable() const {
    int32_t out = 0;
    detail::check(seqfeat_column_table_writable(raw_, &out));
    return out != 0;
  }

  /** get_sequence_dense_tensor: dense [B, T, width] and lengths [B]. */
  std::pair<tensor, tensor> get_sequence_dense_tensor(const batch& features) const;
  sparse_tensors get_sparse_tensors(const batch& features) const;

 protected:
  detail::view_ptr<const seqfeat_column> raw_;
};

/** Options of a numeric column (TF's sequence_numeric_column arguments). */
struct numeric_options {
  std::vector<int64_t> shape;     /* empty: (1,) */
  float default_value = 0.0f;
  int32_t dtype = SEQFEAT_DTYPE_FLOAT32;
  int32_t normalizer = SEQFEAT_NORMALIZER_NONE;
  float normalizer_a = 0.0f;
  float normalizer_b = 0.0f;
  seqfeat_normalizer_fn normalizer_fn = nullptr; /* for SEQFEAT_NORMALIZER_CALLBACK */
  void* normalizer_user_data = nullptr;          /* must outlive the column */
  bool sequence = true;
};

/** Options of embedding columns (TF's embedding_column / shared_embeddings arguments). */
struct embedding_options {
  explicit embedding_options(int64_t dim) : dimension(dim) {}
  int64_t dimension;
  int32_t combiner = SEQFEAT_COMBINER_MEAN;
  std::optional<float> max_norm;
  bool trainable = true;
  std::optional<uint64_t> seed;
  std::vector<float> initial_table; /* empty: the default initializer; copied by the library */

  seqfeat_embedding_options to_c() const {
    seqfeat_embedding_options o;
    seqfeat_embedding_options_default(&o);
    o.dimension = dimension;
    o.combiner = combiner;
    if (max_norm) {
      o.has_max_norm = 1;
      o.max_norm = *max_norm;
    }
    o.trainable = trainable ? 1 : 0;
    if (seed) o.seed = *seed;
    if (!initial_table.empty()) {
      o.initial_table = initial_table.data();
      o.initial_table_count = initial_table.size();
    }
    return o;
  }
};

/** An owned column (move-only). The library reference-counts columns: destroying one that an
 *  embedding column or a layer still uses is safe. */
class column : public column_view {
 public:
  column() noexcept = default;
  /** Takes ownership of a handle created through the C ABI. */
  explicit column(seqfeat_column* raw) noexcept : column_view(raw), owner_(raw) {}

  /** Gives up ownership. */
  seqfeat_column* release() noexcept {
    raw_ = nullptr;
    return owner_.release();
  }
  void reset() noexcept {
    raw_ = nullptr;
    owner_.reset();
  }

  /** Overwrites the embedding table (only the column's owner can); must not run while another
   *  thread packs with this table. */
  void table_set(const std::vector<float>& values) {
    detail::check(seqfeat_column_table_set(owner_.get(), values.data(), values.size()));
  }

  static column numeric(const std::string& key, const numeric_options& options = {}) {
    seqfeat_numeric_options o;
    seqfeat_numeric_options_default(&o);
    if (!options.shape.empty()) {
      o.shape = options.shape.data();
      o.shape_rank = options.shape.size();
    }
    o.default_value = options.default_value;
    o.dtype = options.dtype;
    o.normalizer = options.normalizer;
    o.normalizer_a = options.normalizer_a;
    o.normalizer_b = options.normalizer_b;
    o.normalizer_fn = options.normalizer_fn;
    o.normalizer_user_data = options.normalizer_user_data;
    return create([&](seqfeat_column** out) {
      return seqfeat_numeric_column_create(key.c_str(), options.sequence, &o, out);
    });
  }

  static column identity(const std::string& key, int64_t num_buckets,
                         int64_t default_value = SEQFEAT_NO_DEFAULT, bool sequence = true) {
    return create([&](seqfeat_column** out) {
      return seqfeat_identity_column_create(key.c_str(), sequence, num_buckets, default_value,
                                            out);
    });
  }

  static column hash_bucket(const std::string& key, int64_t hash_bucket_size,
                            int32_t dtype = SEQFEAT_DTYPE_STRING, bool sequence = true) {
    return create([&](seqfeat_column** out) {
      return seqfeat_hash_bucket_column_create(key.c_str(), sequence, hash_bucket_size, dtype,
                                               out);
    });
  }

  static column vocabulary_list(const std::string& key, const string_array& vocabulary,
                                int64_t default_value = -1, int64_t num_oov_buckets = 0,
                                bool sequence = true) {
    return create([&](seqfeat_column** out) {
      return seqfeat_vocabulary_list_column_create_strings(
          key.c_str(), sequence, vocabulary.offsets(), vocabulary.bytes(), vocabulary.size(),
          default_value, num_oov_buckets, out);
    });
  }

  static column vocabulary_list(const std::string& key, const std::vector<int64_t>& vocabulary,
                                int32_t dtype = SEQFEAT_DTYPE_INT64, int64_t default_value = -1,
                                int64_t num_oov_buckets = 0, bool sequence = true) {
    return create([&](seqfeat_column** out) {
      return seqfeat_vocabulary_list_column_create_ints(key.c_str(), sequence, vocabulary.data(),
                                                        vocabulary.size(), dtype, default_value,
                                                        num_oov_buckets, out);
    });
  }

  /** vocabulary_size < 0: all lines. The file is read now. */
  static column vocabulary_file(const std::string& key, const std::string& path,
                                int64_t vocabulary_size = -1, int64_t num_oov_buckets = 0,
                                int64_t default_value = SEQFEAT_NO_DEFAULT,
                                int32_t dtype = SEQFEAT_DTYPE_STRING, bool sequence = true) {
    return create([&](seqfeat_column** out) {
      return seqfeat_vocabulary_file_column_create(key.c_str(), sequence, path.c_str(),
                                                   vocabulary_size, num_oov_buckets,
                                                   default_value, dtype, out);
    });
  }

  static column weighted(column_view categorical, const std::string& weight_feature_key,
                         int32_t dtype = SEQFEAT_DTYPE_FLOAT32) {
    return create([&](seqfeat_column** out) {
      return seqfeat_weighted_column_create(categorical.get(), weight_feature_key.c_str(), dtype,
                                            out);
    });
  }

  static column embedding(column_view categorical, const embedding_options& options) {
    const seqfeat_embedding_options o = options.to_c();
    return create([&](seqfeat_column** out) {
      return seqfeat_embedding_column_create(categorical.get(), &o, out);
    });
  }

  static column indicator(column_view categorical) {
    return create([&](seqfeat_column** out) {
      return seqfeat_indicator_column_create(categorical.get(), out);
    });
  }

  /** One column per categorical column, in input order, all sharing one table. */
  static std::vector<column> shared_embeddings(const std::vector<column_view>& categorical,
                                               const embedding_options& options,
                                               const std::string& collection_name = "") {
    std::vector<const seqfeat_column*> raw;
    raw.reserve(categorical.size());
    for (const column_view& c : categorical) raw.push_back(c.get());
    std::vector<seqfeat_column*> out(raw.size(), nullptr);
    const seqfeat_embedding_options o = options.to_c();
    detail::check(seqfeat_shared_embeddings_create(
        raw.data(), raw.size(), &o, collection_name.empty() ? nullptr : collection_name.c_str(),
        out.data()));
    std::vector<column> columns;
    columns.reserve(out.size());
    for (seqfeat_column* c : out) columns.emplace_back(c);
    return columns;
  }

 private:
  template <class Create>
  static column create(Create&& create_fn) {
    seqfeat_column* out = nullptr;
    detail::check(create_fn(&out));
    return column(out);
  }

  detail::handle<seqfeat_column> owner_;
};

/** A library-owned dense tensor (move-only). */
class tensor {
 public:
  tensor() noexcept = default;
  explicit tensor(seqfeat_tensor* raw) noexcept : raw_(raw) {}

  seqfeat_tensor* get() const noexcept { return raw_.get(); }
  explicit operator bool() const noexcept { return static_cast<bool>(raw_); }
  seqfeat_tensor* release() noexcept { return raw_.release(); }

  /** SEQFEAT_DTYPE_*. */
  int32_t dtype() const noexcept { return seqfeat_tensor_dtype(raw_.get()); }
  int32_t ndim() const noexcept { return seqfeat_tensor_ndim(raw_.get()); }
  std::vector<int64_t> shape() const {
    const int64_t* s = seqfeat_tensor_shape(raw_.get());
    const int32_t n = ndim();
    return s && n > 0 ? std::vector<int64_t>(s, s + n) : std::vector<int64_t>();
  }
  /** Number of elements. */
  size_t size() const noexcept {
    const int64_t n = seqfeat_tensor_size(raw_.get());
    return n > 0 ? static_cast<size_t>(n) : 0;
  }

  /** Typed data; throws SEQFEAT_ERR_DTYPE_MISMATCH if T is not the tensor's dtype. */
  template <class T>
  const T* data() const {
    if (dtype() != detail::dtype_of<T>::value)
      throw error(SEQFEAT_ERR_DTYPE_MISMATCH, "tensor dtype " + std::to_string(dtype()) +
                                                  " read as dtype " +
                                                  std::to_string(detail::dtype_of<T>::value));
    return static_cast<const T*>(seqfeat_tensor_data(raw_.get()));
  }
  template <class T>
  std::vector<T> to_vector() const {
    const T* d = data<T>();
    return d ? std::vector<T>(d, d + size()) : std::vector<T>();
  }

  /** Moves the tensor into a DLPack DLManagedTensor; the consumer calls its deleter once. */
  DLManagedTensor* to_dlpack() {
    DLManagedTensor* out = nullptr;
    seqfeat_tensor* raw = raw_.get();
    detail::check(seqfeat_tensor_to_dlpack(&raw, &out));
    raw_.release();  // the DLManagedTensor owns it now
    return out;
  }

 private:
  detail::handle<seqfeat_tensor> raw_;
};

struct sparse_tensors {
  tensor indices;     /* int64 [N, R] */
  tensor ids;         /* int64 [N] */
  tensor dense_shape; /* int64 [R] */
  tensor weights;     /* float32 [N], empty for unweighted columns */
};

/** Input features by key: views of caller memory (zero-copy). Every buffer passed to add_*
 *  must stay valid and unchanged until the batch is cleared or destroyed; the overloads taking
 *  std::vector<std::string> copy the strings into storage the batch owns, the *_string_views
 *  ones keep only the (pointer, length) pairs. Move-only. */
class batch {
 public:
  batch() { detail::check(seqfeat_batch_create(raw_.out())); }
  // std::deque's move may allocate a sentinel node in some standard libraries; moving a batch
  // is still treated as non-throwing, as is moving any container of batches.
  batch(batch&&) noexcept = default;
  batch& operator=(batch&&) noexcept = default;

  const seqfeat_batch* get() const noexcept { return raw_.get(); }
  seqfeat_batch* get() noexcept { return raw_.get(); }

  void clear() noexcept {
    seqfeat_batch_clear(raw_.get());
    owned_.clear();
    owned_views_.clear();
  }

  /** COO SparseTensor: indices [n, rank], dense_shape [rank], values [n]. */
  template <class T>
  void add_sparse(const std::string& key, const int64_t* indices, int64_t num_entries,
                  int64_t rank, const int64_t* dense_shape, const T* values) {
    detail::check(seqfeat_batch_add_sparse(raw_.get(), key.c_str(), indices, num_entries, rank,
                                           dense_shape, detail::dtype_of<T>::value, values));
  }
  template <class T>
  void add_sparse(const std::string& key, const std::vector<int64_t>& indices,
                  const std::vector<int64_t>& dense_shape, const std::vector<T>& values) {
    check_entries(key, indices.size(), dense_shape.size(), values.size());
    add_sparse(key, indices.data(), static_cast<int64_t>(values.size()),
               static_cast<int64_t>(dense_shape.size()), dense_shape.data(), values.data());
  }

  /** COO SparseTensor of strings, viewed (the string_array must outlive the batch). */
  void add_sparse_strings(const std::string& key, const std::vector<int64_t>& indices,
                          const std::vector<int64_t>& dense_shape, const string_array& values) {
    check_entries(key, indices.size(), dense_shape.size(), values.size());
    detail::check(seqfeat_batch_add_sparse_strings(
        raw_.get(), key.c_str(), indices.data(), static_cast<int64_t>(values.size()),
        static_cast<int64_t>(dense_shape.size()), dense_shape.data(), values.offsets(),
        values.bytes()));
  }
  /** COO SparseTensor of strings, copied into the batch. */
  void add_sparse_strings(const std::string& key, const std::vector<int64_t>& indices,
                          const std::vector<int64_t>& dense_shape,
                          const std::vector<std::string>& values) {
    add_sparse_strings(key, indices, dense_shape, keep(values));
  }

  /** COO SparseTensor of strings as views: the pairs are kept by the batch, the bytes are the
   *  caller's (they must outlive the batch). */
  void add_sparse_string_views(const std::string& key, const std::vector<int64_t>& indices,
                               const std::vector<int64_t>& dense_shape,
                               const std::vector<std::string_view>& values) {
    check_entries(key, indices.size(), dense_shape.size(), values.size());
    detail::check(seqfeat_batch_add_sparse_string_views(
        raw_.get(), key.c_str(), indices.data(), static_cast<int64_t>(values.size()),
        static_cast<int64_t>(dense_shape.size()), dense_shape.data(), keep_views(values)));
  }

  /** Dense [B, T] or [B, T, K]. */
  template <class T>
  void add_dense(const std::string& key, const std::vector<int64_t>& shape,
                 const std::vector<T>& values) {
    if (detail::product(shape) != static_cast<int64_t>(values.size()))
      throw error(SEQFEAT_ERR_INVALID_ARGUMENT,
                  "feature " + key + ": shape and number of values do not match");
    detail::check(seqfeat_batch_add_dense(raw_.get(), key.c_str(), shape.data(),
                                          static_cast<int64_t>(shape.size()),
                                          detail::dtype_of<T>::value, values.data()));
  }
  void add_dense_strings(const std::string& key, const std::vector<int64_t>& shape,
                         const string_array& values) {
    if (detail::product(shape) != static_cast<int64_t>(values.size()))
      throw error(SEQFEAT_ERR_INVALID_ARGUMENT,
                  "feature " + key + ": shape and number of strings do not match");
    detail::check(seqfeat_batch_add_dense_strings(raw_.get(), key.c_str(), shape.data(),
                                                  static_cast<int64_t>(shape.size()),
                                                  values.offsets(), values.bytes()));
  }
  void add_dense_strings(const std::string& key, const std::vector<int64_t>& shape,
                         const std::vector<std::string>& values) {
    add_dense_strings(key, shape, keep(values));
  }

  void add_dense_string_views(const std::string& key, const std::vector<int64_t>& shape,
                              const std::vector<std::string_view>& values) {
    if (detail::product(shape) != static_cast<int64_t>(values.size()))
      throw error(SEQFEAT_ERR_INVALID_ARGUMENT,
                  "feature " + key + ": shape and number of strings do not match");
    detail::check(seqfeat_batch_add_dense_string_views(raw_.get(), key.c_str(), shape.data(),
                                                       static_cast<int64_t>(shape.size()),
                                                       keep_views(values)));
  }

  /** Ragged: row_splits [B + 1]; step_splits [num_steps + 1] or empty for one value per step. */
  template <class T>
  void add_ragged(const std::string& key, const std::vector<int64_t>& row_splits,
                  const std::vector<int64_t>& step_splits, const std::vector<T>& values) {
    check_splits(key, row_splits);
    detail::check(seqfeat_batch_add_ragged(
        raw_.get(), key.c_str(), static_cast<int64_t>(row_splits.size()) - 1, row_splits.data(),
        step_splits.empty() ? 0 : static_cast<int64_t>(step_splits.size()) - 1,
        step_splits.empty() ? nullptr : step_splits.data(), detail::dtype_of<T>::value,
        values.data(), static_cast<int64_t>(values.size())));
  }
  void add_ragged_strings(const std::string& key, const std::vector<int64_t>& row_splits,
                          const std::vector<int64_t>& step_splits, const string_array& values) {
    check_splits(key, row_splits);
    detail::check(seqfeat_batch_add_ragged_strings(
        raw_.get(), key.c_str(), static_cast<int64_t>(row_splits.size()) - 1, row_splits.data(),
        step_splits.empty() ? 0 : static_cast<int64_t>(step_splits.size()) - 1,
        step_splits.empty() ? nullptr : step_splits.data(), values.offsets(), values.bytes(),
        static_cast<int64_t>(values.size())));
  }
  void add_ragged_strings(const std::string& key, const std::vector<int64_t>& row_splits,
                          const std::vector<int64_t>& step_splits,
                          const std::vector<std::string>& values) {
    add_ragged_strings(key, row_splits, step_splits, keep(values));
  }
  void add_ragged_string_views(const std::string& key, const std::vector<int64_t>& row_splits,
                               const std::vector<int64_t>& step_splits,
                               const std::vector<std::string_view>& values) {
    check_splits(key, row_splits);
    detail::check(seqfeat_batch_add_ragged_string_views(
        raw_.get(), key.c_str(), static_cast<int64_t>(row_splits.size()) - 1, row_splits.data(),
        step_splits.empty() ? 0 : static_cast<int64_t>(step_splits.size()) - 1,
        step_splits.empty() ? nullptr : step_splits.data(), keep_views(values),
        static_cast<int64_t>(values.size())));
  }

 private:
  static void check_entries(const std::string& key, size_t indices, size_t rank, size_t n) {
    if (indices != n * rank)
      throw error(SEQFEAT_ERR_INVALID_ARGUMENT,
                  "feature " + key + ": indices must hold num_entries * rank values");
  }
  static void check_splits(const std::string& key, const std::vector<int64_t>& row_splits) {
    if (row_splits.empty())
      throw error(SEQFEAT_ERR_INVALID_ARGUMENT,
                  "feature " + key + ": row_splits must have batch_size + 1 entries");
  }
  const string_array& keep(const std::vector<std::string>& values) {
    owned_.emplace_back(values);  // deque: earlier arrays never move
    return owned_.back();
  }

  const seqfeat_string_view* keep_views(const std::vector<std::string_view>& values) {
    std::vector<seqfeat_string_view> pairs;
    pairs.reserve(values.size());
    for (std::string_view v : values) pairs.push_back({v.data(), v.size()});
    owned_views_.push_back(std::move(pairs));  // deque: earlier vectors never move
    return owned_views_.back().data();
  }

  detail::handle<seqfeat_batch> raw_;
  std::deque<string_array> owned_;
  std::deque<std::vector<seqfeat_string_view>> owned_views_;
};

inline std::pair<tensor, tensor> column_view::get_sequence_dense_tensor(
    const batch& features) const {
  seqfeat_tensor* dense = nullptr;
  seqfeat_tensor* lengths = nullptr;
  detail::check(seqfeat_column_get_sequence_dense_tensor(raw_, features.get(), &dense, &lengths));
  return {tensor(dense), tensor(lengths)};
}

inline sparse_tensors column_view::get_sparse_tensors(const batch& features) const {
  seqfeat_tensor* indices = nullptr;
  seqfeat_tensor* ids = nullptr;
  seqfeat_tensor* dense_shape = nullptr;
  seqfeat_tensor* weights = nullptr;
  detail::check(seqfeat_column_get_sparse_tensors(raw_, features.get(), &indices, &ids,
                                                  &dense_shape, &weights));
  return {tensor(indices), tensor(ids), tensor(dense_shape), tensor(weights)};
}

/** Per-call, per-column statistics (move-only). */
class stats {
 public:
  stats() { detail::check(seqfeat_stats_create(raw_.out())); }

  seqfeat_stats* get() const noexcept { return raw_.get(); }
  size_t num_columns() const noexcept { return seqfeat_stats_num_columns(raw_.get()); }
  std::string column_name(size_t index) const {
    return detail::cstr_or_empty(seqfeat_stats_column_name(raw_.get(), index));
  }
  /** One SEQFEAT_STAT_* counter of column `index`. */
  int64_t get(size_t index, int32_t stat) const {
    int64_t out = 0;
    detail::check(seqfeat_stats_get(raw_.get(), index, stat, &out));
    return out;
  }
  /** One counter of the column called `name`. */
  int64_t get(const std::string& name, int32_t stat) const {
    for (size_t i = 0; i < num_columns(); ++i)
      if (column_name(i) == name) return get(i, stat);
    throw error(SEQFEAT_ERR_NOT_FOUND, "no statistics for column " + name);
  }

 private:
  detail::handle<seqfeat_stats> raw_;
};

/** Pack options; the defaults are TF's behaviour. */
struct pack_options {
  int64_t max_length = 0;                /* 0: T from the input; > 0: fixed T */
  int32_t padding = SEQFEAT_PAD_POST;    /* or SEQFEAT_PAD_PRE */
  int32_t truncating = SEQFEAT_PAD_POST; /* or SEQFEAT_PAD_PRE */
  bool strict = false;
  int32_t num_threads = 0; /* 0: the machine's cores */

  seqfeat_pack_options to_c() const {
    seqfeat_pack_options o;
    seqfeat_pack_options_default(&o);
    o.max_length = max_length;
    o.padding = padding;
    o.truncating = truncating;
    o.strict = strict ? 1 : 0;
    o.num_threads = num_threads;
    return o;
  }
};

struct output_shape {
  int64_t batch = 0, steps = 0, depth = 0;
  size_t dense_size() const { return static_cast<size_t>(batch * steps * depth); }
  size_t lengths_size() const { return static_cast<size_t>(batch); }
  size_t mask_size() const { return static_cast<size_t>(batch * steps); }
};

struct packed {
  tensor dense;           /* float32 [B, T, depth] */
  tensor sequence_length; /* int64 [B] */
  tensor mask;            /* uint8 [B, T] if asked for, else empty */
};

/** How load() provides embedding tables: copied (writable) or memory-mapped read-only. */
enum class table_storage { copy = SEQFEAT_TABLES_COPY, mmap = SEQFEAT_TABLES_MMAP };

namespace detail {
inline seqfeat_load_options load_options(table_storage storage) {
  seqfeat_load_options o;
  seqfeat_load_options_default(&o);
  o.tables = static_cast<int32_t>(storage);
  return o;
}
}  // namespace detail

class plan;

/** TF's SequenceFeatures(columns): sorted by name; immutable and shareable (move-only). */
class sequence_features {
 public:
  /** The layer saved in `directory` (pipeline.json + tables.safetensors) by any language. */
  static sequence_features load(const std::string& directory,
                                table_storage storage = table_storage::copy) {
    const seqfeat_load_options o = detail::load_options(storage);
    seqfeat_features* raw = nullptr;
    detail::check(seqfeat_features_load(directory.c_str(), &o, &raw));
    return sequence_features(raw);
  }
  /** Writes pipeline.json and tables.safetensors into `directory`. */
  void save(const std::string& directory) const {
    detail::check(seqfeat_features_save(raw_.get(), directory.c_str(), nullptr));
  }
  std::string name() const { return seqfeat_features_name(raw_.get()); }
  /** The column named `name`; throws error(SEQFEAT_ERR_NOT_FOUND) otherwise. */
  column_view find_column(const std::string& name) const {
    const seqfeat_column* out = nullptr;
    detail::check(seqfeat_features_find_column(raw_.get(), name.c_str(), &out));
    return column_view(out);
  }
  /** Packs with the layer's call defaults (TF's, or those saved with the layer). */
  packed pack_with_defaults(const batch& features) const {
    seqfeat_tensor* dense = nullptr;
    seqfeat_tensor* lengths = nullptr;
    detail::check(seqfeat_features_pack(raw_.get(), features.get(), nullptr, &dense, &lengths, nullptr,
                                        nullptr));
    return {tensor(dense), tensor(lengths), tensor(nullptr)};
  }

  explicit sequence_features(const std::vector<column_view>& columns) {
    std::vector<const seqfeat_column*> raw;
    raw.reserve(columns.size());
    for (const column_view& c : columns) raw.push_back(c.get());
    detail::check(seqfeat_features_create(raw.data(), raw.size(), raw_.out()));
  }

  const seqfeat_features* get() const noexcept { return raw_.get(); }
  size_t num_columns() const noexcept { return seqfeat_features_num_columns(raw_.get()); }
  /** Column `index` in layer (sorted) order; empty view if out of range. */
  column_view column(size_t index) const noexcept {
    return column_view(seqfeat_features_column(raw_.get(), index));
  }
  /** (offset, width) of column `index` in the last output axis. */
  std::pair<int64_t, int64_t> column_slice(size_t index) const {
    int64_t offset = 0, width = 0;
    detail::check(seqfeat_features_column_slice(raw_.get(), index, &offset, &width));
    return {offset, width};
  }
  int64_t depth() const noexcept { return seqfeat_features_depth(raw_.get()); }

  output_shape shape(const batch& features, const pack_options& options = {}) const {
    const seqfeat_pack_options o = options.to_c();
    output_shape s;
    detail::check(seqfeat_features_output_shape(raw_.get(), features.get(), &o, &s.batch, &s.steps,
                                                &s.depth));
    return s;
  }

  /** Packs into caller buffers; nothing is written on failure. */
  void pack_into(const batch& features, const pack_options& options, float* dense,
                 size_t dense_count, int64_t* lengths, size_t lengths_count,
                 uint8_t* mask = nullptr, size_t mask_count = 0,
                 stats* statistics = nullptr) const {
    const seqfeat_pack_options o = options.to_c();
    detail::check(seqfeat_features_pack_into(raw_.get(), features.get(), &o, dense, dense_count,
                                             lengths, lengths_count, mask, mask_count,
                                             statistics ? statistics->get() : nullptr));
  }
  void pack_into(const batch& features, const pack_options& options, std::vector<float>& dense,
                 std::vector<int64_t>& lengths, std::vector<uint8_t>* mask = nullptr,
                 stats* statistics = nullptr) const {
    pack_into(features, options, dense.data(), dense.size(), lengths.data(), lengths.size(),
              mask ? mask->data() : nullptr, mask ? mask->size() : 0, statistics);
  }

  /** Packs into library-owned tensors. */
  packed pack(const batch& features, const pack_options& options = {}, bool with_mask = false,
              stats* statistics = nullptr) const {
    const seqfeat_pack_options o = options.to_c();
    seqfeat_tensor* dense = nullptr;
    seqfeat_tensor* lengths = nullptr;
    seqfeat_tensor* mask = nullptr;
    detail::check(seqfeat_features_pack(raw_.get(), features.get(), &o, &dense, &lengths,
                                        with_mask ? &mask : nullptr,
                                        statistics ? statistics->get() : nullptr));
    return {tensor(dense), tensor(lengths), tensor(mask)};
  }

  /** Plans a batch for tables that live elsewhere (see class plan); the batch may be freed
   *  afterwards. */
  seqfeat::plan plan(const batch& features, const pack_options& options = {}) const;

 private:
  explicit sequence_features(seqfeat_features* raw) noexcept : raw_(raw) {}
  detail::handle<seqfeat_features> raw_;
};

/** One table of a plan: its name, the sorted unique ids [U] the pack reads from it, and D. */
struct planned_table {
  std::string name;
  std::vector<int64_t> ids;
  int64_t dimension = 0;
};

/** A planned batch (the plan / pack split, seqfeat_features_plan): the ids each embedding table
 *  needs; pack_into packs from the caller's rows of those ids (bit-identical to packing from
 *  the tables) and backward returns the gradient rows in the same order. Immutable: any number
 *  of threads may use one plan. Move-only; keeps its layer alive. */
class plan {
 public:
  size_t num_tables() const noexcept { return seqfeat_plan_num_tables(raw_.get()); }
  planned_table table(size_t index) const {
    const char* name = nullptr;
    const int64_t* ids = nullptr;
    int64_t count = 0;
    planned_table out;
    detail::check(seqfeat_plan_table(raw_.get(), index, &name, &ids, &count, &out.dimension));
    out.name = detail::cstr_or_empty(name);
    if (count > 0) out.ids.assign(ids, ids + count);
    return out;
  }
  std::vector<planned_table> tables() const {
    std::vector<planned_table> out;
    for (size_t t = 0; t < num_tables(); ++t) out.push_back(table(t));
    return out;
  }
  output_shape shape() const {
    output_shape s;
    detail::check(seqfeat_plan_output_shape(raw_.get(), &s.batch, &s.steps, &s.depth));
    return s;
  }

  /** Packs from rows[t] = the rows of table(t).ids, [U, D] row-major; nothing is written on
   *  failure (wrong table count or sizes name the table). */
  void pack_into(const std::vector<std::vector<float>>& rows, std::vector<float>& dense,
                 std::vector<int64_t>& lengths, std::vector<uint8_t>* mask = nullptr,
                 stats* statistics = nullptr) const {
    const std::vector<seqfeat_rows> supplied = c_rows(rows);
    detail::check(seqfeat_plan_pack_into(raw_.get(), supplied.data(), supplied.size(),
                                         dense.data(), dense.size(), lengths.data(),
                                         lengths.size(), mask ? mask->data() : nullptr,
                                         mask ? mask->size() : 0,
                                         statistics ? statistics->get() : nullptr));
  }

  /** The gradient rows of every table in its planned-id order ([U, D] per table), given
   *  grad = d loss / d dense of shape grad_shape ({B, T, depth}) and the rows packed from:
   *  bit-identical to seqfeat_features_backward's row of that id, zero where no trainable
   *  column reads it. */
  std::vector<std::vector<float>> backward(const std::vector<std::vector<float>>& rows,
                                           const std::vector<float>& grad,
                                           const std::vector<int64_t>& grad_shape) const {
    const std::vector<seqfeat_rows> supplied = c_rows(rows);
    std::vector<std::vector<float>> out(num_tables());
    std::vector<seqfeat_gradient_rows> buffers(out.size());
    for (size_t t = 0; t < out.size(); ++t) {
      int64_t count = 0, dimension = 0;
      detail::check(seqfeat_plan_table(raw_.get(), t, nullptr, nullptr, &count, &dimension));
      out[t].resize(static_cast<size_t>(count * dimension));
      buffers[t] = {out[t].data(), count, dimension};
    }
    detail::check(seqfeat_plan_backward(raw_.get(), supplied.data(), supplied.size(), grad.data(),
                                        grad_shape.data(), grad_shape.size(), buffers.data(),
                                        buffers.size()));
    return out;
  }

  const seqfeat_plan* get() const noexcept { return raw_.get(); }

 private:
  friend class sequence_features;
  explicit plan(seqfeat_plan* raw) noexcept : raw_(raw) {}

  /** rows[t] as seqfeat_rows, count = size / D of table t (the library checks the counts). */
  std::vector<seqfeat_rows> c_rows(const std::vector<std::vector<float>>& rows) const {
    std::vector<seqfeat_rows> out(rows.size());
    for (size_t t = 0; t < rows.size(); ++t) {
      int64_t dimension = 0;
      if (t < num_tables())
        detail::check(seqfeat_plan_table(raw_.get(), t, nullptr, nullptr, nullptr, &dimension));
      const auto size = static_cast<int64_t>(rows[t].size());
      out[t] = {rows[t].data(), dimension > 0 ? size / dimension : size, dimension};
      if (dimension > 0 && size % dimension != 0) out[t].count = -1;  // a partial row: rejected
    }
    return out;
  }

  detail::handle<seqfeat_plan> raw_;
};

inline plan sequence_features::plan(const batch& features, const pack_options& options) const {
  const seqfeat_pack_options o = options.to_c();
  seqfeat_plan* raw = nullptr;
  detail::check(seqfeat_features_plan(raw_.get(), features.get(), &o, &raw));
  return seqfeat::plan(raw);
}

/** TF's DenseFeatures(columns) for context columns: [B, depth] (move-only). */
class dense_features {
 public:
  /** The DenseFeatures layer saved in `directory`. */
  static dense_features load(const std::string& directory,
                             table_storage storage = table_storage::copy) {
    const seqfeat_load_options o = detail::load_options(storage);
    seqfeat_dense_features* raw = nullptr;
    detail::check(seqfeat_dense_features_load(directory.c_str(), &o, &raw));
    return dense_features(raw);
  }
  void save(const std::string& directory) const {
    detail::check(seqfeat_dense_features_save(raw_.get(), directory.c_str(), nullptr));
  }
  column_view find_column(const std::string& name) const {
    const seqfeat_column* out = nullptr;
    detail::check(seqfeat_dense_features_find_column(raw_.get(), name.c_str(), &out));
    return column_view(out);
  }

  explicit dense_features(const std::vector<column_view>& columns) {
    std::vector<const seqfeat_column*> raw;
    raw.reserve(columns.size());
    for (const column_view& c : columns) raw.push_back(c.get());
    detail::check(seqfeat_dense_features_create(raw.data(), raw.size(), raw_.out()));
  }

  const seqfeat_dense_features* get() const noexcept { return raw_.get(); }
  int64_t depth() const noexcept { return seqfeat_dense_features_depth(raw_.get()); }

  /** (batch, depth) for this batch. */
  std::pair<int64_t, int64_t> shape(const batch& features) const {
    int64_t b = 0, d = 0;
    detail::check(seqfeat_dense_features_output_shape(raw_.get(), features.get(), &b, &d));
    return {b, d};
  }
  void pack_into(const batch& features, float* out, size_t count) const {
    detail::check(seqfeat_dense_features_pack_into(raw_.get(), features.get(), out, count));
  }
  std::vector<float> pack(const batch& features) const {
    const auto s = shape(features);
    std::vector<float> out(static_cast<size_t>(s.first * s.second));
    pack_into(features, out.data(), out.size());
    return out;
  }

 private:
  explicit dense_features(seqfeat_dense_features* raw) noexcept : raw_(raw) {}
  detail::handle<seqfeat_dense_features> raw_;
};

/** concatenate_context_input: out[b, t] = concat(sequence[b, t, :], context[b, :]). */
inline std::vector<float> concatenate_context_input(const std::vector<float>& context,
                                                    int64_t context_depth,
                                                    const std::vector<float>& sequence,
                                                    int64_t batch_size, int64_t steps,
                                                    int64_t sequence_depth) {
  if (static_cast<int64_t>(context.size()) != batch_size * context_depth ||
      static_cast<int64_t>(sequence.size()) != batch_size * steps * sequence_depth)
    throw error(SEQFEAT_ERR_INVALID_ARGUMENT,
                "concatenate_context_input: sizes do not match batch, steps and depths");
  std::vector<float> out(static_cast<size_t>(batch_size * steps * (sequence_depth + context_depth)));
  detail::check(seqfeat_concatenate_context_input(context.data(), context_depth, sequence.data(),
                                                  batch_size, steps, sequence_depth, out.data(),
                                                  out.size()));
  return out;
}

}  // namespace seqfeat

#endif /* SEQFEAT_SEQFEAT_HPP */
