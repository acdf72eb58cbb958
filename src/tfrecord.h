// TFRecord files: a sequence of records, each framed as
//   uint64 length (little-endian) | uint32 masked_crc32c(length bytes) | data[length] |
//   uint32 masked_crc32c(data)
// optionally inside one GZIP or ZLIB stream (TF's compression_type "GZIP" / "ZLIB").
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace seqfeat {

enum class Compression : int32_t { kNone = 0, kGzip = 1, kZlib = 2 };

// Sequential bytes of one file, decompressed if asked. Implementations: plain and zlib.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes into dst; fewer only at the end of the (decompressed) stream.
  virtual size_t read(char* dst, size_t n) = 0;
  // Bytes of the underlying file consumed so far (compressed bytes for compressed files).
  virtual uint64_t consumed() const = 0;
};

// Reads the framed records of one file, in order. Framing errors (truncation, a length whose
// CRC does not match, a length past the end of the file) are Error(kIo) naming the file and
// the record index; the data CRC is returned for the caller to check (it can be checked in
// parallel with decoding).
class RecordFileReader {
 public:
  RecordFileReader(const std::string& path, Compression compression);
  ~RecordFileReader();
  RecordFileReader(const RecordFileReader&) = delete;
  RecordFileReader& operator=(const RecordFileReader&) = delete;

  // Appends the next record's data to `arena` and returns true, or returns false at a clean end
  // of file. *masked_crc receives the stored masked CRC of the data.
  bool next(std::vector<char>& arena, uint32_t* masked_crc);
  // Records returned so far (= index of the next record).
  int64_t records() const { return records_; }
  const std::string& path() const { return path_; }
  uint64_t file_size() const { return file_size_; }
  uint64_t consumed() const;

 private:
  std::string path_;
  Compression compression_;
  uint64_t file_size_ = 0;
  std::unique_ptr<ByteSource> source_;
  int64_t records_ = 0;
};

// Writes framed records; the file is complete after close() (or the destructor, which
// swallows errors — call close() to see them).
class RecordWriter {
 public:
  RecordWriter(const std::string& path, Compression compression);
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  void write(const void* data, size_t size);
  void close();

 private:
  void emit(const void* data, size_t size);
  struct Deflater;
  std::string path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<Deflater> deflater_;
};

// A compression code from the C ABI (0 none, 1 GZIP, 2 ZLIB); throws for other values.
Compression compression_from_int(int32_t value);

}  // namespace seqfeat
