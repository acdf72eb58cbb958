// Error model of the C ABI: status strings, versions, the thread-local message, NULL arguments
// of every function, out-params and caller buffers untouched on failure, BUFFER_TOO_SMALL.
#include <thread>

#include "capi_test_util.h"

namespace sftest {
namespace {

// ---------------------------------------------------------------------------------------------
// Status strings, versions, last error
// ---------------------------------------------------------------------------------------------
TEST(CapiStatus, StatusStringsAreStaticNonEmptyAndDistinct) {
  EXPECT_STREQ(seqfeat_status_string(SEQFEAT_OK), "ok");
  EXPECT_STREQ(seqfeat_status_string(SEQFEAT_ERR_INVALID_ARGUMENT), "invalid argument");
  std::vector<std::string> seen;
  for (seqfeat_status s = 0; s >= SEQFEAT_ERR_INTERNAL; --s) {
    const char* text = seqfeat_status_string(s);
    ASSERT_NE(text, nullptr) << s;
    EXPECT_STRNE(text, "") << s;
    EXPECT_EQ(std::find(seen.begin(), seen.end(), text), seen.end()) << "duplicate text " << text;
    seen.emplace_back(text);
    EXPECT_EQ(seqfeat_status_string(s), text) << "static text must be stable";
  }
  for (seqfeat_status unknown : {-9, -100, 1, 42, INT32_MIN, INT32_MAX}) {
    const char* text = seqfeat_status_string(unknown);
    ASSERT_NE(text, nullptr) << unknown;
  }
}

TEST(CapiStatus, PinnedCodes) {
  EXPECT_EQ(SEQFEAT_OK, 0);
  EXPECT_EQ(SEQFEAT_ERR_INVALID_ARGUMENT, -1);
  EXPECT_EQ(SEQFEAT_ERR_OUT_OF_RANGE, -2);
  EXPECT_EQ(SEQFEAT_ERR_DTYPE_MISMATCH, -3);
  EXPECT_EQ(SEQFEAT_ERR_BUFFER_TOO_SMALL, -4);
  EXPECT_EQ(SEQFEAT_ERR_NOT_FOUND, -5);
  EXPECT_EQ(SEQFEAT_ERR_IO, -6);
  EXPECT_EQ(SEQFEAT_ERR_OUT_OF_MEMORY, -7);
  EXPECT_EQ(SEQFEAT_ERR_INTERNAL, -8);
}

TEST(CapiStatus, RuntimeVersionMatchesHeader) {
  EXPECT_EQ(seqfeat_version_number(), static_cast<uint32_t>(SEQFEAT_VERSION_NUMBER));
  ASSERT_NE(seqfeat_version_string(), nullptr);
  EXPECT_STREQ(seqfeat_version_string(), SEQFEAT_VERSION_STRING);
  const std::string expected = std::to_string(SEQFEAT_VERSION_MAJOR) + "." +
                               std::to_string(SEQFEAT_VERSION_MINOR) + "." +
                               std::to_string(SEQFEAT_VERSION_PATCH);
  EXPECT_EQ(expected, seqfeat_version_string());
  EXPECT_EQ(seqfeat_version_number(),
            static_cast<uint32_t>(SEQFEAT_VERSION_MAJOR * 10000 + SEQFEAT_VERSION_MINOR * 100 +
                                  SEQFEAT_VERSION_PATCH));
}

TEST(CapiStatus, LastErrorMessageIsThreadLocalAndNeverNull) {
  std::string fresh_thread_message = "unset";
  std::thread([&] {
    const char* m = seqfeat_last_error_message();
    fresh_thread_message = m ? m : "<null>";
  }).join();
  EXPECT_EQ(fresh_thread_message, "");

  seqfeat_column* out = nullptr;
  const Outcome o = Capture(seqfeat_identity_column_create("ids", 1, 0, SEQFEAT_NO_DEFAULT, &out));
  ASSERT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"ids"}));

  std::string other_thread_message = "unset";
  std::thread([&] {
    const char* m = seqfeat_last_error_message();
    other_thread_message = m ? m : "<null>";
  }).join();
  EXPECT_EQ(other_thread_message, "") << "an error in one thread must not leak into another";

  // The failing thread still sees its own message.
  EXPECT_EQ(std::string(seqfeat_last_error_message()), o.message);
}

TEST(CapiStatus, LastErrorMessageIsEmptyAfterASuccessfulCall) {
  seqfeat_column* out = nullptr;
  ASSERT_EQ(seqfeat_identity_column_create("ids", 1, 0, SEQFEAT_NO_DEFAULT, &out),
            SEQFEAT_ERR_INVALID_ARGUMENT);
  EXPECT_STRNE(seqfeat_last_error_message(), "");

  ASSERT_EQ(seqfeat_identity_column_create("ids", 1, 4, SEQFEAT_NO_DEFAULT, &out), SEQFEAT_OK);
  EXPECT_STREQ(seqfeat_last_error_message(), "") << "a success must not leave the old message";

  // A getter returning a status clears it too; one returning no status leaves it alone.
  int64_t buckets = 0;
  ASSERT_NE(seqfeat_column_table_shape(out, &buckets, &buckets), SEQFEAT_OK);
  const std::string failure = seqfeat_last_error_message();
  EXPECT_NE(failure, "");
  EXPECT_STREQ(seqfeat_column_name(out), "ids");
  EXPECT_EQ(std::string(seqfeat_last_error_message()), failure);
  ASSERT_EQ(seqfeat_column_num_buckets(out, &buckets), SEQFEAT_OK);
  EXPECT_EQ(buckets, 4);
  EXPECT_STREQ(seqfeat_last_error_message(), "");
  seqfeat_column_free(out);
}

