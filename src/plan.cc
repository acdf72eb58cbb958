#include "plan.h"

#include <algorithm>
#include <atomic>

#include <fmt/ranges.h>

#include "checked.h"
#include "error.h"

namespace seqfeat {

namespace {

// ------------------------------------------------------------------------------------------
// Scratch

// Per-thread scratch: reused by every plan on this thread, so a warmed-up pack allocates nothing.
struct Workspace {
  std::vector<ColumnPlan> plans;
  std::vector<int64_t> first_step, kept, base, length_out;
  // The last successful plan and, when retained, what it was made for (layer id 0: none).
  Planned last;
  uint64_t layer_id = 0, generation = 0;
  Layer kind = Layer::kSequence;
  PackOptions options;
};

bool same_plan_options(const PackOptions& a, const PackOptions& b) {
  return a.max_length == b.max_length && a.pad_pre == b.pad_pre &&
         a.truncate_pre == b.truncate_pre && a.strict == b.strict;
}

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

const char* kind_name(const DenseColumn& col) {
  return col.kind() == ColumnKind::kIndicator ? "indicator_column" : "embedding_column";
}

// Locates entry i of the bags: its example and step.
void locate(const IdBags& bags, int64_t entry, int64_t& example, int64_t& step) {
  const auto bag_it = std::upper_bound(bags.bag_entries.begin(), bags.bag_entries.end(), entry);
  const int64_t bag = (bag_it - bags.bag_entries.begin()) - 1;
  const auto ex_it = std::upper_bound(bags.example_bags.begin(), bags.example_bags.end(), bag);
  example = (ex_it - bags.example_bags.begin()) - 1;
  step = bags.bag_step[bag];
}

// ------------------------------------------------------------------------------------------
// Numeric columns, by input form

// values[i] = normalize(float(input value i)), with the dtype switch outside the loop.
void convert_values(const FeatureInput& in, const Normalizer& norm, float* values) {
  const int64_t n = in.num_values;
  auto convert = [&](const auto* v) {
    if (norm.kind == NormalizerKind::kNone) {
      for (int64_t i = 0; i < n; ++i) values[i] = static_cast<float>(static_cast<double>(v[i]));
    } else {
      for (int64_t i = 0; i < n; ++i)
        values[i] = norm.apply(static_cast<float>(static_cast<double>(v[i])));
    }
  };
  switch (in.dtype) {
    case DType::kFloat32: convert(static_cast<const float*>(in.values)); break;
    case DType::kFloat64: convert(static_cast<const double*>(in.values)); break;
    case DType::kInt32: convert(static_cast<const int32_t*>(in.values)); break;
    case DType::kInt64: convert(static_cast<const int64_t*>(in.values)); break;
    default:
      for (int64_t i = 0; i < n; ++i) values[i] = norm.apply(static_cast<float>(in.number(i)));
  }
}

// The values as float32: the input itself when it is float32 and not normalized.
void numeric_values(const NumericColumn& col, const FeatureInput& in, NumericPlan& p) {
  if (!is_numeric(in.dtype))
    fail(Code::kDtypeMismatch, "Column {}: feature {} has dtype {}; a numeric column needs numbers",
         col.name(), in.key, dtype_name(in.dtype));
  const Normalizer& norm = col.normalizer();
  p.direct = nullptr;
  if (in.dtype == DType::kFloat32 && norm.kind == NormalizerKind::kNone) {
    p.direct = static_cast<const float*>(in.values);
  } else {
    p.values.resize(static_cast<size_t>(in.num_values));
    convert_values(in, norm, p.values.data());
  }
}

// example_entries [B + 1], zeroed: B comes from a shape, so its arrays are checked against the
// allocation limit.
void size_examples(const NumericColumn& col, const FeatureInput& in, NumericPlan& p) {
  const int64_t slots =
      checked_add(p.batch, 1, "Column {}, feature {}: batch size", col.name(), in.key);
  checked_assign(p.example_entries, slots, 0, "Column {}, feature {}: {} examples", col.name(),
                 in.key, p.batch);
}

void check_divisible(const NumericColumn& col, const FeatureInput& in, int64_t row, int64_t b) {
  const int64_t E = col.width();
  if (row % E != 0)
    fail(Code::kInvalidArgument,
         "Column {}: input to reshape is a tensor with {} values per example, but the requested "
         "shape ({}) requires a multiple of {} (feature {}, example {})",
         col.name(), row, fmt::join(col.variable_shape(), ", "), E, in.key, b);
}

void numeric_sparse(const NumericColumn& col, const FeatureInput& in, NumericPlan& p) {
  const int64_t E = col.width();
  const auto& shape = in.dense_shape;
  if (static_cast<int64_t>(shape.size()) != in.rank)
    fail(Code::kInvalidArgument,
         "Column {}, feature {}: dense_shape has {} dimensions but indices have rank {}",
         col.name(), in.key, shape.size(), in.rank);
  p.batch = shape[0];
  const int64_t row = checked_product(shape, 1, "Column {}, feature {}: values per example (dense_shape)",
                                      col.name(), in.key);
  check_divisible(col, in, row, 0);
  p.steps = row / E;
  p.position.resize(static_cast<size_t>(in.num_values));
  size_examples(col, in, p);
  p.lengths.assign(static_cast<size_t>(p.batch), 0);
  p.extent.assign(static_cast<size_t>(p.batch), 0);
  int64_t prev_b = -1, prev_p = -1;
  for (int64_t i = 0; i < in.num_values; ++i) {
    int64_t pos = 0;
    for (int64_t d = 0; d < in.rank; ++d) {
      const int64_t v = in.index(i, d);
      if (v < 0 || v >= shape[d])
        fail(Code::kInvalidArgument,
             "Column {}, feature {}: index {} of entry {} is out of bounds: indices[{}, {}] = "
             "{} not in [0, {})",
             col.name(), in.key, d, i, i, d, v, shape[d]);
      if (d >= 1) pos = pos * shape[d] + v;
    }
    const int64_t b = in.index(i, 0);
    if (b < prev_b || (b == prev_b && pos <= prev_p))
      fail(Code::kInvalidArgument,
           "Column {}, feature {}: indices are not in canonical row-major order or repeated "
           "at entry {} (example {}, step {})",
           col.name(), in.key, i, b, in.index(i, 1));
    p.position[i] = pos;
    p.example_entries[b + 1] += 1;
    const int64_t col1 = in.index(i, 1) + 1;
    // TF: ceil(max_col / num_elements) for 2-D input, max_col for rank >= 3.
    const int64_t len = in.rank == 2 ? (col1 + E - 1) / E : col1;
    p.lengths[b] = std::max(p.lengths[b], len);
    p.extent[b] = pos / E + 1;
    prev_b = b;
    prev_p = pos;
  }
  for (int64_t b = 0; b < p.batch; ++b) p.example_entries[b + 1] += p.example_entries[b];
}

void numeric_dense(const NumericColumn& col, const FeatureInput& in, NumericPlan& p) {
  const auto& shape = in.shape;
  p.batch = shape[0];
  // Exact even when a zero dimension makes the cell count 0 and the others are huge.
  const int64_t row = checked_product(shape, 1, "Column {}, feature {}: values per example (shape)",
                                      col.name(), in.key);
  check_divisible(col, in, row, 0);
  p.steps = row / col.width();
  p.position.resize(static_cast<size_t>(in.num_values));
  size_examples(col, in, p);
  // b * row <= B * row = the cell count, which Batch::add has checked.
  for (int64_t b = 0; b <= p.batch; ++b) p.example_entries[b] = row == 0 ? 0 : b * row;
  for (int64_t i = 0; i < in.num_values; ++i) p.position[i] = row ? i % row : 0;
  const int64_t len = shape.size() == 2 ? p.steps : shape[1];
  p.lengths.assign(p.batch, row ? len : 0);
  p.extent.assign(p.batch, p.steps);
}

void numeric_ragged(const NumericColumn& col, const FeatureInput& in, NumericPlan& p) {
  const int64_t E = col.width();
  p.batch = in.batch_size;
  size_examples(col, in, p);
  p.lengths.resize(static_cast<size_t>(p.batch));
  p.steps = 0;
  for (int64_t b = 0; b < p.batch; ++b) {
    const int64_t s0 = in.row_splits[b], s1 = in.row_splits[b + 1];
    int64_t steps;
    if (in.step_splits) {
      for (int64_t s = s0; s < s1; ++s) {
        const int64_t n = in.step_splits[s + 1] - in.step_splits[s];
        if (n != E)
          fail(Code::kInvalidArgument,
               "Column {}, feature {}: example {}, step {} has {} values; shape ({}) needs {}",
               col.name(), in.key, b, s - s0, n, fmt::join(col.variable_shape(), ", "), E);
      }
      p.example_entries[b] = in.step_splits[s0];
      steps = s1 - s0;
    } else {
      check_divisible(col, in, s1 - s0, b);
      p.example_entries[b] = s0;
      steps = (s1 - s0) / E;
    }
    p.lengths[b] = steps;
    p.steps = std::max(p.steps, steps);
  }
  p.example_entries[p.batch] = in.num_values;
  p.extent = p.lengths;
}

// DenseFeatures: a dense [B, shape...] input, one step of E values per example.
void numeric_context(const NumericColumn& col, const FeatureInput& in, NumericPlan& p) {
  const int64_t row = checked_product(in.shape, 1, "Column {}, feature {}: values per example (shape)",
                                      col.name(), in.key);
  if (row != col.width())
    fail(Code::kInvalidArgument,
         "Column {}: input to reshape is a tensor with {} values per example, but the requested "
         "shape has {} (shape ({}), feature {})",
         col.name(), row, col.width(), fmt::join(col.variable_shape(), ", "), in.key);
  p.batch = in.shape[0];
  p.steps = 1;
}

void plan_numeric(const NumericColumn& col, const Batch& batch, Layer layer, ColumnPlan& plan) {
  const FeatureInput& in = batch.get(col.key());
  NumericPlan& p = plan.numeric;
  if (layer == Layer::kDense && in.form != InputForm::kDense)
    fail(Code::kInvalidArgument,
         "The corresponding Tensor of numerical column must be a Tensor. SparseTensor is not "
         "supported. key: {}",
         col.key());
  numeric_values(col, in, p);
  if (layer == Layer::kDense) {
    numeric_context(col, in, p);
  } else {
    p.in_order = in.form == InputForm::kRagged;
    switch (in.form) {
      case InputForm::kSparse: numeric_sparse(col, in, p); break;
      case InputForm::kDense: numeric_dense(col, in, p); break;
      case InputForm::kRagged: numeric_ragged(col, in, p); break;
    }
  }
  plan.batch = p.batch;
  plan.steps = p.steps;
  plan.lengths = &p.lengths;
  plan.extent = &p.extent;
}

// ------------------------------------------------------------------------------------------
// Categorical columns

// TF's layers accept an embedding or indicator only over the matching kind of categorical
// column, and say so when called.
void check_categorical_kind(const DenseColumn& col, const CategoricalColumn& cat, Layer layer) {
  if (layer == Layer::kSequence && !cat.is_sequence())
    fail(Code::kInvalidArgument,
         "In {}: {}. categorical_column must be of type SequenceCategoricalColumn to use "
         "SequenceFeatures. Suggested fix: Use one of sequence_categorical_column_with_*. "
         "Given (type {}): {}",
         kind_name(col), col.name(), cat.type_name(), cat.name());
  if (layer == Layer::kDense && cat.is_sequence())
    fail(Code::kInvalidArgument,
         "In {}: {}. categorical_column must not be of type SequenceCategoricalColumn. "
         "Suggested fix A: If you wish to use DenseFeatures, use a non-sequence "
         "categorical_column_with_*. Suggested fix B: If you wish to create sequence input, "
         "use SequenceFeatures instead of DenseFeatures. Given (type {}): {}",
         kind_name(col), col.name(), cat.type_name(), cat.name());
}

// Ids outside [0, n): negative ones are dropped by embeddings, any by indicators. An id >= n
// reaching an embedding fails the gather as in TF; an entry whose weight the combiner prunes
// (mean/sqrtn, weight <= 0) never reaches the table in TF, so there the id is dropped too.
// Returns the first entry outside [0, n), or -1.
int64_t check_ids(const DenseColumn& col, const CategoricalColumn& cat, ColumnPlan& p) {
  const IdBags& bags = p.bags;
  const int64_t n = cat.num_buckets();
  const auto buckets = static_cast<uint64_t>(n);
  const bool embedding = col.kind() != ColumnKind::kIndicator;
  const bool prunes_weights = embedding && !bags.weights.empty() &&
                              static_cast<const EmbeddingColumn&>(col).combiner() != Combiner::kSum;
  // A branch-free count first (it vectorizes); the ids outside [0, n) are walked only if any.
  int64_t outside = 0;
  for (const int64_t id : bags.ids) outside += static_cast<uint64_t>(id) >= buckets;
  int64_t dropped = 0, first_bad = -1;
  for (int64_t i = 0; outside > 0 && i < bags.num_entries(); ++i) {
    const int64_t id = bags.ids[i];
    if (static_cast<uint64_t>(id) < buckets) continue;
    if (first_bad < 0) first_bad = i;
    if (embedding && id >= n && !(prunes_weights && !(bags.weights[i] > 0.f))) {
      int64_t ex, step;
      locate(bags, i, ex, step);
      fail(Code::kOutOfRange,
           "Column {}: indices[{}] = {} is not in [0, {}) (feature {}, example {}, step {}, "
           "value {})",
           col.name(), i, id, n, cat.key(), ex, step,
           render_value(*bags.input, bags.value_index[i]));
    }
    ++dropped;
  }
  p.stats.dropped_invalid = dropped;
  return first_bad;
}

// Strict mode: a value missing from the vocabulary, or an id any kernel would drop, is an error.
void check_strict(const DenseColumn& col, const CategoricalColumn& cat, const IdBags& bags,
                  int64_t first_bad) {
  int64_t ex, step;
  if (bags.strict_oov_entry >= 0) {
    const int64_t i = bags.strict_oov_entry;
    locate(bags, i, ex, step);
    fail(Code::kOutOfRange,
         "Column {} (strict): value {} of feature {} at example {}, step {} is out of "
         "vocabulary / out of range and the column has no OOV bucket",
         col.name(), render_value(*bags.input, bags.value_index[i]), cat.key(), ex, step);
  }
  if (first_bad >= 0) {
    locate(bags, first_bad, ex, step);
    fail(Code::kOutOfRange,
         "Column {} (strict): id {} (value {}) of feature {} at example {}, step {} is not in "
         "[0, {})",
         col.name(), bags.ids[first_bad], render_value(*bags.input, bags.value_index[first_bad]),
         cat.key(), ex, step, cat.num_buckets());
  }
}

// DenseFeatures reshapes a column's [B, d1, ..., D] lookup to [B, D], which TF can do only when
// every id dimension but the last is 1 per example: [B, K] and [B, 1, K] ids, not [B, 2, K].
void check_one_step(const DenseColumn& col, const CategoricalColumn& cat, const IdBags& bags) {
  // Every dimension between the first and the last is 1, read in place (no allocation per call).
  const FeatureInput& in = *bags.input;
  auto middle_ones = [](const std::vector<int64_t>& dims) {
    return dims.size() < 3 ||
           std::all_of(dims.begin() + 1, dims.end() - 1, [](int64_t d) { return d == 1; });
  };
  bool one_step = true;
  switch (in.form) {
    case InputForm::kSparse: one_step = middle_ones(in.dense_shape); break;
    case InputForm::kDense: one_step = middle_ones(in.shape); break;
    case InputForm::kRagged: one_step = in.step_splits == nullptr || bags.steps == 1; break;
  }
  if (bags.batch > 0 && !one_step) {
    const std::vector<int64_t> shape = input_id_shape(bags);
    // The element counts of TF's message, without wrapping for huge shapes.
    auto count = [&](size_t last) {
      int64_t n = bags.batch;
      for (size_t d = 1; d < last; ++d)
        if (__builtin_mul_overflow(n, shape[d], &n)) return std::string("more than 2^63");
      if (__builtin_mul_overflow(n, col.width(), &n)) return std::string("more than 2^63");
      return std::to_string(n);
    };
    fail(Code::kInvalidArgument,
         "Column {}: ids of feature {} have dense_shape [{}]; DenseFeatures reshapes the lookup "
         "to [{}, {}], which needs one value of every dimension between the first and the last "
         "(Input to reshape is a tensor with {} values, but the requested shape has {})",
         col.name(), cat.key(), fmt::join(shape, ", "), bags.batch, col.width(),
         count(shape.size() - 1), count(1));
  }
}

void plan_categorical(const DenseColumn& col, const Batch& batch, Layer layer,
                      const PackOptions& opt, ColumnPlan& p) {
  const CategoricalColumn& cat = *categorical_of(col);
  check_categorical_kind(col, cat, layer);
  cat.get_ids(batch, p.bags);
  if (layer == Layer::kDense) check_one_step(col, cat, p.bags);
  p.extent = nullptr;
  p.batch = p.bags.batch;
  p.steps = p.bags.steps;
  p.lengths = &p.bags.lengths;
  p.stats.oov_hits = p.bags.oov_hits;
  const int64_t first_bad = check_ids(col, cat, p);
  if (opt.strict) check_strict(col, cat, p.bags, first_bad);
}

// ------------------------------------------------------------------------------------------
// The batch as a whole

// All columns see the same batch; a sequence layer's columns also the same lengths and (without
// max_length) the same T, as TF's layer asserts before its concat.
void check_agreement(const LayerColumns& layer, Layer kind, std::span<const ColumnPlan> plans,
                     const PackOptions& opt) {
  const auto& columns = layer.columns;
  const ColumnPlan& first = plans[0];
  for (size_t c = 1; c < columns.size(); ++c) {
    const ColumnPlan& p = plans[c];
    if (p.batch != first.batch)
      fail(Code::kInvalidArgument,
           "Batch size (first dimension) of each feature must be same. Batch size of columns "
           "({}, {}): ({}, {})",
           columns[0]->name(), columns[c]->name(), first.batch, p.batch);
    if (kind == Layer::kDense) continue;
    for (int64_t b = 0; b < first.batch; ++b)
      if ((*p.lengths)[b] != (*first.lengths)[b])
        fail(Code::kInvalidArgument,
             "Condition x == y did not hold element-wise: sequence lengths of columns {} and {} "
             "differ at example {}: {} vs {} (x = [{}], y = [{}])",
             columns[0]->name(), columns[c]->name(), b, (*first.lengths)[b], (*p.lengths)[b],
             fmt::join(*first.lengths, " "), fmt::join(*p.lengths, " "));
    if (opt.max_length == 0 && p.steps != first.steps)
      fail(Code::kInvalidArgument,
           "Dimensions of inputs should match: columns {} and {} have {} and {} time steps "
           "(T follows dense_shape[1]; give max_length to pad both to one length)",
           columns[0]->name(), columns[c]->name(), first.steps, p.steps);
  }
}

// The step window of every example for max_length / padding / truncating, and the lengths
// written out. The steps an example occupies are [0, extent): its sequence length, or more for
// a 3-D numeric column whose data reaches past TF's length (which ignores the K axis).
void plan_window(const LayerColumns& layer, std::span<ColumnPlan> plans, const PackOptions& opt,
                 Workspace& ws, Planned& out) {
  const std::vector<int64_t>& lengths = *plans[0].lengths;
  const int64_t B = out.batch, M = out.steps;
  ws.kept.resize(B);
  ws.first_step.resize(B);
  ws.base.resize(B);
  ws.length_out.resize(B);
  int64_t truncated = 0, empty = 0, first_truncated = -1, first_extent = 0;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t L = lengths[b];
    int64_t extent = L;
    for (const ColumnPlan& p : plans)
      if (p.extent) extent = std::max(extent, (*p.extent)[b]);
    const int64_t kept = std::min(extent, M);
    ws.kept[b] = kept;
    ws.first_step[b] = (extent > M && opt.truncate_pre) ? extent - M : 0;
    ws.base[b] = opt.pad_pre ? M - kept : 0;
    ws.length_out[b] = std::min(L, kept);
    if (extent > M) {
      truncated += extent - M;
      if (first_truncated < 0) {
        first_truncated = b;
        first_extent = extent;
      }
    }
    if (L == 0) ++empty;
  }
  if (opt.strict && first_truncated >= 0)
    fail(Code::kOutOfRange,
         "Column {} (strict): example {} has {} steps, more than max_length {}; steps would be "
         "truncated",
         layer.columns[0]->name(), first_truncated, first_extent, M);
  for (ColumnPlan& p : plans) {
    p.stats.steps_truncated = truncated;
    p.stats.empty_examples = empty;
  }
  out.lengths = ws.length_out.data();
  // Without max_length and pre-padding every step stays where it is (extent <= T).
  if (opt.max_length > 0 || opt.pad_pre)
    out.window = StepWindow{ws.first_step.data(), ws.kept.data(), ws.base.data()};
}

}  // namespace

