#include "pipeline_io.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "error.h"
#include "safetensors.h"

namespace seqfeat {

using Json = nlohmann::ordered_json;

namespace {

// ------------------------------------------------------------------------------------------
// Writing

const char* combiner_name(Combiner c) {
  switch (c) {
    case Combiner::kSum: return "sum";
    case Combiner::kMean: return "mean";
    case Combiner::kSqrtn: return "sqrtn";
  }
  return "mean";
}

// Floats round-trip exactly through JSON's decimal numbers; the three non-finite values JSON
// cannot spell are written as strings.
Json float_json(float x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  return static_cast<double>(x);
}

Json categorical_json(const CategoricalColumn& c) {
  const CategoricalParams p = c.params();
  Json j;
  switch (c.kind()) {
    case ColumnKind::kIdentity:
      j["type"] = "identity";
      j["key"] = c.key();
      j["sequence"] = c.is_sequence();
      j["num_buckets"] = p.buckets;
      j["default_value"] = p.default_value ? Json(*p.default_value) : Json(nullptr);
      return j;
    case ColumnKind::kHashBucket:
      j["type"] = "hash_bucket";
      j["key"] = c.key();
      j["sequence"] = c.is_sequence();
      j["hash_bucket_size"] = p.buckets;
      j["dtype"] = dtype_name(p.dtype);
      return j;
    case ColumnKind::kVocabularyList:
    case ColumnKind::kVocabularyFile: {
      const bool file = c.kind() == ColumnKind::kVocabularyFile;
      j["type"] = file ? "vocabulary_file" : "vocabulary_list";
      j["key"] = c.key();
      j["sequence"] = c.is_sequence();
      j["dtype"] = dtype_name(p.dtype);
      if (file) j["vocabulary_file"] = p.vocabulary_file;
      if (p.string_vocabulary)
        j["vocabulary"] = *p.string_vocabulary;
      else
        j["vocabulary"] = *p.int_vocabulary;
      // A vocabulary-file column without a default keeps TF's None (it means -1).
      if (file && p.default_value.value_or(-1) == -1)
        j["default_value"] = nullptr;
      else
        j["default_value"] = p.default_value.value_or(-1);
      j["num_oov_buckets"] = p.num_oov_buckets;
      return j;
    }
    case ColumnKind::kWeighted:
      j["type"] = "weighted";
      j["categorical"] = categorical_json(*c.wrapped());
      j["weight_feature_key"] = p.weight_feature_key;
      j["dtype"] = dtype_name(p.dtype);
      return j;
    default:
      fail(Code::kInternal, "column {}: kind {} is not categorical", c.name(),
           static_cast<int32_t>(c.kind()));
  }
}

Json normalizer_json(const NumericColumn& c) {
  const Normalizer& n = c.normalizer();
  switch (n.kind) {
    case NormalizerKind::kNone: return nullptr;
    case NormalizerKind::kScaleShift:
      return Json{{"kind", "scale_shift"}, {"a", float_json(n.a)}, {"b", float_json(n.b)}};
    case NormalizerKind::kZScore:
      return Json{{"kind", "zscore"}, {"a", float_json(n.a)}, {"b", float_json(n.b)}};
    case NormalizerKind::kLog1p: return Json{{"kind", "log1p"}};
    case NormalizerKind::kClip:
      return Json{{"kind", "clip"}, {"a", float_json(n.a)}, {"b", float_json(n.b)}};
    case NormalizerKind::kCallback: break;
  }
  fail(Code::kInvalidArgument,
       "column {}: a callback normalizer cannot be saved (only the built-in normalizers are "
       "part of the saved pipeline)",
       c.name());
}

Json column_json(const Column& column) {
  if (auto* c = dynamic_cast<const CategoricalColumn*>(&column)) return categorical_json(*c);
  if (auto* n = dynamic_cast<const NumericColumn*>(&column)) {
    Json j;
    j["type"] = "numeric";
    j["key"] = n->key();
    j["sequence"] = n->is_sequence();
    j["shape"] = n->variable_shape();
    j["default_value"] = float_json(n->default_value());
    j["dtype"] = dtype_name(n->dtype());
    j["normalizer"] = normalizer_json(*n);
    return j;
  }
  if (auto* e = dynamic_cast<const EmbeddingColumn*>(&column)) {
    Json j;
    j["type"] = e->shared() ? "shared_embedding" : "embedding";
    j["categorical"] = categorical_json(e->categorical());
    j["dimension"] = e->table().dimension();
    j["combiner"] = combiner_name(e->combiner());
    j["max_norm"] = e->max_norm() ? float_json(*e->max_norm()) : Json(nullptr);
    j["trainable"] = e->trainable();
    j["table"] = Json{{"name", e->table().name()}, {"seed", e->table().seed()}};
    return j;
  }
  if (auto* i = dynamic_cast<const IndicatorColumn*>(&column)) {
    Json j;
    j["type"] = "indicator";
    j["categorical"] = categorical_json(i->categorical());
    return j;
  }
  fail(Code::kInternal, "column {}: unknown column type {}", column.name(), column.type_name());
}

const char* padding_name(bool pre) { return pre ? "pre" : "post"; }

Json pipeline_json(const Pipeline& p) {
  Json j;
  j["format"] = kPipelineFormat;
  j["version"] = kPipelineVersion;
  j["layer"] = p.layer == LayerKind::kSequenceFeatures ? "SequenceFeatures" : "DenseFeatures";
  j["name"] = p.name;
  if (p.layer == LayerKind::kSequenceFeatures) {
    const PackOptions& o = p.call_defaults;
    j["call_defaults"] = Json{{"max_length", o.max_length},
                              {"padding", padding_name(o.pad_pre)},
                              {"truncating", padding_name(o.truncate_pre)},
                              {"strict", o.strict},
                              {"num_threads", o.num_threads}};
  }
  j["tables_file"] = kTablesFileName;
  Json columns = Json::array();
  for (const auto& c : p.columns) columns.push_back(column_json(*c));
  j["columns"] = std::move(columns);
  return j;
}

// ------------------------------------------------------------------------------------------
// Reading

const char* type_of(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number";
    default: return "a value of another type";
  }
}

// One JSON object being read: every field must be read once (missing fields and fields nobody
// reads are errors), and each error names the field by its path from the file.
class Fields {
 public:
  Fields(const Json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j.is_object()) fail(Code::kInvalidArgument, "{}: expected an object, got {}", where_, type_of(j));
  }
  const std::string& where() const { return where_; }
  std::string path(const char* key) const { return where_ + "." + key; }

