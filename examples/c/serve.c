/* Serving from C: loads the pipeline that examples/python/train_and_save.py trained and saved
 * (directory given as argv[1]), with the embedding tables memory-mapped read-only, and packs the
 * serving batch. Prints every float as its IEEE-754 bits, as the Python, C++ and Rust versions
 * do: the four outputs are byte-for-byte identical. */
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

int main(int argc, char** argv) {
  const int64_t row_splits[] = {0, 3, 5};
  const int64_t items[] = {1, 3, 4, 0, 2};
  const int64_t colour_offsets[] = {0, 3, 7, 11, 16, 19};
  const char colour_bytes[] = "redbluepinkgreenred";
  const float prices[] = {1.5f, 2.0f, 0.25f, 3.0f, 0.5f};
  seqfeat_load_options load;
  seqfeat_features* layer = NULL;
  seqfeat_batch* batch = NULL;
  seqfeat_tensor* dense = NULL;
  seqfeat_tensor* lengths = NULL;
  const int64_t* shape;
  const float* values;
  const int64_t* length_values;
  int64_t b, t, d;

  if (argc != 2) {
    fprintf(stderr, "usage: %s PIPELINE_DIRECTORY\n", argv[0]);
    return 2;
  }
  seqfeat_load_options_default(&load);
  load.tables = SEQFEAT_TABLES_MMAP;
  check(seqfeat_features_load(argv[1], &load, &layer), "seqfeat_features_load");

  check(seqfeat_batch_create(&batch), "seqfeat_batch_create");
  check(seqfeat_batch_add_ragged(batch, "item", 2, row_splits, 0, NULL, SEQFEAT_DTYPE_INT64, items,
                                 5),
        "add item");
  check(seqfeat_batch_add_ragged_strings(batch, "colour", 2, row_splits, 0, NULL, colour_offsets,
                                         colour_bytes, 5),
        "add colour");
  check(seqfeat_batch_add_ragged(batch, "price", 2, row_splits, 0, NULL, SEQFEAT_DTYPE_FLOAT32,
                                 prices, 5),
        "add price");
  /* NULL options: the call defaults saved with the layer. */
  check(seqfeat_features_pack(layer, batch, NULL, &dense, &lengths, NULL, NULL),
        "seqfeat_features_pack");

  shape = seqfeat_tensor_shape(dense);
  values = (const float*)seqfeat_tensor_data(dense);
  length_values = (const int64_t*)seqfeat_tensor_data(lengths);
  printf("shape: [%lld, %lld, %lld]\n", (long long)shape[0], (long long)shape[1],
         (long long)shape[2]);
  for (b = 0; b < shape[0]; ++b) {
    for (t = 0; t < shape[1]; ++t) {
      printf("%lld %lld:", (long long)b, (long long)t);
      for (d = 0; d < shape[2]; ++d) {
        uint32_t bits;
        memcpy(&bits, &values[(b * shape[1] + t) * shape[2] + d], sizeof bits);
        printf(" %08lx", (unsigned long)bits);
      }
      printf("\n");
    }
  }
  printf("sequence_length: [");
  for (b = 0; b < shape[0]; ++b) printf(b ? ", %lld" : "%lld", (long long)length_values[b]);
  printf("]\n");

  seqfeat_tensor_free(dense);
  seqfeat_tensor_free(lengths);
  seqfeat_batch_free(batch);
  seqfeat_features_free(layer);
  return 0;
}
