#include "example_parser.h"

#include <cstring>

#include "error.h"

namespace seqfeat {

int64_t DecodedFeature::num_values() const {
  switch (spec->dtype) {
    case DType::kInt64: return static_cast<int64_t>(int64s.size());
    case DType::kFloat32: return static_cast<int64_t>(floats.size());
    default: return static_cast<int64_t>(offsets.size()) - 1;
  }
}

namespace {

// Field numbers of feature.proto / example.proto.
constexpr uint32_t kBytesList = 1, kFloatList = 2, kInt64List = 3;
constexpr uint32_t kWireVarint = 0, kWireFixed64 = 1, kWireLen = 2, kWireFixed32 = 5;

const char* list_name(uint32_t kind) {
  switch (kind) {
    case kBytesList: return "bytes_list";
    case kFloatList: return "float_list";
    case kInt64List: return "int64_list";
    default: return "no list (kind not set)";
  }
}

uint32_t list_of(DType t) {
  switch (t) {
    case DType::kInt64: return kInt64List;
    case DType::kFloat32: return kFloatList;
    default: return kBytesList;
  }
}

struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  uint64_t varint = 0;
  const uint8_t* data = nullptr;  // fixed32/fixed64/length-delimited payload
  size_t size = 0;
};

}  // namespace

// Reads one record. `context` names the message being read, for messages.
class DecodedBatch::Decoder {
 public:
  Decoder(DecodedBatch& batch, const RecordLocation& where) : b_(batch), where_(where) {}

  [[noreturn]] void malformed(const char* message, const char* what, size_t offset) const {
    if (key_ != nullptr)
      fail(Code::kInvalidArgument,
           "{}: record {}: feature {}: malformed {} at byte {} of the record: {}", file(),
           where_.index, *key_, message, offset, what);
    fail(Code::kInvalidArgument, "{}: record {}: malformed {} at byte {} of the record: {}",
         file(), where_.index, message, offset, what);
  }
  const std::string& file() const {
    static const std::string unnamed = "<record>";
    return where_.file ? *where_.file : unnamed;
  }
  size_t offset(const uint8_t* p) const { return static_cast<size_t>(p - begin_); }