  const Json& get(const char* key) {
    auto it = j_.find(key);
    if (it == j_.end()) fail(Code::kInvalidArgument, "{}: missing field \"{}\"", where_, key);
    read_.insert(key);
    return *it;
  }
  bool has(const char* key) const { return j_.contains(key); }

  std::string string(const char* key) {
    const Json& v = get(key);
    if (!v.is_string()) wrong(key, "a string", v);
    return v.get<std::string>();
  }
  bool boolean(const char* key) {
    const Json& v = get(key);
    if (!v.is_boolean()) wrong(key, "a boolean", v);
    return v.get<bool>();
  }
  int64_t integer(const char* key) { return as_integer(get(key), path(key)); }
  uint64_t unsigned_integer(const char* key) {
    const Json& v = get(key);
    if (!v.is_number_unsigned()) wrong(key, "a non-negative integer", v);
    return v.get<uint64_t>();
  }
  std::optional<int64_t> optional_integer(const char* key) {
    const Json& v = get(key);
    if (v.is_null()) return std::nullopt;
    return as_integer(v, path(key));
  }
  float real(const char* key) { return as_float(get(key), path(key)); }
  std::optional<float> optional_real(const char* key) {
    const Json& v = get(key);
    if (v.is_null()) return std::nullopt;
    return as_float(v, path(key));
  }
  DType dtype(const char* key) {
    const std::string name = string(key);
    for (int32_t code = 1; code <= 6; ++code) {
      const auto t = static_cast<DType>(code);
      if (dtype_name(t) == name && t != DType::kUInt8) return t;
    }
    fail(Code::kInvalidArgument, "{}: unknown dtype \"{}\"", path(key), name);
  }

  // Every field present must have been read.
  void finish() const {
    for (const auto& [k, v] : j_.items())
      if (!read_.count(k)) fail(Code::kInvalidArgument, "{}: unknown field \"{}\"", where_, k);
  }

