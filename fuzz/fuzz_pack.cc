// Batch building + packing through the C ABI with arbitrary inputs and column configurations.
//
// The input bytes choose 1-3 columns (numeric, identity/hash/vocabulary ids under embedding,
// indicator, weighted and shared embeddings), one input per feature key (sparse, dense or
// ragged; numbers or strings; shapes, indices, splits and offsets taken from the bytes,
// including huge and negative values), pack options (max_length, padding, strict, threads) and
// then runs output_shape, pack_into (exact, too small and canary-guarded buffers), pack and
// get_sparse_tensors. The inputs are added one by one (seqfeat_batch_add_*) or described as
// seqfeat_feature descriptors and handed over in one seqfeat_batch_set or
// seqfeat_features_set_and_pack call, where strings may also come fixed-width (numpy 'S'),
// as UTF-32 code points (numpy 'U', invalid ones included) or NUL-separated. Any crash, sanitizer report or leak is a finding; so is a broken
// contract, checked here and reported with __builtin_trap():
//   - a failing call leaves caller buffers untouched (canaries) and has a non-empty message;
//   - no call returns SEQFEAT_ERR_INTERNAL;
//   - a successful pack writes lengths in [0, T] and a 0/1 mask.
//
// The fuzzer keeps its own side of the contract: every pointer it passes covers the size it
// declares (the library cannot check a caller's buffer against a size the caller made up), so
// a shape whose cells fit in int64 but not in this process is not built as dense input.
#include <seqfeat/seqfeat.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_contract.h"

namespace {

using seqfeat_fuzz::check_status;
using seqfeat_fuzz::require;

struct Memory {
  std::deque<std::vector<unsigned char>> blocks;
  template <class T>
  T* alloc(size_t n) {
    auto& b = blocks.emplace_back(std::max<size_t>(n, 1) * sizeof(T), 0);
    return reinterpret_cast<T*>(b.data());
  }
};

int64_t pick_dim(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0: return in.ConsumeIntegral<int64_t>();                     // anything, negative too
    case 1: return int64_t{1} << in.ConsumeIntegralInRange<int>(20, 62);  // huge
    default: return in.ConsumeIntegralInRange<int64_t>(0, 6);
  }
}

struct Handles {
  std::vector<seqfeat_column*> owned;
  ~Handles() {
    for (seqfeat_column* c : owned) seqfeat_column_free(c);
  }
  seqfeat_column* keep(seqfeat_status s, seqfeat_column* c) {
    check_status(s);
    if (s != SEQFEAT_OK) return nullptr;
    owned.push_back(c);
    return c;
  }
};

const char* const kKeys[3] = {"a", "b", "c"};

// One categorical column on `key`; its values are integers unless *strings is set.
seqfeat_column* categorical(FuzzedDataProvider& in, Handles& h, const char* key, bool* strings) {
  seqfeat_column* c = nullptr;
  *strings = false;
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return h.keep(seqfeat_identity_column_create(
                        key, 1, in.ConsumeIntegralInRange<int64_t>(1, 12),
                        in.ConsumeBool() ? SEQFEAT_NO_DEFAULT : in.ConsumeIntegralInRange<int64_t>(0, 1),
                        &c),
                    c);
    case 1:
      *strings = in.ConsumeBool();
      return h.keep(seqfeat_hash_bucket_column_create(
                        key, 1, in.ConsumeIntegralInRange<int64_t>(1, 9),
                        *strings ? SEQFEAT_DTYPE_STRING : SEQFEAT_DTYPE_INT64, &c),
                    c);
    case 2: {
      *strings = true;
      const int64_t offsets[4] = {0, 1, 2, 4};
      return h.keep(seqfeat_vocabulary_list_column_create_strings(
                        key, 1, offsets, "abcd", 3, -1, in.ConsumeIntegralInRange<int64_t>(0, 2), &c),
                    c);
    }
    default: {
      const int64_t values[3] = {7, -1, 1000};
      return h.keep(seqfeat_vocabulary_list_column_create_ints(
                        key, 1, values, 3, SEQFEAT_DTYPE_INT64, in.ConsumeIntegralInRange<int64_t>(-1, 2),
                        0, &c),
                    c);
    }
  }
}

struct Feature {
  const char* key;
  bool strings = false;  // string values
  bool floats = false;   // float32 values (numeric columns, weights)
};

