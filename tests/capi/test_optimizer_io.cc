// Saving and loading an optimizer with its layer through the C ABI: training resumed from a
// saved layer and optimizer is bit-identical to training that never stopped; a malformed
// optimizer.safetensors is a clear error naming the file and the tensor or key.
#include <random>

#include "capi_test_util.h"

namespace {

using namespace sftest;

// Two trainable embedding tables (one shared by two columns), one frozen table, an indicator.
struct Model {
  ColumnPtr a, b, c, words, a_emb, c_frozen, words_ind;
  std::vector<ColumnPtr> shared;
  FeaturesPtr layer;
};

void Build(Model& m) {
  m.a = Identity("a", 30);
  m.b = Identity("b", 30);
  m.c = Identity("c", 7);
  m.words = VocabStrings("w", {"x", "y"}, -1, 0);
  EmbeddingSpec spec;
  spec.dimension = 4;
  spec.seed = 3;
  m.a_emb = Embedding(m.a.get(), spec);
  seqfeat_embedding_options frozen = EmbeddingOptions(spec);
  frozen.dimension = 2;
  frozen.trainable = 0;
  seqfeat_column* raw = nullptr;
  ASSERT_EQ(seqfeat_embedding_column_create(m.c.get(), &frozen, &raw), SEQFEAT_OK);
  m.c_frozen.reset(raw);
  seqfeat_embedding_options shared = EmbeddingOptions(spec);
  shared.dimension = 3;
  const seqfeat_column* cats[2] = {m.a.get(), m.b.get()};
  seqfeat_column* outs[2] = {nullptr, nullptr};
  ASSERT_EQ(seqfeat_shared_embeddings_create(cats, 2, &shared, "ab_shared", outs),
            SEQFEAT_OK)
      << seqfeat_last_error_message();
  m.shared.emplace_back(outs[0]);
  m.shared.emplace_back(outs[1]);
  m.words_ind = Indicator(m.words.get());
  m.layer = Layer({m.a_emb.get(), m.shared[0].get(), m.shared[1].get(), m.c_frozen.get(),
                   m.words_ind.get()});
}

// The batch and upstream gradient of training step `step` (the same for every model).
struct Step {
  Batch batch;
  std::vector<float> grad;
  int64_t shape[3] = {0, 0, 0};
};

void MakeStep(const seqfeat_features* layer, int step, Step& s) {
  std::mt19937 rng(1000 + step);
  std::uniform_int_distribution<int64_t> len(1, 5), per(1, 3), id30(0, 29), id7(0, 6);
  std::uniform_int_distribution<int> word(0, 2);
  const int64_t B = 6;
  std::vector<int64_t> lengths(B);  // every column's sequences have the same length
  for (int64_t& L : lengths) L = len(rng);
  for (const char* key : {"a", "b", "c", "w"}) {
    std::vector<int64_t> row_splits{0}, step_splits{0}, ids;
    std::vector<std::string> words;
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t t = 0; t < lengths[b]; ++t) {
        const int64_t k = per(rng);
        for (int64_t i = 0; i < k; ++i) {
          if (key[0] == 'w')
            words.push_back(std::string(1, "xyz"[word(rng)]));
          else
            ids.push_back(key[0] == 'c' ? id7(rng) : id30(rng));
        }
        step_splits.push_back(static_cast<int64_t>(key[0] == 'w' ? words.size() : ids.size()));
      }
      row_splits.push_back(static_cast<int64_t>(step_splits.size()) - 1);
    }
    if (key[0] == 'w')
      ASSERT_EQ(s.batch.RaggedStrings(key, row_splits, step_splits, words), SEQFEAT_OK);
    else
      ASSERT_EQ(s.batch.Ragged(key, row_splits, step_splits, ids), SEQFEAT_OK);
  }
  ASSERT_EQ(seqfeat_features_output_shape(layer, s.batch.get(), nullptr, &s.shape[0],
                                          &s.shape[1], &s.shape[2]),
            SEQFEAT_OK)
      << seqfeat_last_error_message();
  s.grad.resize(static_cast<size_t>(s.shape[0] * s.shape[1] * s.shape[2]));
  std::normal_distribution<float> normal(0.f, 1.f);
  for (float& g : s.grad) g = normal(rng);
}

