// TFRecord framing, CRC32C, the wire-format decoder and the streaming reader, against
// published CRC vectors and records encoded by hand in this file.
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crc32c.h"
#include "error.h"
#include "example_parser.h"
#include "example_reader.h"
#include "parse_spec.h"
#include "tfrecord.h"
#include "../common/proto_encode.h"

namespace seqfeat {
namespace {

using namespace seqfeat::test::proto;  // NOLINT

// ------------------------------------------------------------------------------- helpers

// Bit-at-a-time CRC-32C: the obviously correct reference.
uint32_t crc32c_bitwise(const std::string& s) {
  uint32_t c = 0xffffffffu;
  for (unsigned char byte : s) {
    c ^= byte;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1u) ? 0x82F63B78u : 0u);
  }
  return ~c;
}

std::string le64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
uint32_t masked(const std::string& s) {
  const uint32_t c = crc32c_bitwise(s);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}
// One framed record, built independently of RecordWriter.
std::string frame(const std::string& data) {
  const std::string len = le64(data.size());
  return len + le32(masked(len)) + data + le32(masked(data));
}

FeatureSpec var_len(std::string key, DType dtype, bool sequence) {
  FeatureSpec s;
  s.key = std::move(key);
  s.kind = FeatureKind::kVarLen;
  s.dtype = dtype;
  s.sequence = sequence;
  return s;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/seqfeat_tfrecord_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}
std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string error_of(const std::function<void()>& fn, Code* code = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (code) *code = e.code();
    return e.what();
  }
  return "(no error)";
}

// ------------------------------------------------------------------------------- CRC32C

TEST(Crc32c, PublishedVectors) {
  // RFC 3720 (iSCSI) appendix B.4 and the common check value.
  const std::string zeros(32, '\0'), ones(32, '\xff');
  std::string up(32, '\0'), down(32, '\0');
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<char>(i);
    down[i] = static_cast<char>(31 - i);
  }
  const std::vector<std::pair<std::string, uint32_t>> vectors = {
      {zeros, 0x8A9136AAu}, {ones, 0x62A8AB43u},     {up, 0x46DD794Eu},
      {down, 0x113FDB5Cu},  {"123456789", 0xE3069283u}, {"", 0u}};
  for (const auto& [data, want] : vectors) {
    EXPECT_EQ(crc32c_portable(data.data(), data.size()), want);
    EXPECT_EQ(crc32c_bitwise(data), want);
    if (crc32c_has_hardware()) EXPECT_EQ(crc32c_hardware(data.data(), data.size()), want);
    EXPECT_EQ(crc32c(data.data(), data.size()), want);
  }
}

