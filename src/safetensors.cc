#include "safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include <nlohmann/json.hpp>

#include "error.h"

namespace seqfeat {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swaps");

namespace {

// The reference implementation's bound on the header: it keeps a hostile length from making
// the reader allocate or parse gigabytes before finding the file is malformed.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string errno_text() { return std::strerror(errno); }

}  // namespace

size_t safetensors_dtype_size(std::string_view dtype) {
  static const std::pair<std::string_view, size_t> kSizes[] = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2},
      {"U16", 2},  {"F16", 2}, {"BF16", 2}, {"I32", 4},     {"U32", 4},     {"F32", 4},
      {"F64", 8},  {"I64", 8}, {"U64", 8}};
  for (const auto& [name, size] : kSizes)
    if (name == dtype) return size;
  return 0;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapped_)
    ::munmap(base_, size_);
  else
    ::operator delete(base_, std::align_val_t{64});
}

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::string& path,
                                                             Storage storage) {
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) {
    if (errno == ENOENT) fail(Code::kNotFound, "{}: no such file", path);
    fail(Code::kIo, "{}: cannot open: {}", path, errno_text());
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) fail(Code::kIo, "{}: cannot stat: {}", path, errno_text());
  if (!S_ISREG(st.st_mode)) fail(Code::kIo, "{}: not a regular file", path);
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  const auto size = static_cast<size_t>(st.st_size);
  if (size < 8)
    fail(Code::kInvalidArgument, "{}: truncated: {} bytes, shorter than the 8-byte header length",
         path, size);
  if (storage == Storage::kMap) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, f.fd, 0);
    if (p == MAP_FAILED) fail(Code::kIo, "{}: cannot memory-map: {}", path, errno_text());
    file->base_ = static_cast<std::byte*>(p);
    file->size_ = size;
    file->mapped_ = true;
  } else {
    file->base_ = static_cast<std::byte*>(::operator new(size, std::align_val_t{64}));
    file->size_ = size;
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::pread(f.fd, file->base_ + done, size - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail(Code::kIo, "{}: read error: {}", path, errno_text());
      if (n == 0) fail(Code::kIo, "{}: the file shrank while being read", path);
      done += static_cast<size_t>(n);
    }
  }
  file->parse();
  return file;
}