  static int64_t as_integer(const Json& v, const std::string& where) {
    if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<int64_t>();
    if (v.is_number_unsigned()) {
      const auto u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX))
        fail(Code::kInvalidArgument, "{}: {} does not fit in int64", where, u);
      return static_cast<int64_t>(u);
    }
    fail(Code::kInvalidArgument, "{}: expected an integer, got {}", where, type_of(v));
  }
  static float as_float(const Json& v, const std::string& where) {
    if (v.is_number()) return static_cast<float>(v.get<double>());
    if (v.is_string()) {
      const auto s = v.get<std::string>();
      if (s == "NaN") return std::numeric_limits<float>::quiet_NaN();
      if (s == "Infinity") return std::numeric_limits<float>::infinity();
      if (s == "-Infinity") return -std::numeric_limits<float>::infinity();
    }
    fail(Code::kInvalidArgument, "{}: expected a number, got {}", where, type_of(v));
  }

 private:
  [[noreturn]] void wrong(const char* key, const char* expected, const Json& v) const {
    fail(Code::kInvalidArgument, "{}: expected {}, got {}", path(key), expected, type_of(v));
  }
  const Json& j_;
  std::string where_;
  std::set<std::string> read_;
};

// Runs `body`, prefixing the message of a column-construction error with `where`, so that e.g.
// a duplicate vocabulary key names the column's place in the file.
template <class F>
auto located(const std::string& where, F&& body) {
  try {
    return body();
  } catch (const Error& e) {
    if (std::string_view(e.what()).rfind(where, 0) == 0) throw;
    throw Error(e.code(), where + ": " + e.what());
  }
}

// Embedding tables while a pipeline is read: each name built once (shared-embedding columns
// naming the same table share it), from the tables file when there is one, else from seeds.
class TableBuilder {
 public:
  TableBuilder(std::shared_ptr<const SafetensorsFile> file, TableStorage storage)
      : file_(std::move(file)), storage_(storage) {}

