// Training through the C ABI: table gradients against finite differences of a float64 forward
// written here (every combiner, weights, pruning, max_norm, shared tables, trainable = 0,
// max_length windows, COO / ragged / dense inputs), the fused update, thread-count invariance,
// SGD and Adagrad against hand-computed values, and bad input leaving tables untouched.
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "capi_test_util.h"

namespace {

using namespace sftest;

// ---------------------------------------------------------------------------------------------
// A random batch described per example and step, written into a seqfeat_batch in three forms,
// and a float64 forward of the embedding columns computed from that description.
// ---------------------------------------------------------------------------------------------
struct Entry {
  int64_t id;
  float weight;
};
using Steps = std::vector<std::vector<Entry>>;  // steps[s] = the entries of step s
using Feature = std::vector<Steps>;             // per example

enum class Form { kCoo, kRagged, kDense };

struct Window {
  int64_t max_length = 0;
  bool pad_pre = false, truncate_pre = false;
};

struct Scenario {
  int32_t combiner = SEQFEAT_COMBINER_MEAN;
  bool weighted = false;
  std::optional<float> max_norm;
  Form form = Form::kCoo;
  Window window;
  uint32_t seed = 1;
};

constexpr int64_t kVocabA = 7, kVocabBC = 5, kDimA = 3, kDimBC = 4, kWidth = 3;

// Same lengths for every feature (the layer requires it); the last step of an example always
// has a valid id so that every input form gives the same length.
Feature RandomFeature(std::mt19937& rng, const std::vector<int64_t>& lengths, int64_t vocab,
                      const Scenario& s, bool weighted) {
  std::uniform_int_distribution<int> count(0, kWidth), pick(0, 9);
  std::uniform_int_distribution<int64_t> id(0, vocab - 1);
  std::uniform_real_distribution<float> weight(-0.5f, 1.5f);
  Feature f(lengths.size());
  for (size_t b = 0; b < lengths.size(); ++b) {
    f[b].resize(static_cast<size_t>(lengths[b]));
    for (int64_t t = 0; t < lengths[b]; ++t) {
      int n = count(rng);
      if (t == lengths[b] - 1 && n == 0) n = 1;
      for (int k = 0; k < n; ++k) {
        Entry e{id(rng), weighted ? weight(rng) : 1.f};
        const int p = pick(rng);
        const bool last_valid = t == lengths[b] - 1 && k == 0;
        if (!last_valid && s.form != Form::kDense && p == 0) e.id = -1;  // pruned
        // An id past the table whose weight the combiner prunes: dropped, not an error.
        if (!last_valid && weighted && s.combiner != SEQFEAT_COMBINER_SUM && p == 1) {
          e.id = vocab + 3;
          e.weight = -0.25f;
        }
        if (weighted && p == 2) e.weight = 0.f;
        f[b][t].push_back(e);
      }
    }
  }
  return f;
}

void AddFeature(Batch& batch, const char* key, const Feature& f, Form form, bool weights) {
  const int64_t B = static_cast<int64_t>(f.size());
  int64_t T = 0;
  for (const Steps& s : f) T = std::max<int64_t>(T, static_cast<int64_t>(s.size()));
  std::vector<int64_t> ids, indices, row_splits{0}, step_splits{0};
  std::vector<float> w;
  std::vector<int64_t> dense(static_cast<size_t>(B * T * kWidth), -1);
  for (int64_t b = 0; b < B; ++b) {
    for (size_t t = 0; t < f[b].size(); ++t) {
      const auto& step = f[b][t];
      for (size_t k = 0; k < step.size(); ++k) {
        ids.push_back(step[k].id);
        w.push_back(step[k].weight);
        indices.insert(indices.end(), {b, static_cast<int64_t>(t), static_cast<int64_t>(k)});
        dense[(b * T + static_cast<int64_t>(t)) * kWidth + static_cast<int64_t>(k)] = step[k].id;
      }
      step_splits.push_back(static_cast<int64_t>(ids.size()));
    }
    row_splits.push_back(static_cast<int64_t>(step_splits.size()) - 1);
  }
  seqfeat_status st = SEQFEAT_OK;
  const int64_t n = static_cast<int64_t>(ids.size());
  const int64_t shape[3] = {B, T, kWidth};
  switch (form) {
    case Form::kCoo:
      st = weights ? seqfeat_batch_add_sparse(batch.get(), key, batch.Keep(indices), n, 3,
                                              batch.Keep(std::vector<int64_t>(shape, shape + 3)),
                                              SEQFEAT_DTYPE_FLOAT32, batch.Keep(w))
                   : seqfeat_batch_add_sparse(batch.get(), key, batch.Keep(indices), n, 3,
                                              batch.Keep(std::vector<int64_t>(shape, shape + 3)),
                                              SEQFEAT_DTYPE_INT64, batch.Keep(ids));
      break;
    case Form::kRagged:
      st = weights ? batch.Ragged(key, row_splits, step_splits, w)
                   : batch.Ragged(key, row_splits, step_splits, ids);
      break;
    case Form::kDense:
      st = batch.Dense(key, {B, T, kWidth}, dense);
      break;
  }
  ASSERT_EQ(st, SEQFEAT_OK) << key << ": " << seqfeat_last_error_message();
}

// out[b, t, 0:D] of one embedding column, in float64.
struct EmbeddingRef {
  const Feature* feature;
  int64_t dimension, offset;
  int32_t combiner;
  bool weighted;
  std::optional<float> max_norm;
  const std::vector<double>* table;
};

std::vector<double> Clip(const double* e, int64_t D, std::optional<float> max_norm) {
  std::vector<double> r(e, e + D);
  if (!max_norm) return r;
  double l2 = 0;
  for (double x : r) l2 += x * x;
  const double scale = *max_norm / std::max(std::sqrt(l2), static_cast<double>(*max_norm));
  for (double& x : r) x *= scale;
  return r;
}

// Where natural step s of example b (of length L) lands, or -1.
int64_t OutputStep(const Window& w, int64_t T, int64_t L, int64_t s) {
  const int64_t M = w.max_length > 0 ? w.max_length : T;
  const int64_t kept = std::min(L, M);
  const int64_t first = (L > M && w.truncate_pre) ? L - M : 0;
  const int64_t base = w.pad_pre ? M - kept : 0;
  const int64_t rel = s - first;
  return rel < 0 || rel >= kept ? -1 : base + rel;
}

// loss = Σ G[b, t, :] · out[b, t, :] over the embedding slices, in float64.
double Loss(const std::vector<EmbeddingRef>& columns, const Window& w, int64_t T, int64_t M,
            int64_t depth, const std::vector<float>& G, std::set<std::pair<const void*, int64_t>>*
            reached = nullptr) {
  double loss = 0;
  for (const EmbeddingRef& c : columns) {
    const int64_t D = c.dimension;
    const auto rows = static_cast<int64_t>(c.table->size()) / D;
    for (size_t b = 0; b < c.feature->size(); ++b) {
      const Steps& steps = (*c.feature)[b];
      const auto L = static_cast<int64_t>(steps.size());
      for (int64_t s = 0; s < L; ++s) {
        const int64_t t = OutputStep(w, T, L, s);
        if (t < 0) continue;
        std::vector<double> acc(static_cast<size_t>(D), 0.0);
        double wsum = 0, w2sum = 0;
        int n = 0;
        for (const Entry& e : steps[s]) {
          if (e.id < 0) continue;
          const double wt = c.weighted ? e.weight : 1.0;
          if (c.weighted && c.combiner != SEQFEAT_COMBINER_SUM && !(wt > 0)) continue;
          EXPECT_LT(e.id, rows);
          if (reached) reached->insert({c.table, e.id});
          const std::vector<double> row = Clip(c.table->data() + e.id * D, D, c.max_norm);
          for (int64_t d = 0; d < D; ++d) acc[d] += wt * row[d];
          wsum += wt;
          w2sum += wt * wt;
          ++n;
        }
        if (n == 0) continue;
        double denom = 1;
        if (c.combiner == SEQFEAT_COMBINER_MEAN) denom = wsum;
        if (c.combiner == SEQFEAT_COMBINER_SQRTN) denom = std::sqrt(w2sum);
        if (denom == 0) continue;
        const float* g = G.data() + (static_cast<int64_t>(b) * M + t) * depth + c.offset;
        for (int64_t d = 0; d < D; ++d) loss += g[d] * acc[d] / denom;
      }
    }
  }
  return loss;
}

std::vector<float> RandomTable(std::mt19937& rng, int64_t rows, int64_t dim) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> t(static_cast<size_t>(rows * dim));
  for (float& x : t) x = u(rng);
  return t;
}

