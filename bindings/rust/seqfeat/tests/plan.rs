//! The plan / pack split from Rust: packing from the planned rows is bit-identical to packing
//! from the tables, and the plan's gradient rows to the layer's backward rows of the same ids,
//! on random batches (every combiner, weights, max_norm on both sides of the clip, a shared
//! table, max_length windows); bad rows are errors that write nothing.

mod common;

use common::assert_error;
use seqfeat::{
    Batch, Column, Combiner, ErrorCode, Gradients, PackOptions, Padding, SequenceFeatures,
};

/// A small deterministic generator (no external crates).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
    fn uniform(&mut self) -> f32 {
        (self.next() % 2001) as f32 / 1000.0 - 1.0
    }
}

const VOCAB: i64 = 30;

/// Ragged inputs for "a" (ids in [-1, VOCAB), weights "aw" in {-1, 0, 0.5, 2}) and "s1", "s2"
/// (one shared table), 0-5 steps of 0-3 ids per example.
struct RandomBatch {
    rows: Vec<i64>,
    steps: Vec<i64>,
    a: Vec<i64>,
    aw: Vec<f32>,
    shared_steps: Vec<i64>,
    s1: Vec<i64>,
    s2: Vec<i64>,
}

impl RandomBatch {
    fn new(rng: &mut Lcg, examples: usize) -> RandomBatch {
        let mut b = RandomBatch {
            rows: vec![0],
            steps: vec![0],
            a: vec![],
            aw: vec![],
            shared_steps: vec![0],
            s1: vec![],
            s2: vec![],
        };
        for _ in 0..examples {
            let n = rng.below(6);
            for _ in 0..n {
                for _ in 0..rng.below(4) {
                    b.a.push(rng.below(VOCAB as u64 + 1) - 1);
                    b.aw.push([-1.0, 0.0, 0.5, 2.0][rng.below(4) as usize]);
                }
                b.steps.push(b.a.len() as i64);
                b.s1.push(rng.below(VOCAB as u64));
                b.s2.push(rng.below(VOCAB as u64));
                b.shared_steps.push(b.s1.len() as i64);
            }
            b.rows.push(b.rows.last().unwrap() + n);
        }
        b
    }

    fn batch(&self) -> Batch<'_> {
        let mut batch = Batch::new().unwrap();
        batch
            .add_ragged("a", &self.rows, Some(&self.steps), &self.a)
            .unwrap();
        batch
            .add_ragged("aw", &self.rows, Some(&self.steps), &self.aw)
            .unwrap();
        batch
            .add_ragged("s1", &self.rows, Some(&self.shared_steps), &self.s1)
            .unwrap();
        batch
            .add_ragged("s2", &self.rows, Some(&self.shared_steps), &self.s2)
            .unwrap();
        batch
    }
}

/// A table whose row norms spread over about 0.4-1.6 (max_norm 1 clips some rows, not all).
fn random_table(rng: &mut Lcg, dimension: usize) -> Vec<f32> {
    let mut table = Vec::new();
    for r in 0..VOCAB as usize {
        let scale = (0.4 + 1.2 * (r % 7) as f32 / 6.0) / (dimension as f32).sqrt() * 1.7;
        table.extend((0..dimension).map(|_| rng.uniform() * scale));
    }
    table
}

fn norm(row: &[f32]) -> f32 {
    row.iter().map(|x| x * x).sum::<f32>().sqrt()
}