TEST(CapiStatus, OptionDefaults) {
  seqfeat_numeric_options n;
  std::memset(&n, 0x7F, sizeof n);
  seqfeat_numeric_options_default(&n);
  EXPECT_EQ(n.struct_size, sizeof(seqfeat_numeric_options));
  EXPECT_EQ(n.shape, nullptr);
  EXPECT_EQ(n.shape_rank, 0u);
  EXPECT_EQ(n.default_value, 0.0f);
  EXPECT_EQ(n.dtype, SEQFEAT_DTYPE_FLOAT32);
  EXPECT_EQ(n.normalizer, SEQFEAT_NORMALIZER_NONE);
  EXPECT_EQ(n.normalizer_fn, nullptr);
  EXPECT_EQ(n.normalizer_user_data, nullptr);

  seqfeat_embedding_options e;
  std::memset(&e, 0x7F, sizeof e);
  seqfeat_embedding_options_default(&e);
  EXPECT_EQ(e.struct_size, sizeof(seqfeat_embedding_options));
  EXPECT_EQ(e.combiner, SEQFEAT_COMBINER_MEAN);
  EXPECT_EQ(e.has_max_norm, 0);
  EXPECT_EQ(e.trainable, 1);
  EXPECT_EQ(e.initial_table, nullptr);
  EXPECT_EQ(e.initial_table_count, 0u);

  seqfeat_pack_options p;
  std::memset(&p, 0x7F, sizeof p);
  seqfeat_pack_options_default(&p);
  EXPECT_EQ(p.struct_size, sizeof(seqfeat_pack_options));
  EXPECT_EQ(p.max_length, 0);
  EXPECT_EQ(p.padding, SEQFEAT_PAD_POST);
  EXPECT_EQ(p.truncating, SEQFEAT_PAD_POST);
  EXPECT_EQ(p.strict, 0);
  EXPECT_EQ(p.num_threads, 0);

  // The initialisers do not dereference NULL.
  seqfeat_numeric_options_default(nullptr);
  seqfeat_embedding_options_default(nullptr);
  seqfeat_pack_options_default(nullptr);
}

// ---------------------------------------------------------------------------------------------
// NULL arguments: column constructors
// ---------------------------------------------------------------------------------------------
TEST(CapiNull, NumericColumnCreate) {
  seqfeat_numeric_options o;
  seqfeat_numeric_options_default(&o);
  seqfeat_column* out = Sentinel<seqfeat_column>();
  SF_EXPECT_INVALID(seqfeat_numeric_column_create(nullptr, 1, &o, &out));
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
  SF_EXPECT_INVALID(seqfeat_numeric_column_create("x", 1, &o, nullptr));
  o.shape = nullptr;
  o.shape_rank = 2;  // a rank without dims
  SF_EXPECT_INVALID(seqfeat_numeric_column_create("x", 1, &o, &out));
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
  seqfeat_numeric_options_default(&o);
  o.normalizer = SEQFEAT_NORMALIZER_CALLBACK;  // callback without a function
  o.normalizer_fn = nullptr;
  SF_EXPECT_INVALID(seqfeat_numeric_column_create("x", 1, &o, &out));
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

// The header documents NULL options only for seqfeat_features_output_shape; everywhere else a
// NULL argument is SEQFEAT_ERR_INVALID_ARGUMENT by the conventions block.
TEST(CapiNull, NumericColumnCreateNullOptionsMeansDefaults) {
  // The header documents opts == NULL as all defaults: shape (1,), default 0, float32.
  seqfeat_column* out = nullptr;
  SF_ASSERT_OK(seqfeat_numeric_column_create("x", 1, nullptr, &out));
  int64_t shape[2] = {-1, -1};
  size_t rank = 0;
  SF_ASSERT_OK(seqfeat_column_variable_shape(out, shape, 2, &rank));
  EXPECT_EQ(rank, 1u);
  EXPECT_EQ(shape[0], 1);
  seqfeat_column_free(out);
}

TEST(CapiNull, IdentityAndHashCreate) {
  seqfeat_column* out = Sentinel<seqfeat_column>();
  SF_EXPECT_INVALID(seqfeat_identity_column_create(nullptr, 1, 3, SEQFEAT_NO_DEFAULT, &out));
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
  SF_EXPECT_INVALID(seqfeat_identity_column_create("ids", 1, 3, SEQFEAT_NO_DEFAULT, nullptr));
  SF_EXPECT_INVALID(seqfeat_hash_bucket_column_create(nullptr, 1, 10, SEQFEAT_DTYPE_STRING, &out));
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
  SF_EXPECT_INVALID(seqfeat_hash_bucket_column_create("h", 1, 10, SEQFEAT_DTYPE_STRING, nullptr));
}

TEST(CapiNull, VocabularyListCreate) {
  Strings s({"a", "bb"});
  seqfeat_column* out = Sentinel<seqfeat_column>();
  SF_EXPECT_INVALID(seqfeat_vocabulary_list_column_create_strings(nullptr, 1, s.offsets.data(),
                                                                  s.bytes.data(), 2, -1, 0, &out));
  SF_EXPECT_INVALID(seqfeat_vocabulary_list_column_create_strings("v", 1, nullptr, s.bytes.data(),
                                                                  2, -1, 0, &out));
  SF_EXPECT_INVALID(seqfeat_vocabulary_list_column_create_strings("v", 1, s.offsets.data(), nullptr,
                                                                  2, -1, 0, &out));
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
  SF_EXPECT_INVALID(seqfeat_vocabulary_list_column_create_strings("v", 1, s.offsets.data(),
                                                                  s.bytes.data(), 2, -1, 0, nullptr));
  const int64_t values[] = {1, 2, 3};
  SF_EXPECT_INVALID(seqfeat_vocabulary_list_column_create_ints(nullptr, 1, values, 3,
                                                               SEQFEAT_DTYPE_INT64, -1, 0, &out));
  SF_EXPECT_INVALID(seqfeat_vocabulary_list_column_create_ints("v", 1, nullptr, 3,
                                                               SEQFEAT_DTYPE_INT64, -1, 0, &out));
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
  SF_EXPECT_INVALID(seqfeat_vocabulary_list_column_create_ints("v", 1, values, 3,
                                                               SEQFEAT_DTYPE_INT64, -1, 0, nullptr));
}

TEST(CapiNull, VocabularyFileCreate) {
  TempDir dir;
  const std::string path = dir.Write("vocab.txt", "a\nb\n");
  seqfeat_column* out = Sentinel<seqfeat_column>();
  SF_EXPECT_INVALID(seqfeat_vocabulary_file_column_create(nullptr, 1, path.c_str(), -1, 0,
                                                          SEQFEAT_NO_DEFAULT, SEQFEAT_DTYPE_STRING,
                                                          &out));
  // TF: "Missing vocabulary_file in {key}."
  const Outcome o = Capture(seqfeat_vocabulary_file_column_create(
      "voc", 1, nullptr, -1, 0, SEQFEAT_NO_DEFAULT, SEQFEAT_DTYPE_STRING, &out));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"voc"}));
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
  SF_EXPECT_INVALID(seqfeat_vocabulary_file_column_create("voc", 1, path.c_str(), -1, 0,
                                                          SEQFEAT_NO_DEFAULT, SEQFEAT_DTYPE_STRING,
                                                          nullptr));
}