  std::shared_ptr<Table> get(const std::string& name, uint64_t seed, int64_t rows,
                             int64_t dimension, bool shared, const std::string& where) {
    auto it = built_.find(name);
    if (it != built_.end()) {
      const Entry& e = it->second;
      if (!shared || !e.shared)
        fail(Code::kInvalidArgument,
             "{}: table \"{}\" is already used by {}; only shared-embedding columns share a table",
             where, name, e.user);
      const Table& t = *e.table;
      if (t.rows() != rows || t.dimension() != dimension || t.seed() != seed)
        fail(Code::kInvalidArgument,
             "{}: table \"{}\" is [{}, {}] with seed {} here but [{}, {}] with seed {} in {}", where,
             name, rows, dimension, seed, t.rows(), t.dimension(), t.seed(), e.user);
      return e.table;
    }
    std::shared_ptr<Table> table;
    if (!file_) {
      table = std::make_shared<Table>(name, rows, dimension, seed);
    } else {
      const SafetensorsTensor* t = file_->find(name);
      if (t == nullptr)
        fail(Code::kInvalidArgument, "{}: {} has no tensor \"{}\" (the table of {})",
             file_->path(), kTablesFileName, name, where);
      if (t->dtype != "F32")
        fail(Code::kInvalidArgument, "{}: tensor \"{}\" has dtype {}; tables are F32",
             file_->path(), name, t->dtype);
      if (t->shape != std::vector<int64_t>{rows, dimension}) {
        std::string shape;
        for (int64_t d : t->shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
        fail(Code::kInvalidArgument,
             "{}: tensor \"{}\" has shape [{}] but {} needs [{}, {}] (num_buckets, dimension)",
             file_->path(), name, shape, where, rows, dimension);
      }
      const auto* data = reinterpret_cast<const float*>(t->data);
      const bool aligned = reinterpret_cast<uintptr_t>(t->data) % alignof(float) == 0;
      if (storage_ == TableStorage::kMap && file_->mapped() && aligned)
        table = std::make_shared<Table>(name, rows, dimension, seed, file_, data);
      else
        table = std::make_shared<Table>(name, rows, dimension, seed, copy_of(*t).data());
    }
    built_.emplace(name, Entry{table, shared, where});
    return table;
  }

  // Every tensor of the tables file must belong to a column.
  void finish() const {
    if (!file_) return;
    for (const auto& t : file_->tensors())
      if (!built_.count(t.name))
        fail(Code::kInvalidArgument, "{}: tensor \"{}\" is not the table of any column",
             file_->path(), t.name);
  }

 private:
  // The data may sit at any byte offset in the file; copy it out as floats.
  static std::vector<float> copy_of(const SafetensorsTensor& t) {
    std::vector<float> v(t.bytes / sizeof(float));
    std::memcpy(v.data(), t.data, t.bytes);
    return v;
  }
  struct Entry {
    std::shared_ptr<Table> table;
    bool shared;
    std::string user;
  };
  std::shared_ptr<const SafetensorsFile> file_;
  TableStorage storage_;
  std::map<std::string, Entry> built_;
};

std::shared_ptr<const CategoricalColumn> read_categorical(const Json& j, const std::string& where);

std::shared_ptr<const CategoricalColumn> read_categorical(const Json& j, const std::string& where) {
  Fields f(j, where);
  const std::string type = f.string("type");
  std::shared_ptr<const CategoricalColumn> column;
  if (type == "weighted") {
    auto inner = read_categorical(f.get("categorical"), f.path("categorical"));
    const std::string weight_key = f.string("weight_feature_key");
    const DType dtype = f.dtype("dtype");
    f.finish();
    return located(where, [&] { return make_weighted_column(inner, weight_key, dtype); });
  }
  const std::string key = f.string("key");
  const bool sequence = f.boolean("sequence");
  if (type == "identity") {
    const int64_t buckets = f.integer("num_buckets");
    const auto default_value = f.optional_integer("default_value");
    f.finish();
    return located(where, [&] { return make_identity_column(key, sequence, buckets, default_value); });
  }
  if (type == "hash_bucket") {
    const int64_t size = f.integer("hash_bucket_size");
    const DType dtype = f.dtype("dtype");
    f.finish();
    return located(where, [&] { return make_hash_bucket_column(key, sequence, size, dtype); });
  }
  if (type == "vocabulary_list" || type == "vocabulary_file") {
    const bool file = type == "vocabulary_file";
    const DType dtype = f.dtype("dtype");
    const std::string file_name = file ? f.string("vocabulary_file") : std::string();
    const Json& vocabulary = f.get("vocabulary");
    const std::string vocabulary_where = f.path("vocabulary");
    if (!vocabulary.is_array())
      fail(Code::kInvalidArgument, "{}: expected an array, got {}", vocabulary_where,
           type_of(vocabulary));
    std::vector<std::string> strings;
    std::vector<int64_t> ints;
    for (size_t i = 0; i < vocabulary.size(); ++i) {
      const Json& v = vocabulary[i];
      const std::string item = fmt::format("{}[{}]", vocabulary_where, i);
      if (dtype == DType::kString) {
        if (!v.is_string())
          fail(Code::kInvalidArgument, "{}: expected a string (dtype string), got {}", item,
               type_of(v));
        strings.push_back(v.get<std::string>());
      } else {
        ints.push_back(Fields::as_integer(v, item));
      }
    }
    const auto default_value = f.optional_integer("default_value");
    const int64_t oov = f.integer("num_oov_buckets");
    f.finish();
    return located(where, [&]() -> std::shared_ptr<const CategoricalColumn> {
      if (file)
        return make_vocabulary_file_column(key, sequence, file_name, std::move(strings),
                                           std::move(ints), oov, default_value, dtype);
      if (!default_value)
        fail(Code::kInvalidArgument, "default_value must be an integer (-1: none)");
      if (dtype == DType::kString)
        return make_vocabulary_list_column(key, sequence, std::move(strings), *default_value, oov);
      return make_vocabulary_list_column(key, sequence, std::move(ints), dtype, *default_value,
                                         oov);
    });
  }
  fail(Code::kInvalidArgument, "{}.type: unknown categorical column type \"{}\"", where, type);
}

Combiner read_combiner(Fields& f) {
  const std::string c = f.string("combiner");
  if (c == "sum") return Combiner::kSum;
  if (c == "mean") return Combiner::kMean;
  if (c == "sqrtn") return Combiner::kSqrtn;
  fail(Code::kInvalidArgument, "{}: combiner must be \"mean\", \"sqrtn\" or \"sum\", got \"{}\"",
       f.path("combiner"), c);
}

Normalizer read_normalizer(const Json& j, const std::string& where) {
  Normalizer n;
  if (j.is_null()) return n;
  Fields f(j, where);
  const std::string kind = f.string("kind");
  if (kind == "log1p") {
    n.kind = NormalizerKind::kLog1p;
  } else {
    if (kind == "scale_shift")
      n.kind = NormalizerKind::kScaleShift;
    else if (kind == "zscore")
      n.kind = NormalizerKind::kZScore;
    else if (kind == "clip")
      n.kind = NormalizerKind::kClip;
    else
      fail(Code::kInvalidArgument,
           "{}.kind: unknown normalizer \"{}\" (scale_shift, zscore, log1p or clip)", where, kind);
    n.a = f.real("a");
    n.b = f.real("b");
  }
  f.finish();
  return n;
}

std::shared_ptr<const Column> read_column(const Json& j, const std::string& where,
                                          TableBuilder& tables) {
  Fields f(j, where);
  const std::string type = f.string("type");
  if (type == "numeric") {
    const std::string key = f.string("key");
    const bool sequence = f.boolean("sequence");
    const Json& shape_json = f.get("shape");
    if (!shape_json.is_array())
      fail(Code::kInvalidArgument, "{}: expected an array, got {}", f.path("shape"),
           type_of(shape_json));
    std::vector<int64_t> shape;
    for (size_t i = 0; i < shape_json.size(); ++i)
      shape.push_back(Fields::as_integer(shape_json[i], fmt::format("{}[{}]", f.path("shape"), i)));
    if (shape.empty())
      fail(Code::kInvalidArgument, "{}: the shape must have at least one dimension",
           f.path("shape"));
    const float default_value = f.real("default_value");
    const DType dtype = f.dtype("dtype");
    const Normalizer normalizer = read_normalizer(f.get("normalizer"), f.path("normalizer"));
    f.finish();
    return located(where, [&] {
      return std::make_shared<const NumericColumn>(key, sequence, shape, default_value, dtype,
                                                   normalizer);
    });
  }
  if (type == "indicator") {
    auto categorical = read_categorical(f.get("categorical"), f.path("categorical"));
    f.finish();
    return std::make_shared<const IndicatorColumn>(std::move(categorical));
  }
  if (type == "embedding" || type == "shared_embedding") {
    const bool shared = type == "shared_embedding";
    auto categorical = read_categorical(f.get("categorical"), f.path("categorical"));
    const int64_t dimension = f.integer("dimension");
    if (dimension < 1)
      fail(Code::kInvalidArgument, "{}: Invalid dimension {}.", f.path("dimension"), dimension);
    const Combiner combiner = read_combiner(f);
    const auto max_norm = f.optional_real("max_norm");
    const bool trainable = f.boolean("trainable");
    Fields table(f.get("table"), f.path("table"));
    const std::string table_name = table.string("name");
    if (table_name.empty())
      fail(Code::kInvalidArgument, "{}: the table name is empty", table.path("name"));
    const uint64_t seed = table.unsigned_integer("seed");
    table.finish();
    f.finish();
    auto t = tables.get(table_name, seed, categorical->num_buckets(), dimension, shared,
                        fmt::format("{} (column {})", where,
                                    categorical->name() + (shared ? "_shared_embedding" : "_embedding")));
    return std::make_shared<const EmbeddingColumn>(std::move(categorical), std::move(t), combiner,
                                                   max_norm, trainable, shared);
  }
  // A categorical column on its own (column configs; a layer rejects it when built).
  return read_categorical(j, where);
}

bool read_padding(Fields& f, const char* key) {
  const std::string v = f.string(key);
  if (v == "post") return false;
  if (v == "pre") return true;
  fail(Code::kInvalidArgument, "{}: expected \"pre\" or \"post\", got \"{}\"", f.path(key), v);
}

Json parse_json(std::string_view text, const std::string& source) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    fail(Code::kInvalidArgument, "{}: not valid JSON: {}", source, e.what());
  }
}

