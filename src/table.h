// Embedding tables: [rows, dimension] float32, owned by an embedding column or shared by
// several shared-embedding columns.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace seqfeat {

class Table {
 public:
  // Rows initialised by TF's default: truncated normal, mean 0, stddev 1/sqrt(dimension),
  // values beyond 2 stddev redrawn; deterministic for a seed.
  Table(std::string name, int64_t rows, int64_t dimension, uint64_t seed);
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  const std::string& name() const { return name_; }
  int64_t rows() const { return rows_; }
  int64_t dimension() const { return dimension_; }
  size_t size() const { return static_cast<size_t>(rows_ * dimension_); }
  const float* data() const { return data_.get(); }
  float* mutable_data() { return data_.get(); }
  const float* row(int64_t id) const { return data_.get() + id * dimension_; }
  void set(const float* values, size_t count);

 private:
  struct Free { void operator()(float* p) const; };
  std::string name_;
  int64_t rows_;
  int64_t dimension_;
  std::unique_ptr<float, Free> data_;
};

}  // namespace seqfeat
