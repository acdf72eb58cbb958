#include "sequence_features.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/ranges.h>

#include "embedding_kernel.h"
#include "error.h"
#include "indicator_kernel.h"
#include "numeric_kernel.h"
#include "thread_pool.h"

namespace seqfeat {

namespace {

// Present values of a numeric column for one batch, in example order.
struct NumericPlan {
  int64_t batch = 0;
  int64_t steps = 0;                    // T_out of the column: prod(dense_shape[1:]) / E
  std::vector<int64_t> example_entries; // [B + 1]
  std::vector<int64_t> position;        // [N] flat position in the example row (step * E + j)
  std::vector<float> values;            // [N] float32, normalized
  const float* direct = nullptr;        // the input itself when it needs no conversion
  bool in_order = false;                // ragged: value i of example b sits at position
                                        // i - example_entries[b] (position is not filled)
  std::vector<int64_t> lengths;         // [B]
  std::vector<int64_t> extent;          // [B] last step holding a value + 1 (>= lengths for
                                        // 3-D input, where TF's length ignores the K axis)
};

struct ColumnPlan {
  IdBags bags;
  NumericPlan numeric;
  ColumnStats stats;
  int64_t batch = 0;
  int64_t steps = 0;
  const std::vector<int64_t>* lengths = nullptr;
  const std::vector<int64_t>* extent = nullptr;  // numeric columns only
};

// Per-thread scratch: reused by every pack on this thread, so a warmed-up pack allocates nothing.
struct Workspace {
  std::vector<ColumnPlan> plans;
  std::vector<int64_t> kept, first_step, base, length_out;
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

// Locates entry i of the bags: its example and step.
void locate(const IdBags& bags, int64_t entry, int64_t& example, int64_t& step) {
  const auto bag_it = std::upper_bound(bags.bag_entries.begin(), bags.bag_entries.end(), entry);
  const int64_t bag = (bag_it - bags.bag_entries.begin()) - 1;
  const auto ex_it = std::upper_bound(bags.example_bags.begin(), bags.example_bags.end(), bag);
  example = (ex_it - bags.example_bags.begin()) - 1;
  step = bags.bag_step[bag];
}

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

void plan_numeric(const NumericColumn& col, const Batch& batch, NumericPlan& p) {
  const FeatureInput& in = batch.get(col.key());
  if (!is_numeric(in.dtype))
    fail(Code::kDtypeMismatch, "Column {}: feature {} has dtype {}; a numeric column needs numbers",
         col.name(), in.key, dtype_name(in.dtype));
  const int64_t E = col.width();
  const Normalizer& norm = col.normalizer();
  p.direct = nullptr;
  if (in.dtype == DType::kFloat32 && norm.kind == NormalizerKind::kNone) {
    p.direct = static_cast<const float*>(in.values);
  } else {
    p.values.resize(static_cast<size_t>(in.num_values));
    convert_values(in, norm, p.values.data());
  }
  p.in_order = in.form == InputForm::kRagged;
  if (!p.in_order) p.position.resize(static_cast<size_t>(in.num_values));

  auto check_divisible = [&](int64_t row, int64_t b) {
    if (row % E != 0)
      fail(Code::kInvalidArgument,
           "Column {}: input to reshape is a tensor with {} values per example, but the requested "
           "shape ({}) requires a multiple of {} (feature {}, example {})",
           col.name(), row, fmt::join(col.variable_shape(), ", "), E, in.key, b);
  };

  switch (in.form) {
    case InputForm::kSparse: {
      const auto& shape = in.dense_shape;
      if (static_cast<int64_t>(shape.size()) != in.rank)
        fail(Code::kInvalidArgument,
             "Column {}, feature {}: dense_shape has {} dimensions but indices have rank {}",
             col.name(), in.key, shape.size(), in.rank);
      p.batch = shape[0];
      int64_t row = 1;
      for (int64_t d = 1; d < in.rank; ++d) row *= shape[d];
      check_divisible(row, 0);
      p.steps = row / E;
      p.example_entries.assign(p.batch + 1, 0);
      p.lengths.assign(p.batch, 0);
      p.extent.assign(p.batch, 0);
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
      break;
    }
    case InputForm::kDense: {
      const auto& shape = in.shape;
      p.batch = shape[0];
      int64_t row = 1;
      for (size_t d = 1; d < shape.size(); ++d) row *= shape[d];
      check_divisible(row, 0);
      p.steps = row / E;
      p.example_entries.resize(p.batch + 1);
      for (int64_t b = 0; b <= p.batch; ++b) p.example_entries[b] = b * row;
      for (int64_t i = 0; i < in.num_values; ++i) p.position[i] = row ? i % row : 0;
      const int64_t len = shape.size() == 2 ? p.steps : shape[1];
      p.lengths.assign(p.batch, row ? len : 0);
      p.extent.assign(p.batch, p.steps);
      break;
    }
    case InputForm::kRagged: {
      p.batch = in.batch_size;
      p.example_entries.resize(p.batch + 1);
      p.lengths.resize(p.batch);
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
          check_divisible(s1 - s0, b);
          p.example_entries[b] = s0;
          steps = (s1 - s0) / E;
        }
        p.lengths[b] = steps;
        p.steps = std::max(p.steps, steps);
      }
      p.example_entries[p.batch] = in.num_values;
      p.extent = p.lengths;
      break;
    }
  }
}

// The output position of natural step `step` of example b, or -1 if it is cut.
struct StepMap {
  bool identity = true;
  const int64_t* first_step = nullptr;  // s0 per example
  const int64_t* kept = nullptr;        // kept steps per example
  const int64_t* base = nullptr;        // output position of s0 per example
  int64_t operator()(int64_t b, int64_t step) const {
    if (identity) return step;
    const int64_t rel = step - first_step[b];
    if (rel < 0 || rel >= kept[b]) return -1;
    return base[b] + rel;
  }
};

void write_numeric(const NumericColumn& col, const NumericPlan& p, const StepMap& map,
                   int64_t b0, int64_t b1, int64_t T, int64_t depth, int64_t offset, float* out) {
  const int64_t E = col.width();
  const float def = col.default_value();
  const float* values = p.direct ? p.direct : p.values.data();
  if (p.in_order) {
    NumericRows rows;
    rows.values = values;
    rows.example_entries = p.example_entries.data();
    rows.width = E;
    rows.default_value = def;
    if (!map.identity) {
      rows.first_step = map.first_step;
      rows.kept = map.kept;
      rows.base = map.base;
    }
    rows.out = out + offset;
    rows.steps = T;
    rows.stride = depth;
    write_numeric_in_order(rows, b0, b1);
    return;
  }
  for (int64_t b = b0; b < b1; ++b) {
    float* rows = out + b * T * depth + offset;
    for (int64_t t = 0; t < T; ++t) std::fill_n(rows + t * depth, E, def);
    const int64_t e0 = p.example_entries[b], e1 = p.example_entries[b + 1];
    if (map.identity && depth == E) {
      for (int64_t i = e0; i < e1; ++i) rows[p.position[i]] = values[i];
    } else {
      for (int64_t i = e0; i < e1; ++i) {
        const int64_t t = map(b, p.position[i] / E);
        if (t >= 0) rows[t * depth + p.position[i] % E] = values[i];
      }
    }
  }
}

void write_indicator(const IndicatorColumn& col, const IdBags& bags, const StepMap& map,
                     int64_t b0, int64_t b1, int64_t T, int64_t depth, int64_t offset,
                     float* out) {
  IndicatorRows rows;
  rows.ids = bags.ids.data();
  rows.weights = bags.weights.empty() ? nullptr : bags.weights.data();
  rows.buckets = col.width();
  rows.example_bags = bags.example_bags.data();
  rows.bag_step = bags.bag_step.data();
  rows.bag_entries = bags.bag_entries.data();
  if (!map.identity) {
    rows.first_step = map.first_step;
    rows.kept = map.kept;
    rows.base = map.base;
  }
  rows.out = out + offset;
  rows.steps = T;
  rows.stride = depth;
  write_indicator_rows(rows, b0, b1);
}

void write_embedding(const EmbeddingColumn& col, const IdBags& bags, const StepMap& map,
                     int64_t b0, int64_t b1, int64_t T, int64_t depth, int64_t offset,
                     float* out) {
  const int64_t D = col.width();
  EmbeddingArgs args;
  args.table = col.table().data();
  args.dimension = D;
  args.combiner = col.combiner();
  args.has_max_norm = col.max_norm().has_value();
  args.max_norm = col.max_norm().value_or(0.f);
  args.ids = bags.ids.data();
  args.weights = bags.weights.empty() ? nullptr : bags.weights.data();
  args.num_entries = bags.num_entries();
  args.rows = col.table().rows();
  args.num_bags = bags.num_bags();
  BagOutput where;
  where.example_bags = bags.example_bags.data();
  where.bag_step = bags.bag_step.data();
  where.bag_entries = bags.bag_entries.data();
  if (!map.identity) {
    where.first_step = map.first_step;
    where.kept = map.kept;
    where.base = map.base;
  }
  where.out = out + offset;
  where.steps = T;
  where.stride = depth;
  // Non-temporal stores when the column fills whole output rows of an output much larger than
  // the caches (W2: 13 MB, two threads 1.8 -> 1.2 ms); on cache-sized outputs they are slower.
  constexpr int64_t kStreamBytes = int64_t{8} << 20;
  where.stream = depth == D && bags.batch * T * depth * int64_t{sizeof(float)} >= kStreamBytes;
  select_embed_examples(args)(args, where, b0, b1);
}

// Work units of one looked-up float: rows of a table much larger than the last-level cache
// come from DRAM, about 4x the time of cached ones per float (W3 against W1, one thread).
int64_t gather_weight(const DenseColumn& col) {
  if (col.kind() != ColumnKind::kEmbedding && col.kind() != ColumnKind::kSharedEmbedding) return 0;
  const Table& table = static_cast<const EmbeddingColumn&>(col).table();
  return table.size() * sizeof(float) > (size_t{32} << 20) ? 4 : 1;
}

// A guess of the work before the plan, from the inputs alone: each value is about one output
// float (width floats for categorical columns) plus its gather.
int64_t input_work(const std::vector<std::shared_ptr<const DenseColumn>>& columns,
                   const Batch& batch) {
  int64_t work = 0;
  for (const auto& col : columns) {
    const CategoricalColumn* cat = categorical_of(*col);
    const std::string& key =
        cat ? cat->key() : static_cast<const NumericColumn&>(*col).key();
    if (!batch.contains(key)) continue;
    const int64_t values = batch.get(key).num_values;
    work += cat ? values * col->width() * (1 + gather_weight(*col)) : values;
  }
  return work;
}

}  // namespace