TEST(CapiNull, WrapperCreate) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  seqfeat_column* out = Sentinel<seqfeat_column>();
  SF_EXPECT_INVALID(seqfeat_weighted_column_create(nullptr, "w", SEQFEAT_DTYPE_FLOAT32, &out));
  SF_EXPECT_INVALID(seqfeat_weighted_column_create(ids.get(), nullptr, SEQFEAT_DTYPE_FLOAT32, &out));
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
  SF_EXPECT_INVALID(seqfeat_weighted_column_create(ids.get(), "w", SEQFEAT_DTYPE_FLOAT32, nullptr));

  seqfeat_embedding_options e;
  seqfeat_embedding_options_default(&e);
  e.dimension = 2;
  SF_EXPECT_INVALID(seqfeat_embedding_column_create(nullptr, &e, &out));
  SF_EXPECT_INVALID(seqfeat_embedding_column_create(ids.get(), nullptr, &out));
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
  SF_EXPECT_INVALID(seqfeat_embedding_column_create(ids.get(), &e, nullptr));

  SF_EXPECT_INVALID(seqfeat_indicator_column_create(nullptr, &out));
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
  SF_EXPECT_INVALID(seqfeat_indicator_column_create(ids.get(), nullptr));
}

TEST(CapiNull, SharedEmbeddingsCreate) {
  ColumnPtr a = Identity("aaa", 3), b = Identity("bbb", 3);
  ASSERT_TRUE(a && b);
  seqfeat_embedding_options e;
  seqfeat_embedding_options_default(&e);
  e.dimension = 2;
  const seqfeat_column* cats[] = {a.get(), b.get()};
  const seqfeat_column* with_null[] = {a.get(), nullptr};
  seqfeat_column* out[2] = {Sentinel<seqfeat_column>(), Sentinel<seqfeat_column>()};
  SF_EXPECT_INVALID(seqfeat_shared_embeddings_create(nullptr, 2, &e, nullptr, out));
  SF_EXPECT_INVALID(seqfeat_shared_embeddings_create(with_null, 2, &e, nullptr, out));
  SF_EXPECT_INVALID(seqfeat_shared_embeddings_create(cats, 2, nullptr, nullptr, out));
  SF_EXPECT_INVALID(seqfeat_shared_embeddings_create(cats, 0, &e, nullptr, out));
  EXPECT_EQ(out[0], Sentinel<seqfeat_column>());
  EXPECT_EQ(out[1], Sentinel<seqfeat_column>());
  SF_EXPECT_INVALID(seqfeat_shared_embeddings_create(cats, 2, &e, nullptr, nullptr));
  // A NULL collection name is the documented default, not an error.
  SF_ASSERT_OK(seqfeat_shared_embeddings_create(cats, 2, &e, nullptr, out));
  seqfeat_column_free(out[0]);
  seqfeat_column_free(out[1]);
}

// ---------------------------------------------------------------------------------------------
// NULL arguments: column getters and tables
// ---------------------------------------------------------------------------------------------
TEST(CapiNull, ColumnGetters) {
  seqfeat_column_free(nullptr);
  ASSERT_NE(seqfeat_column_name(nullptr), nullptr);
  EXPECT_STREQ(seqfeat_column_name(nullptr), "");
  EXPECT_EQ(seqfeat_column_kind(nullptr), 0);
  EXPECT_EQ(seqfeat_column_is_sequence(nullptr), 0);

  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 3});
  ASSERT_TRUE(emb);

  int64_t v = -99;
  SF_EXPECT_INVALID(seqfeat_column_num_buckets(nullptr, &v));
  SF_EXPECT_INVALID(seqfeat_column_num_buckets(ids.get(), nullptr));
  EXPECT_EQ(v, -99);

  int64_t shape[4] = {-1, -1, -1, -1};
  size_t rank = 77;
  SF_EXPECT_INVALID(seqfeat_column_variable_shape(nullptr, shape, 4, &rank));
  SF_EXPECT_INVALID(seqfeat_column_variable_shape(emb.get(), nullptr, 4, &rank));
  SF_EXPECT_INVALID(seqfeat_column_variable_shape(emb.get(), shape, 4, nullptr));
  EXPECT_EQ(rank, 77u);
  EXPECT_EQ(shape[0], -1);

  const seqfeat_column* cat = Sentinel<const seqfeat_column>();
  SF_EXPECT_INVALID(seqfeat_column_categorical(nullptr, &cat));
  SF_EXPECT_INVALID(seqfeat_column_categorical(emb.get(), nullptr));
  EXPECT_EQ(cat, Sentinel<const seqfeat_column>());

  int64_t rows = -5, dim = -5;
  SF_EXPECT_INVALID(seqfeat_column_table_shape(nullptr, &rows, &dim));
  SF_EXPECT_INVALID(seqfeat_column_table_shape(emb.get(), nullptr, &dim));
  SF_EXPECT_INVALID(seqfeat_column_table_shape(emb.get(), &rows, nullptr));
  EXPECT_EQ(rows, -5);
  EXPECT_EQ(dim, -5);

  const char* name = "sentinel";
  SF_EXPECT_INVALID(seqfeat_column_table_name(nullptr, &name));
  SF_EXPECT_INVALID(seqfeat_column_table_name(emb.get(), nullptr));
  EXPECT_STREQ(name, "sentinel");

  std::vector<float> table(12, 42.0f);
  SF_EXPECT_INVALID(seqfeat_column_table_get(nullptr, table.data(), table.size()));
  SF_EXPECT_INVALID(seqfeat_column_table_get(emb.get(), nullptr, table.size()));
  SF_EXPECT_INVALID(seqfeat_column_table_set(nullptr, table.data(), table.size()));
  SF_EXPECT_INVALID(seqfeat_column_table_set(emb.get(), nullptr, table.size()));
  for (float x : table) EXPECT_EQ(x, 42.0f);
}

// ---------------------------------------------------------------------------------------------
// NULL arguments: batches
// ---------------------------------------------------------------------------------------------
TEST(CapiNull, BatchCreateFreeClear) {
  SF_EXPECT_INVALID(seqfeat_batch_create(nullptr));
  seqfeat_batch_free(nullptr);
  seqfeat_batch_clear(nullptr);
}

