// Feature columns: categorical (id producers) and dense (numeric, embedding, indicator).
// Columns are immutable after construction and shared between threads; the only mutable
// state is an embedding table's values (see table.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dtype.h"
#include "id_bags.h"
#include "input.h"
#include "table.h"

namespace seqfeat {

enum class ColumnKind : int32_t {
  kNumeric = 1,
  kIdentity = 2,
  kHashBucket = 3,
  kVocabularyList = 4,
  kVocabularyFile = 5,
  kWeighted = 6,
  kEmbedding = 7,
  kSharedEmbedding = 8,
  kIndicator = 9,
};

class Column {
 public:
  virtual ~Column() = default;
  const std::string& name() const { return name_; }
  ColumnKind kind() const { return kind_; }
  bool is_sequence() const { return sequence_; }
  // TF's class name, used in messages ("SequenceCategoricalColumn", "EmbeddingColumn", ...).
  virtual std::string type_name() const = 0;

 protected:
  Column(std::string name, ColumnKind kind, bool sequence)
      : name_(std::move(name)), kind_(kind), sequence_(sequence) {}

 private:
  std::string name_;
  ColumnKind kind_;
  bool sequence_;
};

// The parameters a categorical column was built from, for saving and rebuilding it. Fields
// that do not apply to the column's kind keep their defaults; the vocabularies point into the
// column and live as long as it.
struct CategoricalParams {
  int64_t buckets = 0;                   // identity: num_buckets; hash: hash_bucket_size
  std::optional<int64_t> default_value;  // identity, vocabulary list/file
  DType dtype = DType::kInt64;           // hash, vocabulary: input dtype; weighted: weight dtype
  int64_t num_oov_buckets = 0;           // vocabulary list/file
  const std::vector<std::string>* string_vocabulary = nullptr;
  const std::vector<int64_t>* int_vocabulary = nullptr;
  std::string vocabulary_file;           // vocabulary file: the file it was read from
  std::string weight_feature_key;        // weighted
};

class CategoricalColumn : public Column {
 public:
  virtual CategoricalParams params() const = 0;
  virtual int64_t num_buckets() const = 0;
  // The feature key the ids are read from.
  virtual const std::string& key() const = 0;
  // The categorical column under a weighted wrapper (for shared-embedding type checks; sequence
  // is a flag of the column itself, not a wrapper).
  virtual const CategoricalColumn& base() const { return *this; }
  virtual bool weighted() const { return false; }
  // The column a weighted column wraps (nullptr otherwise).
  virtual std::shared_ptr<const CategoricalColumn> wrapped() const { return nullptr; }
  // Builds the id bags of this column for the batch (layout, lookup, weights, lengths).
  virtual void get_ids(const Batch& batch, IdBags& out) const;
  // Maps the raw values entry_index -> ids, counting misses into out.oov_hits.
  virtual void lookup(const FeatureInput& in, IdBags& out) const = 0;
  // Checks the input dtype against the column (TF's _transform_input_tensor checks).
  virtual void check_input(const FeatureInput& in) const = 0;
  // The features this column reads, as TF's parse_example_spec: (key, dtype) of each
  // VarLenFeature (integers are parsed as int64).
  virtual std::vector<std::pair<std::string, DType>> parse_features() const = 0;

 protected:
  using Column::Column;
};

std::shared_ptr<const CategoricalColumn> make_identity_column(std::string key, bool sequence,
                                                              int64_t num_buckets,
                                                              std::optional<int64_t> default_value);
std::shared_ptr<const CategoricalColumn> make_hash_bucket_column(std::string key, bool sequence,
                                                                 int64_t hash_bucket_size,
                                                                 DType dtype);
std::shared_ptr<const CategoricalColumn> make_vocabulary_list_column(
    std::string key, bool sequence, std::vector<std::string> vocabulary, int64_t default_value,
    int64_t num_oov_buckets);
std::shared_ptr<const CategoricalColumn> make_vocabulary_list_column(
    std::string key, bool sequence, std::vector<int64_t> vocabulary, DType dtype,
    int64_t default_value, int64_t num_oov_buckets);
std::shared_ptr<const CategoricalColumn> make_vocabulary_file_column(
    std::string key, bool sequence, std::string vocabulary_file, int64_t vocabulary_size,
    int64_t num_oov_buckets, std::optional<int64_t> default_value, DType dtype);
// A vocabulary-file column from keys already read (a saved pipeline carries them inline);
// exactly one of string_keys (dtype string) and int_keys (integer dtype) is non-empty.
std::shared_ptr<const CategoricalColumn> make_vocabulary_file_column(
    std::string key, bool sequence, std::string vocabulary_file,
    std::vector<std::string> string_keys, std::vector<int64_t> int_keys, int64_t num_oov_buckets,
    std::optional<int64_t> default_value, DType dtype);
std::shared_ptr<const CategoricalColumn> make_weighted_column(
    std::shared_ptr<const CategoricalColumn> categorical, std::string weight_feature_key,
    DType dtype);

// The raw value of input value `i`, for messages.
std::string render_value(const FeatureInput& in, int64_t i);

// Builds the bag layout of a categorical feature (no lookup): fills everything in `out`
// except ids/weights, sets value_index. Validates indices (order, bounds).
void build_bag_layout(const FeatureInput& in, bool drop_ignored, IdBags& out,
                      const std::string& column_name);

// ------------------------------------------------------------------------------------------
// Dense columns

enum class NormalizerKind : int32_t { kNone = 0, kScaleShift, kZScore, kLog1p, kClip, kCallback };
struct Normalizer {
  NormalizerKind kind = NormalizerKind::kNone;
  float a = 0.f, b = 0.f;
  float (*fn)(float, void*) = nullptr;
  void* user_data = nullptr;
  float apply(float x) const;
};

class DenseColumn : public Column {
 public:
  // Number of output values per step (prod(variable_shape)).
  virtual int64_t width() const = 0;
  virtual std::vector<int64_t> variable_shape() const = 0;