int64_t OffsetOf(const seqfeat_features* layer, const std::string& name) {
  for (size_t i = 0; i < seqfeat_features_num_columns(layer); ++i)
    if (Name(seqfeat_features_column(layer, i)) == name) {
      int64_t off = 0, width = 0;
      EXPECT_EQ(seqfeat_features_column_slice(layer, i, &off, &width), SEQFEAT_OK);
      return off;
    }
  ADD_FAILURE() << "no column " << name;
  return 0;
}

// The layer of the finite-difference test: a_embedding (weighted or not), a_indicator,
// b/c_shared_embedding (one table), c_embedding (trainable = 0), n (numeric).
struct Model {
  ColumnPtr cat_a, weighted_a, cat_b, cat_c, cat_c2, emb_a, ind_a, shared_b, shared_c, frozen_c,
      num;
  FeaturesPtr layer;
  std::vector<float> table_a, table_bc;
};

void BuildModel(const Scenario& s, std::mt19937& rng, Model& m) {
  m.cat_a = Identity("a", kVocabA);
  m.cat_b = Identity("b", kVocabBC);
  m.cat_c = Identity("c", kVocabBC);
  m.cat_c2 = Identity("c", kVocabBC);
  const seqfeat_column* a = m.cat_a.get();
  if (s.weighted) {
    m.weighted_a = Weighted(m.cat_a.get(), "aw");
    a = m.weighted_a.get();
  }
  m.table_a = RandomTable(rng, kVocabA, kDimA);
  m.table_bc = RandomTable(rng, kVocabBC, kDimBC);
  EmbeddingSpec spec;
  spec.dimension = kDimA;
  spec.combiner = s.combiner;
  spec.max_norm = s.max_norm;
  spec.table = m.table_a;
  m.emb_a = Embedding(a, spec);
  m.ind_a = Indicator(m.cat_a.get());
  const EmbeddingSpec shared_spec{kDimBC, s.combiner, s.max_norm, m.table_bc, 0};
  seqfeat_embedding_options o = EmbeddingOptions(shared_spec);
  const seqfeat_column* cats[2] = {m.cat_b.get(), m.cat_c.get()};
  seqfeat_column* shared[2] = {nullptr, nullptr};
  ASSERT_EQ(seqfeat_shared_embeddings_create(cats, 2, &o, nullptr, shared), SEQFEAT_OK)
      << seqfeat_last_error_message();
  m.shared_b.reset(shared[0]);
  m.shared_c.reset(shared[1]);
  const EmbeddingSpec frozen_spec{2, s.combiner, {}, {}, 3};
  seqfeat_embedding_options frozen = EmbeddingOptions(frozen_spec);
  frozen.trainable = 0;
  seqfeat_column* f = nullptr;
  ASSERT_EQ(seqfeat_embedding_column_create(m.cat_c2.get(), &frozen, &f), SEQFEAT_OK);
  m.frozen_c.reset(f);
  m.num = Numeric("n");
  m.layer = Layer({m.num.get(), m.shared_c.get(), m.emb_a.get(), m.frozen_c.get(),
                   m.ind_a.get(), m.shared_b.get()});
  ASSERT_NE(m.layer, nullptr);
}