TEST(CapiNull, BatchAddSparse) {
  Batch batch;
  const int64_t indices[] = {0, 0, 0, 1};
  const int64_t dense_shape[] = {1, 2};
  const int64_t values[] = {1, 2};
  seqfeat_batch* b = batch.get();
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse(nullptr, "k", indices, 2, 2, dense_shape,
                                             SEQFEAT_DTYPE_INT64, values));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse(b, nullptr, indices, 2, 2, dense_shape,
                                             SEQFEAT_DTYPE_INT64, values));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse(b, "k", nullptr, 2, 2, dense_shape,
                                             SEQFEAT_DTYPE_INT64, values));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse(b, "k", indices, 2, 2, nullptr,
                                             SEQFEAT_DTYPE_INT64, values));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse(b, "k", indices, 2, 2, dense_shape,
                                             SEQFEAT_DTYPE_INT64, nullptr));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse(b, "k", indices, -1, 2, dense_shape,
                                             SEQFEAT_DTYPE_INT64, values));
  // Strings go through the _strings variant; the mask dtype is output-only.
  EXPECT_NE(seqfeat_batch_add_sparse(b, "k", indices, 2, 2, dense_shape, SEQFEAT_DTYPE_STRING,
                                     values),
            SEQFEAT_OK);
  EXPECT_NE(seqfeat_batch_add_sparse(b, "k", indices, 2, 2, dense_shape, 99, values), SEQFEAT_OK);

  const int64_t offsets[] = {0, 1, 2};
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse_strings(nullptr, "k", indices, 2, 2, dense_shape,
                                                     offsets, "ab"));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse_strings(b, nullptr, indices, 2, 2, dense_shape,
                                                     offsets, "ab"));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse_strings(b, "k", nullptr, 2, 2, dense_shape, offsets,
                                                     "ab"));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse_strings(b, "k", indices, 2, 2, nullptr, offsets,
                                                     "ab"));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse_strings(b, "k", indices, 2, 2, dense_shape, nullptr,
                                                     "ab"));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse_strings(b, "k", indices, 2, 2, dense_shape, offsets,
                                                     nullptr));
}

TEST(CapiNull, BatchAddDense) {
  Batch batch;
  seqfeat_batch* b = batch.get();
  const int64_t shape[] = {1, 2};
  const int64_t values[] = {1, 2};
  SF_EXPECT_INVALID(seqfeat_batch_add_dense(nullptr, "k", shape, 2, SEQFEAT_DTYPE_INT64, values));
  SF_EXPECT_INVALID(seqfeat_batch_add_dense(b, nullptr, shape, 2, SEQFEAT_DTYPE_INT64, values));
  SF_EXPECT_INVALID(seqfeat_batch_add_dense(b, "k", nullptr, 2, SEQFEAT_DTYPE_INT64, values));
  SF_EXPECT_INVALID(seqfeat_batch_add_dense(b, "k", shape, 2, SEQFEAT_DTYPE_INT64, nullptr));
  SF_EXPECT_INVALID(seqfeat_batch_add_dense(b, "k", shape, 0, SEQFEAT_DTYPE_INT64, values));
  const int64_t offsets[] = {0, 1, 2};
  SF_EXPECT_INVALID(seqfeat_batch_add_dense_strings(nullptr, "k", shape, 2, offsets, "ab"));
  SF_EXPECT_INVALID(seqfeat_batch_add_dense_strings(b, nullptr, shape, 2, offsets, "ab"));
  SF_EXPECT_INVALID(seqfeat_batch_add_dense_strings(b, "k", nullptr, 2, offsets, "ab"));
  SF_EXPECT_INVALID(seqfeat_batch_add_dense_strings(b, "k", shape, 2, nullptr, "ab"));
  SF_EXPECT_INVALID(seqfeat_batch_add_dense_strings(b, "k", shape, 2, offsets, nullptr));
}

TEST(CapiNull, BatchAddRagged) {
  Batch batch;
  seqfeat_batch* b = batch.get();
  const int64_t row_splits[] = {0, 1, 2};
  const int64_t values[] = {1, 2};
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged(nullptr, "k", 2, row_splits, 0, nullptr,
                                             SEQFEAT_DTYPE_INT64, values, 2));
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged(b, nullptr, 2, row_splits, 0, nullptr,
                                             SEQFEAT_DTYPE_INT64, values, 2));
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged(b, "k", 2, nullptr, 0, nullptr, SEQFEAT_DTYPE_INT64,
                                             values, 2));
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged(b, "k", 2, row_splits, 0, nullptr,
                                             SEQFEAT_DTYPE_INT64, nullptr, 2));
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged(b, "k", -1, row_splits, 0, nullptr,
                                             SEQFEAT_DTYPE_INT64, values, 2));
  const int64_t offsets[] = {0, 1, 2};
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged_strings(nullptr, "k", 2, row_splits, 0, nullptr,
                                                     offsets, "ab", 2));
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged_strings(b, nullptr, 2, row_splits, 0, nullptr,
                                                     offsets, "ab", 2));
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged_strings(b, "k", 2, nullptr, 0, nullptr, offsets,
                                                     "ab", 2));
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged_strings(b, "k", 2, row_splits, 0, nullptr, nullptr,
                                                     "ab", 2));
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged_strings(b, "k", 2, row_splits, 0, nullptr, offsets,
                                                     nullptr, 2));
}

// ---------------------------------------------------------------------------------------------
// NULL arguments: tensors, stats, layers, packing
// ---------------------------------------------------------------------------------------------
TEST(CapiNull, TensorGetters) {
  seqfeat_tensor_free(nullptr);
  EXPECT_EQ(seqfeat_tensor_data(nullptr), nullptr);
  EXPECT_EQ(seqfeat_tensor_dtype(nullptr), 0);
  EXPECT_EQ(seqfeat_tensor_ndim(nullptr), 0);
  EXPECT_EQ(seqfeat_tensor_shape(nullptr), nullptr);
  EXPECT_EQ(seqfeat_tensor_size(nullptr), 0);
  DLManagedTensor* managed = Sentinel<DLManagedTensor>();
  SF_EXPECT_INVALID(seqfeat_tensor_to_dlpack(nullptr, &managed));
  seqfeat_tensor* none = nullptr;
  SF_EXPECT_INVALID(seqfeat_tensor_to_dlpack(&none, &managed));
  EXPECT_EQ(managed, Sentinel<DLManagedTensor>());
}

TEST(CapiNull, ToDlpackWithoutOutKeepsTheTensor) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  ASSERT_TRUE(layer);
  Batch batch;
  SF_ASSERT_OK(batch.Sparse<float>("x", {{0, 0}}, {1, 1}, {2.5f}));
  seqfeat_tensor *dense = nullptr, *lengths = nullptr;
  SF_ASSERT_OK(seqfeat_features_pack(layer.get(), batch.get(), nullptr, &dense, &lengths, nullptr,
                                     nullptr));
  TensorPtr keep_lengths(lengths);
  seqfeat_tensor* held = dense;
  SF_EXPECT_INVALID(seqfeat_tensor_to_dlpack(&held, nullptr));
  EXPECT_EQ(held, dense) << "a failed hand-off must leave the tensor with the caller";
  TensorPtr keep_dense(held);
  ASSERT_EQ(seqfeat_tensor_size(held), 1);
  EXPECT_EQ(Values<float>(held), std::vector<float>({2.5f}));
}

