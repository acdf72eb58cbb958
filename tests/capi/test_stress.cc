// Concurrency stress: 8 threads share one configured layer (hash-bucket and vocabulary
// embeddings, shared embeddings, numeric) and pack different batches, alternating num_threads
// 1 and 2 per call, for a fixed number of iterations each. Every output must equal, bit for bit,
// the single-threaded pack of the same batch made before the threads start. Run under TSan by
// `make sanitize` (docs/threading.md).
#include <atomic>
#include <random>
#include <thread>

#include "capi_test_util.h"

namespace sftest {
namespace {

constexpr int kThreads = 8;
constexpr int kIterations = 24;  // per thread
constexpr int kBatches = 12;

// One batch's input, owned here and added to a per-thread seqfeat_batch as views.
struct Input {
  std::vector<int64_t> row_splits;  // shared by every feature: one value per step
  Strings words{{}};
  std::vector<int64_t> vocab_ids, shared_a, shared_b;
  std::vector<float> numbers;  // 2 per step
  std::vector<int64_t> numbers_splits;

  seqfeat_status AddTo(seqfeat_batch* batch) const {
    const auto B = static_cast<int64_t>(row_splits.size()) - 1;
    const int64_t n = row_splits.back();
    seqfeat_status s = seqfeat_batch_add_ragged_strings(batch, "h", B, row_splits.data(), 0,
                                                        nullptr, words.offsets.data(),
                                                        words.bytes.data(), n);
    if (s == SEQFEAT_OK)
      s = seqfeat_batch_add_ragged(batch, "v", B, row_splits.data(), 0, nullptr,
                                   SEQFEAT_DTYPE_INT64, vocab_ids.data(), n);
    if (s == SEQFEAT_OK)
      s = seqfeat_batch_add_ragged(batch, "sa", B, row_splits.data(), 0, nullptr,
                                   SEQFEAT_DTYPE_INT64, shared_a.data(), n);
    if (s == SEQFEAT_OK)
      s = seqfeat_batch_add_ragged(batch, "sb", B, row_splits.data(), 0, nullptr,
                                   SEQFEAT_DTYPE_INT64, shared_b.data(), n);
    if (s == SEQFEAT_OK)
      s = seqfeat_batch_add_ragged(batch, "x", B, row_splits.data(), n, numbers_splits.data(),
                                   SEQFEAT_DTYPE_FLOAT32, numbers.data(), 2 * n);
    return s;
  }
};

Input MakeInput(uint32_t seed, bool large) {
  std::mt19937 rng(seed);
  Input in;
  const int64_t B = large ? 300 + rng() % 200 : 1 + rng() % 40;
  const int64_t max_len = large ? 120 : 12;
  in.row_splits.push_back(0);
  for (int64_t b = 0; b < B; ++b)
    in.row_splits.push_back(in.row_splits.back() + static_cast<int64_t>(rng() % (max_len + 1)));
  const int64_t n = in.row_splits.back();
  std::vector<std::string> words;
  for (int64_t i = 0; i < n; ++i) {
    words.push_back("w" + std::to_string(rng() % 1000));
    in.vocab_ids.push_back(static_cast<int64_t>(rng() % 12));  // 10 and 11 are OOV
    in.shared_a.push_back(static_cast<int64_t>(rng() % 30) - 1);  // -1 is dropped
    in.shared_b.push_back(static_cast<int64_t>(rng() % 30));
    in.numbers.push_back(static_cast<float>(rng() % 1000) / 7.f);
    in.numbers.push_back(-static_cast<float>(rng() % 1000) / 3.f);
  }
  in.words = Strings(words);
  for (int64_t i = 0; i <= n; ++i) in.numbers_splits.push_back(2 * i);
  return in;
}

struct Output {
  std::vector<float> dense;
  std::vector<int64_t> lengths;
  std::vector<uint8_t> mask;
};

Outcome PackOne(const seqfeat_features* layer, const Input& in, int32_t num_threads,
                Output* out) {
  seqfeat_batch* batch = nullptr;
  if (seqfeat_batch_create(&batch) != SEQFEAT_OK) return Capture(SEQFEAT_ERR_INTERNAL);
  Outcome o = Capture(in.AddTo(batch));
  seqfeat_pack_options opts;
  seqfeat_pack_options_default(&opts);
  opts.num_threads = num_threads;
  int64_t B = 0, T = 0, D = 0;
  if (o.status == SEQFEAT_OK)
    o = Capture(seqfeat_features_output_shape(layer, batch, &opts, &B, &T, &D));
  if (o.status == SEQFEAT_OK) {
    out->dense.assign(static_cast<size_t>(B * T * D), -1.f);
    out->lengths.assign(static_cast<size_t>(B), -1);
    out->mask.assign(static_cast<size_t>(B * T), 0xAB);
    o = Capture(seqfeat_features_pack_into(layer, batch, &opts, out->dense.data(),
                                           out->dense.size(), out->lengths.data(),
                                           out->lengths.size(), out->mask.data(),
                                           out->mask.size(), nullptr));
  }
  seqfeat_batch_free(batch);
  return o;
}

bool SameBits(const Output& a, const Output& b) {
  return a.dense.size() == b.dense.size() &&
         std::memcmp(a.dense.data(), b.dense.data(), a.dense.size() * sizeof(float)) == 0 &&
         a.lengths == b.lengths && a.mask == b.mask;
}

TEST(CapiStress, EightThreadsShareOneLayer) {
  ColumnPtr hash = Hash("h", 50);
  ColumnPtr hash_emb = Embedding(hash.get(), {.dimension = 8, .combiner = SEQFEAT_COMBINER_SUM});
  ColumnPtr vocab = VocabInts("v", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, -1, 2);
  ColumnPtr vocab_emb = Embedding(vocab.get(), {.dimension = 4});
  ColumnPtr sa = Identity("sa", 30), sb = Identity("sb", 30);
  const seqfeat_column* cats[2] = {sa.get(), sb.get()};
  const seqfeat_embedding_options shared_opts = EmbeddingOptions({.dimension = 6});
  seqfeat_column* shared[2] = {nullptr, nullptr};
  SF_ASSERT_OK(seqfeat_shared_embeddings_create(cats, 2, &shared_opts, nullptr, shared));
  ColumnPtr shared_a(shared[0]), shared_b(shared[1]);
  ColumnPtr x = Numeric("x", {2});
  FeaturesPtr layer = Layer({hash_emb.get(), vocab_emb.get(), shared_a.get(), shared_b.get(), x.get()});
  ASSERT_NE(layer, nullptr);
  ASSERT_EQ(seqfeat_features_depth(layer.get()), 8 + 4 + 6 + 6 + 2);

  std::vector<Input> inputs;
  std::vector<Output> reference(kBatches);
  for (int i = 0; i < kBatches; ++i) {
    inputs.push_back(MakeInput(static_cast<uint32_t>(1000 + i), i % 2 == 0));
    const Outcome o = PackOne(layer.get(), inputs.back(), 1, &reference[i]);
    ASSERT_EQ(o.status, SEQFEAT_OK) << o.message;
  }
  // The large batches are above the work threshold at which a pack uses a second thread.
  ASSERT_GT(reference[0].dense.size(), size_t{1} << 20 >> 4);

  std::atomic<int> mismatches{0}, failures{0}, packs{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Output out;
      for (int i = 0; i < kIterations; ++i) {
        const int batch = (t * 5 + i) % kBatches;
        const int32_t num_threads = 1 + (i + t) % 2;
        const Outcome o = PackOne(layer.get(), inputs[batch], num_threads, &out);
        packs.fetch_add(1);
        if (o.status != SEQFEAT_OK) {
          failures.fetch_add(1);
        } else if (!SameBits(out, reference[batch])) {
          mismatches.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(packs.load(), kThreads * kIterations);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace sftest
