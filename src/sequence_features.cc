#include "sequence_features.h"

#include <unistd.h>

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

void write_numeric(const NumericColumn& col, const NumericPlan& p, const StepWindow& window,
                   int64_t b0, int64_t b1, int64_t T, int64_t depth, int64_t offset, float* out) {
  const int64_t E = col.width();
  const float def = col.default_value();
  const float* values = p.data();
  if (p.in_order) {
    NumericRows rows;
    rows.values = values;
    rows.example_entries = p.example_entries.data();
    rows.width = E;
    rows.default_value = def;
    rows.window = window;
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
    if (window.identity() && depth == E) {
      for (int64_t i = e0; i < e1; ++i) rows[p.position[i]] = values[i];
    } else {
      for (int64_t i = e0; i < e1; ++i) {
        const int64_t t = window(b, p.position[i] / E);
        if (t >= 0) rows[t * depth + p.position[i] % E] = values[i];
      }
    }
  }
}

void write_indicator(const IndicatorColumn& col, const IdBags& bags, const StepWindow& window,
                     int64_t b0, int64_t b1, int64_t T, int64_t depth, int64_t offset,
                     float* out) {
  IndicatorRows rows;
  rows.ids = bags.ids.data();
  rows.weights = bags.weights.empty() ? nullptr : bags.weights.data();
  rows.buckets = col.width();
  rows.example_bags = bags.example_bags.data();
  rows.bag_step = bags.bag_step.data();
  rows.bag_entries = bags.bag_entries.data();
  rows.window = window;
  rows.out = out + offset;
  rows.steps = T;
  rows.stride = depth;
  write_indicator_rows(rows, b0, b1);
}

// Outputs of at least this many bytes, filled whole by one column, are written with
// non-temporal stores: the L2 cache's size. A fresh output larger than L2 is not in it, and a
// plain store would first read each line from L3 or DRAM. Measured on W1 (1.6 MB, L2 1 MB),
// each call on a fresh batch with PyTorch's pipelines run in between, medians of 195 calls:
// the C-level call 100.9 -> 96.5 us (first quartile 97.6 -> 78.4), the public call
// 122.6 -> 108.8 us; W2's 13 MB output with two threads 1.8 -> 1.2 ms. Only an output rewritten
// while it is still in L2 is slower (a loop packing into one buffer: 66 -> 72 us on W1).
int64_t stream_bytes() {
  static const int64_t bytes = [] {
    int64_t l2 = 0;
#if defined(_SC_LEVEL2_CACHE_SIZE)
    l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
    return l2 > 0 ? l2 : int64_t{1} << 20;
  }();
  return bytes;
}

// With a source, the bags' ids (or the source's) index source->table instead of the column's
// table, through the kernel the column's own table would get: both give the same bits.
void write_embedding(const EmbeddingColumn& col, const IdBags& bags, const RowSource* source,
                     const StepWindow& window, int64_t b0, int64_t b1, int64_t T, int64_t depth,
                     int64_t offset, float* out) {
  const int64_t D = col.width();
  EmbeddingArgs args = embedding_args(col, bags);
  BagOutput where;
  where.example_bags = bags.example_bags.data();
  where.bag_step = bags.bag_step.data();
  where.bag_entries = bags.bag_entries.data();
  where.window = window;
  where.out = out + offset;
  where.steps = T;
  where.stride = depth;
  where.stream = depth == D && bags.batch * T * depth * int64_t{sizeof(float)} >= stream_bytes();
  if (!source) {
    select_embed_examples(args)(args, where, b0, b1);
    return;
  }
  const EmbedExamplesFn kernel = select_embed_examples(args, Isa::kBest, source->variant);
  args.table = source->table;
  args.rows = source->rows;
  if (source->ids) args.ids = source->ids;
  kernel(args, where, b0, b1);
}

// Work units of one looked-up float: rows of a table much larger than the last-level cache
// come from DRAM, about 4x the time of cached ones per float (W3 against W1, one thread).
int64_t gather_weight(const DenseColumn& col) {
  if (col.kind() != ColumnKind::kEmbedding && col.kind() != ColumnKind::kSharedEmbedding) return 0;
  const Table& table = static_cast<const EmbeddingColumn&>(col).table();
  return table.size() * sizeof(float) > (size_t{32} << 20) ? 4 : 1;
}