class FiniteDifference : public ::testing::TestWithParam<Scenario> {};

TEST_P(FiniteDifference, EveryTableGradientMatchesTheFloat64Forward) {
  const Scenario s = GetParam();
  std::mt19937 rng(s.seed);
  Model m;
  ASSERT_NO_FATAL_FAILURE(BuildModel(s, rng, m));
  const int64_t B = 4;
  std::vector<int64_t> lengths(B);
  std::uniform_int_distribution<int64_t> len(1, 5);
  for (int64_t& l : lengths) l = len(rng);
  lengths[2] = 0;  // an empty example
  if (s.form == Form::kDense) lengths[2] = 1;  // dense rows always reach T; keep them non-empty
  Feature fa = RandomFeature(rng, lengths, kVocabA, s, s.weighted);
  Feature fb = RandomFeature(rng, lengths, kVocabBC, s, false);
  Feature fc = RandomFeature(rng, lengths, kVocabBC, s, false);
  const int64_t T = *std::max_element(lengths.begin(), lengths.end());
  Batch batch;
  ASSERT_NO_FATAL_FAILURE(AddFeature(batch, "a", fa, s.form, false));
  if (s.weighted) ASSERT_NO_FATAL_FAILURE(AddFeature(batch, "aw", fa, s.form, true));
  ASSERT_NO_FATAL_FAILURE(AddFeature(batch, "b", fb, s.form, false));
  ASSERT_NO_FATAL_FAILURE(AddFeature(batch, "c", fc, s.form, false));
  std::vector<Index> nidx;
  std::vector<float> nval;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < lengths[b]; ++t) {
      nidx.push_back({b, t});
      nval.push_back(static_cast<float>(b + t));
    }
  ASSERT_EQ(batch.Sparse("n", nidx, {B, T}, nval), SEQFEAT_OK) << seqfeat_last_error_message();

  seqfeat_pack_options opts = PackOptions();
  opts.max_length = s.window.max_length;
  opts.padding = s.window.pad_pre ? SEQFEAT_PAD_PRE : SEQFEAT_PAD_POST;
  opts.truncating = s.window.truncate_pre ? SEQFEAT_PAD_PRE : SEQFEAT_PAD_POST;
  Packed packed;
  ASSERT_NO_FATAL_FAILURE(PackOk(m.layer.get(), batch, &packed, &opts));
  const int64_t M = packed.T, depth = packed.D;
  ASSERT_EQ(M, s.window.max_length > 0 ? s.window.max_length : T);

  std::vector<float> G(packed.dense.size());
  std::normal_distribution<float> normal(0.f, 1.f);
  for (float& g : G) g = normal(rng);

  std::vector<double> ta(m.table_a.begin(), m.table_a.end());
  std::vector<double> tbc(m.table_bc.begin(), m.table_bc.end());
  const std::string a_name = s.weighted ? "a_weighted_by_aw_embedding" : "a_embedding";
  const std::string a_table = a_name + "/embedding_weights";
  std::vector<EmbeddingRef> refs = {
      {&fa, kDimA, OffsetOf(m.layer.get(), a_name), s.combiner, s.weighted,
       s.max_norm, &ta},
      {&fb, kDimBC, OffsetOf(m.layer.get(), "b_shared_embedding"), s.combiner, false, s.max_norm,
       &tbc},
      {&fc, kDimBC, OffsetOf(m.layer.get(), "c_shared_embedding"), s.combiner, false, s.max_norm,
       &tbc},
  };

  // The forward itself agrees with the float64 one: loss from the library's output.
  double packed_loss = 0;
  for (const EmbeddingRef& r : refs)
    for (int64_t i = 0; i < B * M; ++i)
      for (int64_t d = 0; d < r.dimension; ++d)
        packed_loss += static_cast<double>(G[i * depth + r.offset + d]) *
                       packed.dense[i * depth + r.offset + d];
  std::set<std::pair<const void*, int64_t>> reached;
  const double ref_loss = Loss(refs, s.window, T, M, depth, G, &reached);
  EXPECT_NEAR(packed_loss, ref_loss, 1e-4 * (1 + std::abs(ref_loss)));

  GradientsPtr grads = NewGradients();
  const int64_t shape[3] = {B, M, depth};
  ASSERT_EQ(seqfeat_features_backward(m.layer.get(), batch.get(), &opts, G.data(), shape, 3,
                                      grads.get()),
            SEQFEAT_OK)
      << seqfeat_last_error_message();
  auto got = ReadGradients(grads.get());
  ASSERT_EQ(got.size(), 2u) << "the trainable tables only (c_embedding is trainable = 0)";
  ASSERT_TRUE(got.count(a_table));
  ASSERT_TRUE(got.count("b_c_shared_embedding"));

  const double h = 1e-6;
  for (auto [name, table] : {std::pair{a_table, &ta},
                             std::pair{std::string("b_c_shared_embedding"), &tbc}}) {
    const TableGrad& g = got[name];
    const int64_t D = g.dimension;
    const auto rows = static_cast<int64_t>(table->size()) / D;
    ASSERT_TRUE(std::is_sorted(g.ids.begin(), g.ids.end()));
    ASSERT_EQ(std::adjacent_find(g.ids.begin(), g.ids.end()), g.ids.end()) << "unique ids";
    std::set<int64_t> want_ids;
    for (auto [t, id] : reached)
      if (t == table) want_ids.insert(id);
    EXPECT_EQ(std::set<int64_t>(g.ids.begin(), g.ids.end()), want_ids) << name;
    for (int64_t id = 0; id < rows; ++id) {
      const auto pos = std::find(g.ids.begin(), g.ids.end(), id) - g.ids.begin();
      for (int64_t d = 0; d < D; ++d) {
        double& x = (*table)[id * D + d];
        const double x0 = x;
        x = x0 + h;
        const double up = Loss(refs, s.window, T, M, depth, G);
        x = x0 - h;
        const double down = Loss(refs, s.window, T, M, depth, G);
        x = x0;
        const double fd = (up - down) / (2 * h);
        const double lib = pos < static_cast<int64_t>(g.ids.size()) ? g.rows[pos * D + d] : 0.0;
        EXPECT_NEAR(lib, fd, 2e-4 * (1 + std::abs(fd))) << name << " id " << id << " d " << d;
      }
    }
  }
}