LayerColumns layer_columns(std::vector<std::shared_ptr<const Column>> columns, Layer layer) {
  static std::atomic<uint64_t> next_id{0};
  LayerColumns out;
  out.id = next_id.fetch_add(1, std::memory_order_relaxed) + 1;
  for (const auto& c : sorted_unique_columns(std::move(columns))) {
    auto dense = std::dynamic_pointer_cast<const DenseColumn>(c);
    // A numeric column belongs to one layer; embeddings and indicators are checked when called.
    const bool numeric_elsewhere =
        c->kind() == ColumnKind::kNumeric && c->is_sequence() != (layer == Layer::kSequence);
    if (!dense || numeric_elsewhere)
      fail(Code::kInvalidArgument,
           "Items of feature_columns must be a {}. You can wrap a categorical column with an "
           "embedding_column or indicator_column. Given: {} ({})",
           layer == Layer::kSequence ? "SequenceDenseColumn" : "DenseColumn", c->name(),
           c->type_name());
    out.offsets.push_back(out.depth);
    out.depth = checked_add(out.depth, dense->width(), "depth of the layer at column {}", c->name());
    out.columns.push_back(std::move(dense));
  }
  return out;
}

Planned plan_batch(const LayerColumns& layer, Layer kind, const Batch& batch,
                   const PackOptions& opt) {
  Workspace& ws = workspace();
  ws.layer_id = 0;  // the scratch is about to change
  const auto& columns = layer.columns;
  if (ws.plans.size() < columns.size()) ws.plans.resize(columns.size());
  const std::span<ColumnPlan> plans(ws.plans.data(), columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    plans[c].stats = ColumnStats{};
    if (columns[c]->kind() == ColumnKind::kNumeric) {
      plan_numeric(static_cast<const NumericColumn&>(*columns[c]), batch, kind, plans[c]);
    } else {
      // The scratch may hold another layer's numeric plan here: drop its view of that batch.
      plans[c].numeric.direct = nullptr;
      plan_categorical(*columns[c], batch, kind, opt, plans[c]);
    }
  }
  check_agreement(layer, kind, plans, opt);
  Planned out;
  out.batch = plans[0].batch;
  out.steps = opt.max_length > 0 ? opt.max_length : plans[0].steps;
  out.columns = plans;
  // The output's element and byte counts must be representable: every kernel offset
  // (b * T + t) * stride + column offset is below them.
  const int64_t B = out.batch, T = kind == Layer::kSequence ? out.steps : 1;
  const int64_t cells = checked_mul(checked_mul(B, T, "output [{}, {}] (batch x steps)", B, T),
                                    layer.depth, "output [{}, {}, {}] (batch x steps x depth)", B,
                                    T, layer.depth);
  checked_mul(cells, int64_t{sizeof(float)}, "output [{}, {}, {}] in bytes", B, T, layer.depth);
  if (kind == Layer::kSequence) plan_window(layer, plans, opt, ws, out);
  ws.last = out;
  return out;
}