SequenceFeatures::SequenceFeatures(std::vector<std::shared_ptr<const Column>> columns) {
  columns = sorted_unique_columns(std::move(columns));
  for (const auto& c : columns) {
    auto dense = std::dynamic_pointer_cast<const DenseColumn>(c);
    const bool ok = dense && (c->kind() != ColumnKind::kNumeric || c->is_sequence());
    if (!ok)
      fail(Code::kInvalidArgument,
           "Items of feature_columns must be a SequenceDenseColumn. You can wrap a categorical "
           "column with an embedding_column or indicator_column. Given: {} ({})",
           c->name(), c->type_name());
    offsets_.push_back(depth_);
    depth_ += dense->width();
    columns_.push_back(std::move(dense));
  }
}

namespace {

struct Planned {
  int64_t batch = 0, steps = 0;
  const std::vector<int64_t>* lengths = nullptr;
};

// Runs the plan phase for every column; returns the common batch size, T and lengths.
Planned plan_all(const std::vector<std::shared_ptr<const DenseColumn>>& columns,
                 const Batch& batch, const PackOptions& opt, Workspace& ws) {
  if (ws.plans.size() < columns.size()) ws.plans.resize(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    const DenseColumn& col = *columns[c];
    ColumnPlan& p = ws.plans[c];
    p.stats = ColumnStats{};
    if (col.kind() == ColumnKind::kNumeric) {
      plan_numeric(static_cast<const NumericColumn&>(col), batch, p.numeric);
      p.batch = p.numeric.batch;
      p.steps = p.numeric.steps;
      p.lengths = &p.numeric.lengths;
      p.extent = &p.numeric.extent;
      continue;
    }
    const CategoricalColumn* cat = categorical_of(col);
    const char* what = col.kind() == ColumnKind::kIndicator ? "indicator_column" : "embedding_column";
    if (!cat->is_sequence())
      fail(Code::kInvalidArgument,
           "In {}: {}. categorical_column must be of type SequenceCategoricalColumn to use "
           "SequenceFeatures. Suggested fix: Use one of sequence_categorical_column_with_*. "
           "Given (type {}): {}",
           what, col.name(), cat->type_name(), cat->name());
    cat->get_ids(batch, p.bags);
    p.extent = nullptr;
    p.batch = p.bags.batch;
    p.steps = p.bags.steps;
    p.lengths = &p.bags.lengths;
    p.stats.oov_hits = p.bags.oov_hits;
    // Ids: negative ones are dropped by embeddings, any outside [0, n) by indicators; ids >= n
    // reaching an embedding fail the gather as in TF.
    const int64_t n = cat->num_buckets();
    const auto buckets = static_cast<uint64_t>(n);
    const bool embedding = col.kind() != ColumnKind::kIndicator;
    // An entry whose weight the combiner prunes (mean/sqrtn, weight <= 0) never reaches the
    // table in TF, so an out-of-range id there is dropped, not an error.
    const bool prunes_weights =
        embedding && !p.bags.weights.empty() &&
        static_cast<const EmbeddingColumn&>(col).combiner() != Combiner::kSum;
    int64_t dropped = 0, first_bad = -1;
    // A branch-free count first (it vectorizes); the ids outside [0, n) are walked only if any.
    int64_t outside = 0;
    for (const int64_t id : p.bags.ids) outside += static_cast<uint64_t>(id) >= buckets;
    for (int64_t i = 0; outside > 0 && i < p.bags.num_entries(); ++i) {
      const int64_t id = p.bags.ids[i];
      if (static_cast<uint64_t>(id) >= buckets) {
        if (first_bad < 0) first_bad = i;
        if (embedding && id >= n && !(prunes_weights && !(p.bags.weights[i] > 0.f))) {
          int64_t ex, step;
          locate(p.bags, i, ex, step);
          fail(Code::kOutOfRange,
               "Column {}: indices[{}] = {} is not in [0, {}) (feature {}, example {}, step {}, "
               "value {})",
               col.name(), i, id, n, cat->key(), ex, step,
               render_value(*p.bags.input, p.bags.value_index[i]));
        }
        ++dropped;
      }
    }
    p.stats.dropped_invalid = dropped;
    if (opt.strict) {
      if (p.bags.strict_oov_entry >= 0) {
        const int64_t i = p.bags.strict_oov_entry;
        int64_t ex, step;
        locate(p.bags, i, ex, step);
        fail(Code::kOutOfRange,
             "Column {} (strict): value {} of feature {} at example {}, step {} is out of "
             "vocabulary / out of range and the column has no OOV bucket",
             col.name(), render_value(*p.bags.input, p.bags.value_index[i]), cat->key(), ex, step);
      }
      if (first_bad >= 0) {
        int64_t ex, step;
        locate(p.bags, first_bad, ex, step);
        fail(Code::kOutOfRange,
             "Column {} (strict): id {} (value {}) of feature {} at example {}, step {} is not in "
             "[0, {})",
             col.name(), p.bags.ids[first_bad],
             render_value(*p.bags.input, p.bags.value_index[first_bad]), cat->key(), ex, step, n);
      }
    }
  }

  // Cross-column checks: batch size, sequence lengths, T.
  const ColumnPlan& first = ws.plans[0];
  for (size_t c = 1; c < columns.size(); ++c) {
    const ColumnPlan& p = ws.plans[c];
    if (p.batch != first.batch)
      fail(Code::kInvalidArgument,
           "Batch size (first dimension) of each feature must be same. Batch size of columns "
           "({}, {}): ({}, {})",
           columns[0]->name(), columns[c]->name(), first.batch, p.batch);
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
  Planned out;
  out.batch = first.batch;
  out.steps = opt.max_length > 0 ? opt.max_length : first.steps;
  out.lengths = first.lengths;

  // Per-example step mapping for max_length / padding / truncating. The steps an example
  // occupies are [0, extent): its sequence length, or more for a 3-D numeric column whose data
  // reaches past TF's length (which ignores the K axis).
  const int64_t B = out.batch, M = out.steps;
  ws.kept.resize(B);
  ws.first_step.resize(B);
  ws.base.resize(B);
  ws.length_out.resize(B);
  int64_t truncated = 0, empty = 0, first_truncated = -1, first_extent = 0;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t L = (*out.lengths)[b];
    int64_t extent = L;
    for (size_t c = 0; c < columns.size(); ++c)
      if (ws.plans[c].extent) extent = std::max(extent, (*ws.plans[c].extent)[b]);
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
         columns[0]->name(), first_truncated, first_extent, M);
  for (size_t c = 0; c < columns.size(); ++c) {
    ws.plans[c].stats.steps_truncated = truncated;
    ws.plans[c].stats.empty_examples = empty;
  }
  return out;
}

void check_options(const PackOptions& opt) {
  if (opt.max_length < 0)
    fail(Code::kInvalidArgument, "max_length must be >= 0, got {}", opt.max_length);
  if (opt.num_threads < 0)
    fail(Code::kInvalidArgument, "num_threads must be >= 0, got {}", opt.num_threads);
}

}  // namespace

