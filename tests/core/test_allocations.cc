// Steady-state pack_into performs no allocation (compatibility.md §14: "caller buffers, no per-call
// allocation in steady state"). This file replaces the global operator new/delete of the whole
// test binary with versions that count calls while a measured region is open (and otherwise
// behave like the default ones), warms the packer up on a realistic batch, then packs fresh
// batches of the same size into the same caller buffers and expects zero allocations.
// When the count is not zero the test prints the size and a backtrace of the first
// allocations (symbolise the addresses with addr2line, or break on note_allocation in gdb).
#include <execinfo.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "backward.h"
#include "column.h"
#include "input.h"
#include "sequence_features.h"
#include "thread_pool.h"
#include "core_test_util.h"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<int64_t> g_allocations{0};

constexpr int kRecorded = 8;
constexpr int kFrames = 32;
struct Record {
  size_t size;
  int frames;
  void* stack[kFrames];
};
Record g_records[kRecorded];
thread_local bool t_in_hook = false;

// Called by every operator new; records the first allocations of a measured region.
__attribute__((noinline)) void note_allocation(size_t size) {
  if (!g_counting.load(std::memory_order_relaxed) || t_in_hook) return;
  t_in_hook = true;
  const int64_t n = g_allocations.fetch_add(1);
  if (n < kRecorded) {
    g_records[n].size = size;
    g_records[n].frames = backtrace(g_records[n].stack, kFrames);
  }
  t_in_hook = false;
}

void* allocate(size_t size, size_t alignment) {
  note_allocation(size);
  if (size == 0) size = 1;
  void* p = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    p = std::malloc(size);
  } else if (posix_memalign(&p, alignment, size) != 0) {
    p = nullptr;
  }
  return p;
}