std::vector<Scenario> Scenarios() {
  std::vector<Scenario> out;
  uint32_t seed = 11;
  for (int32_t combiner : {SEQFEAT_COMBINER_SUM, SEQFEAT_COMBINER_MEAN, SEQFEAT_COMBINER_SQRTN})
    for (bool weighted : {false, true})
      for (std::optional<float> max_norm : {std::optional<float>(), std::optional<float>(0.9f),
                                            std::optional<float>(100.f)}) {
        Scenario s;
        s.combiner = combiner;
        s.weighted = weighted;
        s.max_norm = max_norm;
        s.seed = seed++;
        out.push_back(s);
      }
  // Input forms and windows, with and without weights.
  for (Form form : {Form::kRagged, Form::kDense})
    for (int32_t combiner : {SEQFEAT_COMBINER_MEAN, SEQFEAT_COMBINER_SQRTN}) {
      Scenario s;
      s.form = form;
      s.combiner = combiner;
      s.weighted = form == Form::kRagged;
      s.max_norm = 0.9f;
      s.seed = seed++;
      out.push_back(s);
    }
  for (bool pad_pre : {false, true})
    for (bool truncate_pre : {false, true}) {
      Scenario s;
      s.window = {3, pad_pre, truncate_pre};
      s.weighted = true;
      s.combiner = SEQFEAT_COMBINER_SQRTN;
      s.seed = seed++;
      out.push_back(s);
    }
  Scenario longer;
  longer.window = {8, true, false};
  longer.seed = seed++;
  out.push_back(longer);
  return out;
}

