#include "tfrecord.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/stat.h>
#include <zlib.h>

#include "crc32c.h"
#include "error.h"

namespace seqfeat {

namespace {

constexpr size_t kFileBuffer = size_t{1} << 20;
// Growth step of a record's buffer when the file size cannot bound its length (compressed
// files): a corrupt length then costs at most one step beyond the real data.
constexpr size_t kReadStep = size_t{16} << 20;

std::FILE* open_file(const std::string& path, const char* mode) {
  std::FILE* f = std::fopen(path.c_str(), mode);
  if (f == nullptr) {
    const int err = errno;
    fail(err == ENOENT ? Code::kNotFound : Code::kIo, "{}: cannot open: {}", path,
         std::strerror(err));
  }
  return f;
}

uint64_t load_u64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint32_t load_u32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

class PlainSource final : public ByteSource {
 public:
  PlainSource(std::FILE* f, const std::string& path) : file_(f), path_(path) {}
  ~PlainSource() override { std::fclose(file_); }
  size_t read(char* dst, size_t n) override {
    const size_t got = std::fread(dst, 1, n, file_);
    if (got < n && std::ferror(file_))
      fail(Code::kIo, "{}: read error: {}", path_, std::strerror(errno));
    consumed_ += got;
    return got;
  }
  uint64_t consumed() const override { return consumed_; }

 private:
  std::FILE* file_;
  const std::string& path_;
  uint64_t consumed_ = 0;
};

class ZlibSource final : public ByteSource {
 public:
  ZlibSource(std::FILE* f, const std::string& path, Compression c)
      : file_(f), path_(path), gzip_(c == Compression::kGzip), in_(kFileBuffer) {
    std::memset(&z_, 0, sizeof z_);
    if (inflateInit2(&z_, gzip_ ? MAX_WBITS + 16 : MAX_WBITS) != Z_OK) {
      std::fclose(file_);
      fail(Code::kOutOfMemory, "{}: cannot initialise zlib", path_);
    }
  }
  ~ZlibSource() override {
    inflateEnd(&z_);
    std::fclose(file_);
  }
  size_t read(char* dst, size_t n) override {
    size_t produced = 0;
    while (produced < n) {
      if (z_.avail_in == 0 && !eof_) refill();
      if (z_.avail_in == 0 && eof_) {
        if (in_stream_)
          fail(Code::kIo, "{}: truncated {} stream (the file ends inside compressed data)",
               path_, gzip_ ? "GZIP" : "ZLIB");
        return produced;
      }
      if (!in_stream_) {
        // A new member after a finished one (concatenated gzip files).
        if (inflateReset(&z_) != Z_OK) fail(Code::kInternal, "{}: inflateReset failed", path_);
        in_stream_ = true;
      }
      const size_t want = std::min<size_t>(n - produced, 1u << 30);
      z_.next_out = reinterpret_cast<Bytef*>(dst + produced);
      z_.avail_out = static_cast<uInt>(want);
      const int rc = inflate(&z_, Z_NO_FLUSH);
      produced += want - z_.avail_out;
      if (rc == Z_STREAM_END) {
        in_stream_ = false;
        if (!gzip_) {
          finished_ = true;
          return produced;
        }
      } else if (rc == Z_BUF_ERROR) {
        if (z_.avail_in != 0) fail(Code::kInternal, "{}: zlib made no progress", path_);
      } else if (rc != Z_OK) {
        fail(Code::kIo, "{}: corrupt {} data at compressed byte {}: {}", path_,
             gzip_ ? "GZIP" : "ZLIB", consumed(), z_.msg ? z_.msg : "inflate failed");
      }
      if (finished_) return produced;
    }
    return produced;
  }
  uint64_t consumed() const override { return read_ - z_.avail_in; }

 private:
  void refill() {
    const size_t got = std::fread(in_.data(), 1, in_.size(), file_);
    if (got < in_.size()) {
      if (std::ferror(file_)) fail(Code::kIo, "{}: read error: {}", path_, std::strerror(errno));
      eof_ = true;
    }
    read_ += got;
    z_.next_in = reinterpret_cast<Bytef*>(in_.data());
    z_.avail_in = static_cast<uInt>(got);
  }

