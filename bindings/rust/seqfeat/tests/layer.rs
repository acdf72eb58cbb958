//! SequenceFeatures (compatibility.md §9, §14): sorting by name, packing into caller buffers
//! and owned tensors, masks, pack options, statistics, other input forms, threads and errors.

mod common;

use common::{assert_close, assert_error, assert_error_in, example_table, row};
use seqfeat::{
    concatenate_context_input, Batch, Column, ErrorCode, PackOptions, Padding, SequenceFeatures,
    Stat, Stats, Tensor,
};

const INDICES: [i64; 10] = [0, 0, 0, 1, 1, 0, 1, 1, 1, 2];
const DENSE_SHAPE: [i64; 2] = [2, 5];
const RATINGS: [f32; 5] = [3.0, 5.0, 1.0, 2.0, 3.0];
const WATCHES: [i64; 5] = [12, 34, 7, 7, 999];

struct Seed {
    layer: SequenceFeatures,
    table: Vec<f32>,
}

/// The seed example: rating (numeric) + watches identity(1000) through a 10-dim embedding.
fn seed() -> Seed {
    let table = example_table(1000, 10);
    let rating = Column::numeric("rating").build().unwrap();
    let watches = Column::identity("watches", 1000).build().unwrap();
    let embedding = Column::embedding(&watches, 10).initial_table(&table).build().unwrap();
    // Given in reverse order: the layer sorts by name.
    let layer = SequenceFeatures::new(&[&embedding, &rating]).unwrap();
    Seed { layer, table }
}

fn seed_batch() -> Batch<'static> {
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("rating", &INDICES, &DENSE_SHAPE, &RATINGS).unwrap();
    batch.add_sparse("watches", &INDICES, &DENSE_SHAPE, &WATCHES).unwrap();
    batch
}

/// The expected [2, 5, 11] output, written from the rules: [rating, E[id]] at present steps,
/// zeros in padding.
fn seed_expected(table: &[f32]) -> Vec<f32> {
    let mut expected = vec![0f32; 2 * 5 * 11];
    let steps = [(0, 0, 0), (0, 1, 1), (1, 0, 2), (1, 1, 3), (1, 2, 4)];
    for (b, t, entry) in steps {
        let at = (b * 5 + t) * 11;
        expected[at] = RATINGS[entry];
        expected[at + 1..at + 11].copy_from_slice(&row(table, 10, WATCHES[entry] as usize));
    }
    expected
}

#[test]
fn seed_example_values() {
    let seed = seed();
    let packed = seed.layer.pack(&seed_batch(), &PackOptions::default(), None).unwrap();
    assert_eq!(packed.dense.shape(), &[2, 5, 11]);
    assert_close(packed.dense.as_slice().unwrap(), &seed_expected(&seed.table));
    assert_eq!(packed.sequence_length.shape(), &[2]);
    assert_eq!(packed.sequence_length.as_slice::<i64>().unwrap(), &[2, 3]);
    assert!(packed.mask.is_none());
}

#[test]
fn columns_are_sorted_by_name() {
    let seed = seed();
    let layer = &seed.layer;
    assert_eq!(layer.num_columns(), 2);
    let names: Vec<String> = layer.columns().map(|c| c.name().to_owned()).collect();
    assert_eq!(names, vec!["rating", "watches_embedding"]);
    assert_eq!(layer.column_slice(0).unwrap(), (0, 1));
    assert_eq!(layer.column_slice(1).unwrap(), (1, 10));
    assert_eq!(layer.depth(), 11);
    assert!(layer.column(2).is_none());
    assert!(layer.column_slice(2).is_err());
}

