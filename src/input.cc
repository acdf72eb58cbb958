#include "input.h"

#include <algorithm>
#include <atomic>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "checked.h"
#include "error.h"

namespace seqfeat {

int64_t FeatureInput::batch() const {
  switch (form) {
    case InputForm::kSparse: return dense_shape.empty() ? 0 : dense_shape[0];
    case InputForm::kDense: return shape.empty() ? 0 : shape[0];
    case InputForm::kRagged: return batch_size;
  }
  return 0;
}

std::string FeatureInput::describe() const {
  switch (form) {
    case InputForm::kSparse:
      return fmt::format("SparseTensor(dense_shape=[{}], {})", fmt::join(dense_shape, ", "),
                         dtype_name(dtype));
    case InputForm::kDense:
      return fmt::format("Tensor(shape=[{}], {})", fmt::join(shape, ", "), dtype_name(dtype));
    case InputForm::kRagged:
      return fmt::format("RaggedTensor(batch_size={}, {})", batch_size, dtype_name(dtype));
  }
  return "?";
}

namespace {

void check_values(const FeatureInput& in) {
  if (in.num_values < 0)
    fail(Code::kInvalidArgument, "Feature {}: negative number of values {}", in.key, in.num_values);
  // The arrays' byte sizes must be representable, so that no offset into them can wrap.
  checked_mul(in.num_values, 16, "Feature {}: the values", in.key);
  if (in.dtype == DType::kString) {
    if (in.strings.itemsize > 0) {
      if (in.strings.itemsize > static_cast<size_t>(INT64_MAX))
        fail(Code::kInvalidArgument, "Feature {}: string itemsize {} is too large", in.key,
             in.strings.itemsize);
      checked_mul(in.num_values, static_cast<int64_t>(in.strings.itemsize),
                  "Feature {}: fixed-width strings (values x itemsize)", in.key);
      if (in.strings.bytes == nullptr && in.num_values > 0)
        fail(Code::kInvalidArgument, "Feature {}: string bytes are NULL", in.key);
      return;
    }
    if (in.strings.refs != nullptr) {
      for (int64_t i = 0; i < in.num_values; ++i)
        if (in.strings.refs[i].data == nullptr && in.strings.refs[i].size > 0)
          fail(Code::kInvalidArgument, "Feature {}: string {} has a NULL pointer and length {}",
               in.key, i, in.strings.refs[i].size);
      return;
    }
    if (in.strings.offsets == nullptr)
      fail(Code::kInvalidArgument, "Feature {}: string offsets are NULL", in.key);
    if (in.strings.bytes == nullptr && in.num_values > 0 && in.strings.offsets[in.num_values] > 0)
      fail(Code::kInvalidArgument, "Feature {}: string bytes are NULL", in.key);
    if (in.strings.offsets[0] != 0)
      fail(Code::kInvalidArgument, "Feature {}: string offsets[0] must be 0, got {}", in.key,
           in.strings.offsets[0]);
    for (int64_t i = 0; i < in.num_values; ++i) {
      if (in.strings.offsets[i + 1] < in.strings.offsets[i])
        fail(Code::kInvalidArgument,
             "Feature {}: string offsets decrease at value {} ({} < {})", in.key, i,
             in.strings.offsets[i + 1], in.strings.offsets[i]);
    }
  } else {
    if (!is_numeric(in.dtype))
      fail(Code::kInvalidArgument, "Feature {}: unsupported input dtype {}", in.key,
           dtype_name(in.dtype));
    if (in.values == nullptr && in.num_values > 0)
      fail(Code::kInvalidArgument, "Feature {}: values are NULL", in.key);
  }
}

}  // namespace

void Batch::touch() {
  static std::atomic<uint64_t> counter{0};
  generation_ = counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

FeatureInput& Batch::slot(std::string_view key) {
  auto it = features_.find(key);
  if (it == features_.end()) {
    it = features_.emplace(std::string(key), FeatureInput{}).first;
    it->second.key = it->first;
    return it->second;
  }
  // Reset every field, keeping the capacity of the vectors and strings.
  FeatureInput& in = it->second;
  FeatureInput fresh;
  fresh.key = std::move(in.key);
  fresh.dense_shape = std::move(in.dense_shape);
  fresh.shape = std::move(in.shape);
  fresh.converted_bytes = std::move(in.converted_bytes);
  fresh.converted_offsets = std::move(in.converted_offsets);
  fresh.converted_refs = std::move(in.converted_refs);
  fresh.dense_shape.clear();
  fresh.shape.clear();
  in = std::move(fresh);
  return in;
}

void Batch::add(FeatureInput in) {
  touch();
  validate(in);
  std::string key = in.key;
  features_.insert_or_assign(std::move(key), std::move(in));
}

namespace {

// Appends the UTF-8 encoding of code points [0, len) of `item` (string value i) at out + n;
// returns the new end. Surrogates and values above U+10FFFF are errors naming the value.
size_t encode_utf8(const FeatureInput& in, int64_t i, const char32_t* item, size_t len, char* out,
                   size_t n) {
  for (size_t j = 0; j < len; ++j) {
    const char32_t c = item[j];
    if (c < 0x80) {
      out[n++] = static_cast<char>(c);
    } else if (c < 0x800) {
      out[n++] = static_cast<char>(0xC0 | (c >> 6));
      out[n++] = static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      if (c >= 0xD800 && c < 0xE000)
        fail(Code::kInvalidArgument,
             "Feature {}: string value {} holds the surrogate code point U+{:04X}, which has no "
             "UTF-8 encoding",
             in.key, i, static_cast<uint32_t>(c));
      out[n++] = static_cast<char>(0xE0 | (c >> 12));
      out[n++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out[n++] = static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x110000) {
      out[n++] = static_cast<char>(0xF0 | (c >> 18));
      out[n++] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out[n++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out[n++] = static_cast<char>(0x80 | (c & 0x3F));
    } else {
      fail(Code::kInvalidArgument,
           "Feature {}: string value {} holds 0x{:X}, which is not a Unicode code point", in.key,
           i, static_cast<uint32_t>(c));
    }
  }
  return n;
}

}  // namespace

void set_utf32_strings(FeatureInput& in, const char32_t* items, size_t chars_per_item,
                       int64_t count) {
  if (count > 0 && items == nullptr)
    fail(Code::kInvalidArgument, "Feature {}: string values are NULL", in.key);
  // Every code point takes at most 4 bytes.
  size_t cells = 0;
  size_t capacity = 0;
  if (__builtin_mul_overflow(static_cast<size_t>(count), chars_per_item, &cells) ||
      __builtin_mul_overflow(cells, size_t{4}, &capacity))
    fail(Code::kInvalidArgument, "Feature {}: {} strings of {} characters overflow a size",
         in.key, count, chars_per_item);
  std::vector<char>& bytes = in.converted_bytes;
  // Grown, never shrunk or cleared: refilling a batch neither allocates nor zeroes memory.
  if (bytes.size() < capacity) bytes.resize(capacity);
  char* out = bytes.data();
  in.num_values = count;
  in.dtype = DType::kString;
  in.strings = StringsView{};
  in.strings.bytes = out;
  // All ASCII (the usual case): one byte per code point, the items keeping their width, so the
  // strings become fixed-width bytes whose trailing NULs are the same padding. One pass over
  // the array, which the compiler vectorises.
  char32_t any = 0;
  for (size_t k = 0; k < cells; ++k) {
    out[k] = static_cast<char>(items[k]);
    any |= items[k];
  }
  if (any < 0x80) {
    in.strings.itemsize = chars_per_item;
    return;
  }
  std::vector<int64_t>& offsets = in.converted_offsets;
  offsets.resize(static_cast<size_t>(count) + 1);
  offsets[0] = 0;
  size_t n = 0;
  for (int64_t i = 0; i < count; ++i) {
    const char32_t* item = items + static_cast<size_t>(i) * chars_per_item;
    // The last non-zero byte lies in the last non-zero code point (whatever the byte order).
    const size_t len =
        (fixed_width_length(reinterpret_cast<const char*>(item), chars_per_item * 4) + 3) / 4;
    n = encode_utf8(in, i, item, len, out, n);
    offsets[static_cast<size_t>(i) + 1] = static_cast<int64_t>(n);
  }
  in.strings.offsets = offsets.data();
}

void set_separated_strings(FeatureInput& in, const char* bytes, size_t size, int64_t count) {
  if (count < 0)
    fail(Code::kInvalidArgument, "Feature {}: negative number of values {}", in.key, count);
  if (size > 0 && bytes == nullptr)
    fail(Code::kInvalidArgument, "Feature {}: string bytes are NULL", in.key);
  auto wrong_count = [&] {
    const auto nuls = std::count(bytes, bytes + size, '\0');
    fail(Code::kInvalidArgument,
         "Feature {}: {} strings separated by NUL bytes need {} NUL bytes, but the {} bytes hold "
         "{} (a string cannot contain NUL in this layout)",
         in.key, count, std::max<int64_t>(count - 1, 0), size, nuls);
  };
  // Checked before sizing anything by count: n strings need n - 1 of the bytes.
  if ((count == 0 && size != 0) || (count > 0 && static_cast<uint64_t>(count - 1) > size))
    wrong_count();
  std::vector<StringRef>& refs = in.converted_refs;
  refs.resize(static_cast<size_t>(count));
  StringRef* ref = refs.data();
  StringRef* const last = ref + std::max<int64_t>(count - 1, 0);
  const char* start = bytes;
  auto separator_at = [&](size_t pos) {
    if (ref == last) wrong_count();
    *ref++ = StringRef{start, static_cast<size_t>(bytes + pos - start)};
    start = bytes + pos + 1;
  };
  size_t i = 0;
#if defined(__SSE2__)
  // 16 bytes per step: one compare and a bit mask of the NUL bytes among them.
  const __m128i zero = _mm_setzero_si128();
  for (; i + 16 <= size; i += 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + i));
    for (auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, zero)));
         mask != 0; mask &= mask - 1)
      separator_at(i + static_cast<size_t>(std::countr_zero(mask)));
  }
