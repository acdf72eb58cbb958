/* The seed example in C: a numeric rating and watched-item ids through a 10-dim embedding,
 * packed into one [batch, steps, 11] tensor plus sequence lengths.
 *
 * The embedding table is deterministic, table[i][j] = (i % 100) * 0.01 + j * 0.001, so the C,
 * C++, Python and Rust versions print the same numbers. */
#include <stdio.h>
#include <stdlib.h>

#include <seqfeat/seqfeat.h>

#define ROWS 1000
#define DIM 10

/* Prints the message of the failed call and exits. */
static void check(seqfeat_status status, const char* what) {
  if (status != SEQFEAT_OK) {
    fprintf(stderr, "%s failed (%s): %s\n", what, seqfeat_status_string(status),
            seqfeat_last_error_message());
    exit(1);
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

int main(void) {
  static float table[ROWS * DIM];
  const int64_t indices[] = {0, 0, 0, 1, 1, 0, 1, 1, 1, 2};
  const int64_t dense_shape[] = {2, 5};
  const float ratings[] = {3.0f, 5.0f, 1.0f, 2.0f, 3.0f};
  const int64_t watched[] = {12, 34, 7, 7, 999};
  seqfeat_numeric_options numeric;
  seqfeat_embedding_options embedding;
  seqfeat_column* rating = NULL;
  seqfeat_column* watches = NULL;
  seqfeat_column* watches_embedding = NULL;
  const seqfeat_column* columns[2];
  seqfeat_features* layer = NULL;
  seqfeat_batch* batch = NULL;
  int64_t shape[3];
  float* dense;
  int64_t lengths[2];
  int i, j;

  for (i = 0; i < ROWS; ++i)
    for (j = 0; j < DIM; ++j) table[i * DIM + j] = (float)(i % 100) * 0.01f + (float)j * 0.001f;

  seqfeat_numeric_options_default(&numeric);
  check(seqfeat_numeric_column_create("rating", 1, &numeric, &rating), "rating");
  check(seqfeat_identity_column_create("watches", 1, ROWS, SEQFEAT_NO_DEFAULT, &watches),
        "watches");
  seqfeat_embedding_options_default(&embedding);
  embedding.dimension = DIM;
  embedding.initial_table = table;
  embedding.initial_table_count = ROWS * DIM;
  check(seqfeat_embedding_column_create(watches, &embedding, &watches_embedding),
        "watches_embedding");
  columns[0] = rating;
  columns[1] = watches_embedding;
  check(seqfeat_features_create(columns, 2, &layer), "SequenceFeatures");

  check(seqfeat_batch_create(&batch), "batch");
  check(seqfeat_batch_add_sparse(batch, "rating", indices, 5, 2, dense_shape,
                                 SEQFEAT_DTYPE_FLOAT32, ratings),
        "rating input");
  check(seqfeat_batch_add_sparse(batch, "watches", indices, 5, 2, dense_shape,
                                 SEQFEAT_DTYPE_INT64, watched),
        "watches input");

  /* Ask for the shape, then pack into our own buffers. */
  check(seqfeat_features_output_shape(layer, batch, NULL, &shape[0], &shape[1], &shape[2]),
        "output shape");
  dense = malloc((size_t)(shape[0] * shape[1] * shape[2]) * sizeof(float));
  if (!dense || shape[0] != 2) return 1;
  check(seqfeat_features_pack_into(layer, batch, NULL, dense,
                                   (size_t)(shape[0] * shape[1] * shape[2]), lengths, 2, NULL, 0,
                                   NULL),
        "pack");
  print_output(shape, dense, lengths);

  free(dense);
  seqfeat_batch_free(batch);
  seqfeat_features_free(layer);
  seqfeat_column_free(watches_embedding);
  seqfeat_column_free(watches);
  seqfeat_column_free(rating);
  return 0;
}
