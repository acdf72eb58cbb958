#include "vocabulary.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <system_error>

#include <sys/types.h>

#include "checked.h"
#include "error.h"

namespace seqfeat {

namespace {

using detail::VocabSlot;

// Smallest power of two holding `n` keys at load <= 1/2 (at least one slot, so that a probe of
// an empty table ends at once).
std::vector<VocabSlot> make_slots(size_t n) {
  if (n > (std::numeric_limits<size_t>::max() >> 2) / sizeof(VocabSlot))
    fail(Code::kInvalidArgument, "vocabulary of {} keys is too large", n);
  const size_t slots = std::bit_ceil(std::max<size_t>(2 * n, 1));
  checked_bytes(static_cast<int64_t>(slots), sizeof(VocabSlot),
                "hash table of a vocabulary of {} keys", n);
  return std::vector<VocabSlot>(slots, VocabSlot{0, -1});
}

// Inserts `id` unless a slot with the same key is found; returns that slot's id, or -1 after
// inserting. `same_key(id)` is asked only for slots whose tag equals `tag`.
template <class SameKey>
int64_t insert_or_find(std::vector<VocabSlot>& slots, uint64_t position_hash, uint64_t tag,
                       int64_t id, SameKey same_key) {
  const uint64_t mask = slots.size() - 1;
  for (uint64_t i = position_hash & mask;; i = (i + 1) & mask) {
    VocabSlot& slot = slots[i];
    if (slot.id < 0) {
      slot = VocabSlot{tag, id};
      return -1;
    }
    if (slot.tag == tag && same_key(slot.id)) return slot.id;
  }
}

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

File open_vocabulary_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) fail(Code::kNotFound, "Vocabulary file {} not found", path);
    fail(Code::kIo, "Cannot open vocabulary file {}: {}", path, errno_text(err));
  }
  return File(f);
}

// The used lines of a file, and the read error (errno) that stopped the reading early, if any.
// Line-level problems are reported before the read error and the line count, because TF meets
// them first while it walks the file.
struct FileLines {
  std::vector<std::string> lines;
  int read_error = 0;
};

// getline()'s buffer, released however the reading ends.
struct LineBuffer {
  char* data = nullptr;
  size_t capacity = 0;
  LineBuffer() = default;
  LineBuffer(const LineBuffer&) = delete;
  LineBuffer& operator=(const LineBuffer&) = delete;
  ~LineBuffer() { std::free(data); }
};

// InputBuffer::ReadLine: split at '\n', strip one trailing '\r'; at the end of the file the
// remaining bytes form a line only if they are non-empty after that stripping.
FileLines read_lines(const std::string& path, int64_t limit) {
  File file = open_vocabulary_file(path);
  FileLines out;
  LineBuffer buf;
  while (limit < 0 || static_cast<int64_t>(out.lines.size()) < limit) {
    errno = 0;
    const ssize_t n = ::getline(&buf.data, &buf.capacity, file.get());
    if (n < 0) {
      if (std::ferror(file.get())) out.read_error = errno != 0 ? errno : EIO;
      break;
    }
    auto len = static_cast<size_t>(n);
    const bool ended_by_newline = buf.data[len - 1] == '\n';
    if (ended_by_newline) --len;
    if (len > 0 && buf.data[len - 1] == '\r') --len;
    if (!ended_by_newline && len == 0) break;
    out.lines.emplace_back(buf.data, len);
  }
  return out;
}

void check_complete(const FileLines& read, const std::string& path, int64_t vocabulary_size) {
  const auto got = static_cast<int64_t>(read.lines.size());
  if (read.read_error != 0) {
    fail(Code::kIo, "Error reading vocabulary file {} at line {}: {}", path, got + 1,
         errno_text(read.read_error));
  }
  if (vocabulary_size >= 0 && got != vocabulary_size) {
    fail(Code::kInvalidArgument, "Invalid vocab_size in {}: expected {} but got {}", path,
         vocabulary_size, got);
  }
}

void check_not_empty(const std::string& line, size_t index, const std::string& path) {
  if (line.empty()) {
    fail(Code::kInvalidArgument, "Invalid content in {}: empty line found at line {}", path,
         index + 1);
  }
}

// TF's safe_strto64: whitespace (C-locale isspace) allowed around the number, an optional '-',
// at least one digit, no overflow, nothing else. TF passes the line as a C string, so the text
// ends at its first NUL byte.
bool parse_int64(std::string_view text, int64_t& value) {
  text = text.substr(0, text.find('\0'));
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
  };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  size_t i = 0;
  while (i < text.size() && is_space(text[i])) ++i;
  const bool negative = i < text.size() && text[i] == '-';
  if (negative) ++i;
  if (i == text.size() || !is_digit(text[i])) return false;
  // Accumulate the magnitude as unsigned; the limit differs by one for negative numbers.
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  uint64_t magnitude = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    const auto digit = static_cast<uint64_t>(text[i] - '0');
    if (magnitude > (limit - digit) / 10) return false;
    magnitude = magnitude * 10 + digit;
  }
  while (i < text.size() && is_space(text[i])) ++i;
  if (i != text.size()) return false;
  value = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return true;
}