OutputShape SequenceFeatures::output_shape(const Batch& batch, const PackOptions& opt) const {
  check_options(opt);
  Workspace& ws = workspace();
  const Planned p = plan_all(columns_, batch, opt, ws);
  return {p.batch, p.steps, depth_};
}

void SequenceFeatures::pack_into(const Batch& batch, const PackOptions& opt, float* dense,
                                 size_t dense_count, int64_t* lengths, size_t lengths_count,
                                 uint8_t* mask, size_t mask_count, PackStats* stats) const {
  check_options(opt);
  // Work = output floats + looked-up floats x gather_weight, about 0.05-0.1 ns per unit on one
  // thread. A sleeping helper joins 0.1-0.15 ms after it is woken on this VM (and waking it
  // costs the caller ~15 us), so below ~1M units (~0.1 ms) a second thread cannot pay off: W1
  // (0.6M units) stays on one thread, W3 (1.6M) and W2 (23M) split. The split is into chunks of
  // about kWorkPerChunk handed out in order, so a helper that arrives late still takes a share.
  constexpr int64_t kParallelWork = 1 << 20;
  constexpr int64_t kWorkPerChunk = 1 << 15;
  const int max_threads = opt.num_threads == 0 ? hardware_threads() : opt.num_threads;
  if (max_threads > 1 && input_work(columns_, batch) >= kParallelWork)
    prepare_workers(max_threads);  // wake-up overlaps the plan phase
  Workspace& ws = workspace();
  const Planned plan = plan_all(columns_, batch, opt, ws);
  const int64_t B = plan.batch, T = plan.steps;
  const auto need_dense = static_cast<size_t>(B * T * depth_);
  if (dense == nullptr && need_dense > 0)
    fail(Code::kInvalidArgument, "output buffer is NULL");
  if (dense_count < need_dense)
    fail(Code::kBufferTooSmall, "output buffer has {} floats, [{}, {}, {}] needs {}", dense_count,
         B, T, depth_, need_dense);
  if (lengths == nullptr && B > 0) fail(Code::kInvalidArgument, "sequence_length buffer is NULL");
  if (lengths_count < static_cast<size_t>(B))
    fail(Code::kBufferTooSmall, "sequence_length buffer has {} entries, needs {}", lengths_count, B);
  if (mask && mask_count < static_cast<size_t>(B * T))
    fail(Code::kBufferTooSmall, "mask buffer has {} entries, [{}, {}] needs {}", mask_count, B, T,
         B * T);

  // Execute: nothing above has written to the caller's buffers.
  StepMap map;
  map.identity = opt.max_length == 0 && !opt.pad_pre;
  map.first_step = ws.first_step.data();
  map.kept = ws.kept.data();
  map.base = ws.base.data();

  int64_t work = B * T * depth_;
  for (size_t c = 0; c < columns_.size(); ++c)
    work += ws.plans[c].bags.num_entries() * columns_[c]->width() * gather_weight(*columns_[c]);
  const int threads =
      work < kParallelWork
          ? 1
          : static_cast<int>(std::min<int64_t>(max_threads, std::max<int64_t>(2, work / kParallelWork)));
  const int64_t chunks =
      threads > 1 ? std::min(B, std::max<int64_t>(work / kWorkPerChunk, int64_t{threads} * 4)) : 1;

  auto run_range = [&](int64_t chunk) {
    const int64_t b0 = B * chunk / chunks, b1 = B * (chunk + 1) / chunks;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const DenseColumn& col = *columns_[c];
      const ColumnPlan& p = ws.plans[c];
      switch (col.kind()) {
        case ColumnKind::kNumeric:
          write_numeric(static_cast<const NumericColumn&>(col), p.numeric, map, b0, b1, T, depth_,
                        offsets_[c], dense);
          break;
        case ColumnKind::kIndicator:
          write_indicator(static_cast<const IndicatorColumn&>(col), p.bags, map, b0, b1, T,
                          depth_, offsets_[c], dense);
          break;
        default:
          write_embedding(static_cast<const EmbeddingColumn&>(col), p.bags, map, b0, b1, T,
                          depth_, offsets_[c], dense);
      }
    }
  };
  parallel_for(threads, chunks, run_range);

  for (int64_t b = 0; b < B; ++b) lengths[b] = ws.length_out[b];
  if (mask) {
    for (int64_t b = 0; b < B; ++b) {
      uint8_t* m = mask + b * T;
      std::fill_n(m, T, uint8_t{0});
      std::fill_n(m + ws.base[b], ws.length_out[b], uint8_t{1});
    }
  }
  if (stats) {
    stats->names.resize(columns_.size());
    stats->columns.resize(columns_.size());
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (stats->names[c] != columns_[c]->name()) stats->names[c] = columns_[c]->name();
      stats->columns[c] = ws.plans[c].stats;
    }
  }
}