INSTANTIATE_TEST_SUITE_P(CapiTraining, FiniteDifference, ::testing::ValuesIn(Scenarios()));

// ---------------------------------------------------------------------------------------------
// A mid-sized batch: fused update, threads, reuse
// ---------------------------------------------------------------------------------------------
struct Big {
  ColumnPtr cat, emb;
  FeaturesPtr layer;
  Batch batch;
  std::vector<float> G;
  int64_t B = 0, T = 0, D = 0;
};

void BuildBig(Big& m, uint32_t seed, int64_t vocab = 500, int64_t dim = 32) {
  std::mt19937 rng(seed);
  m.cat = Identity("ids", vocab);
  EmbeddingSpec spec;
  spec.dimension = dim;
  spec.combiner = SEQFEAT_COMBINER_MEAN;
  spec.table = RandomTable(rng, vocab, dim);
  m.emb = Embedding(m.cat.get(), spec);
  m.layer = Layer({m.emb.get()});
  const int64_t B = 256;
  std::uniform_int_distribution<int64_t> len(1, 40), per(1, 4), id(0, vocab - 1);
  std::vector<int64_t> row_splits{0}, step_splits{0}, ids;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t L = len(rng);
    for (int64_t t = 0; t < L; ++t) {
      const int64_t k = per(rng);
      for (int64_t i = 0; i < k; ++i) ids.push_back(id(rng));
      step_splits.push_back(static_cast<int64_t>(ids.size()));
    }
    row_splits.push_back(static_cast<int64_t>(step_splits.size()) - 1);
  }
  ASSERT_EQ(m.batch.Ragged("ids", row_splits, step_splits, ids), SEQFEAT_OK);
  ASSERT_EQ(seqfeat_features_output_shape(m.layer.get(), m.batch.get(), nullptr, &m.B, &m.T, &m.D),
            SEQFEAT_OK);
  m.G.resize(static_cast<size_t>(m.B * m.T * m.D));
  std::normal_distribution<float> normal(0.f, 1.f);
  for (float& g : m.G) g = normal(rng);
}

TEST(CapiTraining, GradientsAreBitIdenticalForAnyThreadCount) {
  Big m;
  ASSERT_NO_FATAL_FAILURE(BuildBig(m, 5));
  const int64_t shape[3] = {m.B, m.T, m.D};
  std::vector<std::map<std::string, TableGrad>> results;
  for (int threads : {1, 2, 4}) {
    seqfeat_pack_options opts = PackOptions();
    opts.num_threads = threads;
    GradientsPtr g = NewGradients();
    ASSERT_EQ(seqfeat_features_backward(m.layer.get(), m.batch.get(), &opts, m.G.data(), shape, 3,
                                        g.get()),
              SEQFEAT_OK);
    results.push_back(ReadGradients(g.get()));
  }
  const TableGrad& one = results[0]["ids_embedding/embedding_weights"];
  ASSERT_GT(one.ids.size(), 100u);
  for (size_t r = 1; r < results.size(); ++r) {
    const TableGrad& other = results[r]["ids_embedding/embedding_weights"];
    EXPECT_EQ(other.ids, one.ids);
    ASSERT_EQ(other.rows.size(), one.rows.size());
    EXPECT_EQ(0, std::memcmp(other.rows.data(), one.rows.data(), one.rows.size() * sizeof(float)));
  }
}

