// Streams batches of decoded records from TFRecord files: records are read in file order
// (each exactly once across file and batch boundaries), their CRCs checked and their
// protobuf decoded on up to num_threads threads, and delivered in file order whatever the
// thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "error.h"
#include "example_parser.h"
#include "tfrecord.h"

namespace seqfeat {

struct ReaderOptions {
  RecordType type = RecordType::kSequenceExample;
  Compression compression = Compression::kNone;
  int num_threads = 0;        // 0: the machine's cores
  bool skip_corrupt = false;  // skip (and count) corrupt records instead of failing
};

struct ReaderProgress {
  int64_t records = 0;          // records delivered
  int64_t skipped = 0;          // corrupt records skipped (skip_corrupt)
  int64_t files_done = 0;       // files read to their end
  uint64_t bytes_read = 0;      // bytes of the files consumed (compressed bytes if compressed)
  uint64_t bytes_total = 0;     // sum of the files' sizes
};

class ExampleReader {
 public:
  // Checks that every file exists (Error kNotFound naming it) and validates the spec against
  // the record type (an Example has no feature lists: its sequence features are read from
  // its features, one value per step).
  ExampleReader(std::vector<std::string> files, ParseSpec spec, ReaderOptions options);
  ~ExampleReader();

  // Decodes the next up to max_records records (fewer only at the end of the last file; 0
  // when everything has been read). The returned batch stays valid and unchanged while the
  // caller holds it; the reader reuses its buffers once the caller has released it.
  // Corrupt input without skip_corrupt: the records before a broken frame are delivered, the
  // next call fails; a record that fails its CRC or decoding fails the call. After an error,
  // every further call fails with the same error.
  std::shared_ptr<const DecodedBatch> next(int64_t max_records);

  const ParseSpec& spec() const { return spec_; }
  const ReaderOptions& options() const { return options_; }
  ReaderProgress progress() const;

 private:
  struct Raw {
    size_t offset;
    size_t size;
    uint32_t masked_crc;
    int32_t file;
    int64_t index;
  };
  void read_raw(int64_t max_records);
  void decode_range(size_t first, size_t last, DecodedBatch& out, int64_t& skipped);

  std::vector<std::string> files_;
  ParseSpec spec_;
  ReaderOptions options_;
  size_t file_ = 0;  // index of the current file
  std::unique_ptr<RecordFileReader> current_;
  std::vector<char> arena_;
  std::vector<Raw> raw_;
  std::shared_ptr<DecodedBatch> out_;
  std::vector<std::shared_ptr<DecodedBatch>> pool_;
  std::vector<DecodedBatch> chunks_;
  ReaderProgress progress_;
  uint64_t bytes_done_ = 0;  // bytes of finished files
  bool pending_ = false;  // a framing error to report after the records read before it
  bool failed_ = false;
  Code error_code_ = Code::kOk;
  std::string error_message_;
};

}  // namespace seqfeat
