// Vocabularies of the vocabulary-list and vocabulary-file columns: an immutable key -> id map
// (id = position of the key in the list), and the reading of vocabulary files the way TF's
// table initialiser (TextFileLineIterator over InputBuffer::ReadLine) reads them.
//
// Threads: a vocabulary is immutable once constructed and may be shared by any number of
// threads. find() never allocates. A moved-from vocabulary may only be destroyed or assigned.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hash.h"

namespace seqfeat {

namespace detail {

// A slot of the open-addressing tables below (linear probing, power-of-two capacity, load
// <= 1/2, so a probe always ends on an empty slot). `tag` is the key's 64-bit hash for
// strings and the key itself for integers; `id < 0` marks an empty slot.
struct VocabSlot {
  uint64_t tag;
  int64_t id;
};

}  // namespace detail

class StringVocabulary {
 public:
  // Throws Error(kInvalidArgument) "<what>: Duplicate keys in vocabulary_list: ..." naming the
  // key and both (0-based) positions.
  StringVocabulary(std::vector<std::string> keys, std::string_view what);

  // Id of `key`, -1 when absent.
  int64_t find(std::string_view key) const noexcept { return find(key, fingerprint64(key)); }

  // Same, for a caller that already has fp = fingerprint64(key) (e.g. to place a miss into an
  // OOV bucket without hashing twice). The table is keyed by that fingerprint.
  int64_t find(std::string_view key, uint64_t fp) const noexcept {
    for (uint64_t i = fp & mask_;; i = (i + 1) & mask_) {
      const detail::VocabSlot& slot = slots_[i];
      if (slot.id < 0) return -1;
      if (slot.tag == fp && keys_[static_cast<size_t>(slot.id)] == key) return slot.id;
    }
  }

  // Starts loading the slot a lookup of fp probes first (batched lookups issue these a few keys
  // ahead, so that the probes of a block of keys miss the caches in parallel).
  void prefetch(uint64_t fp) const noexcept { __builtin_prefetch(&slots_[fp & mask_]); }

  // A batched lookup in three steps, each over a block of keys, so that neither the probes nor
  // the key comparisons wait for memory one key at a time: prefetch(fp); then candidate(fp),
  // the id of the first key with that fingerprint (-1: none), and prefetch_key(id); then
  // confirm(key, fp, id), which compares the key (and probes on in the rare case of two keys
  // sharing a fingerprint). confirm(key, fp, candidate(fp)) == find(key, fp).
  int64_t candidate(uint64_t fp) const noexcept {
    for (uint64_t i = fp & mask_;; i = (i + 1) & mask_) {
      const detail::VocabSlot& slot = slots_[i];
      if (slot.id < 0 || slot.tag == fp) return slot.id;
    }
  }
  void prefetch_key(int64_t id) const noexcept {
    if (id >= 0) __builtin_prefetch(&keys_[static_cast<size_t>(id)]);
  }
  int64_t confirm(std::string_view key, uint64_t fp, int64_t id) const noexcept {
    if (id < 0 || keys_[static_cast<size_t>(id)] == key) return id;
    return find(key, fp);
  }

  size_t size() const noexcept { return keys_.size(); }
  const std::vector<std::string>& keys() const noexcept { return keys_; }

 private:
  std::vector<std::string> keys_;
  std::vector<detail::VocabSlot> slots_;
  uint64_t mask_ = 0;
};

class IntVocabulary {
 public:
  // Throws Error(kInvalidArgument) "<what>: Duplicate keys in vocabulary_list: ..." naming the
  // key and both (0-based) positions.
  IntVocabulary(std::vector<int64_t> keys, std::string_view what);

  // Id of `key`, -1 when absent.
  int64_t find(int64_t key) const noexcept {
    const auto bits = static_cast<uint64_t>(key);
    for (uint64_t i = mix64(bits) & mask_;; i = (i + 1) & mask_) {
      const detail::VocabSlot& slot = slots_[i];
      if (slot.id < 0) return -1;
      if (slot.tag == bits) return slot.id;
    }
  }

  size_t size() const noexcept { return keys_.size(); }
  const std::vector<int64_t>& keys() const noexcept { return keys_; }

 private:
  std::vector<int64_t> keys_;
  std::vector<detail::VocabSlot> slots_;
  uint64_t mask_ = 0;
};

// Reads a vocabulary file as TF's TextFileLineIterator does: key = the whole line (no split,
// no trimming); lines end at '\n' and one trailing '\r' is stripped; a final line without
// '\n' counts unless it is empty after that stripping. Only the first `vocabulary_size` lines
// are used (vocabulary_size < 0: all lines); later lines are never examined.
// Errors (Error with the code shown; messages name the file and 1-based line numbers), the
// first problem in file order wins, as in TF:
//   file missing -> kNotFound; cannot be opened or read -> kIo;
//   a used line empty -> kInvalidArgument "Invalid content in <file>: empty line found at line K";
//   a used line repeating an earlier one -> kInvalidArgument naming both lines;
//   fewer lines than vocabulary_size -> kInvalidArgument
//     "Invalid vocab_size in <file>: expected N but got M".
std::vector<std::string> read_vocabulary_file(const std::string& path, int64_t vocabulary_size);

// Parses each line as TF's safe_strto64: optional surrounding whitespace, an optional '-',
// decimal digits, no overflow. Otherwise kInvalidArgument
// "Field <line text> in line K of <file> is not a valid int64". Two lines with the same value
// (e.g. "7" and "07") -> kInvalidArgument naming both lines, as TF's int64 table rejects them.
std::vector<int64_t> parse_int_vocabulary(const std::vector<std::string>& lines,
                                          const std::string& path);

// read_vocabulary_file + parse_int_vocabulary in one pass, so that errors come in TF's order
// for an int64 table (per line: empty, then not an int64, then duplicate value; the line count
// last). Lines that differ as text but not as numbers are duplicates here.
std::vector<int64_t> read_int_vocabulary_file(const std::string& path, int64_t vocabulary_size);

// Number of lines that TF's Python side finds when vocabulary_size is None (iterating a
// GFile): lines end at '\n'; a final line without '\n' counts unless it holds only '\r'
// characters; a trailing newline adds nothing. Missing file -> kNotFound; unreadable -> kIo.
int64_t count_vocabulary_lines(const std::string& path);

}  // namespace seqfeat