// Per line, in order: (empty, when asked), not an int64, duplicate value.
std::vector<int64_t> parse_int_lines(const std::vector<std::string>& lines,
                                     const std::string& path, bool reject_empty) {
  std::vector<int64_t> values;
  values.reserve(lines.size());
  std::vector<VocabSlot> slots = make_slots(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (reject_empty) check_not_empty(lines[i], i, path);
    int64_t value = 0;
    if (!parse_int64(lines[i], value)) {
      fail(Code::kInvalidArgument, "Field {} in line {} of {} is not a valid int64",
           printable(lines[i]), i + 1, path);
    }
    const auto bits = static_cast<uint64_t>(value);
    const int64_t first = insert_or_find(slots, mix64(bits), bits, static_cast<int64_t>(i),
                                         [](int64_t) { return true; });
    if (first >= 0) {
      fail(Code::kInvalidArgument,
           "Duplicate key in {}: line {} ({}) has the same int64 value {} as line {} ({})", path,
           i + 1, printable(lines[i]), value, first + 1,
           printable(lines[static_cast<size_t>(first)]));
    }
    values.push_back(value);
  }
  return values;
}

}  // namespace

StringVocabulary::StringVocabulary(std::vector<std::string> keys, std::string_view what)
    : keys_(std::move(keys)), slots_(make_slots(keys_.size())), mask_(slots_.size() - 1) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    const uint64_t fp = fingerprint64(keys_[i]);
    const int64_t first =
        insert_or_find(slots_, fp, fp, static_cast<int64_t>(i),
                       [&](int64_t id) { return keys_[static_cast<size_t>(id)] == keys_[i]; });
    if (first >= 0) {
      fail(Code::kInvalidArgument,
           "{}: Duplicate keys in vocabulary_list: \"{}\" at positions {} and {}", what,
           printable(keys_[i]), first, i);
    }
  }
}

IntVocabulary::IntVocabulary(std::vector<int64_t> keys, std::string_view what)
    : keys_(std::move(keys)), slots_(make_slots(keys_.size())), mask_(slots_.size() - 1) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    const auto bits = static_cast<uint64_t>(keys_[i]);
    const int64_t first = insert_or_find(slots_, mix64(bits), bits, static_cast<int64_t>(i),
                                         [](int64_t) { return true; });
    if (first >= 0) {
      fail(Code::kInvalidArgument,
           "{}: Duplicate keys in vocabulary_list: {} at positions {} and {}", what, keys_[i],
           first, i);
    }
  }
}

std::vector<std::string> read_vocabulary_file(const std::string& path, int64_t vocabulary_size) {
  FileLines read = read_lines(path, vocabulary_size);
  std::vector<VocabSlot> slots = make_slots(read.lines.size());
  for (size_t i = 0; i < read.lines.size(); ++i) {
    const std::string& line = read.lines[i];
    check_not_empty(line, i, path);
    const uint64_t fp = fingerprint64(line);
    const int64_t first =
        insert_or_find(slots, fp, fp, static_cast<int64_t>(i),
                       [&](int64_t id) { return read.lines[static_cast<size_t>(id)] == line; });
    if (first >= 0) {
      fail(Code::kInvalidArgument, "Duplicate key in {}: line {} (\"{}\") repeats line {}", path,
           i + 1, printable(line), first + 1);
    }
  }
  check_complete(read, path, vocabulary_size);
  return std::move(read.lines);
}

std::vector<int64_t> parse_int_vocabulary(const std::vector<std::string>& lines,
                                          const std::string& path) {
  return parse_int_lines(lines, path, /*reject_empty=*/false);
}

std::vector<int64_t> read_int_vocabulary_file(const std::string& path, int64_t vocabulary_size) {
  const FileLines read = read_lines(path, vocabulary_size);
  std::vector<int64_t> values = parse_int_lines(read.lines, path, /*reject_empty=*/true);
  check_complete(read, path, vocabulary_size);
  return values;
}

int64_t count_vocabulary_lines(const std::string& path) {
  File file = open_vocabulary_file(path);
  // GFile iteration (BufferedInputStream::ReadLineHelper) drops every '\r' and ends a line at
  // '\n'; an empty final piece ends the iteration.
  int64_t count = 0;
  bool pending = false;  // the current unterminated line holds a byte other than '\r'
  char buf[1 << 16];
  errno = 0;
  for (;;) {
    const size_t n = std::fread(buf, 1, sizeof(buf), file.get());
    for (size_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') {
        ++count;
        pending = false;
      } else if (buf[i] != '\r') {
        pending = true;
      }
    }
    if (n < sizeof(buf)) break;
  }
  if (std::ferror(file.get())) {
    fail(Code::kIo, "Error reading vocabulary file {} at line {}: {}", path, count + 1,
         errno_text(errno != 0 ? errno : EIO));
  }
  return count + (pending ? 1 : 0);
}

}  // namespace seqfeat