#endif
  for (; i < size; ++i)
    if (bytes[i] == '\0') separator_at(i);
  if (count > 0) {
    if (ref != last) wrong_count();
    *ref = StringRef{start, static_cast<size_t>(bytes + size - start)};
  }
  in.num_values = count;
  in.dtype = DType::kString;
  in.strings = StringsView{};
  in.strings.refs = refs.data();
}

void Batch::validate(FeatureInput& in) {
  switch (in.form) {
    case InputForm::kSparse: {
      if (in.rank < 1)
        fail(Code::kInvalidArgument, "Feature (key: {}) cannot have rank 0. Given: {}", in.key,
             in.describe());
      if (in.rank > kMaxRank)
        fail(Code::kInvalidArgument, "Feature {}: rank {} is above the maximum rank {}", in.key,
             in.rank, kMaxRank);
      if (in.indices == nullptr && in.num_values > 0)
        fail(Code::kInvalidArgument, "Feature {}: indices are NULL", in.key);
      for (int64_t d : in.dense_shape)
        if (d < 0)
          fail(Code::kInvalidArgument, "Feature {}: negative dense_shape dimension {}", in.key, d);
      checked_mul(checked_mul(in.num_values, in.rank, "Feature {}: indices [{}, {}]", in.key,
                              in.num_values, in.rank),
                  8, "Feature {}: indices [{}, {}]", in.key, in.num_values, in.rank);
      if (in.rank == 1) {
        in.rank1 = true;
        in.rank = 2;
        in.dense_shape.push_back(1);
      }
      break;
    }
    case InputForm::kDense: {
      if (in.shape.empty())
        fail(Code::kInvalidArgument, "Feature (key: {}) cannot have rank 0. Given: {}", in.key,
             in.describe());
      if (static_cast<int64_t>(in.shape.size()) > kMaxRank)
        fail(Code::kInvalidArgument, "Feature {}: rank {} is above the maximum rank {}", in.key,
             in.shape.size(), kMaxRank);
      for (int64_t d : in.shape)
        if (d < 0)
          fail(Code::kInvalidArgument, "Feature {}: negative shape dimension {}", in.key, d);
      const int64_t cells = checked_product(in.shape, 0, "Feature {}: cells of the shape", in.key);
      if (in.shape.size() == 1) in.shape.resize(2, 1);  // [B] is read as [B, 1]
      in.num_values = cells;
      break;
    }
    case InputForm::kRagged: {
      if (in.batch_size < 0)
        fail(Code::kInvalidArgument, "Feature {}: negative batch_size {}", in.key, in.batch_size);
      if (in.row_splits == nullptr)
        fail(Code::kInvalidArgument, "Feature {}: row_splits is NULL", in.key);
      checked_mul(checked_add(in.batch_size, 1, "Feature {}: row_splits", in.key), 8,
                  "Feature {}: row_splits", in.key);
      const int64_t outer_end = in.step_splits ? in.num_steps : in.num_values;
      if (in.row_splits[0] != 0)
        fail(Code::kInvalidArgument, "Feature {}: row_splits[0] must be 0, got {}", in.key,
             in.row_splits[0]);
      for (int64_t b = 0; b < in.batch_size; ++b)
        if (in.row_splits[b + 1] < in.row_splits[b])
          fail(Code::kInvalidArgument,
               "Feature {}: row_splits must be non-decreasing: row_splits[{}] = {} < "
               "row_splits[{}] = {} (example {})",
               in.key, b + 1, in.row_splits[b + 1], b, in.row_splits[b], b);
      if (in.row_splits[in.batch_size] != outer_end)
        fail(Code::kInvalidArgument,
             "Feature {}: row_splits[{}] = {} must equal the number of {} ({})", in.key,
             in.batch_size, in.row_splits[in.batch_size], in.step_splits ? "steps" : "values",
             outer_end);
      if (in.step_splits) {
        if (in.num_steps < 0)
          fail(Code::kInvalidArgument, "Feature {}: negative num_steps {}", in.key, in.num_steps);
        checked_mul(checked_add(in.num_steps, 1, "Feature {}: step_splits", in.key), 8,
                    "Feature {}: step_splits", in.key);
        if (in.step_splits[0] != 0)
          fail(Code::kInvalidArgument, "Feature {}: step_splits[0] must be 0, got {}", in.key,
               in.step_splits[0]);
        for (int64_t s = 0; s < in.num_steps; ++s)
          if (in.step_splits[s + 1] < in.step_splits[s])
            fail(Code::kInvalidArgument,
                 "Feature {}: step_splits must be non-decreasing: step_splits[{}] = {} < "
                 "step_splits[{}] = {}",
                 in.key, s + 1, in.step_splits[s + 1], s, in.step_splits[s]);
        if (in.step_splits[in.num_steps] != in.num_values)
          fail(Code::kInvalidArgument,
               "Feature {}: step_splits[{}] = {} must equal the number of values ({})", in.key,
               in.num_steps, in.step_splits[in.num_steps], in.num_values);
      }
      break;
    }
  }
  check_values(in);
}

const FeatureInput& Batch::get(const std::string& key) const {
  auto it = features_.find(key);
  if (it == features_.end())
    fail(Code::kNotFound, "Feature {} is not in features dictionary.", key);
  return it->second;
}

}  // namespace seqfeat
