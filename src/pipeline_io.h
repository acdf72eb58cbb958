// Saving and loading a layer as one self-contained artifact (docs/formats.md):
//
//   <directory>/pipeline.json       format "seqfeat.pipeline", version 1: the layer kind, name
//                                   and call defaults, every column with all its parameters
//                                   (vocabularies inline), each embedding table by name + seed
//   <directory>/tables.safetensors  every table once, float32 [num_buckets, dimension], keyed
//                                   by table name
//
// The same JSON column objects are the columns' configuration (get_config / from_config):
// column_to_json / column_from_json. Reading validates everything before anything is returned;
// errors (Error, kInvalidArgument unless a file is missing or unreadable) name the file and
// the field ("pipeline.json: columns[2].categorical.num_buckets: ...") or the tensor.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "column.h"
#include "dense_features.h"
#include "sequence_features.h"

namespace seqfeat {

enum class LayerKind : int32_t { kSequenceFeatures = 1, kDenseFeatures = 2 };

// How loading provides the tables: copied into writable memory (trainable), or memory-mapped
// read-only (serving: processes mapping one file share its pages).
enum class TableStorage : int32_t { kCopy = 0, kMap = 1 };

struct Pipeline {
  LayerKind layer = LayerKind::kSequenceFeatures;
  std::string name;             // the layer's name
  PackOptions call_defaults;    // SequenceFeatures: options of a call that gives none
  std::vector<std::shared_ptr<const Column>> columns;  // layer (name) order
  // The layer, built by pipeline_from_json / load_pipeline (one of the two).
  std::shared_ptr<const SequenceFeatures> sequence_features;
  std::shared_ptr<const DenseFeatures> dense_features;
};

inline constexpr const char* kPipelineFileName = "pipeline.json";
inline constexpr const char* kTablesFileName = "tables.safetensors";
inline constexpr const char* kPipelineFormat = "seqfeat.pipeline";
inline constexpr int64_t kPipelineVersion = 1;

// The JSON object of one column, as in pipeline.json's "columns".
std::string column_to_json(const Column& column);
// Rebuilds a column; embedding tables are initialised from their seeds (a shared-embedding
// column rebuilt alone gets a table of its own).
std::shared_ptr<const Column> column_from_json(std::string_view text);

// pipeline.json's text.
std::string pipeline_to_json(const Pipeline& pipeline);
// Rebuilds the columns and the layer from pipeline.json's text, tables from their seeds.
Pipeline pipeline_from_json(std::string_view text);

// Writes pipeline.json and tables.safetensors into `directory` (created if missing; files
// replaced atomically). A callback normalizer cannot be saved (kInvalidArgument).
void save_pipeline(const Pipeline& pipeline, const std::string& directory);
Pipeline load_pipeline(const std::string& directory, TableStorage storage);

}  // namespace seqfeat
