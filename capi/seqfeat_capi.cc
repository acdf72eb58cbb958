// The C shim: unwraps handles, calls the core, turns exceptions into status codes. No
// exception crosses this boundary; out-parameters are written only after success.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <fmt/ranges.h>

#include "seqfeat/seqfeat.h"

#include "checked.h"
#include "column.h"
#include "dense_features.h"
#include "error.h"
#include "example_reader.h"
#include "input.h"
#include "pipeline_io.h"
#include "parse_spec.h"
#include "sequence_features.h"
#include "tensor.h"
#include "shim.h"
#include "tfrecord.h"

namespace {

using seqfeat::Code;
using seqfeat::fail;
using seqfeat::shim::embedding_of;
using seqfeat::shim::guard;
using seqfeat::shim::to_pack_options;

std::string key_string(const char* key, const char* fn, const char* what = "key") {
  if (key == nullptr) fail(Code::kInvalidArgument, "{}: {} is NULL", fn, what);
  if (key[0] == '\0') fail(Code::kInvalidArgument, "{}: {} must be a non-empty string.", fn, what);
  return key;
}

std::shared_ptr<const seqfeat::CategoricalColumn> as_categorical(const seqfeat_column* c,
                                                                 const char* fn) {
  REQUIRE(c, fn);
  auto cat = std::dynamic_pointer_cast<const seqfeat::CategoricalColumn>(c->column);
  if (!cat)
    fail(Code::kInvalidArgument,
         "{}: Unsupported input type. Input must be a CategoricalColumn. Given: {} ({})", fn,
         c->column->name(), c->column->type_name());
  return cat;
}

std::unique_ptr<seqfeat_column> make_handle(std::shared_ptr<const seqfeat::Column> c) {
  auto h = std::make_unique<seqfeat_column>();
  std::shared_ptr<const seqfeat::Column> inner;
  if (auto* e = dynamic_cast<const seqfeat::EmbeddingColumn*>(c.get()))
    inner = e->categorical_ptr();
  else if (auto* i = dynamic_cast<const seqfeat::IndicatorColumn*>(c.get()))
    inner = i->categorical_ptr();
  else if (auto* w = dynamic_cast<const seqfeat::CategoricalColumn*>(c.get()))
    inner = w->wrapped();
  if (inner) h->inner = make_handle(std::move(inner));
  h->column = std::move(c);
  return h;
}

seqfeat_column* new_handle(std::shared_ptr<const seqfeat::Column> c) {
  return make_handle(std::move(c)).release();
}

// Copies the fields of a versioned options struct that the caller's struct_size covers over
// `opts` (already holding the defaults): a caller built against an older, shorter struct keeps
// the defaults of the fields added since. `min_size` covers the fields every version has.
template <class Options>
void copy_options(const Options* from, size_t min_size, Options& opts, const char* fn) {
  if (from->struct_size < min_size)
    fail(Code::kInvalidArgument, "{}: opts->struct_size {} is too small", fn, from->struct_size);
  std::memcpy(&opts, from, std::min(from->struct_size, sizeof(opts)));
}

seqfeat::EmbeddingSpec to_spec(const seqfeat_embedding_options* o, const char* fn) {
  REQUIRE(o, fn);
  seqfeat_embedding_options opts;
  seqfeat_embedding_options_default(&opts);
  copy_options(o, sizeof(size_t) + sizeof(int64_t), opts, fn);
  if (opts.combiner < 0 || opts.combiner > 2)
    fail(Code::kInvalidArgument, "{}: combiner must be one of 'mean', 'sqrtn' or 'sum' (code {})",
         fn, opts.combiner);
  seqfeat::EmbeddingSpec s;
  s.dimension = opts.dimension;
  s.combiner = static_cast<seqfeat::Combiner>(opts.combiner);
  if (opts.has_max_norm) s.max_norm = opts.max_norm;
  s.trainable = opts.trainable != 0;
  s.seed = opts.seed;
  s.initial_table = opts.initial_table;
  s.initial_table_count = opts.initial_table_count;
  return s;
}

// A vocabulary size given by the caller: bounded so that its arrays' sizes cannot wrap and
// the vocabulary's copy stays under the allocation limit.
int64_t vocabulary_limit(size_t vocabulary_size, const char* fn, const std::string& column) {
  if (vocabulary_size > static_cast<size_t>(INT64_MAX / 16))
    fail(Code::kInvalidArgument, "{}: vocabulary_size {} is too large (column {})", fn,
         vocabulary_size, column);
  const auto n = static_cast<int64_t>(vocabulary_size);
  seqfeat::checked_bytes(n, 16, "{}: vocabulary of {} keys (column {})", fn, n, column);
  return n;
}

template <class T>
std::unique_ptr<seqfeat::Tensor> tensor_from(seqfeat::DType dtype, std::vector<int64_t> shape,
                                             const std::vector<T>& values) {
  auto t = std::make_unique<seqfeat::Tensor>(dtype, std::move(shape));
  if (!values.empty()) std::memcpy(t->data(), values.data(), values.size() * sizeof(T));
  return t;
}

// The core's view of caller rows (seqfeat_rows -> SuppliedRows, seqfeat_gradient_rows ->
// GradientRows: the same three fields).
template <class Core, class C>
std::vector<Core> to_core_rows(const C* rows, size_t num_rows) {
  std::vector<Core> out(rows ? num_rows : 0);
  for (size_t t = 0; t < out.size(); ++t) out[t] = {rows[t].data, rows[t].count, rows[t].dimension};
  return out;
}

}  // namespace

extern "C" {

const char* seqfeat_status_string(seqfeat_status status) {
  switch (status) {
    case SEQFEAT_OK: return "ok";
    case SEQFEAT_ERR_INVALID_ARGUMENT: return "invalid argument";
    case SEQFEAT_ERR_OUT_OF_RANGE: return "out of range";
    case SEQFEAT_ERR_DTYPE_MISMATCH: return "dtype mismatch";
    case SEQFEAT_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case SEQFEAT_ERR_NOT_FOUND: return "not found";
    case SEQFEAT_ERR_IO: return "I/O error";
    case SEQFEAT_ERR_OUT_OF_MEMORY: return "out of memory";
    case SEQFEAT_ERR_INTERNAL: return "internal error";
    default: return "unknown status";
  }
}

const char* seqfeat_last_error_message(void) { return seqfeat::shim::last_error().c_str(); }

uint32_t seqfeat_version_number(void) { return SEQFEAT_VERSION_NUMBER; }
const char* seqfeat_version_string(void) { return SEQFEAT_VERSION_STRING; }

seqfeat_status seqfeat_set_limit(int32_t limit, int64_t value) {
  return guard([&] {
    const char* fn = "seqfeat_set_limit";
    if (limit != SEQFEAT_LIMIT_ALLOCATION_BYTES)
      fail(Code::kInvalidArgument, "{}: unknown limit {} (expected SEQFEAT_LIMIT_*)", fn, limit);
    if (value < 0)
      fail(Code::kInvalidArgument, "{}: allocation limit must be >= 0 bytes, got {}", fn, value);
    seqfeat::set_allocation_limit(static_cast<size_t>(value));
  });
}

seqfeat_status seqfeat_get_limit(int32_t limit, int64_t* out) {
  return guard([&] {
    const char* fn = "seqfeat_get_limit";
    REQUIRE(out, fn);
    if (limit != SEQFEAT_LIMIT_ALLOCATION_BYTES)
      fail(Code::kInvalidArgument, "{}: unknown limit {} (expected SEQFEAT_LIMIT_*)", fn, limit);
    *out = static_cast<int64_t>(std::min<size_t>(seqfeat::allocation_limit(), INT64_MAX));
  });
}

// ---------------------------------------------------------------------------------- columns

void seqfeat_numeric_options_default(seqfeat_numeric_options* opts) {
  if (opts == nullptr) return;
  std::memset(opts, 0, sizeof(*opts));
  opts->struct_size = sizeof(*opts);
  opts->dtype = SEQFEAT_DTYPE_FLOAT32;
  opts->normalizer = SEQFEAT_NORMALIZER_NONE;
}

void seqfeat_embedding_options_default(seqfeat_embedding_options* opts) {
  if (opts == nullptr) return;
  std::memset(opts, 0, sizeof(*opts));
  opts->struct_size = sizeof(*opts);
  opts->combiner = SEQFEAT_COMBINER_MEAN;
  opts->trainable = 1;
}

void seqfeat_pack_options_default(seqfeat_pack_options* opts) {
  if (opts == nullptr) return;
  std::memset(opts, 0, sizeof(*opts));
  opts->struct_size = sizeof(*opts);
  opts->padding = SEQFEAT_PAD_POST;
  opts->truncating = SEQFEAT_PAD_POST;
}

seqfeat_status seqfeat_numeric_column_create(const char* key, int32_t sequence,
                                             const seqfeat_numeric_options* o,
                                             seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_numeric_column_create";
    REQUIRE(out, fn);
    std::string k = key_string(key, fn);
    seqfeat_numeric_options opts;
    seqfeat_numeric_options_default(&opts);
    if (o) copy_options(o, sizeof(size_t), opts, fn);
    std::vector<int64_t> shape;
    if (opts.shape_rank > 0) {
      if (opts.shape == nullptr) fail(Code::kInvalidArgument, "{}: opts->shape is NULL", fn);
      shape.assign(opts.shape, opts.shape + opts.shape_rank);
    }
    if (opts.normalizer < SEQFEAT_NORMALIZER_NONE || opts.normalizer > SEQFEAT_NORMALIZER_CALLBACK)
      fail(Code::kInvalidArgument, "{}: unknown normalizer {} for key {}", fn, opts.normalizer, k);
    seqfeat::Normalizer norm;
    norm.kind = static_cast<seqfeat::NormalizerKind>(opts.normalizer);
    norm.a = opts.normalizer_a;
    norm.b = opts.normalizer_b;
    norm.fn = opts.normalizer_fn;
    norm.user_data = opts.normalizer_user_data;
    const seqfeat::DType dtype =
        seqfeat::dtype_from_int(opts.dtype, fmt::format("{} (key {})", fn, k));
    auto col = std::make_shared<seqfeat::NumericColumn>(k, sequence != 0, std::move(shape),
                                                        opts.default_value, dtype, norm);
    *out = new_handle(std::move(col));
  });
}

seqfeat_status seqfeat_identity_column_create(const char* key, int32_t sequence,
                                              int64_t num_buckets, int64_t default_value,
                                              seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_identity_column_create";
    REQUIRE(out, fn);
    std::string k = key_string(key, fn);
    std::optional<int64_t> def;
    if (default_value != SEQFEAT_NO_DEFAULT) def = default_value;
    *out = new_handle(seqfeat::make_identity_column(k, sequence != 0, num_buckets, def));
  });
}

seqfeat_status seqfeat_hash_bucket_column_create(const char* key, int32_t sequence,
                                                 int64_t hash_bucket_size, int32_t dtype,
                                                 seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_hash_bucket_column_create";
    REQUIRE(out, fn);
    std::string k = key_string(key, fn);
    const seqfeat::DType t = seqfeat::dtype_from_int(dtype, fmt::format("{} (key {})", fn, k));
    *out = new_handle(seqfeat::make_hash_bucket_column(k, sequence != 0, hash_bucket_size, t));
  });
}

