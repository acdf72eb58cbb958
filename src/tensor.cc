#include "tensor.h"

#include <cstdlib>
#include <new>

#include <dlpack/dlpack.h>
#include <fmt/ranges.h>

#include "checked.h"
#include "error.h"

namespace seqfeat {

Tensor::Tensor(DType dtype, std::vector<int64_t> shape) : dtype_(dtype), shape_(std::move(shape)) {
  size_ = checked_product(shape_, 0, "output tensor");
  // Rounded up to whole 64-byte lines (aligned_alloc needs a multiple of the alignment); the
  // limit keeps `bytes` far below SIZE_MAX, so the rounding cannot wrap.
  const size_t bytes = (checked_bytes(size_, dtype_size(dtype_), "output tensor of shape [{}]",
                                      fmt::join(shape_, ", ")) + 63) / 64 * 64;
  data_ = std::aligned_alloc(64, bytes == 0 ? 64 : bytes);
  if (data_ == nullptr) fail(Code::kOutOfMemory, "cannot allocate a tensor of {} bytes", bytes);
}

Tensor::~Tensor() { std::free(data_); }

namespace {

struct Managed {
  DLManagedTensor dl;
  Tensor* tensor;
  std::vector<int64_t> strides;
};

void delete_managed(DLManagedTensor* self) {
  if (self == nullptr) return;
  auto* m = static_cast<Managed*>(self->manager_ctx);
  delete m->tensor;
  delete m;
}

DLDataType dl_dtype(DType t) {
  switch (t) {
    case DType::kFloat32: return {kDLFloat, 32, 1};
    case DType::kFloat64: return {kDLFloat, 64, 1};
    case DType::kInt32: return {kDLInt, 32, 1};
    case DType::kInt64: return {kDLInt, 64, 1};
    case DType::kUInt8: return {kDLUInt, 8, 1};
    default: fail(Code::kInternal, "dtype {} has no DLPack form", dtype_name(t));
  }
}

}  // namespace

DLManagedTensor* to_dlpack(Tensor* tensor) {
  auto* m = new Managed();
  m->tensor = tensor;
  const auto& shape = tensor->shape();
  m->strides.resize(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    m->strides[i] = stride;
    stride *= shape[i];
  }
  m->dl.dl_tensor.data = tensor->data();
  m->dl.dl_tensor.device = {kDLCPU, 0};
  m->dl.dl_tensor.ndim = static_cast<int32_t>(shape.size());
  m->dl.dl_tensor.dtype = dl_dtype(tensor->dtype());
  m->dl.dl_tensor.shape = const_cast<int64_t*>(shape.data());
  m->dl.dl_tensor.strides = m->strides.data();
  m->dl.dl_tensor.byte_offset = 0;
  m->dl.manager_ctx = m;
  m->dl.deleter = &delete_managed;
  return &m->dl;
}

}  // namespace seqfeat
