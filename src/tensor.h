// Library-owned output tensors (64-byte aligned), exportable as DLPack.
#pragma once

#include <cstdint>
#include <vector>

#include "dtype.h"

struct DLManagedTensor;

namespace seqfeat {

class Tensor {
 public:
  Tensor(DType dtype, std::vector<int64_t> shape);
  ~Tensor();
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;

  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t size() const { return size_; }
  void* data() const { return data_; }
  template <class T> T* as() const { return static_cast<T*>(data_); }

 private:
  DType dtype_;
  std::vector<int64_t> shape_;
  int64_t size_ = 1;
  void* data_ = nullptr;
};

// Wraps the tensor into a DLManagedTensor that owns it; the deleter frees both.
DLManagedTensor* to_dlpack(Tensor* tensor);

}  // namespace seqfeat