Pipeline read_pipeline(std::string_view text, const std::string& source,
                       const std::string& tables_directory, TableStorage storage) {
  const Json j = parse_json(text, source);
  Fields f(j, source);
  const Json& format = f.get("format");
  if (!format.is_string() || format.get<std::string>() != kPipelineFormat)
    fail(Code::kInvalidArgument, "{}: format is {}, expected \"{}\"", source, format.dump(),
         kPipelineFormat);
  const Json& version = f.get("version");
  if (!version.is_number_integer() || version.get<int64_t>() != kPipelineVersion)
    fail(Code::kInvalidArgument,
         "{}: version {} is not supported (this library reads version {})", source,
         version.dump(), kPipelineVersion);
  Pipeline p;
  const std::string layer = f.string("layer");
  if (layer == "SequenceFeatures")
    p.layer = LayerKind::kSequenceFeatures;
  else if (layer == "DenseFeatures")
    p.layer = LayerKind::kDenseFeatures;
  else
    fail(Code::kInvalidArgument,
         "{}: unknown layer \"{}\" (SequenceFeatures or DenseFeatures)", f.path("layer"), layer);
  p.name = f.string("name");
  if (p.layer == LayerKind::kSequenceFeatures) {
    Fields d(f.get("call_defaults"), f.path("call_defaults"));
    p.call_defaults.max_length = d.integer("max_length");
    if (p.call_defaults.max_length < 0)
      fail(Code::kInvalidArgument, "{}: must be >= 0, got {}", d.path("max_length"),
           p.call_defaults.max_length);
    p.call_defaults.pad_pre = read_padding(d, "padding");
    p.call_defaults.truncate_pre = read_padding(d, "truncating");
    p.call_defaults.strict = d.boolean("strict");
    const int64_t threads = d.integer("num_threads");
    if (threads < 0 || threads > 4096)
      fail(Code::kInvalidArgument, "{}: must be in [0, 4096], got {}", d.path("num_threads"),
           threads);
    p.call_defaults.num_threads = static_cast<int>(threads);
    d.finish();
  }
  const std::string tables_file = f.string("tables_file");
  if (tables_file != kTablesFileName)
    fail(Code::kInvalidArgument, "{}: expected \"{}\", got \"{}\"", f.path("tables_file"),
         kTablesFileName, tables_file);
  const Json& columns = f.get("columns");
  if (!columns.is_array())
    fail(Code::kInvalidArgument, "{}: expected an array, got {}", f.path("columns"),
         type_of(columns));
  f.finish();

  std::shared_ptr<const SafetensorsFile> file;
  if (!tables_directory.empty())
    file = SafetensorsFile::open(tables_directory + "/" + kTablesFileName,
                                 storage == TableStorage::kMap ? SafetensorsFile::Storage::kMap
                                                               : SafetensorsFile::Storage::kRead);
  TableBuilder tables(file, storage);
  for (size_t i = 0; i < columns.size(); ++i)
    p.columns.push_back(read_column(columns[i], fmt::format("{}: columns[{}]", source, i), tables));
  tables.finish();
  located(source, [&] {
    if (p.layer == LayerKind::kSequenceFeatures)
      p.sequence_features = std::make_shared<const SequenceFeatures>(p.columns);
    else
      p.dense_features = std::make_shared<const DenseFeatures>(p.columns);
    return 0;
  });
  return p;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT)
      fail(Code::kNotFound, "{}: no such file", path);
    fail(Code::kIo, "{}: cannot open", path);
  }
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) fail(Code::kIo, "{}: read error", path);
  return std::move(s).str();
}

