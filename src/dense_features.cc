#include "dense_features.h"

#include <algorithm>
#include <cstring>

#include <fmt/ranges.h>

#include "embedding_kernel.h"
#include "error.h"

namespace seqfeat {

namespace {

struct DensePlan {
  IdBags bags;
  std::vector<float> values;  // numeric: [B * E]
  int64_t batch = 0;
};

struct DenseWorkspace {
  std::vector<DensePlan> plans;
};

DenseWorkspace& dense_workspace() {
  thread_local DenseWorkspace ws;
  return ws;
}

void plan_numeric(const NumericColumn& col, const Batch& batch, DensePlan& p) {
  const FeatureInput& in = batch.get(col.key());
  if (in.form != InputForm::kDense)
    fail(Code::kInvalidArgument,
         "The corresponding Tensor of numerical column must be a Tensor. SparseTensor is not "
         "supported. key: {}",
         col.key());
  if (!is_numeric(in.dtype))
    fail(Code::kDtypeMismatch, "Column {}: feature {} has dtype {}; a numeric column needs numbers",
         col.name(), in.key, dtype_name(in.dtype));
  const int64_t E = col.width();
  p.batch = in.shape[0];
  int64_t row = 1;
  for (size_t d = 1; d < in.shape.size(); ++d) row *= in.shape[d];
  if (row != E)
    fail(Code::kInvalidArgument,
         "Column {}: input to reshape is a tensor with {} values per example, but the requested "
         "shape has {} (shape ({}), feature {})",
         col.name(), row, E, fmt::join(col.variable_shape(), ", "), in.key);
  p.values.resize(static_cast<size_t>(in.num_values));
  const Normalizer& norm = col.normalizer();
  for (int64_t i = 0; i < in.num_values; ++i)
    p.values[i] = norm.apply(static_cast<float>(in.number(i)));
}

}  // namespace

DenseFeatures::DenseFeatures(std::vector<std::shared_ptr<const Column>> columns) {
  columns = sorted_unique_columns(std::move(columns));
  for (const auto& c : columns) {
    auto dense = std::dynamic_pointer_cast<const DenseColumn>(c);
    const bool ok = dense && (c->kind() != ColumnKind::kNumeric || !c->is_sequence());
    if (!ok)
      fail(Code::kInvalidArgument,
           "Items of feature_columns must be a DenseColumn. You can wrap a categorical column "
           "with an embedding_column or indicator_column. Given: {} ({})",
           c->name(), c->type_name());
    offsets_.push_back(depth_);
    depth_ += dense->width();
    columns_.push_back(std::move(dense));
  }
}

namespace {

int64_t plan_all(const std::vector<std::shared_ptr<const DenseColumn>>& columns,
                 const Batch& batch, DenseWorkspace& ws) {
  if (ws.plans.size() < columns.size()) ws.plans.resize(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    const DenseColumn& col = *columns[c];
    DensePlan& p = ws.plans[c];
    if (col.kind() == ColumnKind::kNumeric) {
      plan_numeric(static_cast<const NumericColumn&>(col), batch, p);
      continue;
    }
    const CategoricalColumn* cat = categorical_of(col);
    const char* what = col.kind() == ColumnKind::kIndicator ? "indicator_column" : "embedding_column";
    if (cat->is_sequence())
      fail(Code::kInvalidArgument,
           "In {}: {}. categorical_column must not be of type SequenceCategoricalColumn. "
           "Suggested fix A: If you wish to use DenseFeatures, use a non-sequence "
           "categorical_column_with_*. Suggested fix B: If you wish to create sequence input, "
           "use SequenceFeatures instead of DenseFeatures. Given (type {}): {}",
           what, col.name(), cat->type_name(), cat->name());
    cat->get_ids(batch, p.bags);
    p.batch = p.bags.batch;
    if (col.kind() != ColumnKind::kIndicator) {
      const int64_t n = cat->num_buckets();
      for (int64_t i = 0; i < p.bags.num_entries(); ++i)
        if (p.bags.ids[i] >= n)
          fail(Code::kOutOfRange, "Column {}: indices[{}] = {} is not in [0, {}) (feature {})",
               col.name(), i, p.bags.ids[i], n, cat->key());
    }
  }
  for (size_t c = 1; c < columns.size(); ++c)
    if (ws.plans[c].batch != ws.plans[0].batch)
      fail(Code::kInvalidArgument,
           "Batch size (first dimension) of each feature must be same. Batch size of columns "
           "({}, {}): ({}, {})",
           columns[0]->name(), columns[c]->name(), ws.plans[0].batch, ws.plans[c].batch);
  return ws.plans[0].batch;
}

}  // namespace

int64_t DenseFeatures::batch_size(const Batch& batch) const {
  return plan_all(columns_, batch, dense_workspace());
}

void DenseFeatures::pack_into(const Batch& batch, float* out, size_t count) const {
  DenseWorkspace& ws = dense_workspace();
  const int64_t B = plan_all(columns_, batch, ws);
  const auto need = static_cast<size_t>(B * depth_);
  if (out == nullptr && need > 0) fail(Code::kInvalidArgument, "output buffer is NULL");
  if (count < need)
    fail(Code::kBufferTooSmall, "output buffer has {} floats, [{}, {}] needs {}", count, B, depth_,
         need);
  for (size_t c = 0; c < columns_.size(); ++c) {
    const DenseColumn& col = *columns_[c];
    const DensePlan& p = ws.plans[c];
    const int64_t off = offsets_[c], D = col.width();
    if (col.kind() == ColumnKind::kNumeric) {
      for (int64_t b = 0; b < B; ++b)
        std::memcpy(out + b * depth_ + off, p.values.data() + b * D,
                    static_cast<size_t>(D) * sizeof(float));
      continue;
    }
    const IdBags& bags = p.bags;
    // All entries of an example form one bag: its steps' entries are contiguous.
    auto entries = [&](int64_t b, int64_t& e0, int64_t& e1) {
      e0 = bags.bag_entries[bags.example_bags[b]];
      e1 = bags.bag_entries[bags.example_bags[b + 1]];
    };
    if (col.kind() == ColumnKind::kIndicator) {
      const auto buckets = static_cast<uint64_t>(D);
      for (int64_t b = 0; b < B; ++b) {
        float* row = out + b * depth_ + off;
        std::fill_n(row, D, 0.f);
        int64_t e0, e1;
        entries(b, e0, e1);
        for (int64_t i = e0; i < e1; ++i)
          if (static_cast<uint64_t>(bags.ids[i]) < buckets)
            row[bags.ids[i]] += bags.weights.empty() ? 1.f : bags.weights[i];
      }
      continue;
    }
    const auto& emb = static_cast<const EmbeddingColumn&>(col);
    EmbeddingArgs args;
    args.table = emb.table().data();
    args.dimension = D;
    args.combiner = emb.combiner();
    args.has_max_norm = emb.max_norm().has_value();
    args.max_norm = emb.max_norm().value_or(0.f);
    args.ids = bags.ids.data();
    args.weights = bags.weights.empty() ? nullptr : bags.weights.data();
    args.num_entries = bags.num_entries();
    const CombineFn combine = select_combine(D);
    for (int64_t b = 0; b < B; ++b) {
      int64_t e0, e1;
      entries(b, e0, e1);
      combine(args, e0, e1, out + b * depth_ + off);
    }
  }
}

}  // namespace seqfeat