TEST(CapiNull, Stats) {
  SF_EXPECT_INVALID(seqfeat_stats_create(nullptr));
  seqfeat_stats_free(nullptr);
  EXPECT_EQ(seqfeat_stats_num_columns(nullptr), 0u);
  const char* name = seqfeat_stats_column_name(nullptr, 0);
  EXPECT_TRUE(name == nullptr || std::string(name).empty());
  int64_t v = -3;
  SF_EXPECT_INVALID(seqfeat_stats_get(nullptr, 0, SEQFEAT_STAT_OOV_HITS, &v));
  EXPECT_EQ(v, -3);
  seqfeat_stats* raw = nullptr;
  SF_ASSERT_OK(seqfeat_stats_create(&raw));
  StatsPtr stats(raw);
  EXPECT_EQ(seqfeat_stats_num_columns(raw), 0u);
  SF_EXPECT_INVALID(seqfeat_stats_get(raw, 0, SEQFEAT_STAT_OOV_HITS, nullptr));
  // No pack yet: column 0 does not exist.
  EXPECT_NE(seqfeat_stats_get(raw, 0, SEQFEAT_STAT_OOV_HITS, &v), SEQFEAT_OK);
  EXPECT_EQ(v, -3);
}

TEST(CapiNull, FeaturesCreateAndGetters) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  const seqfeat_column* cols[] = {x.get()};
  const seqfeat_column* with_null[] = {x.get(), nullptr};
  seqfeat_features* out = Sentinel<seqfeat_features>();
  SF_EXPECT_INVALID(seqfeat_features_create(nullptr, 1, &out));
  SF_EXPECT_INVALID(seqfeat_features_create(with_null, 2, &out));
  EXPECT_EQ(out, Sentinel<seqfeat_features>());
  SF_EXPECT_INVALID(seqfeat_features_create(cols, 1, nullptr));

  seqfeat_features_free(nullptr);
  EXPECT_EQ(seqfeat_features_num_columns(nullptr), 0u);
  EXPECT_EQ(seqfeat_features_column(nullptr, 0), nullptr);
  EXPECT_EQ(seqfeat_features_depth(nullptr), 0);
  int64_t off = -9, width = -9;
  SF_EXPECT_INVALID(seqfeat_features_column_slice(nullptr, 0, &off, &width));
  FeaturesPtr layer = Layer({x.get()});
  ASSERT_TRUE(layer);
  SF_EXPECT_INVALID(seqfeat_features_column_slice(layer.get(), 0, nullptr, &width));
  SF_EXPECT_INVALID(seqfeat_features_column_slice(layer.get(), 0, &off, nullptr));
  EXPECT_NE(seqfeat_features_column_slice(layer.get(), 1, &off, &width), SEQFEAT_OK);
  EXPECT_EQ(off, -9);
  EXPECT_EQ(width, -9);
  EXPECT_EQ(seqfeat_features_column(layer.get(), 1), nullptr);
}

class CapiNullPack : public ::testing::Test {
 protected:
  void SetUp() override {
    x_ = Numeric("x");
    ASSERT_TRUE(x_);
    layer_ = Layer({x_.get()});
    ASSERT_TRUE(layer_);
    SF_ASSERT_OK(batch_.Sparse<float>("x", {{0, 0}, {1, 0}, {1, 1}}, {2, 2}, {1.f, 2.f, 3.f}));
  }
  ColumnPtr x_;
  FeaturesPtr layer_;
  Batch batch_;
};

TEST_F(CapiNullPack, OutputShape) {
  const seqfeat_pack_options o = PackOptions();
  int64_t b = -1, t = -1, d = -1;
  SF_EXPECT_INVALID(seqfeat_features_output_shape(nullptr, batch_.get(), &o, &b, &t, &d));
  SF_EXPECT_INVALID(seqfeat_features_output_shape(layer_.get(), nullptr, &o, &b, &t, &d));
  SF_EXPECT_INVALID(seqfeat_features_output_shape(layer_.get(), batch_.get(), &o, nullptr, &t, &d));
  SF_EXPECT_INVALID(seqfeat_features_output_shape(layer_.get(), batch_.get(), &o, &b, nullptr, &d));
  SF_EXPECT_INVALID(seqfeat_features_output_shape(layer_.get(), batch_.get(), &o, &b, &t, nullptr));
  EXPECT_EQ(b, -1);
  EXPECT_EQ(t, -1);
  EXPECT_EQ(d, -1);
  // opts may be NULL (documented).
  SF_ASSERT_OK(seqfeat_features_output_shape(layer_.get(), batch_.get(), nullptr, &b, &t, &d));
  EXPECT_EQ(b, 2);
  EXPECT_EQ(t, 2);
  EXPECT_EQ(d, 1);
}

TEST_F(CapiNullPack, PackInto) {
  const seqfeat_pack_options o = PackOptions();
  std::vector<float> dense(4, 9.f);
  std::vector<int64_t> lengths(2, 9);
  SF_EXPECT_INVALID(seqfeat_features_pack_into(nullptr, batch_.get(), &o, dense.data(), 4,
                                               lengths.data(), 2, nullptr, 0, nullptr));
  SF_EXPECT_INVALID(seqfeat_features_pack_into(layer_.get(), nullptr, &o, dense.data(), 4,
                                               lengths.data(), 2, nullptr, 0, nullptr));
  SF_EXPECT_INVALID(seqfeat_features_pack_into(layer_.get(), batch_.get(), &o, nullptr, 4,
                                               lengths.data(), 2, nullptr, 0, nullptr));
  SF_EXPECT_INVALID(seqfeat_features_pack_into(layer_.get(), batch_.get(), &o, dense.data(), 4,
                                               nullptr, 2, nullptr, 0, nullptr));
  EXPECT_EQ(dense, std::vector<float>(4, 9.f));
  EXPECT_EQ(lengths, std::vector<int64_t>(2, 9));
  // The mask and the stats are optional.
  SF_ASSERT_OK(seqfeat_features_pack_into(layer_.get(), batch_.get(), &o, dense.data(), 4,
                                          lengths.data(), 2, nullptr, 0, nullptr));
  EXPECT_EQ(dense, std::vector<float>({1.f, 0.f, 2.f, 3.f}));
  EXPECT_EQ(lengths, std::vector<int64_t>({1, 2}));
}

