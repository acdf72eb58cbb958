#include "parse_spec.h"

#include <fmt/ranges.h>

#include "column.h"
#include "error.h"

namespace seqfeat {

int64_t FeatureSpec::width() const {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d != 0 && n > INT64_MAX / d)
      fail(Code::kInvalidArgument, "Feature {}: shape ({}) has too many elements", key,
           fmt::join(shape, ", "));
    n *= d;
  }
  return n;
}

int64_t FeatureSpec::num_defaults() const {
  switch (dtype) {
    case DType::kInt64: return static_cast<int64_t>(default_int64.size());
    case DType::kFloat32: return static_cast<int64_t>(default_float.size());
    default: return static_cast<int64_t>(default_string.size());
  }
}

std::string FeatureSpec::describe() const {
  switch (kind) {
    case FeatureKind::kVarLen: return fmt::format("VarLenFeature(dtype={})", dtype_name(dtype));
    case FeatureKind::kFixedLen:
      return fmt::format("FixedLenFeature(shape=({}), dtype={}{})", fmt::join(shape, ", "),
                         dtype_name(dtype), has_default ? ", default_value=..." : "");
    case FeatureKind::kFixedLenSequence:
      return fmt::format("FixedLenSequenceFeature(shape=({}), dtype={}, allow_missing={})",
                         fmt::join(shape, ", "), dtype_name(dtype),
                         allow_missing ? "True" : "False");
  }
  return "?";
}

void ParseSpec::add(FeatureSpec spec) {
  if (spec.key.empty()) fail(Code::kInvalidArgument, "Parse spec: a feature key is empty");
  if (spec.dtype != DType::kInt64 && spec.dtype != DType::kFloat32 &&
      spec.dtype != DType::kString)
    fail(Code::kInvalidArgument,
         "Feature {}: dtype {} cannot be parsed; Example lists hold int64, float32 or string",
         spec.key, dtype_name(spec.dtype));
  if (static_cast<int32_t>(spec.kind) < 0 || static_cast<int32_t>(spec.kind) > 2)
    fail(Code::kInvalidArgument, "Feature {}: unknown feature kind {}", spec.key,
         static_cast<int32_t>(spec.kind));
  for (int64_t d : spec.shape)
    if (d < 0)
      fail(Code::kInvalidArgument, "Feature {}: shape ({}) has a negative dimension", spec.key,
           fmt::join(spec.shape, ", "));
  if (spec.kind == FeatureKind::kFixedLen && spec.sequence)
    fail(Code::kInvalidArgument,
         "Feature {}: a FixedLenFeature cannot be a sequence feature; use "
         "FixedLenSequenceFeature or VarLenFeature",
         spec.key);
  if (spec.kind == FeatureKind::kFixedLenSequence && !spec.sequence)
    fail(Code::kInvalidArgument,
         "Feature {}: a FixedLenSequenceFeature is a sequence feature (feature_lists)", spec.key);
  if (spec.kind != FeatureKind::kFixedLen) spec.has_default = false;
  const int64_t width = spec.width();
  if (spec.has_default) {
    const int64_t n = spec.num_defaults();
    if (n != 1 && n != width)
      fail(Code::kInvalidArgument,
           "Feature {}: default_value has {} values; shape ({}) needs {} (or one to broadcast)",
           spec.key, n, fmt::join(spec.shape, ", "), width);
  }
  for (const auto* group : {&context_, &sequence_})
    for (const FeatureSpec& other : *group)
      if (other.key == spec.key)
        fail(Code::kInvalidArgument, "Parse spec: feature key {} is given twice ({} and {})",
             spec.key, other.describe(), spec.describe());
  (spec.sequence ? sequence_ : context_).push_back(std::move(spec));
}

namespace {

void add_column_features(const Column& c, std::vector<FeatureSpec>& out) {
  std::vector<FeatureSpec> mine;
  if (const auto* numeric = dynamic_cast<const NumericColumn*>(&c)) {
    FeatureSpec s;
    s.key = numeric->key();
    s.sequence = c.is_sequence();
    s.dtype = is_integer(numeric->dtype()) ? DType::kInt64 : DType::kFloat32;
    if (c.is_sequence()) {
      s.kind = FeatureKind::kVarLen;
    } else {
      s.kind = FeatureKind::kFixedLen;
      s.shape = numeric->variable_shape();
    }
    mine.push_back(std::move(s));
  } else {
    const CategoricalColumn* cat = dynamic_cast<const CategoricalColumn*>(&c);
    if (cat == nullptr)
      if (const auto* dense = dynamic_cast<const DenseColumn*>(&c)) cat = categorical_of(*dense);
    if (cat == nullptr)
      fail(Code::kInvalidArgument, "make_parse_example_spec: column {} ({}) reads no feature",
           c.name(), c.type_name());
    for (auto& [key, dtype] : cat->parse_features()) {
      FeatureSpec s;
      s.key = key;
      s.kind = FeatureKind::kVarLen;
      s.dtype = dtype;
      s.sequence = cat->is_sequence();
      mine.push_back(std::move(s));
    }
  }
  for (FeatureSpec& s : mine) {
    bool seen = false;
    for (const FeatureSpec& o : out) {
      if (o.key != s.key) continue;
      if (o.kind != s.kind || o.dtype != s.dtype || o.shape != s.shape || o.sequence != s.sequence)
        fail(Code::kInvalidArgument,
             "feature_columns contain different parse_spec for key {}. Given {}{} and {}{}",
             s.key, s.describe(), s.sequence ? " (sequence)" : "", o.describe(),
             o.sequence ? " (sequence)" : "");
      seen = true;
    }
    if (!seen) out.push_back(std::move(s));
  }
}

}  // namespace

ParseSpec parse_spec_from_columns(const std::vector<std::shared_ptr<const Column>>& columns) {
  std::vector<FeatureSpec> features;
  for (const auto& c : columns) {
    if (!c) fail(Code::kInvalidArgument, "make_parse_example_spec: a column is NULL");
    add_column_features(*c, features);
  }
  ParseSpec spec;
  for (FeatureSpec& s : features) spec.add(std::move(s));
  return spec;
}

}  // namespace seqfeat