TEST(Crc32c, RandomInputsAndContinuationMatchBitwise) {
  std::mt19937 rng(7);
  for (int len = 0; len < 300; len += 7) {
    std::string s(len, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    const uint32_t want = crc32c_bitwise(s);
    EXPECT_EQ(crc32c_portable(s.data(), s.size()), want) << len;
    EXPECT_EQ(crc32c(s.data(), s.size()), want) << len;
    const size_t cut = s.size() / 3;
    EXPECT_EQ(crc32c(s.data() + cut, s.size() - cut, crc32c(s.data(), cut)), want) << len;
    EXPECT_EQ(crc32c_portable(s.data() + cut, s.size() - cut, crc32c_portable(s.data(), cut)),
              want);
  }
}

TEST(Crc32c, MaskRoundTrips) {
  for (uint32_t c : {0u, 1u, 0x8A9136AAu, 0xffffffffu}) {
    EXPECT_EQ(unmask_crc(mask_crc(c)), c);
    EXPECT_EQ(mask_crc(c), ((c >> 15) | (c << 17)) + 0xa282ead8u);
  }
  EXPECT_NE(mask_crc(0x8A9136AAu), 0x8A9136AAu);
}

// ------------------------------------------------------------------------------- framing

TEST(TFRecord, WriterOutputIsTheFramingByteForByte) {
  TempDir dir;
  const std::vector<std::string> records = {"", "a", std::string(1000, 'x'), "hello\0world"};
  {
    RecordWriter w(dir.file("r"), Compression::kNone);
    for (const auto& r : records) w.write(r.data(), r.size());
    w.close();
  }
  std::string want;
  for (const auto& r : records) want += frame(r);
  EXPECT_EQ(read_bytes(dir.file("r")), want);

  RecordFileReader reader(dir.file("r"), Compression::kNone);
  std::vector<char> arena;
  for (size_t i = 0; i < records.size(); ++i) {
    uint32_t crc = 0;
    const size_t base = arena.size();
    ASSERT_TRUE(reader.next(arena, &crc));
    EXPECT_EQ(std::string(arena.data() + base, arena.size() - base), records[i]);
    EXPECT_EQ(crc, masked(records[i]));
  }
  uint32_t crc;
  EXPECT_FALSE(reader.next(arena, &crc));
  EXPECT_EQ(reader.records(), 4);
}

TEST(TFRecord, CompressedFilesHoldTheSameStream) {
  TempDir dir;
  std::vector<std::string> records;
  for (int i = 0; i < 50; ++i) records.push_back(std::string(100 + i, static_cast<char>('a' + i % 26)));
  std::string plain;
  for (const auto& r : records) plain += frame(r);
  for (Compression c : {Compression::kGzip, Compression::kZlib}) {
    const std::string path = dir.file(c == Compression::kGzip ? "g" : "z");
    {
      RecordWriter w(path, c);
      for (const auto& r : records) w.write(r.data(), r.size());
      w.close();
    }
    // zlib's own one-shot decoder sees exactly the plain framing.
    const std::string packed = read_bytes(path);
    z_stream z{};
    ASSERT_EQ(inflateInit2(&z, c == Compression::kGzip ? MAX_WBITS + 16 : MAX_WBITS), Z_OK);
    std::string out(plain.size() + 16, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
    z.avail_in = static_cast<uInt>(packed.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
    out.resize(z.total_out);
    inflateEnd(&z);
    EXPECT_EQ(out, plain);

    RecordFileReader reader(path, c);
    std::vector<char> arena;
    uint32_t crc;
    int n = 0;
    size_t base = 0;
    while (reader.next(arena, &crc)) {
      EXPECT_EQ(std::string(arena.data() + base, arena.size() - base), records[n]);
      base = arena.size();
      ++n;
    }
    EXPECT_EQ(n, 50);
    EXPECT_EQ(reader.consumed(), packed.size());
  }
}

TEST(TFRecord, FramingErrorsNameFileAndRecord) {
  TempDir dir;
  const std::string good = frame("abc") + frame("defgh");
  auto read_all = [&](const std::string& bytes, Compression c = Compression::kNone) {
    write_bytes(dir.file("bad"), bytes);
    RecordFileReader reader(dir.file("bad"), c);
    std::vector<char> arena;
    uint32_t crc;
    while (reader.next(arena, &crc)) {
    }
  };
  Code code = Code::kOk;
  std::string msg = error_of([&] { read_all(good.substr(0, good.size() - 2)); }, &code);
  EXPECT_EQ(code, Code::kIo);
  EXPECT_NE(msg.find(dir.file("bad")), std::string::npos) << msg;
  EXPECT_NE(msg.find("record 1: truncated record"), std::string::npos) << msg;

  msg = error_of([&] { read_all(good + std::string("\x05\x00\x00", 3)); });
  EXPECT_NE(msg.find("record 2: truncated header (3 of 12 bytes"), std::string::npos) << msg;

  std::string bad_len = good;
  bad_len[frame("abc").size()] = 9;  // length of record 1 changed, its CRC not
  msg = error_of([&] { read_all(bad_len); });
  EXPECT_NE(msg.find("record 1: corrupted record: the CRC of the length (9)"), std::string::npos)
      << msg;

  // A length with a valid CRC but past the end of the file.
  const std::string huge_len = le64(uint64_t{1} << 40);
  msg = error_of([&] { read_all(huge_len + le32(masked(huge_len)) + "xyz"); });
  EXPECT_NE(msg.find("record 0: truncated record: length 1099511627776"), std::string::npos)
      << msg;

  // Compressed: the same length read through zlib stops at the real data.
  {
    RecordWriter w(dir.file("gz"), Compression::kGzip);
    w.close();
  }
  const std::string gz_bytes = read_bytes(dir.file("gz"));
  msg = error_of([&] { read_all(gz_bytes.substr(0, gz_bytes.size() / 2), Compression::kGzip); });
  EXPECT_NE(msg.find("truncated GZIP stream"), std::string::npos) << msg;
  msg = error_of([&] { read_all("not gzip at all", Compression::kGzip); });
  EXPECT_NE(msg.find("corrupt GZIP data"), std::string::npos) << msg;

  msg = error_of([&] { RecordFileReader r(dir.file("missing"), Compression::kNone); }, &code);
  EXPECT_EQ(code, Code::kNotFound);
  EXPECT_NE(msg.find(dir.file("missing")), std::string::npos);
}

// ------------------------------------------------------------------------------- decoding

ParseSpec s1_like_spec() {
  ParseSpec spec;
  FeatureSpec label;
  label.key = "label";
  label.kind = FeatureKind::kFixedLen;
  label.dtype = DType::kFloat32;
  label.shape = {2};
  label.has_default = true;
  label.default_float = {-1.f};
  spec.add(label);
  spec.add(var_len("tags", DType::kString, false));
  spec.add(var_len("tokens", DType::kString, true));
  spec.add(var_len("ids", DType::kInt64, true));
  FeatureSpec pos;
  pos.key = "pos";
  pos.kind = FeatureKind::kFixedLenSequence;
  pos.dtype = DType::kFloat32;
  pos.shape = {2};
  pos.sequence = true;
  pos.allow_missing = true;
  spec.add(pos);
  return spec;
}

TEST(ExampleParser, SequenceExampleEveryKind) {
  const ParseSpec spec = s1_like_spec();
  DecodedBatch b;
  b.reset(spec, RecordType::kSequenceExample);
  const std::string rec0 = sequence_example(
      {{"label", float_list({1.5f, 2.5f})},
       {"tags", bytes_list({"x", "yz"})},
       {"unused", int64_list({1, 2, 3})}},
      {{"tokens", feature_list({bytes_list({"a"}), bytes_list({}), bytes_list({"b", "cc"})})},
       {"ids", feature_list({int64_list({5, -1}), int64_list({7}, false)})},
       {"pos", feature_list({float_list({0.f, 1.f}), float_list({2.f, 3.f}, false)})},
       {"other", feature_list({int64_list({9})})}});
  // Missing everything: defaults, empty lists, zero steps.
  const std::string rec1 = sequence_example({}, {});
  // Duplicate key: the last entry wins; an empty Feature is an empty step.
  const std::string rec2 = sequence_example(
      {{"tags", bytes_list({"old"})}, {"tags", bytes_list({"new"})}},
      {{"ids", feature_list({std::string(), int64_list({3})})}});
  RecordLocation where{nullptr, 0};
  b.decode(rec0.data(), rec0.size(), where);
  b.decode(rec1.data(), rec1.size(), where);
  b.decode(rec2.data(), rec2.size(), where);
  ASSERT_EQ(b.size(), 3);

  const DecodedFeature& label = *b.find("label");
  EXPECT_EQ(label.floats, (std::vector<float>{1.5f, 2.5f, -1.f, -1.f, -1.f, -1.f}));
  EXPECT_TRUE(label.row_splits.empty());

  const DecodedFeature& tags = *b.find("tags");
  EXPECT_EQ(tags.row_splits, (std::vector<int64_t>{0, 2, 2, 3}));
  EXPECT_EQ(tags.offsets, (std::vector<int64_t>{0, 1, 3, 6}));
  EXPECT_EQ(std::string(tags.bytes.begin(), tags.bytes.end()), "xyznew");

  const DecodedFeature& tokens = *b.find("tokens");
  EXPECT_EQ(tokens.row_splits, (std::vector<int64_t>{0, 3, 3, 3}));
  EXPECT_EQ(tokens.step_splits, (std::vector<int64_t>{0, 1, 1, 3}));
  EXPECT_EQ(std::string(tokens.bytes.begin(), tokens.bytes.end()), "abcc");

  const DecodedFeature& ids = *b.find("ids");
  EXPECT_EQ(ids.row_splits, (std::vector<int64_t>{0, 2, 2, 4}));
  EXPECT_EQ(ids.step_splits, (std::vector<int64_t>{0, 2, 3, 3, 4}));
  EXPECT_EQ(ids.int64s, (std::vector<int64_t>{5, -1, 7, 3}));

  const DecodedFeature& pos = *b.find("pos");
  EXPECT_EQ(pos.row_splits, (std::vector<int64_t>{0, 2, 2, 2}));
  EXPECT_EQ(pos.floats, (std::vector<float>{0.f, 1.f, 2.f, 3.f}));
}

TEST(ExampleParser, ExampleRecordsReadSequenceFeaturesFromFeatures) {
  ParseSpec spec;
  spec.add(var_len("ids", DType::kInt64, true));
  spec.add(var_len("w", DType::kFloat32, false));
  DecodedBatch b;
  b.reset(spec, RecordType::kExample);
  const std::string r0 = example({{"ids", int64_list({1, 2, 3})}, {"w", float_list({0.5f})}});
  const std::string r1 = example({{"ids", int64_list({4})}});
  b.decode(r0.data(), r0.size(), {});
  b.decode(r1.data(), r1.size(), {});
  EXPECT_EQ(b.find("ids")->row_splits, (std::vector<int64_t>{0, 3, 4}));
  EXPECT_TRUE(b.find("ids")->step_splits.empty());
  EXPECT_EQ(b.find("ids")->int64s, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(b.find("w")->row_splits, (std::vector<int64_t>{0, 1, 1}));
}

// Found by fuzz_record_decode: an empty packed float list as the first floats of a batch
// copied zero bytes into a vector's null data() (undefined behaviour, reported by UBSan).
TEST(ExampleParser, EmptyPackedListsDecodeToNoValues) {
  ParseSpec spec;
  spec.add(var_len("w", DType::kFloat32, false));
  spec.add(var_len("ids", DType::kInt64, false));
  DecodedBatch b;
  b.reset(spec, RecordType::kExample);
  const std::string r0 = example({{"w", float_list({})}, {"ids", int64_list({})}});
  const std::string r1 = example({{"w", float_list({2.5f})}, {"ids", int64_list({7})}});
  b.decode(r0.data(), r0.size(), {});
  b.decode(r1.data(), r1.size(), {});
  EXPECT_EQ(b.find("w")->row_splits, (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(b.find("w")->floats, (std::vector<float>{2.5f}));
  EXPECT_EQ(b.find("ids")->row_splits, (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(b.find("ids")->int64s, (std::vector<int64_t>{7}));
}

TEST(ExampleParser, OneofKeepsTheLastKindAndMergesRepeats) {
  ParseSpec spec;
  spec.add(var_len("f", DType::kInt64, false));
  DecodedBatch b;
  b.reset(spec, RecordType::kExample);
  // bytes_list then int64_list: the oneof holds the int64 list; two int64 lists merge.
  const std::string feature = bytes_list({"zz"}) + int64_list({1}) + int64_list({2, 3});
  const std::string rec = example({{"f", feature}});
  b.decode(rec.data(), rec.size(), {});
  EXPECT_EQ(b.find("f")->int64s, (std::vector<int64_t>{1, 2, 3}));
  // int64 then bytes: a bytes list where int64 is asked for.
  const std::string rec2 = example({{"f", int64_list({1}) + bytes_list({"zz"})}});
  Code code;
  const std::string name = "data.tfrecord";
  const std::string msg = error_of([&] { b.decode(rec2.data(), rec2.size(), {&name, 7}); }, &code);
  EXPECT_EQ(code, Code::kDtypeMismatch);
  EXPECT_NE(msg.find("data.tfrecord: record 7: feature f: data type mismatch: the spec asks for "
                     "int64_list (int64) but the record holds a bytes_list"),
            std::string::npos)
      << msg;
  EXPECT_EQ(b.size(), 1);
  EXPECT_EQ(b.find("f")->int64s.size(), 3u);  // the failed record left nothing behind
}

TEST(ExampleParser, MalformedRecordsAreErrorsNamingRecordAndKey) {
  const ParseSpec spec = s1_like_spec();
  const std::string name = "f.tfrecord";
  auto msg_of = [&](const std::string& rec, Code* code = nullptr) {
    DecodedBatch b;
    b.reset(spec, RecordType::kSequenceExample);
    std::string m = error_of([&] { b.decode(rec.data(), rec.size(), {&name, 3}); }, code);
    EXPECT_EQ(b.size(), 0);
    for (const auto& f : b.features()) EXPECT_EQ(f.num_values(), 0) << f.spec->key;
    return m;
  };
  Code code = Code::kOk;
  // A varint that never ends.
  std::string m = msg_of(std::string("\x0a\xff\xff", 3), &code);
  EXPECT_EQ(code, Code::kInvalidArgument);
  EXPECT_NE(m.find("f.tfrecord: record 3: malformed SequenceExample at byte 0"), std::string::npos)
      << m;
  // A nested length past the end of the record.
  m = msg_of(tag(1, 2) + varint(100) + "abc");
  EXPECT_NE(m.find("nested length 100 runs past the end of its message (3 bytes left)"),
            std::string::npos)
      << m;
  // context with wire type 0 instead of a message.
  m = msg_of(tag(1, 0) + varint(5));
  EXPECT_NE(m.find("field 1 (context) has wire type 0, expected 2"), std::string::npos) << m;
  // Group wire type.
  m = msg_of(tag(4, 3));
  EXPECT_NE(m.find("wire type 3"), std::string::npos) << m;
  // Packed int64 with a truncated varint inside a feature list: names the key.
  const std::string bad_ids = len_field(3, len_field(1, std::string("\x01\x82", 2)));
  m = msg_of(sequence_example({}, {{"ids", feature_list({bad_ids})}}));
  EXPECT_NE(m.find("record 3: feature ids: malformed int64_list"), std::string::npos) << m;
  EXPECT_NE(m.find("bad varint in packed values"), std::string::npos) << m;
  // Floats with a length that is not a multiple of 4.
  m = msg_of(sequence_example({{"label", len_field(2, len_field(1, "abcde"))}}, {}));
  EXPECT_NE(m.find("feature label: malformed float_list"), std::string::npos) << m;
  // Float value with a varint wire type.
  m = msg_of(sequence_example({{"label", len_field(2, tag(1, 0) + varint(3))}}, {}));
  EXPECT_NE(m.find("feature label: malformed float_list: value field has wire type 0, expected 5 "
                   "or 2"),
            std::string::npos)
      << m;
  // Wrong value count for a FixedLenFeature.
  m = msg_of(sequence_example({{"label", float_list({1.f, 2.f, 3.f})}}, {}));
  EXPECT_NE(m.find("record 3: feature label: 3 values, but FixedLenFeature(shape=(2), "
                   "dtype=float32, default_value=...) needs 2"),
            std::string::npos)
      << m;
  // A step of a FixedLenSequenceFeature with the wrong count.
  m = msg_of(sequence_example({}, {{"pos", feature_list({float_list({1, 2}), float_list({3})})}}));
  EXPECT_NE(m.find("feature list pos, step 1: 1 values"), std::string::npos) << m;
  // Wrong kind in a feature list.
  m = msg_of(sequence_example({}, {{"tokens", feature_list({int64_list({1})})}}), &code);
  EXPECT_EQ(code, Code::kDtypeMismatch);
  EXPECT_NE(m.find("feature tokens: data type mismatch"), std::string::npos) << m;
}

TEST(ExampleParser, MissingRequiredFeatures) {
  ParseSpec spec;
  FeatureSpec req;
  req.key = "age";
  req.kind = FeatureKind::kFixedLen;
  req.dtype = DType::kInt64;
  spec.add(req);
  FeatureSpec list;
  list.key = "frames";
  list.kind = FeatureKind::kFixedLenSequence;
  list.dtype = DType::kFloat32;
  list.sequence = true;
  spec.add(list);
  DecodedBatch b;
  b.reset(spec, RecordType::kSequenceExample);
  const std::string name = "x";
  std::string rec = sequence_example({}, {{"frames", feature_list({float_list({1})})}});
  std::string m = error_of([&] { b.decode(rec.data(), rec.size(), {&name, 0}); });
  EXPECT_NE(m.find("x: record 0: feature age (data type: int64) is required but could not be "
                   "found"),
            std::string::npos)
      << m;
  rec = sequence_example({{"age", int64_list({30})}}, {});
  m = error_of([&] { b.decode(rec.data(), rec.size(), {&name, 1}); });
  EXPECT_NE(m.find("x: record 1: feature list frames is required but could not be found"),
            std::string::npos)
      << m;
  rec = sequence_example({{"age", int64_list({30})}}, {{"frames", feature_list({})}});
  b.decode(rec.data(), rec.size(), {&name, 2});
  EXPECT_EQ(b.find("age")->int64s, (std::vector<int64_t>{30}));
  EXPECT_EQ(b.find("frames")->row_splits, (std::vector<int64_t>{0, 0}));
}

TEST(ParseSpec, RejectsBadSpecs) {
  ParseSpec spec;
  spec.add(var_len("a", DType::kInt64, false));
  EXPECT_NE(error_of([&] { spec.add(var_len("a", DType::kString, true)); })
                .find("feature key a is given twice"),
            std::string::npos);
  EXPECT_NE(error_of([&] { spec.add(var_len("b", DType::kFloat64, false)); })
                .find("dtype float64 cannot be parsed"),
            std::string::npos);
  FeatureSpec fixed;
  fixed.key = "c";
  fixed.kind = FeatureKind::kFixedLen;
  fixed.shape = {3};
  fixed.has_default = true;
  fixed.default_int64 = {1, 2};
  EXPECT_NE(error_of([&] { spec.add(fixed); }).find("default_value has 2 values"),
            std::string::npos);
}

// ------------------------------------------------------------------------------- reader

// 3 files of 7, 0 and 12 records; record i (over all files) holds ids [i, i+1] per step and
// i % 4 steps.
std::vector<std::string> write_files(const TempDir& dir, Compression c) {
  std::vector<std::string> files;
  int64_t i = 0;
  for (int n : {7, 0, 12}) {
    files.push_back(dir.file("part" + std::to_string(files.size())));
    RecordWriter w(files.back(), c);
    for (int k = 0; k < n; ++k, ++i) {
      std::vector<std::string> steps;
      for (int64_t s = 0; s < i % 4; ++s) steps.push_back(int64_list({i, i + s}));
      const std::string rec = sequence_example({{"n", int64_list({i})}}, {{"ids", feature_list(steps)}});
      w.write(rec.data(), rec.size());
    }
    w.close();
  }
  return files;
}

ParseSpec reader_spec() {
  ParseSpec spec;
  spec.add(var_len("n", DType::kInt64, false));
  spec.add(var_len("ids", DType::kInt64, true));
  return spec;
}

TEST(ExampleReader, EveryRecordOnceInFileOrderForAnyBatchSizeAndThreads) {
  TempDir dir;
  for (Compression c : {Compression::kNone, Compression::kGzip}) {
    const auto files = write_files(dir, c);
    for (int threads : {1, 2, 3}) {
      for (int64_t batch : {1, 5, 19, 64}) {
        ReaderOptions opts;
        opts.compression = c;
        opts.num_threads = threads;
        ExampleReader reader(files, reader_spec(), opts);
        std::vector<int64_t> seen;
        int64_t steps_total = 0;
        for (;;) {
          auto b = reader.next(batch);
          if (b->size() == 0) break;
          EXPECT_LE(b->size(), batch);
          const DecodedFeature& n = *b->find("n");
          const DecodedFeature& ids = *b->find("ids");
          for (int64_t r = 0; r < b->size(); ++r) {
            const int64_t i = n.int64s[n.row_splits[r]];
            seen.push_back(i);
            ASSERT_EQ(ids.row_splits[r + 1] - ids.row_splits[r], i % 4);
            for (int64_t s = ids.row_splits[r]; s < ids.row_splits[r + 1]; ++s) {
              const int64_t step = s - ids.row_splits[r];
              ASSERT_EQ(ids.step_splits[s + 1] - ids.step_splits[s], 2);
              EXPECT_EQ(ids.int64s[ids.step_splits[s]], i);
              EXPECT_EQ(ids.int64s[ids.step_splits[s] + 1], i + step);
            }
            steps_total += i % 4;
          }
        }
        std::vector<int64_t> want(19);
        for (int64_t i = 0; i < 19; ++i) want[i] = i;
        EXPECT_EQ(seen, want) << "threads " << threads << " batch " << batch;
        EXPECT_EQ(reader.next(batch)->size(), 0);
        const ReaderProgress p = reader.progress();
        EXPECT_EQ(p.records, 19);
        EXPECT_EQ(p.files_done, 3);
        EXPECT_EQ(p.bytes_read, p.bytes_total);
      }
    }
  }
}

TEST(ExampleReader, LargeBatchesSplitOverThreadsEqualOneThread) {
  TempDir dir;
  std::vector<std::string> files{dir.file("big")};
  {
    RecordWriter w(files[0], Compression::kNone);
    std::mt19937 rng(3);
    for (int i = 0; i < 500; ++i) {
      std::vector<std::string> steps;
      for (int s = 0; s < static_cast<int>(rng() % 9); ++s)
        steps.push_back(bytes_list({std::string(rng() % 5, static_cast<char>('a' + s))}));
      const std::string rec = sequence_example({{"n", int64_list({i})}}, {{"tok", feature_list(steps)}});
      w.write(rec.data(), rec.size());
    }
  }
  ParseSpec spec;
  spec.add(var_len("n", DType::kInt64, false));
  spec.add(var_len("tok", DType::kString, true));
  auto read = [&](int threads) {
    ReaderOptions opts;
    opts.num_threads = threads;
    ExampleReader reader(files, spec, opts);
    return reader.next(400);
  };
  auto one = read(1);
  auto two = read(2);
  ASSERT_EQ(one->size(), 400);
  ASSERT_EQ(two->size(), 400);
  for (size_t f = 0; f < one->features().size(); ++f) {
    const DecodedFeature& a = one->features()[f];
    const DecodedFeature& b = two->features()[f];
    EXPECT_EQ(a.row_splits, b.row_splits);
    EXPECT_EQ(a.step_splits, b.step_splits);
    EXPECT_EQ(a.int64s, b.int64s);
    EXPECT_EQ(a.offsets, b.offsets);
    EXPECT_EQ(a.bytes, b.bytes);
  }
}

TEST(ExampleReader, CorruptRecordsFailOrAreSkippedAndCounted) {
  TempDir dir;
  auto rec = [](int64_t i) { return sequence_example({{"n", int64_list({i})}}, {}); };
  std::string bytes;
  for (int i = 0; i < 6; ++i) {
    std::string f = frame(rec(i));
    if (i == 2) f[f.size() - 1] ^= 1;             // data CRC broken
    if (i == 4) f = frame(tag(1, 2) + varint(50));  // nested length past the record
    bytes += f;
  }
  bytes += frame(rec(6)).substr(0, 10);  // truncated tail
  write_bytes(dir.file("c"), bytes);
  const std::vector<std::string> files{dir.file("c"), dir.file("c")};

  ReaderOptions strict;
  ExampleReader reader(files, reader_spec(), strict);
  Code code;
  std::string m = error_of([&] { reader.next(100); }, &code);
  EXPECT_EQ(code, Code::kIo);
  EXPECT_NE(m.find(dir.file("c") + ": record 2: corrupted record: the CRC of its"),
            std::string::npos)
      << m;
  EXPECT_EQ(error_of([&] { reader.next(100); }), m);  // the reader stays failed

  for (int threads : {1, 2}) {
    ReaderOptions skip;
    skip.skip_corrupt = true;
    skip.num_threads = threads;
    ExampleReader r2(files, reader_spec(), skip);
    std::vector<int64_t> seen;
    for (auto b = r2.next(3); b->size() > 0; b = r2.next(3))
      for (int64_t v : b->find("n")->int64s) seen.push_back(v);
    EXPECT_EQ(seen, (std::vector<int64_t>{0, 1, 3, 5, 0, 1, 3, 5}));
    EXPECT_EQ(r2.progress().skipped, 6);  // per file: CRC, protobuf, truncated tail
    EXPECT_EQ(r2.progress().records, 8);
  }
}

TEST(ExampleReader, MissingFileIsNotFoundAtOpen) {
  Code code;
  const std::string m = error_of(
      [&] { ExampleReader r({"/nonexistent/x.tfrecord"}, reader_spec(), ReaderOptions{}); },
      &code);
  EXPECT_EQ(code, Code::kNotFound);
  EXPECT_NE(m.find("/nonexistent/x.tfrecord: cannot open"), std::string::npos);
}

}  // namespace
}  // namespace seqfeat