TEST(CapiTraining, FusedUpdateEqualsBackwardThenApply) {
  for (bool adagrad : {false, true}) {
    Big fused, split;
    ASSERT_NO_FATAL_FAILURE(BuildBig(fused, 9));
    ASSERT_NO_FATAL_FAILURE(BuildBig(split, 9));
    OptimizerPtr o1 = adagrad ? Adagrad(0.05f, 0.1f, 1e-7f) : Sgd(0.05f);
    OptimizerPtr o2 = adagrad ? Adagrad(0.05f, 0.1f, 1e-7f) : Sgd(0.05f);
    const int64_t shape[3] = {fused.B, fused.T, fused.D};
    const std::vector<float> before = TableOf(split.emb.get());
    GradientsPtr g = NewGradients();
    for (int step = 0; step < 3; ++step) {
      ASSERT_EQ(seqfeat_features_backward_apply(fused.layer.get(), fused.batch.get(), nullptr,
                                                fused.G.data(), shape, 3, o1.get()),
                SEQFEAT_OK)
          << seqfeat_last_error_message();
      ASSERT_EQ(seqfeat_features_backward(split.layer.get(), split.batch.get(), nullptr,
                                          split.G.data(), shape, 3, g.get()),
                SEQFEAT_OK);
      ASSERT_EQ(seqfeat_optimizer_apply(o2.get(), g.get()), SEQFEAT_OK);
    }
    const std::vector<float> a = TableOf(fused.emb.get()), b = TableOf(split.emb.get());
    EXPECT_EQ(a, b);
    EXPECT_NE(a, before);
    // Only the rows in the gradient changed.
    auto grads = ReadGradients(g.get());
    const auto& ids = grads["ids_embedding/embedding_weights"].ids;
    for (int64_t id = 0; id < 500; ++id)
      if (!std::binary_search(ids.begin(), ids.end(), id))
        for (int64_t d = 0; d < 32; ++d) EXPECT_EQ(a[id * 32 + d], before[id * 32 + d]);
    if (adagrad) {
      std::vector<float> s1(a.size()), s2(a.size());
      ASSERT_EQ(seqfeat_optimizer_state_get(o1.get(), fused.emb.get(), s1.data(), s1.size()),
                SEQFEAT_OK);
      ASSERT_EQ(seqfeat_optimizer_state_get(o2.get(), split.emb.get(), s2.data(), s2.size()),
                SEQFEAT_OK);
      EXPECT_EQ(s1, s2);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Optimizers against hand-computed values
// ---------------------------------------------------------------------------------------------
struct OneTable {
  ColumnPtr cat, emb;
};
void BuildOneTable(OneTable& t, const std::vector<float>& table, int64_t rows, int64_t dim) {
  t.cat = Identity("x", rows);
  EmbeddingSpec spec;
  spec.dimension = dim;
  spec.table = table;
  t.emb = Embedding(t.cat.get(), spec);
}

TEST(CapiTraining, SgdSumsDuplicatesAndUpdatesOnlyTheirRows) {
  OneTable t;
  BuildOneTable(t, {1, 2, 3, 4, 5, 6}, 3, 2);
  OptimizerPtr sgd = Sgd(0.5f);
  const int64_t ids[] = {2, 0, 2};
  const float rows[] = {1, 1, 2, -4, 0.5f, 0.5f};
  ASSERT_EQ(seqfeat_optimizer_apply_rows(sgd.get(), t.emb.get(), ids, 3, rows, 2), SEQFEAT_OK);
  // id 0: [1, 2] - 0.5 * [2, -4]; id 2: [5, 6] - 0.5 * [1.5, 1.5]; id 1 untouched.
  EXPECT_EQ(TableOf(t.emb.get()), (std::vector<float>{0, 4, 3, 4, 4.25f, 5.25f}));
  EXPECT_EQ(seqfeat_optimizer_kind(sgd.get()), SEQFEAT_OPTIMIZER_SGD);
  EXPECT_FLOAT_EQ(seqfeat_optimizer_learning_rate(sgd.get()), 0.5f);
  float state[6];
  const Outcome o = Capture(seqfeat_optimizer_state_get(sgd.get(), t.emb.get(), state, 6));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"SGD", "no state"}));
}

