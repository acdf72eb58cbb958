// C ABI of the TFRecord reader: spec building, reading into a seqfeat_batch, packing a layer
// from the reader's batch against the same data given as ragged arrays, and errors.
#include <seqfeat/seqfeat.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "../common/proto_encode.h"

namespace {

using namespace seqfeat::test::proto;  // NOLINT

struct Dir {
  std::string path;
  Dir() {
    char tmpl[] = "/tmp/seqfeat_capi_tfrecord_XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~Dir() { std::filesystem::remove_all(path); }
};

void write_records(const std::string& path, const std::vector<std::string>& records,
                   int32_t compression = SEQFEAT_COMPRESSION_NONE) {
  seqfeat_record_writer* w = nullptr;
  ASSERT_EQ(seqfeat_record_writer_open(path.c_str(), compression, &w), SEQFEAT_OK);
  for (const auto& r : records)
    ASSERT_EQ(seqfeat_record_writer_write(w, r.data(), r.size()), SEQFEAT_OK);
  ASSERT_EQ(seqfeat_record_writer_close(w), SEQFEAT_OK);
  seqfeat_record_writer_free(w);
}

// Record b: token ids b*10 + t for t < b % 3 + 1 steps; context "age" = b.
std::vector<std::string> make_records(int n) {
  std::vector<std::string> out;
  for (int b = 0; b < n; ++b) {
    std::vector<std::string> steps;
    for (int t = 0; t <= b % 3; ++t) steps.push_back(int64_list({b * 10 + t}));
    out.push_back(sequence_example({{"age", float_list({static_cast<float>(b)})}},
                                   {{"ids", feature_list(steps)}}));
  }
  return out;
}

TEST(CapiTFRecord, ReaderFromColumnsPacksLikeTheSameRaggedData) {
  Dir dir;
  const std::string file = dir.path + "/data.tfrecord";
  write_records(file, make_records(10), SEQFEAT_COMPRESSION_ZLIB);

  seqfeat_column* ids = nullptr;
  ASSERT_EQ(seqfeat_identity_column_create("ids", 1, 100, SEQFEAT_NO_DEFAULT, &ids), SEQFEAT_OK);
  seqfeat_embedding_options eo;
  seqfeat_embedding_options_default(&eo);
  eo.dimension = 4;
  seqfeat_column* emb = nullptr;
  ASSERT_EQ(seqfeat_embedding_column_create(ids, &eo, &emb), SEQFEAT_OK);
  seqfeat_column* age = nullptr;
  ASSERT_EQ(seqfeat_numeric_column_create("age", 0, nullptr, &age), SEQFEAT_OK);
  const seqfeat_column* cols[] = {emb, age};

  seqfeat_parse_spec* spec = nullptr;
  ASSERT_EQ(seqfeat_parse_spec_from_columns(cols, 2, &spec), SEQFEAT_OK);
  ASSERT_EQ(seqfeat_parse_spec_num_features(spec), 2u);
  seqfeat_feature_spec f;
  seqfeat_feature_spec_default(&f);
  ASSERT_EQ(seqfeat_parse_spec_feature(spec, 0, &f), SEQFEAT_OK);
  EXPECT_STREQ(f.key, "age");  // context first
  EXPECT_EQ(f.kind, SEQFEAT_FEATURE_FIXED_LEN);
  EXPECT_EQ(f.dtype, SEQFEAT_DTYPE_FLOAT32);
  ASSERT_EQ(f.shape_rank, 1u);
  EXPECT_EQ(f.shape[0], 1);
  EXPECT_EQ(f.has_default, 0);
  ASSERT_EQ(seqfeat_parse_spec_feature(spec, 1, &f), SEQFEAT_OK);
  EXPECT_STREQ(f.key, "ids");
  EXPECT_EQ(f.kind, SEQFEAT_FEATURE_VAR_LEN);
  EXPECT_EQ(f.dtype, SEQFEAT_DTYPE_INT64);
  EXPECT_EQ(f.sequence, 1);

  seqfeat_reader_options ro;
  seqfeat_reader_options_default(&ro);
  ro.compression = SEQFEAT_COMPRESSION_ZLIB;
  const char* files[] = {file.c_str()};
  seqfeat_record_reader* reader = nullptr;
  ASSERT_EQ(seqfeat_record_reader_open(files, 1, spec, &ro, &reader), SEQFEAT_OK);

  seqfeat_features* layer = nullptr;
  const seqfeat_column* seq_cols[] = {emb};
  ASSERT_EQ(seqfeat_features_create(seq_cols, 1, &layer), SEQFEAT_OK);

  seqfeat_batch* batch = nullptr;
  ASSERT_EQ(seqfeat_batch_create(&batch), SEQFEAT_OK);
  int first = 0;
  for (size_t count = 0;; first += static_cast<int>(count)) {
    ASSERT_EQ(seqfeat_record_reader_next(reader, 4, batch, &count), SEQFEAT_OK);
    if (count == 0) break;
    ASSERT_EQ(count, first + 4 <= 10 ? 4u : 10u - first);
    // The views the reader put into the batch.
    seqfeat_feature_view v;
    v.struct_size = sizeof v;
    ASSERT_EQ(seqfeat_batch_get(batch, "ids", &v), SEQFEAT_OK);
    EXPECT_EQ(v.form, SEQFEAT_FORM_RAGGED);
    EXPECT_EQ(v.dtype, SEQFEAT_DTYPE_INT64);
    EXPECT_EQ(v.batch_size, static_cast<int64_t>(count));
    std::vector<int64_t> row_splits{0}, step_splits{0}, values;
    for (size_t b = 0; b < count; ++b) {
      const int r = first + static_cast<int>(b);
      for (int t = 0; t <= r % 3; ++t) {
        values.push_back(r * 10 + t);
        step_splits.push_back(static_cast<int64_t>(values.size()));
      }
      row_splits.push_back(static_cast<int64_t>(step_splits.size()) - 1);
    }
    const int64_t num_steps = v.num_steps;
    ASSERT_EQ(num_steps, static_cast<int64_t>(step_splits.size()) - 1);
    EXPECT_EQ(std::vector<int64_t>(v.row_splits, v.row_splits + count + 1), row_splits);
    EXPECT_EQ(std::vector<int64_t>(v.step_splits, v.step_splits + v.num_steps + 1), step_splits);
    const auto* got = static_cast<const int64_t*>(v.values);
    EXPECT_EQ(std::vector<int64_t>(got, got + v.num_values), values);
    ASSERT_EQ(seqfeat_batch_get(batch, "age", &v), SEQFEAT_OK);
    EXPECT_EQ(v.form, SEQFEAT_FORM_DENSE);
    const auto* ages = static_cast<const float*>(v.values);
    for (size_t b = 0; b < count; ++b) EXPECT_EQ(ages[b], static_cast<float>(first + b));

    // Packing from the reader's batch equals packing the same data added by hand.
    seqfeat_batch* manual = nullptr;
    ASSERT_EQ(seqfeat_batch_create(&manual), SEQFEAT_OK);
    ASSERT_EQ(seqfeat_batch_add_ragged(manual, "ids", static_cast<int64_t>(count),
                                       row_splits.data(), num_steps, step_splits.data(),
                                       SEQFEAT_DTYPE_INT64, values.data(),
                                       static_cast<int64_t>(values.size())),
              SEQFEAT_OK);
    int64_t B = 0, T = 0, D = 0;
    ASSERT_EQ(seqfeat_features_output_shape(layer, batch, nullptr, &B, &T, &D), SEQFEAT_OK);
    std::vector<float> a(B * T * D), b(B * T * D);
    std::vector<int64_t> la(B), lb(B);
    ASSERT_EQ(seqfeat_features_pack_into(layer, batch, nullptr, a.data(), a.size(), la.data(),
                                         la.size(), nullptr, 0, nullptr),
              SEQFEAT_OK);
    ASSERT_EQ(seqfeat_features_pack_into(layer, manual, nullptr, b.data(), b.size(), lb.data(),
                                         lb.size(), nullptr, 0, nullptr),
              SEQFEAT_OK);
    EXPECT_EQ(a, b);
    EXPECT_EQ(la, lb);
    seqfeat_batch_free(manual);
  }
  EXPECT_EQ(first, 10);
  int64_t stat = -1;
  ASSERT_EQ(seqfeat_record_reader_stat(reader, SEQFEAT_READER_RECORDS, &stat), SEQFEAT_OK);
  EXPECT_EQ(stat, 10);
  int64_t read = 0, total = 0;
  ASSERT_EQ(seqfeat_record_reader_stat(reader, SEQFEAT_READER_BYTES_READ, &read), SEQFEAT_OK);
  ASSERT_EQ(seqfeat_record_reader_stat(reader, SEQFEAT_READER_BYTES_TOTAL, &total), SEQFEAT_OK);
  EXPECT_EQ(read, total);
  EXPECT_EQ(seqfeat_record_reader_stat(reader, 99, &stat), SEQFEAT_ERR_INVALID_ARGUMENT);

  seqfeat_batch_free(batch);
  seqfeat_record_reader_free(reader);
  seqfeat_features_free(layer);
  seqfeat_parse_spec_free(spec);
  seqfeat_column_free(age);
  seqfeat_column_free(emb);
  seqfeat_column_free(ids);
}

TEST(CapiTFRecord, ErrorsAndUntouchedOutputs) {
  Dir dir;
  seqfeat_parse_spec* spec = nullptr;
  ASSERT_EQ(seqfeat_parse_spec_create(&spec), SEQFEAT_OK);
  seqfeat_feature_spec f;
  seqfeat_feature_spec_default(&f);
  f.key = "ids";
  f.sequence = 1;
  ASSERT_EQ(seqfeat_parse_spec_add(spec, &f), SEQFEAT_OK);
  EXPECT_EQ(seqfeat_parse_spec_add(spec, &f), SEQFEAT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(seqfeat_last_error_message()).find("feature key ids is given twice"),
            std::string::npos);
  f.key = "label";
  f.kind = SEQFEAT_FEATURE_FIXED_LEN;
  f.sequence = 0;
  f.dtype = SEQFEAT_DTYPE_STRING;
  f.has_default = 1;
  f.default_count = 1;
  const int64_t offsets[] = {0, 3};
  f.default_offsets = offsets;
  f.default_bytes = "n/a";
  ASSERT_EQ(seqfeat_parse_spec_add(spec, &f), SEQFEAT_OK);

  const std::string file = dir.path + "/r";
  // Record 1 holds bytes where int64 ids are asked for.
  write_records(file, {sequence_example({}, {{"ids", feature_list({int64_list({1})})}}),
                       sequence_example({}, {{"ids", feature_list({bytes_list({"x"})})}})});
  const char* files[] = {file.c_str()};
  seqfeat_record_reader* reader = nullptr;
  ASSERT_EQ(seqfeat_record_reader_open(files, 1, spec, nullptr, &reader), SEQFEAT_OK);
  seqfeat_batch* batch = nullptr;
  ASSERT_EQ(seqfeat_batch_create(&batch), SEQFEAT_OK);
  size_t count = 77;
  ASSERT_EQ(seqfeat_record_reader_next(reader, 1, batch, &count), SEQFEAT_OK);
  ASSERT_EQ(count, 1u);
  seqfeat_feature_view v;
  v.struct_size = sizeof v;
  ASSERT_EQ(seqfeat_batch_get(batch, "label", &v), SEQFEAT_OK);
  EXPECT_EQ(v.dtype, SEQFEAT_DTYPE_STRING);
  EXPECT_EQ(std::string(v.string_bytes, v.string_offsets[1]), "n/a");  // the default
  count = 77;
  EXPECT_EQ(seqfeat_record_reader_next(reader, 1, batch, &count), SEQFEAT_ERR_DTYPE_MISMATCH);
  EXPECT_EQ(count, 77u);
  EXPECT_NE(std::string(seqfeat_last_error_message())
                .find(file + ": record 1: feature ids: data type mismatch"),
            std::string::npos)
      << seqfeat_last_error_message();
  // The batch still holds the previous record's views.
  ASSERT_EQ(seqfeat_batch_get(batch, "label", &v), SEQFEAT_OK);
  EXPECT_EQ(std::string(v.string_bytes, v.string_offsets[1]), "n/a");
  EXPECT_EQ(seqfeat_record_reader_next(reader, 1, batch, &count), SEQFEAT_ERR_DTYPE_MISMATCH);
  EXPECT_EQ(seqfeat_record_reader_next(reader, 0, batch, &count), SEQFEAT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(seqfeat_record_reader_next(nullptr, 1, batch, &count), SEQFEAT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(seqfeat_batch_get(batch, "nope", &v), SEQFEAT_ERR_NOT_FOUND);
  seqfeat_record_reader_free(reader);

  const std::string missing = dir.path + "/missing.tfrecord";
  const char* bad_files[] = {file.c_str(), missing.c_str()};
  reader = seqfeat_record_reader_open(bad_files, 2, spec, nullptr, &reader) == SEQFEAT_OK
               ? reader
               : nullptr;
  EXPECT_EQ(reader, nullptr);
  EXPECT_NE(std::string(seqfeat_last_error_message()).find(missing), std::string::npos);
  seqfeat_reader_options ro;
  seqfeat_reader_options_default(&ro);
  ro.compression = 7;
  EXPECT_EQ(seqfeat_record_reader_open(files, 1, spec, &ro, &reader),
            SEQFEAT_ERR_INVALID_ARGUMENT);
  seqfeat_record_writer* w = nullptr;
  EXPECT_EQ(seqfeat_record_writer_open((dir.path + "/no/such/dir").c_str(), 0, &w),
            SEQFEAT_ERR_NOT_FOUND);
  EXPECT_EQ(w, nullptr);
  seqfeat_batch_free(batch);
  seqfeat_parse_spec_free(spec);
}

}  // namespace
