// A minimal protobuf encoder for test records of tf.train.Example / SequenceExample
// (feature.proto, example.proto), written from the wire format, independent of the decoder.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace seqfeat::test::proto {

inline std::string varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}
inline std::string tag(uint32_t field, uint32_t wire) { return varint(uint64_t{field} << 3 | wire); }
inline std::string len_field(uint32_t field, const std::string& payload) {
  return tag(field, 2) + varint(payload.size()) + payload;
}
inline std::string int64_list(const std::vector<int64_t>& v, bool packed = true) {
  std::string list;
  if (packed) {
    std::string p;
    for (int64_t x : v) p += varint(static_cast<uint64_t>(x));
    list = len_field(1, p);
  } else {
    for (int64_t x : v) list += tag(1, 0) + varint(static_cast<uint64_t>(x));
  }
  return len_field(3, list);
}
inline std::string float_list(const std::vector<float>& v, bool packed = true) {
  std::string list;
  if (packed) {
    std::string p(v.size() * 4, '\0');
    if (!v.empty()) std::memcpy(p.data(), v.data(), p.size());
    list = len_field(1, p);
  } else {
    for (float x : v) {
      std::string b(4, '\0');
      std::memcpy(b.data(), &x, 4);
      list += tag(1, 5) + b;
    }
  }
  return len_field(2, list);
}
inline std::string bytes_list(const std::vector<std::string>& v) {
  std::string list;
  for (const auto& x : v) list += len_field(1, x);
  return len_field(1, list);
}
using Entries = std::vector<std::pair<std::string, std::string>>;
inline std::string map_of(const Entries& entries) {
  std::string s;
  for (const auto& [k, v] : entries) s += len_field(1, len_field(1, k) + len_field(2, v));
  return s;
}
inline std::string feature_list(const std::vector<std::string>& features) {
  std::string s;
  for (const auto& f : features) s += len_field(1, f);
  return s;
}
inline std::string example(const Entries& features) { return len_field(1, map_of(features)); }
inline std::string sequence_example(const Entries& context, const Entries& lists) {
  return len_field(1, map_of(context)) + len_field(2, map_of(lists));
}

}  // namespace seqfeat::test::proto
