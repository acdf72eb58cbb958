//! Training from Rust: table gradients against finite differences of a float64 forward written
//! here, the fused update, optimizers against hand values, bad input leaving tables untouched.

mod common;

use common::{assert_close, assert_error};
use seqfeat::{
    Batch, Column, Combiner, ErrorCode, Gradients, Optimizer, OptimizerKind, PackOptions,
    SequenceFeatures,
};

// Two examples of ragged multi-id steps over a 5 x 3 table:
//   example 0: steps {1, 3}, {4}, {1, -1}    example 1: steps {2}, {0, 0, 3}
const ROW_SPLITS: [i64; 3] = [0, 3, 5];
const STEP_SPLITS: [i64; 6] = [0, 2, 3, 5, 6, 9];
const IDS: [i64; 9] = [1, 3, 4, 1, -1, 2, 0, 0, 3];
const WEIGHTS: [f32; 9] = [0.5, 2.0, 1.0, -0.5, 1.0, 3.0, 0.25, 1.5, 0.0];
const ROWS: usize = 5;
const DIM: usize = 3;

fn table() -> Vec<f32> {
    (0..ROWS * DIM).map(|i| ((i * 7 % 11) as f32 - 5.0) / 4.0).collect()
}

/// float64 forward: out[b, t, :] for every step, TF's rules, then loss = Σ g · out.
fn loss(table: &[f64], combiner: Combiner, weighted: bool, max_norm: Option<f64>, g: &[f32]) -> f64 {
    let mut total = 0.0;
    let steps = 3;
    for b in 0..2 {
        let (s0, s1) = (ROW_SPLITS[b] as usize, ROW_SPLITS[b + 1] as usize);
        for (t, s) in (s0..s1).enumerate() {
            let mut acc = [0.0f64; DIM];
            let (mut wsum, mut w2sum, mut n) = (0.0, 0.0, 0);
            for i in STEP_SPLITS[s] as usize..STEP_SPLITS[s + 1] as usize {
                let w = if weighted { WEIGHTS[i] as f64 } else { 1.0 };
                if IDS[i] < 0 || (weighted && combiner != Combiner::Sum && !(w > 0.0)) {
                    continue;
                }
                let row = &table[IDS[i] as usize * DIM..][..DIM];
                let norm = row.iter().map(|x| x * x).sum::<f64>().sqrt();
                let scale = max_norm.map_or(1.0, |m| m / norm.max(m));
                for d in 0..DIM {
                    acc[d] += w * row[d] * scale;
                }
                wsum += w;
                w2sum += w * w;
                n += 1;
            }
            let denom = match combiner {
                Combiner::Sum => 1.0,
                Combiner::Mean => wsum,
                Combiner::Sqrtn => w2sum.sqrt(),
            };
            if n == 0 || denom == 0.0 {
                continue;
            }
            for d in 0..DIM {
                total += g[(b * steps + t) * DIM + d] as f64 * acc[d] / denom;
            }
        }
    }
    total
}

struct Model {
    _ids: Column,
    _weighted: Option<Column>,
    embedding: Column,
    layer: SequenceFeatures,
}

fn model(combiner: Combiner, weighted: bool, max_norm: Option<f32>) -> Model {
    let ids = Column::identity("ids", ROWS as i64).build().unwrap();
    let weighted_column =
        if weighted { Some(Column::weighted(&ids, "w").build().unwrap()) } else { None };
    let initial = table();
    let mut builder = Column::embedding(weighted_column.as_ref().unwrap_or(&ids), DIM as i64)
        .combiner(combiner)
        .initial_table(&initial);
    if let Some(m) = max_norm {
        builder = builder.max_norm(m);
    }
    let embedding = builder.build().unwrap();
    let layer = SequenceFeatures::new(&[&embedding]).unwrap();
    Model { _ids: ids, _weighted: weighted_column, embedding, layer }
}

fn batch<'a>() -> Batch<'a> {
    let mut batch = Batch::new().unwrap();
    batch.add_ragged("ids", &ROW_SPLITS, Some(&STEP_SPLITS), &IDS).unwrap();
    batch.add_ragged("w", &ROW_SPLITS, Some(&STEP_SPLITS), &WEIGHTS).unwrap();
    batch
}

fn upstream() -> Vec<f32> {
    (0..2 * 3 * DIM).map(|i| ((i * 5 % 13) as f32 - 6.0) / 3.0).collect()
}

