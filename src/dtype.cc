#include "dtype.h"

#include "error.h"

namespace seqfeat {

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kString: return "string";
    case DType::kUInt8: return "uint8";
  }
  return "unknown";
}

DType dtype_from_int(int32_t value, std::string_view what) {
  if (value >= 1 && value <= 6) return static_cast<DType>(value);
  fail(Code::kInvalidArgument, "{}: unknown dtype code {} (expected one of SEQFEAT_DTYPE_*)", what,
       value);
}

}  // namespace seqfeat