// a * b + c for work estimates, saturating instead of wrapping (the inputs are not validated
// yet when the first estimate is made, and a huge but valid width must not wrap it).
int64_t add_work(int64_t c, int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r) || __builtin_add_overflow(r, c, &r)) return INT64_MAX;
  return r;
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
    work = cat ? add_work(work, values, add_work(0, col->width(), 1 + gather_weight(*col)))
               : add_work(work, values, 1);
  }
  return work;
}

}  // namespace

SequenceFeatures::SequenceFeatures(std::vector<std::shared_ptr<const Column>> columns)
    : layer_(layer_columns(std::move(columns), Layer::kSequence)) {}

namespace {

void check_options(const PackOptions& opt) {
  if (opt.max_length < 0)
    fail(Code::kInvalidArgument, "max_length must be >= 0, got {}", opt.max_length);
  if (opt.num_threads < 0)
    fail(Code::kInvalidArgument, "num_threads must be >= 0, got {}", opt.num_threads);
}

// Work = output floats + looked-up floats x gather_weight, about 0.05-0.1 ns per unit on one
// thread. The split is into chunks of about kWorkPerChunk handed out in order, so a helper that
// arrives late still takes a share and the caller never waits for more than one chunk.
constexpr int64_t kWorkPerChunk = 1 << 15;

}  // namespace

Planned SequenceFeatures::plan(const Batch& batch, const PackOptions& opt) const {
  check_options(opt);
  return plan_batch(layer_, Layer::kSequence, batch, opt);
}

OutputShape SequenceFeatures::output_shape(const Batch& batch, const PackOptions& opt) const {
  check_options(opt);
  // Kept for the pack that usually follows (plan.h: retain_plan).
  const Planned p = take_plan(layer_, Layer::kSequence, batch, opt);
  retain_plan(layer_, Layer::kSequence, batch, opt);
  return {p.batch, p.steps, layer_.depth};
}

OutputShape SequenceFeatures::pack_into(const Batch& batch, const PackOptions& opt, float* dense,
                                        size_t dense_count, int64_t* lengths,
                                        size_t lengths_count, uint8_t* mask, size_t mask_count,
                                        PackStats* stats) const {
  check_options(opt);
  // Whether a helper pays off is decided per call by split_ (thread_pool.h) from this
  // layer's measured cost per unit and the pool's measured join latency: a sleeping helper
  // joins 0.1-0.15 ms after it is woken on the development VM, a spinning one within a few us.
  const int max_threads = opt.num_threads == 0 ? hardware_threads() : opt.num_threads;
  if (max_threads > 1 && split_.threads_for(max_threads, input_work(layer_.columns, batch)) > 1)
    prepare_workers(max_threads);  // wake-up overlaps the plan phase
  // The plan of a shape query just before, or a new one; kept until the buffers are known to
  // be large enough, so that a caller who grows them after kBufferTooSmall plans once.
  const Planned plan = take_plan(layer_, Layer::kSequence, batch, opt);
  retain_plan(layer_, Layer::kSequence, batch, opt);
  return execute(plan, opt, nullptr, dense, dense_count, lengths, lengths_count, mask,
                 mask_count, stats);
}