#[test]
fn gradients_match_finite_differences() {
    for combiner in [Combiner::Sum, Combiner::Mean, Combiner::Sqrtn] {
        for weighted in [false, true] {
            for max_norm in [None, Some(1.0f32)] {
                let m = model(combiner, weighted, max_norm);
                let batch = batch();
                let g = upstream();
                let mut grads = Gradients::new().unwrap();
                m.layer.backward(&batch, &PackOptions::default(), &g, &[2, 3, 3], &mut grads).unwrap();
                assert_eq!(grads.num_tables(), 1);
                let tg = grads.table(0).unwrap();
                assert_eq!(tg.table_name, "ids_embedding/embedding_weights".replace(
                    "ids_", if weighted { "ids_weighted_by_w_" } else { "ids_" }));
                assert!(tg.ids.windows(2).all(|w| w[0] < w[1]), "sorted unique {:?}", tg.ids);
                let mut t: Vec<f64> = table().iter().map(|&x| x as f64).collect();
                let h = 1e-6;
                for id in 0..ROWS {
                    for d in 0..DIM {
                        let x0 = t[id * DIM + d];
                        t[id * DIM + d] = x0 + h;
                        let up = loss(&t, combiner, weighted, max_norm.map(f64::from), &g);
                        t[id * DIM + d] = x0 - h;
                        let down = loss(&t, combiner, weighted, max_norm.map(f64::from), &g);
                        t[id * DIM + d] = x0;
                        let fd = (up - down) / (2.0 * h);
                        let lib = tg.ids.iter().position(|&x| x == id as i64)
                            .map_or(0.0, |u| tg.rows[u * DIM + d] as f64);
                        assert!((lib - fd).abs() <= 2e-4 * (1.0 + fd.abs()),
                            "{combiner:?} weighted={weighted} max_norm={max_norm:?} id {id} d {d}: {lib} vs {fd}");
                    }
                }
            }
        }
    }
}

#[test]
fn fused_update_equals_backward_then_apply() {
    let (a, b) = (model(Combiner::Mean, true, Some(1.0)), model(Combiner::Mean, true, Some(1.0)));
    let (batch_a, batch_b) = (batch(), batch());
    let g = upstream();
    let mut fused = Optimizer::adagrad(0.1, 0.1, 1e-7).unwrap();
    let mut split = Optimizer::adagrad(0.1, 0.1, 1e-7).unwrap();
    assert_eq!(fused.kind(), OptimizerKind::Adagrad);
    let mut grads = Gradients::new().unwrap();
    for _ in 0..3 {
        a.layer.backward_apply(&batch_a, &PackOptions::default(), &g, &[2, 3, 3], &mut fused).unwrap();
        b.layer.backward(&batch_b, &PackOptions::default(), &g, &[2, 3, 3], &mut grads).unwrap();
        split.apply(&grads).unwrap();
    }
    let (ta, tb) = (a.embedding.table_get().unwrap(), b.embedding.table_get().unwrap());
    assert_eq!(ta, tb);
    assert_ne!(ta, table());
    assert_eq!(fused.state(&a.embedding).unwrap(), split.state(&b.embedding).unwrap());
}

#[test]
fn optimizers_match_hand_values() {
    let ids = Column::identity("x", 3).build().unwrap();
    let initial = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
    let emb = Column::embedding(&ids, 2).initial_table(&initial).build().unwrap();
    let mut sgd = Optimizer::sgd(0.5).unwrap();
    assert_eq!(sgd.kind(), OptimizerKind::Sgd);
    sgd.apply_rows(&emb, &[2, 0, 2], &[1.0, 1.0, 2.0, -4.0, 0.5, 0.5], 2).unwrap();
    assert_eq!(emb.table_get().unwrap(), vec![0.0, 4.0, 3.0, 4.0, 4.25, 5.25]);
    assert_error(sgd.state(&emb), ErrorCode::InvalidArgument, &["no state"]);

    let mut ada = Optimizer::adagrad(0.1, 0.1, 1e-7).unwrap();
    ada.apply_rows(&emb, &[1, 1], &[0.25, -1.0, 0.25, -0.5], 2).unwrap();
    let (g0, g1) = (0.5f64, -1.5f64);
    let want = [3.0 - 0.1 * g0 / ((0.1 + g0 * g0).sqrt() + 1e-7),
                4.0 - 0.1 * g1 / ((0.1 + g1 * g1).sqrt() + 1e-7)];
    let got = emb.table_get().unwrap();
    assert_close(&got[2..4], &[want[0] as f32, want[1] as f32]);
    assert_close(&ada.state(&emb).unwrap(), &[0.1, 0.1, 0.35, 2.35, 0.1, 0.1]);
}

