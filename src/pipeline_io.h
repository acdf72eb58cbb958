// Saving and loading a layer as one self-contained artifact (docs/formats.md):
//
//   <directory>/pipeline.json       format "seqfeat.pipeline", version 1: the layer kind, name
//                                   and call defaults, every column with all its parameters
//                                   (vocabularies inline), each embedding table by name + seed
//   <directory>/tables.safetensors  every table once, float32 [num_buckets, dimension], keyed
//                                   by table name
//   <directory>/optimizer.safetensors  (optional) an optimizer's kind and hyper-parameters in
//                                   __metadata__ and Adagrad's accumulator of every trainable
//                                   table, float32 [num_buckets, dimension], keyed by table name
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
#include "optimizer.h"
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
inline constexpr const char* kOptimizerFileName = "optimizer.safetensors";
inline constexpr const char* kOptimizerFormat = "seqfeat.optimizer";
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
// replaced atomically) and removes an optimizer.safetensors left there by an earlier save (its
// state would belong to other tables). A callback normalizer cannot be saved (kInvalidArgument).
void save_pipeline(const Pipeline& pipeline, const std::string& directory);
Pipeline load_pipeline(const std::string& directory, TableStorage storage);

// Writes optimizer.safetensors into `directory` (created if missing; replaced atomically): the
// optimizer's kind and hyper-parameters, and for Adagrad the accumulator of every table of a
// trainable embedding column of `columns` (each table once; initial_accumulator_value
// everywhere for a table the optimizer has not updated yet).
void save_optimizer(const Optimizer& optimizer,
                    const std::vector<std::shared_ptr<const Column>>& columns,
                    const std::string& directory);
// A new optimizer from optimizer.safetensors, holding the saved state for the tables of
// `columns` (the layer loaded from the same directory). Everything is checked before it is
// returned: format, kind, hyper-parameters, exactly one F32 [num_buckets, dimension] tensor per
// trainable table and no other, values finite and >= 0. Errors name the file and the tensor or
// metadata key (kNotFound: no optimizer.safetensors).
std::unique_ptr<Optimizer> load_optimizer(const std::string& directory,
                                          const std::vector<std::shared_ptr<const Column>>& columns);

}  // namespace seqfeat
