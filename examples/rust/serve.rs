//! Serving from Rust: loads the pipeline that examples/python/train_and_save.py trained and
//! saved (directory given as the first argument), tables memory-mapped read-only, and packs the
//! serving batch with the layer's saved call defaults. Prints every float as its IEEE-754 bits,
//! exactly as the Python, C and C++ versions do.

use seqfeat::{Batch, SequenceFeatures, TableStorage};

fn main() -> Result<(), seqfeat::Error> {
    let directory = std::env::args().nth(1).expect("usage: serve PIPELINE_DIRECTORY");
    let layer = SequenceFeatures::load(&directory, TableStorage::Mmap)?;
    let row_splits = [0i64, 3, 5];
    let items = [1i64, 3, 4, 0, 2];
    let prices = [1.5f32, 2.0, 0.25, 3.0, 0.5];
    let mut batch = Batch::new()?;
    batch.add_ragged("item", &row_splits, None, &items)?;
    batch.add_ragged_strings("colour", &row_splits, None, &["red", "blue", "pink", "green", "red"])?;
    batch.add_ragged("price", &row_splits, None, &prices)?;
    let out = layer.pack_with_defaults(&batch)?;

    let shape = out.dense.shape();
    let dense = out.dense.as_slice::<f32>()?;
    println!("shape: [{}, {}, {}]", shape[0], shape[1], shape[2]);
    let (steps, depth) = (shape[1] as usize, shape[2] as usize);
    for b in 0..shape[0] as usize {
        for t in 0..steps {
            let row = &dense[(b * steps + t) * depth..(b * steps + t + 1) * depth];
            let bits: Vec<String> = row.iter().map(|x| format!("{:08x}", x.to_bits())).collect();
            println!("{b} {t}: {}", bits.join(" "));
        }
    }
    let lengths = out.sequence_length.as_slice::<i64>()?;
    let lengths: Vec<String> = lengths.iter().map(|n| n.to_string()).collect();
    println!("sequence_length: [{}]", lengths.join(", "));
    Ok(())
}
