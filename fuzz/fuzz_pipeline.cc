// The saved-layer parsers through the C ABI. The first input byte (mod 3) picks what the rest
// is:
//   0: pipeline.json text, given to seqfeat_features_from_json,
//      seqfeat_dense_features_from_json and seqfeat_column_from_json; a layer that builds must
//      write JSON (seqfeat_features_to_json) that builds again;
//   1: a tables.safetensors file, saved next to a fixed pipeline.json (an embedding column
//      reading a [4, 2] table and an indicator) and loaded with copied and with memory-mapped
//      tables; when both loads succeed they must hold the same table;
//   2: an optimizer.safetensors file, loaded for the fixed layer; an optimizer that loads must
//      be SGD or Adagrad with valid hyper-parameters and (Adagrad) finite accumulators >= 0.
// Findings: crashes, sanitizer reports, leaks, INTERNAL errors, failures without a message.
#include <seqfeat/seqfeat.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_contract.h"

namespace {

using seqfeat_fuzz::check_status;
using seqfeat_fuzz::require;

const char kPipeline[] =
    "{\"format\": \"seqfeat.pipeline\", \"version\": 1, \"layer\": \"SequenceFeatures\", "
    "\"name\": \"f\", \"call_defaults\": {\"max_length\": 0, \"padding\": \"post\", "
    "\"truncating\": \"post\", \"strict\": false, \"num_threads\": 1}, "
    "\"tables_file\": \"tables.safetensors\", \"columns\": ["
    "{\"type\": \"embedding\", \"categorical\": {\"type\": \"identity\", \"key\": \"ids\", "
    "\"sequence\": true, \"num_buckets\": 4, \"default_value\": null}, \"dimension\": 2, "
    "\"combiner\": \"mean\", \"max_norm\": null, \"trainable\": true, "
    "\"table\": {\"name\": \"ids_embedding/embedding_weights\", \"seed\": 0}}, "
    "{\"type\": \"indicator\", \"categorical\": {\"type\": \"vocabulary_list\", \"key\": \"w\", "
    "\"sequence\": true, \"dtype\": \"string\", \"vocabulary\": [\"a\", \"b\"], "
    "\"default_value\": -1, \"num_oov_buckets\": 0}}]}";

std::string g_dir;                      // fixed pipeline.json, fuzzed tables.safetensors
std::string g_optimizer_dir;            // the fixed layer saved, fuzzed optimizer.safetensors
seqfeat_features* g_layer = nullptr;    // the fixed layer

void write_file(const std::string& path, const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  require(f != nullptr);
  require(size == 0 || std::fwrite(data, 1, size, f) == size);
  require(std::fclose(f) == 0);
}

void fuzz_json(const char* text, size_t size) {
  seqfeat_features* layer = nullptr;
  seqfeat_status s = seqfeat_features_from_json(text, size, &layer);
  check_status(s);
  if (s == SEQFEAT_OK) {
    size_t n = 0;
    s = seqfeat_features_to_json(layer, nullptr, 0, &n);
    check_status(s);
    if (s == SEQFEAT_OK) {
      std::vector<char> again(n + 1);
      require(seqfeat_features_to_json(layer, again.data(), again.size(), &n) == SEQFEAT_OK);
      seqfeat_features* rebuilt = nullptr;
      require(seqfeat_features_from_json(again.data(), n, &rebuilt) == SEQFEAT_OK);
      seqfeat_features_free(rebuilt);
    }
    seqfeat_features_free(layer);
  }
  seqfeat_dense_features* dense = nullptr;
  s = seqfeat_dense_features_from_json(text, size, &dense);
  check_status(s);
  seqfeat_dense_features_free(dense);
  seqfeat_column* column = nullptr;
  s = seqfeat_column_from_json(text, size, &column);
  check_status(s);
  seqfeat_column_free(column);
}

std::vector<float> loaded_table(int32_t tables, seqfeat_status* status) {
  seqfeat_load_options o;
  seqfeat_load_options_default(&o);
  o.tables = tables;
  seqfeat_features* layer = nullptr;
  *status = seqfeat_features_load(g_dir.c_str(), &o, &layer);
  check_status(*status);
  std::vector<float> table;
  if (*status != SEQFEAT_OK) return table;
  const seqfeat_column* column = nullptr;
  require(seqfeat_features_find_column(layer, "ids_embedding", &column) == SEQFEAT_OK);
  table.resize(8);
  require(seqfeat_column_table_get(column, table.data(), table.size()) == SEQFEAT_OK);
  seqfeat_features_free(layer);
  return table;
}

void fuzz_tables(const uint8_t* data, size_t size) {
  write_file(g_dir + "/tables.safetensors", data, size);
  seqfeat_status copied = SEQFEAT_OK, mapped = SEQFEAT_OK;
  const std::vector<float> a = loaded_table(SEQFEAT_TABLES_COPY, &copied);
  const std::vector<float> b = loaded_table(SEQFEAT_TABLES_MMAP, &mapped);
  require(copied == mapped);
  require(a.size() == b.size());  // both empty when the loads failed
  require(a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

void fuzz_optimizer(const uint8_t* data, size_t size) {
  write_file(g_optimizer_dir + "/optimizer.safetensors", data, size);
  seqfeat_optimizer* optimizer = nullptr;
  const seqfeat_status s = seqfeat_optimizer_load(g_optimizer_dir.c_str(), g_layer, &optimizer);
  check_status(s);
  if (s != SEQFEAT_OK) return;
  const int32_t kind = seqfeat_optimizer_kind(optimizer);
  require(kind == SEQFEAT_OPTIMIZER_SGD || kind == SEQFEAT_OPTIMIZER_ADAGRAD);
  float lr = -1, init = -1, eps = -1;
  require(seqfeat_optimizer_hyper_parameters(optimizer, &lr, &init, &eps) == SEQFEAT_OK);
  require(std::isfinite(lr) && lr >= 0 && std::isfinite(init) && init >= 0 &&
          std::isfinite(eps) && eps >= 0);
  if (kind == SEQFEAT_OPTIMIZER_ADAGRAD) {
    const seqfeat_column* column = nullptr;
    require(seqfeat_features_find_column(g_layer, "ids_embedding", &column) == SEQFEAT_OK);
    float state[8];
    require(seqfeat_optimizer_state_get(optimizer, column, state, 8) == SEQFEAT_OK);
    for (float v : state) require(std::isfinite(v) && v >= 0);
  }
  seqfeat_optimizer_free(optimizer);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  seqfeat_status s = seqfeat_set_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, 64 << 20);
  require(s == SEQFEAT_OK);
  char pattern[] = "/tmp/seqfeat_fuzz_pipeline_XXXXXX";
  require(::mkdtemp(pattern) != nullptr);
  g_dir = pattern;
  write_file(g_dir + "/pipeline.json", reinterpret_cast<const uint8_t*>(kPipeline),
             sizeof kPipeline - 1);
  require(seqfeat_features_from_json(kPipeline, sizeof kPipeline - 1, &g_layer) == SEQFEAT_OK);
  g_optimizer_dir = g_dir + "/with_optimizer";
  require(seqfeat_features_save(g_layer, g_optimizer_dir.c_str(), nullptr) == SEQFEAT_OK);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  switch (data[0] % 3) {
    case 0:
      fuzz_json(reinterpret_cast<const char*>(data + 1), size - 1);
      break;
    case 1:
      fuzz_tables(data + 1, size - 1);
      break;
    default:
      fuzz_optimizer(data + 1, size - 1);
      break;
  }
  return 0;
}