seqfeat_status seqfeat_vocabulary_list_column_create_strings(
    const char* key, int32_t sequence, const int64_t* offsets, const char* bytes,
    size_t vocabulary_size, int64_t default_value, int64_t num_oov_buckets, seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_vocabulary_list_column_create_strings";
    REQUIRE(out, fn);
    std::string k = key_string(key, fn);
    std::vector<std::string> vocab;
    if (vocabulary_size > 0) {
      if (offsets == nullptr) fail(Code::kInvalidArgument, "{}: offsets is NULL (column {})", fn, k);
      const int64_t n = vocabulary_limit(vocabulary_size, fn, k);
      if (offsets[0] != 0)
        fail(Code::kInvalidArgument, "{}: offsets[0] must be 0, got {} (column {})", fn,
             offsets[0], k);
      for (int64_t i = 0; i < n; ++i)
        if (offsets[i + 1] < offsets[i])
          fail(Code::kInvalidArgument,
               "{}: offsets decrease at vocabulary entry {}: offsets[{}] = {} < offsets[{}] = {} "
               "(column {})",
               fn, i, i + 1, offsets[i + 1], i, offsets[i], k);
      if (bytes == nullptr && offsets[n] > 0)
        fail(Code::kInvalidArgument, "{}: bytes is NULL but offsets[{}] = {} (column {})", fn, n,
             offsets[n], k);
      seqfeat::checked_bytes(offsets[n], 1, "{}: vocabulary of {} keys (column {})", fn, n, k);
      vocab.reserve(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i)
        vocab.emplace_back(bytes + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i]));
    }
    *out = new_handle(seqfeat::make_vocabulary_list_column(k, sequence != 0, std::move(vocab),
                                                           default_value, num_oov_buckets));
  });
}

seqfeat_status seqfeat_vocabulary_list_column_create_ints(const char* key, int32_t sequence,
                                                          const int64_t* values,
                                                          size_t vocabulary_size, int32_t dtype,
                                                          int64_t default_value,
                                                          int64_t num_oov_buckets,
                                                          seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_vocabulary_list_column_create_ints";
    REQUIRE(out, fn);
    std::string k = key_string(key, fn);
    if (vocabulary_size > 0 && values == nullptr)
      fail(Code::kInvalidArgument, "{}: values is NULL (column {})", fn, k);
    const int64_t n = vocabulary_limit(vocabulary_size, fn, k);
    std::vector<int64_t> vocab(values, values + n);
    const seqfeat::DType t = seqfeat::dtype_from_int(dtype, fn);
    *out = new_handle(seqfeat::make_vocabulary_list_column(k, sequence != 0, std::move(vocab), t,
                                                           default_value, num_oov_buckets));
  });
}

seqfeat_status seqfeat_vocabulary_file_column_create(const char* key, int32_t sequence,
                                                     const char* vocabulary_file,
                                                     int64_t vocabulary_size,
                                                     int64_t num_oov_buckets,
                                                     int64_t default_value, int32_t dtype,
                                                     seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_vocabulary_file_column_create";
    REQUIRE(out, fn);
    std::string k = key_string(key, fn);
    std::optional<int64_t> def;
    if (default_value != SEQFEAT_NO_DEFAULT) def = default_value;
    const seqfeat::DType t = seqfeat::dtype_from_int(dtype, fn);
    *out = new_handle(seqfeat::make_vocabulary_file_column(
        k, sequence != 0, vocabulary_file ? vocabulary_file : "", vocabulary_size,
        num_oov_buckets, def, t));
  });
}

seqfeat_status seqfeat_weighted_column_create(const seqfeat_column* categorical,
                                              const char* weight_feature_key, int32_t dtype,
                                              seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_weighted_column_create";
    REQUIRE(out, fn);
    auto cat = as_categorical(categorical, fn);
    std::string k = key_string(weight_feature_key, fn, "weight_feature_key");
    const seqfeat::DType t = seqfeat::dtype_from_int(dtype, fn);
    *out = new_handle(seqfeat::make_weighted_column(std::move(cat), k, t));
  });
}

seqfeat_status seqfeat_embedding_column_create(const seqfeat_column* categorical,
                                               const seqfeat_embedding_options* opts,
                                               seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_embedding_column_create";
    REQUIRE(out, fn);
    auto cat = as_categorical(categorical, fn);
    *out = new_handle(seqfeat::make_embedding_column(std::move(cat), to_spec(opts, fn)));
  });
}

seqfeat_status seqfeat_shared_embeddings_create(const seqfeat_column* const* categorical,
                                                size_t count,
                                                const seqfeat_embedding_options* opts,
                                                const char* collection_name,
                                                seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_shared_embeddings_create";
    REQUIRE(out, fn);
    REQUIRE(categorical, fn);
    if (count == 0) fail(Code::kInvalidArgument, "{}: count must be >= 1", fn);
    std::vector<std::shared_ptr<const seqfeat::CategoricalColumn>> cats;
    for (size_t i = 0; i < count; ++i) cats.push_back(as_categorical(categorical[i], fn));
    auto cols = seqfeat::make_shared_embeddings(cats, to_spec(opts, fn),
                                                collection_name ? collection_name : "");
    std::vector<std::unique_ptr<seqfeat_column>> handles;
    for (auto& c : cols) handles.emplace_back(new_handle(c));
    for (size_t i = 0; i < count; ++i) out[i] = handles[i].release();
  });
}

seqfeat_status seqfeat_indicator_column_create(const seqfeat_column* categorical,
                                               seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_indicator_column_create";
    REQUIRE(out, fn);
    auto cat = as_categorical(categorical, fn);
    *out = new_handle(std::make_shared<seqfeat::IndicatorColumn>(std::move(cat)));
  });
}

void seqfeat_column_free(seqfeat_column* column) { delete column; }

const char* seqfeat_column_name(const seqfeat_column* column) {
  return column ? column->column->name().c_str() : "";
}

int32_t seqfeat_column_kind(const seqfeat_column* column) {
  return column ? static_cast<int32_t>(column->column->kind()) : 0;
}

int32_t seqfeat_column_is_sequence(const seqfeat_column* column) {
  return column && column->column->is_sequence() ? 1 : 0;
}

namespace {
// The column itself if categorical, else the one an embedding or indicator reads.
const seqfeat::CategoricalColumn* categorical_inside(const seqfeat::Column& c) {
  if (auto* cat = dynamic_cast<const seqfeat::CategoricalColumn*>(&c)) return cat;
  if (auto* dense = dynamic_cast<const seqfeat::DenseColumn*>(&c))
    return seqfeat::categorical_of(*dense);
  return nullptr;
}
}  // namespace

seqfeat_status seqfeat_column_num_buckets(const seqfeat_column* column, int64_t* out) {
  return guard([&] {
    const char* fn = "seqfeat_column_num_buckets";
    REQUIRE(column, fn);
    REQUIRE(out, fn);
    const seqfeat::CategoricalColumn* cat = categorical_inside(*column->column);
    if (!cat)
      fail(Code::kInvalidArgument, "{}: column {} has no buckets (not categorical)", fn,
           column->column->name());
    *out = cat->num_buckets();
  });
}

seqfeat_status seqfeat_column_variable_shape(const seqfeat_column* column, int64_t* out_shape,
                                             size_t capacity, size_t* out_rank) {
  return guard([&] {
    const char* fn = "seqfeat_column_variable_shape";
    REQUIRE(column, fn);
    REQUIRE(out_rank, fn);
    auto* dense = dynamic_cast<const seqfeat::DenseColumn*>(column->column.get());
    if (!dense)
      fail(Code::kInvalidArgument, "{}: column {} is categorical and has no variable_shape", fn,
           column->column->name());
    const std::vector<int64_t> shape = dense->variable_shape();
    if (out_shape == nullptr && capacity == 0) {
      *out_rank = shape.size();
      return;
    }
    REQUIRE(out_shape, fn);
    if (capacity < shape.size())
      fail(Code::kBufferTooSmall, "{}: capacity {} < rank {}", fn, capacity, shape.size());
    std::copy(shape.begin(), shape.end(), out_shape);
    *out_rank = shape.size();
  });
}

seqfeat_status seqfeat_column_categorical(const seqfeat_column* column,
                                          const seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_column_categorical";
    REQUIRE(column, fn);
    REQUIRE(out, fn);
    if (!column->inner)
      fail(Code::kInvalidArgument, "{}: column {} does not wrap a categorical column", fn,
           column->column->name());
    *out = column->inner.get();
  });
}

seqfeat_status seqfeat_column_table_shape(const seqfeat_column* column, int64_t* out_rows,
                                          int64_t* out_dimension) {
  return guard([&] {
    const char* fn = "seqfeat_column_table_shape";
    REQUIRE(out_rows, fn);
    REQUIRE(out_dimension, fn);
    const auto& e = embedding_of(column, fn);
    *out_rows = e.table().rows();
    *out_dimension = e.table().dimension();
  });
}

seqfeat_status seqfeat_column_table_name(const seqfeat_column* column, const char** out) {
  return guard([&] {
    const char* fn = "seqfeat_column_table_name";
    REQUIRE(out, fn);
    *out = embedding_of(column, fn).table().name().c_str();
  });
}

seqfeat_status seqfeat_column_table_get(const seqfeat_column* column, float* out, size_t count) {
  return guard([&] {
    const char* fn = "seqfeat_column_table_get";
    const auto& e = embedding_of(column, fn);
    REQUIRE(out, fn);
    const seqfeat::Table& t = e.table();
    if (count != t.size())
      fail(Code::kBufferTooSmall, "{}: table {} has {} values ([{}, {}]), count is {}", fn,
           t.name(), t.size(), t.rows(), t.dimension(), count);
    std::memcpy(out, t.data(), count * sizeof(float));
  });
}

seqfeat_status seqfeat_column_table_set(seqfeat_column* column, const float* values,
                                        size_t count) {
  return guard([&] {
    const char* fn = "seqfeat_column_table_set";
    const auto& e = embedding_of(column, fn);
    REQUIRE(values, fn);
    e.table().set(values, count);
  });
}

// ---------------------------------------------------------------------------------- batches

seqfeat_status seqfeat_batch_create(seqfeat_batch** out) {
  return guard([&] {
    REQUIRE(out, "seqfeat_batch_create");
    *out = new seqfeat_batch();
  });
}

void seqfeat_batch_free(seqfeat_batch* batch) { delete batch; }

void seqfeat_batch_clear(seqfeat_batch* batch) {
  if (batch) {
    batch->batch.clear();
    batch->records.reset();
  }
}

