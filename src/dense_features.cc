#include "dense_features.h"

#include <algorithm>
#include <cstring>

#include "embedding_kernel.h"
#include "error.h"

namespace seqfeat {

DenseFeatures::DenseFeatures(std::vector<std::shared_ptr<const Column>> columns)
    : layer_(layer_columns(std::move(columns), Layer::kDense)) {}

int64_t DenseFeatures::batch_size(const Batch& batch) const {
  // Kept for the pack that usually follows (plan.h: retain_plan).
  const int64_t B = take_plan(layer_, Layer::kDense, batch, PackOptions{}).batch;
  retain_plan(layer_, Layer::kDense, batch, PackOptions{});
  return B;
}

void DenseFeatures::pack_into(const Batch& batch, float* out, size_t count) const {
  const Planned plan = take_plan(layer_, Layer::kDense, batch, PackOptions{});
  retain_plan(layer_, Layer::kDense, batch, PackOptions{});
  const int64_t B = plan.batch, depth = layer_.depth;
  const auto need = static_cast<size_t>(B * depth);  // checked by plan_batch
  if (out == nullptr && need > 0) fail(Code::kInvalidArgument, "output buffer is NULL");
  if (count < need)
    fail(Code::kBufferTooSmall, "output buffer has {} floats, [{}, {}] needs {}", count, B, depth,
         need);
  forget_plan();
  for (size_t c = 0; c < layer_.columns.size(); ++c) {
    const DenseColumn& col = *layer_.columns[c];
    const ColumnPlan& p = plan.columns[c];
    const int64_t off = layer_.offsets[c], D = col.width();
    if (col.kind() == ColumnKind::kNumeric) {
      const float* values = p.numeric.data();
      for (int64_t b = 0; b < B; ++b)
        std::memcpy(out + b * depth + off, values + b * D, static_cast<size_t>(D) * sizeof(float));
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
        float* row = out + b * depth + off;
        std::fill_n(row, D, 0.f);
        int64_t e0, e1;
        entries(b, e0, e1);
        for (int64_t i = e0; i < e1; ++i)
          if (static_cast<uint64_t>(bags.ids[i]) < buckets)
            row[bags.ids[i]] += bags.weights.empty() ? 1.f : bags.weights[i];
      }
      continue;
    }
    const EmbeddingArgs args = embedding_args(static_cast<const EmbeddingColumn&>(col), bags);
    const CombineFn combine = select_combine(D);
    for (int64_t b = 0; b < B; ++b) {
      int64_t e0, e1;
      entries(b, e0, e1);
      combine(args, e0, e1, out + b * depth + off);
    }
  }
}

}  // namespace seqfeat