  std::FILE* file_;
  const std::string& path_;
  bool gzip_;
  std::vector<char> in_;
  z_stream z_;
  bool eof_ = false;
  bool in_stream_ = true;
  bool finished_ = false;
  uint64_t read_ = 0;
};

}  // namespace

Compression compression_from_int(int32_t value) {
  if (value < 0 || value > 2)
    fail(Code::kInvalidArgument,
         "unknown compression {} (0: none, 1: GZIP, 2: ZLIB)", value);
  return static_cast<Compression>(value);
}

RecordFileReader::RecordFileReader(const std::string& path, Compression compression)
    : path_(path), compression_(compression) {
  std::FILE* f = open_file(path_, "rb");
  struct stat st;
  if (fstat(fileno(f), &st) == 0) file_size_ = static_cast<uint64_t>(st.st_size);
  if (compression_ == Compression::kNone) {
    std::setvbuf(f, nullptr, _IOFBF, kFileBuffer);
    source_ = std::make_unique<PlainSource>(f, path_);
  } else {
    source_ = std::make_unique<ZlibSource>(f, path_, compression_);
  }
}

RecordFileReader::~RecordFileReader() = default;

uint64_t RecordFileReader::consumed() const { return source_->consumed(); }

bool RecordFileReader::next(std::vector<char>& arena, uint32_t* masked_crc) {
  char header[12];
  const size_t got = source_->read(header, sizeof header);
  if (got == 0) return false;
  if (got < sizeof header)
    fail(Code::kIo, "{}: record {}: truncated header ({} of 12 bytes before the end of the file)",
         path_, records_, got);
  const uint64_t length = load_u64(header);
  const uint32_t stored = load_u32(header + 8);
  if (mask_crc(crc32c(header, 8)) != stored)
    fail(Code::kIo,
         "{}: record {}: corrupted record: the CRC of the length ({}) does not match (stored "
         "{:#010x}, computed {:#010x})",
         path_, records_, length, stored, mask_crc(crc32c(header, 8)));
  if (compression_ == Compression::kNone) {
    const uint64_t left = file_size_ > consumed() ? file_size_ - consumed() : 0;
    if (length > left || left - length < 4)
      fail(Code::kIo,
           "{}: record {}: truncated record: length {} (+4 bytes of CRC) runs past the end of "
           "the file ({} bytes left)",
           path_, records_, length, left);
  }
  const size_t base = arena.size();
  if (length > static_cast<uint64_t>(INT64_MAX) - base)
    fail(Code::kIo, "{}: record {}: length {} is too large", path_, records_, length);
  // Reads the data plus its CRC in steps, so that memory follows the bytes really present.
  const uint64_t total = length + 4;
  uint64_t have = 0;
  while (have < total) {
    const uint64_t step = std::min<uint64_t>(total - have, compression_ == Compression::kNone
                                                               ? total - have
                                                               : kReadStep);
    arena.resize(base + have + step);
    const size_t r = source_->read(arena.data() + base + have, step);
    have += r;
    if (r < step) {
      arena.resize(base);
      fail(Code::kIo,
           "{}: record {}: truncated record: {} of {} bytes (data + CRC) before the end of the "
           "file",
           path_, records_, have, total);
    }
  }
  *masked_crc = load_u32(arena.data() + base + length);
  arena.resize(base + length);
  ++records_;
  return true;
}

struct RecordWriter::Deflater {
  z_stream z;
  bool ready = false;
  std::vector<unsigned char> out = std::vector<unsigned char>(kFileBuffer);
  ~Deflater() {
    if (ready) deflateEnd(&z);
  }
};

RecordWriter::RecordWriter(const std::string& path, Compression compression) : path_(path) {
  file_ = open_file(path_, "wb");
  if (compression != Compression::kNone) {
    deflater_ = std::make_unique<Deflater>();
    std::memset(&deflater_->z, 0, sizeof deflater_->z);
    const int bits = compression == Compression::kGzip ? MAX_WBITS + 16 : MAX_WBITS;
    if (deflateInit2(&deflater_->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, bits, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      std::fclose(file_);
      file_ = nullptr;
      fail(Code::kOutOfMemory, "{}: cannot initialise zlib", path_);
    }
    deflater_->ready = true;
  }
}

RecordWriter::~RecordWriter() {
  try {
    close();
  } catch (...) {
  }
}

void RecordWriter::emit(const void* data, size_t size) {
  if (file_ == nullptr) fail(Code::kInvalidArgument, "{}: the writer is closed", path_);
  if (!deflater_) {
    if (size && std::fwrite(data, 1, size, file_) != size)
      fail(Code::kIo, "{}: write error: {}", path_, std::strerror(errno));
    return;
  }
  z_stream& z = deflater_->z;
  z.next_in = static_cast<Bytef*>(const_cast<void*>(data));
  z.avail_in = static_cast<uInt>(size);
  const bool finish = data == nullptr;
  do {
    z.next_out = deflater_->out.data();
    z.avail_out = static_cast<uInt>(deflater_->out.size());
    const int rc = deflate(&z, finish ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_STREAM_ERROR) fail(Code::kInternal, "{}: deflate failed", path_);
    const size_t n = deflater_->out.size() - z.avail_out;
    if (n && std::fwrite(deflater_->out.data(), 1, n, file_) != n)
      fail(Code::kIo, "{}: write error: {}", path_, std::strerror(errno));
    if (finish && rc == Z_STREAM_END) break;
  } while (z.avail_out == 0 || (finish));
}

void RecordWriter::write(const void* data, size_t size) {
  if (size > 0 && data == nullptr) fail(Code::kInvalidArgument, "{}: record data is NULL", path_);
  char header[12];
  const uint64_t length = size;
  std::memcpy(header, &length, 8);
  const uint32_t length_crc = mask_crc(crc32c(header, 8));
  std::memcpy(header + 8, &length_crc, 4);
  const uint32_t data_crc = mask_crc(crc32c(data, size));
  // emit() cannot take more than 4 GiB at once through zlib's 32-bit counters.
  emit(header, sizeof header);
  const char* p = static_cast<const char*>(data);
  for (size_t done = 0; done < size;) {
    const size_t n = std::min<size_t>(size - done, size_t{1} << 30);
    emit(p + done, n);
    done += n;
  }
  char footer[4];
  std::memcpy(footer, &data_crc, 4);
  emit(footer, sizeof footer);
}

void RecordWriter::close() {
  if (file_ == nullptr) return;
  std::FILE* f = file_;
  try {
    if (deflater_) {
      emit(nullptr, 0);
      deflater_.reset();
    }
  } catch (...) {
    file_ = nullptr;
    deflater_.reset();
    std::fclose(f);
    throw;
  }
  file_ = nullptr;
  if (std::fclose(f) != 0) fail(Code::kIo, "{}: close failed: {}", path_, std::strerror(errno));
}

}  // namespace seqfeat