namespace {

// Errors of the batch-building functions name the function and the feature key.
[[noreturn]] void null_input(const char* fn, const std::string& key, const char* what) {
  fail(Code::kInvalidArgument, "{}: {} is NULL (feature key {})", fn, what, key);
}

void check_shape(const int64_t* shape, int64_t rank, const char* fn, const std::string& key,
                 const char* what) {
  if (rank < 0) fail(Code::kInvalidArgument, "{}: negative rank {} (feature key {})", fn, rank, key);
  if (rank > seqfeat::kMaxRank)
    fail(Code::kInvalidArgument, "{}: rank {} is above the maximum rank {} (feature key {})", fn,
         rank, seqfeat::kMaxRank, key);
  if (rank > 0 && shape == nullptr) null_input(fn, key, what);
}

int64_t cells_of(const std::vector<int64_t>& shape, const char* fn, const std::string& key) {
  for (int64_t d : shape)
    if (d < 0)
      fail(Code::kInvalidArgument, "{}: negative shape dimension {} (feature key {})", fn, d, key);
  return seqfeat::checked_product(shape, 0, "{}: cells of the shape (feature key {})", fn, key);
}

// The three input forms: the layout part of a FeatureInput (filled in place, so that a reused
// input keeps its storage), values set afterwards.
void sparse_layout(seqfeat::FeatureInput& in, const char* fn, const int64_t* indices,
                   int64_t num_entries, int64_t rank, const int64_t* dense_shape) {
  in.form = seqfeat::InputForm::kSparse;
  check_shape(dense_shape, rank, fn, in.key, "dense_shape");
  if (num_entries > 0 && indices == nullptr) null_input(fn, in.key, "indices");
  in.indices = indices;
  in.num_values = num_entries;
  in.rank = rank;
  in.dense_shape.assign(dense_shape, dense_shape + rank);
}

void dense_layout(seqfeat::FeatureInput& in, const char* fn, const int64_t* shape, int64_t rank) {
  in.form = seqfeat::InputForm::kDense;
  check_shape(shape, rank, fn, in.key, "shape");
  in.shape.assign(shape, shape + rank);
}

void ragged_layout(seqfeat::FeatureInput& in, const char* fn, int64_t batch_size,
                   const int64_t* row_splits, int64_t num_steps, const int64_t* step_splits,
                   int64_t num_values) {
  if (row_splits == nullptr) null_input(fn, in.key, "row_splits");
  in.form = seqfeat::InputForm::kRagged;
  in.batch_size = batch_size;
  in.row_splits = row_splits;
  in.step_splits = step_splits;
  in.num_steps = step_splits ? num_steps : 0;
  in.num_values = num_values;
}

seqfeat::FeatureInput sparse_input(const char* fn, const char* key, const int64_t* indices,
                                   int64_t num_entries, int64_t rank,
                                   const int64_t* dense_shape) {
  seqfeat::FeatureInput in;
  in.key = key_string(key, fn);
  sparse_layout(in, fn, indices, num_entries, rank, dense_shape);
  return in;
}

seqfeat::FeatureInput dense_input(const char* fn, const char* key, const int64_t* shape,
                                  int64_t rank) {
  seqfeat::FeatureInput in;
  in.key = key_string(key, fn);
  dense_layout(in, fn, shape, rank);
  return in;
}

seqfeat::FeatureInput ragged_input(const char* fn, const char* key, int64_t batch_size,
                                   const int64_t* row_splits, int64_t num_steps,
                                   const int64_t* step_splits, int64_t num_values) {
  seqfeat::FeatureInput in;
  in.key = key_string(key, fn);
  ragged_layout(in, fn, batch_size, row_splits, num_steps, step_splits, num_values);
  return in;
}

// The three value kinds; `count` is the number of values the layout needs.
void set_numbers(seqfeat::FeatureInput& in, const char* fn, int32_t dtype, const void* values,
                 int64_t count) {
  in.dtype = seqfeat::dtype_from_int(dtype, fmt::format("{} (feature key {})", fn, in.key));
  if (in.dtype == seqfeat::DType::kString || in.dtype == seqfeat::DType::kUInt8)
    fail(Code::kInvalidArgument,
         "{}: dtype {} not accepted here (use the _strings variant) (feature key {})", fn,
         seqfeat::dtype_name(in.dtype), in.key);
  if (count > 0 && values == nullptr) null_input(fn, in.key, "values");
  in.values = values;
}

void set_strings(seqfeat::FeatureInput& in, const char* fn, const int64_t* offsets,
                 const char* bytes) {
  if (offsets == nullptr) null_input(fn, in.key, "offsets");
  in.dtype = seqfeat::DType::kString;
  in.strings = {offsets, bytes};
}

static_assert(sizeof(seqfeat_string_view) == sizeof(seqfeat::StringRef) &&
              offsetof(seqfeat_string_view, size) == offsetof(seqfeat::StringRef, size));

void set_string_views(seqfeat::FeatureInput& in, const char* fn,
                      const seqfeat_string_view* values, int64_t count) {
  if (count > 0 && values == nullptr) null_input(fn, in.key, "values");
  in.dtype = seqfeat::DType::kString;
  in.strings.refs = reinterpret_cast<const seqfeat::StringRef*>(values);
}


// Values the layout needs: entries (sparse), cells (dense), values (ragged).
int64_t value_count(const seqfeat::FeatureInput& in, const char* fn) {
  if (in.form != seqfeat::InputForm::kDense) return in.num_values;
  return cells_of(in.shape, fn, in.key);
}

void fill_feature(seqfeat::FeatureInput& in, const seqfeat_feature& f, const char* fn) {
  switch (f.form) {
    case SEQFEAT_FORM_SPARSE: sparse_layout(in, fn, f.indices, f.num_values, f.rank, f.shape); break;
    case SEQFEAT_FORM_DENSE: dense_layout(in, fn, f.shape, f.rank); break;
    case SEQFEAT_FORM_RAGGED:
      ragged_layout(in, fn, f.batch_size, f.row_splits, f.num_steps, f.step_splits, f.num_values);
      break;
    default:
      fail(Code::kInvalidArgument, "{}: feature {}: unknown form {}", fn, in.key, f.form);
  }
  const int64_t count = value_count(in, fn);
  if (f.dtype != SEQFEAT_DTYPE_STRING) {
    set_numbers(in, fn, f.dtype, f.values, count);
    return;
  }
  switch (f.string_layout) {
    case SEQFEAT_STRINGS_OFFSETS:
      set_strings(in, fn, f.string_offsets, static_cast<const char*>(f.values));
      break;
    case SEQFEAT_STRINGS_VIEWS:
      set_string_views(in, fn, static_cast<const seqfeat_string_view*>(f.values), count);
      break;
    case SEQFEAT_STRINGS_FIXED:
      if (f.string_itemsize == 0)
        fail(Code::kInvalidArgument, "{}: feature {}: string_itemsize must be >= 1", fn, in.key);
      in.dtype = seqfeat::DType::kString;
      in.strings.bytes = static_cast<const char*>(f.values);
      in.strings.itemsize = f.string_itemsize;
      break;
    case SEQFEAT_STRINGS_UTF32:
      if (f.string_itemsize == 0 || f.string_itemsize % 4 != 0 ||
          reinterpret_cast<uintptr_t>(f.values) % alignof(char32_t) != 0)
        fail(Code::kInvalidArgument,
             "{}: feature {}: UTF-32 strings need string_itemsize a multiple of 4 (got {}) and "
             "4-byte aligned values",
             fn, in.key, f.string_itemsize);
      seqfeat::set_utf32_strings(in, static_cast<const char32_t*>(f.values),
                                 f.string_itemsize / 4, count);
      break;
    case SEQFEAT_STRINGS_SEPARATED:
      seqfeat::set_separated_strings(in, static_cast<const char*>(f.values), f.string_itemsize,
                                     count);
      break;
    default:
      fail(Code::kInvalidArgument, "{}: feature {}: unknown string layout {}", fn, in.key,
           f.string_layout);
  }
}

}  // namespace

seqfeat_status seqfeat_batch_add_sparse(seqfeat_batch* batch, const char* key,
                                        const int64_t* indices, int64_t num_entries, int64_t rank,
                                        const int64_t* dense_shape, int32_t dtype,
                                        const void* values) {
  return guard([&] {
    const char* fn = "seqfeat_batch_add_sparse";
    REQUIRE(batch, fn);
    auto in = sparse_input(fn, key, indices, num_entries, rank, dense_shape);
    set_numbers(in, fn, dtype, values, num_entries);
    batch->batch.add(std::move(in));
  });
}

seqfeat_status seqfeat_batch_add_sparse_strings(seqfeat_batch* batch, const char* key,
                                                const int64_t* indices, int64_t num_entries,
                                                int64_t rank, const int64_t* dense_shape,
                                                const int64_t* offsets, const char* bytes) {
  return guard([&] {
    const char* fn = "seqfeat_batch_add_sparse_strings";
    REQUIRE(batch, fn);
    auto in = sparse_input(fn, key, indices, num_entries, rank, dense_shape);
    set_strings(in, fn, offsets, bytes);
    batch->batch.add(std::move(in));
  });
}

seqfeat_status seqfeat_batch_add_sparse_string_views(seqfeat_batch* batch, const char* key,
                                                     const int64_t* indices, int64_t num_entries,
                                                     int64_t rank, const int64_t* dense_shape,
                                                     const seqfeat_string_view* values) {
  return guard([&] {
    const char* fn = "seqfeat_batch_add_sparse_string_views";
    REQUIRE(batch, fn);
    auto in = sparse_input(fn, key, indices, num_entries, rank, dense_shape);
    set_string_views(in, fn, values, num_entries);
    batch->batch.add(std::move(in));
  });
}

seqfeat_status seqfeat_batch_add_dense(seqfeat_batch* batch, const char* key,
                                       const int64_t* shape, int64_t rank, int32_t dtype,
                                       const void* values) {
  return guard([&] {
    const char* fn = "seqfeat_batch_add_dense";
    REQUIRE(batch, fn);
    auto in = dense_input(fn, key, shape, rank);
    set_numbers(in, fn, dtype, values, cells_of(in.shape, fn, in.key));
    batch->batch.add(std::move(in));
  });
}

seqfeat_status seqfeat_batch_add_dense_strings(seqfeat_batch* batch, const char* key,
                                               const int64_t* shape, int64_t rank,
                                               const int64_t* offsets, const char* bytes) {
  return guard([&] {
    const char* fn = "seqfeat_batch_add_dense_strings";
    REQUIRE(batch, fn);
    auto in = dense_input(fn, key, shape, rank);
    set_strings(in, fn, offsets, bytes);
    batch->batch.add(std::move(in));
  });
}

seqfeat_status seqfeat_batch_add_dense_string_views(seqfeat_batch* batch, const char* key,
                                                    const int64_t* shape, int64_t rank,
                                                    const seqfeat_string_view* values) {
  return guard([&] {
    const char* fn = "seqfeat_batch_add_dense_string_views";
    REQUIRE(batch, fn);
    auto in = dense_input(fn, key, shape, rank);
    set_string_views(in, fn, values, cells_of(in.shape, fn, in.key));
    batch->batch.add(std::move(in));
  });
}

