//! The seed example: a numeric rating and watched-item ids through a 10-dim embedding,
//! packed into one [batch, steps, 11] tensor plus sequence lengths.
//!
//! Run with `cargo run --offline --example seed` in bindings/rust.

use seqfeat::{Batch, Column, PackOptions, SequenceFeatures};

/// The same deterministic table in every language: table[i][j] = (i % 100) * 0.01 + j * 0.001.
fn table(rows: usize, dimension: usize) -> Vec<f32> {
    let mut table = vec![0f32; rows * dimension];
    for i in 0..rows {
        for j in 0..dimension {
            table[i * dimension + j] = (i % 100) as f32 * 0.01 + j as f32 * 0.001;
        }
    }
    table
}

fn print_output(shape: &[i64], dense: &[f32], lengths: &[i64]) {
    let dims: Vec<String> = shape.iter().map(i64::to_string).collect();
    println!("shape: [{}]", dims.join(", "));
    let depth = shape[2] as usize;
    for row in dense.chunks(depth) {
        let values: Vec<String> = row.iter().map(|v| format!("{:.4}", f64::from(*v))).collect();
        println!("{}", values.join(" "));
    }
    let lengths: Vec<String> = lengths.iter().map(i64::to_string).collect();
    println!("sequence_length: [{}]", lengths.join(", "));
}

fn main() -> seqfeat::Result<()> {
    let embedding_table = table(1000, 10);
    let rating = Column::numeric("rating").build()?;
    let watches = Column::identity("watches", 1000).build()?;
    let watches_embedding =
        Column::embedding(&watches, 10).initial_table(&embedding_table).build()?;
    let layer = SequenceFeatures::new(&[&rating, &watches_embedding])?;

    let indices = [0i64, 0, 0, 1, 1, 0, 1, 1, 1, 2];
    let dense_shape = [2i64, 5];
    let ratings = [3.0f32, 5.0, 1.0, 2.0, 3.0];
    let watched = [12i64, 34, 7, 7, 999];
    let mut batch = Batch::new()?;
    batch.add_sparse("rating", &indices, &dense_shape, &ratings)?;
    batch.add_sparse("watches", &indices, &dense_shape, &watched)?;

    let packed = layer.pack(&batch, &PackOptions::default(), None)?;
    print_output(
        packed.dense.shape(),
        packed.dense.as_slice::<f32>()?,
        packed.sequence_length.as_slice::<i64>()?,
    );
    Ok(())
}
