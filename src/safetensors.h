// The safetensors file format (huggingface's: 8-byte little-endian header length N, N bytes of
// JSON header {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str:
// str}}, then the data, offsets relative to the first byte after the header). docs/formats.md
// describes it and how libseqfeat uses it.
//
// A file is validated as a whole when opened: the header length fits the file, the header is a
// JSON object of well-formed entries, every dtype is known, every tensor's byte size equals
// prod(shape) * dtype size, and the tensors tile the data exactly (sorted by offset, no gap, no
// overlap, the last one ending at the end of the file). Errors name the file and the tensor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace seqfeat {

struct SafetensorsTensor {
  std::string name;
  std::string dtype;             // "F32", "I64", ...
  std::vector<int64_t> shape;
  const std::byte* data = nullptr;
  size_t bytes = 0;
};

class SafetensorsFile {
 public:
  enum class Storage { kRead, kMap };  // read into memory, or memory-map read-only

  // Opens and validates `path`. Missing file: Error(kNotFound); unreadable: kIo; malformed:
  // kInvalidArgument naming the file and, where it applies, the tensor.
  static std::shared_ptr<const SafetensorsFile> open(const std::string& path, Storage storage);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  bool mapped() const { return mapped_; }
  // Tensors in file (offset) order.
  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(std::string_view name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  SafetensorsFile() = default;
  void parse();
  std::string path_;
  bool mapped_ = false;
  std::byte* base_ = nullptr;  // the whole file
  size_t size_ = 0;
  std::vector<SafetensorsTensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

// A float32 tensor to write.
struct SafetensorsEntry {
  std::string name;
  std::vector<int64_t> shape;
  const float* data = nullptr;
};

// Writes float32 tensors (in the given order) and metadata to `path`, through a temporary file
// renamed into place, so that a reader never sees a partly written file. The header is padded
// with spaces so that the data starts at a multiple of 64 bytes. Errors: kIo naming the file.
void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& tensors,
                       const std::map<std::string, std::string>& metadata);

// Size in bytes of one element of a safetensors dtype, 0 if the dtype is unknown.
size_t safetensors_dtype_size(std::string_view dtype);

}  // namespace seqfeat
