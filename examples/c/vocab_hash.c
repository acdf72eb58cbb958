/* A vocabulary file and a hashed string feature, each through an embedding with the mean
 * combiner; every step holds one or two values (a [batch, steps, 2] SparseTensor).
 *
 * Usage: vocab_hash [path/to/vocab.txt]   (default: examples/data/vocab.txt)
 * Tables are deterministic, table[i][j] = (i % 100) * 0.01 + j * 0.001, so the C, C++, Python
 * and Rust versions print the same numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seqfeat/seqfeat.h>

static void check(seqfeat_status status, const char* what) {
  if (status != SEQFEAT_OK) {
    fprintf(stderr, "%s failed (%s): %s\n", what, seqfeat_status_string(status),
            seqfeat_last_error_message());
    exit(1);
  }
}

static void fill_table(float* table, int rows, int dimension) {
  int i, j;
  for (i = 0; i < rows; ++i)
    for (j = 0; j < dimension; ++j)
      table[i * dimension + j] = (float)(i % 100) * 0.01f + (float)j * 0.001f;
}

/* Arrow-style strings: offsets[n + 1] into one byte buffer. */
static void to_offsets(const char* const* values, int n, int64_t* offsets, char* bytes) {
  int i;
  offsets[0] = 0;
  for (i = 0; i < n; ++i) {
    size_t len = strlen(values[i]);
    memcpy(bytes + offsets[i], values[i], len);
    offsets[i + 1] = offsets[i] + (int64_t)len;
  }
}

static void print_output(const int64_t* shape, const float* dense, const int64_t* lengths) {
  int64_t b, t, d;
  printf("shape: [%lld, %lld, %lld]\n", (long long)shape[0], (long long)shape[1],
         (long long)shape[2]);
  for (b = 0; b < shape[0]; ++b)
    for (t = 0; t < shape[1]; ++t)
      for (d = 0; d < shape[2]; ++d)
        printf("%.4f%c", (double)dense[(b * shape[1] + t) * shape[2] + d],
               d + 1 == shape[2] ? '\n' : ' ');
  printf("sequence_length: [");
  for (b = 0; b < shape[0]; ++b) printf(b ? ", %lld" : "%lld", (long long)lengths[b]);
  printf("]\n");
}

int main(int argc, char** argv) {
  const char* vocabulary_file = argc > 1 ? argv[1] : "examples/data/vocab.txt";
  /* example 0: {comedy, drama}, {thriller}; example 1: {horror}, {documentary, comedy}, {drama} */
  const int64_t genre_indices[] = {0, 0, 0, 0, 0, 1, 0, 1, 0,
                                   1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 2, 0};
  const char* const genre_values[] = {"comedy", "drama",  "thriller", "horror",
                                      "documentary", "comedy", "drama"};
  /* example 0: {a, b}, {c}; example 1: {d}, {a}, {b, d} */
  const int64_t tags_indices[] = {0, 0, 0, 0, 0, 1, 0, 1, 0,
                                  1, 0, 0, 1, 1, 0, 1, 2, 0, 1, 2, 1};
  const char* const tags_values[] = {"a", "b", "c", "d", "a", "b", "d"};
  const int64_t dense_shape[] = {2, 3, 2};
  int64_t genre_offsets[8], tags_offsets[8];
  char genre_bytes[64], tags_bytes[16];
  float genre_table[5 * 3], tags_table[10 * 4];
  seqfeat_embedding_options embedding;
  seqfeat_column *genre = NULL, *tags = NULL, *genre_embedding = NULL, *tags_embedding = NULL;
  const seqfeat_column* columns[2];
  seqfeat_features* layer = NULL;
  seqfeat_batch* batch = NULL;
  seqfeat_tensor *dense = NULL, *lengths = NULL;

  /* genre: the 4 words of the file + 1 OOV bucket; tags: 10 hash buckets. */
  check(seqfeat_vocabulary_file_column_create("genre", 1, vocabulary_file, -1, 1,
                                              SEQFEAT_NO_DEFAULT, SEQFEAT_DTYPE_STRING, &genre),
        "genre");
  check(seqfeat_hash_bucket_column_create("tags", 1, 10, SEQFEAT_DTYPE_STRING, &tags), "tags");

  fill_table(genre_table, 5, 3);
  fill_table(tags_table, 10, 4);
  seqfeat_embedding_options_default(&embedding);
  embedding.combiner = SEQFEAT_COMBINER_MEAN;
  embedding.dimension = 3;
  embedding.initial_table = genre_table;
  embedding.initial_table_count = 5 * 3;
  check(seqfeat_embedding_column_create(genre, &embedding, &genre_embedding), "genre_embedding");
  embedding.dimension = 4;
  embedding.initial_table = tags_table;
  embedding.initial_table_count = 10 * 4;
  check(seqfeat_embedding_column_create(tags, &embedding, &tags_embedding), "tags_embedding");
  columns[0] = tags_embedding;
  columns[1] = genre_embedding;
  check(seqfeat_features_create(columns, 2, &layer), "SequenceFeatures");

  to_offsets(genre_values, 7, genre_offsets, genre_bytes);
  to_offsets(tags_values, 7, tags_offsets, tags_bytes);
  check(seqfeat_batch_create(&batch), "batch");
  check(seqfeat_batch_add_sparse_strings(batch, "genre", genre_indices, 7, 3, dense_shape,
                                         genre_offsets, genre_bytes),
        "genre input");
  check(seqfeat_batch_add_sparse_strings(batch, "tags", tags_indices, 7, 3, dense_shape,
                                         tags_offsets, tags_bytes),
        "tags input");

  /* Library-owned output tensors this time. */
  check(seqfeat_features_pack(layer, batch, NULL, &dense, &lengths, NULL, NULL), "pack");
  print_output(seqfeat_tensor_shape(dense), (const float*)seqfeat_tensor_data(dense),
               (const int64_t*)seqfeat_tensor_data(lengths));

  seqfeat_tensor_free(lengths);
  seqfeat_tensor_free(dense);
  seqfeat_batch_free(batch);
  seqfeat_features_free(layer);
  seqfeat_column_free(tags_embedding);
  seqfeat_column_free(genre_embedding);
  seqfeat_column_free(tags);
  seqfeat_column_free(genre);
  return 0;
}
