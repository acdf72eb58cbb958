//! Input batches: zero-copy views of the caller's buffers, keyed by feature name.

use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use seqfeat_sys as sys;

use crate::dtype::InputElement;
use crate::error::{check, Error, ErrorCode, Result};
use crate::strings::{c_string, StringBuffer, StringView, Strings};

/// The features of one call, keyed by name. The batch keeps *views* of the slices it is given
/// (no copy), so it borrows them for `'a`: it cannot outlive them, and they cannot be changed
/// while it lives. Strings given as `&[S]` are the one exception: they are copied into storage
/// the batch owns (use the `*_arrow` variants with [`Strings`] or the `*_string_views` variants
/// with [`StringView`]s to avoid the copy).
///
/// A batch belongs to one thread at a time: it is `Send` but not `Sync`.
pub struct Batch<'a> {
    raw: NonNull<sys::seqfeat_batch>,
    owned_strings: Vec<StringBuffer>,
    _views: PhantomData<&'a [u8]>,
}

// SAFETY: the header allows moving a batch between threads (one thread at a time); the views it
// holds are shared borrows of plain numbers and bytes, which are Sync.
unsafe impl Send for Batch<'_> {}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        // SAFETY: we own the handle and free it exactly once.
        unsafe { sys::seqfeat_batch_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch").finish_non_exhaustive()
    }
}

fn dims_product(what: &str, key: &str, shape: &[i64]) -> Result<usize> {
    shape.iter().try_fold(1usize, |acc, &d| {
        let d = usize::try_from(d).map_err(|_| {
            Error::invalid_argument(format!("feature {key}: {what} has a negative dimension {d}"))
        })?;
        acc.checked_mul(d).ok_or_else(|| {
            Error::invalid_argument(format!("feature {key}: {what} {shape:?} is too large"))
        })
    })
}

fn check_splits(key: &str, what: &str, splits: &[i64], limit: usize, limit_name: &str) -> Result<()> {
    let Some(&first) = splits.first() else {
        return Err(Error::invalid_argument(format!(
            "feature {key}: {what} must have at least one entry"
        )));
    };
    if first != 0 {
        return Err(Error::invalid_argument(format!(
            "feature {key}: {what}[0] must be 0, got {first}"
        )));
    }
    if let Some(i) = splits.windows(2).position(|w| w[1] < w[0]) {
        return Err(Error::invalid_argument(format!(
            "feature {key}: {what} must be non-decreasing: {what}[{}] = {} > {what}[{}] = {}",
            i,
            splits[i],
            i + 1,
            splits[i + 1]
        )));
    }
    let last = splits[splits.len() - 1];
    if last as u64 > limit as u64 {
        return Err(Error::invalid_argument(format!(
            "feature {key}: {what} ends at {last} but there are only {limit} {limit_name}"
        )));
    }
    Ok(())
}

fn check_sparse(key: &str, indices: &[i64], dense_shape: &[i64], num_entries: usize) -> Result<()> {
    let expected = num_entries.checked_mul(dense_shape.len());
    if expected != Some(indices.len()) {
        return Err(Error::invalid_argument(format!(
            "feature {key}: indices has {} values, expected num_entries * rank = {} * {}",
            indices.len(),
            num_entries,
            dense_shape.len()
        )));
    }
    Ok(())
}