  bool varint(const uint8_t*& p, const uint8_t* end, uint64_t* out) const {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      const uint8_t byte = *p++;
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *out = v;
        return true;
      }
    }
    return false;
  }

  // Next field of the message [p, end); false at its end.
  bool next(const uint8_t*& p, const uint8_t* end, Field& f, const char* message) const {
    if (p >= end) return false;
    const uint8_t* start = p;
    uint64_t tag;
    if (!varint(p, end, &tag)) malformed(message, "bad varint in a field tag", offset(start));
    f.number = static_cast<uint32_t>(tag >> 3);
    f.wire = static_cast<uint32_t>(tag & 7);
    if ((tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
      malformed(message, "field number 0 or out of range", offset(start));
    switch (f.wire) {
      case kWireVarint:
        if (!varint(p, end, &f.varint)) malformed(message, "bad varint", offset(start));
        break;
      case kWireFixed64:
      case kWireFixed32: {
        const size_t n = f.wire == kWireFixed64 ? 8 : 4;
        if (static_cast<size_t>(end - p) < n)
          malformed(message, "fixed-size value past the end of its message", offset(start));
        f.data = p;
        f.size = n;
        p += n;
        break;
      }
      case kWireLen: {
        uint64_t n;
        if (!varint(p, end, &n)) malformed(message, "bad varint in a length", offset(start));
        if (n > static_cast<uint64_t>(end - p))
          fail(Code::kInvalidArgument,
               "{}: record {}: {}malformed {} at byte {} of the record: nested length {} runs "
               "past the end of its message ({} bytes left)",
               file(), where_.index, key_ ? fmt::format("feature {}: ", *key_) : "", message,
               offset(start), n, end - p);
        f.data = p;
        f.size = static_cast<size_t>(n);
        p += n;
        break;
      }
      default:
        fail(Code::kInvalidArgument,
             "{}: record {}: {}malformed {} at byte {} of the record: field {} has wire type {} "
             "(groups and wire types 6-7 are not valid here)",
             file(), where_.index, key_ ? fmt::format("feature {}: ", *key_) : "", message,
             offset(start), f.number, f.wire);
    }
    return true;
  }

  void expect_len(const Field& f, const char* message, const char* field) const {
    if (f.wire != kWireLen)
      fail(Code::kInvalidArgument,
           "{}: record {}: {}malformed {} at byte {} of the record: field {} ({}) has wire type "
           "{}, expected 2 (length-delimited)",
           file(), where_.index, key_ ? fmt::format("feature {}: ", *key_) : "", message,
           offset(f.data ? f.data : begin_), f.number, field, f.wire);
  }

  // Features{map<string, T> = 1} or FeatureLists: records the value span of each wanted key.
  void scan_map(const uint8_t* p, const uint8_t* end, const char* message, size_t first,
                size_t count) {
    Field f;
    while (next(p, end, f, message)) {
      if (f.number != 1) continue;
      expect_len(f, message, "map entry");
      const uint8_t* q = f.data;
      const uint8_t* qend = f.data + f.size;
      std::string_view key;
      Span value;
      value.present = true;
      Field e;
      while (next(q, qend, e, "map entry")) {
        if (e.number == 1) {
          expect_len(e, "map entry", "key");
          key = {reinterpret_cast<const char*>(e.data), e.size};
        } else if (e.number == 2) {
          expect_len(e, "map entry", "value");
          value.data = e.data;
          value.size = e.size;
        }
      }
      for (size_t i = first; i < first + count; ++i) {
        const std::string& k = b_.features_[i].spec->key;
        if (k.size() == key.size() && std::memcmp(k.data(), key.data(), key.size()) == 0) {
          b_.spans_[i] = value;
          break;
        }
      }
    }
  }

  // Appends the values of a Feature message to `out`; returns how many.
  int64_t feature(const Span& s, DecodedFeature& out) {
    const uint8_t* p = s.data;
    const uint8_t* end = s.data + s.size;
    // Pass 1: the kind that is set last, and where its run of fields starts (a different kind
    // clears the oneof; the same kind again merges).
    uint32_t kind = 0;
    const uint8_t* run = p;
    Field f;
    for (const uint8_t* q = p; ;) {
      const uint8_t* at = q;
      if (!next(q, end, f, "Feature")) break;
      if (f.number < kBytesList || f.number > kInt64List) continue;
      expect_len(f, "Feature", list_name(f.number));
      if (f.number != kind) {
        kind = f.number;
        run = at;
      }
    }
    if (kind == 0) return 0;
    const uint32_t want = list_of(out.spec->dtype);
    if (kind != want)
      fail(Code::kDtypeMismatch,
           "{}: record {}: feature {}: data type mismatch: the spec asks for {} ({}) but the "
           "record holds a {}",
           file(), where_.index, *key_, list_name(want), dtype_name(out.spec->dtype),
           list_name(kind));
    int64_t n = 0;
    for (p = run; next(p, end, f, "Feature");)
      if (f.number == kind) n += list(f.data, f.data + f.size, kind, out);
    return n;
  }

  int64_t list(const uint8_t* p, const uint8_t* end, uint32_t kind, DecodedFeature& out) {
    const char* message = list_name(kind);
    int64_t n = 0;
    Field f;
    while (next(p, end, f, message)) {
      if (f.number != 1) continue;
      switch (kind) {
        case kInt64List:
          if (f.wire == kWireVarint) {
            out.int64s.push_back(static_cast<int64_t>(f.varint));
            ++n;
          } else if (f.wire == kWireLen) {
            // Packed: one value per byte without the continuation bit.
            const uint8_t* q = f.data;
            const uint8_t* qend = f.data + f.size;
            size_t count = 0;
            for (const uint8_t* c = q; c < qend; ++c) count += (*c & 0x80) == 0;
            const size_t base = out.int64s.size();
            out.int64s.resize(base + count);
            int64_t* dst = out.int64s.data() + base;
            for (size_t i = 0; i < count; ++i) {
              uint64_t v;
              if (!varint(q, qend, &v)) malformed(message, "bad varint in packed values",
                                                  offset(q));
              dst[i] = static_cast<int64_t>(v);
            }
            if (q != qend) malformed(message, "bad varint in packed values", offset(q));
            n += static_cast<int64_t>(count);
          } else {
            wrong_wire(f, message, "0 or 2");
          }
          break;
        case kFloatList:
          if (f.wire == kWireFixed32 || f.wire == kWireLen) {
            if (f.size % 4 != 0)
              malformed(message, "packed floats whose length is not a multiple of 4",
                        offset(f.data));
            const size_t count = f.size / 4;
            const size_t base = out.floats.size();
            out.floats.resize(base + count);
            if (count > 0)  // an empty packed field: nothing to copy (data() may be null)
              std::memcpy(out.floats.data() + base, f.data, f.size);  // little-endian host
            n += static_cast<int64_t>(count);
          } else {
            wrong_wire(f, message, "5 or 2");
          }
          break;
        default:
          if (f.wire != kWireLen) wrong_wire(f, message, "2");
          out.bytes.insert(out.bytes.end(), f.data, f.data + f.size);
          out.offsets.push_back(static_cast<int64_t>(out.bytes.size()));
          ++n;
      }
    }
    return n;
  }

  [[noreturn]] void wrong_wire(const Field& f, const char* message, const char* expected) const {
    fail(Code::kInvalidArgument,
         "{}: record {}: feature {}: malformed {}: value field has wire type {}, expected {}",
         file(), where_.index, *key_, message, f.wire, expected);
  }

  void fill_default(DecodedFeature& out, int64_t width) {
    const FeatureSpec& s = *out.spec;
    const bool broadcast = s.num_defaults() == 1;
    for (int64_t i = 0; i < width; ++i) {
      const size_t j = broadcast ? 0 : static_cast<size_t>(i);
      switch (s.dtype) {
        case DType::kInt64: out.int64s.push_back(s.default_int64[j]); break;
        case DType::kFloat32: out.floats.push_back(s.default_float[j]); break;
        default: {
          const std::string& v = s.default_string[j];
          out.bytes.insert(out.bytes.end(), v.begin(), v.end());
          out.offsets.push_back(static_cast<int64_t>(out.bytes.size()));
        }
      }
    }
  }

  // The values of one feature of this record, appended per its kind.
  void materialize(DecodedFeature& out, const Span& s) {
    const FeatureSpec& spec = *out.spec;
    key_ = &spec.key;
    if (out.has_steps) {
      if (!s.present && spec.kind == FeatureKind::kFixedLenSequence && !spec.allow_missing)
        fail(Code::kInvalidArgument,
             "{}: record {}: feature list {} is required but could not be found ({}); pass "
             "allow_missing=True to read a missing list as empty",
             file(), where_.index, spec.key, spec.describe());
      int64_t steps = static_cast<int64_t>(out.step_splits.size()) - 1;
      const int64_t first_step = steps;
      if (s.present) {
        const uint8_t* p = s.data;
        const uint8_t* end = s.data + s.size;
        const int64_t width = spec.kind == FeatureKind::kFixedLenSequence ? spec.width() : -1;
        Field f;
        while (next(p, end, f, "FeatureList")) {
          if (f.number != 1) continue;
          expect_len(f, "FeatureList", "feature");
          const int64_t n = feature({f.data, f.size, true}, out);
          if (width >= 0 && n != width)
            fail(Code::kInvalidArgument,
                 "{}: record {}: feature list {}, step {}: {} values, but {} needs {}", file(),
                 where_.index, spec.key, steps - first_step, n,
                 spec.describe(), width);
          out.step_splits.push_back(out.num_values());
          ++steps;
        }
      }
      out.row_splits.push_back(steps);
      return;
    }
    if (spec.kind == FeatureKind::kFixedLen) {
      const int64_t width = spec.width();
      if (!s.present) {
        if (!spec.has_default)
          fail(Code::kInvalidArgument,
               "{}: record {}: feature {} (data type: {}) is required but could not be found",
               file(), where_.index, spec.key, dtype_name(spec.dtype));
        fill_default(out, width);
        return;
      }
      const int64_t n = feature(s, out);
      if (n != width)
        fail(Code::kInvalidArgument,
             "{}: record {}: feature {}: {} values, but {} needs {}", file(), where_.index,
             spec.key, n, spec.describe(), width);
      return;
    }
    // VarLen, or a sequence feature read from an Example's features (one value per step).
    if (!s.present && spec.kind == FeatureKind::kFixedLenSequence && !spec.allow_missing)
      fail(Code::kInvalidArgument,
           "{}: record {}: feature {} is required but could not be found ({})", file(),
           where_.index, spec.key, spec.describe());
    const int64_t n = s.present ? feature(s, out) : 0;
    if (spec.kind == FeatureKind::kFixedLenSequence) {
      const int64_t width = spec.width();
      if (width == 0 ? n != 0 : n % width != 0)
        fail(Code::kInvalidArgument,
             "{}: record {}: feature {}: {} values are not a whole number of steps of {} values "
             "({})",
             file(), where_.index, spec.key, n, width, spec.describe());
    }
    out.row_splits.push_back(out.num_values());
  }

  void run(const uint8_t* data, size_t size) {
    begin_ = data;
    const uint8_t* p = data;
    const uint8_t* end = data + size;
    const size_t nctx = b_.spec_->context().size();
    const size_t nall = b_.features_.size();
    for (Span& s : b_.spans_) s = Span{};
    const bool sequence_example = b_.type_ == RecordType::kSequenceExample;
    const char* top = sequence_example ? "SequenceExample" : "Example";
    Field f;
    while (next(p, end, f, top)) {
      if (f.number == 1) {
        expect_len(f, top, sequence_example ? "context" : "features");
        // An Example's features also hold what the spec calls sequence features.
        scan_map(f.data, f.data + f.size, "Features", 0, sequence_example ? nctx : nall);
      } else if (f.number == 2 && sequence_example) {
        expect_len(f, top, "feature_lists");
        scan_map(f.data, f.data + f.size, "FeatureLists", nctx, nall - nctx);
      }
    }
    for (size_t i = 0; i < nall; ++i) materialize(b_.features_[i], b_.spans_[i]);
  }

 private:
  DecodedBatch& b_;
  const RecordLocation& where_;
  const uint8_t* begin_ = nullptr;
  const std::string* key_ = nullptr;
};

void DecodedBatch::reset(const ParseSpec& spec, RecordType type) {
  spec_ = &spec;
  type_ = type;
  size_ = 0;
  features_.resize(spec.size());
  spans_.resize(spec.size());
  marks_.resize(spec.size());
  for (size_t i = 0; i < spec.size(); ++i) {
    DecodedFeature& f = features_[i];
    f.spec = &spec.at(i);
    f.has_steps = f.spec->sequence && type == RecordType::kSequenceExample;
    f.row_splits.clear();
    f.step_splits.clear();
    f.int64s.clear();
    f.floats.clear();
    f.offsets.clear();
    f.bytes.clear();
    if (f.spec->kind != FeatureKind::kFixedLen) f.row_splits.push_back(0);
    if (f.has_steps) f.step_splits.push_back(0);
    if (f.spec->dtype == DType::kString) f.offsets.push_back(0);
  }
}

const DecodedFeature* DecodedBatch::find(std::string_view key) const {
  for (const DecodedFeature& f : features_)
    if (f.spec->key == key) return &f;
  return nullptr;
}

void DecodedBatch::mark() {
  for (size_t i = 0; i < features_.size(); ++i) {
    const DecodedFeature& f = features_[i];
    marks_[i] = {f.row_splits.size(), f.step_splits.size(), f.int64s.size(),
                 f.floats.size(),     f.offsets.size(),     f.bytes.size()};
  }
}

void DecodedBatch::rollback() {
  for (size_t i = 0; i < features_.size(); ++i) {
    DecodedFeature& f = features_[i];
    const Mark& m = marks_[i];
    f.row_splits.resize(m.row_splits);
    f.step_splits.resize(m.step_splits);
    f.int64s.resize(m.int64s);
    f.floats.resize(m.floats);
    f.offsets.resize(m.offsets);
    f.bytes.resize(m.bytes);
  }
}

void DecodedBatch::decode(const char* data, size_t size, const RecordLocation& where) {
  if (spec_ == nullptr) fail(Code::kInternal, "DecodedBatch::decode before reset");
  mark();
  try {
    Decoder(*this, where).run(reinterpret_cast<const uint8_t*>(data), size);
  } catch (...) {
    rollback();
    throw;
  }
  ++size_;
}

namespace {

template <class T>
void append_shifted(std::vector<T>& dst, const std::vector<T>& src, T shift) {
  // src[0] is 0 (the first split), dst already ends with the base: skip it.
  const size_t base = dst.size();
  dst.resize(base + src.size() - 1);
  T* out = dst.data() + base;
  for (size_t i = 1; i < src.size(); ++i) out[i - 1] = src[i] + shift;
}

template <class T>
void append_all(std::vector<T>& dst, const std::vector<T>& src) {
  dst.insert(dst.end(), src.begin(), src.end());
}

}  // namespace

void DecodedBatch::append(const DecodedBatch& other) {
  for (size_t i = 0; i < features_.size(); ++i) {
    DecodedFeature& f = features_[i];
    const DecodedFeature& o = other.features_[i];
    if (!f.row_splits.empty()) {
      const int64_t outer = f.has_steps ? f.num_steps() : f.num_values();
      append_shifted(f.row_splits, o.row_splits, outer);
    }
    if (f.has_steps) append_shifted(f.step_splits, o.step_splits, f.num_values());
    if (f.spec->dtype == DType::kString) {
      append_shifted(f.offsets, o.offsets, static_cast<int64_t>(f.bytes.size()));
      append_all(f.bytes, o.bytes);
    } else {
      append_all(f.int64s, o.int64s);
      append_all(f.floats, o.floats);
    }
  }
  size_ += other.size_;
}

void DecodedBatch::add_to(Batch& batch) const {
  for (const DecodedFeature& f : features_) {
    FeatureInput in;
    in.key = f.spec->key;
    in.dtype = f.spec->dtype;
    in.num_values = f.num_values();
    switch (f.spec->dtype) {
      case DType::kInt64: in.values = f.int64s.data(); break;
      case DType::kFloat32: in.values = f.floats.data(); break;
      default: in.strings = {f.offsets.data(), f.bytes.data(), nullptr};
    }
    if (f.spec->kind == FeatureKind::kFixedLen) {
      in.form = InputForm::kDense;
      in.shape.push_back(size_);
      in.shape.insert(in.shape.end(), f.spec->shape.begin(), f.spec->shape.end());
    } else {
      in.form = InputForm::kRagged;
      in.batch_size = size_;
      in.row_splits = f.row_splits.data();
      if (f.has_steps) {
        in.step_splits = f.step_splits.data();
        in.num_steps = f.num_steps();
      }
    }
    batch.add(std::move(in));
  }
}

}  // namespace seqfeat