void retain_plan(const LayerColumns& layer, Layer kind, const Batch& batch,
                 const PackOptions& options) {
  Workspace& ws = workspace();
  // A batch never changed (generation 0) has no identity to key on.
  ws.layer_id = batch.generation() == 0 ? 0 : layer.id;
  ws.generation = batch.generation();
  ws.kind = kind;
  ws.options = options;
}

Planned take_plan(const LayerColumns& layer, Layer kind, const Batch& batch,
                  const PackOptions& options) {
  Workspace& ws = workspace();
  if (ws.layer_id != 0 && ws.layer_id == layer.id && ws.generation == batch.generation() &&
      ws.kind == kind && same_plan_options(ws.options, options)) {
    ws.layer_id = 0;
    return ws.last;
  }
  return plan_batch(layer, kind, batch, options);
}

void forget_plan() { workspace().layer_id = 0; }

EmbeddingArgs embedding_args(const EmbeddingColumn& column, const IdBags& bags) {
  EmbeddingArgs args;
  args.table = column.table().data();
  args.dimension = column.width();
  args.combiner = column.combiner();
  args.has_max_norm = column.max_norm().has_value();
  args.max_norm = column.max_norm().value_or(0.f);
  args.ids = bags.ids.data();
  args.weights = bags.weights.empty() ? nullptr : bags.weights.data();
  args.num_entries = bags.num_entries();
  args.rows = column.table().rows();
  args.num_bags = bags.num_bags();
  return args;
}

std::vector<int64_t> input_id_shape(const IdBags& bags) {
  const FeatureInput& in = *bags.input;
  switch (in.form) {
    case InputForm::kSparse: return in.dense_shape;
    case InputForm::kDense: return in.shape;
    case InputForm::kRagged:
      if (in.step_splits) return {bags.batch, bags.steps, bags.width};
      return {bags.batch, bags.steps};
  }
  return {bags.batch, bags.steps};
}

}  // namespace seqfeat
