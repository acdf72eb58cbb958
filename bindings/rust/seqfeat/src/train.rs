//! Training: gradients of the embedding tables ([`SequenceFeatures::backward`]), the sparse
//! optimizers ([`Optimizer`]) and the fused [`SequenceFeatures::backward_apply`]. The math, the
//! reduction order and the thread rules are the C header's (see docs/training.md): an update
//! writes table rows in place, so it must not overlap a pack of the same table.

use std::ffi::CStr;
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::batch::Batch;
use crate::column::AsColumn;
use crate::error::{check, Error, Result};
use crate::features::{path_string, PackOptions, SequenceFeatures};
use crate::sys;

/// Reusable gradient buffers: each [`SequenceFeatures::backward`] overwrites them, and once
/// they have grown to a batch size a backward allocates nothing. `Send`, not `Sync`.
pub struct Gradients {
    raw: NonNull<sys::seqfeat_gradients>,
}

unsafe impl Send for Gradients {}

impl Drop for Gradients {
    fn drop(&mut self) {
        unsafe { sys::seqfeat_gradients_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Gradients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gradients").field("num_tables", &self.num_tables()).finish()
    }
}

/// The gradient of one table: sorted unique ids `[U]` and rows `[U, dimension]` (duplicates
/// summed), borrowed from the [`Gradients`].
#[derive(Debug, Clone, Copy)]
pub struct TableGradient<'a> {
    pub table_name: &'a str,
    pub ids: &'a [i64],
    pub rows: &'a [f32],
    pub dimension: i64,
}

impl Gradients {
    pub fn new() -> Result<Gradients> {
        let mut raw = ptr::null_mut();
        check(unsafe { sys::seqfeat_gradients_create(&mut raw) })?;
        NonNull::new(raw)
            .map(|raw| Gradients { raw })
            .ok_or_else(|| Error::invalid_argument("seqfeat_gradients_create returned NULL"))
    }

    /// Trainable tables of the last backward (layer order of their first column).
    pub fn num_tables(&self) -> usize {
        unsafe { sys::seqfeat_gradients_num_tables(self.raw.as_ptr()) }
    }

    pub fn table(&self, index: usize) -> Result<TableGradient<'_>> {
        let mut name = ptr::null();
        let mut ids = ptr::null();
        let mut rows = ptr::null();
        let (mut count, mut dimension) = (0i64, 0i64);
        check(unsafe {
            sys::seqfeat_gradients_table(
                self.raw.as_ptr(),
                index,
                &mut name,
                &mut ids,
                &mut rows,
                &mut count,
                &mut dimension,
            )
        })?;
        let count = count as usize;
        // SAFETY: the library keeps these alive until the next backward into self, which needs
        // &mut self and so cannot happen while the borrow lives.
        unsafe {
            Ok(TableGradient {
                table_name: CStr::from_ptr(name).to_str().unwrap_or(""),
                ids: if count == 0 { &[] } else { std::slice::from_raw_parts(ids, count) },
                rows: if count == 0 {
                    &[]
                } else {
                    std::slice::from_raw_parts(rows, count * dimension as usize)
                },
                dimension,
            })
        }
    }

    /// Every table's gradient.
    pub fn tables(&self) -> Result<Vec<TableGradient<'_>>> {
        (0..self.num_tables()).map(|i| self.table(i)).collect()
    }
}

impl SequenceFeatures {
    /// Gradient of every trainable table given `grad` = d loss / d dense with `grad_shape`,
    /// which must be exactly `[B, T, depth]` of the pack of this batch with these options.
    pub fn backward(
        &self,
        batch: &Batch<'_>,
        opts: &PackOptions,
        grad: &[f32],
        grad_shape: &[i64],
        out: &mut Gradients,
    ) -> Result<()> {
        check_len(grad, grad_shape)?;
        let raw_opts = opts.to_raw();
        check(unsafe {
            sys::seqfeat_features_backward(
                self.as_ptr(),
                batch.as_ptr(),
                &raw_opts,
                grad.as_ptr(),
                grad_shape.as_ptr(),
                grad_shape.len(),
                out.raw.as_ptr(),
            )
        })
    }

