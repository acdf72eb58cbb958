// Value types of inputs and outputs; the numbers match SEQFEAT_DTYPE_*.
#pragma once

#include <cstdint>
#include <string_view>

namespace seqfeat {

enum class DType : int32_t {
  kFloat32 = 1,
  kFloat64 = 2,
  kInt32 = 3,
  kInt64 = 4,
  kString = 5,
  kUInt8 = 6,
};

constexpr bool is_integer(DType t) { return t == DType::kInt32 || t == DType::kInt64; }
constexpr bool is_floating(DType t) { return t == DType::kFloat32 || t == DType::kFloat64; }
constexpr bool is_numeric(DType t) { return is_integer(t) || is_floating(t); }

// TF's spelling: "float32", "int64", "string", ...
std::string_view dtype_name(DType t);
// Converts an int32 from the C ABI; throws Error(kInvalidArgument) naming `what` if unknown.
DType dtype_from_int(int32_t value, std::string_view what);
constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::kFloat32: case DType::kInt32: return 4;
    case DType::kFloat64: case DType::kInt64: return 8;
    case DType::kUInt8: return 1;
    default: return 0;
  }
}

}  // namespace seqfeat