void write_file(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  std::FILE* out = std::fopen(temporary.c_str(), "wb");
  if (out == nullptr) fail(Code::kIo, "{}: cannot create: {}", temporary, std::strerror(errno));
  const bool ok = std::fwrite(text.data(), 1, text.size(), out) == text.size();
  if (std::fclose(out) != 0 || !ok || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    fail(Code::kIo, "{}: cannot write: {}", path, reason);
  }
}

void make_directory(const std::string& directory, const char* what) {
  if (directory.empty()) fail(Code::kInvalidArgument, "{}: the directory is empty", what);
  if (::mkdir(directory.c_str(), 0777) != 0 && errno != EEXIST)
    fail(Code::kIo, "{}: cannot create the directory {}: {}", what, directory,
         std::strerror(errno));
}

// The tables an optimizer updates: those of the trainable embedding columns, each once (layer
// order of its first column), with the name of that column.
struct TrainableTable {
  std::shared_ptr<Table> table;
  std::string column;
};

std::vector<TrainableTable> trainable_tables(const std::vector<std::shared_ptr<const Column>>& columns) {
  std::vector<TrainableTable> out;
  for (const auto& c : columns) {
    auto* e = dynamic_cast<const EmbeddingColumn*>(c.get());
    if (e == nullptr || !e->trainable()) continue;
    bool seen = false;
    for (const TrainableTable& t : out) {
      if (t.table != e->table_ptr() && t.table->name() == e->table().name())
        fail(Code::kInvalidArgument,
             "two different embedding tables are named \"{}\" (columns {} and {})",
             t.table->name(), t.column, c->name());
      seen = seen || t.table == e->table_ptr();
    }
    if (!seen) out.push_back({e->table_ptr(), c->name()});
  }
  return out;
}

