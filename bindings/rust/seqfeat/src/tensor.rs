//! Library-owned output tensors.

use std::ptr::NonNull;

use seqfeat_sys as sys;

use crate::dtype::{DType, Element};
use crate::error::{check, Error, ErrorCode, Result};

/// A dense, row-major tensor allocated by the library (64-byte aligned data). It belongs to one
/// thread at a time: `Send`, not `Sync`.
pub struct Tensor {
    raw: NonNull<sys::seqfeat_tensor>,
}

// SAFETY: the header allows handing a tensor to another thread (one thread at a time).
unsafe impl Send for Tensor {}

impl Drop for Tensor {
    fn drop(&mut self) {
        // SAFETY: we own the handle and free it exactly once.
        unsafe { sys::seqfeat_tensor_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tensor")
            .field("dtype", &self.dtype())
            .field("shape", &self.shape())
            .finish()
    }
}

impl Tensor {
    /// # Safety
    /// `raw` must be a tensor handle the caller owns.
    pub(crate) unsafe fn from_raw(raw: *mut sys::seqfeat_tensor) -> Result<Tensor> {
        NonNull::new(raw)
            .map(|raw| Tensor { raw })
            .ok_or_else(|| Error::new(ErrorCode::Internal, "library returned a NULL tensor"))
    }

    pub fn as_ptr(&self) -> *const sys::seqfeat_tensor {
        self.raw.as_ptr()
    }

    /// `None` for a dtype this crate does not know.
    pub fn dtype(&self) -> Option<DType> {
        DType::from_raw(unsafe { sys::seqfeat_tensor_dtype(self.as_ptr()) })
    }

    pub fn shape(&self) -> &[i64] {
        let ndim = unsafe { sys::seqfeat_tensor_ndim(self.as_ptr()) };
        let shape = unsafe { sys::seqfeat_tensor_shape(self.as_ptr()) };
        if ndim <= 0 || shape.is_null() {
            return &[];
        }
        // SAFETY: the library keeps shape[ndim] alive as long as the tensor.
        unsafe { std::slice::from_raw_parts(shape, ndim as usize) }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        unsafe { sys::seqfeat_tensor_size(self.as_ptr()) }.max(0) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements, if `T` is the tensor's dtype.
    pub fn as_slice<T: Element>(&self) -> Result<&[T]> {
        if self.dtype() != Some(T::DTYPE) {
            return Err(Error::new(
                ErrorCode::DtypeMismatch,
                format!("tensor has dtype {:?}, asked for {:?}", self.dtype(), T::DTYPE),
            ));
        }
        let len = self.len();
        let data = unsafe { sys::seqfeat_tensor_data(self.as_ptr()) };
        if len == 0 || data.is_null() {
            return Ok(&[]);
        }
        // SAFETY: data holds len elements of T (checked dtype), aligned, alive with self.
        Ok(unsafe { std::slice::from_raw_parts(data.cast::<T>(), len) })
    }

    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        self.as_slice().map(<[T]>::to_vec)
    }

    /// Moves the tensor into a DLPack `DLManagedTensor` (CPU, unversioned). The consumer must
    /// call its `deleter` exactly once. On failure the tensor is freed.
    pub fn into_dlpack(self) -> Result<NonNull<sys::DLManagedTensor>> {
        let mut raw = self.raw.as_ptr();
        let mut out = std::ptr::null_mut();
        let status = unsafe { sys::seqfeat_tensor_to_dlpack(&mut raw, &mut out) };
        check(status)?;
        // Ownership moved into the DLManagedTensor.
        std::mem::forget(self);
        NonNull::new(out)
            .ok_or_else(|| Error::new(ErrorCode::Internal, "library returned a NULL DLPack tensor"))
    }
}