TEST_F(CapiNullPack, PackIntoWithNullOptionsUsesDefaultsOrRejects) {
  std::vector<float> dense(4, 9.f);
  std::vector<int64_t> lengths(2, 9);
  const Outcome o = Capture(seqfeat_features_pack_into(layer_.get(), batch_.get(), nullptr,
                                                       dense.data(), 4, lengths.data(), 2, nullptr,
                                                       0, nullptr));
  if (o.status == SEQFEAT_OK) {
    EXPECT_EQ(dense, std::vector<float>({1.f, 0.f, 2.f, 3.f}));
    EXPECT_EQ(lengths, std::vector<int64_t>({1, 2}));
  } else {
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
    EXPECT_EQ(dense, std::vector<float>(4, 9.f));
  }
}

TEST_F(CapiNullPack, Pack) {
  const seqfeat_pack_options o = PackOptions();
  seqfeat_tensor* dense = Sentinel<seqfeat_tensor>();
  seqfeat_tensor* lengths = Sentinel<seqfeat_tensor>();
  seqfeat_tensor* mask = Sentinel<seqfeat_tensor>();
  SF_EXPECT_INVALID(seqfeat_features_pack(nullptr, batch_.get(), &o, &dense, &lengths, &mask, nullptr));
  SF_EXPECT_INVALID(seqfeat_features_pack(layer_.get(), nullptr, &o, &dense, &lengths, &mask, nullptr));
  SF_EXPECT_INVALID(seqfeat_features_pack(layer_.get(), batch_.get(), &o, nullptr, &lengths, &mask,
                                          nullptr));
  SF_EXPECT_INVALID(seqfeat_features_pack(layer_.get(), batch_.get(), &o, &dense, nullptr, &mask,
                                          nullptr));
  EXPECT_EQ(dense, Sentinel<seqfeat_tensor>());
  EXPECT_EQ(lengths, Sentinel<seqfeat_tensor>());
  EXPECT_EQ(mask, Sentinel<seqfeat_tensor>());
}

TEST_F(CapiNullPack, SingleColumnCalls) {
  seqfeat_tensor* dense = Sentinel<seqfeat_tensor>();
  seqfeat_tensor* lengths = Sentinel<seqfeat_tensor>();
  SF_EXPECT_INVALID(seqfeat_column_get_sequence_dense_tensor(nullptr, batch_.get(), &dense, &lengths));
  SF_EXPECT_INVALID(seqfeat_column_get_sequence_dense_tensor(x_.get(), nullptr, &dense, &lengths));
  SF_EXPECT_INVALID(seqfeat_column_get_sequence_dense_tensor(x_.get(), batch_.get(), nullptr, &lengths));
  SF_EXPECT_INVALID(seqfeat_column_get_sequence_dense_tensor(x_.get(), batch_.get(), &dense, nullptr));
  EXPECT_EQ(dense, Sentinel<seqfeat_tensor>());
  EXPECT_EQ(lengths, Sentinel<seqfeat_tensor>());

  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}}, {1, 1}, {2}));
  seqfeat_tensor* i = Sentinel<seqfeat_tensor>();
  seqfeat_tensor* v = Sentinel<seqfeat_tensor>();
  seqfeat_tensor* s = Sentinel<seqfeat_tensor>();
  seqfeat_tensor* w = Sentinel<seqfeat_tensor>();
  SF_EXPECT_INVALID(seqfeat_column_get_sparse_tensors(nullptr, b.get(), &i, &v, &s, &w));
  SF_EXPECT_INVALID(seqfeat_column_get_sparse_tensors(ids.get(), nullptr, &i, &v, &s, &w));
  SF_EXPECT_INVALID(seqfeat_column_get_sparse_tensors(ids.get(), b.get(), nullptr, &v, &s, &w));
  SF_EXPECT_INVALID(seqfeat_column_get_sparse_tensors(ids.get(), b.get(), &i, nullptr, &s, &w));
  SF_EXPECT_INVALID(seqfeat_column_get_sparse_tensors(ids.get(), b.get(), &i, &v, nullptr, &w));
  EXPECT_EQ(i, Sentinel<seqfeat_tensor>());
  EXPECT_EQ(v, Sentinel<seqfeat_tensor>());
  EXPECT_EQ(s, Sentinel<seqfeat_tensor>());
  EXPECT_EQ(w, Sentinel<seqfeat_tensor>());
}

TEST(CapiNull, ConcatenateContextInput) {
  const float context[2] = {1, 2};
  const float sequence[2] = {3, 4};
  float out[6] = {7, 7, 7, 7, 7, 7};
  SF_EXPECT_INVALID(seqfeat_concatenate_context_input(nullptr, 2, sequence, 1, 2, 1, out, 6));
  SF_EXPECT_INVALID(seqfeat_concatenate_context_input(context, 2, nullptr, 1, 2, 1, out, 6));
  SF_EXPECT_INVALID(seqfeat_concatenate_context_input(context, 2, sequence, 1, 2, 1, nullptr, 6));
  SF_EXPECT_INVALID(seqfeat_concatenate_context_input(context, -1, sequence, 1, 2, 1, out, 6));
  SF_EXPECT_INVALID(seqfeat_concatenate_context_input(context, 2, sequence, -1, 2, 1, out, 6));
  for (float v : out) EXPECT_EQ(v, 7.f);
}

// ---------------------------------------------------------------------------------------------
// Out-params and caller buffers untouched on failure; BUFFER_TOO_SMALL
// ---------------------------------------------------------------------------------------------
TEST(CapiUntouched, GetterOutParamsOnWrongColumnKind) {
  ColumnPtr x = Numeric("x", {2, 3});
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(x && ids);
  int64_t v = -42;
  // A numeric column has no buckets.
  EXPECT_NE(seqfeat_column_num_buckets(x.get(), &v), SEQFEAT_OK);
  EXPECT_STRNE(seqfeat_last_error_message(), "");
  EXPECT_EQ(v, -42);
  const seqfeat_column* cat = Sentinel<const seqfeat_column>();
  EXPECT_NE(seqfeat_column_categorical(x.get(), &cat), SEQFEAT_OK);
  EXPECT_NE(seqfeat_column_categorical(ids.get(), &cat), SEQFEAT_OK);
  EXPECT_EQ(cat, Sentinel<const seqfeat_column>());
  int64_t rows = -1, dim = -1;
  EXPECT_NE(seqfeat_column_table_shape(ids.get(), &rows, &dim), SEQFEAT_OK);
  EXPECT_EQ(rows, -1);
  EXPECT_EQ(dim, -1);
  const char* name = "sentinel";
  EXPECT_NE(seqfeat_column_table_name(x.get(), &name), SEQFEAT_OK);
  EXPECT_STREQ(name, "sentinel");
  float buf[4] = {5, 5, 5, 5};
  EXPECT_NE(seqfeat_column_table_get(x.get(), buf, 4), SEQFEAT_OK);
  EXPECT_NE(seqfeat_column_table_set(ids.get(), buf, 4), SEQFEAT_OK);
  for (float f : buf) EXPECT_EQ(f, 5.f);
}

