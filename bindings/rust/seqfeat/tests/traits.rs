//! Thread-safety markers exactly as the header promises, and the error type.

use seqfeat::{
    Batch, Column, ColumnRef, DenseFeatures, Error, ErrorCode, SequenceFeatures, Stats, Tensor,
};

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>() {}

/// Resolves only if `T` is *not* Sync: with a Sync `T` both impls apply and the call is
/// ambiguous, which is a compile error.
trait NotSync<Marker> {
    fn check() {}
}
impl<T: ?Sized> NotSync<()> for T {}
struct IsSync;
impl<T: ?Sized + Sync> NotSync<IsSync> for T {}

#[test]
fn columns_and_layers_are_send_and_sync() {
    send_sync::<Column>();
    send_sync::<ColumnRef<'static>>();
    send_sync::<SequenceFeatures>();
    send_sync::<DenseFeatures>();
}

#[test]
fn batches_tensors_and_stats_are_send_only() {
    send::<Batch<'static>>();
    send::<Tensor>();
    send::<Stats>();
    <Batch<'static> as NotSync<_>>::check();
    <Tensor as NotSync<_>>::check();
    <Stats as NotSync<_>>::check();
}

#[test]
fn error_carries_code_status_and_message() {
    let error = Column::identity("ids", 0).build().unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidArgument);
    assert_eq!(error.status(), -1);
    assert!(error.message().contains("ids"), "{}", error.message());
    assert_eq!(error.to_string(), format!("invalid argument: {}", error.message()));
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(error.clone());
    assert_eq!(boxed.to_string(), error.to_string());

    for (status, code) in [
        (-1, ErrorCode::InvalidArgument),
        (-2, ErrorCode::OutOfRange),
        (-3, ErrorCode::DtypeMismatch),
        (-4, ErrorCode::BufferTooSmall),
        (-5, ErrorCode::NotFound),
        (-6, ErrorCode::Io),
        (-7, ErrorCode::OutOfMemory),
        (-8, ErrorCode::Internal),
        (-42, ErrorCode::Other(-42)),
    ] {
        assert_eq!(ErrorCode::from_status(status), Some(code));
        assert_eq!(code.status(), status);
        assert!(!code.description().is_empty());
    }
    assert_eq!(ErrorCode::from_status(0), None);
    assert_eq!(ErrorCode::NotFound.description(), "not found");
    let custom = Error::new(ErrorCode::Io, "disk");
    assert_eq!(custom.message(), "disk");
}

#[test]
fn version_matches_the_number() {
    let version = seqfeat::version();
    let parts: Vec<u32> = version.split('.').map(|p| p.parse().unwrap()).collect();
    assert_eq!(parts.len(), 3, "{version}");
    assert_eq!(seqfeat::version_number(), parts[0] * 10000 + parts[1] * 100 + parts[2]);
    assert_eq!(env!("CARGO_PKG_VERSION_MAJOR").parse::<u32>().unwrap(), parts[0]);
}