    /// Backward and optimizer update in one call that never stores the gradient.
    pub fn backward_apply(
        &self,
        batch: &Batch<'_>,
        opts: &PackOptions,
        grad: &[f32],
        grad_shape: &[i64],
        optimizer: &mut Optimizer,
    ) -> Result<()> {
        check_len(grad, grad_shape)?;
        let raw_opts = opts.to_raw();
        check(unsafe {
            sys::seqfeat_features_backward_apply(
                self.as_ptr(),
                batch.as_ptr(),
                &raw_opts,
                grad.as_ptr(),
                grad_shape.as_ptr(),
                grad_shape.len(),
                optimizer.raw.as_ptr(),
            )
        })
    }
}

// The slice must hold what the shape says (the library checks the shape against the batch).
pub(crate) fn check_len(grad: &[f32], shape: &[i64]) -> Result<()> {
    let want = shape.iter().try_fold(1i64, |acc, &d| if d < 0 { None } else { acc.checked_mul(d) });
    match want {
        Some(n) if n as usize == grad.len() => Ok(()),
        _ => Err(Error::invalid_argument(format!(
            "backward: grad has {} values but its shape {:?} needs {}",
            grad.len(),
            shape,
            want.map_or_else(|| "an impossible count".to_owned(), |n| n.to_string())
        ))),
    }
}

/// Which update an [`Optimizer`] applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptimizerKind {
    Sgd,
    Adagrad,
}

/// SGD or Adagrad with Keras' defaults and TF's sparse semantics (duplicates summed first),
/// applied in place to table rows. Owns Adagrad's accumulators. `Send`, not `Sync`.
pub struct Optimizer {
    raw: NonNull<sys::seqfeat_optimizer>,
}

unsafe impl Send for Optimizer {}

impl Drop for Optimizer {
    fn drop(&mut self) {
        unsafe { sys::seqfeat_optimizer_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Optimizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Optimizer")
            .field("kind", &self.kind())
            .field("learning_rate", &self.learning_rate())
            .finish()
    }
}

impl Optimizer {
    fn from_raw(raw: *mut sys::seqfeat_optimizer) -> Result<Optimizer> {
        NonNull::new(raw)
            .map(|raw| Optimizer { raw })
            .ok_or_else(|| Error::invalid_argument("optimizer creation returned NULL"))
    }

    /// SGD: `E[id] -= learning_rate * g` (Keras default learning rate 0.01).
    pub fn sgd(learning_rate: f32) -> Result<Optimizer> {
        let mut raw = ptr::null_mut();
        check(unsafe { sys::seqfeat_sgd_optimizer_create(learning_rate, &mut raw) })?;
        Optimizer::from_raw(raw)
    }

    /// Adagrad (Keras defaults: 0.001, 0.1, 1e-7).
    pub fn adagrad(
        learning_rate: f32,
        initial_accumulator_value: f32,
        epsilon: f32,
    ) -> Result<Optimizer> {
        let mut raw = ptr::null_mut();
        check(unsafe {
            sys::seqfeat_adagrad_optimizer_create(
                learning_rate,
                initial_accumulator_value,
                epsilon,
                &mut raw,
            )
        })?;
        Optimizer::from_raw(raw)
    }

    pub fn kind(&self) -> OptimizerKind {
        if unsafe { sys::seqfeat_optimizer_kind(self.raw.as_ptr()) } == sys::SEQFEAT_OPTIMIZER_SGD
        {
            OptimizerKind::Sgd
        } else {
            OptimizerKind::Adagrad
        }
    }

    pub fn learning_rate(&self) -> f32 {
        unsafe { sys::seqfeat_optimizer_learning_rate(self.raw.as_ptr()) }
    }

    pub fn set_learning_rate(&mut self, learning_rate: f32) -> Result<()> {
        check(unsafe { sys::seqfeat_optimizer_set_learning_rate(self.raw.as_ptr(), learning_rate) })
    }

