// A vocabulary file and a hashed string feature, each through an embedding with the mean
// combiner; every step holds one or two values (a [batch, steps, 2] SparseTensor).
//
// Usage: vocab_hash [path/to/vocab.txt]   (default: examples/data/vocab.txt)
// Tables are deterministic, table[i][j] = (i % 100) * 0.01 + j * 0.001, so the C, C++, Python
// and Rust versions print the same numbers.
#include <cstdio>
#include <string>
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

int main(int argc, char** argv) {
  const std::string vocabulary_file = argc > 1 ? argv[1] : "examples/data/vocab.txt";
  try {
    // genre: the 4 words of the file + 1 OOV bucket; tags: 10 hash buckets.
    seqfeat::column genre =
        seqfeat::column::vocabulary_file("genre", vocabulary_file, -1, /*num_oov_buckets=*/1);
    seqfeat::column tags = seqfeat::column::hash_bucket("tags", 10);
    seqfeat::embedding_options genre_options(3);
    genre_options.combiner = SEQFEAT_COMBINER_MEAN;
    genre_options.initial_table = example_table(5, 3);
    seqfeat::embedding_options tags_options(4);
    tags_options.combiner = SEQFEAT_COMBINER_MEAN;
    tags_options.initial_table = example_table(10, 4);
    seqfeat::column genre_embedding = seqfeat::column::embedding(genre, genre_options);
    seqfeat::column tags_embedding = seqfeat::column::embedding(tags, tags_options);
    seqfeat::sequence_features layer({tags_embedding, genre_embedding});

    // example 0: {comedy, drama}, {thriller}; example 1: {horror}, {documentary, comedy}, {drama}
    const std::vector<int64_t> genre_indices = {0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0,
                                                0, 1, 1, 0, 1, 1, 1, 1, 2, 0};
    // example 0: {a, b}, {c}; example 1: {d}, {a}, {b, d}
    const std::vector<int64_t> tags_indices = {0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0,
                                               0, 1, 1, 0, 1, 2, 0, 1, 2, 1};
    const std::vector<int64_t> dense_shape = {2, 3, 2};
    seqfeat::batch features;
    features.add_sparse_strings(
        "genre", genre_indices, dense_shape,
        std::vector<std::string>{"comedy", "drama", "thriller", "horror", "documentary",
                                 "comedy", "drama"});
    features.add_sparse_strings("tags", tags_indices, dense_shape,
                                std::vector<std::string>{"a", "b", "c", "d", "a", "b", "d"});

    print_output(layer.pack(features));
  } catch (const seqfeat::error& e) {
    std::fprintf(stderr, "seqfeat error (%s): %s\n", e.status_string(), e.what());
    return 1;
  }
  return 0;
}