void SafetensorsFile::parse() {
  uint64_t header_bytes = 0;
  std::memcpy(&header_bytes, base_, 8);
  if (header_bytes > size_ - 8)
    fail(Code::kInvalidArgument,
         "{}: header length {} runs past the end of the file ({} bytes after the length)", path_,
         header_bytes, size_ - 8);
  if (header_bytes > kMaxHeaderBytes)
    fail(Code::kInvalidArgument, "{}: header length {} exceeds the limit of {} bytes", path_,
         header_bytes, kMaxHeaderBytes);
  const auto* text = reinterpret_cast<const char*>(base_ + 8);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text, text + header_bytes);
  } catch (const nlohmann::json::exception& e) {
    fail(Code::kInvalidArgument, "{}: the header is not valid JSON: {}", path_, e.what());
  }
  if (!header.is_object()) fail(Code::kInvalidArgument, "{}: the header is not a JSON object", path_);

  struct Span {
    uint64_t begin, end;
    size_t index;
  };
  std::vector<Span> spans;
  const size_t data_bytes = size_ - 8 - header_bytes;
  const std::byte* data = base_ + 8 + header_bytes;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object())
        fail(Code::kInvalidArgument, "{}: __metadata__ is not an object of strings", path_);
      for (const auto& [k, v] : entry.items()) {
        if (!v.is_string())
          fail(Code::kInvalidArgument, "{}: __metadata__ entry \"{}\" is not a string", path_, k);
        metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    if (!entry.is_object())
      fail(Code::kInvalidArgument, "{}: tensor \"{}\": the entry is not an object", path_, name);
    for (const auto& [k, v] : entry.items())
      if (k != "dtype" && k != "shape" && k != "data_offsets")
        fail(Code::kInvalidArgument, "{}: tensor \"{}\": unknown field \"{}\"", path_, name, k);
    SafetensorsTensor t;
    t.name = name;
    const auto dtype = entry.find("dtype");
    if (dtype == entry.end() || !dtype->is_string())
      fail(Code::kInvalidArgument, "{}: tensor \"{}\": missing or non-string \"dtype\"", path_,
           name);
    t.dtype = dtype->get<std::string>();
    const size_t element = safetensors_dtype_size(t.dtype);
    if (element == 0)
      fail(Code::kInvalidArgument, "{}: tensor \"{}\": unknown dtype \"{}\"", path_, name,
           t.dtype);
    const auto shape = entry.find("shape");
    if (shape == entry.end() || !shape->is_array())
      fail(Code::kInvalidArgument, "{}: tensor \"{}\": missing or non-array \"shape\"", path_,
           name);
    uint64_t bytes = element;
    for (const auto& d : *shape) {
      if (!d.is_number_unsigned())
        fail(Code::kInvalidArgument, "{}: tensor \"{}\": shape {} has a non-integer or negative "
             "dimension", path_, name, shape->dump());
      const auto dim = d.get<uint64_t>();
      if (dim > static_cast<uint64_t>(INT64_MAX) || __builtin_mul_overflow(bytes, dim, &bytes))
        fail(Code::kInvalidArgument, "{}: tensor \"{}\": shape {} is too large", path_, name,
             shape->dump());
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    const auto offsets = entry.find("data_offsets");
    if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
      fail(Code::kInvalidArgument,
           "{}: tensor \"{}\": \"data_offsets\" must be two non-negative integers [begin, end]",
           path_, name);
    const auto begin = (*offsets)[0].get<uint64_t>(), end = (*offsets)[1].get<uint64_t>();
    if (end < begin)
      fail(Code::kInvalidArgument, "{}: tensor \"{}\": data_offsets [{}, {}] end before they begin",
           path_, name, begin, end);
    if (end - begin != bytes)
      fail(Code::kInvalidArgument,
           "{}: tensor \"{}\": data_offsets [{}, {}] hold {} bytes but dtype {} and shape {} need "
           "{}",
           path_, name, begin, end, end - begin, t.dtype, shape->dump(), bytes);
    if (end > data_bytes)
      fail(Code::kInvalidArgument,
           "{}: tensor \"{}\": data_offsets [{}, {}] run past the end of the data ({} bytes): the "
           "file is truncated or the offsets are out of range",
           path_, name, begin, end, data_bytes);
    t.data = data + begin;
    t.bytes = static_cast<size_t>(bytes);
    spans.push_back({begin, end, tensors_.size()});
    tensors_.push_back(std::move(t));
  }
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t expected = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    const Span& s = spans[i];
    const std::string& name = tensors_[s.index].name;
    if (s.begin < expected)
      fail(Code::kInvalidArgument, "{}: tensor \"{}\": data_offsets [{}, {}] overlap tensor \"{}\"",
           path_, name, s.begin, s.end, tensors_[spans[i - 1].index].name);
    if (s.begin > expected)
      fail(Code::kInvalidArgument,
           "{}: tensor \"{}\": data_offsets [{}, {}] leave a gap of {} bytes before it", path_,
           name, s.begin, s.end, s.begin - expected);
    expected = s.end;
  }
  if (expected != data_bytes)
    fail(Code::kInvalidArgument,
         "{}: the tensors cover {} bytes of data but the file holds {} after the header", path_,
         expected, data_bytes);
  std::vector<SafetensorsTensor> ordered;
  ordered.reserve(spans.size());
  for (const Span& s : spans) ordered.push_back(std::move(tensors_[s.index]));
  tensors_ = std::move(ordered);
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
  for (const auto& t : tensors_)
    if (t.name == name) return &t;
  return nullptr;
}

void write_safetensors(const std::string& path, const std::vector<SafetensorsEntry>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    uint64_t bytes = sizeof(float);
    for (int64_t d : t.shape) {
      if (d < 0 || __builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes))
        fail(Code::kInvalidArgument, "{}: tensor \"{}\" has an invalid shape", path, t.name);
    }
    if (header.contains(t.name))
      fail(Code::kInvalidArgument, "{}: tensor \"{}\" is given twice", path, t.name);
    header[t.name] = {{"dtype", "F32"},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((64 - (8 + text.size()) % 64) % 64, ' ');
  const uint64_t length = text.size();

  const std::string temporary = path + ".tmp";
  std::FILE* out = std::fopen(temporary.c_str(), "wb");
  if (out == nullptr) fail(Code::kIo, "{}: cannot create: {}", temporary, errno_text());
  bool ok = std::fwrite(&length, 8, 1, out) == 1 &&
            std::fwrite(text.data(), 1, text.size(), out) == text.size();
  for (size_t i = 0; ok && i < tensors.size(); ++i) {
    size_t count = 1;
    for (int64_t d : tensors[i].shape) count *= static_cast<size_t>(d);
    ok = count == 0 || std::fwrite(tensors[i].data, sizeof(float), count, out) == count;
  }
  ok = (std::fclose(out) == 0) && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = errno_text();
    std::remove(temporary.c_str());
    fail(Code::kIo, "{}: cannot write: {}", path, reason);
  }
}

}  // namespace seqfeat