const char* optimizer_kind_name(OptimizerKind kind) {
  return kind == OptimizerKind::kAdagrad ? "Adagrad" : "SGD";
}

// A float as metadata text: the shortest decimal that reads back as the same float.
std::string float_text(float x) { return fmt::format("{}", x); }

// Reads the optimizer's metadata: every key known, every value well-formed.
OptimizerConfig read_optimizer_metadata(const SafetensorsFile& file) {
  const std::map<std::string, std::string>& m = file.metadata();
  const std::string& path = file.path();
  std::set<std::string> read;
  auto value = [&](const std::string& key) -> const std::string& {
    auto it = m.find(key);
    if (it == m.end())
      fail(Code::kInvalidArgument, "{}: __metadata__ has no \"{}\"", path, key);
    read.insert(key);
    return it->second;
  };
  auto number = [&](const std::string& key) {
    const std::string& text = value(key);
    char* end = nullptr;
    errno = 0;
    const float x = text.empty() ? 0.f : std::strtof(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE)
      fail(Code::kInvalidArgument, "{}: __metadata__.{} is \"{}\", not a float32 number", path,
           key, text);
    return x;
  };
  if (value("format") != kOptimizerFormat)
    fail(Code::kInvalidArgument, "{}: __metadata__.format is \"{}\", expected \"{}\"", path,
         m.at("format"), kOptimizerFormat);
  if (value("version") != std::to_string(kPipelineVersion))
    fail(Code::kInvalidArgument,
         "{}: __metadata__.version \"{}\" is not supported (this library reads version {})",
         path, m.at("version"), kPipelineVersion);
  OptimizerConfig config;
  const std::string& kind = value("optimizer");
  if (kind == "SGD") {
    config = sgd_config(number("learning_rate"));
  } else if (kind == "Adagrad") {
    config = adagrad_config(number("learning_rate"), number("initial_accumulator_value"),
                            number("epsilon"));
  } else {
    fail(Code::kInvalidArgument, "{}: __metadata__.optimizer \"{}\" is not SGD or Adagrad",
         path, kind);
  }
  for (const auto& [key, text] : m)
    if (!read.count(key))
      fail(Code::kInvalidArgument, "{}: __metadata__ has an unknown key \"{}\" (for {})", path,
           key, kind);
  return config;
}

}  // namespace

std::string column_to_json(const Column& column) { return column_json(column).dump(); }

std::shared_ptr<const Column> column_from_json(std::string_view text) {
  const std::string source = "column config";
  TableBuilder tables(nullptr, TableStorage::kCopy);
  return read_column(parse_json(text, source), source, tables);
}

std::string pipeline_to_json(const Pipeline& pipeline) { return pipeline_json(pipeline).dump(2); }

Pipeline pipeline_from_json(std::string_view text) {
  return read_pipeline(text, kPipelineFileName, "", TableStorage::kCopy);
}

void save_pipeline(const Pipeline& pipeline, const std::string& directory) {
  if (directory.empty()) fail(Code::kInvalidArgument, "save: the directory is empty");
  const std::string text = pipeline_to_json(pipeline);  // checks the columns before any write
  std::vector<SafetensorsEntry> tables;
  std::map<std::string, const Table*> by_name;
  for (const auto& c : pipeline.columns) {
    auto* e = dynamic_cast<const EmbeddingColumn*>(c.get());
    if (e == nullptr) continue;
    const Table& t = e->table();
    auto [it, inserted] = by_name.emplace(t.name(), &t);
    if (!inserted) {
      if (it->second != &t)
        fail(Code::kInvalidArgument,
             "save: two different embedding tables are named \"{}\" (column {})", t.name(),
             c->name());
      continue;
    }
    tables.push_back({t.name(), {t.rows(), t.dimension()}, t.data()});
  }
  make_directory(directory, "save");
  // An optimizer state saved here before belongs to the tables being replaced.
  const std::string stale = directory + "/" + kOptimizerFileName;
  if (std::remove(stale.c_str()) != 0 && errno != ENOENT)
    fail(Code::kIo, "save: cannot remove the earlier {}: {}", stale, std::strerror(errno));
  write_safetensors(directory + "/" + kTablesFileName, tables,
                    {{"format", "seqfeat.tables"}, {"version", std::to_string(kPipelineVersion)}});
  write_file(directory + "/" + kPipelineFileName, text);
}

