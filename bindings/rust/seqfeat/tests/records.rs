//! TFRecord reading from Rust: records written with RecordWriter (protobuf encoded by hand
//! below), read back in order over several files and batch sizes, packed like the same data
//! given as ragged slices, and errors.

use seqfeat::{
    Batch, Column, Compression, DType, ErrorCode, FeatureKind, PackOptions, ParseSpec,
    ReaderOptions, RecordReader, RecordWriter, SequenceFeatures,
};

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn len_field(field: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(field << 3 | 2, &mut out);
    varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

fn int64_feature(values: &[i64]) -> Vec<u8> {
    let mut packed = Vec::new();
    for &v in values {
        varint(v as u64, &mut packed);
    }
    len_field(3, &len_field(1, &packed))
}

fn entry(key: &str, value: &[u8]) -> Vec<u8> {
    let mut e = len_field(1, key.as_bytes());
    e.extend(len_field(2, value));
    len_field(1, &e)
}

/// SequenceExample with context "n" = [i] and feature list "ids" of i % 3 steps [i, s].
fn record(i: i64) -> Vec<u8> {
    let mut steps = Vec::new();
    for s in 0..i % 3 {
        steps.extend(len_field(1, &int64_feature(&[i, s])));
    }
    let mut out = len_field(1, &entry("n", &int64_feature(&[i])));
    out.extend(len_field(2, &entry("ids", &steps)));
    out
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("seqfeat_rust_{name}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn reads_every_record_once_in_order_and_packs_like_ragged_slices() {
    let dir = temp_dir("order");
    let mut files = Vec::new();
    let mut i = 0i64;
    for (part, n) in [5, 0, 8].into_iter().enumerate() {
        let path = dir.join(format!("part{part}.tfrecord.gz"));
        let mut w = RecordWriter::create(&path, Compression::Gzip).unwrap();
        for _ in 0..n {
            w.write(&record(i)).unwrap();
            i += 1;
        }
        w.close().unwrap();
        files.push(path);
    }
    let ids = Column::identity("ids", 100).build().unwrap();
    let emb = Column::embedding(&ids, 3).build().unwrap();
    let layer = SequenceFeatures::new(&[&emb]).unwrap();
    let mut spec = ParseSpec::from_columns(&[&emb]).unwrap();
    spec.var_len("n", DType::Int64, false).unwrap();
    let features = spec.features().unwrap();
    assert_eq!(features.len(), 2);
    assert_eq!((features[0].key.as_str(), features[0].kind), ("n", FeatureKind::VarLen));
    assert_eq!((features[1].key.as_str(), features[1].sequence), ("ids", true));

    for threads in [1, 2] {
        let opts = ReaderOptions { compression: Compression::Gzip, num_threads: threads,
                                   ..Default::default() };
        let reader = RecordReader::open(&files, &spec, &opts).unwrap();
        let mut seen = Vec::new();
        for batch in reader.batches(3) {
            let batch = batch.unwrap();
            let n = batch.feature("n").unwrap();
            seen.extend_from_slice(n.int64s().unwrap());
            let view = batch.feature("ids").unwrap();
            let row_splits = view.row_splits().unwrap().to_vec();
            let step_splits = view.step_splits().unwrap().to_vec();
            let values = view.int64s().unwrap().to_vec();
            for (b, &rec) in n.int64s().unwrap().iter().enumerate() {
                let steps = (row_splits[b + 1] - row_splits[b]) as i64;
                assert_eq!(steps, rec % 3);
                for s in row_splits[b]..row_splits[b + 1] {
                    let v0 = step_splits[s as usize] as usize;
                    assert_eq!(&values[v0..v0 + 2], &[rec, s - row_splits[b]]);
                }
            }
            let mut manual = Batch::new().unwrap();
            manual.add_ragged("ids", &row_splits, Some(&step_splits), &values).unwrap();
            let a = layer.pack(batch.features(), &PackOptions::default(), None).unwrap();
            let b = layer.pack(&manual, &PackOptions::default(), None).unwrap();
            assert_eq!(a.dense.as_slice::<f32>().unwrap(), b.dense.as_slice::<f32>().unwrap());
            assert_eq!(a.sequence_length.as_slice::<i64>().unwrap(),
                       b.sequence_length.as_slice::<i64>().unwrap());
        }
        assert_eq!(seen, (0..13).collect::<Vec<i64>>());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corrupt_and_missing_files_are_errors() {
    let dir = temp_dir("errors");
    let path = dir.join("r.tfrecord");
    let mut w = RecordWriter::create(&path, Compression::None).unwrap();
    w.write(&record(1)).unwrap();
    w.write(&record(2)).unwrap();
    w.close().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff; // data CRC of record 1
    std::fs::write(&path, &bytes).unwrap();
    let mut spec = ParseSpec::new().unwrap();
    spec.var_len("ids", DType::Int64, true).unwrap();
    let mut reader = RecordReader::open(&[&path], &spec, &ReaderOptions::default()).unwrap();
    let err = reader.next_batch(10).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Io);
    assert!(err.message().contains("record 1: corrupted record"), "{}", err.message());

    let opts = ReaderOptions { skip_corrupt: true, ..Default::default() };
    let mut reader = RecordReader::open(&[&path], &spec, &opts).unwrap();
    assert_eq!(reader.next_batch(10).unwrap().unwrap().len(), 1);
    assert!(reader.next_batch(10).unwrap().is_none());
    assert_eq!(reader.skipped().unwrap(), 1);

    let err = RecordReader::open(&[dir.join("missing")], &spec, &ReaderOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    std::fs::remove_dir_all(&dir).unwrap();
}
