//! A vocabulary file and a hashed string feature, each through an embedding with the mean
//! combiner; every step holds one or two values (a [batch, steps, 2] SparseTensor).
//!
//! Run with `cargo run --offline --example vocab_hash [path/to/vocab.txt]` in bindings/rust.

use seqfeat::{Batch, Column, Combiner, PackOptions, SequenceFeatures};

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
    let vocabulary_file = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../examples/data/vocab.txt").to_string()
    });

    // genre: 4 words from the file + 1 OOV bucket -> 5 rows; tags: 10 hash buckets.
    let genre = Column::vocabulary_file("genre", &vocabulary_file).num_oov_buckets(1).build()?;
    let tags = Column::hash_bucket("tags", 10).build()?;
    let genre_table = table(5, 3);
    let tags_table = table(10, 4);
    let genre_embedding = Column::embedding(&genre, 3)
        .combiner(Combiner::Mean)
        .initial_table(&genre_table)
        .build()?;
    let tags_embedding = Column::embedding(&tags, 4)
        .combiner(Combiner::Mean)
        .initial_table(&tags_table)
        .build()?;
    let layer = SequenceFeatures::new(&[&tags_embedding, &genre_embedding])?;

    let genre_indices = [
        0i64, 0, 0, 0, 0, 1, 0, 1, 0, // example 0: {comedy, drama}, {thriller}
        1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 2, 0, // example 1: {horror}, {documentary, comedy}, {drama}
    ];
    let genre_values = ["comedy", "drama", "thriller", "horror", "documentary", "comedy", "drama"];
    let tags_indices = [
        0i64, 0, 0, 0, 0, 1, 0, 1, 0, // example 0: {a, b}, {c}
        1, 0, 0, 1, 1, 0, 1, 2, 0, 1, 2, 1, // example 1: {d}, {a}, {b, d}
    ];
    let tags_values = ["a", "b", "c", "d", "a", "b", "d"];
    let dense_shape = [2i64, 3, 2];

    let mut batch = Batch::new()?;
    batch.add_sparse_strings("genre", &genre_indices, &dense_shape, &genre_values)?;
    batch.add_sparse_strings("tags", &tags_indices, &dense_shape, &tags_values)?;

    let packed = layer.pack(&batch, &PackOptions::default(), None)?;
    print_output(
        packed.dense.shape(),
        packed.dense.as_slice::<f32>()?,
        packed.sequence_length.as_slice::<i64>()?,
    );
    Ok(())
}
