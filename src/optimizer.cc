#include "optimizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "error.h"
#include "id_sort.h"

namespace seqfeat {

OptimizerConfig sgd_config(float learning_rate) {
  OptimizerConfig c;
  c.kind = OptimizerKind::kSgd;
  c.learning_rate = learning_rate;
  return c;
}

OptimizerConfig adagrad_config(float learning_rate, float initial_accumulator_value,
                               float epsilon) {
  OptimizerConfig c;
  c.kind = OptimizerKind::kAdagrad;
  c.learning_rate = learning_rate;
  c.initial_accumulator_value = initial_accumulator_value;
  c.epsilon = epsilon;
  return c;
}

namespace {

void check_learning_rate(float learning_rate) {
  if (!std::isfinite(learning_rate) || learning_rate < 0.f)
    fail(Code::kInvalidArgument, "learning_rate must be a finite number >= 0, got {}",
         learning_rate);
}

const char* kind_name(OptimizerKind kind) {
  return kind == OptimizerKind::kSgd ? "SGD" : "Adagrad";
}

// Per-thread scratch of apply(): reused, so a warm caller allocates nothing.
struct ApplyScratch {
  std::vector<IdEntry> items, sort_buffer;
  std::vector<float> row;
};

ApplyScratch& apply_scratch() {
  thread_local ApplyScratch scratch;
  return scratch;
}

}  // namespace

Optimizer::Optimizer(const OptimizerConfig& config) : config_(config) {
  if (config.kind != OptimizerKind::kSgd && config.kind != OptimizerKind::kAdagrad)
    fail(Code::kInvalidArgument, "unknown optimizer kind {}", static_cast<int32_t>(config.kind));
  check_learning_rate(config.learning_rate);
  if (config.kind == OptimizerKind::kAdagrad) {
    if (!std::isfinite(config.initial_accumulator_value) ||
        config.initial_accumulator_value < 0.f)
      fail(Code::kInvalidArgument,
           "Adagrad: initial_accumulator_value must be a finite number >= 0, got {}",
           config.initial_accumulator_value);
    if (!std::isfinite(config.epsilon) || config.epsilon < 0.f)
      fail(Code::kInvalidArgument, "Adagrad: epsilon must be a finite number >= 0, got {}",
           config.epsilon);
    if (config.initial_accumulator_value == 0.f && config.epsilon == 0.f)
      fail(Code::kInvalidArgument,
           "Adagrad: initial_accumulator_value and epsilon are both 0, so a zero gradient "
           "element would compute 0 / 0; make one of them > 0");
  }
}

void Optimizer::set_learning_rate(float learning_rate) {
  check_learning_rate(learning_rate);
  config_.learning_rate = learning_rate;
}

const Optimizer::Slot* Optimizer::find(const Table& table) const {
  for (const Slot& s : slots_)
    if (s.table.get() == &table) return &s;
  return nullptr;
}

float* Optimizer::accumulator(const std::shared_ptr<Table>& table) {
  if (!has_state()) return nullptr;
  if (const Slot* s = find(*table)) return s->values.get();
  Slot slot;
  slot.values.reset(new float[table->size()]);
  std::fill_n(slot.values.get(), table->size(), config_.initial_accumulator_value);
  slot.table = table;
  slots_.push_back(std::move(slot));
  return slots_.back().values.get();
}

void Optimizer::update_row(float* row, float* state, const float* grad, int64_t dimension) const {
  const float lr = config_.learning_rate;
  if (config_.kind == OptimizerKind::kSgd) {
    for (int64_t k = 0; k < dimension; ++k) row[k] -= lr * grad[k];
    return;
  }
  const float eps = config_.epsilon;
  for (int64_t k = 0; k < dimension; ++k) {
    const float g = grad[k];
    const float a = state[k] + g * g;
    state[k] = a;
    row[k] -= lr * g / (std::sqrt(a) + eps);
  }
}

void Optimizer::apply_unique(const std::shared_ptr<Table>& table, const int64_t* ids, int64_t n,
                             const float* rows) {
  const int64_t D = table->dimension();
  float* data = table->mutable_data();
  float* state = accumulator(table);
  for (int64_t u = 0; u < n; ++u) {
    if (u + kPrefetchAhead < n) {
      const int64_t ahead = ids[u + kPrefetchAhead] * D;
      prefetch_row(data + ahead, state ? state + ahead : nullptr, D);
    }
    update_row(data + ids[u] * D, state ? state + ids[u] * D : nullptr, rows + u * D, D);
  }
}

void Optimizer::apply(const std::shared_ptr<Table>& table, const int64_t* ids, int64_t n,
                      const float* rows, int64_t dimension) {
  const std::string& name = table->name();
  if (n < 0) fail(Code::kInvalidArgument, "{}: table {}: negative id count {}", kind_name(config_.kind), name, n);
  if (n > 0 && (ids == nullptr || rows == nullptr))
    fail(Code::kInvalidArgument, "{}: table {}: ids or rows is NULL", kind_name(config_.kind),
         name);
  if (dimension != table->dimension())
    fail(Code::kInvalidArgument,
         "{}: table {} has rows of width {}, but the gradient rows have width {}",
         kind_name(config_.kind), name, table->dimension(), dimension);
  const int64_t R = table->rows();
  for (int64_t i = 0; i < n; ++i)
    if (static_cast<uint64_t>(ids[i]) >= static_cast<uint64_t>(R))
      fail(Code::kOutOfRange, "{}: table {}: gradient id {} (entry {}) is not in [0, {})",
           kind_name(config_.kind), name, ids[i], i, R);

  // Duplicates summed first (in entry order), then one update per id.
  ApplyScratch& s = apply_scratch();
  s.items.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) s.items[i] = {ids[i], i};
  sort_by_id(s.items.data(), n, R, s.sort_buffer);
  s.row.resize(static_cast<size_t>(dimension));
  float* data = table->mutable_data();
  float* state = accumulator(table);
  for (int64_t i = 0; i < n;) {
    const int64_t id = s.items[i].id;
    if (i + kPrefetchAhead < n) {
      const int64_t ahead = s.items[i + kPrefetchAhead].id * dimension;
      prefetch_row(data + ahead, state ? state + ahead : nullptr, dimension);
    }
    std::memcpy(s.row.data(), rows + s.items[i].entry * dimension,
                static_cast<size_t>(dimension) * sizeof(float));
    int64_t j = i + 1;
    for (; j < n && s.items[j].id == id; ++j) {
      const float* r = rows + s.items[j].entry * dimension;
      for (int64_t k = 0; k < dimension; ++k) s.row[k] += r[k];
    }
    update_row(data + id * dimension, state ? state + id * dimension : nullptr, s.row.data(),
               dimension);
    i = j;
  }
}