    /// Applies every table gradient of a backward.
    pub fn apply(&mut self, gradients: &Gradients) -> Result<()> {
        check(unsafe { sys::seqfeat_optimizer_apply(self.raw.as_ptr(), gradients.raw.as_ptr()) })
    }

    /// Applies ids `[n]` (any order, duplicates summed) and rows `[n, dimension]` to the table of
    /// an embedding column; everything is checked before the table changes.
    pub fn apply_rows<C: AsColumn + ?Sized>(
        &mut self,
        column: &C,
        ids: &[i64],
        rows: &[f32],
        dimension: i64,
    ) -> Result<()> {
        if dimension < 1 || rows.len() != ids.len() * dimension as usize {
            return Err(Error::invalid_argument(format!(
                "apply_rows: {} ids need {} x {} row values, got {}",
                ids.len(),
                ids.len(),
                dimension,
                rows.len()
            )));
        }
        check(unsafe {
            sys::seqfeat_optimizer_apply_rows(
                self.raw.as_ptr(),
                column.as_column_ptr(),
                ids.as_ptr(),
                ids.len(),
                rows.as_ptr(),
                dimension,
            )
        })
    }

    /// Adagrad's accumulator of the column's table (`[rows * dimension]`).
    pub fn state<C: AsColumn + ?Sized>(&self, column: &C) -> Result<Vec<f32>> {
        let mut out = vec![0f32; table_size(column)?];
        check(unsafe {
            sys::seqfeat_optimizer_state_get(
                self.raw.as_ptr(),
                column.as_column_ptr(),
                out.as_mut_ptr(),
                out.len(),
            )
        })?;
        Ok(out)
    }

    /// `(initial_accumulator_value, epsilon)` of Adagrad; `(0, 0)` for SGD.
    pub fn hyper_parameters(&self) -> (f32, f32) {
        let (mut init, mut eps) = (0f32, 0f32);
        // Cannot fail: the handle is valid and NULL learning-rate output is allowed.
        let _ = unsafe {
            sys::seqfeat_optimizer_hyper_parameters(
                self.raw.as_ptr(),
                ptr::null_mut(),
                &mut init,
                &mut eps,
            )
        };
        (init, eps)
    }

    /// Writes `optimizer.safetensors` into `directory`: the kind, hyper-parameters and (Adagrad)
    /// the accumulator of every trainable table of `features`. Save the layer first
    /// ([`SequenceFeatures::save`] removes an earlier optimizer file).
    pub fn save(&self, features: &SequenceFeatures, directory: impl AsRef<Path>) -> Result<()> {
        let dir = path_string(directory.as_ref())?;
        check(unsafe {
            sys::seqfeat_optimizer_save(self.raw.as_ptr(), features.as_ptr(), dir.as_ptr())
        })
    }

    /// The optimizer saved in `directory` for `features` (the layer loaded from there), with
    /// its state restored: training continues exactly where it stopped.
    pub fn load(directory: impl AsRef<Path>, features: &SequenceFeatures) -> Result<Optimizer> {
        let dir = path_string(directory.as_ref())?;
        let mut raw = ptr::null_mut();
        check(unsafe { sys::seqfeat_optimizer_load(dir.as_ptr(), features.as_ptr(), &mut raw) })?;
        Optimizer::from_raw(raw)
    }

    pub fn set_state<C: AsColumn + ?Sized>(&mut self, column: &C, values: &[f32]) -> Result<()> {
        check(unsafe {
            sys::seqfeat_optimizer_state_set(
                self.raw.as_ptr(),
                column.as_column_ptr(),
                values.as_ptr(),
                values.len(),
            )
        })
    }
}

fn table_size<C: AsColumn + ?Sized>(column: &C) -> Result<usize> {
    let (mut rows, mut dimension) = (0i64, 0i64);
    check(unsafe {
        sys::seqfeat_column_table_shape(column.as_column_ptr(), &mut rows, &mut dimension)
    })?;
    Ok((rows * dimension) as usize)
}