// Adds one input for `f` in a form chosen by the bytes: to the batch now, or, with descs, as
// a descriptor appended to *descs for one seqfeat_batch_set later.
void add_input(FuzzedDataProvider& in, seqfeat_batch* batch, const Feature& f, Memory& mem,
               std::vector<seqfeat_feature>* descs) {
  const int form = in.ConsumeIntegralInRange<int>(0, 2);
  const int32_t dtype = f.floats ? SEQFEAT_DTYPE_FLOAT32
                                 : (in.ConsumeBool() ? SEQFEAT_DTYPE_INT64 : SEQFEAT_DTYPE_INT32);
  const size_t elem = dtype == SEQFEAT_DTYPE_INT32 || dtype == SEQFEAT_DTYPE_FLOAT32 ? 4 : 8;
  // Values of n cells: numbers from the bytes, or strings with offsets inside their bytes.
  auto numbers = [&](int64_t n) {
    unsigned char* p = mem.alloc<unsigned char>(static_cast<size_t>(n) * elem);
    for (int64_t i = 0; i < n; ++i) {
      if (dtype == SEQFEAT_DTYPE_INT64) {
        const int64_t v = in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(-2, 12)
                                           : in.ConsumeIntegral<int64_t>();
        std::memcpy(p + i * 8, &v, 8);
      } else if (dtype == SEQFEAT_DTYPE_INT32) {
        const int32_t v = in.ConsumeIntegralInRange<int32_t>(-2, 12);
        std::memcpy(p + i * 4, &v, 4);
      } else {
        const float v = in.ConsumeFloatingPoint<float>();
        std::memcpy(p + i * 4, &v, 4);
      }
    }
    return static_cast<const void*>(p);
  };
  struct Str { const int64_t* offsets; const char* bytes; const seqfeat_string_view* views; };
  auto strings = [&](int64_t n) {
    const std::string text = in.ConsumeRandomLengthString(32);
    char* bytes = mem.alloc<char>(text.size());
    std::memcpy(bytes, text.data(), text.size());
    int64_t* offsets = mem.alloc<int64_t>(static_cast<size_t>(n) + 1);
    auto* views = mem.alloc<seqfeat_string_view>(static_cast<size_t>(n));
    const auto size = static_cast<int64_t>(text.size());
    for (int64_t i = 0; i <= n; ++i) {
      // Mostly sorted, sometimes not; always inside the bytes.
      offsets[i] = in.ConsumeBool() ? (i == 0 ? 0 : std::min(size, offsets[i - 1] + 1))
                                    : in.ConsumeIntegralInRange<int64_t>(0, size);
      if (i < n) views[i] = {bytes + std::min<int64_t>(i, size), static_cast<size_t>(size > i ? std::min<int64_t>(2, size - i) : 0)};
    }
    return Str{offsets, bytes, views};
  };
  // The values of a descriptor: numbers, or strings in any of the five layouts.
  auto describe_values = [&](seqfeat_feature& d, int64_t n) {
    if (!f.strings) {
      d.dtype = dtype;
      d.values = numbers(n);
      return;
    }
    d.dtype = SEQFEAT_DTYPE_STRING;
    const auto count = static_cast<size_t>(std::max<int64_t>(n, 0));
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
      case SEQFEAT_STRINGS_OFFSETS: {
        const Str st = strings(n);
        d.string_layout = SEQFEAT_STRINGS_OFFSETS;
        d.string_offsets = st.offsets;
        d.values = st.bytes;
        break;
      }
      case SEQFEAT_STRINGS_VIEWS:
        d.string_layout = SEQFEAT_STRINGS_VIEWS;
        d.values = strings(n).views;
        break;
      case SEQFEAT_STRINGS_FIXED: {  // items of 1..6 bytes, NULs anywhere
        const size_t width = in.ConsumeIntegralInRange<size_t>(1, 6);
        char* bytes = mem.alloc<char>(count * width);
        for (size_t i = 0; i < count * width; ++i)
          bytes[i] = in.ConsumeIntegral<uint8_t>() % 4 == 0 ? '\0' : static_cast<char>('a' + i % 3);
        d.string_layout = SEQFEAT_STRINGS_FIXED;
        d.string_itemsize = width;
        d.values = bytes;
        break;
      }
      case SEQFEAT_STRINGS_UTF32: {  // items of 1..4 code points: ASCII, wide, invalid, NUL
        const size_t width = in.ConsumeIntegralInRange<size_t>(1, 4);
        auto* points = mem.alloc<uint32_t>(count * width);
        for (size_t i = 0; i < count * width; ++i) {
          switch (in.ConsumeIntegralInRange<int>(0, 5)) {
            case 0: points[i] = 0; break;
            case 1: points[i] = in.ConsumeIntegral<uint32_t>(); break;  // mostly invalid
            case 2: points[i] = 0xD800 + in.ConsumeIntegralInRange<uint32_t>(0, 0x7FF); break;
            case 3: points[i] = in.ConsumeIntegralInRange<uint32_t>(0x80, 0x10FFFF); break;
            default: points[i] = 'a' + static_cast<uint32_t>(i % 4);
          }
        }
        d.string_layout = SEQFEAT_STRINGS_UTF32;
        d.string_itemsize = width * 4;
        d.values = points;
        break;
      }
      default: {  // NUL-separated; the count of NULs right or not
        std::string text;
        const bool right = in.ConsumeBool();
        for (size_t i = 0; i < count; ++i) {
          if (i > 0) text += '\0';
          text += in.ConsumeRandomLengthString(6);
        }
        if (!right) text = in.ConsumeRandomLengthString(32);
        char* bytes = mem.alloc<char>(text.size());
        std::memcpy(bytes, text.data(), text.size());
        d.string_layout = SEQFEAT_STRINGS_SEPARATED;
        d.string_itemsize = text.size();
        d.values = bytes;
      }
    }
  };
  auto add_values = [&](auto add_numbers, auto add_strings, auto add_views, int64_t n) {
    if (!f.strings) return check_status(add_numbers(numbers(n)));
    const Str s = strings(n);
    if (in.ConsumeBool()) return check_status(add_strings(s.offsets, s.bytes));
    check_status(add_views(s.views));
  };
  seqfeat_feature d;
  seqfeat_feature_default(&d);
  d.key = f.key;

  if (form == 0) {  // sparse
    const int64_t rank = in.ConsumeIntegralInRange<int64_t>(in.ConsumeBool() ? -1 : 1, 4);
    const int64_t n = in.ConsumeIntegralInRange<int64_t>(0, 12);
    int64_t* shape = mem.alloc<int64_t>(rank > 0 ? static_cast<size_t>(rank) : 1);
    for (int64_t d = 0; d < rank; ++d) shape[d] = pick_dim(in);
    int64_t* indices = mem.alloc<int64_t>(static_cast<size_t>(n * std::max<int64_t>(rank, 1)));
    for (int64_t i = 0; i < n * rank; ++i)
      indices[i] = in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(0, 4) : pick_dim(in);
    if (descs) {
      d.form = SEQFEAT_FORM_SPARSE;
      d.indices = indices;
      d.num_values = n;
      d.rank = rank;
      d.shape = shape;
      describe_values(d, n);
      return descs->push_back(d);
    }
    add_values(
        [&](const void* v) { return seqfeat_batch_add_sparse(batch, f.key, indices, n, rank, shape, dtype, v); },
        [&](const int64_t* o, const char* b) { return seqfeat_batch_add_sparse_strings(batch, f.key, indices, n, rank, shape, o, b); },
        [&](const seqfeat_string_view* v) { return seqfeat_batch_add_sparse_string_views(batch, f.key, indices, n, rank, shape, v); },
        n);
  } else if (form == 1) {  // dense
    const int64_t rank = in.ConsumeIntegralInRange<int64_t>(1, 4);
    int64_t shape[4];
    int64_t cells = 1;
    bool overflow = false, negative = false;
    for (int64_t d = 0; d < rank; ++d) {
      shape[d] = in.ConsumeIntegralInRange<int>(0, 9) == 0 ? pick_dim(in)
                                                           : in.ConsumeIntegralInRange<int64_t>(0, 4);
      negative |= shape[d] < 0;
      overflow |= __builtin_mul_overflow(cells, shape[d], &cells);
    }
    // Cells the process can hold are given; a product that overflows or a negative dimension
    // must be rejected before anything is read, so a one-cell buffer is enough for those.
    if (!overflow && !negative && cells > 4096) return;
    const int64_t n = overflow || negative ? 1 : cells;
    if (descs) {
      int64_t* kept = mem.alloc<int64_t>(static_cast<size_t>(rank));
      std::memcpy(kept, shape, static_cast<size_t>(rank) * sizeof(int64_t));
      d.form = SEQFEAT_FORM_DENSE;
      d.shape = kept;
      d.rank = rank;
      describe_values(d, n);
      return descs->push_back(d);
    }
    add_values(
        [&](const void* v) { return seqfeat_batch_add_dense(batch, f.key, shape, rank, dtype, v); },
        [&](const int64_t* o, const char* b) { return seqfeat_batch_add_dense_strings(batch, f.key, shape, rank, o, b); },
        [&](const seqfeat_string_view* v) { return seqfeat_batch_add_dense_string_views(batch, f.key, shape, rank, v); },
        n);
  } else {  // ragged
    const int64_t b = in.ConsumeIntegralInRange<int64_t>(in.ConsumeIntegralInRange<int>(0, 15) == 0 ? -1 : 0, 5);
    const int64_t nsplits = std::max<int64_t>(b, 0) + 1;
    int64_t* row_splits = mem.alloc<int64_t>(static_cast<size_t>(nsplits));
    const bool two_level = in.ConsumeBool();
    const int64_t num_steps = in.ConsumeIntegralInRange<int64_t>(0, 8);
    const int64_t n = in.ConsumeIntegralInRange<int64_t>(0, 12);
    const int64_t outer = two_level ? num_steps : n;
    for (int64_t i = 0; i < nsplits; ++i)
      row_splits[i] = in.ConsumeBool() ? (i == 0 ? 0 : (i == nsplits - 1 ? outer : std::min(outer, row_splits[i - 1] + in.ConsumeIntegralInRange<int64_t>(0, 3))))
                                       : in.ConsumeIntegralInRange<int64_t>(-1, outer + 1);
    int64_t* step_splits = nullptr;
    if (two_level) {
      step_splits = mem.alloc<int64_t>(static_cast<size_t>(num_steps) + 1);
      for (int64_t i = 0; i <= num_steps; ++i)
        step_splits[i] = in.ConsumeBool() ? (i == 0 ? 0 : (i == num_steps ? n : std::min(n, step_splits[i - 1] + in.ConsumeIntegralInRange<int64_t>(0, 3))))
                                          : in.ConsumeIntegralInRange<int64_t>(-1, n + 1);
    }
    // Splits must lie inside the arrays they index for the contract to hold: values beyond
    // them are what the library has to reject, and it reads row_splits[0..b] only.
    if (descs) {
      d.form = SEQFEAT_FORM_RAGGED;
      d.batch_size = b;
      d.row_splits = row_splits;
      d.num_steps = num_steps;
      d.step_splits = step_splits;
      d.num_values = n;
      describe_values(d, n);
      return descs->push_back(d);
    }
    add_values(
        [&](const void* v) { return seqfeat_batch_add_ragged(batch, f.key, b, row_splits, num_steps, step_splits, dtype, v, n); },
        [&](const int64_t* o, const char* by) { return seqfeat_batch_add_ragged_strings(batch, f.key, b, row_splits, num_steps, step_splits, o, by, n); },
        [&](const seqfeat_string_view* v) { return seqfeat_batch_add_ragged_string_views(batch, f.key, b, row_splits, num_steps, step_splits, v, n); },
        n);
  }
}

