// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord framing uses it, and the
// "masked" form TFRecord stores: rotate right by 15 bits, then add 0xa282ead8 (so that a CRC of
// data that itself contains CRCs does not degenerate).
#pragma once

#include <cstddef>
#include <cstdint>

namespace seqfeat {

// CRC-32C of data[0, size), continuing from `crc` (0 for a fresh checksum). Uses the SSE4.2
// crc32 instruction when the CPU has it, else crc32c_portable.
uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);

// Table-driven (slicing-by-8) implementation, for CPUs without SSE4.2 and as the reference.
uint32_t crc32c_portable(const void* data, size_t size, uint32_t crc = 0);
// The SSE4.2 implementation; only call it when crc32c_has_hardware() is true.
uint32_t crc32c_hardware(const void* data, size_t size, uint32_t crc = 0);
bool crc32c_has_hardware();

constexpr uint32_t kCrcMaskDelta = 0xa282ead8u;
constexpr uint32_t mask_crc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kCrcMaskDelta; }
constexpr uint32_t unmask_crc(uint32_t masked) {
  const uint32_t rot = masked - kCrcMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace seqfeat