 protected:
  using Column::Column;
};

class NumericColumn final : public DenseColumn {
 public:
  NumericColumn(std::string key, bool sequence, std::vector<int64_t> shape, float default_value,
                DType dtype, Normalizer normalizer);
  std::string type_name() const override {
    return is_sequence() ? "SequenceNumericColumn" : "NumericColumn";
  }
  int64_t width() const override { return elements_; }
  std::vector<int64_t> variable_shape() const override { return shape_; }
  const std::string& key() const { return key_; }
  float default_value() const { return default_value_; }
  DType dtype() const { return dtype_; }
  const Normalizer& normalizer() const { return normalizer_; }

 private:
  std::string key_;
  std::vector<int64_t> shape_;
  int64_t elements_;
  float default_value_;
  DType dtype_;
  Normalizer normalizer_;
};

enum class Combiner : int32_t { kSum = 0, kMean = 1, kSqrtn = 2 };

class EmbeddingColumn final : public DenseColumn {
 public:
  EmbeddingColumn(std::shared_ptr<const CategoricalColumn> categorical,
                  std::shared_ptr<Table> table, Combiner combiner, std::optional<float> max_norm,
                  bool trainable, bool shared);
  std::string type_name() const override {
    return shared_ ? "SharedEmbeddingColumn" : "EmbeddingColumn";
  }
  int64_t width() const override { return table_->dimension(); }
  std::vector<int64_t> variable_shape() const override { return {table_->dimension()}; }
  const CategoricalColumn& categorical() const { return *categorical_; }
  const std::shared_ptr<const CategoricalColumn>& categorical_ptr() const { return categorical_; }
  Table& table() const { return *table_; }
  const std::shared_ptr<Table>& table_ptr() const { return table_; }
  Combiner combiner() const { return combiner_; }
  const std::optional<float>& max_norm() const { return max_norm_; }
  bool trainable() const { return trainable_; }
  bool shared() const { return shared_; }

 private:
  std::shared_ptr<const CategoricalColumn> categorical_;
  std::shared_ptr<Table> table_;
  Combiner combiner_;
  std::optional<float> max_norm_;
  bool trainable_;
  bool shared_;
};

class IndicatorColumn final : public DenseColumn {
 public:
  explicit IndicatorColumn(std::shared_ptr<const CategoricalColumn> categorical);
  std::string type_name() const override { return "IndicatorColumn"; }
  int64_t width() const override { return categorical_->num_buckets(); }
  std::vector<int64_t> variable_shape() const override { return {categorical_->num_buckets()}; }
  const CategoricalColumn& categorical() const { return *categorical_; }
  const std::shared_ptr<const CategoricalColumn>& categorical_ptr() const { return categorical_; }

 private:
  std::shared_ptr<const CategoricalColumn> categorical_;
};

// The categorical column an embedding or indicator column reads (nullptr for numeric).
const CategoricalColumn* categorical_of(const DenseColumn& column);

// A layer's columns: rejects an empty list, NULL entries and duplicate names (TF's messages),
// and returns them sorted by name.
std::vector<std::shared_ptr<const Column>> sorted_unique_columns(
    std::vector<std::shared_ptr<const Column>> columns);

struct EmbeddingSpec {
  int64_t dimension = 0;
  Combiner combiner = Combiner::kMean;
  std::optional<float> max_norm;
  bool trainable = true;
  uint64_t seed = 0;
  const float* initial_table = nullptr;
  size_t initial_table_count = 0;
};

std::shared_ptr<const EmbeddingColumn> make_embedding_column(
    std::shared_ptr<const CategoricalColumn> categorical, const EmbeddingSpec& spec);
std::vector<std::shared_ptr<const EmbeddingColumn>> make_shared_embeddings(
    const std::vector<std::shared_ptr<const CategoricalColumn>>& categorical,
    const EmbeddingSpec& spec, const std::string& collection_name);

}  // namespace seqfeat
