//! Saving and loading a layer: the loaded layer packs the same bytes with copied and with
//! memory-mapped tables; mapped tables are read-only; columns are found by name.

use seqfeat::{Batch, Column, DenseFeatures, ErrorCode, PackOptions, SequenceFeatures, TableStorage};

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("seqfeat_rust_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn save_load_packs_the_same_bytes() {
    let ids = Column::identity("ids", 6).build().unwrap();
    let emb = Column::embedding(&ids, 4).seed(3).build().unwrap();
    let words = Column::vocabulary_list("words", &["a", "b"]).num_oov_buckets(1).build().unwrap();
    let ind = Column::indicator(&words).build().unwrap();
    let layer = SequenceFeatures::new(&[&emb, &ind]).unwrap();
    let mut batch = Batch::new().unwrap();
    batch.add_ragged("ids", &[0, 2, 3], None, &[1i64, 5, 2]).unwrap();
    batch.add_ragged_strings("words", &[0, 2, 3], None, &["a", "zz", "b"]).unwrap();
    let before = layer.pack(&batch, &PackOptions::new(), None).unwrap();

    let dir = temp_dir("layer");
    layer.save(&dir).unwrap();
    for storage in [TableStorage::Copy, TableStorage::Mmap] {
        let loaded = SequenceFeatures::load(&dir, storage).unwrap();
        assert_eq!(loaded.name(), "sequence_features");
        let after = loaded.pack_with_defaults(&batch).unwrap();
        assert_eq!(before.dense.as_slice::<f32>().unwrap(), after.dense.as_slice::<f32>().unwrap());
        let column = loaded.find_column("ids_embedding").unwrap();
        assert_eq!(column.table_get().unwrap(), emb.table_get().unwrap());
        assert_eq!(column.table_writable().unwrap(), storage == TableStorage::Copy);
        if storage == TableStorage::Mmap {
            let zeros = vec![0f32; 24];
            let owned = column.retain().unwrap();
            let err = unsafe { owned.table_set(&zeros) }.unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument);
            assert!(err.message().contains("read-only"), "{}", err.message());
            // Training it is refused with a clear error too.
            let mut sgd = seqfeat::Optimizer::sgd(0.1).unwrap();
            let err = sgd.apply_rows(&column, &[1], &[1.0; 4], 4).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument);
            assert!(err.message().contains("read-only"), "{}", err.message());
        }
        assert_eq!(loaded.find_column("nope").unwrap_err().code(), ErrorCode::NotFound);
    }
    // A SequenceFeatures artifact is not a DenseFeatures one.
    let err = DenseFeatures::load(&dir, TableStorage::Copy).unwrap_err();
    assert!(err.message().contains("SequenceFeatures"), "{}", err.message());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_directory_is_not_found() {
    let err = SequenceFeatures::load(temp_dir("missing"), TableStorage::Mmap).unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(err.message().contains("pipeline.json"), "{}", err.message());
}