seqfeat_status seqfeat_batch_add_ragged(seqfeat_batch* batch, const char* key, int64_t batch_size,
                                        const int64_t* row_splits, int64_t num_steps,
                                        const int64_t* step_splits, int32_t dtype,
                                        const void* values, int64_t num_values) {
  return guard([&] {
    const char* fn = "seqfeat_batch_add_ragged";
    REQUIRE(batch, fn);
    auto in = ragged_input(fn, key, batch_size, row_splits, num_steps, step_splits, num_values);
    set_numbers(in, fn, dtype, values, num_values);
    batch->batch.add(std::move(in));
  });
}

seqfeat_status seqfeat_batch_add_ragged_strings(seqfeat_batch* batch, const char* key,
                                                int64_t batch_size, const int64_t* row_splits,
                                                int64_t num_steps, const int64_t* step_splits,
                                                const int64_t* offsets, const char* bytes,
                                                int64_t num_values) {
  return guard([&] {
    const char* fn = "seqfeat_batch_add_ragged_strings";
    REQUIRE(batch, fn);
    auto in = ragged_input(fn, key, batch_size, row_splits, num_steps, step_splits, num_values);
    set_strings(in, fn, offsets, bytes);
    batch->batch.add(std::move(in));
  });
}

seqfeat_status seqfeat_batch_add_ragged_string_views(seqfeat_batch* batch, const char* key,
                                                     int64_t batch_size, const int64_t* row_splits,
                                                     int64_t num_steps, const int64_t* step_splits,
                                                     const seqfeat_string_view* values,
                                                     int64_t num_values) {
  return guard([&] {
    const char* fn = "seqfeat_batch_add_ragged_string_views";
    REQUIRE(batch, fn);
    auto in = ragged_input(fn, key, batch_size, row_splits, num_steps, step_splits, num_values);
    set_string_views(in, fn, values, num_values);
    batch->batch.add(std::move(in));
  });
}

void seqfeat_feature_default(seqfeat_feature* feature) {
  if (feature == nullptr) return;
  std::memset(feature, 0, sizeof(*feature));
  feature->struct_size = sizeof(*feature);
}

namespace {

// seqfeat_batch_set's work, also the first half of seqfeat_features_set_and_pack.
void set_batch(seqfeat_batch* batch, const seqfeat_feature* features, size_t count,
               const char* fn) {
  REQUIRE(batch, fn);
  if (count > 0) REQUIRE(features, fn);
  for (size_t i = 0; i < count; ++i)
    if (features[i].struct_size < sizeof(seqfeat_feature)) {
      batch->batch.clear();
      fail(Code::kInvalidArgument, "{}: features[{}].struct_size {} is smaller than {}", fn, i,
           features[i].struct_size, sizeof(seqfeat_feature));
    }
  batch->batch.assign(
      count,
      [&](size_t i) -> std::string_view {
        if (features[i].key == nullptr || features[i].key[0] == '\0')
          fail(Code::kInvalidArgument, "{}: features[{}].key is NULL or empty", fn, i);
        return features[i].key;
      },
      [&](size_t i, seqfeat::FeatureInput& in) { fill_feature(in, features[i], fn); });
}

}  // namespace

seqfeat_status seqfeat_batch_set(seqfeat_batch* batch, const seqfeat_feature* features,
                                 size_t count) {
  return guard([&] { set_batch(batch, features, count, "seqfeat_batch_set"); });
}

// ---------------------------------------------------------------------------------- tensors

void seqfeat_tensor_free(seqfeat_tensor* tensor) {
  if (tensor) {
    delete tensor->tensor;
    delete tensor;
  }
}
int32_t seqfeat_tensor_dtype(const seqfeat_tensor* t) {
  return t ? static_cast<int32_t>(t->tensor->dtype()) : 0;
}
int32_t seqfeat_tensor_ndim(const seqfeat_tensor* t) {
  return t ? static_cast<int32_t>(t->tensor->shape().size()) : 0;
}
const int64_t* seqfeat_tensor_shape(const seqfeat_tensor* t) {
  return t ? t->tensor->shape().data() : nullptr;
}
void* seqfeat_tensor_data(const seqfeat_tensor* t) { return t ? t->tensor->data() : nullptr; }
int64_t seqfeat_tensor_size(const seqfeat_tensor* t) { return t ? t->tensor->size() : 0; }

seqfeat_status seqfeat_tensor_to_dlpack(seqfeat_tensor** tensor_inout,
                                        struct DLManagedTensor** out) {
  return guard([&] {
    const char* fn = "seqfeat_tensor_to_dlpack";
    REQUIRE(tensor_inout, fn);
    REQUIRE(*tensor_inout, fn);
    REQUIRE(out, fn);
    DLManagedTensor* m = seqfeat::to_dlpack((*tensor_inout)->tensor);
    delete *tensor_inout;
    *tensor_inout = nullptr;
    *out = m;
  });
}

// ---------------------------------------------------------------------------------- stats

seqfeat_status seqfeat_stats_create(seqfeat_stats** out) {
  return guard([&] {
    REQUIRE(out, "seqfeat_stats_create");
    *out = new seqfeat_stats();
  });
}
void seqfeat_stats_free(seqfeat_stats* stats) { delete stats; }
size_t seqfeat_stats_num_columns(const seqfeat_stats* stats) {
  return stats ? stats->stats.columns.size() : 0;
}
const char* seqfeat_stats_column_name(const seqfeat_stats* stats, size_t i) {
  if (!stats || i >= stats->stats.names.size()) return "";
  return stats->stats.names[i].c_str();
}
seqfeat_status seqfeat_stats_get(const seqfeat_stats* stats, size_t i, int32_t stat,
                                 int64_t* out) {
  return guard([&] {
    const char* fn = "seqfeat_stats_get";
    REQUIRE(stats, fn);
    REQUIRE(out, fn);
    if (i >= stats->stats.columns.size())
      fail(Code::kOutOfRange, "{}: column index {} >= {}", fn, i, stats->stats.columns.size());
    const seqfeat::ColumnStats& s = stats->stats.columns[i];
    switch (stat) {
      case SEQFEAT_STAT_DROPPED_INVALID: *out = s.dropped_invalid; break;
      case SEQFEAT_STAT_OOV_HITS: *out = s.oov_hits; break;
      case SEQFEAT_STAT_STEPS_TRUNCATED: *out = s.steps_truncated; break;
      case SEQFEAT_STAT_EMPTY_EXAMPLES: *out = s.empty_examples; break;
      default: fail(Code::kInvalidArgument, "{}: unknown statistic {}", fn, stat);
    }
  });
}

seqfeat_status seqfeat_stats_values(const seqfeat_stats* stats, int64_t* out, size_t count) {
  return guard([&] {
    const char* fn = "seqfeat_stats_values";
    REQUIRE(stats, fn);
    const auto& columns = stats->stats.columns;
    const size_t need = columns.size() * SEQFEAT_STAT_COUNT;
    if (need > 0) REQUIRE(out, fn);
    if (count < need)
      fail(Code::kBufferTooSmall, "{}: out has {} elements, {} columns x {} statistics need {}", fn,
           count, columns.size(), SEQFEAT_STAT_COUNT, need);
    for (const seqfeat::ColumnStats& s : columns) {
      out[SEQFEAT_STAT_DROPPED_INVALID] = s.dropped_invalid;
      out[SEQFEAT_STAT_OOV_HITS] = s.oov_hits;
      out[SEQFEAT_STAT_STEPS_TRUNCATED] = s.steps_truncated;
      out[SEQFEAT_STAT_EMPTY_EXAMPLES] = s.empty_examples;
      out += SEQFEAT_STAT_COUNT;
    }
  });
}

// ---------------------------------------------------------------------------------- layer

seqfeat_status seqfeat_features_create(const seqfeat_column* const* columns, size_t count,
                                       seqfeat_features** out) {
  return guard([&] {
    const char* fn = "seqfeat_features_create";
    REQUIRE(out, fn);
    if (count > 0) REQUIRE(columns, fn);
    std::vector<std::shared_ptr<const seqfeat::Column>> cols;
    for (size_t i = 0; i < count; ++i) {
      if (columns[i] == nullptr) fail(Code::kInvalidArgument, "{}: columns[{}] is NULL", fn, i);
      cols.push_back(columns[i]->column);
    }
    auto layer = std::make_shared<const seqfeat::SequenceFeatures>(std::move(cols));
    auto h = std::make_unique<seqfeat_features>();
    for (size_t i = 0; i < layer->num_columns(); ++i)
      h->columns.push_back(std::move(*make_handle(layer->column(i))));
    h->layer = std::move(layer);
    *out = h.release();
  });
}

void seqfeat_features_free(seqfeat_features* features) { delete features; }

size_t seqfeat_features_num_columns(const seqfeat_features* f) {
  return f ? f->layer->num_columns() : 0;
}

const seqfeat_column* seqfeat_features_column(const seqfeat_features* f, size_t index) {
  if (!f || index >= f->columns.size()) return nullptr;
  return &f->columns[index];
}

seqfeat_status seqfeat_features_column_slice(const seqfeat_features* f, size_t index,
                                             int64_t* out_offset, int64_t* out_width) {
  return guard([&] {
    const char* fn = "seqfeat_features_column_slice";
    REQUIRE(f, fn);
    REQUIRE(out_offset, fn);
    REQUIRE(out_width, fn);
    if (index >= f->layer->num_columns())
      fail(Code::kOutOfRange, "{}: index {} >= {} columns", fn, index, f->layer->num_columns());
    *out_offset = f->layer->offset(index);
    *out_width = f->layer->column(index)->width();
  });
}

int64_t seqfeat_features_depth(const seqfeat_features* f) { return f ? f->layer->depth() : 0; }

seqfeat_status seqfeat_features_output_shape(const seqfeat_features* f, const seqfeat_batch* batch,
                                             const seqfeat_pack_options* opts, int64_t* out_batch,
                                             int64_t* out_steps, int64_t* out_depth) {
  return guard([&] {
    const char* fn = "seqfeat_features_output_shape";
    REQUIRE(f, fn);
    REQUIRE(batch, fn);
    REQUIRE(out_batch, fn);
    REQUIRE(out_steps, fn);
    REQUIRE(out_depth, fn);
    const seqfeat::OutputShape s =
        f->layer->output_shape(batch->batch, to_pack_options(opts, f->call_defaults));
    *out_batch = s.batch;
    *out_steps = s.steps;
    *out_depth = s.depth;
  });
}

seqfeat_status seqfeat_features_pack_into(const seqfeat_features* f, const seqfeat_batch* batch,
                                          const seqfeat_pack_options* opts, float* out_dense,
                                          size_t dense_count, int64_t* out_lengths,
                                          size_t lengths_count, uint8_t* out_mask,
                                          size_t mask_count, seqfeat_stats* stats) {
  return guard([&] {
    const char* fn = "seqfeat_features_pack_into";
    REQUIRE(f, fn);
    REQUIRE(batch, fn);
    f->layer->pack_into(batch->batch, to_pack_options(opts, f->call_defaults), out_dense,
                        dense_count, out_lengths,
                        lengths_count, out_mask, mask_count, stats ? &stats->stats : nullptr);
  });
}

