"""seqfeat: TensorFlow's sequence feature columns without TensorFlow (ctypes over libseqfeat).

    import seqfeat as sf   # instead of tf.feature_column / tf.keras.experimental

    rating  = sf.sequence_numeric_column('rating')
    watches = sf.sequence_categorical_column_with_identity('watches', num_buckets=1000)
    columns = [rating, sf.embedding_column(watches, dimension=10)]
    sequence_input, sequence_length = sf.SequenceFeatures(columns)(features)

Names, argument names, order and defaults are TF's. Inputs per feature key: SparseTensor,
RaggedTensor (or nested Python lists), or a dense numpy array. Outputs are numpy arrays.

Training: layer.backward(features, grad) gives the embedding tables' sparse gradients,
seqfeat.optimizers.SGD / Adagrad apply them; seqfeat.torch.SequenceFeatures is a
torch.nn.Module whose tables are parameters (imported on demand: `import seqfeat` never
imports torch).
"""

from . import data, normalizers, optimizers, ragged
from ._capi import lib as _lib
from ._columns import (
    CategoricalColumn,
    DenseColumn,
    EmbeddingColumn,
    FeatureColumn,
    HashedCategoricalColumn,
    IdentityCategoricalColumn,
    IndicatorColumn,
    NumericColumn,
    SequenceDenseColumn,
    SequenceNumericColumn,
    SharedEmbeddingColumn,
    VocabularyFileCategoricalColumn,
    VocabularyListCategoricalColumn,
    WeightedCategoricalColumn,
    categorical_column_with_hash_bucket,
    categorical_column_with_identity,
    categorical_column_with_vocabulary_file,
    categorical_column_with_vocabulary_list,
    embedding_column,
    indicator_column,
    numeric_column,
    sequence_categorical_column_with_hash_bucket,
    sequence_categorical_column_with_identity,
    sequence_categorical_column_with_vocabulary_file,
    sequence_categorical_column_with_vocabulary_list,
    sequence_numeric_column,
    shared_embeddings,
    weighted_categorical_column,
)
from ._dtypes import DType, as_dtype, float32, float64, int32, int64, string
from ._errors import InvalidArgumentError
from ._layer import (DenseFeatures, SequenceFeatures, concatenate_context_input,
                     sequence_input_layer)
from ._serialization import (deserialize_feature_column, load, load_optimizer,
                             serialize_feature_column)
from ._tensors import IdWeightPair, RaggedTensor, SparseTensor
from .data import make_parse_example_spec


def library_version() -> str:
    """The loaded libseqfeat's version string ("major.minor.patch")."""
    v = _lib.version_string()
    return v.decode("ascii") if isinstance(v, bytes) else str(v)


#: The version of the libseqfeat this package drives. The package and the library are released
#: together from one version, project(seqfeat VERSION ...) in CMakeLists.txt, which is also the
#: version pip records when the package is installed.
__version__: str = library_version()


def set_allocation_limit(num_bytes: int) -> None:
    """Sets the largest buffer one call may allocate for data sized by its inputs (an output,
    an embedding table, a vocabulary, scratch arrays); a call needing more raises MemoryError
    naming the bytes asked for. 0 restores the default (the machine's physical memory).
    Process-wide."""
    import ctypes
    from . import _capi, _errors
    status = _lib.set_limit(_capi.LIMIT_ALLOCATION_BYTES, ctypes.c_int64(int(num_bytes)))
    _errors.check(status, _errors.CONSTRUCTION)


def allocation_limit() -> int:
    """The current allocation limit in bytes (see set_allocation_limit)."""
    import ctypes
    from . import _capi, _errors
    out = ctypes.c_int64()
    _errors.check(_lib.get_limit(_capi.LIMIT_ALLOCATION_BYTES, ctypes.byref(out)),
                  _errors.CONSTRUCTION)
    return out.value


from ._dlpack import DLPackTensor  # noqa: E402


__all__ = [
    "CategoricalColumn", "DLPackTensor", "DType", "DenseColumn", "DenseFeatures",
    "EmbeddingColumn",
    "FeatureColumn",
    "HashedCategoricalColumn", "IdWeightPair", "IdentityCategoricalColumn", "IndicatorColumn",
    "InvalidArgumentError", "NumericColumn", "RaggedTensor", "SequenceDenseColumn",
    "SequenceFeatures", "SequenceNumericColumn", "SharedEmbeddingColumn", "SparseTensor",
    "VocabularyFileCategoricalColumn", "VocabularyListCategoricalColumn",
    "WeightedCategoricalColumn", "allocation_limit", "as_dtype", "categorical_column_with_hash_bucket",
    "categorical_column_with_identity", "categorical_column_with_vocabulary_file",
    "categorical_column_with_vocabulary_list", "concatenate_context_input", "data",
    "deserialize_feature_column", "embedding_column",
    "float32", "float64", "indicator_column", "int32", "int64", "library_version", "load",
    "load_optimizer", "make_parse_example_spec", "normalizers", "numeric_column", "optimizers", "ragged",
    "sequence_categorical_column_with_hash_bucket",
    "sequence_categorical_column_with_identity", "sequence_categorical_column_with_vocabulary_file",
    "sequence_categorical_column_with_vocabulary_list", "sequence_input_layer",
    "sequence_numeric_column", "serialize_feature_column", "set_allocation_limit",
    "shared_embeddings", "string", "weighted_categorical_column",
]