OutputShape SequenceFeatures::execute(const Planned& plan, const PackOptions& opt,
                                      const RowSource* sources, float* dense, size_t dense_count,
                                      int64_t* lengths, size_t lengths_count, uint8_t* mask,
                                      size_t mask_count, PackStats* stats) const {
  const int max_threads = opt.num_threads == 0 ? hardware_threads() : opt.num_threads;
  const auto& columns = layer_.columns;
  const int64_t depth = layer_.depth;
  const int64_t B = plan.batch, T = plan.steps;
  // B x T x depth fits: plan_batch has checked it.
  const auto need_dense = static_cast<size_t>(B * T * depth);
  if (dense == nullptr && need_dense > 0)
    fail(Code::kInvalidArgument, "output buffer is NULL");
  if (dense_count < need_dense)
    fail(Code::kBufferTooSmall, "output buffer has {} floats, [{}, {}, {}] needs {}", dense_count,
         B, T, depth, need_dense);
  if (lengths == nullptr && B > 0) fail(Code::kInvalidArgument, "sequence_length buffer is NULL");
  if (lengths_count < static_cast<size_t>(B))
    fail(Code::kBufferTooSmall, "sequence_length buffer has {} entries, needs {}", lengths_count, B);
  if (mask && mask_count < static_cast<size_t>(B * T))
    fail(Code::kBufferTooSmall, "mask buffer has {} entries, [{}, {}] needs {}", mask_count, B, T,
         B * T);

  forget_plan();
  // Execute: nothing above has written to the caller's buffers.
  int64_t work = B * T * depth;
  for (size_t c = 0; c < columns.size(); ++c)
    work = add_work(work, plan.columns[c].bags.num_entries(),
                    add_work(0, columns[c]->width(), gather_weight(*columns[c])));
  const int threads = split_.threads_for(max_threads, work);
  const int64_t chunks =
      threads > 1 ? std::min(B, std::max<int64_t>(work / kWorkPerChunk, int64_t{threads} * 4)) : 1;

  auto run_range = [&](int64_t chunk) {
    const auto b0 = static_cast<int64_t>(static_cast<__int128>(B) * chunk / chunks);
    const auto b1 = static_cast<int64_t>(static_cast<__int128>(B) * (chunk + 1) / chunks);
    for (size_t c = 0; c < columns.size(); ++c) {
      const DenseColumn& col = *columns[c];
      const ColumnPlan& p = plan.columns[c];
      const int64_t offset = layer_.offsets[c];
      switch (col.kind()) {
        case ColumnKind::kNumeric:
          write_numeric(static_cast<const NumericColumn&>(col), p.numeric, plan.window, b0, b1, T,
                        depth, offset, dense);
          break;
        case ColumnKind::kIndicator:
          write_indicator(static_cast<const IndicatorColumn&>(col), p.bags, plan.window, b0, b1,
                          T, depth, offset, dense);
          break;
        default:
          write_embedding(static_cast<const EmbeddingColumn&>(col), p.bags,
                          sources ? &sources[c] : nullptr, plan.window, b0, b1, T, depth,
                          offset, dense);
      }
    }
  };
  split_.run(threads, chunks, work, run_range);

  std::copy_n(plan.lengths, B, lengths);
  if (mask) {
    for (int64_t b = 0; b < B; ++b) {
      uint8_t* m = mask + b * T;
      std::fill_n(m, T, uint8_t{0});
      std::fill_n(m + plan.window.shift(b, T).lo, plan.lengths[b], uint8_t{1});
    }
  }
  if (stats) {
    stats->names.resize(columns.size());
    stats->columns.resize(columns.size());
    for (size_t c = 0; c < columns.size(); ++c) {
      if (stats->names[c] != columns[c]->name()) stats->names[c] = columns[c]->name();
      stats->columns[c] = plan.columns[c].stats;
    }
  }
  return {B, T, depth};
}

// A sequence column's ids are [B, T, K] (TF reshapes its input to rank 3); a non-sequence
// column keeps the input's rank, its entry position k unravelled over dims 2.. of the input.
SparseIds get_sparse_tensors(const CategoricalColumn& column, const Batch& batch) {
  IdBags bags;
  column.get_ids(batch, bags);
  SparseIds out;
  if (column.is_sequence()) {
    out.dense_shape = {bags.batch, bags.steps, bags.width};
  } else {
    out.dense_shape = input_id_shape(bags);
  }
  out.rank = static_cast<int64_t>(out.dense_shape.size());
  const auto rank = static_cast<size_t>(out.rank);
  const int64_t n = bags.num_entries();
  out.indices.resize(static_cast<size_t>(n) * rank);
  for (int64_t b = 0; b < bags.batch; ++b)
    for (int64_t g = bags.example_bags[b]; g < bags.example_bags[b + 1]; ++g)
      for (int64_t i = bags.bag_entries[g]; i < bags.bag_entries[g + 1]; ++i) {
        int64_t* idx = out.indices.data() + static_cast<size_t>(i) * rank;
        idx[0] = b;
        idx[1] = bags.bag_step[g];
        int64_t k = bags.entry_k[i];
        for (size_t d = rank; d-- > 2;) {
          idx[d] = k % out.dense_shape[d];
          k /= out.dense_shape[d];
        }
      }
  out.ids = std::move(bags.ids);
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
      // A side of depth 0 may come with a NULL pointer: no memcpy for it.
      if (sequence_depth > 0)
        std::memcpy(o, sequence + (b * steps + t) * sequence_depth, sequence_depth * sizeof(float));
      if (context_depth > 0)
        std::memcpy(o + sequence_depth, context + b * context_depth, context_depth * sizeof(float));
    }
}

}  // namespace seqfeat