TEST(CapiUntouched, VariableShapeCapacity) {
  ColumnPtr x = Numeric("x", {2, 3});
  ASSERT_TRUE(x);
  int64_t shape[3] = {-1, -1, -1};
  size_t rank = 0;
  SF_ASSERT_OK(seqfeat_column_variable_shape(x.get(), shape, 3, &rank));
  EXPECT_EQ(rank, 2u);
  EXPECT_EQ(shape[0], 2);
  EXPECT_EQ(shape[1], 3);
  EXPECT_EQ(shape[2], -1);
}

// The header: "Writes up to `capacity` dims and the rank to *out_rank", so a smaller capacity is
// how a caller learns the rank. The library returns BUFFER_TOO_SMALL instead.
TEST(CapiUntouched, VariableShapeRankQueryAndSmallCapacity) {
  ColumnPtr x = Numeric("x", {2, 3});
  ASSERT_TRUE(x);
  size_t rank = 0;
  SF_ASSERT_OK(seqfeat_column_variable_shape(x.get(), nullptr, 0, &rank));  // rank query
  EXPECT_EQ(rank, 2u);
  int64_t one[2] = {-1, -1};
  rank = 77;
  EXPECT_EQ(seqfeat_column_variable_shape(x.get(), one, 1, &rank), SEQFEAT_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(rank, 77u);
  EXPECT_EQ(one[0], -1);
  EXPECT_EQ(one[1], -1);
  SF_ASSERT_OK(seqfeat_column_variable_shape(x.get(), one, 2, &rank));
  EXPECT_EQ(rank, 2u);
  EXPECT_EQ(one[0], 2);
  EXPECT_EQ(one[1], 3);
}

TEST(CapiUntouched, TableGetSetWrongCount) {
  ColumnPtr ids = Identity("ids", 2);
  ASSERT_TRUE(ids);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .table = {1, 2, 3, 4}});
  ASSERT_TRUE(emb);
  std::vector<float> small(3, -1.f), large(5, -1.f);
  EXPECT_TRUE(IsOneOf(Capture(seqfeat_column_table_get(emb.get(), small.data(), small.size())),
                      {SEQFEAT_ERR_BUFFER_TOO_SMALL, SEQFEAT_ERR_INVALID_ARGUMENT}));
  EXPECT_EQ(small, std::vector<float>(3, -1.f));
  const float wrong[3] = {9, 9, 9};
  EXPECT_TRUE(IsOneOf(Capture(seqfeat_column_table_set(emb.get(), wrong, 3)),
                      {SEQFEAT_ERR_INVALID_ARGUMENT, SEQFEAT_ERR_BUFFER_TOO_SMALL}));
  std::vector<float> got(4, 0.f);
  SF_ASSERT_OK(seqfeat_column_table_get(emb.get(), got.data(), got.size()));
  EXPECT_EQ(got, std::vector<float>({1, 2, 3, 4})) << "a failed set must not change the table";
}

// Fills caller buffers with a pattern, calls pack_into and checks that nothing was written.
struct Pattern {
  std::vector<float> dense;
  std::vector<int64_t> lengths;
  std::vector<uint8_t> mask;
  Pattern(size_t d, size_t l, size_t m) : dense(d, -3.25f), lengths(l, -11), mask(m, 0xCD) {}
  ::testing::AssertionResult Untouched() const {
    for (float v : dense)
      if (v != -3.25f) return ::testing::AssertionFailure() << "dense written";
    for (int64_t v : lengths)
      if (v != -11) return ::testing::AssertionFailure() << "lengths written";
    for (uint8_t v : mask)
      if (v != 0xCD) return ::testing::AssertionFailure() << "mask written";
    return ::testing::AssertionSuccess();
  }
  Outcome Pack(const seqfeat_features* f, const Batch& b, const seqfeat_pack_options* o) {
    return Capture(seqfeat_features_pack_into(f, b.get(), o, dense.data(), dense.size(),
                                              lengths.data(), lengths.size(), mask.data(),
                                              mask.size(), nullptr));
  }
};

TEST(CapiUntouched, BufferTooSmall) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  ASSERT_TRUE(layer);
  Batch batch;
  SF_ASSERT_OK(batch.Sparse<float>("x", {{0, 0}, {0, 1}, {1, 0}}, {2, 3}, {1, 2, 3}));
  const seqfeat_pack_options o = PackOptions();
  // Needed: dense 2*3*1 = 6, lengths 2, mask 6.
  {
    Pattern p(5, 2, 6);
    EXPECT_TRUE(IsStatus(p.Pack(layer.get(), batch, &o), SEQFEAT_ERR_BUFFER_TOO_SMALL));
    EXPECT_TRUE(p.Untouched());
  }
  {
    Pattern p(6, 1, 6);
    EXPECT_TRUE(IsStatus(p.Pack(layer.get(), batch, &o), SEQFEAT_ERR_BUFFER_TOO_SMALL));
    EXPECT_TRUE(p.Untouched());
  }
  {
    Pattern p(6, 2, 5);
    EXPECT_TRUE(IsStatus(p.Pack(layer.get(), batch, &o), SEQFEAT_ERR_BUFFER_TOO_SMALL));
    EXPECT_TRUE(p.Untouched());
  }
  {
    // Larger buffers are fine; only the needed prefix is written.
    Pattern p(8, 3, 7);
    EXPECT_TRUE(IsStatus(p.Pack(layer.get(), batch, &o), SEQFEAT_OK));
    EXPECT_EQ(std::vector<float>(p.dense.begin(), p.dense.begin() + 6),
              std::vector<float>({1, 2, 0, 3, 0, 0}));
    EXPECT_EQ(p.dense[6], -3.25f);
    EXPECT_EQ(p.dense[7], -3.25f);
    EXPECT_EQ(p.lengths[0], 2);
    EXPECT_EQ(p.lengths[1], 1);
    EXPECT_EQ(p.lengths[2], -11);
    EXPECT_EQ(std::vector<uint8_t>(p.mask.begin(), p.mask.begin() + 6),
              std::vector<uint8_t>({1, 1, 0, 1, 0, 0}));
    EXPECT_EQ(p.mask[6], 0xCD);
  }
}

TEST(CapiUntouched, ConcatenateContextInputTooSmall) {
  const float context[2] = {1, 2};
  const float sequence[2] = {3, 4};
  float out[6] = {7, 7, 7, 7, 7, 7};
  // batch 1, steps 2, sequence_depth 1, context_depth 2 -> 6 values needed.
  EXPECT_TRUE(IsStatus(Capture(seqfeat_concatenate_context_input(context, 2, sequence, 1, 2, 1, out, 5)),
                       SEQFEAT_ERR_BUFFER_TOO_SMALL));
  for (float v : out) EXPECT_EQ(v, 7.f);
}

