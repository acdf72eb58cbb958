// Decoding of serialized tf.train.Example / tf.train.SequenceExample straight from protobuf
// wire format into ragged columns, for exactly the keys of a ParseSpec (the approach of TF's
// fast example parser): no message objects are built, unknown fields and other keys are
// skipped by their length.
//
// Schema (feature.proto / example.proto): Example{Features features = 1}, Features{map<string,
// Feature> feature = 1}, Feature{oneof kind: BytesList bytes_list = 1, FloatList float_list = 2,
// Int64List int64_list = 3}, XList{repeated value = 1} (floats and int64 packed or not),
// SequenceExample{Features context = 1, FeatureLists feature_lists = 2},
// FeatureLists{map<string, FeatureList> feature_list = 1}, FeatureList{repeated Feature
// feature = 1}. As protobuf parsing does, the last entry of a repeated map key wins, and a
// Feature whose kind is set twice keeps the last kind (same kind twice: values concatenate).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "input.h"
#include "parse_spec.h"

namespace seqfeat {

enum class RecordType : int32_t { kExample = 0, kSequenceExample = 1 };

// One feature of a decoded batch of B records.
//   FixedLen (context):  values [B * prod(shape)] (dense [B, *shape]); row_splits empty.
//   VarLen (context), and sequence features of Example records:
//                        row_splits [B + 1] over values.
//   Sequence features of SequenceExample records:
//                        row_splits [B + 1] over steps, step_splits [steps + 1] over values.
// Values: int64s, floats, or strings as offsets [n + 1] into bytes.
struct DecodedFeature {
  const FeatureSpec* spec = nullptr;
  bool has_steps = false;
  std::vector<int64_t> row_splits;
  std::vector<int64_t> step_splits;
  std::vector<int64_t> int64s;
  std::vector<float> floats;
  std::vector<int64_t> offsets;
  std::vector<char> bytes;

  int64_t num_values() const;
  int64_t num_steps() const {
    return has_steps ? static_cast<int64_t>(step_splits.size()) - 1 : 0;
  }
};

// Where a record comes from, for messages.
struct RecordLocation {
  const std::string* file = nullptr;
  int64_t index = 0;
};

// A batch of decoded records: one DecodedFeature per spec feature (ParseSpec::at order).
class DecodedBatch {
 public:
  // Empties the batch for `spec` (which must outlive it), keeping the buffers' capacity.
  void reset(const ParseSpec& spec, RecordType type);
  int64_t size() const { return size_; }
  const std::vector<DecodedFeature>& features() const { return features_; }
  const DecodedFeature* find(std::string_view key) const;

  // Decodes one serialized record as example size() and increments size(). Throws Error
  // (kInvalidArgument for malformed protobuf, missing required features and wrong value
  // counts, kDtypeMismatch for a list of the wrong kind) naming file, record and key; the
  // batch is then unchanged (the partly decoded record is removed).
  void decode(const char* data, size_t size, const RecordLocation& where);

  // Appends the records of `other` (decoded with the same spec) after this batch's.
  void append(const DecodedBatch& other);

  // Adds every feature as a view into `batch` (ragged, or dense [B, *shape] for FixedLen):
  // the views stay valid while this object is alive and unchanged.
  void add_to(Batch& batch) const;

 private:
  struct Span {
    const uint8_t* data = nullptr;
    size_t size = 0;
    bool present = false;
  };
  struct Mark {
    size_t row_splits, step_splits, int64s, floats, offsets, bytes;
  };
  class Decoder;
  friend class Decoder;

  void mark();
  void rollback();

  const ParseSpec* spec_ = nullptr;
  RecordType type_ = RecordType::kSequenceExample;
  int64_t size_ = 0;
  std::vector<DecodedFeature> features_;
  // Per-record scratch: the span of each feature's last map entry, and the rollback marks.
  std::vector<Span> spans_;
  std::vector<Mark> marks_;
};

}  // namespace seqfeat