SparseIds get_sparse_tensors(const CategoricalColumn& column, const Batch& batch) {
  IdBags bags;
  column.get_ids(batch, bags);
  SparseIds out;
  const int64_t n = bags.num_entries();
  const bool seq = column.is_sequence() || bags.width > 1;
  out.rank = seq ? 3 : 2;
  out.indices.resize(static_cast<size_t>(n * out.rank));
  for (int64_t b = 0; b < bags.batch; ++b)
    for (int64_t g = bags.example_bags[b]; g < bags.example_bags[b + 1]; ++g)
      for (int64_t i = bags.bag_entries[g]; i < bags.bag_entries[g + 1]; ++i) {
        int64_t* idx = out.indices.data() + i * out.rank;
        idx[0] = b;
        idx[1] = bags.bag_step[g];
        if (seq) idx[2] = bags.entry_k[i];
      }
  out.ids = std::move(bags.ids);
  out.dense_shape = {bags.batch, bags.steps};
  if (seq) out.dense_shape.push_back(bags.width);
  out.weighted = column.weighted();
  out.weights = std::move(bags.weights);
  return out;
}

void concatenate_context_input(const float* context, int64_t context_depth, const float* sequence,
                               int64_t batch, int64_t steps, int64_t sequence_depth, float* out) {
  const int64_t width = sequence_depth + context_depth;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < steps; ++t) {
      float* o = out + (b * steps + t) * width;
      std::memcpy(o, sequence + (b * steps + t) * sequence_depth, sequence_depth * sizeof(float));
      std::memcpy(o + sequence_depth, context + b * context_depth, context_depth * sizeof(float));
    }
}

}  // namespace seqfeat
