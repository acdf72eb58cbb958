// The same computation as consumer.c through the installed header-only C++ layer.
#include <cstdio>
#include <vector>

#include <seqfeat/seqfeat.hpp>

int main() {
  try {
    if (seqfeat::version_number() != SEQFEAT_VERSION_NUMBER) return 1;
    std::printf("version ok\n");
    seqfeat::column ids = seqfeat::column::identity("ids", 4);
    seqfeat::embedding_options options(2);
    options.initial_table = {0, 1, 2, 3, 4, 5, 6, 7};
    seqfeat::column embedding = seqfeat::column::embedding(ids, options);
    seqfeat::sequence_features layer({embedding});
    const std::vector<int64_t> indices = {0, 0, 0, 1};
    const std::vector<int64_t> dense_shape = {1, 2};
    const std::vector<int64_t> values = {1, 3};
    seqfeat::batch features;
    features.add_sparse("ids", indices, dense_shape, values);
    const seqfeat::packed out = layer.pack(features);
    const std::vector<float> dense = out.dense.to_vector<float>();
    std::printf("shape: [1, 2, 2]\n%.1f %.1f\n%.1f %.1f\nsequence_length: [%lld]\n",
                static_cast<double>(dense[0]), static_cast<double>(dense[1]),
                static_cast<double>(dense[2]), static_cast<double>(dense[3]),
                static_cast<long long>(out.sequence_length.to_vector<int64_t>()[0]));
  } catch (const seqfeat::error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