#[test]
fn pack_into_caller_buffers_matches_pack() {
    let seed = seed();
    let batch = seed_batch();
    let opts = PackOptions::default();
    let shape = seed.layer.output_shape(&batch, &opts).unwrap();
    assert_eq!((shape.batch, shape.steps, shape.depth), (2, 5, 11));
    let mut dense = vec![-1f32; shape.dense_len()];
    let mut lengths = vec![-1i64; shape.lengths_len()];
    let mut mask = vec![9u8; shape.mask_len()];
    seed.layer
        .pack_into(&batch, &opts, &mut dense, &mut lengths, Some(&mut mask), None)
        .unwrap();
    assert_close(&dense, &seed_expected(&seed.table));
    assert_eq!(lengths, vec![2, 3]);
    assert_eq!(mask, vec![1, 1, 0, 0, 0, 1, 1, 1, 0, 0]);

    let packed = seed.layer.pack_with_mask(&batch, &opts, None).unwrap();
    assert_eq!(packed.dense.as_slice::<f32>().unwrap(), dense.as_slice());
    let mask_tensor = packed.mask.expect("mask");
    assert_eq!(mask_tensor.shape(), &[2, 5]);
    assert_eq!(mask_tensor.as_slice::<u8>().unwrap(), mask.as_slice());
    assert!(mask_tensor.as_slice::<f32>().is_err(), "dtype is checked");
}

#[test]
fn too_small_buffers_are_reported_and_left_untouched() {
    let seed = seed();
    let batch = seed_batch();
    let opts = PackOptions::default();
    let mut dense = vec![7f32; 109];
    let mut lengths = vec![7i64; 2];
    assert_error(
        seed.layer.pack_into(&batch, &opts, &mut dense, &mut lengths, None, None),
        ErrorCode::BufferTooSmall,
        &[],
    );
    assert!(dense.iter().all(|&v| v == 7.0));
    assert_eq!(lengths, vec![7, 7]);

    let mut dense = vec![7f32; 110];
    let mut short_lengths = vec![7i64; 1];
    assert_error(
        seed.layer.pack_into(&batch, &opts, &mut dense, &mut short_lengths, None, None),
        ErrorCode::BufferTooSmall,
        &[],
    );
    assert!(dense.iter().all(|&v| v == 7.0));
}

fn ratings_of(packed_dense: &Tensor) -> Vec<f32> {
    packed_dense.as_slice::<f32>().unwrap().chunks(11).map(|r| r[0]).collect()
}

#[test]
fn max_length_truncates_and_pads() {
    let seed = seed();
    let batch = seed_batch();

    // post truncation keeps the first steps: example 1 loses its third step.
    let mut stats = Stats::new().unwrap();
    let opts = PackOptions::new().max_length(2);
    let packed = seed.layer.pack(&batch, &opts, Some(&mut stats)).unwrap();
    assert_eq!(packed.dense.shape(), &[2, 2, 11]);
    assert_eq!(ratings_of(&packed.dense), vec![3.0, 5.0, 1.0, 2.0]);
    assert_eq!(packed.sequence_length.as_slice::<i64>().unwrap(), &[2, 2]);
    assert_eq!(stats.get_by_name("rating", Stat::StepsTruncated).unwrap(), 1);

    // pre truncation keeps the last steps of a too-long sequence.
    let opts = PackOptions::new().max_length(2).truncating(Padding::Pre);
    let packed = seed.layer.pack(&batch, &opts, None).unwrap();
    assert_eq!(ratings_of(&packed.dense), vec![3.0, 5.0, 2.0, 3.0]);
    let row_of_999 = &packed.dense.as_slice::<f32>().unwrap()[33..44];
    assert_close(&row_of_999[1..], &row(&seed.table, 10, 999));

    // pre padding puts the padding before each sequence.
    let opts = PackOptions::new().max_length(4).padding(Padding::Pre);
    let packed = seed.layer.pack_with_mask(&batch, &opts, None).unwrap();
    assert_eq!(packed.dense.shape(), &[2, 4, 11]);
    assert_eq!(ratings_of(&packed.dense), vec![0.0, 0.0, 3.0, 5.0, 0.0, 1.0, 2.0, 3.0]);
    assert_eq!(packed.mask.unwrap().as_slice::<u8>().unwrap(), &[0, 0, 1, 1, 0, 1, 1, 1]);
    assert_eq!(packed.sequence_length.as_slice::<i64>().unwrap(), &[2, 3]);

    // strict turns the silent truncation into an error.
    let opts = PackOptions::new().max_length(2).strict(true);
    assert_error_in(
        seed.layer.pack(&batch, &opts, None),
        &[ErrorCode::InvalidArgument, ErrorCode::OutOfRange],
        &[],
    );
}

