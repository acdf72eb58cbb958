/* The public header must compile as strict C99 (-std=c99 -pedantic -Werror -Wall -Wextra) and be
 * usable from C: build a column, a layer and a batch, pack, and check a few values. */
#include <seqfeat/seqfeat.h>

#include <stdio.h>
#include <string.h>

static int check(seqfeat_status status, const char* what) {
  if (status != SEQFEAT_OK) {
    fprintf(stderr, "%s: %s (%s)\n", what, seqfeat_status_string(status),
            seqfeat_last_error_message());
    return 1;
  }
  return 0;
}

int main(void) {
  seqfeat_numeric_options opts;
  seqfeat_pack_options pack;
  seqfeat_column* column = NULL;
  seqfeat_features* features = NULL;
  seqfeat_batch* batch = NULL;
  const seqfeat_column* columns[1];
  const int64_t indices[] = {0, 0, 0, 1, 1, 0};
  const int64_t dense_shape[] = {2, 2};
  const float values[] = {1.0f, 2.0f, 3.0f};
  float dense[4] = {-1.0f, -1.0f, -1.0f, -1.0f};
  int64_t lengths[2] = {-1, -1};
  uint8_t mask[4] = {9, 9, 9, 9};
  struct DLManagedTensor* managed = NULL;
  int failed = 0;

  if (seqfeat_version_number() != SEQFEAT_VERSION_NUMBER) return 1;
  if (strcmp(seqfeat_version_string(), SEQFEAT_VERSION_STRING) != 0) return 1;
  if (seqfeat_identity_column_create(NULL, 1, 3, SEQFEAT_NO_DEFAULT, &column) !=
      SEQFEAT_ERR_INVALID_ARGUMENT) {
    return 1;
  }
  if (seqfeat_last_error_message()[0] == '\0') return 1;
  if (seqfeat_tensor_to_dlpack(NULL, &managed) != SEQFEAT_ERR_INVALID_ARGUMENT) return 1;

  seqfeat_numeric_options_default(&opts);
  seqfeat_pack_options_default(&pack);
  failed |= check(seqfeat_numeric_column_create("rating", 1, &opts, &column), "column");
  if (failed) return 1;
  columns[0] = column;
  failed |= check(seqfeat_features_create(columns, 1, &features), "features");
  failed |= check(seqfeat_batch_create(&batch), "batch");
  if (!failed) {
    failed |= check(seqfeat_batch_add_sparse(batch, "rating", indices, 3, 2, dense_shape,
                                             SEQFEAT_DTYPE_FLOAT32, values),
                    "add");
    failed |= check(seqfeat_features_pack_into(features, batch, &pack, dense, 4, lengths, 2, mask,
                                               4, NULL),
                    "pack");
  }
  if (!failed) {
    failed |= !(dense[0] == 1.0f && dense[1] == 2.0f && dense[2] == 3.0f && dense[3] == 0.0f);
    failed |= !(lengths[0] == 2 && lengths[1] == 1);
    failed |= !(mask[0] == 1 && mask[1] == 1 && mask[2] == 1 && mask[3] == 0);
    failed |= strcmp(seqfeat_column_name(column), "rating") != 0;
  }
  seqfeat_batch_free(batch);
  seqfeat_features_free(features);
  seqfeat_column_free(column);
  if (failed) fprintf(stderr, "header_c99: unexpected result\n");
  return failed ? 1 : 0;
}
