// Vocabulary parsing through the C ABI: the input bytes (after a 3-byte header choosing the
// dtype, vocabulary_size and OOV buckets) are written to a file that
// seqfeat_vocabulary_file_column_create reads, and are also split into a vocabulary list
// (seqfeat_vocabulary_list_column_create_strings / _ints). A column that builds is then used to
// look up its own lines. Findings: crashes, sanitizer reports, leaks, INTERNAL errors, failures
// without a message, and a built string vocabulary that does not find its own first line.
#include <seqfeat/seqfeat.h>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_contract.h"

namespace {

using seqfeat_fuzz::check_status;
using seqfeat_fuzz::require;

std::string g_path;

// Packs one ragged string (or int) feature through an indicator of `column`; returns the
// status. `first` is the value looked up.
seqfeat_status look_up(const seqfeat_column* column, bool strings, const std::string& first) {
  seqfeat_column* ind = nullptr;
  seqfeat_status s = seqfeat_indicator_column_create(column, &ind);
  check_status(s);
  if (s != SEQFEAT_OK) return s;
  seqfeat_features* layer = nullptr;
  s = seqfeat_features_create(const_cast<const seqfeat_column* const*>(&ind), 1, &layer);
  check_status(s);
  seqfeat_batch* batch = nullptr;
  require(seqfeat_batch_create(&batch) == SEQFEAT_OK);
  const int64_t splits[2] = {0, 1};
  const int64_t offsets[2] = {0, static_cast<int64_t>(first.size())};
  const int64_t number = first.empty() ? 0 : static_cast<unsigned char>(first[0]);
  s = strings ? seqfeat_batch_add_ragged_strings(batch, seqfeat_column_name(column), 1, splits, 0,
                                                 nullptr, offsets, first.data(), 1)
              : seqfeat_batch_add_ragged(batch, seqfeat_column_name(column), 1, splits, 0,
                                         nullptr, SEQFEAT_DTYPE_INT64, &number, 1);
  check_status(s);
  if (s == SEQFEAT_OK && layer) {
    int64_t B = 0, T = 0, D = 0;
    s = seqfeat_features_output_shape(layer, batch, nullptr, &B, &T, &D);
    check_status(s);
    if (s == SEQFEAT_OK && B * T * D <= (1 << 16)) {
      std::vector<float> dense(static_cast<size_t>(B * T * D) + 1);
      std::vector<int64_t> lengths(static_cast<size_t>(B) + 1);
      s = seqfeat_features_pack_into(layer, batch, nullptr, dense.data(), dense.size(),
                                     lengths.data(), lengths.size(), nullptr, 0, nullptr);
      check_status(s);
      if (s == SEQFEAT_OK && strings && D > 0) require(dense[0] == 1.f);  // the first key is id 0
    }
  }
  seqfeat_batch_free(batch);
  seqfeat_features_free(layer);
  seqfeat_column_free(ind);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  require(seqfeat_set_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, int64_t{64} << 20) == SEQFEAT_OK);
  const char* dir = std::getenv("TMPDIR");
  g_path = std::string(dir && *dir ? dir : "/tmp") + "/seqfeat_fuzz_vocabulary_" +
           std::to_string(getpid()) + ".txt";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const bool strings = (data[0] & 1) != 0;
  const int64_t vocabulary_size = (data[1] & 0x80) ? -1 : data[1] & 0x1f;
  const int64_t oov = data[2] & 3;
  const std::string text(reinterpret_cast<const char*>(data) + 3, size - 3);

  std::FILE* f = std::fopen(g_path.c_str(), "wb");
  require(f != nullptr);
  require(std::fwrite(text.data(), 1, text.size(), f) == text.size());
  std::fclose(f);

  seqfeat_column* c = nullptr;
  const seqfeat_status s = seqfeat_vocabulary_file_column_create(
      "v", 1, g_path.c_str(), vocabulary_size, oov, SEQFEAT_NO_DEFAULT,
      strings ? SEQFEAT_DTYPE_STRING : SEQFEAT_DTYPE_INT64, &c);
  check_status(s);
  const std::string first = text.substr(0, text.find('\n'));
  if (s == SEQFEAT_OK) {
    std::string key = first;
    if (!key.empty() && key.back() == '\r') key.pop_back();
    look_up(c, strings, key);
    seqfeat_column_free(c);
  }

  // The same bytes as an in-memory list: one key per '\n'-separated piece.
  std::vector<int64_t> offsets{0};
  std::vector<int64_t> ints;
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') offsets.push_back(static_cast<int64_t>(i));
  offsets.push_back(static_cast<int64_t>(text.size()));
  for (size_t i = 0; i + 1 < offsets.size(); ++i) {
    int64_t v = 0;
    std::memcpy(&v, text.data() + offsets[i], std::min<size_t>(8, static_cast<size_t>(offsets[i + 1] - offsets[i])));
    ints.push_back(v);
  }
  seqfeat_column* l = nullptr;
  check_status(seqfeat_vocabulary_list_column_create_strings(
      "v", 1, offsets.data(), text.data(), offsets.size() - 1, -1, oov, &l));
  seqfeat_column_free(l);
  l = nullptr;
  check_status(seqfeat_vocabulary_list_column_create_ints("v", 1, ints.data(), ints.size(),
                                                          SEQFEAT_DTYPE_INT64, -1, oov, &l));
  seqfeat_column_free(l);
  return 0;
}