Pipeline load_pipeline(const std::string& directory, TableStorage storage) {
  if (directory.empty()) fail(Code::kInvalidArgument, "load: the directory is empty");
  const std::string path = directory + "/" + kPipelineFileName;
  return read_pipeline(read_file(path), path, directory, storage);
}

void save_optimizer(const Optimizer& optimizer,
                    const std::vector<std::shared_ptr<const Column>>& columns,
                    const std::string& directory) {
  const OptimizerConfig& c = optimizer.config();
  std::map<std::string, std::string> metadata = {
      {"format", kOptimizerFormat},
      {"version", std::to_string(kPipelineVersion)},
      {"optimizer", optimizer_kind_name(c.kind)},
      {"learning_rate", float_text(c.learning_rate)}};
  std::vector<std::vector<float>> untouched;  // initial values of tables without a state yet
  std::vector<SafetensorsEntry> tensors;
  if (optimizer.has_state()) {
    metadata["initial_accumulator_value"] = float_text(c.initial_accumulator_value);
    metadata["epsilon"] = float_text(c.epsilon);
    const std::vector<TrainableTable> tables = trainable_tables(columns);
    untouched.reserve(tables.size());
    for (const TrainableTable& t : tables) {
      const float* state = optimizer.state(*t.table);
      if (state == nullptr) {
        untouched.emplace_back(t.table->size(), c.initial_accumulator_value);
        state = untouched.back().data();
      }
      tensors.push_back({t.table->name(), {t.table->rows(), t.table->dimension()}, state});
    }
  }
  make_directory(directory, "save optimizer");
  write_safetensors(directory + "/" + kOptimizerFileName, tensors, metadata);
}

std::unique_ptr<Optimizer> load_optimizer(
    const std::string& directory, const std::vector<std::shared_ptr<const Column>>& columns) {
  if (directory.empty()) fail(Code::kInvalidArgument, "load optimizer: the directory is empty");
  const auto file = SafetensorsFile::open(directory + "/" + kOptimizerFileName,
                                          SafetensorsFile::Storage::kRead);
  const std::string& path = file->path();
  std::unique_ptr<Optimizer> optimizer = located(path, [&] {
    return std::make_unique<Optimizer>(read_optimizer_metadata(*file));
  });
  const std::vector<TrainableTable> tables =
      optimizer->has_state() ? trainable_tables(columns) : std::vector<TrainableTable>{};
  std::set<std::string> used;
  for (const TrainableTable& t : tables) {
    const std::string& name = t.table->name();
    const SafetensorsTensor* s = file->find(name);
    if (s == nullptr)
      fail(Code::kInvalidArgument,
           "{}: no accumulator \"{}\" (the table of the trainable column {})", path, name,
           t.column);
    if (s->dtype != "F32")
      fail(Code::kInvalidArgument, "{}: accumulator \"{}\" has dtype {}; accumulators are F32",
           path, name, s->dtype);
    if (s->shape != std::vector<int64_t>{t.table->rows(), t.table->dimension()})
      fail(Code::kInvalidArgument,
           "{}: accumulator \"{}\" has shape [{}] but the table of column {} is [{}, {}]", path,
           name, fmt::join(s->shape, ", "), t.column, t.table->rows(), t.table->dimension());
    // The data may sit at any byte offset in the file: copied out as floats.
    std::vector<float> values(s->bytes / sizeof(float));
    std::memcpy(values.data(), s->data, s->bytes);
    located(path, [&] {
      optimizer->set_state(t.table, values.data(), values.size());
      return 0;
    });
    used.insert(name);
  }
  for (const SafetensorsTensor& s : file->tensors())
    if (!used.count(s.name))
      fail(Code::kInvalidArgument, "{}: tensor \"{}\" is not the accumulator of a trainable "
           "table of this layer{}", path, s.name,
           optimizer->has_state() ? "" : " (SGD has no state)");
  return optimizer;
}

}  // namespace seqfeat
