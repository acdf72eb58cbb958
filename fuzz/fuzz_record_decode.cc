// libFuzzer target: one input is one serialized record, decoded as a SequenceExample and as an
// Example against a spec with every feature kind and dtype. Any input must either decode or
// fail with seqfeat::Error, leaving the batch as it was; never crash, hang or read out of
// bounds (run under ASan/UBSan, see fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "error.h"
#include "example_parser.h"
#include "parse_spec.h"

namespace {

const seqfeat::ParseSpec& fuzz_spec() {
  static const seqfeat::ParseSpec spec = [] {
    using seqfeat::DType;
    using seqfeat::FeatureKind;
    seqfeat::ParseSpec s;
    auto add = [&](const char* key, FeatureKind kind, DType dtype, bool sequence,
                   std::vector<int64_t> shape) {
      seqfeat::FeatureSpec f;
      f.key = key;
      f.kind = kind;
      f.dtype = dtype;
      f.sequence = sequence;
      f.shape = std::move(shape);
      f.allow_missing = true;
      if (kind == FeatureKind::kFixedLen) {
        f.has_default = true;
        f.default_int64 = {1};
        f.default_float = {1.f};
        f.default_string = {"d"};
      }
      s.add(f);
    };
    add("a", FeatureKind::kFixedLen, DType::kInt64, false, {2});
    add("b", FeatureKind::kFixedLen, DType::kFloat32, false, {});
    add("c", FeatureKind::kFixedLen, DType::kString, false, {1});
    add("d", FeatureKind::kVarLen, DType::kInt64, false, {});
    add("e", FeatureKind::kVarLen, DType::kFloat32, false, {});
    add("f", FeatureKind::kVarLen, DType::kString, false, {});
    add("g", FeatureKind::kVarLen, DType::kInt64, true, {});
    add("h", FeatureKind::kVarLen, DType::kString, true, {});
    add("i", FeatureKind::kFixedLenSequence, DType::kFloat32, true, {2});
    return s;
  }();
  return spec;
}

void decode_as(seqfeat::RecordType type, const uint8_t* data, size_t size) {
  seqfeat::DecodedBatch batch;
  batch.reset(fuzz_spec(), type);
  const seqfeat::RecordLocation where{nullptr, 0};
  int64_t good = 0;
  for (int round = 0; round < 2; ++round) {
    try {
      batch.decode(reinterpret_cast<const char*>(data), size, where);
      ++good;
    } catch (const seqfeat::Error&) {
    }
  }
  // Every feature has exactly one row per decoded record.
  if (batch.size() != good) std::abort();
  for (const auto& f : batch.features()) {
    if (!f.row_splits.empty() && static_cast<int64_t>(f.row_splits.size()) != good + 1)
      std::abort();
    if (f.spec->kind == seqfeat::FeatureKind::kFixedLen &&
        f.num_values() != good * f.spec->width())
      std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  decode_as(seqfeat::RecordType::kSequenceExample, data, size);
  decode_as(seqfeat::RecordType::kExample, data, size);
  return 0;
}