TEST(CapiTraining, AdagradMatchesHandValuesOverSteps) {
  OneTable t;
  BuildOneTable(t, {1, -1, 0.5f, 2}, 2, 2);
  const double lr = 0.1, init = 0.1, eps = 1e-7;
  OptimizerPtr ada = Adagrad(0.1f, 0.1f, 1e-7f);
  EXPECT_EQ(seqfeat_optimizer_kind(ada.get()), SEQFEAT_OPTIMIZER_ADAGRAD);
  std::vector<double> w = {1, -1, 0.5, 2}, acc(4, init);
  // Step 1: id 1 twice (summed to [0.5, -1.5]); step 2: ids 0 and 1.
  const std::vector<std::vector<int64_t>> ids = {{1, 1}, {0, 1}};
  const std::vector<std::vector<float>> rows = {{0.25f, -1.f, 0.25f, -0.5f}, {2.f, 0.f, -1.f, 3.f}};
  for (size_t step = 0; step < ids.size(); ++step) {
    ASSERT_EQ(seqfeat_optimizer_apply_rows(ada.get(), t.emb.get(), ids[step].data(),
                                           ids[step].size(), rows[step].data(), 2),
              SEQFEAT_OK);
    std::map<int64_t, std::vector<double>> summed;
    for (size_t i = 0; i < ids[step].size(); ++i) {
      auto& r = summed[ids[step][i]];
      r.resize(2, 0.0);
      for (int d = 0; d < 2; ++d) r[d] += rows[step][i * 2 + d];
    }
    for (auto& [id, g] : summed)
      for (int d = 0; d < 2; ++d) {
        acc[id * 2 + d] += g[d] * g[d];
        w[id * 2 + d] -= lr * g[d] / (std::sqrt(acc[id * 2 + d]) + eps);
      }
    const std::vector<float> got = TableOf(t.emb.get());
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(got[i], w[i], 1e-6) << "step " << step << " i " << i;
  }
  std::vector<float> state(4);
  ASSERT_EQ(seqfeat_optimizer_state_get(ada.get(), t.emb.get(), state.data(), 4), SEQFEAT_OK);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(state[i], acc[i], 1e-6);
  // Step 1 summed the duplicates (0.5^2; one after the other would add 0.25^2 twice).
  EXPECT_NEAR(acc[2], 0.1 + 0.25 + 1.0, 1e-12);

  // State round trip: set it on a fresh optimizer and both take the same next step.
  OneTable u;
  BuildOneTable(u, TableOf(t.emb.get()), 2, 2);
  OptimizerPtr fresh = Adagrad(0.1f, 0.1f, 1e-7f);
  std::vector<float> untouched(4);
  ASSERT_EQ(seqfeat_optimizer_state_get(fresh.get(), u.emb.get(), untouched.data(), 4),
            SEQFEAT_OK);
  EXPECT_EQ(untouched, std::vector<float>(4, 0.1f));
  ASSERT_EQ(seqfeat_optimizer_state_set(fresh.get(), u.emb.get(), state.data(), 4), SEQFEAT_OK);
  const int64_t id[] = {1};
  const float row[] = {0.3f, -0.2f};
  ASSERT_EQ(seqfeat_optimizer_apply_rows(ada.get(), t.emb.get(), id, 1, row, 2), SEQFEAT_OK);
  ASSERT_EQ(seqfeat_optimizer_apply_rows(fresh.get(), u.emb.get(), id, 1, row, 2), SEQFEAT_OK);
  EXPECT_EQ(TableOf(t.emb.get()), TableOf(u.emb.get()));
}

// ---------------------------------------------------------------------------------------------
// Bad input: clear errors, tables untouched
// ---------------------------------------------------------------------------------------------
TEST(CapiTraining, BadGradientShapesAndBatchesAreErrorsAndTablesStayUntouched) {
  Big m;
  ASSERT_NO_FATAL_FAILURE(BuildBig(m, 3));
  OptimizerPtr sgd = Sgd(1.f);
  const std::vector<float> before = TableOf(m.emb.get());
  GradientsPtr g = NewGradients();
  const int64_t flat[2] = {m.B, m.T * m.D};
  const int64_t swapped[3] = {m.T, m.B, m.D};
  const int64_t wider[3] = {m.B, m.T, m.D + 1};
  for (auto [shape, rank] : {std::pair<const int64_t*, size_t>{flat, 2}, {swapped, 3}, {wider, 3}}) {
    Outcome o = Capture(seqfeat_features_backward_apply(m.layer.get(), m.batch.get(), nullptr,
                                                        m.G.data(), shape, rank, sgd.get()));
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
    EXPECT_TRUE(HasAll(o.message, {"gradient has shape", "[" + std::to_string(shape[0]) + ", " +
                                                             std::to_string(shape[1])}))
        << o.message;
    o = Capture(seqfeat_features_backward(m.layer.get(), m.batch.get(), nullptr, m.G.data(),
                                          shape, rank, g.get()));
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  }
  EXPECT_EQ(seqfeat_gradients_num_tables(g.get()), 0u);
  // A batch whose output differs from the gradient's (the forward ran on another batch).
  Big other;
  ASSERT_NO_FATAL_FAILURE(BuildBig(other, 4));
  const int64_t shape[3] = {m.B, m.T, m.D};
  if (other.T != m.T) {
    const Outcome o = Capture(seqfeat_features_backward_apply(
        m.layer.get(), other.batch.get(), nullptr, m.G.data(), shape, 3, sgd.get()));
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  }
  Batch missing;
  Outcome o = Capture(seqfeat_features_backward_apply(m.layer.get(), missing.get(), nullptr,
                                                      m.G.data(), shape, 3, sgd.get()));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_NOT_FOUND));
  o = Capture(seqfeat_features_backward_apply(m.layer.get(), m.batch.get(), nullptr, nullptr,
                                              shape, 3, sgd.get()));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  o = Capture(seqfeat_features_backward_apply(m.layer.get(), m.batch.get(), nullptr, m.G.data(),
                                              shape, 3, nullptr));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_EQ(TableOf(m.emb.get()), before);
}