#[test]
fn statistics_count_dropped_ids_oov_and_empty_examples() {
    let words = Column::vocabulary_list("words", &["a", "b"]).build().unwrap();
    let ids = Column::identity("ids", 4).build().unwrap();
    let words_embedding = Column::embedding(&words, 2).build().unwrap();
    let ids_indicator = Column::indicator(&ids).build().unwrap();
    let layer = SequenceFeatures::new(&[&words_embedding, &ids_indicator]).unwrap();
    // Three examples; the third is empty. words: a, zzz | b ; ids: -1, 2 | 9.
    let indices = [0, 0, 0, 1, 1, 0];
    let dense_shape = [3, 2];
    let id_values = [-1i64, 2, 9];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse_strings("words", &indices, &dense_shape, &["a", "zzz", "b"]).unwrap();
    batch.add_sparse("ids", &indices, &dense_shape, &id_values).unwrap();
    let mut stats = Stats::new().unwrap();
    let packed = layer.pack(&batch, &PackOptions::default(), Some(&mut stats)).unwrap();
    assert_eq!(packed.sequence_length.as_slice::<i64>().unwrap(), &[2, 1, 0]);
    assert_eq!(stats.num_columns(), 2);
    assert_eq!(stats.column_name(0), "ids_indicator");
    assert_eq!(stats.column_name(1), "words_embedding");
    assert_eq!(stats.get_by_name("ids_indicator", Stat::DroppedInvalid).unwrap(), 2);
    assert_eq!(stats.get_by_name("words_embedding", Stat::OovHits).unwrap(), 1);
    assert_eq!(stats.get_by_name("words_embedding", Stat::EmptyExamples).unwrap(), 1);
    assert_eq!(stats.get_by_name("ids_indicator", Stat::StepsTruncated).unwrap(), 0);
    assert!(stats.get_by_name("nope", Stat::OovHits).is_err());

    // strict: the invalid ids become an error naming the column.
    let strict = PackOptions::new().strict(true);
    assert_error_in(
        layer.pack(&batch, &strict, None),
        &[ErrorCode::InvalidArgument, ErrorCode::OutOfRange],
        &["ids_indicator"],
    );
}

#[test]
fn ragged_input_sets_steps_to_the_longest_row() {
    let seed = seed();
    let row_splits = [0i64, 2, 5];
    let mut batch = Batch::new().unwrap();
    batch.add_ragged("rating", &row_splits, None, &RATINGS).unwrap();
    batch.add_ragged("watches", &row_splits, None, &WATCHES).unwrap();
    let packed = seed.layer.pack(&batch, &PackOptions::default(), None).unwrap();
    assert_eq!(packed.dense.shape(), &[2, 3, 11]);
    assert_eq!(packed.sequence_length.as_slice::<i64>().unwrap(), &[2, 3]);
    let full = seed_expected(&seed.table);
    let expected: Vec<f32> = [0usize, 1, 2, 5, 6, 7]
        .iter()
        .flat_map(|&step| full[step * 11..step * 11 + 11].to_vec())
        .collect();
    assert_close(packed.dense.as_slice().unwrap(), &expected);
}