void Train(const seqfeat_features* layer, seqfeat_optimizer* o, int first, int last) {
  for (int step = first; step < last; ++step) {
    Step s;
    ASSERT_NO_FATAL_FAILURE(MakeStep(layer, step, s));
    ASSERT_EQ(seqfeat_features_backward_apply(layer, s.batch.get(), nullptr, s.grad.data(),
                                              s.shape, 3, o),
              SEQFEAT_OK)
        << seqfeat_last_error_message();
  }
}

const seqfeat_column* Find(const seqfeat_features* layer, const char* name) {
  const seqfeat_column* c = nullptr;
  EXPECT_EQ(seqfeat_features_find_column(layer, name, &c), SEQFEAT_OK) << name;
  return c;
}

std::vector<float> StateOf(const seqfeat_optimizer* o, const seqfeat_column* c) {
  int64_t rows = 0, dim = 0;
  EXPECT_EQ(seqfeat_column_table_shape(c, &rows, &dim), SEQFEAT_OK);
  std::vector<float> t(static_cast<size_t>(rows * dim));
  EXPECT_EQ(seqfeat_optimizer_state_get(o, c, t.data(), t.size()), SEQFEAT_OK);
  return t;
}

bool SameBits(const std::vector<float>& x, const std::vector<float>& y) {
  return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

const char* const kColumns[] = {"a_embedding", "a_shared_embedding", "b_shared_embedding",
                                "c_embedding"};

FeaturesPtr LoadLayer(const TempDir& dir) {
  seqfeat_features* raw = nullptr;
  EXPECT_EQ(seqfeat_features_load(dir.Root().c_str(), nullptr, &raw), SEQFEAT_OK)
      << seqfeat_last_error_message();
  return FeaturesPtr(raw);
}

TEST(CapiOptimizerIo, ResumedTrainingIsBitIdenticalToUninterruptedTraining) {
  for (bool adagrad : {true, false}) {
    SCOPED_TRACE(adagrad ? "Adagrad" : "SGD");
    auto make = [&] { return adagrad ? Adagrad(0.2f, 0.05f, 1e-6f) : Sgd(0.2f); };
    Model straight, first;
    ASSERT_NO_FATAL_FAILURE(Build(straight));
    ASSERT_NO_FATAL_FAILURE(Build(first));
    OptimizerPtr o_straight = make(), o_first = make();
    ASSERT_NO_FATAL_FAILURE(Train(straight.layer.get(), o_straight.get(), 0, 6));

    ASSERT_NO_FATAL_FAILURE(Train(first.layer.get(), o_first.get(), 0, 3));
    TempDir dir;
    ASSERT_EQ(seqfeat_features_save(first.layer.get(), dir.Root().c_str(), nullptr), SEQFEAT_OK);
    ASSERT_EQ(seqfeat_optimizer_save(o_first.get(), first.layer.get(), dir.Root().c_str()),
              SEQFEAT_OK)
        << seqfeat_last_error_message();
    o_first.reset();
    first = Model();

    FeaturesPtr resumed = LoadLayer(dir);
    ASSERT_TRUE(resumed);
    seqfeat_optimizer* raw = nullptr;
    ASSERT_EQ(seqfeat_optimizer_load(dir.Root().c_str(), resumed.get(), &raw), SEQFEAT_OK)
        << seqfeat_last_error_message();
    OptimizerPtr o_resumed(raw);
    EXPECT_EQ(seqfeat_optimizer_kind(o_resumed.get()),
              adagrad ? SEQFEAT_OPTIMIZER_ADAGRAD : SEQFEAT_OPTIMIZER_SGD);
    float lr = 0, init = -1, eps = -1;
    ASSERT_EQ(seqfeat_optimizer_hyper_parameters(o_resumed.get(), &lr, &init, &eps), SEQFEAT_OK);
    EXPECT_EQ(lr, 0.2f);
    EXPECT_EQ(init, adagrad ? 0.05f : 0.f);
    EXPECT_EQ(eps, adagrad ? 1e-6f : 0.f);
    ASSERT_NO_FATAL_FAILURE(Train(resumed.get(), o_resumed.get(), 3, 6));

    for (const char* name : kColumns) {
      SCOPED_TRACE(name);
      const seqfeat_column* x = Find(straight.layer.get(), name);
      const seqfeat_column* y = Find(resumed.get(), name);
      EXPECT_TRUE(SameBits(TableOf(x), TableOf(y)));
      if (adagrad && std::string(name) != "c_embedding")
        EXPECT_TRUE(SameBits(StateOf(o_straight.get(), x), StateOf(o_resumed.get(), y)));
    }
    // The tables did train (the comparison is not between two untouched tables).
    Model fresh;
    ASSERT_NO_FATAL_FAILURE(Build(fresh));
    EXPECT_FALSE(SameBits(TableOf(Find(fresh.layer.get(), "a_embedding")),
                          TableOf(Find(resumed.get(), "a_embedding"))));
  }
}

TEST(CapiOptimizerIo, SavingTheLayerAgainRemovesAnEarlierOptimizerState) {
  Model m;
  ASSERT_NO_FATAL_FAILURE(Build(m));
  OptimizerPtr o = Adagrad(0.1f, 0.1f, 1e-7f);
  TempDir dir;
  const std::string d = dir.Root();
  ASSERT_EQ(seqfeat_features_save(m.layer.get(), d.c_str(), nullptr), SEQFEAT_OK);
  ASSERT_EQ(seqfeat_optimizer_save(o.get(), m.layer.get(), d.c_str()), SEQFEAT_OK);
  EXPECT_TRUE(std::filesystem::exists(dir.Path("optimizer.safetensors")));
  ASSERT_EQ(seqfeat_features_save(m.layer.get(), d.c_str(), nullptr), SEQFEAT_OK);
  EXPECT_FALSE(std::filesystem::exists(dir.Path("optimizer.safetensors")));
  FeaturesPtr loaded = LoadLayer(dir);
  seqfeat_optimizer* out = Sentinel<seqfeat_optimizer>();
  const Outcome missing = Capture(seqfeat_optimizer_load(d.c_str(), loaded.get(), &out));
  EXPECT_TRUE(IsStatus(missing, SEQFEAT_ERR_NOT_FOUND));
  EXPECT_TRUE(HasAll(missing.message, {"optimizer.safetensors"}));
  EXPECT_EQ(out, Sentinel<seqfeat_optimizer>());
}

// ---------------------------------------------------------------------------------------------
// Malformed optimizer.safetensors, written here byte by byte
// ---------------------------------------------------------------------------------------------
struct Tensor {
  std::string name, dtype;
  std::vector<int64_t> shape;
  size_t bytes;
};

std::string Metadata(const std::string& extra = "") {
  return "\"__metadata__\": {\"format\": \"seqfeat.optimizer\", \"version\": \"1\", "
         "\"optimizer\": \"Adagrad\", \"learning_rate\": \"0.1\", "
         "\"initial_accumulator_value\": \"0.1\", \"epsilon\": \"1e-07\"" +
         extra + "}";
}

// A safetensors file of the given tensors (data: 0.5f repeated, or zero bytes for other dtypes).
std::string File(const std::vector<Tensor>& tensors, const std::string& metadata = Metadata()) {
  std::string header = "{" + metadata;
  size_t offset = 0;
  for (const Tensor& t : tensors) {
    std::string shape;
    for (int64_t d : t.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    header += ", \"" + t.name + "\": {\"dtype\": \"" + t.dtype + "\", \"shape\": [" + shape +
              "], \"data_offsets\": [" + std::to_string(offset) + ", " +
              std::to_string(offset + t.bytes) + "]}";
    offset += t.bytes;
  }
  header += "}";
  std::string out(8, '\0');
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out += header;
  for (const Tensor& t : tensors) {
    if (t.dtype == "F32") {
      const float half = 0.5f;
      for (size_t i = 0; i < t.bytes / 4; ++i) out.append(reinterpret_cast<const char*>(&half), 4);
    } else {
      out.append(t.bytes, '\0');
    }
  }
  return out;
}

const Tensor kA{"a_embedding/embedding_weights", "F32", {30, 4}, 30 * 4 * 4};
const Tensor kShared{"ab_shared", "F32", {30, 3}, 30 * 3 * 4};

// Loads optimizer.safetensors with `content` for the model's layer.
Outcome LoadWith(const std::string& content) {
  Model m;
  Build(m);
  TempDir dir;
  EXPECT_EQ(seqfeat_features_save(m.layer.get(), dir.Root().c_str(), nullptr), SEQFEAT_OK);
  dir.Write("optimizer.safetensors", content);
  seqfeat_optimizer* out = Sentinel<seqfeat_optimizer>();
  const Outcome o = Capture(seqfeat_optimizer_load(dir.Root().c_str(), m.layer.get(), &out));
  EXPECT_EQ(out, Sentinel<seqfeat_optimizer>());
  return o;
}

TEST(CapiOptimizerIo, TheWellFormedFileOfTheseTestsLoads) {
  // The writer below is right: with both tables it loads, and the state is the file's.
  Model m;
  ASSERT_NO_FATAL_FAILURE(Build(m));
  TempDir dir;
  ASSERT_EQ(seqfeat_features_save(m.layer.get(), dir.Root().c_str(), nullptr), SEQFEAT_OK);
  dir.Write("optimizer.safetensors", File({kA, kShared}));
  seqfeat_optimizer* raw = nullptr;
  ASSERT_EQ(seqfeat_optimizer_load(dir.Root().c_str(), m.layer.get(), &raw), SEQFEAT_OK)
      << seqfeat_last_error_message();
  OptimizerPtr o(raw);
  EXPECT_EQ(StateOf(o.get(), m.shared[1].get()), std::vector<float>(90, 0.5f));
}

TEST(CapiOptimizerIo, MissingTableIsAnError) {
  const Outcome o = LoadWith(File({kA}));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"optimizer.safetensors", "no accumulator", "\"ab_shared\"",
                                 "a_shared_embedding"}))
      << o.message;
}