namespace {

// The pack of seqfeat_features_pack_into_shape and seqfeat_features_set_and_pack.
void pack_with_shape(const seqfeat_features* f, const seqfeat_batch* batch,
                     const seqfeat_pack_options* opts, float* out_dense, size_t dense_capacity,
                     int64_t* out_lengths, size_t lengths_capacity, uint8_t* out_mask,
                     size_t mask_capacity, seqfeat_stats* stats, int64_t* out_shape) {
  const seqfeat::OutputShape s = f->layer->pack_into(
      batch->batch, to_pack_options(opts, f->call_defaults), out_dense, dense_capacity,
      out_lengths, lengths_capacity, out_mask, mask_capacity, stats ? &stats->stats : nullptr);
  out_shape[0] = s.batch;
  out_shape[1] = s.steps;
  out_shape[2] = s.depth;
}

}  // namespace

seqfeat_status seqfeat_features_pack_into_shape(
    const seqfeat_features* f, const seqfeat_batch* batch, const seqfeat_pack_options* opts,
    float* out_dense, size_t dense_capacity, int64_t* out_lengths, size_t lengths_capacity,
    uint8_t* out_mask, size_t mask_capacity, seqfeat_stats* stats, int64_t* out_shape) {
  return guard([&] {
    const char* fn = "seqfeat_features_pack_into_shape";
    REQUIRE(f, fn);
    REQUIRE(batch, fn);
    REQUIRE(out_shape, fn);
    pack_with_shape(f, batch, opts, out_dense, dense_capacity, out_lengths, lengths_capacity,
                    out_mask, mask_capacity, stats, out_shape);
  });
}

seqfeat_status seqfeat_features_set_and_pack(
    const seqfeat_features* f, seqfeat_batch* batch, const seqfeat_feature* inputs,
    size_t count, const seqfeat_pack_options* opts, float* out_dense, size_t dense_capacity,
    int64_t* out_lengths, size_t lengths_capacity, uint8_t* out_mask, size_t mask_capacity,
    seqfeat_stats* stats, int64_t* out_shape) {
  return guard([&] {
    const char* fn = "seqfeat_features_set_and_pack";
    REQUIRE(f, fn);
    REQUIRE(out_shape, fn);
    set_batch(batch, inputs, count, fn);
    pack_with_shape(f, batch, opts, out_dense, dense_capacity, out_lengths, lengths_capacity,
                    out_mask, mask_capacity, stats, out_shape);
  });
}

seqfeat_status seqfeat_features_pack(const seqfeat_features* f, const seqfeat_batch* batch,
                                     const seqfeat_pack_options* opts, seqfeat_tensor** out_dense,
                                     seqfeat_tensor** out_lengths, seqfeat_tensor** out_mask,
                                     seqfeat_stats* stats) {
  return guard([&] {
    const char* fn = "seqfeat_features_pack";
    REQUIRE(f, fn);
    REQUIRE(batch, fn);
    REQUIRE(out_dense, fn);
    REQUIRE(out_lengths, fn);
    const seqfeat::PackOptions po = to_pack_options(opts, f->call_defaults);
    const seqfeat::OutputShape s = f->layer->output_shape(batch->batch, po);
    auto dense = std::make_unique<seqfeat::Tensor>(seqfeat::DType::kFloat32,
                                                   std::vector<int64_t>{s.batch, s.steps, s.depth});
    auto lengths = std::make_unique<seqfeat::Tensor>(seqfeat::DType::kInt64,
                                                     std::vector<int64_t>{s.batch});
    std::unique_ptr<seqfeat::Tensor> mask;
    if (out_mask)
      mask = std::make_unique<seqfeat::Tensor>(seqfeat::DType::kUInt8,
                                               std::vector<int64_t>{s.batch, s.steps});
    f->layer->pack_into(batch->batch, po, dense->as<float>(), static_cast<size_t>(dense->size()),
                        lengths->as<int64_t>(), static_cast<size_t>(lengths->size()),
                        mask ? mask->as<uint8_t>() : nullptr,
                        mask ? static_cast<size_t>(mask->size()) : 0,
                        stats ? &stats->stats : nullptr);
    auto* d = new seqfeat_tensor{nullptr};
    auto* l = new seqfeat_tensor{nullptr};
    seqfeat_tensor* m = mask ? new seqfeat_tensor{nullptr} : nullptr;
    d->tensor = dense.release();
    l->tensor = lengths.release();
    if (m) m->tensor = mask.release();
    *out_dense = d;
    *out_lengths = l;
    if (out_mask) *out_mask = m;
  });
}

// ------------------------------------------------------------------------------ plan / pack split

seqfeat_status seqfeat_features_plan(const seqfeat_features* f, const seqfeat_batch* batch,
                                     const seqfeat_pack_options* opts, seqfeat_plan** out_plan) {
  return guard([&] {
    const char* fn = "seqfeat_features_plan";
    REQUIRE(f, fn);
    REQUIRE(batch, fn);
    REQUIRE(out_plan, fn);
    *out_plan = new seqfeat_plan{seqfeat::ExternalPlan(
        f->layer, batch->batch, to_pack_options(opts, f->call_defaults))};
  });
}

void seqfeat_plan_free(seqfeat_plan* plan) { delete plan; }

size_t seqfeat_plan_num_tables(const seqfeat_plan* plan) {
  return plan ? plan->plan.num_tables() : 0;
}

seqfeat_status seqfeat_plan_table(const seqfeat_plan* plan, size_t index, const char** out_name,
                                  const int64_t** out_ids, int64_t* out_count,
                                  int64_t* out_dimension) {
  return guard([&] {
    REQUIRE(plan, "seqfeat_plan_table");
    if (index >= plan->plan.num_tables())
      fail(Code::kOutOfRange, "seqfeat_plan_table: index {} is not below the plan's {} tables",
           index, plan->plan.num_tables());
    const seqfeat::ExternalPlan::TableIds& t = plan->plan.table(index);
    if (out_name) *out_name = t.table->name().c_str();
    if (out_ids) *out_ids = t.ids.data();
    if (out_count) *out_count = static_cast<int64_t>(t.ids.size());
    if (out_dimension) *out_dimension = t.table->dimension();
  });
}

seqfeat_status seqfeat_plan_output_shape(const seqfeat_plan* plan, int64_t* out_batch,
                                         int64_t* out_steps, int64_t* out_depth) {
  return guard([&] {
    const char* fn = "seqfeat_plan_output_shape";
    REQUIRE(plan, fn);
    REQUIRE(out_batch, fn);
    REQUIRE(out_steps, fn);
    REQUIRE(out_depth, fn);
    const seqfeat::OutputShape s = plan->plan.output_shape();
    *out_batch = s.batch;
    *out_steps = s.steps;
    *out_depth = s.depth;
  });
}

seqfeat_status seqfeat_plan_pack_into(const seqfeat_plan* plan, const seqfeat_rows* rows,
                                      size_t num_rows, float* out_dense, size_t dense_count,
                                      int64_t* out_lengths, size_t lengths_count,
                                      uint8_t* out_mask, size_t mask_count, seqfeat_stats* stats) {
  return guard([&] {
    REQUIRE(plan, "seqfeat_plan_pack_into");
    if (rows == nullptr && num_rows > 0)
      fail(Code::kInvalidArgument, "seqfeat_plan_pack_into: rows is NULL");
    const auto supplied = to_core_rows<seqfeat::SuppliedRows>(rows, num_rows);
    plan->plan.pack_into(supplied.data(), num_rows, out_dense, dense_count, out_lengths,
                         lengths_count, out_mask, mask_count, stats ? &stats->stats : nullptr);
  });
}

seqfeat_status seqfeat_plan_backward(const seqfeat_plan* plan, const seqfeat_rows* rows,
                                     size_t num_rows, const float* grad, const int64_t* grad_shape,
                                     size_t grad_rank, const seqfeat_gradient_rows* out,
                                     size_t num_out) {
  return guard([&] {
    const char* fn = "seqfeat_plan_backward";
    REQUIRE(plan, fn);
    if (rows == nullptr && num_rows > 0) fail(Code::kInvalidArgument, "{}: rows is NULL", fn);
    if (out == nullptr && num_out > 0) fail(Code::kInvalidArgument, "{}: out is NULL", fn);
    const auto supplied = to_core_rows<seqfeat::SuppliedRows>(rows, num_rows);
    const auto gradients = to_core_rows<seqfeat::GradientRows>(out, num_out);
    plan->plan.backward(supplied.data(), num_rows, grad, grad_shape, grad_rank, gradients.data(),
                        num_out);
  });
}

// ---------------------------------------------------------------------------------- DenseFeatures

seqfeat_status seqfeat_dense_features_create(const seqfeat_column* const* columns, size_t count,
                                             seqfeat_dense_features** out) {
  return guard([&] {
    const char* fn = "seqfeat_dense_features_create";
    REQUIRE(out, fn);
    if (count > 0) REQUIRE(columns, fn);
    std::vector<std::shared_ptr<const seqfeat::Column>> cols;
    for (size_t i = 0; i < count; ++i) {
      if (columns[i] == nullptr) fail(Code::kInvalidArgument, "{}: columns[{}] is NULL", fn, i);
      cols.push_back(columns[i]->column);
    }
    auto h = std::make_unique<seqfeat_dense_features>();
    h->layer = std::make_shared<const seqfeat::DenseFeatures>(std::move(cols));
    for (size_t i = 0; i < h->layer->num_columns(); ++i)
      h->columns.push_back(std::move(*make_handle(h->layer->column(i))));
    *out = h.release();
  });
}

void seqfeat_dense_features_free(seqfeat_dense_features* features) { delete features; }

int64_t seqfeat_dense_features_depth(const seqfeat_dense_features* f) {
  return f ? f->layer->depth() : 0;
}

seqfeat_status seqfeat_dense_features_output_shape(const seqfeat_dense_features* f,
                                                   const seqfeat_batch* batch, int64_t* out_batch,
                                                   int64_t* out_depth) {
  return guard([&] {
    const char* fn = "seqfeat_dense_features_output_shape";
    REQUIRE(f, fn);
    REQUIRE(batch, fn);
    REQUIRE(out_batch, fn);
    REQUIRE(out_depth, fn);
    const int64_t b = f->layer->batch_size(batch->batch);
    *out_batch = b;
    *out_depth = f->layer->depth();
  });
}

seqfeat_status seqfeat_dense_features_pack_into(const seqfeat_dense_features* f,
                                                const seqfeat_batch* batch, float* out,
                                                size_t count) {
  return guard([&] {
    const char* fn = "seqfeat_dense_features_pack_into";
    REQUIRE(f, fn);
    REQUIRE(batch, fn);
    f->layer->pack_into(batch->batch, out, count);
  });
}

// ---------------------------------------------------------------------------------- single columns