#[test]
fn pack_and_backward_through_the_plan_match_the_layer_bit_for_bit() {
    let mut rng = Lcg(2024);
    let (mut clipped, mut unclipped) = (0, 0);
    for combiner in [Combiner::Sum, Combiner::Mean, Combiner::Sqrtn] {
        for weighted in [false, true] {
            for max_norm in [None, Some(1.0f32)] {
                for dimension in [4usize, 16] {
                    let a = Column::identity("a", VOCAB).build().unwrap();
                    let aw = Column::weighted(&a, "aw").build().unwrap();
                    let ta = random_table(&mut rng, dimension);
                    let ts = random_table(&mut rng, 3);
                    let mut builder =
                        Column::embedding(if weighted { &aw } else { &a }, dimension as i64)
                            .combiner(combiner)
                            .initial_table(&ta);
                    if let Some(m) = max_norm {
                        builder = builder.max_norm(m);
                    }
                    let ea = builder.build().unwrap();
                    let (s1, s2) = (
                        Column::identity("s1", VOCAB).build().unwrap(),
                        Column::identity("s2", VOCAB).build().unwrap(),
                    );
                    let categorical = [&s1, &s2];
                    let mut shared = Column::shared_embeddings(&categorical, 3)
                        .combiner(combiner)
                        .initial_table(&ts);
                    if let Some(m) = max_norm {
                        shared = shared.max_norm(m);
                    }
                    let shared = shared.build().unwrap();
                    let layer = SequenceFeatures::new(&[&ea, &shared[0], &shared[1]]).unwrap();
                    let tables = [(&ta, dimension), (&ts, 3usize)];

                    for opts in [
                        PackOptions::default(),
                        PackOptions::default().max_length(2).padding(Padding::Pre),
                    ] {
                        let input = RandomBatch::new(&mut rng, 12);
                        let batch = input.batch();
                        let want = layer.output_shape(&batch, &opts).unwrap();
                        let mut dense = vec![0f32; want.dense_len()];
                        let mut lengths = vec![0i64; want.lengths_len()];
                        layer
                            .pack_into(&batch, &opts, &mut dense, &mut lengths, None, None)
                            .unwrap();

                        let plan = layer.plan(&batch, &opts).unwrap();
                        drop(batch); // the plan copied what it needs
                        let planned = plan.tables().unwrap();
                        assert_eq!(planned.len(), 2, "the shared table once");
                        let rows: Vec<Vec<f32>> = planned
                            .iter()
                            .zip(tables)
                            .map(|(t, (table, d))| {
                                assert_eq!(t.dimension as usize, d);
                                assert!(t.ids.windows(2).all(|w| w[0] < w[1]));
                                t.ids
                                    .iter()
                                    .flat_map(|&id| table[id as usize * d..][..d].to_vec())
                                    .collect()
                            })
                            .collect();
                        for (t, (_, (_, d))) in planned.iter().zip(tables).enumerate() {
                            for row in rows[t].chunks(d) {
                                if norm(row) >= 1.0 {
                                    clipped += 1
                                } else {
                                    unclipped += 1
                                }
                            }
                        }
                        let views: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
                        let shape = plan.output_shape().unwrap();
                        assert_eq!(
                            (shape.batch, shape.steps, shape.depth),
                            (want.batch, want.steps, want.depth)
                        );
                        let mut got = vec![-7f32; want.dense_len()];
                        let mut got_lengths = vec![-7i64; want.lengths_len()];
                        plan.pack_into(&views, &mut got, &mut got_lengths, None, None)
                            .unwrap();
                        assert_eq!(bits(&got), bits(&dense));
                        assert_eq!(got_lengths, lengths);

                        let grad: Vec<f32> = (0..want.dense_len()).map(|_| rng.uniform()).collect();
                        let grad_shape = [want.batch, want.steps, want.depth];
                        let batch = input.batch();
                        let mut local = Gradients::new().unwrap();
                        layer
                            .backward(&batch, &opts, &grad, &grad_shape, &mut local)
                            .unwrap();
                        let through_plan = plan.backward(&views, &grad, &grad_shape).unwrap();
                        for (t, table) in planned.iter().enumerate() {
                            let d = table.dimension as usize;
                            let local = local
                                .tables()
                                .unwrap()
                                .into_iter()
                                .find(|g| g.table_name == table.table_name)
                                .unwrap();
                            assert!(local
                                .ids
                                .iter()
                                .all(|id| table.ids.binary_search(id).is_ok()));
                            for (u, id) in table.ids.iter().enumerate() {
                                let want = match local.ids.binary_search(id) {
                                    Ok(k) => local.rows[k * d..][..d].to_vec(),
                                    Err(_) => vec![0f32; d],
                                };
                                assert_eq!(bits(&through_plan[t][u * d..][..d]), bits(&want),
                                    "{combiner:?} weighted={weighted} max_norm={max_norm:?} table {} id {id}",
                                    table.table_name);
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(
        clipped > 0 && unclipped > 0,
        "clipped {clipped}, unclipped {unclipped}"
    );
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn bad_rows_and_buffers_are_errors_that_write_nothing() {
    let a = Column::identity("a", 10).build().unwrap();
    let ea = Column::embedding(&a, 4)
        .combiner(Combiner::Sum)
        .build()
        .unwrap();
    let layer = SequenceFeatures::new(&[&ea]).unwrap();
    let mut batch = Batch::new().unwrap();
    batch
        .add_ragged("a", &[0, 2, 3], Some(&[0, 2, 3, 4]), &[3i64, 5, 3, 5])
        .unwrap();
    let plan = layer.plan(&batch, &PackOptions::default()).unwrap();
    let table = plan.table(0).unwrap();
    assert_eq!(table.ids, &[3, 5]);
    assert_eq!(table.table_name, "a_embedding/embedding_weights");

    let rows = [1f32, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0];
    let mut dense = vec![-7f32; 2 * 2 * 4];
    let mut lengths = vec![-7i64; 2];
    assert_error(
        plan.pack_into(&[&rows[..4]], &mut dense, &mut lengths, None, None),
        ErrorCode::InvalidArgument,
        &["a_embedding/embedding_weights", "[2, 4]", "got [1, 4]"],
    );
    assert_error(
        plan.pack_into(&[&rows[..6]], &mut dense, &mut lengths, None, None),
        ErrorCode::InvalidArgument,
        &["a_embedding/embedding_weights", "6 values"],
    );
    assert_error(
        plan.pack_into(&[&rows, &rows], &mut dense, &mut lengths, None, None),
        ErrorCode::InvalidArgument,
        &["rows for 1 tables, got 2"],
    );
    assert!(dense.iter().all(|&x| x == -7.0) && lengths.iter().all(|&x| x == -7));
    plan.pack_into(&[&rows], &mut dense, &mut lengths, None, None)
        .unwrap();
    // Example 0: step 0 = rows of 3 and 5, step 1 = row of 3; example 1: row of 5.
    assert_eq!(
        dense,
        [11.0, 22.0, 33.0, 44.0, 1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0, 0.0, 0.0, 0.0, 0.0]
    );
    assert_eq!(lengths, [2, 1]);

    let grad: Vec<f32> = (0..16).map(|i| i as f32).collect();
    let mut out = vec![-7f32; 8];
    assert_error(
        plan.backward_into(&[&rows], &grad, &[2, 3, 4], &mut [&mut out[..]]),
        ErrorCode::InvalidArgument,
        &["grad has 16 values", "[2, 3, 4]"],
    );
    assert_error(
        plan.backward_into(&[&rows], &grad[..12], &[1, 3, 4], &mut [&mut out[..]]),
        ErrorCode::InvalidArgument,
        &["gradient has shape [1, 3, 4]", "[2, 2, 4]"],
    );
    assert_error(
        plan.backward_into(&[&rows], &grad, &[2, 2, 4], &mut [&mut out[..4]]),
        ErrorCode::InvalidArgument,
        &["gradient rows", "[2, 4]", "got [1, 4]"],
    );
    assert!(out.iter().all(|&x| x == -7.0));
    plan.backward_into(&[&rows], &grad, &[2, 2, 4], &mut [&mut out[..]])
        .unwrap();
    // id 3: example 0 steps 0 and 1 (grad rows 0 and 1); id 5: example 0 step 0, example 1
    // step 0 (grad rows 0 and 2).
    assert_eq!(out, [4.0, 6.0, 8.0, 10.0, 8.0, 10.0, 12.0, 14.0]);
    assert_eq!(
        plan.backward(&[&rows], &grad, &[2, 2, 4]).unwrap(),
        vec![out.clone()]
    );
}

#[test]
fn a_plan_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<seqfeat::Plan>();
}
