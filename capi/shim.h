// What the C shim's source files share: the handle definitions (the only place they exist),
// the exception guard and the argument helpers. Included by capi/*.cc only.
#pragma once

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "seqfeat/seqfeat.h"

#include "backward.h"
#include "column.h"
#include "dense_features.h"
#include "error.h"
#include "example_parser.h"
#include "external_plan.h"
#include "input.h"
#include "optimizer.h"
#include "sequence_features.h"
#include "tensor.h"

struct seqfeat_column {
  std::shared_ptr<const seqfeat::Column> column;
  std::unique_ptr<seqfeat_column> inner;  // borrowed handle of the wrapped categorical column
};
struct seqfeat_features {
  std::shared_ptr<const seqfeat::SequenceFeatures> layer;
  std::vector<seqfeat_column> columns;  // layer order, for borrowed getters
  std::string name = "sequence_features";
  seqfeat::PackOptions call_defaults;   // used by a call given NULL options
};
struct seqfeat_batch {
  seqfeat::Batch batch;
  std::shared_ptr<const seqfeat::DecodedBatch> records;  // data of a reader-filled batch
};
struct seqfeat_tensor {
  seqfeat::Tensor* tensor;
};
struct seqfeat_dense_features {
  std::shared_ptr<const seqfeat::DenseFeatures> layer;
  std::vector<seqfeat_column> columns;  // layer order, for borrowed getters
  std::string name = "dense_features";
};
struct seqfeat_stats {
  seqfeat::PackStats stats;
};
struct seqfeat_plan {
  seqfeat::ExternalPlan plan;
};

struct seqfeat_gradients {
  seqfeat::Gradients gradients;
};
struct seqfeat_optimizer {
  std::unique_ptr<seqfeat::Optimizer> optimizer;
};

namespace seqfeat::shim {

// This thread's last error message (seqfeat_last_error_message).
std::string& last_error();
seqfeat_status set_error(seqfeat_status code, const char* message) noexcept;

// Every status-returning entry point runs through here: a success clears the thread's message
// (the header promises "" after a successful call), a failure sets it.
template <class F>
seqfeat_status guard(F&& body) noexcept {
  try {
    body();
    last_error().clear();
    return SEQFEAT_OK;
  } catch (const seqfeat::Error& e) {
    return set_error(static_cast<seqfeat_status>(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return set_error(SEQFEAT_ERR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    std::string msg = std::string("internal error: ") + e.what();
    return set_error(SEQFEAT_ERR_INTERNAL, msg.c_str());
  } catch (...) {
    return set_error(SEQFEAT_ERR_INTERNAL, "internal error: unknown exception");
  }
}

#define REQUIRE(ptr, fn)                                                                     \
  do {                                                                                       \
    if ((ptr) == nullptr) seqfeat::fail(seqfeat::Code::kInvalidArgument, "{}: {} is NULL", fn, \
                                        #ptr);                                               \
  } while (0)

// The embedding column behind a handle (an error naming fn otherwise).
const seqfeat::EmbeddingColumn& embedding_of(const seqfeat_column* c, const char* fn);
// The core's pack options from the C struct, validated; NULL gives `when_null` (a layer's call
// defaults).
seqfeat::PackOptions to_pack_options(const seqfeat_pack_options* o,
                                     const seqfeat::PackOptions& when_null = {});

}  // namespace seqfeat::shim
