// Serving from C++ (seqfeat.hpp): loads the pipeline that examples/python/train_and_save.py
// trained and saved (directory given as argv[1]), tables copied, and packs the serving batch
// with the layer's saved call defaults. Prints every float as its IEEE-754 bits, exactly as the
// Python, C and Rust versions do.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <seqfeat/seqfeat.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PIPELINE_DIRECTORY\n", argv[0]);
    return 2;
  }
  try {
    const seqfeat::sequence_features layer = seqfeat::sequence_features::load(argv[1]);
    const std::vector<int64_t> row_splits = {0, 3, 5};
    const std::vector<int64_t> items = {1, 3, 4, 0, 2};
    const std::vector<float> prices = {1.5f, 2.0f, 0.25f, 3.0f, 0.5f};
    seqfeat::batch batch;
    batch.add_ragged("item", row_splits, {}, items);
    batch.add_ragged_strings("colour", row_splits, {},
                             std::vector<std::string>{"red", "blue", "pink", "green", "red"});
    batch.add_ragged("price", row_splits, {}, prices);
    const seqfeat::packed out = layer.pack_with_defaults(batch);

    const std::vector<int64_t> shape = out.dense.shape();
    const std::vector<float> dense = out.dense.to_vector<float>();
    std::printf("shape: [%lld, %lld, %lld]\n", static_cast<long long>(shape[0]),
                static_cast<long long>(shape[1]), static_cast<long long>(shape[2]));
    for (int64_t b = 0; b < shape[0]; ++b) {
      for (int64_t t = 0; t < shape[1]; ++t) {
        std::printf("%lld %lld:", static_cast<long long>(b), static_cast<long long>(t));
        for (int64_t d = 0; d < shape[2]; ++d) {
          uint32_t bits;
          std::memcpy(&bits, &dense[static_cast<size_t>((b * shape[1] + t) * shape[2] + d)],
                      sizeof bits);
          std::printf(" %08lx", static_cast<unsigned long>(bits));
        }
        std::printf("\n");
      }
    }
    const std::vector<int64_t> lengths = out.sequence_length.to_vector<int64_t>();
    std::printf("sequence_length: [");
    for (size_t b = 0; b < lengths.size(); ++b)
      std::printf(b ? ", %lld" : "%lld", static_cast<long long>(lengths[b]));
    std::printf("]\n");
  } catch (const seqfeat::error& e) {
    std::fprintf(stderr, "serve: %s\n", e.what());
    return 1;
  }
  return 0;
}
