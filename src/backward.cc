#include "backward.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/ranges.h>

#include "error.h"
#include "id_sort.h"
#include "thread_pool.h"

namespace seqfeat {

namespace {

// The trainable tables of a layer, each with the columns that read it (layer order) and the
// rows its bags' ids index: the table itself, or the rows a plan was packed from.
struct TableUse {
  std::shared_ptr<Table> table;
  std::vector<size_t> columns;
  bool has_max_norm = false;
  float max_norm = 0.f;
  GatheredRows gathered;
};

// Per-thread scratch, reused by every backward on this thread.
struct Workspace {
  std::vector<TableUse> tables;
  size_t num_tables = 0;
  std::vector<IdEntry> items, sort_buffer;
  std::vector<int64_t> source;   // [N] offset of the entry's upstream row in grad
  std::vector<float> scale;      // [N] w_i * combiner scale
  std::vector<int64_t> starts;   // [U + 1] first sorted item of each unique id
  std::vector<float> rows;       // [chunks, D] one gradient row per chunk (fused update)
  int64_t entries = 0;           // entries of the table's columns in the batch, kept or not
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

void find_tables(const SequenceFeatures& layer, Workspace& ws) {
  ws.num_tables = 0;
  for (size_t c = 0; c < layer.num_columns(); ++c) {
    const DenseColumn& col = *layer.column(c);
    if (col.kind() != ColumnKind::kEmbedding && col.kind() != ColumnKind::kSharedEmbedding)
      continue;
    const auto& emb = static_cast<const EmbeddingColumn&>(col);
    if (!emb.trainable()) continue;
    size_t t = 0;
    while (t < ws.num_tables && ws.tables[t].table != emb.table_ptr()) ++t;
    if (t == ws.num_tables) {
      if (ws.tables.size() <= t) ws.tables.resize(t + 1);
      TableUse& use = ws.tables[t];
      use.table = emb.table_ptr();
      use.columns.clear();
      use.has_max_norm = emb.max_norm().has_value();
      use.max_norm = emb.max_norm().value_or(0.f);
      use.gathered = {use.table->data(), use.table->rows()};
      ++ws.num_tables;
    }
    ws.tables[t].columns.push_back(c);
  }
}

void check_gradient(const Planned& plan, int64_t depth, const float* grad, const int64_t* shape,
                    size_t rank) {
  const int64_t want[3] = {plan.batch, plan.steps, depth};
  if (shape == nullptr && rank > 0) fail(Code::kInvalidArgument, "backward: grad shape is NULL");
  bool same = rank == 3;
  for (size_t d = 0; same && d < 3; ++d) same = shape[d] == want[d];
  if (!same)
    fail(Code::kInvalidArgument,
         "backward: the gradient has shape [{}], but the layer's output for this batch (and "
         "these call options) has shape [{}, {}, {}]",
         fmt::join(shape, shape + rank, ", "), want[0], want[1], want[2]);
  if (grad == nullptr && plan.batch * plan.steps * depth > 0)
    fail(Code::kInvalidArgument, "backward: grad is NULL");
}

// Collects the (id, entry) pairs of one table with their upstream offsets and scales.
int64_t collect(const SequenceFeatures& layer, const Planned& plan, const TableUse& use,
                Workspace& ws) {
  int64_t n = 0;
  for (size_t c : use.columns) n += plan.columns[c].bags.num_entries();
  ws.entries = n;
  if (ws.sort_buffer.size() < static_cast<size_t>(n)) ws.sort_buffer.resize(static_cast<size_t>(n));
  ws.items.resize(static_cast<size_t>(n));
  ws.source.resize(static_cast<size_t>(n));
  ws.scale.resize(static_cast<size_t>(n));
  const int64_t T = plan.steps, depth = layer.depth(), rows = use.gathered.rows;
  int64_t k = 0;
  for (size_t c : use.columns) {
    const auto& col = static_cast<const EmbeddingColumn&>(*layer.column(c));
    const IdBags& bags = plan.columns[c].bags;
    const int64_t* ids = bags.ids.data();
    const float* weights = bags.weights.empty() ? nullptr : bags.weights.data();
    const bool prune = weights != nullptr && col.combiner() != Combiner::kSum;
    const int64_t offset = layer.offset(c);
    for (int64_t b = 0; b < bags.batch; ++b) {
      for (int64_t g = bags.example_bags[b]; g < bags.example_bags[b + 1]; ++g) {
        const int64_t t = plan.window(b, bags.bag_step[g]);
        if (t < 0) continue;
        const int64_t e0 = bags.bag_entries[g], e1 = bags.bag_entries[g + 1];
        // The combiner's denominator over the kept entries, as the forward forms it.
        int64_t kept = 0;
        float wsum = 0.f, w2sum = 0.f;
        for (int64_t i = e0; i < e1; ++i) {
          const int64_t id = ids[i];
          if (id < 0 || id >= rows) continue;
          const float w = weights ? weights[i] : 1.f;
          if (prune && !(w > 0.f)) continue;
          ++kept;
          wsum += w;
          w2sum += w * w;
        }
        if (kept == 0) continue;
        float denom = 1.f;
        if (col.combiner() == Combiner::kMean)
          denom = weights ? wsum : static_cast<float>(kept);
        else if (col.combiner() == Combiner::kSqrtn)
          denom = std::sqrt(weights ? w2sum : static_cast<float>(kept));
        if (denom == 0.f) continue;  // the forward wrote zeros: nothing depends on the table
        const int64_t src = (b * T + t) * depth + offset;
        for (int64_t i = e0; i < e1; ++i) {
          const int64_t id = ids[i];
          if (id < 0 || id >= rows) continue;
          const float w = weights ? weights[i] : 1.f;
          if (prune && !(w > 0.f)) continue;
          ws.items[k] = {id, k};
          ws.source[k] = src;
          ws.scale[k] = col.combiner() == Combiner::kSum ? w : w / denom;
          ++k;
        }
      }
    }
  }
  return k;
}

// Sorts the pairs by id and finds each unique id's first pair; returns U.
int64_t group(Workspace& ws, int64_t n, int64_t rows) {
  sort_by_id(ws.items.data(), n, rows, ws.sort_buffer);
  if (ws.starts.size() < static_cast<size_t>(ws.entries) + 1)
    ws.starts.resize(static_cast<size_t>(ws.entries) + 1);
  int64_t u = 0;
  for (int64_t i = 0; i < n; ++i)
    if (i == 0 || ws.items[i].id != ws.items[i - 1].id) ws.starts[u++] = i;
  ws.starts[u] = n;
  return u;
}

// row = Σ scale_k · grad[source_k : source_k + D] over the pairs of unique id u, in sorted
// order, then through the clip's Jacobian.
void reduce_row(const Workspace& ws, const TableUse& use, const float* grad, int64_t u,
                float* row) {
  const int64_t D = use.table->dimension();
  std::fill_n(row, D, 0.f);
  for (int64_t i = ws.starts[u]; i < ws.starts[u + 1]; ++i) {
    const int64_t entry = ws.items[i].entry;
    const float s = ws.scale[entry];
    const float* g = grad + ws.source[entry];
    for (int64_t d = 0; d < D; ++d) row[d] += s * g[d];
  }
  if (!use.has_max_norm) return;
  const float* e = use.gathered.data + ws.items[ws.starts[u]].id * D;
  float l2 = 0.f, dot = 0.f;
  for (int64_t d = 0; d < D; ++d) {
    l2 += e[d] * e[d];
    dot += e[d] * row[d];
  }
  const float norm = std::sqrt(l2);
  const float m = use.max_norm;
  if (!(norm >= m) || norm == 0.f) return;
  const float a = m / norm, c = dot / l2;
  for (int64_t d = 0; d < D; ++d) row[d] = a * (row[d] - e[d] * c);
}

// Threads are decided per table as the forward pack decides them (SplitModel): from the
// measured time per unit of work, (entries + unique ids) x D, of earlier calls of the same
// pass, against what waking a helper costs. One model per pass: a reduction, a reduction with
// the optimizer's update, and a reduction into caller rows differ in cost per unit.
struct Pass {
  const SplitModel& model;
  int max_threads;

