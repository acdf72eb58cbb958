#include "table.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "checked.h"
#include "error.h"
#include "hash.h"

namespace seqfeat {

namespace {

// splitmix64: a small, well-mixed generator whose sequence is the same on every platform
// (std::normal_distribution is implementation-defined, so it is not used).
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in (0, 1).
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
};

}  // namespace

void Table::Free::operator()(float* p) const { std::free(p); }

namespace {

void check_shape(const std::string& name, int64_t rows, int64_t dimension) {
  if (rows < 1 || dimension < 1)
    fail(Code::kInvalidArgument, "embedding table {}: invalid shape [{}, {}]", name, rows,
         dimension);
  checked_mul(rows, dimension, "embedding table {}: rows x dimension", name);
}

}  // namespace

void Table::allocate() {
  check_shape(name_, rows_, dimension_);
  const int64_t count = rows_ * dimension_;  // checked by check_shape
  const size_t bytes = (checked_bytes(count, sizeof(float), "embedding table {} [{}, {}]", name_,
                                      rows_, dimension_) +
                        63) / 64 * 64;
  auto* p = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (p == nullptr)
    fail(Code::kOutOfMemory, "embedding table {}: cannot allocate {} bytes", name_, bytes);
  owned_.reset(p);
  data_ = p;
}

Table::Table(std::string name, int64_t rows, int64_t dimension, uint64_t seed,
             const float* values)
    : name_(std::move(name)), rows_(rows), dimension_(dimension), seed_(seed) {
  if (values == nullptr) fail(Code::kInvalidArgument, "embedding table {}: values is NULL", name_);
  allocate();
  std::memcpy(owned_.get(), values, size() * sizeof(float));
}

Table::Table(std::string name, int64_t rows, int64_t dimension, uint64_t seed,
             std::shared_ptr<const void> owner, const float* data)
    : name_(std::move(name)), rows_(rows), dimension_(dimension), seed_(seed),
      external_(std::move(owner)), data_(data) {
  check_shape(name_, rows, dimension);
  if (data_ == nullptr) fail(Code::kInvalidArgument, "embedding table {}: data is NULL", name_);
}

Table::Table(std::string name, int64_t rows, int64_t dimension, uint64_t seed)
    : name_(std::move(name)), rows_(rows), dimension_(dimension), seed_(seed) {
  allocate();
  float* const p = owned_.get();
  const size_t count = size();

  // Truncated normal(0, stddev): Box-Muller pairs, redrawing values beyond 2 stddev.
  const double stddev = 1.0 / std::sqrt(static_cast<double>(dimension));
  SplitMix64 rng{seed ^ fingerprint64(name_)};
  size_t i = 0;
  while (i < count) {
    const double u1 = rng.uniform(), u2 = rng.uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double z[2] = {r * std::cos(2.0 * M_PI * u2), r * std::sin(2.0 * M_PI * u2)};
    for (double v : z)
      if (std::fabs(v) <= 2.0 && i < count) p[i++] = static_cast<float>(v * stddev);
  }
}

float* Table::mutable_data() {
  if (!writable())
    fail(Code::kInvalidArgument,
         "embedding table {} is read-only (memory-mapped); load the pipeline with copied tables "
         "to change or train it",
         name_);
  return owned_.get();
}

void Table::set(const float* values, size_t count) {
  if (values == nullptr) fail(Code::kInvalidArgument, "embedding table {}: values is NULL", name_);
  float* const out = mutable_data();
  if (count != size())
    fail(Code::kInvalidArgument,
         "embedding table {}: expected {} values ([{}, {}]), got {}", name_, size(), rows_,
         dimension_, count);
  std::memcpy(out, values, count * sizeof(float));
}

}  // namespace seqfeat
