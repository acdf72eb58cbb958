#include "example_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>

#include <sys/stat.h>

#include "crc32c.h"
#include "thread_pool.h"

namespace seqfeat {

namespace {

// Below this many records per thread the wake-up of a worker costs more than it saves.
constexpr int64_t kMinRecordsPerChunk = 32;
constexpr size_t kPoolSize = 3;

}  // namespace

ExampleReader::ExampleReader(std::vector<std::string> files, ParseSpec spec,
                             ReaderOptions options)
    : files_(std::move(files)), spec_(std::move(spec)), options_(options) {
  if (files_.empty()) fail(Code::kInvalidArgument, "TFRecord reader: no files given");
  if (spec_.size() == 0) fail(Code::kInvalidArgument, "TFRecord reader: the parse spec is empty");
  if (options_.num_threads < 0)
    fail(Code::kInvalidArgument, "TFRecord reader: num_threads must be >= 0, got {}",
         options_.num_threads);
  if (options_.type == RecordType::kExample)
    for (const FeatureSpec& s : spec_.sequence())
      if (s.kind == FeatureKind::kFixedLenSequence && !s.allow_missing)
        fail(Code::kInvalidArgument,
             "Feature {}: reading Example records, a FixedLenSequenceFeature needs "
             "allow_missing=True (as tf.io.parse_example)",
             s.key);
  for (const std::string& f : files_) {
    struct stat st;
    if (::stat(f.c_str(), &st) != 0) {
      const int err = errno;
      fail(err == ENOENT ? Code::kNotFound : Code::kIo, "{}: cannot open: {}", f,
           std::strerror(err));
    }
    progress_.bytes_total += static_cast<uint64_t>(st.st_size);
  }
}

ExampleReader::~ExampleReader() = default;

ReaderProgress ExampleReader::progress() const {
  ReaderProgress p = progress_;
  p.bytes_read = bytes_done_ + (current_ ? current_->consumed() : 0);
  return p;
}

void ExampleReader::read_raw(int64_t max_records) {
  arena_.clear();
  raw_.clear();
  while (static_cast<int64_t>(raw_.size()) < max_records) {
    if (!current_) {
      if (file_ >= files_.size()) break;
      current_ = std::make_unique<RecordFileReader>(files_[file_], options_.compression);
    }
    const size_t offset = arena_.size();
    uint32_t crc = 0;
    bool got;
    try {
      got = current_->next(arena_, &crc);
    } catch (const Error& e) {
      arena_.resize(offset);
      if (!options_.skip_corrupt || e.code() != Code::kIo) {
        // The records before the broken frame are delivered first; the error comes next.
        pending_ = true;
        error_code_ = e.code();
        error_message_ = e.what();
        return;
      }
      // A broken frame leaves no trustworthy position in the file: the rest of it is skipped.
      ++progress_.skipped;
      got = false;
    }
    if (!got) {
      bytes_done_ += current_->file_size();
      current_.reset();
      ++file_;
      ++progress_.files_done;
      continue;
    }
    raw_.push_back({offset, arena_.size() - offset, crc, static_cast<int32_t>(file_),
                    current_->records() - 1});
  }
}

void ExampleReader::decode_range(size_t first, size_t last, DecodedBatch& out, int64_t& skipped) {
  for (size_t i = first; i < last; ++i) {
    const Raw& r = raw_[i];
    const RecordLocation where{&files_[r.file], r.index};
    const char* data = arena_.data() + r.offset;
    const uint32_t computed = mask_crc(crc32c(data, r.size));
    if (computed != r.masked_crc) {
      if (options_.skip_corrupt) {
        ++skipped;
        continue;
      }
      fail(Code::kIo,
           "{}: record {}: corrupted record: the CRC of its {} data bytes does not match "
           "(stored {:#010x}, computed {:#010x})",
           files_[r.file], r.index, r.size, r.masked_crc, computed);
    }
    if (!options_.skip_corrupt) {
      out.decode(data, r.size, where);
      continue;
    }
    try {
      out.decode(data, r.size, where);
    } catch (const Error&) {
      ++skipped;
    }
  }
}

std::shared_ptr<const DecodedBatch> ExampleReader::next(int64_t max_records) {
  if (max_records < 1)
    fail(Code::kInvalidArgument, "TFRecord reader: batch size must be >= 1, got {}", max_records);
  if (pending_) failed_ = true;
  if (failed_) throw Error(error_code_, error_message_);
  try {
    read_raw(max_records);
    if (raw_.empty() && pending_) fail(error_code_, "{}", error_message_);
    // Buffers of a batch the caller has released are reused (a few batches are kept: a
    // caller typically holds the previous batch while asking for the next).
    out_.reset();
    for (auto& b : pool_)
      if (b.use_count() == 1) {
        out_ = b;
        break;
      }
    if (!out_) {
      out_ = std::make_shared<DecodedBatch>();
      if (pool_.size() < kPoolSize) pool_.push_back(out_);
    }
    out_->reset(spec_, options_.type);
    const auto n = static_cast<int64_t>(raw_.size());
    const int threads = options_.num_threads > 0 ? options_.num_threads : hardware_threads();
    const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(threads, n / kMinRecordsPerChunk));
    int64_t skipped = 0;
    if (chunks == 1) {
      decode_range(0, raw_.size(), *out_, skipped);
    } else {
      if (static_cast<int64_t>(chunks_.size()) < chunks - 1) chunks_.resize(chunks - 1);
      std::vector<std::exception_ptr> errors(chunks);
      std::vector<int64_t> chunk_skipped(chunks, 0);
      auto task = [&](int64_t c) {
        const auto first = static_cast<size_t>(n * c / chunks);
        const auto last = static_cast<size_t>(n * (c + 1) / chunks);
        try {
          DecodedBatch& dst = c == 0 ? *out_ : chunks_[c - 1];
          if (c > 0) dst.reset(spec_, options_.type);
          decode_range(first, last, dst, chunk_skipped[c]);
        } catch (...) {
          errors[c] = std::current_exception();
        }
      };
      parallel_for(static_cast<int>(chunks), chunks, task);
      // The first failing chunk holds the earliest error in file order.
      for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
      for (int64_t c = 1; c < chunks; ++c) out_->append(chunks_[c - 1]);
      for (int64_t s : chunk_skipped) skipped += s;
    }
    progress_.skipped += skipped;
    progress_.records += out_->size();
    return out_;
  } catch (const Error& e) {
    failed_ = true;
    error_code_ = e.code();
    error_message_ = e.what();
    throw;
  }
}

}  // namespace seqfeat
