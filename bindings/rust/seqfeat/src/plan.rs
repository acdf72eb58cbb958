//! The plan / pack split, for embedding tables that live elsewhere (row-sharded over processes,
//! a parameter server, a cache): [`SequenceFeatures::plan`] lists the sorted unique ids each
//! table needs, the caller fetches those rows, [`Plan::pack_into`] packs from them —
//! bit-identical to packing from the tables — and [`Plan::backward`] returns the gradient rows
//! in the same order, to be routed back. The math and guarantees are the C header's
//! (`seqfeat_plan_*`) and docs/scale-out.md's.

use std::ffi::CStr;
use std::ptr::{self, NonNull};

use crate::batch::Batch;
use crate::error::{check, Error, Result};
use crate::features::{OutputShape, PackOptions, SequenceFeatures};
use crate::stats::Stats;
use crate::sys;

/// One planned batch. It copied what it needs from the batch and keeps the layer alive; it is
/// immutable, so `Send + Sync`: any number of threads may pack from it and run its backward.
pub struct Plan {
    raw: NonNull<sys::seqfeat_plan>,
}

unsafe impl Send for Plan {}
unsafe impl Sync for Plan {}

impl Drop for Plan {
    fn drop(&mut self) {
        unsafe { sys::seqfeat_plan_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("num_tables", &self.num_tables())
            .finish()
    }
}

/// One table of a plan: its name, the sorted unique ids `[U]` the pack reads and the row width.
#[derive(Debug, Clone, Copy)]
pub struct PlannedTable<'a> {
    pub table_name: &'a str,
    pub ids: &'a [i64],
    pub dimension: i64,
}

impl SequenceFeatures {
    /// Plans a batch: validates it as a pack with these options would and records the ids each
    /// embedding table needs. The batch may be dropped afterwards.
    pub fn plan(&self, batch: &Batch<'_>, opts: &PackOptions) -> Result<Plan> {
        let raw_opts = opts.to_raw();
        let mut raw = ptr::null_mut();
        check(unsafe {
            sys::seqfeat_features_plan(self.as_ptr(), batch.as_ptr(), &raw_opts, &mut raw)
        })?;
        NonNull::new(raw)
            .map(|raw| Plan { raw })
            .ok_or_else(|| Error::invalid_argument("seqfeat_features_plan returned NULL"))
    }
}

impl Plan {
    /// Distinct embedding tables (shared tables once), in the layer's order of first use.
    pub fn num_tables(&self) -> usize {
        unsafe { sys::seqfeat_plan_num_tables(self.raw.as_ptr()) }
    }

