// Numeric, embedding, shared-embedding and indicator columns: construction and validation.
#include <algorithm>
#include <cmath>

#include <fmt/ranges.h>

#include "column.h"
#include "error.h"

namespace seqfeat {

float Normalizer::apply(float x) const {
  switch (kind) {
    case NormalizerKind::kNone: return x;
    case NormalizerKind::kScaleShift: return x * a + b;
    case NormalizerKind::kZScore: return (x - a) / b;
    case NormalizerKind::kLog1p: return std::log1p(x);
    case NormalizerKind::kClip: return std::min(std::max(x, a), b);
    case NormalizerKind::kCallback: return fn(x, user_data);
  }
  return x;
}

NumericColumn::NumericColumn(std::string key, bool sequence, std::vector<int64_t> shape,
                             float default_value, DType dtype, Normalizer normalizer)
    : DenseColumn(key, ColumnKind::kNumeric, sequence), key_(std::move(key)),
      shape_(std::move(shape)), elements_(1), default_value_(default_value), dtype_(dtype),
      normalizer_(normalizer) {
  if (key_.empty()) fail(Code::kInvalidArgument, "key must be a non-empty string.");
  if (shape_.empty()) shape_ = {1};
  for (int64_t d : shape_) {
    if (d < 1)
      fail(Code::kInvalidArgument, "shape dimensions must be greater than 0. shape: ({}), key: {}",
           fmt::join(shape_, ", "), key_);
    if (elements_ > INT32_MAX / d)
      fail(Code::kInvalidArgument, "shape ({}) of key {} is too large", fmt::join(shape_, ", "),
           key_);
    elements_ *= d;
  }
  if (!is_numeric(dtype_))
    fail(Code::kInvalidArgument, "dtype must be convertible to float. dtype: {}, key: {}",
         dtype_name(dtype_), key_);
  // TF's numeric_column takes no float default for an integer dtype (a TypeError); here a
  // default the dtype cannot hold. sequence_numeric_column does not check its default.
  if (!sequence && is_integer(dtype_) && default_value_ != std::trunc(default_value_))
    fail(Code::kInvalidArgument,
         "default_value must be compatible with dtype. default_value: {}, dtype: {}, key: {}",
         default_value_, dtype_name(dtype_), key_);
  switch (normalizer_.kind) {
    case NormalizerKind::kNone:
    case NormalizerKind::kScaleShift:
    case NormalizerKind::kLog1p: break;
    case NormalizerKind::kZScore:
      if (!(normalizer_.b > 0.f))
        fail(Code::kInvalidArgument, "z-score normalizer of {} needs stddev > 0, got {}", key_,
             normalizer_.b);
      break;
    case NormalizerKind::kClip:
      if (!(normalizer_.a <= normalizer_.b))
        fail(Code::kInvalidArgument, "clip normalizer of {} needs min <= max, got [{}, {}]", key_,
             normalizer_.a, normalizer_.b);
      break;
    case NormalizerKind::kCallback:
      if (normalizer_.fn == nullptr)
        fail(Code::kInvalidArgument, "normalizer_fn must be a callable. Given: NULL (key: {})",
             key_);
      break;
    default:
      fail(Code::kInvalidArgument, "unknown normalizer {} for key {}",
           static_cast<int32_t>(normalizer_.kind), key_);
  }
}

EmbeddingColumn::EmbeddingColumn(std::shared_ptr<const CategoricalColumn> categorical,
                                 std::shared_ptr<Table> table, Combiner combiner,
                                 std::optional<float> max_norm, bool trainable, bool shared)
    : DenseColumn(categorical->name() + (shared ? "_shared_embedding" : "_embedding"),
                  shared ? ColumnKind::kSharedEmbedding : ColumnKind::kEmbedding,
                  categorical->is_sequence()),
      categorical_(std::move(categorical)), table_(std::move(table)), combiner_(combiner),
      max_norm_(max_norm), trainable_(trainable), shared_(shared) {}

IndicatorColumn::IndicatorColumn(std::shared_ptr<const CategoricalColumn> categorical)
    : DenseColumn(categorical->name() + "_indicator", ColumnKind::kIndicator,
                  categorical->is_sequence()),
      categorical_(std::move(categorical)) {}

namespace {

void check_spec(const EmbeddingSpec& spec, const std::string& column) {
  if (spec.dimension < 1)
    fail(Code::kInvalidArgument, "Invalid dimension {}. (categorical column {})", spec.dimension,
         column);
  const auto c = static_cast<int32_t>(spec.combiner);
  if (c < 0 || c > 2)
    fail(Code::kInvalidArgument, "combiner must be one of 'mean', 'sqrtn' or 'sum' (got code {})",
         c);
}

std::shared_ptr<Table> make_table(const std::string& name, int64_t rows, const EmbeddingSpec& spec) {
  auto table = std::make_shared<Table>(name, rows, spec.dimension, spec.seed);
  if (spec.initial_table != nullptr) table->set(spec.initial_table, spec.initial_table_count);
  return table;
}

}  // namespace

std::shared_ptr<const EmbeddingColumn> make_embedding_column(
    std::shared_ptr<const CategoricalColumn> categorical, const EmbeddingSpec& spec) {
  if (!categorical) fail(Code::kInvalidArgument, "categorical_column is NULL");
  check_spec(spec, categorical->name());
  auto table = make_table(categorical->name() + "_embedding/embedding_weights",
                          categorical->num_buckets(), spec);
  return std::make_shared<EmbeddingColumn>(std::move(categorical), std::move(table), spec.combiner,
                                           spec.max_norm, spec.trainable, /*shared=*/false);
}

std::vector<std::shared_ptr<const EmbeddingColumn>> make_shared_embeddings(
    const std::vector<std::shared_ptr<const CategoricalColumn>>& categorical,
    const EmbeddingSpec& spec, const std::string& collection_name) {
  if (categorical.empty())
    fail(Code::kInvalidArgument, "shared_embeddings needs at least one categorical column");
  check_spec(spec, categorical.front() ? categorical.front()->name() : std::string("?"));
  std::vector<const CategoricalColumn*> sorted;
  for (const auto& c : categorical) {
    if (!c) fail(Code::kInvalidArgument, "categorical_columns contains NULL");
    sorted.push_back(c.get());
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const CategoricalColumn* a, const CategoricalColumn* b) { return a->name() < b->name(); });
  const CategoricalColumn* first = sorted.front();
  const CategoricalColumn& first_base = first->base();
  for (const CategoricalColumn* c : sorted) {
    if (c->base().kind() != first_base.kind())
      fail(Code::kInvalidArgument,
           "To use shared_embedding_column, all categorical_columns must have the same type, or "
           "be weighted_categorical_column or sequence column of the same type. Given column: "
           "{} of type: {} does not match given column: {} of type: {}",
           c->name(), c->base().type_name(), first->name(), first_base.type_name());
    if (c->num_buckets() != first->num_buckets())
      fail(Code::kInvalidArgument,
           "To use shared_embedding_column, all categorical_columns must have the same number "
           "of buckets. Given column: {} with buckets: {} does not match column: {} with "
           "buckets: {}",
           c->name(), c->num_buckets(), first->name(), first->num_buckets());
  }
  std::string name = collection_name;
  if (name.empty()) {
    for (const CategoricalColumn* c : sorted) name += (name.empty() ? "" : "_") + c->name();
    name += "_shared_embedding";
  }
  auto table = make_table(name, first->num_buckets(), spec);
  std::vector<std::shared_ptr<const EmbeddingColumn>> out;
  for (const auto& c : categorical)
    out.push_back(std::make_shared<EmbeddingColumn>(c, table, spec.combiner, spec.max_norm,
                                                    spec.trainable, /*shared=*/true));
  return out;
}

const CategoricalColumn* categorical_of(const DenseColumn& column) {
  if (auto* e = dynamic_cast<const EmbeddingColumn*>(&column)) return &e->categorical();
  if (auto* i = dynamic_cast<const IndicatorColumn*>(&column)) return &i->categorical();
  return nullptr;
}

std::vector<std::shared_ptr<const Column>> sorted_unique_columns(
    std::vector<std::shared_ptr<const Column>> columns) {
  if (columns.empty()) fail(Code::kInvalidArgument, "feature_columns must not be empty.");
  for (const auto& c : columns)
    if (!c) fail(Code::kInvalidArgument, "feature_columns contains NULL");
  std::stable_sort(columns.begin(), columns.end(),
                   [](const auto& a, const auto& b) { return a->name() < b->name(); });
  for (size_t i = 1; i < columns.size(); ++i)
    if (columns[i]->name() == columns[i - 1]->name())
      fail(Code::kInvalidArgument,
           "Duplicate feature column name found for columns: {} and {}. This usually means that "
           "these columns refer to same base feature. Either one must be discarded or a "
           "duplicated but renamed item must be inserted in features dict.",
           columns[i - 1]->name(), columns[i]->name());
  return columns;
}

}  // namespace seqfeat