void Optimizer::check_state_call(const Table& table, size_t count, const char* what) const {
  if (!has_state())
    fail(Code::kInvalidArgument, "{}: the {} optimizer has no state", what,
         kind_name(config_.kind));
  if (count != table.size())
    fail(Code::kInvalidArgument,
         "{}: the accumulator of table {} has {} values ([{}, {}]), got {}", what, table.name(),
         table.size(), table.rows(), table.dimension(), count);
}

void Optimizer::get_state(const Table& table, float* out, size_t count) const {
  check_state_call(table, count, "optimizer state get");
  if (out == nullptr && count > 0) fail(Code::kInvalidArgument, "optimizer state get: out is NULL");
  if (const Slot* s = find(table))
    std::memcpy(out, s->values.get(), count * sizeof(float));
  else
    std::fill_n(out, count, config_.initial_accumulator_value);
}

void Optimizer::set_state(const std::shared_ptr<Table>& table, const float* values, size_t count) {
  check_state_call(*table, count, "optimizer state set");
  if (values == nullptr && count > 0)
    fail(Code::kInvalidArgument, "optimizer state set: values is NULL");
  for (size_t i = 0; i < count; ++i)
    if (!std::isfinite(values[i]) || values[i] < 0.f)
      fail(Code::kInvalidArgument,
           "optimizer state set: table {}: accumulator value {} at element {} is not a finite "
           "number >= 0",
           table->name(), values[i], i);
  std::memcpy(accumulator(table), values, count * sizeof(float));
}

}  // namespace seqfeat