seqfeat_status seqfeat_column_get_sequence_dense_tensor(const seqfeat_column* column,
                                                        const seqfeat_batch* batch,
                                                        seqfeat_tensor** out_dense,
                                                        seqfeat_tensor** out_lengths) {
  seqfeat_features* f = nullptr;
  const seqfeat_column* cols[1] = {column};
  seqfeat_status st = column ? seqfeat_features_create(cols, 1, &f)
                             : guard([&] { REQUIRE(column, "seqfeat_column_get_sequence_dense_tensor"); });
  if (st != SEQFEAT_OK) return st;
  st = seqfeat_features_pack(f, batch, nullptr, out_dense, out_lengths, nullptr, nullptr);
  seqfeat_features_free(f);
  return st;
}

seqfeat_status seqfeat_column_get_sparse_tensors(const seqfeat_column* column,
                                                 const seqfeat_batch* batch,
                                                 seqfeat_tensor** out_indices,
                                                 seqfeat_tensor** out_ids,
                                                 seqfeat_tensor** out_dense_shape,
                                                 seqfeat_tensor** out_weights) {
  return guard([&] {
    const char* fn = "seqfeat_column_get_sparse_tensors";
    REQUIRE(batch, fn);
    REQUIRE(out_indices, fn);
    REQUIRE(out_ids, fn);
    REQUIRE(out_dense_shape, fn);
    REQUIRE(out_weights, fn);
    auto cat = as_categorical(column, fn);
    seqfeat::SparseIds s = seqfeat::get_sparse_tensors(*cat, batch->batch);
    const auto n = static_cast<int64_t>(s.ids.size());
    auto indices = tensor_from(seqfeat::DType::kInt64, {n, s.rank}, s.indices);
    auto ids = tensor_from(seqfeat::DType::kInt64, {n}, s.ids);
    auto shape = tensor_from(seqfeat::DType::kInt64,
                             {static_cast<int64_t>(s.dense_shape.size())}, s.dense_shape);
    std::unique_ptr<seqfeat::Tensor> weights;
    if (s.weighted) weights = tensor_from(seqfeat::DType::kFloat32, {n}, s.weights);
    seqfeat_tensor* h[4] = {new seqfeat_tensor{nullptr}, new seqfeat_tensor{nullptr},
                            new seqfeat_tensor{nullptr}, nullptr};
    if (weights) h[3] = new seqfeat_tensor{nullptr};
    h[0]->tensor = indices.release();
    h[1]->tensor = ids.release();
    h[2]->tensor = shape.release();
    if (h[3]) h[3]->tensor = weights.release();
    *out_indices = h[0];
    *out_ids = h[1];
    *out_dense_shape = h[2];
    *out_weights = h[3];
  });
}

seqfeat_status seqfeat_concatenate_context_input(const float* context, int64_t context_depth,
                                                 const float* sequence, int64_t batch,
                                                 int64_t steps, int64_t sequence_depth, float* out,
                                                 size_t out_count) {
  return guard([&] {
    const char* fn = "seqfeat_concatenate_context_input";
    if (batch < 0 || steps < 0 || sequence_depth < 0 || context_depth < 0)
      fail(Code::kInvalidArgument, "{}: negative dimension ({}, {}, {}, {})", fn, batch, steps,
           sequence_depth, context_depth);
    using seqfeat::checked_mul;
    const int64_t width = seqfeat::checked_add(sequence_depth, context_depth,
                                               "{}: sequence_depth + context_depth", fn);
    const int64_t rows = checked_mul(batch, steps, "{}: batch x steps", fn);
    const int64_t need = checked_mul(rows, width, "{}: output [{}, {}, {}]", fn, batch, steps, width);
    checked_mul(need, 4, "{}: output [{}, {}, {}]", fn, batch, steps, width);
    if (need > 0) {
      REQUIRE(out, fn);
      if (checked_mul(batch, context_depth, "{}: context [{}, {}]", fn, batch, context_depth) > 0)
        REQUIRE(context, fn);
      if (checked_mul(rows, sequence_depth, "{}: sequence [{}, {}, {}]", fn, batch, steps,
                      sequence_depth) > 0)
        REQUIRE(sequence, fn);
    }
    if (out_count < static_cast<size_t>(need))
      fail(Code::kBufferTooSmall, "{}: out has {} floats, [{}, {}, {}] needs {}", fn, out_count,
           batch, steps, sequence_depth + context_depth, need);
    seqfeat::concatenate_context_input(context, context_depth, sequence, batch, steps,
                                       sequence_depth, out);
  });
}

}  // extern "C"

namespace seqfeat::shim {

std::string& last_error() {
  thread_local std::string message;
  return message;
}

seqfeat_status set_error(seqfeat_status code, const char* message) noexcept {
  try {
    last_error() = message;
  } catch (...) {
    last_error().clear();
  }
  return code;
}

const seqfeat::EmbeddingColumn& embedding_of(const seqfeat_column* c, const char* fn) {
  REQUIRE(c, fn);
  auto* e = dynamic_cast<const seqfeat::EmbeddingColumn*>(c->column.get());
  if (!e)
    fail(Code::kInvalidArgument, "{}: column {} is not an embedding column", fn,
         c->column->name());
  return *e;
}

seqfeat::PackOptions to_pack_options(const seqfeat_pack_options* o,
                                     const seqfeat::PackOptions& when_null) {
  if (o == nullptr) return when_null;
  seqfeat_pack_options opts;
  seqfeat_pack_options_default(&opts);
  copy_options(o, sizeof(size_t), opts, "pack options");
  if ((opts.padding != SEQFEAT_PAD_POST && opts.padding != SEQFEAT_PAD_PRE) ||
      (opts.truncating != SEQFEAT_PAD_POST && opts.truncating != SEQFEAT_PAD_PRE))
    fail(Code::kInvalidArgument,
         "padding and truncating must be SEQFEAT_PAD_PRE or SEQFEAT_PAD_POST (got {} and {})",
         opts.padding, opts.truncating);
  seqfeat::PackOptions p;
  p.max_length = opts.max_length;
  p.pad_pre = opts.padding == SEQFEAT_PAD_PRE;
  p.truncate_pre = opts.truncating == SEQFEAT_PAD_PRE;
  p.strict = opts.strict != 0;
  p.num_threads = opts.num_threads;
  return p;
}

}  // namespace seqfeat::shim

// ---------------------------------------------------------------------------------- persistence

namespace {

seqfeat::TableStorage to_storage(const seqfeat_load_options* o) {
  seqfeat_load_options opts;
  seqfeat_load_options_default(&opts);
  if (o) copy_options(o, sizeof(size_t), opts, "load options");
  if (opts.tables != SEQFEAT_TABLES_COPY && opts.tables != SEQFEAT_TABLES_MMAP)
    fail(Code::kInvalidArgument,
         "load options: tables must be SEQFEAT_TABLES_COPY or SEQFEAT_TABLES_MMAP (got {})",
         opts.tables);
  return opts.tables == SEQFEAT_TABLES_MMAP ? seqfeat::TableStorage::kMap
                                             : seqfeat::TableStorage::kCopy;
}

seqfeat_save_options to_save_options(const seqfeat_save_options* o) {
  seqfeat_save_options opts;
  seqfeat_save_options_default(&opts);
  if (o) copy_options(o, sizeof(size_t), opts, "save options");
  return opts;
}

std::string directory_string(const char* directory, const char* fn) {
  return key_string(directory, fn, "directory");
}

template <class Columns>
seqfeat::Pipeline pipeline_of(seqfeat::LayerKind kind, const Columns& columns, std::string name,
                              const seqfeat::PackOptions& call_defaults) {
  seqfeat::Pipeline p;
  p.layer = kind;
  p.name = std::move(name);
  p.call_defaults = call_defaults;
  for (const auto& c : columns) p.columns.push_back(c.column);
  return p;
}

seqfeat::Pipeline features_pipeline(const seqfeat_features* f, const seqfeat_save_options& o) {
  return pipeline_of(seqfeat::LayerKind::kSequenceFeatures, f->columns,
                     o.name ? std::string(o.name) : f->name,
                     o.call_defaults ? to_pack_options(o.call_defaults) : f->call_defaults);
}

seqfeat::Pipeline dense_pipeline(const seqfeat_dense_features* f, const seqfeat_save_options& o) {
  if (o.call_defaults)
    fail(Code::kInvalidArgument, "a DenseFeatures layer has no call defaults to save");
  return pipeline_of(seqfeat::LayerKind::kDenseFeatures, f->columns,
                     o.name ? std::string(o.name) : f->name, {});
}

seqfeat_features* new_features(seqfeat::Pipeline p) {
  if (p.layer != seqfeat::LayerKind::kSequenceFeatures)
    fail(Code::kInvalidArgument,
         "{}: the artifact is a DenseFeatures layer; load it as one (seqfeat_dense_features_load)",
         seqfeat::kPipelineFileName);
  auto h = std::make_unique<seqfeat_features>();
  for (size_t i = 0; i < p.sequence_features->num_columns(); ++i)
    h->columns.push_back(std::move(*make_handle(p.sequence_features->column(i))));
  h->layer = std::move(p.sequence_features);
  h->name = std::move(p.name);
  h->call_defaults = p.call_defaults;
  return h.release();
}

seqfeat_dense_features* new_dense_features(seqfeat::Pipeline p) {
  if (p.layer != seqfeat::LayerKind::kDenseFeatures)
    fail(Code::kInvalidArgument,
         "{}: the artifact is a SequenceFeatures layer; load it as one (seqfeat_features_load)",
         seqfeat::kPipelineFileName);
  auto h = std::make_unique<seqfeat_dense_features>();
  for (size_t i = 0; i < p.dense_features->num_columns(); ++i)
    h->columns.push_back(std::move(*make_handle(p.dense_features->column(i))));
  h->layer = std::move(p.dense_features);
  h->name = std::move(p.name);
  return h.release();
}

// Copies `text` out under the size-query convention of the *_to_json functions.
void copy_text(const std::string& text, char* out, size_t capacity, size_t* out_size,
               const char* fn) {
  REQUIRE(out_size, fn);
  if (out == nullptr && capacity == 0) {
    *out_size = text.size();
    return;
  }
  REQUIRE(out, fn);
  if (capacity < text.size() + 1)
    fail(Code::kBufferTooSmall, "{}: the text needs {} bytes with its terminating NUL, capacity is {}",
         fn, text.size() + 1, capacity);
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  *out_size = text.size();
}

std::string_view json_text(const char* json, size_t size, const char* fn) {
  if (size > 0) REQUIRE(json, fn);
  return {json ? json : "", size};
}

template <class Handles>
const seqfeat_column* find_column(const Handles& columns, const char* name, const char* fn) {
  REQUIRE(name, fn);
  for (const auto& c : columns)
    if (c.column->name() == name) return &c;
  fail(Code::kNotFound, "{}: the layer has no column named {}", fn, name);
}

}  // namespace