    pub fn table(&self, index: usize) -> Result<PlannedTable<'_>> {
        let mut name = ptr::null();
        let mut ids = ptr::null();
        let (mut count, mut dimension) = (0i64, 0i64);
        check(unsafe {
            sys::seqfeat_plan_table(
                self.raw.as_ptr(),
                index,
                &mut name,
                &mut ids,
                &mut count,
                &mut dimension,
            )
        })?;
        let count = count as usize;
        // SAFETY: the plan owns these and never changes them; they live as long as self.
        unsafe {
            Ok(PlannedTable {
                table_name: CStr::from_ptr(name).to_str().unwrap_or(""),
                ids: if count == 0 {
                    &[]
                } else {
                    std::slice::from_raw_parts(ids, count)
                },
                dimension,
            })
        }
    }

    /// Every table of the plan.
    pub fn tables(&self) -> Result<Vec<PlannedTable<'_>>> {
        (0..self.num_tables()).map(|i| self.table(i)).collect()
    }

    /// `[B, T, depth]` of the planned batch.
    pub fn output_shape(&self) -> Result<OutputShape> {
        let (mut b, mut t, mut d) = (0i64, 0i64, 0i64);
        check(unsafe {
            sys::seqfeat_plan_output_shape(self.raw.as_ptr(), &mut b, &mut t, &mut d)
        })?;
        Ok(OutputShape {
            batch: b,
            steps: t,
            depth: d,
        })
    }

    /// Packs from `rows[t]` = the rows of `table(t).ids`, `[U, D]` row-major, one slice per
    /// table: bit-identical to [`SequenceFeatures::pack_into`] on tables holding those rows.
    /// Wrong table counts or sizes are errors naming the table; nothing is written on failure.
    pub fn pack_into(
        &self,
        rows: &[&[f32]],
        dense: &mut [f32],
        sequence_length: &mut [i64],
        mask: Option<&mut [u8]>,
        stats: Option<&mut Stats>,
    ) -> Result<()> {
        let supplied = self.supplied(rows)?;
        let (mask_ptr, mask_len) = match mask {
            Some(mask) => (mask.as_mut_ptr(), mask.len()),
            None => (ptr::null_mut(), 0),
        };
        let stats_ptr = stats.map_or(ptr::null_mut(), Stats::as_mut_ptr);
        check(unsafe {
            sys::seqfeat_plan_pack_into(
                self.raw.as_ptr(),
                supplied.as_ptr(),
                supplied.len(),
                dense.as_mut_ptr(),
                dense.len(),
                sequence_length.as_mut_ptr(),
                sequence_length.len(),
                mask_ptr,
                mask_len,
                stats_ptr,
            )
        })
    }

    /// The gradient rows of every table in its planned-id order: `out[t]` (`[U, D]`) receives
    /// row u = d loss / d E_t[ids[u]] given `grad` = d loss / d dense with `grad_shape`
    /// (exactly `[B, T, depth]`) and the `rows` the plan was packed from. Bit-identical to
    /// [`SequenceFeatures::backward`]'s row of that id; zero where no trainable column reads
    /// it. Nothing is written on failure.
    pub fn backward_into(
        &self,
        rows: &[&[f32]],
        grad: &[f32],
        grad_shape: &[i64],
        out: &mut [&mut [f32]],
    ) -> Result<()> {
        crate::train::check_len(grad, grad_shape)?;
        let supplied = self.supplied(rows)?;
        let tables = self.tables()?;
        let mut buffers = Vec::with_capacity(out.len());
        for (t, buffer) in out.iter_mut().enumerate() {
            let dimension = tables.get(t).map_or(0, |table| table.dimension);
            buffers.push(sys::seqfeat_gradient_rows {
                data: buffer.as_mut_ptr(),
                count: rows_of(buffer.len(), dimension, t, &tables, "gradient rows")?,
                dimension,
            });
        }
        check(unsafe {
            sys::seqfeat_plan_backward(
                self.raw.as_ptr(),
                supplied.as_ptr(),
                supplied.len(),
                grad.as_ptr(),
                grad_shape.as_ptr(),
                grad_shape.len(),
                buffers.as_ptr(),
                buffers.len(),
            )
        })
    }

    /// [`Plan::backward_into`] into new buffers, one `[U, D]` vector per table.
    pub fn backward(
        &self,
        rows: &[&[f32]],
        grad: &[f32],
        grad_shape: &[i64],
    ) -> Result<Vec<Vec<f32>>> {
        let mut out: Vec<Vec<f32>> = self
            .tables()?
            .iter()
            .map(|t| vec![0f32; t.ids.len() * t.dimension as usize])
            .collect();
        let mut views: Vec<&mut [f32]> = out.iter_mut().map(Vec::as_mut_slice).collect();
        self.backward_into(rows, grad, grad_shape, &mut views)?;
        Ok(out)
    }

    /// The C view of caller rows: count = len / D of the plan's table (D from the plan).
    fn supplied(&self, rows: &[&[f32]]) -> Result<Vec<sys::seqfeat_rows>> {
        let tables = self.tables()?;
        rows.iter()
            .enumerate()
            .map(|(t, r)| {
                let dimension = tables.get(t).map_or(0, |table| table.dimension);
                Ok(sys::seqfeat_rows {
                    data: r.as_ptr(),
                    count: rows_of(r.len(), dimension, t, &tables, "rows")?,
                    dimension,
                })
            })
            .collect()
    }
}

/// Rows in a slice of `len` values of width `dimension`; a partial row is an error naming the
/// table (the library checks the count against the plan).
fn rows_of(
    len: usize,
    dimension: i64,
    t: usize,
    tables: &[PlannedTable<'_>],
    what: &str,
) -> Result<i64> {
    if dimension <= 0 {
        return Ok(len as i64);
    }
    if len % dimension as usize != 0 {
        return Err(Error::invalid_argument(format!(
            "plan: the {what} of table {} have {len} values, not a whole number of rows of {dimension}",
            tables[t].table_name
        )));
    }
    Ok((len / dimension as usize) as i64)
}
