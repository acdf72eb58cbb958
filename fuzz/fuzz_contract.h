// The contract every fuzz target checks besides crashes: a broken promise traps, and a failed
// call says why and is never an internal error.
#pragma once

#include <seqfeat/seqfeat.h>

namespace seqfeat_fuzz {

inline void require(bool ok) {
  if (!ok) __builtin_trap();
}

inline void check_status(seqfeat_status s) {
  if (s == SEQFEAT_OK) return;
  require(s != SEQFEAT_ERR_INTERNAL);
  const char* m = seqfeat_last_error_message();
  require(m != nullptr && m[0] != '\0');
}

}  // namespace seqfeat_fuzz
