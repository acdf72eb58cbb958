// The seed example in C++ (seqfeat.hpp): a numeric rating and watched-item ids through a
// 10-dim embedding, packed into one [batch, steps, 11] tensor plus sequence lengths.
//
// The embedding table is deterministic, table[i][j] = (i % 100) * 0.01 + j * 0.001, so the C,
// C++, Python and Rust versions print the same numbers.
#include <cstdio>
#include <vector>

#include <seqfeat/seqfeat.hpp>

namespace {

std::vector<float> example_table(int rows, int dimension) {
  std::vector<float> table(static_cast<size_t>(rows * dimension));
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < dimension; ++j)
      table[static_cast<size_t>(i * dimension + j)] =
          static_cast<float>(i % 100) * 0.01f + static_cast<float>(j) * 0.001f;
  return table;
}

void print_output(const seqfeat::packed& out) {
  const std::vector<int64_t> shape = out.dense.shape();
  std::printf("shape: [%lld, %lld, %lld]\n", static_cast<long long>(shape[0]),
              static_cast<long long>(shape[1]), static_cast<long long>(shape[2]));
  const std::vector<float> dense = out.dense.to_vector<float>();
  const size_t depth = static_cast<size_t>(shape[2]);
  for (size_t i = 0; i < dense.size(); ++i)
    std::printf("%.4f%c", static_cast<double>(dense[i]), (i + 1) % depth == 0 ? '\n' : ' ');
  const std::vector<int64_t> lengths = out.sequence_length.to_vector<int64_t>();
  std::printf("sequence_length: [");
  for (size_t b = 0; b < lengths.size(); ++b)
    std::printf(b ? ", %lld" : "%lld", static_cast<long long>(lengths[b]));
  std::printf("]\n");
}

}  // namespace

int main() {
  try {
    seqfeat::column rating = seqfeat::column::numeric("rating");
    seqfeat::column watches = seqfeat::column::identity("watches", 1000);
    seqfeat::embedding_options options(10);
    options.initial_table = example_table(1000, 10);
    seqfeat::column watches_embedding = seqfeat::column::embedding(watches, options);
    seqfeat::sequence_features layer({rating, watches_embedding});

    // The batch views these vectors: they outlive it.
    const std::vector<int64_t> indices = {0, 0, 0, 1, 1, 0, 1, 1, 1, 2};
    const std::vector<int64_t> dense_shape = {2, 5};
    const std::vector<float> ratings = {3.0f, 5.0f, 1.0f, 2.0f, 3.0f};
    const std::vector<int64_t> watched = {12, 34, 7, 7, 999};
    seqfeat::batch features;
    features.add_sparse("rating", indices, dense_shape, ratings);
    features.add_sparse("watches", indices, dense_shape, watched);

    print_output(layer.pack(features));
  } catch (const seqfeat::error& e) {
    std::fprintf(stderr, "seqfeat error (%s): %s\n", e.status_string(), e.what());
    return 1;
  }
  return 0;
}