  int threads_for(int64_t work) const { return model.threads_for(max_threads, work); }
};

Pass pass_of(const SplitModel& model, const PackOptions& options) {
  return {model, options.num_threads == 0 ? hardware_threads() : options.num_threads};
}

int64_t num_chunks(int threads, int64_t U) {
  return threads > 1 ? std::min<int64_t>(U, int64_t{threads} * 8) : 1;
}

// Runs fn(chunk, u0, u1) over ranges of unique ids on the chosen threads, and lets the pass's
// model learn from the time taken.
template <class F>
void over_unique(const Pass& pass, int threads, int64_t U, int64_t work, F&& fn) {
  const int64_t chunks = num_chunks(threads, U);
  auto task = [&](int64_t chunk) { fn(chunk, U * chunk / chunks, U * (chunk + 1) / chunks); };
  if (U > 0) pass.model.run(threads, chunks, work, task);
}

// Checks the gradient of a planned batch, finds the tables, calls prepare(ws) (the last point
// where anything may fail) and then per_table for each table.
template <class Prepare, class PerTable>
void run(const SequenceFeatures& layer, const Planned& plan, const Pass& pass,
         const float* grad, const int64_t* shape, size_t rank, Prepare&& prepare,
         PerTable&& per_table) {
  check_gradient(plan, layer.depth(), grad, shape, rank);
  Workspace& ws = workspace();
  find_tables(layer, ws);
  prepare(ws);
  for (size_t t = 0; t < ws.num_tables; ++t) {
    const TableUse& use = ws.tables[t];
    const int64_t n = collect(layer, plan, use, ws);
    const int64_t U = group(ws, n, use.gathered.rows);
    const int64_t work = (n + U) * use.table->dimension();
    per_table(t, use, ws, U, pass.threads_for(work), work);
  }
}

const SplitModel reduce_model, apply_model, rows_model;

}  // namespace

void backward(const SequenceFeatures& layer, const Batch& batch, const PackOptions& options,
              const float* grad, const int64_t* shape, size_t rank, Gradients& out) {
  const Pass pass = pass_of(reduce_model, options);
  run(
      layer, layer.plan(batch, options), pass, grad, shape, rank,
      [&](const Workspace& ws) {
        if (out.tables.size() < ws.num_tables) out.tables.resize(ws.num_tables);
      },
      [&](size_t t, const TableUse& use, Workspace& ws, int64_t U, int threads, int64_t work) {
        TableGradient& tg = out.tables[t];
        const int64_t D = use.table->dimension();
        tg.table = use.table;
        tg.count = U;
        // Capacity for every entry of the batch (U <= N): the next batch of this size, whatever
        // its number of distinct ids, fits without allocating.
        const auto entries = static_cast<size_t>(ws.entries);
        if (tg.ids.capacity() < entries) tg.ids.reserve(entries);
        if (tg.rows.capacity() < entries * D) tg.rows.reserve(entries * D);
        tg.ids.resize(static_cast<size_t>(U));
        tg.rows.resize(static_cast<size_t>(U * D));
        for (int64_t u = 0; u < U; ++u) tg.ids[u] = ws.items[ws.starts[u]].id;
        over_unique(pass, threads, U, work, [&](int64_t, int64_t u0, int64_t u1) {
          for (int64_t u = u0; u < u1; ++u) reduce_row(ws, use, grad, u, tg.rows.data() + u * D);
        });
      });
  out.num_tables = workspace().num_tables;
}

void backward_apply(const SequenceFeatures& layer, const Batch& batch,
                    const PackOptions& options, const float* grad, const int64_t* shape,
                    size_t rank, Optimizer& optimizer) {
  const Pass pass = pass_of(apply_model, options);
  run(
      layer, layer.plan(batch, options), pass, grad, shape, rank,
      [&](const Workspace& ws) {
        // Accumulators are created before the first table changes.
        for (size_t t = 0; t < ws.num_tables; ++t) optimizer.accumulator(ws.tables[t].table);
      },
      [&](size_t, const TableUse& use, Workspace& ws, int64_t U, int threads, int64_t work) {
        const int64_t D = use.table->dimension();
        float* data = use.table->mutable_data();
        float* state = optimizer.accumulator(use.table);
        // Scratch for as many chunks as the most threads allowed would use, so that a call the
        // model sends to more threads than the last one did does not allocate.
        const auto chunk_rows = static_cast<size_t>(
            num_chunks(std::max(threads, pass.max_threads), U) * D);
        if (ws.rows.size() < chunk_rows) ws.rows.resize(chunk_rows);
        over_unique(pass, threads, U, work, [&](int64_t chunk, int64_t u0, int64_t u1) {
          float* row = ws.rows.data() + chunk * D;
          for (int64_t u = u0; u < u1; ++u) {
            if (u + Optimizer::kPrefetchAhead < u1) {
              const int64_t ahead = ws.items[ws.starts[u + Optimizer::kPrefetchAhead]].id * D;
              Optimizer::prefetch_row(data + ahead, state ? state + ahead : nullptr, D);
            }
            reduce_row(ws, use, grad, u, row);
            const int64_t id = ws.items[ws.starts[u]].id;
            optimizer.update_row(data + id * D, state ? state + id * D : nullptr, row, D);
          }
        });
      });
}

void backward_rows(const SequenceFeatures& layer, const Planned& plan, const PackOptions& options,
                   const float* grad, const int64_t* shape, size_t rank,
                   std::span<const PlannedRows> tables) {
  auto rows_of = [&](const TableUse& use) -> const PlannedRows& {
    for (const PlannedRows& p : tables)
      if (p.table == use.table.get()) return p;
    fail(Code::kInternal, "backward: the plan has no rows for table {}", use.table->name());
  };
  const Pass pass = pass_of(rows_model, options);
  run(
      layer, plan, pass, grad, shape, rank,
      [&](Workspace& ws) {
        for (size_t t = 0; t < ws.num_tables; ++t)
          ws.tables[t].gathered = rows_of(ws.tables[t]).gathered;
        for (const PlannedRows& p : tables)
          std::fill_n(p.gradient, p.gathered.rows * p.table->dimension(), 0.f);
      },
      [&](size_t, const TableUse& use, Workspace& ws, int64_t U, int threads, int64_t work) {
        const int64_t D = use.table->dimension();
        float* gradient = rows_of(use).gradient;
        over_unique(pass, threads, U, work, [&](int64_t, int64_t u0, int64_t u1) {
          for (int64_t u = u0; u < u1; ++u)
            reduce_row(ws, use, grad, u, gradient + ws.items[ws.starts[u]].id * D);
        });
      });
}

}  // namespace seqfeat