// Inputs whose problem sits in the last example: a library that writes as it goes would have
// touched the buffers before noticing.
TEST(CapiUntouched, BadInputLeavesBuffersUnchanged) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                                     .table = {1, 2, 3, 4, 5, 6, 7, 8}});
  ColumnPtr ind = Indicator(ids.get());
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(emb && ind && x);
  const seqfeat_pack_options o = PackOptions();

  {  // id >= num_buckets in the last example of an embedding
    FeaturesPtr layer = Layer({emb.get()});
    Batch b;
    SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {1, 0}, {2, 1}}, {3, 2}, {1, 2, 4}));
    Pattern p(3 * 2 * 2, 3, 6);
    EXPECT_TRUE(IsStatus(p.Pack(layer.get(), b, &o), SEQFEAT_ERR_OUT_OF_RANGE));
    EXPECT_TRUE(p.Untouched());
  }
  {  // out-of-order index at the end
    FeaturesPtr layer = Layer({ind.get()});
    Batch b;
    SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {1, 1}, {1, 0}}, {2, 2}, {1, 2, 3}));
    Pattern p(2 * 2 * 4, 2, 4);
    EXPECT_TRUE(IsStatus(p.Pack(layer.get(), b, &o), SEQFEAT_ERR_INVALID_ARGUMENT));
    EXPECT_TRUE(p.Untouched());
  }
  {  // duplicate numeric index at the end
    FeaturesPtr layer = Layer({x.get()});
    Batch b;
    SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}, {1, 1}, {1, 1}}, {2, 2}, {1, 2, 3}));
    Pattern p(4, 2, 4);
    EXPECT_TRUE(IsStatus(p.Pack(layer.get(), b, &o), SEQFEAT_ERR_INVALID_ARGUMENT));
    EXPECT_TRUE(p.Untouched());
  }
  {  // unequal sequence lengths in the last example
    FeaturesPtr layer = Layer({ind.get(), x.get()});
    Batch b;
    SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {1, 0}, {1, 1}}, {2, 2}, {1, 2, 3}));
    SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}, {1, 0}}, {2, 2}, {1, 2}));
    Pattern p(2 * 2 * 5, 2, 4);
    EXPECT_TRUE(IsStatus(p.Pack(layer.get(), b, &o), SEQFEAT_ERR_INVALID_ARGUMENT));
    EXPECT_TRUE(p.Untouched());
  }
  {  // strict mode violation in the last example
    FeaturesPtr layer = Layer({ind.get()});
    Batch b;
    SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {1, 1}}, {2, 2}, {1, 9}));
    seqfeat_pack_options strict = PackOptions();
    strict.strict = 1;
    Pattern p(2 * 2 * 4, 2, 4);
    const Outcome out = p.Pack(layer.get(), b, &strict);
    EXPECT_NE(out.status, SEQFEAT_OK);
    EXPECT_TRUE(p.Untouched());
  }
  {  // missing feature
    FeaturesPtr layer = Layer({x.get()});
    Batch b;
    SF_ASSERT_OK(b.Sparse<float>("y", {{0, 0}}, {1, 1}, {1}));
    Pattern p(1, 1, 1);
    EXPECT_TRUE(IsStatus(p.Pack(layer.get(), b, &o), SEQFEAT_ERR_NOT_FOUND));
    EXPECT_TRUE(p.Untouched());
  }
}

TEST(CapiUntouched, FailedPackLeavesTensorOutParams) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 1}, {0, 0}}, {1, 2}, {1, 2}));  // out of order
  seqfeat_tensor* dense = Sentinel<seqfeat_tensor>();
  seqfeat_tensor* lengths = Sentinel<seqfeat_tensor>();
  seqfeat_tensor* mask = Sentinel<seqfeat_tensor>();
  const seqfeat_pack_options o = PackOptions();
  EXPECT_TRUE(IsStatus(Capture(seqfeat_features_pack(layer.get(), b.get(), &o, &dense, &lengths,
                                                     &mask, nullptr)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_EQ(dense, Sentinel<seqfeat_tensor>());
  EXPECT_EQ(lengths, Sentinel<seqfeat_tensor>());
  EXPECT_EQ(mask, Sentinel<seqfeat_tensor>());
  int64_t bb = -1, t = -1, d = -1;
  EXPECT_NE(seqfeat_features_output_shape(layer.get(), b.get(), &o, &bb, &t, &d), SEQFEAT_OK);
  EXPECT_EQ(bb, -1);
  EXPECT_EQ(t, -1);
  EXPECT_EQ(d, -1);
  seqfeat_tensor* sd = Sentinel<seqfeat_tensor>();
  seqfeat_tensor* sl = Sentinel<seqfeat_tensor>();
  EXPECT_NE(seqfeat_column_get_sequence_dense_tensor(x.get(), b.get(), &sd, &sl), SEQFEAT_OK);
  EXPECT_EQ(sd, Sentinel<seqfeat_tensor>());
  EXPECT_EQ(sl, Sentinel<seqfeat_tensor>());
}

TEST(CapiUntouched, StatsGetOutOfRange) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}}, {1, 1}, {1}));
  seqfeat_stats* raw = nullptr;
  SF_ASSERT_OK(seqfeat_stats_create(&raw));
  StatsPtr stats(raw);
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p, nullptr, raw));
  ASSERT_EQ(seqfeat_stats_num_columns(raw), 1u);
  int64_t v = -8;
  EXPECT_TRUE(IsOneOf(Capture(seqfeat_stats_get(raw, 1, SEQFEAT_STAT_OOV_HITS, &v)),
                      {SEQFEAT_ERR_OUT_OF_RANGE, SEQFEAT_ERR_INVALID_ARGUMENT}));
  EXPECT_TRUE(IsOneOf(Capture(seqfeat_stats_get(raw, 0, SEQFEAT_STAT_COUNT, &v)),
                      {SEQFEAT_ERR_OUT_OF_RANGE, SEQFEAT_ERR_INVALID_ARGUMENT}));
  EXPECT_TRUE(IsOneOf(Capture(seqfeat_stats_get(raw, 0, -1, &v)),
                      {SEQFEAT_ERR_OUT_OF_RANGE, SEQFEAT_ERR_INVALID_ARGUMENT}));
  EXPECT_EQ(v, -8);
  SF_ASSERT_OK(seqfeat_stats_get(raw, 0, SEQFEAT_STAT_EMPTY_EXAMPLES, &v));
  EXPECT_EQ(v, 0);
}

}  // namespace
}  // namespace sftest
