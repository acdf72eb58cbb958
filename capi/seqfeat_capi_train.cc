// The C shim of training: gradients, the fused backward-and-update, optimizers.
#include <cstring>

#include "shim.h"

namespace {

using seqfeat::Code;
using seqfeat::fail;
using seqfeat::shim::embedding_of;
using seqfeat::shim::guard;
using seqfeat::shim::to_pack_options;

seqfeat::Optimizer& optimizer_of(seqfeat_optimizer* o, const char* fn) {
  REQUIRE(o, fn);
  return *o->optimizer;
}

}  // namespace

extern "C" {

seqfeat_status seqfeat_column_table_data(const seqfeat_column* column, float** out) {
  return guard([&] {
    const char* fn = "seqfeat_column_table_data";
    REQUIRE(out, fn);
    *out = embedding_of(column, fn).table().mutable_data();
  });
}

seqfeat_status seqfeat_gradients_create(seqfeat_gradients** out) {
  return guard([&] {
    REQUIRE(out, "seqfeat_gradients_create");
    *out = new seqfeat_gradients();
  });
}

void seqfeat_gradients_free(seqfeat_gradients* gradients) { delete gradients; }

size_t seqfeat_gradients_num_tables(const seqfeat_gradients* gradients) {
  return gradients ? gradients->gradients.num_tables : 0;
}

seqfeat_status seqfeat_gradients_table(const seqfeat_gradients* gradients, size_t index,
                                       const char** out_name, const int64_t** out_ids,
                                       const float** out_rows, int64_t* out_count,
                                       int64_t* out_dimension) {
  return guard([&] {
    const char* fn = "seqfeat_gradients_table";
    REQUIRE(gradients, fn);
    const seqfeat::Gradients& g = gradients->gradients;
    if (index >= g.num_tables)
      fail(Code::kOutOfRange, "{}: table index {} is not in [0, {})", fn, index, g.num_tables);
    const seqfeat::TableGradient& t = g.tables[index];
    if (out_name) *out_name = t.table->name().c_str();
    if (out_ids) *out_ids = t.count ? t.ids.data() : nullptr;
    if (out_rows) *out_rows = t.count ? t.rows.data() : nullptr;
    if (out_count) *out_count = t.count;
    if (out_dimension) *out_dimension = t.table->dimension();
  });
}

seqfeat_status seqfeat_features_backward(const seqfeat_features* features,
                                         const seqfeat_batch* batch,
                                         const seqfeat_pack_options* opts, const float* grad,
                                         const int64_t* grad_shape, size_t grad_rank,
                                         seqfeat_gradients* out) {
  return guard([&] {
    const char* fn = "seqfeat_features_backward";
    REQUIRE(features, fn);
    REQUIRE(batch, fn);
    REQUIRE(out, fn);
    seqfeat::backward(*features->layer, batch->batch,
                      to_pack_options(opts, features->call_defaults), grad, grad_shape, grad_rank,
                      out->gradients);
  });
}

seqfeat_status seqfeat_features_backward_apply(const seqfeat_features* features,
                                               const seqfeat_batch* batch,
                                               const seqfeat_pack_options* opts,
                                               const float* grad, const int64_t* grad_shape,
                                               size_t grad_rank, seqfeat_optimizer* optimizer) {
  return guard([&] {
    const char* fn = "seqfeat_features_backward_apply";
    REQUIRE(features, fn);
    REQUIRE(batch, fn);
    seqfeat::Optimizer& o = optimizer_of(optimizer, fn);
    seqfeat::backward_apply(*features->layer, batch->batch,
                            to_pack_options(opts, features->call_defaults), grad, grad_shape,
                            grad_rank, o);
  });
}

seqfeat_status seqfeat_sgd_optimizer_create(float learning_rate, seqfeat_optimizer** out) {
  return guard([&] {
    REQUIRE(out, "seqfeat_sgd_optimizer_create");
    auto o = std::make_unique<seqfeat_optimizer>();
    o->optimizer = std::make_unique<seqfeat::Optimizer>(seqfeat::sgd_config(learning_rate));
    *out = o.release();
  });
}

seqfeat_status seqfeat_adagrad_optimizer_create(float learning_rate,
                                                float initial_accumulator_value, float epsilon,
                                                seqfeat_optimizer** out) {
  return guard([&] {
    REQUIRE(out, "seqfeat_adagrad_optimizer_create");
    auto o = std::make_unique<seqfeat_optimizer>();
    o->optimizer = std::make_unique<seqfeat::Optimizer>(
        seqfeat::adagrad_config(learning_rate, initial_accumulator_value, epsilon));
    *out = o.release();
  });
}

void seqfeat_optimizer_free(seqfeat_optimizer* optimizer) { delete optimizer; }

int32_t seqfeat_optimizer_kind(const seqfeat_optimizer* optimizer) {
  return optimizer ? static_cast<int32_t>(optimizer->optimizer->config().kind) : 0;
}

float seqfeat_optimizer_learning_rate(const seqfeat_optimizer* optimizer) {
  return optimizer ? optimizer->optimizer->config().learning_rate : 0.f;
}

seqfeat_status seqfeat_optimizer_set_learning_rate(seqfeat_optimizer* optimizer,
                                                   float learning_rate) {
  return guard([&] {
    optimizer_of(optimizer, "seqfeat_optimizer_set_learning_rate").set_learning_rate(learning_rate);
  });
}

seqfeat_status seqfeat_optimizer_apply(seqfeat_optimizer* optimizer,
                                       const seqfeat_gradients* gradients) {
  return guard([&] {
    const char* fn = "seqfeat_optimizer_apply";
    seqfeat::Optimizer& o = optimizer_of(optimizer, fn);
    REQUIRE(gradients, fn);
    const seqfeat::Gradients& g = gradients->gradients;
    for (size_t t = 0; t < g.num_tables; ++t) o.accumulator(g.tables[t].table);
    for (size_t t = 0; t < g.num_tables; ++t) {
      const seqfeat::TableGradient& tg = g.tables[t];
      o.apply_unique(tg.table, tg.ids.data(), tg.count, tg.rows.data());
    }
  });
}

seqfeat_status seqfeat_optimizer_apply_rows(seqfeat_optimizer* optimizer,
                                            const seqfeat_column* column, const int64_t* ids,
                                            size_t num_ids, const float* rows,
                                            int64_t dimension) {
  return guard([&] {
    const char* fn = "seqfeat_optimizer_apply_rows";
    seqfeat::Optimizer& o = optimizer_of(optimizer, fn);
    const auto& e = embedding_of(column, fn);
    if (num_ids > 0) {
      REQUIRE(ids, fn);
      REQUIRE(rows, fn);
    }
    if (num_ids > static_cast<size_t>(INT64_MAX / 2))
      fail(Code::kInvalidArgument, "{}: num_ids {} is too large", fn, num_ids);
    o.apply(e.table_ptr(), ids, static_cast<int64_t>(num_ids), rows, dimension);
  });
}

seqfeat_status seqfeat_optimizer_state_get(const seqfeat_optimizer* optimizer,
                                           const seqfeat_column* column, float* out,
                                           size_t count) {
  return guard([&] {
    const char* fn = "seqfeat_optimizer_state_get";
    REQUIRE(optimizer, fn);
    REQUIRE(out, fn);
    optimizer->optimizer->get_state(embedding_of(column, fn).table(), out, count);
  });
}

seqfeat_status seqfeat_optimizer_state_set(seqfeat_optimizer* optimizer,
                                           const seqfeat_column* column, const float* values,
                                           size_t count) {
  return guard([&] {
    const char* fn = "seqfeat_optimizer_state_set";
    seqfeat::Optimizer& o = optimizer_of(optimizer, fn);
    REQUIRE(values, fn);
    o.set_state(embedding_of(column, fn).table_ptr(), values, count);
  });
}

seqfeat_status seqfeat_optimizer_hyper_parameters(const seqfeat_optimizer* optimizer,
                                                  float* out_learning_rate,
                                                  float* out_initial_accumulator_value,
                                                  float* out_epsilon) {
  return guard([&] {
    REQUIRE(optimizer, "seqfeat_optimizer_hyper_parameters");
    const seqfeat::OptimizerConfig& c = optimizer->optimizer->config();
    const bool adagrad = optimizer->optimizer->has_state();
    if (out_learning_rate) *out_learning_rate = c.learning_rate;
    if (out_initial_accumulator_value)
      *out_initial_accumulator_value = adagrad ? c.initial_accumulator_value : 0.f;
    if (out_epsilon) *out_epsilon = adagrad ? c.epsilon : 0.f;
  });
}

}  // extern "C"