TEST(CapiOptimizerIo, WrongShapeIsAnError) {
  Tensor wrong = kShared;
  wrong.shape = {3, 30};
  const Outcome o = LoadWith(File({kA, wrong}));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"optimizer.safetensors", "\"ab_shared\"", "shape [3, 30]",
                                 "[30, 3]"}))
      << o.message;
}

TEST(CapiOptimizerIo, WrongDtypeIsAnError) {
  Tensor wrong = kA;
  wrong.dtype = "F64";
  wrong.bytes *= 2;
  const Outcome o = LoadWith(File({wrong, kShared}));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"optimizer.safetensors", "a_embedding/embedding_weights",
                                 "dtype F64"}))
      << o.message;
}

TEST(CapiOptimizerIo, TensorOfNoTrainableTableIsAnError) {
  // The frozen table has no accumulator: a tensor for it is not silently ignored.
  const Outcome o =
      LoadWith(File({kA, kShared, {"c_embedding/embedding_weights", "F32", {7, 2}, 56}}));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"c_embedding/embedding_weights", "not the accumulator"}))
      << o.message;
}

TEST(CapiOptimizerIo, BadMetadataIsAnError) {
  struct Case {
    std::string metadata, expected;
  };
  const std::vector<Case> cases = {
      {"\"__metadata__\": {\"format\": \"seqfeat.optimizer\", \"version\": \"1\", "
       "\"optimizer\": \"Adam\", \"learning_rate\": \"0.1\"}",
       "\"Adam\" is not SGD or Adagrad"},
      {"\"__metadata__\": {\"format\": \"seqfeat.tables\", \"version\": \"1\"}",
       "format is \"seqfeat.tables\""},
      {"\"__metadata__\": {\"format\": \"seqfeat.optimizer\", \"version\": \"2\", "
       "\"optimizer\": \"SGD\", \"learning_rate\": \"0.1\"}",
       "version \"2\" is not supported"},
      {"\"__metadata__\": {\"format\": \"seqfeat.optimizer\", \"version\": \"1\", "
       "\"optimizer\": \"Adagrad\", \"learning_rate\": \"0.1\", \"epsilon\": \"1e-7\"}",
       "no \"initial_accumulator_value\""},
      {Metadata(", \"momentum\": \"0.9\""), "unknown key \"momentum\""},
      {"\"__metadata__\": {\"format\": \"seqfeat.optimizer\", \"version\": \"1\", "
       "\"optimizer\": \"SGD\", \"learning_rate\": \"fast\"}",
       "learning_rate is \"fast\", not a float32 number"},
      {"\"__metadata__\": {\"format\": \"seqfeat.optimizer\", \"version\": \"1\", "
       "\"optimizer\": \"SGD\", \"learning_rate\": \"-1\"}",
       "learning_rate must be a finite number >= 0"},
  };
  for (const Case& c : cases) {
    const Outcome o = LoadWith(File({kA, kShared}, c.metadata));
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << c.metadata;
    EXPECT_TRUE(HasAll(o.message, {"optimizer.safetensors", c.expected})) << o.message;
  }
}