void* allocate_or_throw(size_t size, size_t alignment) {
  void* p = allocate(size, alignment);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

void* operator new(std::size_t size) { return allocate_or_throw(size, 0); }
void* operator new[](std::size_t size) { return allocate_or_throw(size, 0); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return allocate(size, 0); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return allocate(size, 0);
}
void* operator new(std::size_t size, std::align_val_t al) {
  return allocate_or_throw(size, static_cast<size_t>(al));
}
void* operator new[](std::size_t size, std::align_val_t al) {
  return allocate_or_throw(size, static_cast<size_t>(al));
}
void* operator new(std::size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
  return allocate(size, static_cast<size_t>(al));
}
void* operator new[](std::size_t size, std::align_val_t al, const std::nothrow_t&) noexcept {
  return allocate(size, static_cast<size_t>(al));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace seqfeat {
namespace {

using namespace seqfeat::test;

// Counts the operator-new calls of fn (on any thread); prints the recorded ones if any.
template <class Fn>
int64_t count_allocations(Fn&& fn) {
  g_allocations.store(0);
  g_counting.store(true);
  fn();
  g_counting.store(false);
  const int64_t n = g_allocations.load();
  for (int64_t i = 0; i < std::min<int64_t>(n, kRecorded); ++i) {
    std::fprintf(stderr, "allocation %lld of %lld: %zu bytes\n", static_cast<long long>(i + 1),
                 static_cast<long long>(n), g_records[i].size);
    backtrace_symbols_fd(g_records[i].stack, g_records[i].frames, 2);
  }
  return n;
}



// A realistic batch: B examples, lengths in [0, T] with example 0 at T, so that ragged inputs
// (T = longest row) and COO / dense inputs (T = dense_shape[1]) agree. The layout depends on
// layout_seed only; the values on value_seed, so batches with the same layout_seed have the
// same size.
//   ids    COO [B, T, 4], 1-4 ids per step in [-1, 1000)  -> embedding 16, mean, max_norm
//   cats   COO [B, T], weighted by catw (COO)             -> embedding 8, sqrtn
//   words  ragged with step_splits, 1-3 strings per step  -> vocabulary 50 + 5 OOV, embedding 8
//   tags   ragged without step_splits, int64              -> hash bucket 12, indicator
//   flag   dense [B, T] int32, -1 past the length         -> identity 3, default 0, indicator
//   rating COO [B, T] float32                             -> numeric
//   price  ragged with step_splits, float64               -> numeric (2,)
constexpr int64_t kT = 20;

std::string word(uint64_t i) { return "word" + std::to_string(i); }

void fill(Feed& f, int64_t batch, uint64_t layout_seed, uint64_t value_seed) {
  std::mt19937_64 layout(layout_seed), value(value_seed);
  std::vector<std::vector<int64_t>> ids_idx, step_idx;
  std::vector<int64_t> ids, cats, tags, word_rows{0}, word_steps{0}, tag_rows{0}, price_rows{0},
      price_steps{0};
  std::vector<float> catw, rating;
  std::vector<double> price;
  std::vector<std::string> words;
  std::vector<int32_t> flag(static_cast<size_t>(batch * kT), -1);
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t length = b == 0 ? kT : static_cast<int64_t>(layout() % (kT + 1));
    for (int64_t t = 0; t < length; ++t) {
      const auto bag = static_cast<int64_t>(1 + layout() % 4);
      for (int64_t k = 0; k < bag; ++k) {
        ids_idx.push_back({b, t, k});
        ids.push_back(static_cast<int64_t>(value() % 1001) - 1);
      }
      step_idx.push_back({b, t});
      cats.push_back(static_cast<int64_t>(value() % 50));
      catw.push_back(static_cast<float>(value() % 100) / 40.f - 0.5f);
      rating.push_back(static_cast<float>(value() % 50) / 10.f);
      const auto nwords = static_cast<int64_t>(1 + layout() % 3);
      for (int64_t k = 0; k < nwords; ++k) words.push_back(word(value() % 60));
      word_steps.push_back(static_cast<int64_t>(words.size()));
      tags.push_back(static_cast<int64_t>(value() % 100000));
      price.push_back(static_cast<double>(value() % 1000) / 3.0);
      price.push_back(static_cast<double>(value() % 1000) / 7.0);
      price_steps.push_back(static_cast<int64_t>(price.size()));
      flag[b * kT + t] = static_cast<int32_t>(value() % 5);
    }
    word_rows.push_back(static_cast<int64_t>(word_steps.size()) - 1);
    tag_rows.push_back(static_cast<int64_t>(tags.size()));
    price_rows.push_back(static_cast<int64_t>(price_steps.size()) - 1);
  }
  f.coo<int64_t>("ids", ids_idx, ids, {batch, kT, 4});
  f.coo<int64_t>("cats", step_idx, cats, {batch, kT});
  f.coo<float>("catw", step_idx, catw, {batch, kT});
  f.coo<float>("rating", step_idx, rating, {batch, kT});
  f.ragged_strings("words", word_rows, word_steps, words);
  f.ragged<int64_t>("tags", tag_rows, {}, tags);
  f.ragged<double>("price", price_rows, price_steps, price);
  f.dense<int32_t>("flag", {batch, kT}, flag);
}

SequenceFeatures make_layer() {
  EmbeddingSpec ids_spec;
  ids_spec.dimension = 16;
  ids_spec.combiner = Combiner::kMean;
  ids_spec.max_norm = 1.f;
  ids_spec.seed = 1;
  EmbeddingSpec cats_spec;
  cats_spec.dimension = 8;
  cats_spec.combiner = Combiner::kSqrtn;
  cats_spec.seed = 2;
  EmbeddingSpec words_spec;
  words_spec.dimension = 8;
  words_spec.combiner = Combiner::kSum;
  words_spec.seed = 3;
  std::vector<std::string> vocabulary;
  for (uint64_t i = 0; i < 50; ++i) vocabulary.push_back(word(i));
  return SequenceFeatures(
      {make_embedding_column(make_identity_column("ids", true, 1000, std::nullopt), ids_spec),
       make_embedding_column(
           make_weighted_column(make_identity_column("cats", true, 50, std::nullopt), "catw",
                                DType::kFloat32),
           cats_spec),
       make_embedding_column(make_vocabulary_list_column("words", true, vocabulary, -1, 5),
                             words_spec),
       std::make_shared<IndicatorColumn>(make_hash_bucket_column("tags", true, 12, DType::kInt64)),
       std::make_shared<IndicatorColumn>(make_identity_column("flag", true, 3, 0)),
       std::make_shared<NumericColumn>("rating", true, std::vector<int64_t>{1}, 0.f,
                                       DType::kFloat32, Normalizer{}),
       std::make_shared<NumericColumn>("price", true, std::vector<int64_t>{2}, -1.f,
                                       DType::kFloat64,
                                       Normalizer{NormalizerKind::kLog1p})});
}

// Warms up on one batch, then packs three fresh batches of the same size (built outside the
// measured region) and expects no operator new during output_shape or pack_into.
void expect_steady_state_without_allocation(int64_t batch, const PackOptions& options) {
  const SequenceFeatures layer = make_layer();
  Feed warm;
  fill(warm, batch, /*layout_seed=*/11, /*value_seed=*/0);
  const OutputShape shape = layer.output_shape(warm.batch(), options);
  ASSERT_EQ(shape.batch, batch);
  std::vector<float> dense(static_cast<size_t>(shape.batch * shape.steps * shape.depth));
  std::vector<int64_t> lengths(static_cast<size_t>(shape.batch));
  std::vector<uint8_t> mask(static_cast<size_t>(shape.batch * shape.steps));
  PackStats stats;
  auto pack_into = [&](const Batch& b) {
    layer.pack_into(b, options, dense.data(), dense.size(), lengths.data(), lengths.size(),
                    mask.data(), mask.size(), &stats);
  };
  for (int i = 0; i < 2; ++i) pack_into(warm.batch());
  // Training on the same batches: backward into reused gradients, and the fused update.
  std::vector<float> grad(dense.size(), 0.5f);
  const int64_t grad_shape[3] = {shape.batch, shape.steps, shape.depth};
  Gradients gradients;
  Optimizer adagrad(adagrad_config(0.01f));
  auto backward_step = [&](const Batch& b) {
    backward(layer, b, options, grad.data(), grad_shape, 3, gradients);
    backward_apply(layer, b, options, grad.data(), grad_shape, 3, adagrad);
  };
  for (int i = 0; i < 2; ++i) backward_step(warm.batch());
  void* warm_backtrace[1];
  backtrace(warm_backtrace, 1);  // the first call loads the unwinder; not inside the region

  for (uint64_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE(seed);
    Feed fresh;
    fill(fresh, batch, /*layout_seed=*/11, seed);
    OutputShape fresh_shape;
    EXPECT_EQ(count_allocations([&] { fresh_shape = layer.output_shape(fresh.batch(), options); }),
              0)
        << "output_shape allocated (backtraces above)";
    EXPECT_EQ(fresh_shape.steps, shape.steps);
    EXPECT_EQ(count_allocations([&] { pack_into(fresh.batch()); }), 0)
        << "pack_into allocated (backtraces above)";
    EXPECT_EQ(count_allocations([&] { backward_step(fresh.batch()); }), 0)
        << "backward or backward_apply allocated (backtraces above)";
    EXPECT_EQ(gradients.num_tables, 3u);
    EXPECT_EQ(lengths[0], options.max_length > 0 ? std::min(kT, options.max_length) : kT);
    EXPECT_EQ(stats.names.size(), layer.num_columns());
  }
}

TEST(Allocations, SteadyStatePackIntoAllocatesNothing) {
  PackOptions options;
  options.num_threads = 1;
  expect_steady_state_without_allocation(64, options);
}

TEST(Allocations, SteadyStatePackIntoWithMaxLengthAllocatesNothing) {
  PackOptions options;
  options.num_threads = 1;
  options.max_length = 12;
  options.pad_pre = true;
  options.truncate_pre = true;
  expect_steady_state_without_allocation(64, options);
}

// B * T * depth = 1200 * 20 * 50 is above 2 * 2^18 work units: two threads really run.
TEST(Allocations, SteadyStateMultiThreadedPackIntoAllocatesNothing) {
  PackOptions options;
  options.num_threads = 2;
  // Forced splitting: every pack and backward of the warm-up and of the checked region really
  // runs on two threads, whatever the measured costs say on a busy machine.
  set_split_policy(SplitPolicy::kAlways);
  expect_steady_state_without_allocation(1200, options);
  set_split_policy(SplitPolicy::kMeasured);
}

}  // namespace
}  // namespace seqfeat