#[test]
fn ragged_multivalued_steps_are_combined() {
    // Example 0: steps {1, 2}, {4}; example 1: step {0}. Mean of rows of [2r, 2r + 1].
    let table = [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let ids = Column::identity("ids", 5).build().unwrap();
    let embedding = Column::embedding(&ids, 2).initial_table(&table).build().unwrap();
    let layer = SequenceFeatures::new(&[&embedding]).unwrap();
    let row_splits = [0i64, 2, 3];
    let step_splits = [0i64, 2, 3, 4];
    let values = [1i64, 2, 4, 0];
    let mut batch = Batch::new().unwrap();
    batch.add_ragged("ids", &row_splits, Some(&step_splits), &values).unwrap();
    let packed = layer.pack(&batch, &PackOptions::default(), None).unwrap();
    assert_eq!(packed.dense.shape(), &[2, 2, 2]);
    assert_close(packed.dense.as_slice().unwrap(), &[3.0, 4.0, 8.0, 9.0, 0.0, 1.0, 0.0, 0.0]);
    assert_eq!(packed.sequence_length.as_slice::<i64>().unwrap(), &[2, 1]);
}

#[test]
fn ragged_strings_and_dense_categorical_inputs() {
    let words = Column::vocabulary_list("w", &["x", "y", "z"]).build().unwrap();
    let indicator = Column::indicator(&words).build().unwrap();
    let layer = SequenceFeatures::new(&[&indicator]).unwrap();

    let row_splits = [0i64, 1, 3];
    let mut batch = Batch::new().unwrap();
    batch.add_ragged_strings("w", &row_splits, None, &["z", "x", "y"]).unwrap();
    let packed = layer.pack(&batch, &PackOptions::default(), None).unwrap();
    assert_eq!(packed.dense.shape(), &[2, 2, 3]);
    assert_eq!(
        packed.dense.as_slice::<f32>().unwrap(),
        &[0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    );
    assert_eq!(packed.sequence_length.as_slice::<i64>().unwrap(), &[1, 2]);

    // Dense strings: "" cells are dropped (compatibility.md §1.4); T = the dense shape's second axis.
    let shape = [2i64, 3];
    let mut batch = Batch::new().unwrap();
    batch.add_dense_strings("w", &shape, &["y", "", "", "x", "z", ""]).unwrap();
    let packed = layer.pack(&batch, &PackOptions::default(), None).unwrap();
    assert_eq!(packed.dense.shape(), &[2, 3, 3]);
    assert_eq!(packed.sequence_length.as_slice::<i64>().unwrap(), &[1, 2]);

    // Dense integers: -1 cells are dropped.
    let ids = Column::identity("ids", 3).build().unwrap();
    let ids_indicator = Column::indicator(&ids).build().unwrap();
    let layer = SequenceFeatures::new(&[&ids_indicator]).unwrap();
    let values = [2i64, 0, -1, 1, -1, -1];
    let mut batch = Batch::new().unwrap();
    batch.add_dense("ids", &shape, &values).unwrap();
    let packed = layer.pack(&batch, &PackOptions::default(), None).unwrap();
    assert_eq!(packed.sequence_length.as_slice::<i64>().unwrap(), &[2, 1]);
    assert_eq!(
        packed.dense.as_slice::<f32>().unwrap(),
        &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    );
}

#[test]
fn arrow_strings_are_viewed_without_copy() {
    let words = Column::vocabulary_list("w", &["x", "y"]).build().unwrap();
    let indicator = Column::indicator(&words).build().unwrap();
    let layer = SequenceFeatures::new(&[&indicator]).unwrap();
    let offsets = [0i64, 1, 2];
    let bytes = b"yx";
    let strings = seqfeat::Strings::new(&offsets, bytes).unwrap();
    let indices = [0i64, 0, 0, 1];
    let dense_shape = [1i64, 2];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse_strings_arrow("w", &indices, &dense_shape, strings).unwrap();
    let packed = layer.pack(&batch, &PackOptions::default(), None).unwrap();
    assert_eq!(packed.dense.as_slice::<f32>().unwrap(), &[0.0, 1.0, 1.0, 0.0]);
}

#[test]
fn string_views_are_viewed_without_copy() {
    let words = Column::vocabulary_list("w", &["x", "y"]).build().unwrap();
    let indicator = Column::indicator(&words).build().unwrap();
    let layer = SequenceFeatures::new(&[&indicator]).unwrap();
    let owned = [String::from("y"), String::from("x"), String::from("zz")];
    let views: Vec<seqfeat::StringView<'_>> =
        owned.iter().map(|s| seqfeat::StringView::new(s.as_str())).collect();
    let indices = [0i64, 0, 0, 1, 1, 0];
    let dense_shape = [2i64, 2];
    let row_splits = [0i64, 2, 3];
    let shape = [1i64, 3];
    let mut batch = Batch::new().unwrap();

    batch.add_sparse_string_views("w", &indices, &dense_shape, &views).unwrap();
    let packed = layer.pack(&batch, &PackOptions::default(), None).unwrap();
    assert_eq!(packed.dense.as_slice::<f32>().unwrap(), &[0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    assert_eq!(packed.sequence_length.as_slice::<i64>().unwrap(), &[2, 1]);

    batch.add_ragged_string_views("w", &row_splits, None, &views).unwrap();
    let ragged = layer.pack(&batch, &PackOptions::default(), None).unwrap();
    assert_eq!(ragged.dense.as_slice::<f32>().unwrap(), packed.dense.as_slice::<f32>().unwrap());

    batch.add_dense_string_views("w", &shape, &views).unwrap();
    let dense = layer.pack(&batch, &PackOptions::default(), None).unwrap();
    assert_eq!(dense.dense.as_slice::<f32>().unwrap(), &[0.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
    assert_eq!(format!("{:?}", views[2]), "\"zz\"");
}

#[test]
fn layer_construction_errors() {
    let empty: [&Column; 0] = [];
    assert_error(SequenceFeatures::new(&empty), ErrorCode::InvalidArgument, &["empty"]);

    let a = Column::numeric("a").build().unwrap();
    let a_again = Column::numeric("a").build().unwrap();
    assert_error(SequenceFeatures::new(&[&a, &a_again]), ErrorCode::InvalidArgument, &[
        "Duplicate",
    ]);

    let ids = Column::identity("ids", 3).build().unwrap();
    assert_error(SequenceFeatures::new(&[&ids]), ErrorCode::InvalidArgument, &["ids"]);
}

#[test]
fn layer_call_errors() {
    // An embedding over a non-sequence categorical column fails when called (TF's timing).
    let ids = Column::identity("ids", 3).sequence(false).build().unwrap();
    let embedding = Column::embedding(&ids, 2).build().unwrap();
    assert!(!embedding.is_sequence());
    let layer = SequenceFeatures::new(&[&embedding]).unwrap();
    let indices = [0i64, 0];
    let dense_shape = [1i64, 1];
    let values = [1i64];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("ids", &indices, &dense_shape, &values).unwrap();
    assert_error(
        layer.pack(&batch, &PackOptions::default(), None),
        ErrorCode::InvalidArgument,
        &["SequenceCategoricalColumn"],
    );

    // Sequence lengths must agree between columns.
    let seed = seed();
    let other_indices = [0i64, 0, 1, 0, 1, 1, 1, 2, 1, 3];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("rating", &INDICES, &DENSE_SHAPE, &RATINGS).unwrap();
    batch.add_sparse("watches", &other_indices, &DENSE_SHAPE, &WATCHES).unwrap();
    assert_error(seed.layer.pack(&batch, &PackOptions::default(), None), ErrorCode::InvalidArgument, &[]);

    // So must T (TF: "Dimensions of inputs should match").
    let wide = [2i64, 6];
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("rating", &INDICES, &DENSE_SHAPE, &RATINGS).unwrap();
    batch.add_sparse("watches", &INDICES, &wide, &WATCHES).unwrap();
    assert_error(seed.layer.pack(&batch, &PackOptions::default(), None), ErrorCode::InvalidArgument, &[]);

    // A missing feature names it.
    let mut batch = Batch::new().unwrap();
    batch.add_sparse("rating", &INDICES, &DENSE_SHAPE, &RATINGS).unwrap();
    assert_error(
        seed.layer.pack(&batch, &PackOptions::default(), None),
        ErrorCode::NotFound,
        &["watches"],
    );
}

#[test]
fn batch_clear_forgets_features() {
    let seed = seed();
    let mut batch = seed_batch();
    batch.clear();
    assert_error(seed.layer.pack(&batch, &PackOptions::default(), None), ErrorCode::NotFound, &[]);
    batch.add_sparse("rating", &INDICES, &DENSE_SHAPE, &RATINGS).unwrap();
    batch.add_sparse("watches", &INDICES, &DENSE_SHAPE, &WATCHES).unwrap();
    assert!(seed.layer.pack(&batch, &PackOptions::default(), None).is_ok());
}

#[test]
fn one_layer_shared_by_threads_gives_the_same_output() {
    let seed = seed();
    let expected = seed_expected(&seed.table);
    std::thread::scope(|scope| {
        for threads in [0, 1, 2, 4] {
            let layer = &seed.layer;
            let expected = &expected;
            scope.spawn(move || {
                let batch = seed_batch();
                let opts = PackOptions::new().num_threads(threads);
                for _ in 0..20 {
                    let packed = layer.pack(&batch, &opts, None).unwrap();
                    assert_close(packed.dense.as_slice().unwrap(), expected);
                }
            });
        }
    });
}

#[test]
fn columns_outlive_their_handles_inside_a_layer() {
    let layer = {
        let watches = Column::identity("watches", 1000).build().unwrap();
        let table = example_table(1000, 10);
        let embedding = Column::embedding(&watches, 10).initial_table(&table).build().unwrap();
        let rating = Column::numeric("rating").build().unwrap();
        SequenceFeatures::new(&[rating, embedding]).unwrap()
    };
    let packed = layer.pack(&seed_batch(), &PackOptions::default(), None).unwrap();
    assert_close(packed.dense.as_slice().unwrap(), &seed_expected(&example_table(1000, 10)));
}

#[test]
fn concatenate_context() {
    // out[b, t] = concat(sequence[b, t, :], context[b, :]).
    let context = [10.0f32, 11.0, 20.0, 21.0];
    let sequence = [1.0f32, 2.0, 3.0, 4.0];
    let out = concatenate_context_input(&context, 2, &sequence, 2, 2, 1).unwrap();
    assert_eq!(
        out,
        vec![1.0, 10.0, 11.0, 2.0, 10.0, 11.0, 3.0, 20.0, 21.0, 4.0, 20.0, 21.0]
    );
    assert_error(
        concatenate_context_input(&context, 3, &sequence, 2, 2, 1),
        ErrorCode::InvalidArgument,
        &["context"],
    );
}

/// Layout of DLPack's unversioned DLManagedTensor (dlpack.h <= 0.8), for this test only.
#[repr(C)]
struct DlTensor {
    data: *mut std::ffi::c_void,
    device_type: i32,
    device_id: i32,
    ndim: i32,
    dtype_code: u8,
    dtype_bits: u8,
    dtype_lanes: u16,
    shape: *mut i64,
    strides: *mut i64,
    byte_offset: u64,
}

#[repr(C)]
struct DlManagedTensor {
    dl_tensor: DlTensor,
    manager_ctx: *mut std::ffi::c_void,
    deleter: Option<unsafe extern "C" fn(*mut DlManagedTensor)>,
}

#[test]
fn dlpack_hand_off() {
    let seed = seed();
    let packed = seed.layer.pack(&seed_batch(), &PackOptions::default(), None).unwrap();
    let expected = packed.dense.to_vec::<f32>().unwrap();
    let managed = packed.dense.into_dlpack().unwrap().as_ptr().cast::<DlManagedTensor>();
    unsafe {
        let tensor = &(*managed).dl_tensor;
        assert_eq!(tensor.device_type, 1, "kDLCPU");
        assert_eq!(tensor.ndim, 3);
        assert_eq!((tensor.dtype_code, tensor.dtype_bits, tensor.dtype_lanes), (2, 32, 1));
        assert_eq!(std::slice::from_raw_parts(tensor.shape, 3), &[2, 5, 11]);
        let data = tensor.data.cast::<u8>().add(tensor.byte_offset as usize).cast::<f32>();
        assert_eq!(std::slice::from_raw_parts(data, 110), expected.as_slice());
        let deleter = (*managed).deleter.expect("deleter");
        deleter(managed);
    }
}
