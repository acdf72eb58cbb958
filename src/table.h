// Embedding tables: [rows, dimension] float32, owned by an embedding column or shared by
// several shared-embedding columns.
//
// Storage is either the table's own 64-byte aligned allocation (writable) or external memory
// kept alive by an owner handle — e.g. a read-only memory-mapped file shared between serving
// processes. Writing a read-only table (set, mutable_data) is an error naming the table, so
// that a training step on a memory-mapped table fails instead of faulting.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace seqfeat {

class Table {
 public:
  // Rows initialised by TF's default: truncated normal, mean 0, stddev 1/sqrt(dimension),
  // values beyond 2 stddev redrawn; deterministic for (seed, name): the seed is mixed with the
  // table's name, so that tables built with one seed still differ.
  Table(std::string name, int64_t rows, int64_t dimension, uint64_t seed);
  // A writable copy of rows * dimension floats from `values`.
  Table(std::string name, int64_t rows, int64_t dimension, uint64_t seed, const float* values);
  // Read-only view of rows * dimension floats at `data`, valid while `owner` lives.
  Table(std::string name, int64_t rows, int64_t dimension, uint64_t seed,
        std::shared_ptr<const void> owner, const float* data);
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  const std::string& name() const { return name_; }
  int64_t rows() const { return rows_; }
  int64_t dimension() const { return dimension_; }
  // The initializer seed the table was built with (before mixing with the name).
  uint64_t seed() const { return seed_; }
  size_t size() const { return static_cast<size_t>(rows_ * dimension_); }
  bool writable() const { return owned_ != nullptr; }
  const float* data() const { return data_; }
  // Throws Error(kInvalidArgument) naming the table if it is read-only.
  float* mutable_data();
  const float* row(int64_t id) const { return data_ + id * dimension_; }
  // Overwrites every value; throws if count != size() or the table is read-only.
  void set(const float* values, size_t count);

 private:
  struct Free { void operator()(float* p) const; };
  void allocate();
  std::string name_;
  int64_t rows_;
  int64_t dimension_;
  uint64_t seed_;
  std::unique_ptr<float, Free> owned_;
  std::shared_ptr<const void> external_;
  const float* data_ = nullptr;
};

}  // namespace seqfeat