extern "C" {

void seqfeat_load_options_default(seqfeat_load_options* opts) {
  if (opts == nullptr) return;
  std::memset(opts, 0, sizeof(*opts));
  opts->struct_size = sizeof(*opts);
  opts->tables = SEQFEAT_TABLES_COPY;
}

void seqfeat_save_options_default(seqfeat_save_options* opts) {
  if (opts == nullptr) return;
  std::memset(opts, 0, sizeof(*opts));
  opts->struct_size = sizeof(*opts);
}

seqfeat_status seqfeat_features_save(const seqfeat_features* features, const char* directory,
                                     const seqfeat_save_options* opts) {
  return guard([&] {
    const char* fn = "seqfeat_features_save";
    REQUIRE(features, fn);
    const std::string dir = directory_string(directory, fn);
    seqfeat::save_pipeline(features_pipeline(features, to_save_options(opts)), dir);
  });
}

seqfeat_status seqfeat_features_load(const char* directory, const seqfeat_load_options* opts,
                                     seqfeat_features** out) {
  return guard([&] {
    const char* fn = "seqfeat_features_load";
    REQUIRE(out, fn);
    const std::string dir = directory_string(directory, fn);
    *out = new_features(seqfeat::load_pipeline(dir, to_storage(opts)));
  });
}

const char* seqfeat_features_name(const seqfeat_features* features) {
  return features ? features->name.c_str() : "";
}

seqfeat_status seqfeat_features_call_defaults(const seqfeat_features* features,
                                              seqfeat_pack_options* out) {
  return guard([&] {
    const char* fn = "seqfeat_features_call_defaults";
    REQUIRE(features, fn);
    REQUIRE(out, fn);
    const seqfeat::PackOptions& d = features->call_defaults;
    seqfeat_pack_options_default(out);
    out->max_length = d.max_length;
    out->padding = d.pad_pre ? SEQFEAT_PAD_PRE : SEQFEAT_PAD_POST;
    out->truncating = d.truncate_pre ? SEQFEAT_PAD_PRE : SEQFEAT_PAD_POST;
    out->strict = d.strict ? 1 : 0;
    out->num_threads = d.num_threads;
  });
}

seqfeat_status seqfeat_features_find_column(const seqfeat_features* features, const char* name,
                                            const seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_features_find_column";
    REQUIRE(features, fn);
    REQUIRE(out, fn);
    *out = find_column(features->columns, name, fn);
  });
}

seqfeat_status seqfeat_features_to_json(const seqfeat_features* features, char* out,
                                        size_t capacity, size_t* out_size) {
  return guard([&] {
    const char* fn = "seqfeat_features_to_json";
    REQUIRE(features, fn);
    copy_text(seqfeat::pipeline_to_json(features_pipeline(features, to_save_options(nullptr))),
              out, capacity, out_size, fn);
  });
}

seqfeat_status seqfeat_features_from_json(const char* json, size_t size, seqfeat_features** out) {
  return guard([&] {
    const char* fn = "seqfeat_features_from_json";
    REQUIRE(out, fn);
    *out = new_features(seqfeat::pipeline_from_json(json_text(json, size, fn)));
  });
}

seqfeat_status seqfeat_dense_features_save(const seqfeat_dense_features* features,
                                           const char* directory,
                                           const seqfeat_save_options* opts) {
  return guard([&] {
    const char* fn = "seqfeat_dense_features_save";
    REQUIRE(features, fn);
    const std::string dir = directory_string(directory, fn);
    seqfeat::save_pipeline(dense_pipeline(features, to_save_options(opts)), dir);
  });
}

seqfeat_status seqfeat_dense_features_load(const char* directory, const seqfeat_load_options* opts,
                                           seqfeat_dense_features** out) {
  return guard([&] {
    const char* fn = "seqfeat_dense_features_load";
    REQUIRE(out, fn);
    const std::string dir = directory_string(directory, fn);
    *out = new_dense_features(seqfeat::load_pipeline(dir, to_storage(opts)));
  });
}

seqfeat_status seqfeat_optimizer_save(const seqfeat_optimizer* optimizer,
                                      const seqfeat_features* features, const char* directory) {
  return guard([&] {
    const char* fn = "seqfeat_optimizer_save";
    REQUIRE(optimizer, fn);
    REQUIRE(features, fn);
    const std::string dir = directory_string(directory, fn);
    seqfeat::save_optimizer(*optimizer->optimizer,
                            features_pipeline(features, to_save_options(nullptr)).columns, dir);
  });
}

seqfeat_status seqfeat_optimizer_load(const char* directory, const seqfeat_features* features,
                                      seqfeat_optimizer** out) {
  return guard([&] {
    const char* fn = "seqfeat_optimizer_load";
    REQUIRE(features, fn);
    REQUIRE(out, fn);
    const std::string dir = directory_string(directory, fn);
    auto o = std::make_unique<seqfeat_optimizer>();
    o->optimizer = seqfeat::load_optimizer(
        dir, features_pipeline(features, to_save_options(nullptr)).columns);
    *out = o.release();
  });
}

const char* seqfeat_dense_features_name(const seqfeat_dense_features* features) {
  return features ? features->name.c_str() : "";
}

size_t seqfeat_dense_features_num_columns(const seqfeat_dense_features* features) {
  return features ? features->columns.size() : 0;
}

const seqfeat_column* seqfeat_dense_features_column(const seqfeat_dense_features* features,
                                                    size_t index) {
  if (!features || index >= features->columns.size()) return nullptr;
  return &features->columns[index];
}

seqfeat_status seqfeat_dense_features_find_column(const seqfeat_dense_features* features,
                                                  const char* name, const seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_dense_features_find_column";
    REQUIRE(features, fn);
    REQUIRE(out, fn);
    *out = find_column(features->columns, name, fn);
  });
}

seqfeat_status seqfeat_dense_features_to_json(const seqfeat_dense_features* features, char* out,
                                              size_t capacity, size_t* out_size) {
  return guard([&] {
    const char* fn = "seqfeat_dense_features_to_json";
    REQUIRE(features, fn);
    copy_text(seqfeat::pipeline_to_json(dense_pipeline(features, to_save_options(nullptr))), out,
              capacity, out_size, fn);
  });
}

seqfeat_status seqfeat_dense_features_from_json(const char* json, size_t size,
                                                seqfeat_dense_features** out) {
  return guard([&] {
    const char* fn = "seqfeat_dense_features_from_json";
    REQUIRE(out, fn);
    *out = new_dense_features(seqfeat::pipeline_from_json(json_text(json, size, fn)));
  });
}

seqfeat_status seqfeat_column_to_json(const seqfeat_column* column, char* out, size_t capacity,
                                      size_t* out_size) {
  return guard([&] {
    const char* fn = "seqfeat_column_to_json";
    REQUIRE(column, fn);
    copy_text(seqfeat::column_to_json(*column->column), out, capacity, out_size, fn);
  });
}

seqfeat_status seqfeat_column_from_json(const char* json, size_t size, seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_column_from_json";
    REQUIRE(out, fn);
    *out = new_handle(seqfeat::column_from_json(json_text(json, size, fn)));
  });
}

seqfeat_status seqfeat_column_retain(const seqfeat_column* column, seqfeat_column** out) {
  return guard([&] {
    const char* fn = "seqfeat_column_retain";
    REQUIRE(column, fn);
    REQUIRE(out, fn);
    *out = new_handle(column->column);
  });
}

seqfeat_status seqfeat_column_table_writable(const seqfeat_column* column, int32_t* out) {
  return guard([&] {
    const char* fn = "seqfeat_column_table_writable";
    REQUIRE(out, fn);
    *out = embedding_of(column, fn).table().writable() ? 1 : 0;
  });
}

}  // extern "C"

// ------------------------------------------------------------------------------ TFRecord files

struct seqfeat_parse_spec {
  seqfeat::ParseSpec spec;
  // String defaults as offsets + bytes, per feature (for seqfeat_parse_spec_feature).
  std::vector<std::vector<int64_t>> default_offsets;
  std::vector<std::string> default_bytes;
  std::vector<std::vector<int64_t>> shapes;

  void index() {
    const size_t n = spec.size();
    default_offsets.assign(n, {});
    default_bytes.assign(n, {});
    shapes.assign(n, {});
    for (size_t i = 0; i < n; ++i) {
      const seqfeat::FeatureSpec& f = spec.at(i);
      shapes[i] = f.shape;
      default_offsets[i].push_back(0);
      for (const std::string& v : f.default_string) {
        default_bytes[i] += v;
        default_offsets[i].push_back(static_cast<int64_t>(default_bytes[i].size()));
      }
    }
  }
};
struct seqfeat_record_reader {
  std::unique_ptr<seqfeat::ExampleReader> reader;
};
struct seqfeat_record_writer {
  std::unique_ptr<seqfeat::RecordWriter> writer;
};