constexpr uint32_t kCanaryBits = 0x7FC0FEED;

void pack_and_check(const seqfeat_features* layer, const seqfeat_batch* batch,
                    const seqfeat_pack_options* opts) {
  int64_t B = -1, T = -1, D = -1;
  const seqfeat_status shape = seqfeat_features_output_shape(layer, batch, opts, &B, &T, &D);
  check_status(shape);
  // Always try a small buffer: it must either fit or be refused without a write.
  const size_t small = 64;
  std::vector<float> dense(small + 16);
  std::vector<int64_t> lengths(small + 16, -7);
  std::vector<uint8_t> mask(small + 16, 0xAB);
  float canary;
  std::memcpy(&canary, &kCanaryBits, 4);
  std::fill(dense.begin(), dense.end(), canary);
  const seqfeat_status s = seqfeat_features_pack_into(layer, batch, opts, dense.data(), small,
                                                      lengths.data(), small, mask.data(), small,
                                                      nullptr);
  check_status(s);
  if (shape == SEQFEAT_OK) require(s == SEQFEAT_OK || s == SEQFEAT_ERR_BUFFER_TOO_SMALL);
  if (s != SEQFEAT_OK) {
    for (float v : dense) require(std::memcmp(&v, &kCanaryBits, 4) == 0);
    for (int64_t v : lengths) require(v == -7);
    for (uint8_t v : mask) require(v == 0xAB);
  } else {
    require(shape == SEQFEAT_OK);
    for (int64_t b = 0; b < B; ++b) require(lengths[b] >= 0 && lengths[b] <= T);
    for (int64_t i = 0; i < B * T; ++i) require(mask[i] <= 1);
    // Nothing past the output.
    for (size_t i = static_cast<size_t>(B * T * D); i < dense.size(); ++i)
      require(std::memcmp(&dense[i], &kCanaryBits, 4) == 0);
  }
  seqfeat_tensor *d = nullptr, *l = nullptr, *m = nullptr;
  const seqfeat_status p = seqfeat_features_pack(layer, batch, opts, &d, &l, &m, nullptr);
  check_status(p);
  if (p == SEQFEAT_OK) {
    require(seqfeat_tensor_size(d) == B * T * D);
    seqfeat_tensor_free(d);
    seqfeat_tensor_free(l);
    seqfeat_tensor_free(m);
  } else {
    require(d == nullptr && l == nullptr && m == nullptr);
  }
}

