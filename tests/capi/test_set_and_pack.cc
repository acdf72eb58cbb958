// seqfeat_features_set_and_pack (seqfeat_batch_set and seqfeat_features_pack_into_shape in one
// call): its outputs against the same input added feature by feature and packed with
// seqfeat_features_pack_into on random batches; rejected descriptors leave the batch empty and
// the buffers unwritten; a buffer too small leaves the batch filled for the shape query and
// the pack that follow.
#include <algorithm>
#include <random>

#include "capi_test_util.h"

namespace sftest {
namespace {

struct Input {
  int64_t B = 0;
  std::vector<int64_t> splits{0};
  std::vector<int64_t> ids;
  std::vector<float> x;
  seqfeat_feature f[2];
};

void Draw(std::mt19937_64& rng, Input& in) {
  in.B = 1 + static_cast<int64_t>(rng() % 9);
  in.splits.assign(1, 0);
  for (int64_t b = 0; b < in.B; ++b)
    in.splits.push_back(in.splits.back() + static_cast<int64_t>(rng() % 6));
  const int64_t n = in.splits.back();
  in.ids.resize(static_cast<size_t>(n));
  in.x.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    in.ids[i] = static_cast<int64_t>(rng() % 55) - 5;  // some negative ids, dropped
    in.x[i] = static_cast<float>(rng() % 1000) / 10.f;
  }
  const char* keys[2] = {"ids", "x"};
  for (int k = 0; k < 2; ++k) {
    seqfeat_feature_default(&in.f[k]);
    in.f[k].key = keys[k];
    in.f[k].form = SEQFEAT_FORM_RAGGED;
    in.f[k].batch_size = in.B;
    in.f[k].row_splits = in.splits.data();
    in.f[k].num_values = n;
  }
  in.f[0].dtype = SEQFEAT_DTYPE_INT64;
  in.f[0].values = in.ids.data();
  in.f[1].dtype = SEQFEAT_DTYPE_FLOAT32;
  in.f[1].values = in.x.data();
}

struct Fixture {
  ColumnPtr ids, emb, num;
  FeaturesPtr layer;
  Fixture() {
    ids = Identity("ids", 50);
    emb = Embedding(ids.get(), {.dimension = 3, .combiner = SEQFEAT_COMBINER_MEAN});
    num = Numeric("x");
    layer = Layer({emb.get(), num.get()});
  }
};

TEST(CapiSetAndPack, EqualsAddingThenPacking) {
  Fixture fx;
  ASSERT_TRUE(fx.layer);
  std::mt19937_64 rng(21);
  Batch reused;
  for (int round = 0; round < 20; ++round) {
    Input in;
    Draw(rng, in);
    Batch fresh;
    SF_ASSERT_OK(seqfeat_batch_add_ragged(fresh.get(), "ids", in.B, in.splits.data(), 0,
                                          nullptr, SEQFEAT_DTYPE_INT64, in.ids.data(),
                                          in.splits.back()));
    SF_ASSERT_OK(seqfeat_batch_add_ragged(fresh.get(), "x", in.B, in.splits.data(), 0, nullptr,
                                          SEQFEAT_DTYPE_FLOAT32, in.x.data(), in.splits.back()));
    Packed want;
    ASSERT_NO_FATAL_FAILURE(PackOk(fx.layer.get(), fresh, &want));

    std::vector<float> dense(want.dense.size() + 5, -1.f);
    std::vector<int64_t> lengths(want.lengths.size() + 2, -1);
    std::vector<uint8_t> mask(want.mask.size() + 3, 0xAB);
    int64_t shape[3] = {-1, -1, -1};
    seqfeat_stats* raw = nullptr;
    SF_ASSERT_OK(seqfeat_stats_create(&raw));
    StatsPtr stats(raw);
    SF_ASSERT_OK(seqfeat_features_set_and_pack(
        fx.layer.get(), reused.get(), in.f, 2, nullptr, dense.data(), dense.size(),
        lengths.data(), lengths.size(), mask.data(), mask.size(), stats.get(), shape));
    EXPECT_EQ(shape[0], want.B);
    EXPECT_EQ(shape[1], want.T);
    EXPECT_EQ(shape[2], want.D);
    EXPECT_EQ(std::vector<float>(dense.begin(), dense.begin() + want.dense.size()), want.dense);
    EXPECT_EQ(std::vector<int64_t>(lengths.begin(), lengths.begin() + in.B), want.lengths);
    EXPECT_EQ(std::vector<uint8_t>(mask.begin(), mask.begin() + want.mask.size()), want.mask);
    // The negative ids were dropped and counted.
    int64_t dropped = 0, want_dropped = 0;
    for (int64_t id : in.ids) want_dropped += id < 0;
    SF_ASSERT_OK(seqfeat_stats_get(stats.get(), 0, SEQFEAT_STAT_DROPPED_INVALID, &dropped));
    EXPECT_EQ(dropped, want_dropped);
  }
}

TEST(CapiSetAndPack, RejectedDescriptorsEmptyTheBatchAndWriteNothing) {
  Fixture fx;
  std::mt19937_64 rng(22);
  Input in;
  Draw(rng, in);
  Batch batch;
  std::vector<float> dense(1000, -3.f);
  std::vector<int64_t> lengths(20, -3);
  int64_t shape[3] = {-9, -9, -9};
  std::vector<int64_t> bad_splits = in.splits;
  bad_splits.back() += 1;  // ends past the values
  in.f[1].row_splits = bad_splits.data();
  const Outcome st = Capture(seqfeat_features_set_and_pack(
      fx.layer.get(), batch.get(), in.f, 2, nullptr, dense.data(), dense.size(), lengths.data(),
      lengths.size(), nullptr, 0, nullptr, shape));
  EXPECT_TRUE(IsStatus(st, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_NE(st.message.find("x"), std::string::npos) << st.message;
  EXPECT_TRUE(std::all_of(dense.begin(), dense.end(), [](float v) { return v == -3.f; }));
  EXPECT_TRUE(std::all_of(lengths.begin(), lengths.end(), [](int64_t v) { return v == -3; }));
  EXPECT_EQ(shape[0], -9);
  // The batch is empty: packing it reports the missing feature.
  int64_t b = 0, t = 0, d = 0;
  EXPECT_TRUE(IsStatus(Capture(seqfeat_features_output_shape(fx.layer.get(), batch.get(),
                                                             nullptr, &b, &t, &d)),
                       SEQFEAT_ERR_NOT_FOUND));
  // NULL arguments.
  EXPECT_TRUE(IsStatus(Capture(seqfeat_features_set_and_pack(
                           fx.layer.get(), batch.get(), in.f, 2, nullptr, dense.data(),
                           dense.size(), lengths.data(), lengths.size(), nullptr, 0, nullptr,
                           nullptr)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(IsStatus(Capture(seqfeat_features_set_and_pack(
                           fx.layer.get(), nullptr, in.f, 2, nullptr, dense.data(), dense.size(),
                           lengths.data(), lengths.size(), nullptr, 0, nullptr, shape)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
}

TEST(CapiSetAndPack, TooSmallKeepsTheBatchForTheShapeQueryAndPack) {
  Fixture fx;
  std::mt19937_64 rng(23);
  Input in;
  do {
    Draw(rng, in);
  } while (in.splits.back() == 0);
  Batch fresh;
  SF_ASSERT_OK(seqfeat_batch_add_ragged(fresh.get(), "ids", in.B, in.splits.data(), 0, nullptr,
                                        SEQFEAT_DTYPE_INT64, in.ids.data(), in.splits.back()));
  SF_ASSERT_OK(seqfeat_batch_add_ragged(fresh.get(), "x", in.B, in.splits.data(), 0, nullptr,
                                        SEQFEAT_DTYPE_FLOAT32, in.x.data(), in.splits.back()));
  Packed want;
  ASSERT_NO_FATAL_FAILURE(PackOk(fx.layer.get(), fresh, &want));

  Batch batch;
  std::vector<float> small(want.dense.size() - 1, -2.f);
  std::vector<int64_t> lengths(static_cast<size_t>(in.B), -2);
  int64_t shape[3] = {-9, -9, -9};
  EXPECT_TRUE(IsStatus(Capture(seqfeat_features_set_and_pack(
                           fx.layer.get(), batch.get(), in.f, 2, nullptr, small.data(),
                           small.size(), lengths.data(), lengths.size(), nullptr, 0, nullptr,
                           shape)),
                       SEQFEAT_ERR_BUFFER_TOO_SMALL));
  EXPECT_TRUE(std::all_of(small.begin(), small.end(), [](float v) { return v == -2.f; }));
  EXPECT_EQ(shape[0], -9);
  int64_t b = 0, t = 0, d = 0;
  SF_ASSERT_OK(seqfeat_features_output_shape(fx.layer.get(), batch.get(), nullptr, &b, &t, &d));
  EXPECT_EQ(b, want.B);
  EXPECT_EQ(t, want.T);
  EXPECT_EQ(d, want.D);
  std::vector<float> dense(want.dense.size(), -1.f);
  SF_ASSERT_OK(seqfeat_features_pack_into_shape(fx.layer.get(), batch.get(), nullptr,
                                                dense.data(), dense.size(), lengths.data(),
                                                lengths.size(), nullptr, 0, nullptr, shape));
  EXPECT_EQ(dense, want.dense);
  EXPECT_EQ(lengths, want.lengths);
}

}  // namespace
}  // namespace sftest