extern "C" {

void seqfeat_feature_spec_default(seqfeat_feature_spec* spec) {
  if (spec == nullptr) return;
  std::memset(spec, 0, sizeof(*spec));
  spec->struct_size = sizeof(*spec);
  spec->kind = SEQFEAT_FEATURE_VAR_LEN;
  spec->dtype = SEQFEAT_DTYPE_INT64;
}

void seqfeat_reader_options_default(seqfeat_reader_options* opts) {
  if (opts == nullptr) return;
  std::memset(opts, 0, sizeof(*opts));
  opts->struct_size = sizeof(*opts);
  opts->record_type = SEQFEAT_RECORD_SEQUENCE_EXAMPLE;
  opts->compression = SEQFEAT_COMPRESSION_NONE;
}

seqfeat_status seqfeat_parse_spec_create(seqfeat_parse_spec** out) {
  return guard([&] {
    REQUIRE(out, "seqfeat_parse_spec_create");
    auto spec = std::make_unique<seqfeat_parse_spec>();
    spec->index();
    *out = spec.release();
  });
}

seqfeat_status seqfeat_parse_spec_from_columns(const seqfeat_column* const* columns, size_t count,
                                               seqfeat_parse_spec** out) {
  return guard([&] {
    const char* fn = "seqfeat_parse_spec_from_columns";
    REQUIRE(out, fn);
    if (count > 0) REQUIRE(columns, fn);
    std::vector<std::shared_ptr<const seqfeat::Column>> cols;
    for (size_t i = 0; i < count; ++i) {
      if (columns[i] == nullptr) fail(Code::kInvalidArgument, "{}: columns[{}] is NULL", fn, i);
      cols.push_back(columns[i]->column);
    }
    auto spec = std::make_unique<seqfeat_parse_spec>();
    spec->spec = seqfeat::parse_spec_from_columns(cols);
    spec->index();
    *out = spec.release();
  });
}

seqfeat_status seqfeat_parse_spec_add(seqfeat_parse_spec* spec,
                                      const seqfeat_feature_spec* feature) {
  return guard([&] {
    const char* fn = "seqfeat_parse_spec_add";
    REQUIRE(spec, fn);
    REQUIRE(feature, fn);
    seqfeat_feature_spec f;
    seqfeat_feature_spec_default(&f);
    copy_options(feature, sizeof(size_t) + sizeof(const char*), f, fn);
    seqfeat::FeatureSpec s;
    s.key = key_string(f.key, fn);
    if (f.kind < SEQFEAT_FEATURE_FIXED_LEN || f.kind > SEQFEAT_FEATURE_FIXED_LEN_SEQUENCE)
      fail(Code::kInvalidArgument, "{}: feature {}: unknown kind {}", fn, s.key, f.kind);
    s.kind = static_cast<seqfeat::FeatureKind>(f.kind);
    s.dtype = seqfeat::dtype_from_int(f.dtype, fmt::format("{} (key {})", fn, s.key));
    s.sequence = f.sequence != 0;
    s.allow_missing = f.allow_missing != 0;
    if (f.shape_rank > 0) {
      if (f.shape == nullptr) fail(Code::kInvalidArgument, "{}: feature {}: shape is NULL", fn, s.key);
      s.shape.assign(f.shape, f.shape + f.shape_rank);
    }
    s.has_default = f.has_default != 0 && f.kind == SEQFEAT_FEATURE_FIXED_LEN;
    if (s.has_default) {
      if (f.default_count == 0)
        fail(Code::kInvalidArgument, "{}: feature {}: has_default with default_count 0", fn, s.key);
      if (s.dtype == seqfeat::DType::kString) {
        if (f.default_offsets == nullptr)
          fail(Code::kInvalidArgument, "{}: feature {}: default_offsets is NULL", fn, s.key);
        if (f.default_offsets[0] != 0)
          fail(Code::kInvalidArgument, "{}: feature {}: default_offsets[0] must be 0", fn, s.key);
        for (size_t i = 0; i < f.default_count; ++i) {
          const int64_t a = f.default_offsets[i], b = f.default_offsets[i + 1];
          if (b < a)
            fail(Code::kInvalidArgument, "{}: feature {}: default_offsets decrease at {}", fn,
                 s.key, i);
          if (b > a && f.default_bytes == nullptr)
            fail(Code::kInvalidArgument, "{}: feature {}: default_bytes is NULL", fn, s.key);
          s.default_string.emplace_back(b > a ? f.default_bytes + a : "",
                                        static_cast<size_t>(b - a));
        }
      } else {
        if (f.default_values == nullptr)
          fail(Code::kInvalidArgument, "{}: feature {}: default_values is NULL", fn, s.key);
        if (s.dtype == seqfeat::DType::kInt64) {
          const auto* v = static_cast<const int64_t*>(f.default_values);
          s.default_int64.assign(v, v + f.default_count);
        } else if (s.dtype == seqfeat::DType::kFloat32) {
          const auto* v = static_cast<const float*>(f.default_values);
          s.default_float.assign(v, v + f.default_count);
        }
      }
    }
    spec->spec.add(std::move(s));
    spec->index();
  });
}

void seqfeat_parse_spec_free(seqfeat_parse_spec* spec) { delete spec; }

size_t seqfeat_parse_spec_num_features(const seqfeat_parse_spec* spec) {
  return spec ? spec->spec.size() : 0;
}

seqfeat_status seqfeat_parse_spec_feature(const seqfeat_parse_spec* spec, size_t index,
                                          seqfeat_feature_spec* out) {
  return guard([&] {
    const char* fn = "seqfeat_parse_spec_feature";
    REQUIRE(spec, fn);
    REQUIRE(out, fn);
    if (out->struct_size < sizeof(seqfeat_feature_spec))
      fail(Code::kInvalidArgument, "{}: out->struct_size {} is too small (need {})", fn,
           out->struct_size, sizeof(seqfeat_feature_spec));
    if (index >= spec->spec.size())
      fail(Code::kOutOfRange, "{}: index {} >= number of features {}", fn, index,
           spec->spec.size());
    const seqfeat::FeatureSpec& f = spec->spec.at(index);
    seqfeat_feature_spec r;
    seqfeat_feature_spec_default(&r);
    r.key = f.key.c_str();
    r.kind = static_cast<int32_t>(f.kind);
    r.dtype = static_cast<int32_t>(f.dtype);
    r.sequence = f.sequence ? 1 : 0;
    r.allow_missing = f.allow_missing ? 1 : 0;
    r.shape = spec->shapes[index].data();
    r.shape_rank = spec->shapes[index].size();
    r.has_default = f.has_default ? 1 : 0;
    r.default_count = static_cast<size_t>(f.num_defaults());
    if (f.dtype == seqfeat::DType::kInt64) r.default_values = f.default_int64.data();
    if (f.dtype == seqfeat::DType::kFloat32) r.default_values = f.default_float.data();
    r.default_offsets = spec->default_offsets[index].data();
    r.default_bytes = spec->default_bytes[index].data();
    *out = r;
  });
}

seqfeat_status seqfeat_record_reader_open(const char* const* files, size_t num_files,
                                          const seqfeat_parse_spec* spec,
                                          const seqfeat_reader_options* o,
                                          seqfeat_record_reader** out) {
  return guard([&] {
    const char* fn = "seqfeat_record_reader_open";
    REQUIRE(out, fn);
    REQUIRE(spec, fn);
    if (num_files > 0) REQUIRE(files, fn);
    seqfeat_reader_options opts;
    seqfeat_reader_options_default(&opts);
    if (o) copy_options(o, sizeof(size_t), opts, fn);
    if (opts.record_type != SEQFEAT_RECORD_EXAMPLE &&
        opts.record_type != SEQFEAT_RECORD_SEQUENCE_EXAMPLE)
      fail(Code::kInvalidArgument, "{}: unknown record_type {}", fn, opts.record_type);
    seqfeat::ReaderOptions ro;
    ro.type = static_cast<seqfeat::RecordType>(opts.record_type);
    ro.compression = seqfeat::compression_from_int(opts.compression);
    ro.num_threads = opts.num_threads;
    ro.skip_corrupt = opts.skip_corrupt != 0;
    std::vector<std::string> paths;
    for (size_t i = 0; i < num_files; ++i) {
      if (files[i] == nullptr) fail(Code::kInvalidArgument, "{}: files[{}] is NULL", fn, i);
      paths.emplace_back(files[i]);
    }
    auto r = std::make_unique<seqfeat_record_reader>();
    r->reader = std::make_unique<seqfeat::ExampleReader>(std::move(paths), spec->spec, ro);
    *out = r.release();
  });
}

seqfeat_status seqfeat_record_reader_next(seqfeat_record_reader* reader, size_t max_records,
                                          seqfeat_batch* batch, size_t* out_count) {
  return guard([&] {
    const char* fn = "seqfeat_record_reader_next";
    REQUIRE(reader, fn);
    REQUIRE(batch, fn);
    REQUIRE(out_count, fn);
    if (max_records == 0 || max_records > static_cast<size_t>(INT64_MAX))
      fail(Code::kInvalidArgument, "{}: max_records must be in [1, 2^63), got {}", fn,
           max_records);
    // The batch keeps its previous records until the new ones are ready (the reader reuses
    // the buffers of released batches from a small pool).
    std::shared_ptr<const seqfeat::DecodedBatch> records =
        reader->reader->next(static_cast<int64_t>(max_records));
    seqfeat::Batch views;
    if (records->size() > 0) records->add_to(views);
    batch->batch = std::move(views);
    batch->records = std::move(records);
    *out_count = static_cast<size_t>(batch->records->size());
  });
}

seqfeat_status seqfeat_record_reader_stat(const seqfeat_record_reader* reader, int32_t stat,
                                          int64_t* out) {
  return guard([&] {
    const char* fn = "seqfeat_record_reader_stat";
    REQUIRE(reader, fn);
    REQUIRE(out, fn);
    const seqfeat::ReaderProgress p = reader->reader->progress();
    switch (stat) {
      case SEQFEAT_READER_RECORDS: *out = p.records; break;
      case SEQFEAT_READER_SKIPPED: *out = p.skipped; break;
      case SEQFEAT_READER_FILES_DONE: *out = p.files_done; break;
      case SEQFEAT_READER_BYTES_READ: *out = static_cast<int64_t>(p.bytes_read); break;
      case SEQFEAT_READER_BYTES_TOTAL: *out = static_cast<int64_t>(p.bytes_total); break;
      default: fail(Code::kInvalidArgument, "{}: unknown stat {}", fn, stat);
    }
  });
}

void seqfeat_record_reader_free(seqfeat_record_reader* reader) { delete reader; }

seqfeat_status seqfeat_record_writer_open(const char* path, int32_t compression,
                                          seqfeat_record_writer** out) {
  return guard([&] {
    const char* fn = "seqfeat_record_writer_open";
    REQUIRE(out, fn);
    const std::string p = key_string(path, fn, "path");
    auto w = std::make_unique<seqfeat_record_writer>();
    w->writer = std::make_unique<seqfeat::RecordWriter>(p, seqfeat::compression_from_int(compression));
    *out = w.release();
  });
}

seqfeat_status seqfeat_record_writer_write(seqfeat_record_writer* writer, const void* data,
                                           size_t size) {
  return guard([&] {
    REQUIRE(writer, "seqfeat_record_writer_write");
    writer->writer->write(data, size);
  });
}

seqfeat_status seqfeat_record_writer_close(seqfeat_record_writer* writer) {
  return guard([&] {
    REQUIRE(writer, "seqfeat_record_writer_close");
    writer->writer->close();
  });
}

void seqfeat_record_writer_free(seqfeat_record_writer* writer) { delete writer; }

seqfeat_status seqfeat_batch_get(const seqfeat_batch* batch, const char* key,
                                 seqfeat_feature_view* out) {
  return guard([&] {
    const char* fn = "seqfeat_batch_get";
    REQUIRE(batch, fn);
    REQUIRE(out, fn);
    const std::string k = key_string(key, fn);
    if (out->struct_size < sizeof(seqfeat_feature_view))
      fail(Code::kInvalidArgument, "{}: out->struct_size {} is too small (need {})", fn,
           out->struct_size, sizeof(seqfeat_feature_view));
    const seqfeat::FeatureInput& in = batch->batch.get(k);
    seqfeat_feature_view v;
    std::memset(&v, 0, sizeof v);
    v.struct_size = sizeof v;
    v.dtype = static_cast<int32_t>(in.dtype);
    v.num_values = in.num_values;
    v.values = in.values;
    v.string_offsets = in.strings.offsets;
    v.string_bytes = in.strings.bytes;
    v.string_views = reinterpret_cast<const seqfeat_string_view*>(in.strings.refs);
    switch (in.form) {
      case seqfeat::InputForm::kSparse:
        v.form = SEQFEAT_FORM_SPARSE;
        v.shape = in.dense_shape.data();
        v.rank = in.rank1 ? 1 : in.dense_shape.size();
        v.indices = in.indices;
        v.batch_size = in.batch();
        break;
      case seqfeat::InputForm::kDense:
        v.form = SEQFEAT_FORM_DENSE;
        v.shape = in.shape.data();
        v.rank = in.shape.size();
        v.batch_size = in.batch();
        break;
      case seqfeat::InputForm::kRagged:
        v.form = SEQFEAT_FORM_RAGGED;
        v.batch_size = in.batch_size;
        v.row_splits = in.row_splits;
        v.step_splits = in.step_splits;
        v.num_steps = in.num_steps;
        break;
    }
    *out = v;
  });
}

}  // extern "C"
