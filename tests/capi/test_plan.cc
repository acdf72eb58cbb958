// The plan / pack split through the C ABI: seqfeat_plan_pack_into from the rows of the planned
// ids is bit-identical to seqfeat_features_pack_into, and seqfeat_plan_backward's rows to
// seqfeat_features_backward's rows of the same ids, on random batches (every combiner, weights,
// max_norm, a shared table, max_length windows, trainable = 0); bad rows, counts and NULLs are
// clear errors that leave the output untouched.
#include <random>

#include "capi_test_util.h"

namespace sftest {
namespace {

struct PlanDeleter {
  void operator()(seqfeat_plan* p) const { seqfeat_plan_free(p); }
};
using PlanPtr = std::unique_ptr<seqfeat_plan, PlanDeleter>;

struct PlannedTable {
  std::string name;
  std::vector<int64_t> ids;
  int64_t dimension = 0;
};

std::vector<PlannedTable> Tables(const seqfeat_plan* plan) {
  std::vector<PlannedTable> out(seqfeat_plan_num_tables(plan));
  for (size_t t = 0; t < out.size(); ++t) {
    const char* name = nullptr;
    const int64_t* ids = nullptr;
    int64_t count = -1;
    EXPECT_EQ(seqfeat_plan_table(plan, t, &name, &ids, &count, &out[t].dimension), SEQFEAT_OK);
    out[t].name = name;
    out[t].ids.assign(ids, ids + count);
  }
  return out;
}

// seqfeat_plan_backward's rows of every table, checked against the local backward of the same
// batch: row u is bit-identical to the local row of id ids[u] when the local gradient has that
// id, zero otherwise; and every id of the local gradient is planned.
void ExpectBackwardMatchesLocal(const seqfeat_features* layer, const Batch& batch,
                                const seqfeat_pack_options& opts, const seqfeat_plan* plan,
                                const std::vector<PlannedTable>& tables,
                                const std::vector<seqfeat_rows>& supplied, std::mt19937_64& rng) {
  int64_t shape[3] = {0, 0, 0};
  ASSERT_EQ(seqfeat_plan_output_shape(plan, &shape[0], &shape[1], &shape[2]), SEQFEAT_OK);
  std::uniform_real_distribution<float> uniform(-1.f, 1.f);
  std::vector<float> grad(static_cast<size_t>(shape[0] * shape[1] * shape[2]));
  for (float& g : grad) g = uniform(rng);
  GradientsPtr local = NewGradients();
  ASSERT_EQ(seqfeat_features_backward(layer, batch.get(), &opts, grad.data(), shape, 3,
                                      local.get()),
            SEQFEAT_OK)
      << seqfeat_last_error_message();
  const std::map<std::string, TableGrad> want = ReadGradients(local.get());

  std::vector<std::vector<float>> rows(tables.size());
  std::vector<seqfeat_gradient_rows> out;
  for (size_t t = 0; t < tables.size(); ++t) {
    rows[t].assign(tables[t].ids.size() * static_cast<size_t>(tables[t].dimension), NAN);
    out.push_back({rows[t].data(), static_cast<int64_t>(tables[t].ids.size()),
                   tables[t].dimension});
  }
  ASSERT_EQ(seqfeat_plan_backward(plan, supplied.data(), supplied.size(), grad.data(), shape, 3,
                                  out.data(), out.size()),
            SEQFEAT_OK)
      << seqfeat_last_error_message();
  for (size_t t = 0; t < tables.size(); ++t) {
    SCOPED_TRACE(tables[t].name);
    const auto D = static_cast<size_t>(tables[t].dimension);
    const auto found = want.find(tables[t].name);
    const TableGrad none;
    const TableGrad& g = found == want.end() ? none : found->second;
    for (int64_t id : g.ids)
      EXPECT_TRUE(std::binary_search(tables[t].ids.begin(), tables[t].ids.end(), id)) << id;
    for (size_t u = 0; u < tables[t].ids.size(); ++u) {
      const auto at = std::lower_bound(g.ids.begin(), g.ids.end(), tables[t].ids[u]);
      std::vector<float> expected(D, 0.f);
      if (at != g.ids.end() && *at == tables[t].ids[u]) {
        const auto k = static_cast<size_t>(at - g.ids.begin());
        expected.assign(g.rows.begin() + k * D, g.rows.begin() + (k + 1) * D);
      }
      EXPECT_EQ(std::memcmp(rows[t].data() + u * D, expected.data(), D * sizeof(float)), 0)
          << "id " << tables[t].ids[u];
    }
  }
}

std::vector<float> Gather(const std::vector<float>& table, const PlannedTable& t) {
  std::vector<float> rows;
  for (int64_t id : t.ids)
    rows.insert(rows.end(), table.begin() + id * t.dimension,
                table.begin() + (id + 1) * t.dimension);
  return rows;
}

// A ragged batch of `batch` examples with 0-5 steps of 0-3 ids in [-1, vocab), for keys a (with
// weights aw in {-1, 0, 0.5, 2}), s1 and s2 (same steps).
void RandomBatch(std::mt19937_64& rng, Batch& batch, int64_t examples, int64_t vocab) {
  Index rows{0}, steps{0}, s2_steps{0};
  std::vector<int64_t> a, s1, s2;
  std::vector<float> aw;
  const float weights[] = {-1.f, 0.f, 0.5f, 2.f};
  for (int64_t b = 0; b < examples; ++b) {
    const int64_t n = static_cast<int64_t>(rng() % 6);
    for (int64_t s = 0; s < n; ++s) {
      const int64_t k = static_cast<int64_t>(rng() % 4);
      for (int64_t i = 0; i < k; ++i) {
        a.push_back(static_cast<int64_t>(rng() % (vocab + 1)) - 1);
        aw.push_back(weights[rng() % 4]);
      }
      steps.push_back(static_cast<int64_t>(a.size()));
      s1.push_back(static_cast<int64_t>(rng() % vocab));
      s2.push_back(static_cast<int64_t>(rng() % vocab));
      s2_steps.push_back(static_cast<int64_t>(s2.size()));
    }
    rows.push_back(rows.back() + n);
  }
  ASSERT_EQ(batch.Ragged("a", rows, steps, a), SEQFEAT_OK);
  ASSERT_EQ(batch.Ragged("aw", rows, steps, aw), SEQFEAT_OK);
  ASSERT_EQ(batch.Ragged("s1", rows, s2_steps, s1), SEQFEAT_OK);
  ASSERT_EQ(batch.Ragged("s2", rows, s2_steps, s2), SEQFEAT_OK);
}

TEST(Plan, PackFromPlannedRowsIsBitIdenticalToThePack) {
  std::mt19937_64 rng(42);
  const int32_t combiners[] = {SEQFEAT_COMBINER_SUM, SEQFEAT_COMBINER_MEAN,
                               SEQFEAT_COMBINER_SQRTN};
  for (int32_t combiner : combiners)
    for (bool weighted : {false, true})
      for (std::optional<float> max_norm : {std::optional<float>(), std::optional<float>(0.9f)})
        for (int64_t dim : {8, 64}) {
          SCOPED_TRACE(testing::Message() << "combiner " << combiner << " weighted " << weighted
                                          << " max_norm " << max_norm.has_value() << " D " << dim);
          const int64_t vocab = 40;
          ColumnPtr a = Identity("a", vocab);
          ColumnPtr aw = weighted ? Weighted(a.get(), "aw") : nullptr;
          EmbeddingSpec spec{dim, combiner, max_norm, {}, 7};
          ColumnPtr ea = Embedding(weighted ? aw.get() : a.get(), spec);
          ColumnPtr s1 = Identity("s1", vocab), s2 = Identity("s2", vocab);
          const seqfeat_column* cats[] = {s1.get(), s2.get()};
          seqfeat_embedding_options o = EmbeddingOptions({4, combiner, max_norm, {}, 3});
          seqfeat_column* shared[2] = {nullptr, nullptr};
          ASSERT_EQ(seqfeat_shared_embeddings_create(cats, 2, &o, nullptr, shared), SEQFEAT_OK);
          ColumnPtr e1(shared[0]), e2(shared[1]);
          FeaturesPtr layer = Layer({ea.get(), e1.get(), e2.get()});
          ASSERT_TRUE(layer);
          const std::vector<float> ta = Table(ea.get()), ts = Table(e1.get());
          int64_t clipped = 0, unclipped = 0;  // planned rows on either side of max_norm

          for (int64_t max_length : {0, 2}) {
            Batch batch;
            RandomBatch(rng, batch, 16, vocab);
            seqfeat_pack_options opts = PackOptions();
            opts.max_length = max_length;
            opts.padding = SEQFEAT_PAD_PRE;
            Packed want;
            ASSERT_TRUE(IsStatus(PackInto(layer.get(), batch, &want, &opts), SEQFEAT_OK));

            seqfeat_plan* raw = nullptr;
            ASSERT_EQ(seqfeat_features_plan(layer.get(), batch.get(), &opts, &raw), SEQFEAT_OK);
            PlanPtr plan(raw);
            const std::vector<PlannedTable> tables = Tables(plan.get());
            ASSERT_EQ(tables.size(), 2u);  // the shared table once
            std::vector<std::vector<float>> rows;
            for (const PlannedTable& t : tables) {
              EXPECT_TRUE(std::is_sorted(t.ids.begin(), t.ids.end()));
              EXPECT_EQ(std::adjacent_find(t.ids.begin(), t.ids.end()), t.ids.end());
              rows.push_back(Gather(t.dimension == 4 ? ts : ta, t));
              for (size_t u = 0; u < t.ids.size(); ++u) {
                double l2 = 0;
                for (int64_t d = 0; d < t.dimension; ++d)
                  l2 += double(rows.back()[u * t.dimension + d]) * rows.back()[u * t.dimension + d];
                ++(std::sqrt(l2) >= 0.9 ? clipped : unclipped);
              }
            }
            std::vector<seqfeat_rows> supplied;
            for (size_t t = 0; t < tables.size(); ++t)
              supplied.push_back({rows[t].data(), static_cast<int64_t>(tables[t].ids.size()),
                                  tables[t].dimension});
            int64_t B = 0, T = 0, D = 0;
            ASSERT_EQ(seqfeat_plan_output_shape(plan.get(), &B, &T, &D), SEQFEAT_OK);
            ASSERT_EQ(B, want.B);
            ASSERT_EQ(T, want.T);
            ASSERT_EQ(D, want.D);
            std::vector<float> dense(want.dense.size(), -7.f);
            std::vector<int64_t> lengths(static_cast<size_t>(B));
            std::vector<uint8_t> mask(static_cast<size_t>(B * T));
            ASSERT_EQ(seqfeat_plan_pack_into(plan.get(), supplied.data(), supplied.size(),
                                             dense.data(), dense.size(), lengths.data(),
                                             lengths.size(), mask.data(), mask.size(), nullptr),
                      SEQFEAT_OK)
                << seqfeat_last_error_message();
            EXPECT_EQ(std::memcmp(dense.data(), want.dense.data(), dense.size() * sizeof(float)), 0);
            EXPECT_EQ(lengths, want.lengths);
            EXPECT_EQ(mask, want.mask);
            ExpectBackwardMatchesLocal(layer.get(), batch, opts, plan.get(), tables, supplied,
                                       rng);
          }
          EXPECT_GT(clipped, 0);  // both sides of the clip's Jacobian are exercised
          EXPECT_GT(unclipped, 0);
        }
}

TEST(Plan, BadRowsCountsAndNullsAreErrorsThatWriteNothing) {
  ColumnPtr a = Identity("a", 10);
  ColumnPtr ea = Embedding(a.get(), {4, SEQFEAT_COMBINER_MEAN, {}, {}, 1});
  FeaturesPtr layer = Layer({ea.get()});
  Batch batch;
  ASSERT_EQ(batch.Ragged<int64_t>("a", {0, 2, 3}, {}, {3, 5, 3}), SEQFEAT_OK);
  seqfeat_plan* raw = Sentinel<seqfeat_plan>();
  EXPECT_TRUE(IsStatus(Capture(seqfeat_features_plan(nullptr, batch.get(), nullptr, &raw)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(IsStatus(Capture(seqfeat_features_plan(layer.get(), nullptr, nullptr, &raw)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(IsStatus(Capture(seqfeat_features_plan(layer.get(), batch.get(), nullptr, nullptr)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_EQ(raw, Sentinel<seqfeat_plan>());
  ASSERT_EQ(seqfeat_features_plan(layer.get(), batch.get(), nullptr, &raw), SEQFEAT_OK);
  PlanPtr plan(raw);
  const std::vector<PlannedTable> tables = Tables(plan.get());
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].ids, (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(tables[0].name, "a_embedding/embedding_weights");

  std::vector<float> rows(8, 1.f), dense(2 * 2 * 4, -7.f);
  std::vector<int64_t> lengths(2, -7);
  auto pack = [&](const seqfeat_rows* r, size_t n) {
    return Capture(seqfeat_plan_pack_into(plan.get(), r, n, dense.data(), dense.size(),
                                          lengths.data(), lengths.size(), nullptr, 0, nullptr));
  };
  const seqfeat_rows wrong_u{rows.data(), 1, 4}, wrong_d{rows.data(), 2, 3},
      null_data{nullptr, 2, 4};
  Outcome o = pack(&wrong_u, 1);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"a_embedding/embedding_weights", "2 planned ids", "[2, 4]",
                                 "got [1, 4]"}));
  o = pack(&wrong_d, 1);
  EXPECT_TRUE(HasAll(o.message, {"a_embedding/embedding_weights", "[2, 4]", "got [2, 3]"}));
  o = pack(&null_data, 1);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"rows of table a_embedding/embedding_weights are NULL"}));
  o = pack(nullptr, 1);
  EXPECT_TRUE(HasAll(o.message, {"rows is NULL"}));
  const seqfeat_rows two[2] = {{rows.data(), 2, 4}, {rows.data(), 2, 4}};
  o = pack(two, 2);
  EXPECT_TRUE(HasAll(o.message, {"rows for 1 tables, got 2"}));
  EXPECT_TRUE(IsStatus(Capture(seqfeat_plan_pack_into(nullptr, two, 1, dense.data(), dense.size(),
                                                      lengths.data(), lengths.size(), nullptr, 0,
                                                      nullptr)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  o = Capture(seqfeat_plan_pack_into(plan.get(), two, 1, dense.data(), 3, lengths.data(),
                                     lengths.size(), nullptr, 0, nullptr));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_BUFFER_TOO_SMALL));
  EXPECT_TRUE(std::all_of(dense.begin(), dense.end(), [](float v) { return v == -7.f; }));
  EXPECT_TRUE(std::all_of(lengths.begin(), lengths.end(), [](int64_t v) { return v == -7; }));
  EXPECT_TRUE(IsStatus(Capture(seqfeat_plan_table(plan.get(), 1, nullptr, nullptr, nullptr,
                                                  nullptr)),
                       SEQFEAT_ERR_OUT_OF_RANGE));
  EXPECT_EQ(seqfeat_plan_num_tables(nullptr), 0u);
  seqfeat_plan_free(nullptr);

  // The rows supplied are read: example 0 = rows of ids 3 and 5, example 1 = the row of id 3.
  std::vector<float> good{1, 2, 3, 4, 10, 20, 30, 40};
  const seqfeat_rows ok{good.data(), 2, 4};
  ASSERT_TRUE(IsStatus(pack(&ok, 1), SEQFEAT_OK));
  EXPECT_EQ(dense, (std::vector<float>{1, 2, 3, 4, 10, 20, 30, 40, 1, 2, 3, 4, 0, 0, 0, 0}));
  EXPECT_EQ(lengths, (std::vector<int64_t>{2, 1}));
}

TEST(Plan, BackwardGivesZeroRowsForFrozenTablesAndRejectsBadGradients) {
  ColumnPtr a = Identity("a", 10), b = Identity("b", 10);
  ColumnPtr ea = Embedding(a.get(), {3, SEQFEAT_COMBINER_SUM, {}, {}, 1});
  seqfeat_embedding_options frozen = EmbeddingOptions({2, SEQFEAT_COMBINER_SUM, {}, {}, 2});
  frozen.trainable = 0;
  seqfeat_column* raw_eb = nullptr;
  ASSERT_EQ(seqfeat_embedding_column_create(b.get(), &frozen, &raw_eb), SEQFEAT_OK);
  ColumnPtr eb(raw_eb);
  FeaturesPtr layer = Layer({ea.get(), eb.get()});
  Batch batch;
  // Example 0: steps {3, 5} and {3}; example 1: step {5}. b the same.
  ASSERT_EQ(batch.Ragged<int64_t>("a", {0, 2, 3}, {0, 2, 3, 4}, {3, 5, 3, 5}), SEQFEAT_OK);
  ASSERT_EQ(batch.Ragged<int64_t>("b", {0, 2, 3}, {0, 2, 3, 4}, {3, 5, 3, 5}), SEQFEAT_OK);
  seqfeat_plan* raw = nullptr;
  ASSERT_EQ(seqfeat_features_plan(layer.get(), batch.get(), nullptr, &raw), SEQFEAT_OK);
  PlanPtr plan(raw);
  const std::vector<PlannedTable> tables = Tables(plan.get());
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].ids, (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(tables[1].ids, (std::vector<int64_t>{3, 5}));
  std::vector<float> ra(6, 0.5f), rb(4, 0.5f);
  const seqfeat_rows rows[2] = {{ra.data(), 2, 3}, {rb.data(), 2, 2}};
  // Output [2, 2, 5]: a at 0..2, b at 3..4; grad[b, t, d] = 1 + 10 b + 100 t + d.
  std::vector<float> grad(20);
  for (int64_t e = 0; e < 2; ++e)
    for (int64_t t = 0; t < 2; ++t)
      for (int64_t d = 0; d < 5; ++d) grad[(e * 2 + t) * 5 + d] = float(1 + 10 * e + 100 * t + d);
  const int64_t shape[3] = {2, 2, 5};
  std::vector<float> ga(6, -7.f), gb(4, -7.f);
  seqfeat_gradient_rows out[2] = {{ga.data(), 2, 3}, {gb.data(), 2, 2}};
  ASSERT_EQ(seqfeat_plan_backward(plan.get(), rows, 2, grad.data(), shape, 3, out, 2), SEQFEAT_OK)
      << seqfeat_last_error_message();
  // id 3: example 0 steps 0 and 1 -> (1 + 101, 2 + 102, 3 + 103); id 5: example 0 step 0 and
  // example 1 step 0 -> (1 + 11, 2 + 12, 3 + 13).
  EXPECT_EQ(ga, (std::vector<float>{102, 104, 106, 12, 14, 16}));
  EXPECT_EQ(gb, (std::vector<float>(4, 0.f)));  // trainable = 0: no gradient

  auto backward = [&](const seqfeat_rows* r, size_t nr, const int64_t* s, size_t rank,
                      const seqfeat_gradient_rows* o, size_t no) {
    std::fill(ga.begin(), ga.end(), -7.f);
    std::fill(gb.begin(), gb.end(), -7.f);
    return Capture(seqfeat_plan_backward(plan.get(), r, nr, grad.data(), s, rank, o, no));
  };
  auto untouched = [&] {
    return std::all_of(ga.begin(), ga.end(), [](float v) { return v == -7.f; }) &&
           std::all_of(gb.begin(), gb.end(), [](float v) { return v == -7.f; });
  };
  const int64_t wrong_shape[3] = {2, 3, 5};
  Outcome o = backward(rows, 2, wrong_shape, 3, out, 2);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"gradient has shape [2, 3, 5]", "[2, 2, 5]"}));
  EXPECT_TRUE(untouched());
  o = backward(rows, 2, shape, 2, out, 2);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(untouched());
  seqfeat_gradient_rows short_out[2] = {{ga.data(), 2, 3}, {gb.data(), 1, 2}};
  o = backward(rows, 2, shape, 3, short_out, 2);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"b_embedding/embedding_weights", "gradient rows", "[2, 2]",
                                 "got [1, 2]"}));
  EXPECT_TRUE(untouched());
  o = backward(rows, 2, shape, 3, out, 1);
  EXPECT_TRUE(HasAll(o.message, {"gradient rows for 2 tables, got 1"}));
  EXPECT_TRUE(untouched());
  o = backward(rows, 2, shape, 3, nullptr, 2);
  EXPECT_TRUE(HasAll(o.message, {"out is NULL"}));
  const seqfeat_gradient_rows null_data[2] = {{ga.data(), 2, 3}, {nullptr, 2, 2}};
  o = backward(rows, 2, shape, 3, null_data, 2);
  EXPECT_TRUE(HasAll(o.message, {"gradient rows of table b_embedding/embedding_weights are NULL"}));
  EXPECT_TRUE(untouched());
  o = backward(rows, 1, shape, 3, out, 2);
  EXPECT_TRUE(HasAll(o.message, {"rows for 2 tables, got 1"}));
  EXPECT_TRUE(untouched());
  o = backward(nullptr, 2, shape, 3, out, 2);
  EXPECT_TRUE(HasAll(o.message, {"rows is NULL"}));
  EXPECT_TRUE(IsStatus(Capture(seqfeat_plan_backward(nullptr, rows, 2, grad.data(), shape, 3,
                                                     out, 2)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(untouched());
}

}  // namespace
}  // namespace sftest