#[test]
fn bad_input_is_an_error_and_the_table_stays_untouched() {
    let m = model(Combiner::Mean, false, None);
    let batch = batch();
    let before = m.embedding.table_get().unwrap();
    let mut sgd = Optimizer::sgd(1.0).unwrap();
    let g = upstream();
    assert_error(
        m.layer.backward_apply(&batch, &PackOptions::default(), &g, &[2, 9], &mut sgd),
        ErrorCode::InvalidArgument,
        &["gradient has shape [2, 9]", "[2, 3, 3]"],
    );
    assert_error(
        m.layer.backward_apply(&batch, &PackOptions::default(), &g[1..], &[2, 3, 3], &mut sgd),
        ErrorCode::InvalidArgument,
        &["grad has 17 values"],
    );
    assert_error(
        m.layer.backward_apply(&batch, &PackOptions::default().max_length(4), &g, &[2, 3, 3],
                               &mut sgd),
        ErrorCode::InvalidArgument,
        &["[2, 4, 3]"],
    );
    assert_error(sgd.apply_rows(&m.embedding, &[0, 5], &[0.0; 6], 3), ErrorCode::OutOfRange,
                 &["id 5", "[0, 5)"]);
    assert_error(sgd.apply_rows(&m.embedding, &[-1], &[0.0; 3], 3), ErrorCode::OutOfRange,
                 &["-1"]);
    assert_error(sgd.apply_rows(&m.embedding, &[1], &[0.0; 2], 2), ErrorCode::InvalidArgument,
                 &["width 3", "width 2"]);
    assert_eq!(m.embedding.table_get().unwrap(), before);
    assert_error(Optimizer::sgd(-1.0), ErrorCode::InvalidArgument, &["learning_rate"]);
    assert_error(Optimizer::adagrad(0.1, 0.0, 0.0), ErrorCode::InvalidArgument, &["epsilon"]);
    assert_error(sgd.set_learning_rate(f32::NAN), ErrorCode::InvalidArgument, &["learning_rate"]);
}

/// Step k's upstream gradient (a different one per step).
fn upstream_at(k: usize) -> Vec<f32> {
    (0..2 * 3 * DIM).map(|i| (((i + 3 * k) * 5 % 13) as f32 - 6.0) / 3.0).collect()
}

fn train(layer: &SequenceFeatures, optimizer: &mut Optimizer, steps: std::ops::Range<usize>) {
    let batch = batch();
    for k in steps {
        layer
            .backward_apply(&batch, &PackOptions::default(), &upstream_at(k), &[2, 3, 3], optimizer)
            .unwrap();
    }
}

#[test]
fn saved_and_loaded_optimizer_resumes_bit_identically() {
    let dir = std::env::temp_dir().join(format!("seqfeat_rust_optimizer_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let straight = model(Combiner::Mean, false, None);
    let mut o_straight = Optimizer::adagrad(0.3, 0.05, 1e-6).unwrap();
    train(&straight.layer, &mut o_straight, 0..6);

    let first = model(Combiner::Mean, false, None);
    let mut o_first = Optimizer::adagrad(0.3, 0.05, 1e-6).unwrap();
    train(&first.layer, &mut o_first, 0..3);
    first.layer.save(&dir).unwrap();
    o_first.save(&first.layer, &dir).unwrap();

    let resumed = SequenceFeatures::load(&dir, seqfeat::TableStorage::Copy).unwrap();
    let mut o_resumed = Optimizer::load(&dir, &resumed).unwrap();
    assert_eq!(o_resumed.kind(), OptimizerKind::Adagrad);
    assert_eq!(o_resumed.learning_rate(), 0.3);
    assert_eq!(o_resumed.hyper_parameters(), (0.05, 1e-6));
    train(&resumed, &mut o_resumed, 3..6);

    let column = resumed.find_column("ids_embedding").unwrap();
    let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
    assert_eq!(bits(column.table_get().unwrap()), bits(straight.embedding.table_get().unwrap()));
    assert_ne!(column.table_get().unwrap(), table());
    assert_eq!(
        bits(o_resumed.state(&column).unwrap()),
        bits(o_straight.state(&straight.embedding).unwrap())
    );

    // Saving the layer again drops the optimizer state of the tables it replaced.
    resumed.save(&dir).unwrap();
    assert_eq!(Optimizer::load(&dir, &resumed).unwrap_err().code(), ErrorCode::NotFound);
    std::fs::remove_dir_all(&dir).unwrap();
}