TEST(CapiOptimizerIo, NegativeAccumulatorIsAnError) {
  Model m;
  ASSERT_NO_FATAL_FAILURE(Build(m));
  TempDir dir;
  ASSERT_EQ(seqfeat_features_save(m.layer.get(), dir.Root().c_str(), nullptr), SEQFEAT_OK);
  std::string content = File({kA, kShared});
  const float minus = -1.f;
  content.replace(content.size() - 4, 4, reinterpret_cast<const char*>(&minus), 4);
  dir.Write("optimizer.safetensors", content);
  seqfeat_optimizer* out = nullptr;
  const Outcome o = Capture(seqfeat_optimizer_load(dir.Root().c_str(), m.layer.get(), &out));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"optimizer.safetensors", "ab_shared", "element 89"}))
      << o.message;
}

TEST(CapiOptimizerIo, NullArgumentsAreErrors) {
  Model m;
  ASSERT_NO_FATAL_FAILURE(Build(m));
  OptimizerPtr o = Sgd(0.1f);
  TempDir dir;
  const std::string d = dir.Root();
  SF_EXPECT_INVALID(seqfeat_optimizer_save(nullptr, m.layer.get(), d.c_str()));
  SF_EXPECT_INVALID(seqfeat_optimizer_save(o.get(), nullptr, d.c_str()));
  SF_EXPECT_INVALID(seqfeat_optimizer_save(o.get(), m.layer.get(), nullptr));
  seqfeat_optimizer* out = nullptr;
  SF_EXPECT_INVALID(seqfeat_optimizer_load(d.c_str(), nullptr, &out));
  SF_EXPECT_INVALID(seqfeat_optimizer_load(d.c_str(), m.layer.get(), nullptr));
  SF_EXPECT_INVALID(seqfeat_optimizer_hyper_parameters(nullptr, nullptr, nullptr, nullptr));
}

}  // namespace