TEST(CapiTraining, BadOptimizerInputIsAnErrorAndTheTableStaysUntouched) {
  OneTable t;
  BuildOneTable(t, {1, 2, 3, 4, 5, 6}, 3, 2);
  const std::vector<float> before = TableOf(t.emb.get());
  OptimizerPtr ada = Adagrad(0.1f, 0.1f, 1e-7f);
  const float rows[] = {1, 1, 1, 1};
  {
    const int64_t ids[] = {0, -1};
    const Outcome o = Capture(seqfeat_optimizer_apply_rows(ada.get(), t.emb.get(), ids, 2, rows, 2));
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_OUT_OF_RANGE));
    EXPECT_TRUE(HasAll(o.message, {"x_embedding", "-1", "entry 1", "[0, 3)"})) << o.message;
  }
  {
    const int64_t ids[] = {1, 3};
    const Outcome o = Capture(seqfeat_optimizer_apply_rows(ada.get(), t.emb.get(), ids, 2, rows, 2));
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_OUT_OF_RANGE));
    EXPECT_TRUE(HasAll(o.message, {"id 3", "[0, 3)"})) << o.message;
  }
  {
    const int64_t ids[] = {1};
    const Outcome o = Capture(seqfeat_optimizer_apply_rows(ada.get(), t.emb.get(), ids, 1, rows, 4));
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
    EXPECT_TRUE(HasAll(o.message, {"width 2", "width 4"})) << o.message;
    EXPECT_TRUE(IsStatus(Capture(seqfeat_optimizer_apply_rows(ada.get(), t.emb.get(), nullptr, 1,
                                                              rows, 2)),
                         SEQFEAT_ERR_INVALID_ARGUMENT));
    EXPECT_TRUE(IsStatus(Capture(seqfeat_optimizer_apply_rows(ada.get(), t.cat.get(), ids, 1,
                                                              rows, 2)),
                         SEQFEAT_ERR_INVALID_ARGUMENT));
  }
  EXPECT_EQ(TableOf(t.emb.get()), before);
  std::vector<float> state(6);
  ASSERT_EQ(seqfeat_optimizer_state_get(ada.get(), t.emb.get(), state.data(), 6), SEQFEAT_OK);
  EXPECT_EQ(state, std::vector<float>(6, 0.1f));
  EXPECT_TRUE(IsStatus(Capture(seqfeat_optimizer_state_get(ada.get(), t.emb.get(), state.data(), 5)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  const std::vector<float> negative = {0, 0, -1, 0, 0, 0};
  const Outcome o =
      Capture(seqfeat_optimizer_state_set(ada.get(), t.emb.get(), negative.data(), 6));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"element 2"})) << o.message;
}

TEST(CapiTraining, HyperParametersOutOfRangeAreErrors) {
  seqfeat_optimizer* o = Sentinel<seqfeat_optimizer>();
  for (float lr : {-0.1f, NAN, INFINITY}) {
    const Outcome r = Capture(seqfeat_sgd_optimizer_create(lr, &o));
    EXPECT_TRUE(IsStatus(r, SEQFEAT_ERR_INVALID_ARGUMENT));
    EXPECT_TRUE(HasAll(r.message, {"learning_rate"}));
  }
  EXPECT_TRUE(IsStatus(Capture(seqfeat_adagrad_optimizer_create(0.1f, -0.5f, 1e-7f, &o)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(IsStatus(Capture(seqfeat_adagrad_optimizer_create(0.1f, 0.1f, -1e-7f, &o)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  const Outcome both = Capture(seqfeat_adagrad_optimizer_create(0.1f, 0.f, 0.f, &o));
  EXPECT_TRUE(IsStatus(both, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(both.message, {"initial_accumulator_value", "epsilon"}));
  EXPECT_EQ(o, Sentinel<seqfeat_optimizer>());
  OptimizerPtr sgd = Sgd(0.01f);
  EXPECT_TRUE(IsStatus(Capture(seqfeat_optimizer_set_learning_rate(sgd.get(), -1.f)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_FLOAT_EQ(seqfeat_optimizer_learning_rate(sgd.get()), 0.01f);
}

TEST(CapiTraining, TableDataIsTheTableItself) {
  OneTable t;
  BuildOneTable(t, {1, 2, 3, 4}, 2, 2);
  float* data = nullptr;
  ASSERT_EQ(seqfeat_column_table_data(t.emb.get(), &data), SEQFEAT_OK);
  data[3] = 9.f;
  EXPECT_EQ(TableOf(t.emb.get()), (std::vector<float>{1, 2, 3, 9}));
  OptimizerPtr sgd = Sgd(1.f);
  const int64_t id[] = {0};
  const float row[] = {1, 1};
  ASSERT_EQ(seqfeat_optimizer_apply_rows(sgd.get(), t.emb.get(), id, 1, row, 2), SEQFEAT_OK);
  EXPECT_EQ(data[0], 0.f);
  EXPECT_TRUE(IsStatus(Capture(seqfeat_column_table_data(t.cat.get(), &data)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
}

}  // namespace
