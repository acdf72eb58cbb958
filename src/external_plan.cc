#include "external_plan.h"

#include <algorithm>

#include "error.h"
#include "id_sort.h"

namespace seqfeat {

ExternalPlan::ExternalPlan(std::shared_ptr<const SequenceFeatures> layer, const Batch& batch,
                           const PackOptions& options)
    : layer_(std::move(layer)), options_(options) {
  // Copied out of the thread's scratch memory, without pointers into the batch.
  const Planned p = layer_->plan(batch, options_);
  const auto B = static_cast<size_t>(p.batch);
  // Only the half of each scratch slot that belongs to the column's kind: the other half may
  // still hold what another layer's plan left there.
  columns_.resize(p.columns.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    const ColumnPlan& from = p.columns[c];
    ColumnPlan& to = columns_[c];
    to.stats = from.stats;
    to.batch = from.batch;
    to.steps = from.steps;
    if (layer_->column(c)->kind() == ColumnKind::kNumeric) {
      to.numeric = from.numeric;
      NumericPlan& n = to.numeric;
      if (n.direct) {
        n.values.assign(n.direct,
                        n.direct + (n.example_entries.empty() ? 0 : n.example_entries.back()));
        n.direct = nullptr;
      }
    } else {
      to.bags = from.bags;
      to.bags.input = nullptr;
    }
  }
  lengths_.assign(p.lengths, p.lengths + B);
  planned_.batch = p.batch;
  planned_.steps = p.steps;
  planned_.columns = columns_;
  planned_.lengths = lengths_.data();
  if (!p.window.identity()) {
    first_step_.assign(p.window.first_step, p.window.first_step + B);
    kept_.assign(p.window.kept, p.window.kept + B);
    base_.assign(p.window.base, p.window.base + B);
    planned_.window = {first_step_.data(), kept_.data(), base_.data()};
  }
  const size_t num_columns = layer_->num_columns();
  column_table_.assign(num_columns, -1);
  variant_.assign(num_columns, EmbedVariant::kHand);
  gemm_ids_.resize(num_columns);
  for (size_t c = 0; c < num_columns; ++c) {
    const DenseColumn& col = *layer_->column(c);
    if (col.kind() != ColumnKind::kEmbedding && col.kind() != ColumnKind::kSharedEmbedding)
      continue;
    const auto& emb = static_cast<const EmbeddingColumn&>(col);
    size_t t = 0;
    while (t < tables_.size() && tables_[t].table != emb.table_ptr()) ++t;
    if (t == tables_.size()) tables_.push_back({emb.table_ptr(), {}, {}});
    tables_[t].columns.push_back(c);
    column_table_[c] = static_cast<int>(t);
    variant_[c] = choose_embed_variant(embedding_args(emb, columns_[c].bags));
    if (variant_[c] == EmbedVariant::kBlasGemm) gemm_ids_[c] = columns_[c].bags.ids;
  }

  // Per table: the gathered (id, entry) pairs over its columns (entry numbered across them),
  // grouped by id; the bags' ids become positions in the unique list.
  std::vector<IdEntry> items, scratch;
  std::vector<int64_t> position;
  for (TableIds& use : tables_) {
    const int64_t rows = use.table->rows();
    int64_t total = 0;
    for (size_t c : use.columns) total += columns_[c].bags.num_entries();
    items.clear();
    items.reserve(static_cast<size_t>(total));
    int64_t first = 0;
    for (size_t c : use.columns) {
      const auto& col = static_cast<const EmbeddingColumn&>(*layer_->column(c));
      const IdBags& bags = columns_[c].bags;
      const float* weights = bags.weights.empty() ? nullptr : bags.weights.data();
      const bool prune = weights != nullptr && col.combiner() != Combiner::kSum;
      for (int64_t b = 0; b < bags.batch; ++b)
        for (int64_t g = bags.example_bags[b]; g < bags.example_bags[b + 1]; ++g) {
          if (planned_.window(b, bags.bag_step[g]) < 0) continue;
          for (int64_t i = bags.bag_entries[g]; i < bags.bag_entries[g + 1]; ++i) {
            const int64_t id = bags.ids[i];
            if (id < 0 || id >= rows || (prune && !(weights[i] > 0.f))) continue;
            items.push_back({id, first + i});
          }
        }
      first += bags.num_entries();
    }
    sort_by_id(items.data(), static_cast<int64_t>(items.size()), rows, scratch);
    position.assign(static_cast<size_t>(total), -1);
    use.ids.clear();
    for (size_t k = 0; k < items.size(); ++k) {
      if (k == 0 || items[k].id != items[k - 1].id) use.ids.push_back(items[k].id);
      position[static_cast<size_t>(items[k].entry)] = static_cast<int64_t>(use.ids.size()) - 1;
    }
    first = 0;
    for (size_t c : use.columns) {
      IdBags& bags = columns_[c].bags;
      std::copy_n(position.begin() + first, bags.num_entries(), bags.ids.begin());
      first += bags.num_entries();
    }
  }
}

template <class Rows>
void ExternalPlan::check_rows(const Rows* rows, size_t num_rows, const char* what,
                              const char* noun) const {
  if (num_rows != tables_.size())
    fail(Code::kInvalidArgument, "{}: the plan needs {} for {} tables, got {}", what, noun,
         tables_.size(), num_rows);
  if (rows == nullptr && num_rows > 0) fail(Code::kInvalidArgument, "{}: {} is NULL", what, noun);
  for (size_t t = 0; t < tables_.size(); ++t) {
    const TableIds& use = tables_[t];
    const auto U = static_cast<int64_t>(use.ids.size());
    const int64_t D = use.table->dimension();
    if (rows[t].count != U || rows[t].dimension != D)
      fail(Code::kInvalidArgument,
           "{}: table {} needs the {} of its {} planned ids, [{}, {}]; got [{}, {}]", what,
           use.table->name(), noun, U, U, D, rows[t].count, rows[t].dimension);
    if (rows[t].data == nullptr && U > 0)
      fail(Code::kInvalidArgument, "{}: the {} of table {} are NULL", what, noun,
           use.table->name());
  }
}

void ExternalPlan::pack_into(const SuppliedRows* rows, size_t num_rows, float* dense,
                             size_t dense_count, int64_t* lengths, size_t lengths_count,
                             uint8_t* mask, size_t mask_count, PackStats* stats) const {
  check_rows(rows, num_rows, "pack", "rows");
  const size_t num_columns = layer_->num_columns();
  std::vector<RowSource> sources(num_columns);
  // The multi-hot x table kernel multiplies by the whole (small) table: it gets the supplied
  // rows scattered into a zero table of the original shape and the original ids.
  std::vector<std::vector<float>> scattered(tables_.size());
  for (size_t c = 0; c < num_columns; ++c) {
    if (column_table_[c] < 0) continue;
    const auto t = static_cast<size_t>(column_table_[c]);
    const TableIds& use = tables_[t];
    RowSource& source = sources[c];
    source.variant = variant_[c];
    if (variant_[c] != EmbedVariant::kBlasGemm) {
      source.table = rows[t].data;
      source.rows = static_cast<int64_t>(use.ids.size());
      continue;
    }
    const int64_t D = use.table->dimension();
    std::vector<float>& full = scattered[t];
    if (full.empty()) {
      full.assign(use.table->size(), 0.f);
      for (size_t u = 0; u < use.ids.size(); ++u)
        std::copy_n(rows[t].data + static_cast<int64_t>(u) * D, D, full.data() + use.ids[u] * D);
    }
    source.table = full.data();
    source.rows = use.table->rows();
    source.ids = gemm_ids_[c].data();
  }
  layer_->execute(planned_, options_, sources.data(), dense, dense_count, lengths, lengths_count,
                  mask, mask_count, stats);
}

void ExternalPlan::backward(const SuppliedRows* rows, size_t num_rows, const float* grad,
                            const int64_t* shape, size_t rank, const GradientRows* out,
                            size_t num_out) const {
  check_rows(rows, num_rows, "backward", "rows");
  check_rows(out, num_out, "backward", "gradient rows");
  std::vector<PlannedRows> tables(tables_.size());
  for (size_t t = 0; t < tables_.size(); ++t)
    tables[t] = {tables_[t].table.get(), {rows[t].data, rows[t].count}, out[t].data};
  backward_rows(*layer_, planned_, options_, grad, shape, rank, tables);
}

}  // namespace seqfeat
