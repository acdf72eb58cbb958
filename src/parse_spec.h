// What to parse from tf.train.Example / tf.train.SequenceExample records: TF's
// FixedLenFeature, VarLenFeature and FixedLenSequenceFeature, split into context features
// (Example features, SequenceExample context) and sequence features (SequenceExample
// feature_lists), and TF's make_parse_example_spec(columns).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dtype.h"

namespace seqfeat {

class Column;

enum class FeatureKind : int32_t { kFixedLen = 0, kVarLen = 1, kFixedLenSequence = 2 };

struct FeatureSpec {
  std::string key;
  FeatureKind kind = FeatureKind::kVarLen;
  DType dtype = DType::kInt64;  // int64, float32 or string: the three lists of feature.proto
  bool sequence = false;        // read from feature_lists (SequenceExample)
  std::vector<int64_t> shape;   // FixedLen / FixedLenSequence; () is a scalar
  // FixedLen default: none (the feature is required), one value (broadcast) or prod(shape).
  bool has_default = false;
  std::vector<int64_t> default_int64;
  std::vector<float> default_float;
  std::vector<std::string> default_string;
  bool allow_missing = false;   // FixedLenSequence: a missing list is empty instead of an error

  int64_t width() const;        // prod(shape)
  int64_t num_defaults() const;
  // TF's spelling, for messages and repr: "VarLenFeature(dtype=int64)".
  std::string describe() const;
};

class ParseSpec {
 public:
  // Validates (key non-empty and unique over both groups, dtype, shape >= 0, default count,
  // kind allowed for the group) and appends.
  void add(FeatureSpec spec);
  const std::vector<FeatureSpec>& context() const { return context_; }
  const std::vector<FeatureSpec>& sequence() const { return sequence_; }
  size_t size() const { return context_.size() + sequence_.size(); }
  // Feature i in the order context..., sequence...
  const FeatureSpec& at(size_t i) const {
    return i < context_.size() ? context_[i] : sequence_[i - context_.size()];
  }

 private:
  std::vector<FeatureSpec> context_;
  std::vector<FeatureSpec> sequence_;
};

// TF's make_parse_example_spec(columns): sequence columns read VarLenFeature(dtype) from the
// feature lists, non-sequence categorical columns VarLenFeature(dtype) from the context,
// non-sequence numeric columns FixedLenFeature(shape, dtype) without default (required).
// Embedding / indicator / weighted columns contribute what their categorical columns read.
// Two columns on one key must agree (TF's ValueError otherwise).
ParseSpec parse_spec_from_columns(const std::vector<std::shared_ptr<const Column>>& columns);

}  // namespace seqfeat
