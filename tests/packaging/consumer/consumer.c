/* Packs one sequence of ids [1, 3] through a 2-dim embedding whose row r is [2r, 2r + 1] and
 * prints the result; built against an installed libseqfeat. Expected output:
 *   version ok
 *   shape: [1, 2, 2]
 *   2.0 3.0
 *   6.0 7.0
 *   sequence_length: [2]
 */
#include <stdio.h>
#include <string.h>

#include <seqfeat/seqfeat.h>

static int failed(seqfeat_status status, const char* what) {
  if (status == SEQFEAT_OK) return 0;
  fprintf(stderr, "%s: %s\n", what, seqfeat_last_error_message());
  return 1;
}

int main(void) {
  const float table[] = {0, 1, 2, 3, 4, 5, 6, 7};
  const int64_t indices[] = {0, 0, 0, 1};
  const int64_t dense_shape[] = {1, 2};
  const int64_t ids_values[] = {1, 3};
  seqfeat_embedding_options options;
  seqfeat_column *ids = NULL, *embedding = NULL;
  const seqfeat_column* columns[1];
  seqfeat_features* layer = NULL;
  seqfeat_batch* batch = NULL;
  float dense[4];
  int64_t lengths[1];

  if (seqfeat_version_number() != SEQFEAT_VERSION_NUMBER ||
      strcmp(seqfeat_version_string(), SEQFEAT_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s, library %s\n", SEQFEAT_VERSION_STRING, seqfeat_version_string());
    return 1;
  }
  printf("version ok\n");

  seqfeat_embedding_options_default(&options);
  options.dimension = 2;
  options.initial_table = table;
  options.initial_table_count = 8;
  if (failed(seqfeat_identity_column_create("ids", 1, 4, SEQFEAT_NO_DEFAULT, &ids), "ids") ||
      failed(seqfeat_embedding_column_create(ids, &options, &embedding), "embedding"))
    return 1;
  columns[0] = embedding;
  if (failed(seqfeat_features_create(columns, 1, &layer), "layer") ||
      failed(seqfeat_batch_create(&batch), "batch") ||
      failed(seqfeat_batch_add_sparse(batch, "ids", indices, 2, 2, dense_shape,
                                      SEQFEAT_DTYPE_INT64, ids_values),
             "input") ||
      failed(seqfeat_features_pack_into(layer, batch, NULL, dense, 4, lengths, 1, NULL, 0, NULL),
             "pack"))
    return 1;
  printf("shape: [1, 2, 2]\n%.1f %.1f\n%.1f %.1f\nsequence_length: [%lld]\n", (double)dense[0],
         (double)dense[1], (double)dense[2], (double)dense[3], (long long)lengths[0]);

  seqfeat_batch_free(batch);
  seqfeat_features_free(layer);
  seqfeat_column_free(embedding);
  seqfeat_column_free(ids);
  return 0;
}