impl<'a> Batch<'a> {
    pub fn new() -> Result<Batch<'a>> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::seqfeat_batch_create(&mut out) })?;
        NonNull::new(out)
            .map(|raw| Batch { raw, owned_strings: Vec::new(), _views: PhantomData })
            .ok_or_else(|| Error::new(ErrorCode::Internal, "library returned a NULL batch"))
    }

    pub fn as_ptr(&self) -> *const sys::seqfeat_batch {
        self.raw.as_ptr()
    }

    /// Forgets every feature (and the strings the batch copied).
    pub fn clear(&mut self) {
        // SAFETY: live handle; after this the library holds no view.
        unsafe { sys::seqfeat_batch_clear(self.raw.as_ptr()) };
        self.owned_strings.clear();
    }

    fn keep(&mut self, values: StringBuffer) -> Strings<'a> {
        self.owned_strings.push(values);
        let view = self.owned_strings.last().expect("just pushed").view();
        // SAFETY: the offsets and bytes live in heap buffers that do not move when
        // owned_strings grows and are dropped only by clear() or drop, after which the library
        // holds no view of them any more.
        unsafe { std::mem::transmute::<Strings<'_>, Strings<'a>>(view) }
    }

    /// A COO SparseTensor: `indices` `[N, R]` row-major, `dense_shape` `[R]`, `values` `[N]`.
    /// Rank 1 is read as `[N, 1]`.
    pub fn add_sparse<T: InputElement>(
        &mut self,
        key: &str,
        indices: &'a [i64],
        dense_shape: &'a [i64],
        values: &'a [T],
    ) -> Result<()> {
        check_sparse(key, indices, dense_shape, values.len())?;
        let ckey = c_string("feature key", key)?;
        check(unsafe {
            sys::seqfeat_batch_add_sparse(
                self.raw.as_ptr(),
                ckey.as_ptr(),
                indices.as_ptr(),
                values.len() as i64,
                dense_shape.len() as i64,
                dense_shape.as_ptr(),
                T::DTYPE.to_raw(),
                values.as_ptr().cast(),
            )
        })
    }

    /// A COO SparseTensor of strings, viewed without copying.
    pub fn add_sparse_strings_arrow(
        &mut self,
        key: &str,
        indices: &'a [i64],
        dense_shape: &'a [i64],
        values: Strings<'a>,
    ) -> Result<()> {
        check_sparse(key, indices, dense_shape, values.len())?;
        let ckey = c_string("feature key", key)?;
        check(unsafe {
            sys::seqfeat_batch_add_sparse_strings(
                self.raw.as_ptr(),
                ckey.as_ptr(),
                indices.as_ptr(),
                values.len() as i64,
                dense_shape.len() as i64,
                dense_shape.as_ptr(),
                values.offsets_ptr(),
                values.bytes_ptr(),
            )
        })
    }

    /// A COO SparseTensor of strings (`&str`, `String`, `&[u8]`, ...), copied into the batch.
    pub fn add_sparse_strings<S: AsRef<[u8]>>(
        &mut self,
        key: &str,
        indices: &'a [i64],
        dense_shape: &'a [i64],
        values: &[S],
    ) -> Result<()> {
        check_sparse(key, indices, dense_shape, values.len())?;
        let strings = self.keep(StringBuffer::from_values(values));
        self.add_sparse_strings_arrow(key, indices, dense_shape, strings)
    }

    /// A COO SparseTensor of strings given as `(pointer, length)` views (zero-copy).
    pub fn add_sparse_string_views(
        &mut self,
        key: &str,
        indices: &'a [i64],
        dense_shape: &'a [i64],
        values: &'a [StringView<'a>],
    ) -> Result<()> {
        check_sparse(key, indices, dense_shape, values.len())?;
        let ckey = c_string("feature key", key)?;
        check(unsafe {
            sys::seqfeat_batch_add_sparse_string_views(
                self.raw.as_ptr(),
                ckey.as_ptr(),
                indices.as_ptr(),
                values.len() as i64,
                dense_shape.len() as i64,
                dense_shape.as_ptr(),
                values.as_ptr().cast(),
            )
        })
    }

    /// A dense tensor `[B, T]` or `[B, T, K]`; categorical columns drop -1 cells, weight
    /// columns 0.0 cells, numeric columns take every cell.
    pub fn add_dense<T: InputElement>(
        &mut self,
        key: &str,
        shape: &'a [i64],
        values: &'a [T],
    ) -> Result<()> {
        let count = dims_product("shape", key, shape)?;
        if count != values.len() {
            return Err(Error::invalid_argument(format!(
                "feature {key}: shape {shape:?} needs {count} values, got {}",
                values.len()
            )));
        }
        let ckey = c_string("feature key", key)?;
        check(unsafe {
            sys::seqfeat_batch_add_dense(
                self.raw.as_ptr(),
                ckey.as_ptr(),
                shape.as_ptr(),
                shape.len() as i64,
                T::DTYPE.to_raw(),
                values.as_ptr().cast(),
            )
        })
    }

    /// A dense tensor of strings viewed without copying; "" cells are dropped.
    pub fn add_dense_strings_arrow(
        &mut self,
        key: &str,
        shape: &'a [i64],
        values: Strings<'a>,
    ) -> Result<()> {
        let count = dims_product("shape", key, shape)?;
        if count != values.len() {
            return Err(Error::invalid_argument(format!(
                "feature {key}: shape {shape:?} needs {count} strings, got {}",
                values.len()
            )));
        }
        let ckey = c_string("feature key", key)?;
        check(unsafe {
            sys::seqfeat_batch_add_dense_strings(
                self.raw.as_ptr(),
                ckey.as_ptr(),
                shape.as_ptr(),
                shape.len() as i64,
                values.offsets_ptr(),
                values.bytes_ptr(),
            )
        })
    }

    /// A dense tensor of strings given as `(pointer, length)` views (zero-copy).
    pub fn add_dense_string_views(
        &mut self,
        key: &str,
        shape: &'a [i64],
        values: &'a [StringView<'a>],
    ) -> Result<()> {
        let count = dims_product("shape", key, shape)?;
        if count != values.len() {
            return Err(Error::invalid_argument(format!(
                "feature {key}: shape {shape:?} needs {count} strings, got {}",
                values.len()
            )));
        }
        let ckey = c_string("feature key", key)?;
        check(unsafe {
            sys::seqfeat_batch_add_dense_string_views(
                self.raw.as_ptr(),
                ckey.as_ptr(),
                shape.as_ptr(),
                shape.len() as i64,
                values.as_ptr().cast(),
            )
        })
    }

    /// A dense tensor of strings, copied into the batch; "" cells are dropped.
    pub fn add_dense_strings<S: AsRef<[u8]>>(
        &mut self,
        key: &str,
        shape: &'a [i64],
        values: &[S],
    ) -> Result<()> {
        let strings = self.keep(StringBuffer::from_values(values));
        self.add_dense_strings_arrow(key, shape, strings)
    }

    /// Ragged input (Arrow `List<List<T>>` / TF RaggedTensor): `row_splits` `[B + 1]` over steps,
    /// `step_splits` `[num_steps + 1]` over values or `None` for one value per step.
    pub fn add_ragged<T: InputElement>(
        &mut self,
        key: &str,
        row_splits: &'a [i64],
        step_splits: Option<&'a [i64]>,
        values: &'a [T],
    ) -> Result<()> {
        let (num_steps, step_ptr) = self.check_ragged(key, row_splits, step_splits, values.len())?;
        let ckey = c_string("feature key", key)?;
        check(unsafe {
            sys::seqfeat_batch_add_ragged(
                self.raw.as_ptr(),
                ckey.as_ptr(),
                row_splits.len() as i64 - 1,
                row_splits.as_ptr(),
                num_steps,
                step_ptr,
                T::DTYPE.to_raw(),
                values.as_ptr().cast(),
                values.len() as i64,
            )
        })
    }

    /// Ragged strings viewed without copying.
    pub fn add_ragged_strings_arrow(
        &mut self,
        key: &str,
        row_splits: &'a [i64],
        step_splits: Option<&'a [i64]>,
        values: Strings<'a>,
    ) -> Result<()> {
        let (num_steps, step_ptr) = self.check_ragged(key, row_splits, step_splits, values.len())?;
        let ckey = c_string("feature key", key)?;
        check(unsafe {
            sys::seqfeat_batch_add_ragged_strings(
                self.raw.as_ptr(),
                ckey.as_ptr(),
                row_splits.len() as i64 - 1,
                row_splits.as_ptr(),
                num_steps,
                step_ptr,
                values.offsets_ptr(),
                values.bytes_ptr(),
                values.len() as i64,
            )
        })
    }

    /// Ragged strings given as `(pointer, length)` views (zero-copy).
    pub fn add_ragged_string_views(
        &mut self,
        key: &str,
        row_splits: &'a [i64],
        step_splits: Option<&'a [i64]>,
        values: &'a [StringView<'a>],
    ) -> Result<()> {
        let (num_steps, step_ptr) = self.check_ragged(key, row_splits, step_splits, values.len())?;
        let ckey = c_string("feature key", key)?;
        check(unsafe {
            sys::seqfeat_batch_add_ragged_string_views(
                self.raw.as_ptr(),
                ckey.as_ptr(),
                row_splits.len() as i64 - 1,
                row_splits.as_ptr(),
                num_steps,
                step_ptr,
                values.as_ptr().cast(),
                values.len() as i64,
            )
        })
    }

    /// Ragged strings, copied into the batch.
    pub fn add_ragged_strings<S: AsRef<[u8]>>(
        &mut self,
        key: &str,
        row_splits: &'a [i64],
        step_splits: Option<&'a [i64]>,
        values: &[S],
    ) -> Result<()> {
        let strings = self.keep(StringBuffer::from_values(values));
        self.add_ragged_strings_arrow(key, row_splits, step_splits, strings)
    }

    /// Checks that the library will read only inside the given slices.
    fn check_ragged(
        &self,
        key: &str,
        row_splits: &[i64],
        step_splits: Option<&[i64]>,
        num_values: usize,
    ) -> Result<(i64, *const i64)> {
        match step_splits {
            Some(steps) => {
                let num_steps = steps.len().saturating_sub(1);
                check_splits(key, "row_splits", row_splits, num_steps, "steps")?;
                check_splits(key, "step_splits", steps, num_values, "values")?;
                Ok((num_steps as i64, steps.as_ptr()))
            }
            None => {
                check_splits(key, "row_splits", row_splits, num_values, "values")?;
                Ok((0, ptr::null()))
            }
        }
    }
}
