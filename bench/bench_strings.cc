// The string path at C level: ids of short strings through a hash-bucket column (FarmHash
// Fingerprint64 + remainder) and through a vocabulary list of 50 000 keys (hash + table probe),
// for each string layout a binding can hand over: offsets + bytes, (pointer, length) views,
// fixed-width bytes (numpy 'S'), fixed-width UTF-32 (numpy 'U', converted when the batch is
// filled) and NUL-separated bytes (a Python list of str; split when the batch is filled); the
// conversion and the split are inside the timed region. Items/s = strings per second.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "column.h"
#include "input.h"

namespace seqfeat::bench {
namespace {

constexpr int64_t kStrings = 16384;

struct Corpus {
  std::vector<std::string> tokens;  // what is looked up
  std::vector<std::string> vocabulary;
  std::vector<int64_t> offsets{0};
  std::string bytes;
  std::vector<StringRef> refs;
  std::vector<char> fixed;
  std::vector<char32_t> wide;
  std::string separated;  // the tokens joined with NUL bytes
  size_t width = 0;
  std::vector<int64_t> splits;
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus c;
    std::mt19937_64 rng(3);
    auto word = [&] {
      std::string s;
      const size_t len = 3 + rng() % 8;  // 3..10 letters, as short tokens
      for (size_t i = 0; i < len; ++i) s.push_back(static_cast<char>('a' + rng() % 26));
      return s;
    };
    for (int i = 0; i < 50000; ++i) c.vocabulary.push_back(word() + std::to_string(i));
    for (int64_t i = 0; i < kStrings; ++i) {
      // ~5 % out of vocabulary, as S1.
      c.tokens.push_back(rng() % 20 == 0 ? word() : c.vocabulary[rng() % c.vocabulary.size()]);
      c.width = std::max(c.width, c.tokens.back().size());
    }
    for (const auto& t : c.tokens) {
      c.bytes += t;
      c.offsets.push_back(static_cast<int64_t>(c.bytes.size()));
    }
    for (const auto& t : c.tokens) c.refs.push_back({t.data(), t.size()});
    for (const auto& t : c.tokens) (c.separated += t) += '\0';
    c.separated.pop_back();
    c.fixed.assign(c.tokens.size() * c.width, '\0');
    c.wide.assign(c.tokens.size() * c.width, U'\0');
    for (size_t i = 0; i < c.tokens.size(); ++i)
      for (size_t j = 0; j < c.tokens[i].size(); ++j) {
        c.fixed[i * c.width + j] = c.tokens[i][j];
        c.wide[i * c.width + j] = static_cast<unsigned char>(c.tokens[i][j]);
      }
    // 256 examples of 64 steps, one token per step.
    for (int64_t b = 0; b <= 256; ++b) c.splits.push_back(b * (kStrings / 256));
    return c;
  }();
  return c;
}

enum Layout { kOffsets, kViews, kFixed, kUtf32, kSeparated };

void fill(Batch& batch, Layout layout) {
  const Corpus& c = corpus();
  batch.assign(
      1, [](size_t) { return std::string_view("t"); },
      [&](size_t, FeatureInput& in) {
        in.form = InputForm::kRagged;
        in.batch_size = 256;
        in.row_splits = c.splits.data();
        in.num_values = kStrings;
        in.dtype = DType::kString;
        switch (layout) {
          case kOffsets:
            in.strings.offsets = c.offsets.data();
            in.strings.bytes = c.bytes.data();
            break;
          case kViews: in.strings.refs = c.refs.data(); break;
          case kFixed:
            in.strings.bytes = c.fixed.data();
            in.strings.itemsize = c.width;
            break;
          case kUtf32: set_utf32_strings(in, c.wide.data(), c.width, kStrings); break;
          case kSeparated:
            set_separated_strings(in, c.separated.data(), c.separated.size(), kStrings);
            break;
        }
      });
}

// Writes 32 MiB, more than the caches hold, so that the next lookups start cold (as in a layer
// call, whose embedding gathers evict the vocabulary between calls).
void evict_caches() {
  static std::vector<char> buffer(size_t{32} << 20);
  for (size_t i = 0; i < buffer.size(); i += 64) buffer[i] = static_cast<char>(buffer[i] + 1);
  benchmark::ClobberMemory();
}

void run(benchmark::State& state, const CategoricalColumn& column, Layout layout,
         bool cold = false) {
  Batch batch;
  IdBags bags;
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      evict_caches();
      state.ResumeTiming();
    }
    fill(batch, layout);
    column.get_ids(batch, bags);
    benchmark::DoNotOptimize(bags.ids.data());
  }
  state.SetItemsProcessed(state.iterations() * kStrings);
}

void BM_HashBucket(benchmark::State& state) {
  static const auto column = make_hash_bucket_column("t", true, 1 << 18, DType::kString);
  run(state, *column, static_cast<Layout>(state.range(0)));
}

void BM_VocabularyList(benchmark::State& state) {
  static const auto column =
      make_vocabulary_list_column("t", true, corpus().vocabulary, -1, 10);
  run(state, *column, static_cast<Layout>(state.range(0)));
}

// The vocabulary (hash table and keys, ~3.6 MB) and the strings start cold in every iteration.
void BM_VocabularyListCold(benchmark::State& state) {
  static const auto column =
      make_vocabulary_list_column("t", true, corpus().vocabulary, -1, 10);
  run(state, *column, static_cast<Layout>(state.range(0)), /*cold=*/true);
}

// Range: 0 offsets + bytes, 1 views, 2 fixed-width bytes, 3 UTF-32, 4 NUL-separated bytes.
BENCHMARK(BM_HashBucket)->DenseRange(0, 4);
BENCHMARK(BM_VocabularyList)->DenseRange(0, 4);
BENCHMARK(BM_VocabularyListCold)->Arg(0);

}  // namespace
}  // namespace seqfeat::bench

BENCHMARK_MAIN();