// seqfeat_features_set_and_pack into capacity-sized buffers: a failure writes nothing; a
// success reports a shape that fits the capacities.
void set_and_pack_and_check(const seqfeat_features* layer, seqfeat_batch* batch,
                            const std::vector<seqfeat_feature>& descs,
                            const seqfeat_pack_options* opts) {
  const size_t capacity = 256;
  std::vector<float> dense(capacity);
  std::vector<int64_t> lengths(capacity, -7);
  float canary;
  std::memcpy(&canary, &kCanaryBits, 4);
  std::fill(dense.begin(), dense.end(), canary);
  int64_t shape[3] = {-9, -9, -9};
  const seqfeat_status s = seqfeat_features_set_and_pack(
      layer, batch, descs.data(), descs.size(), opts, dense.data(), capacity, lengths.data(),
      capacity, nullptr, 0, nullptr, shape);
  check_status(s);
  if (s != SEQFEAT_OK) {
    for (float v : dense) require(std::memcmp(&v, &kCanaryBits, 4) == 0);
    for (int64_t v : lengths) require(v == -7);
    require(shape[0] == -9);
    return;
  }
  require(shape[0] >= 0 && shape[1] >= 0 && shape[2] >= 0);
  require(shape[0] <= static_cast<int64_t>(capacity));
  require(shape[0] * shape[1] * shape[2] <= static_cast<int64_t>(capacity));
  for (int64_t b = 0; b < shape[0]; ++b) require(lengths[b] >= 0 && lengths[b] <= shape[1]);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Outputs beyond 64 MiB are refused by the library instead of exhausting the fuzzer.
  require(seqfeat_set_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, int64_t{64} << 20) == SEQFEAT_OK);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Handles h;
  Memory mem;
  std::vector<const seqfeat_column*> dense_columns;
  std::vector<Feature> features;
  std::vector<seqfeat_column*> categoricals;

  const int ncols = in.ConsumeIntegralInRange<int>(1, 3);
  for (int c = 0; c < ncols; ++c) {
    const char* key = kKeys[c];
    seqfeat_column* col = nullptr;
    switch (in.ConsumeIntegralInRange<int>(0, 4)) {
      case 0: {  // numeric, element shape [1..3] or [2, 2]
        seqfeat_numeric_options o;
        seqfeat_numeric_options_default(&o);
        int64_t shape[2] = {in.ConsumeIntegralInRange<int64_t>(1, 3), 2};
        o.shape = shape;
        o.shape_rank = in.ConsumeBool() ? 1 : 2;
        o.default_value = in.ConsumeFloatingPoint<float>();
        col = h.keep(seqfeat_numeric_column_create(key, 1, &o, &col), col);
        features.push_back({key, false, true});
        break;
      }
      case 1:
      case 2: {  // embedding over a categorical column, sometimes weighted
        bool strings = false;
        seqfeat_column* cat = categorical(in, h, key, &strings);
        if (!cat) break;
        features.push_back({key, strings, false});
        if (in.ConsumeBool()) {
          static const char* const kWeights[3] = {"wa", "wb", "wc"};
          seqfeat_column* w = nullptr;
          cat = h.keep(seqfeat_weighted_column_create(cat, kWeights[c], SEQFEAT_DTYPE_FLOAT32, &w), w);
          if (!cat) break;
          features.push_back({kWeights[c], false, true});
        }
        categoricals.push_back(cat);
        seqfeat_embedding_options o;
        seqfeat_embedding_options_default(&o);
        o.dimension = in.ConsumeIntegralInRange<int64_t>(1, 9);
        o.combiner = in.ConsumeIntegralInRange<int32_t>(0, 2);
        o.has_max_norm = in.ConsumeBool();
        o.max_norm = in.ConsumeFloatingPoint<float>();
        col = h.keep(seqfeat_embedding_column_create(cat, &o, &col), col);
        break;
      }
      case 3: {  // indicator
        bool strings = false;
        seqfeat_column* cat = categorical(in, h, key, &strings);
        if (!cat) break;
        features.push_back({key, strings, false});
        categoricals.push_back(cat);
        col = h.keep(seqfeat_indicator_column_create(cat, &col), col);
        break;
      }
      default: {  // shared embeddings over this key and the previous categorical one
        bool strings = false;
        seqfeat_column* cat = categorical(in, h, key, &strings);
        if (!cat) break;
        features.push_back({key, strings, false});
        categoricals.push_back(cat);
        const seqfeat_column* cats[1] = {cat};
        seqfeat_embedding_options o;
        seqfeat_embedding_options_default(&o);
        o.dimension = in.ConsumeIntegralInRange<int64_t>(1, 9);
        seqfeat_column* shared[1] = {nullptr};
        const seqfeat_status s = seqfeat_shared_embeddings_create(cats, 1, &o, nullptr, shared);
        col = h.keep(s, shared[0]);
      }
    }
    if (col) dense_columns.push_back(col);
  }
  if (dense_columns.empty()) return 0;

  seqfeat_features* layer = nullptr;
  const seqfeat_status made = seqfeat_features_create(dense_columns.data(), dense_columns.size(), &layer);
  check_status(made);
  seqfeat_batch* batch = nullptr;
  require(seqfeat_batch_create(&batch) == SEQFEAT_OK);
  const int how = in.ConsumeIntegralInRange<int>(0, 2);  // one by one, batch_set, set_and_pack
  std::vector<seqfeat_feature> descs;
  for (const Feature& f : features)
    if (in.ConsumeIntegralInRange<int>(0, 15) != 0)
      add_input(in, batch, f, mem, how == 0 ? nullptr : &descs);

  seqfeat_pack_options o;
  seqfeat_pack_options_default(&o);
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0: o.max_length = in.ConsumeIntegral<int64_t>(); break;
    case 1: o.max_length = int64_t{1} << in.ConsumeIntegralInRange<int>(10, 62); break;
    case 2: o.max_length = in.ConsumeIntegralInRange<int64_t>(1, 6); break;
    default: break;
  }
  o.padding = in.ConsumeIntegralInRange<int32_t>(0, 1);
  o.truncating = in.ConsumeIntegralInRange<int32_t>(0, 1);
  o.strict = in.ConsumeBool();
  o.num_threads = in.ConsumeIntegralInRange<int32_t>(0, 2);

  if (how == 1) check_status(seqfeat_batch_set(batch, descs.data(), descs.size()));
  if (how == 2 && made == SEQFEAT_OK) set_and_pack_and_check(layer, batch, descs, &o);
  if (made == SEQFEAT_OK) pack_and_check(layer, batch, &o);
  for (seqfeat_column* cat : categoricals) {
    seqfeat_tensor *a = nullptr, *b = nullptr, *c = nullptr, *w = nullptr;
    const seqfeat_status s = seqfeat_column_get_sparse_tensors(cat, batch, &a, &b, &c, &w);
    check_status(s);
    seqfeat_tensor_free(a);
    seqfeat_tensor_free(b);
    seqfeat_tensor_free(c);
    seqfeat_tensor_free(w);
  }
  seqfeat_batch_free(batch);
  seqfeat_features_free(layer);
  return 0;
}
