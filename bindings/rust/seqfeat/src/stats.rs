//! Per-call, per-column statistics.

use std::ptr::{self, NonNull};

use seqfeat_sys as sys;

use crate::error::{check, Error, ErrorCode, Result};
use crate::strings::borrowed_str;

/// `SEQFEAT_STAT_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stat {
    /// Ids outside `[0, num_buckets)` dropped (embedding, indicator).
    DroppedInvalid,
    /// Values not in the vocabulary / identity values replaced by the default.
    OovHits,
    /// Steps removed by `max_length`.
    StepsTruncated,
    /// Examples whose sequence length is 0.
    EmptyExamples,
}

impl Stat {
    pub const ALL: [Stat; 4] =
        [Stat::DroppedInvalid, Stat::OovHits, Stat::StepsTruncated, Stat::EmptyExamples];

    fn to_raw(self) -> i32 {
        match self {
            Stat::DroppedInvalid => sys::SEQFEAT_STAT_DROPPED_INVALID,
            Stat::OovHits => sys::SEQFEAT_STAT_OOV_HITS,
            Stat::StepsTruncated => sys::SEQFEAT_STAT_STEPS_TRUNCATED,
            Stat::EmptyExamples => sys::SEQFEAT_STAT_EMPTY_EXAMPLES,
        }
    }
}

/// Statistics filled by a pack that is given them. `Send`, not `Sync`.
pub struct Stats {
    raw: NonNull<sys::seqfeat_stats>,
}

// SAFETY: the header allows moving stats between threads (one thread at a time).
unsafe impl Send for Stats {}

impl Drop for Stats {
    fn drop(&mut self) {
        // SAFETY: we own the handle and free it exactly once.
        unsafe { sys::seqfeat_stats_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_map();
        for i in 0..self.num_columns() {
            let values: Vec<_> = Stat::ALL.iter().map(|&s| self.get(i, s).ok()).collect();
            list.entry(&self.column_name(i), &values);
        }
        list.finish()
    }
}

impl Stats {
    pub fn new() -> Result<Stats> {
        let mut out = ptr::null_mut();
        check(unsafe { sys::seqfeat_stats_create(&mut out) })?;
        NonNull::new(out)
            .map(|raw| Stats { raw })
            .ok_or_else(|| Error::new(ErrorCode::Internal, "library returned NULL stats"))
    }

    pub fn as_ptr(&self) -> *const sys::seqfeat_stats {
        self.raw.as_ptr()
    }

    pub(crate) fn as_mut_ptr(&mut self) -> *mut sys::seqfeat_stats {
        self.raw.as_ptr()
    }

    /// Number of columns of the last pack (layer order).
    pub fn num_columns(&self) -> usize {
        unsafe { sys::seqfeat_stats_num_columns(self.as_ptr()) }
    }

    /// Column name of entry `index` ("" if out of range).
    pub fn column_name(&self, index: usize) -> &str {
        // SAFETY: borrowed until the next pack, which needs &mut self.
        unsafe { borrowed_str(sys::seqfeat_stats_column_name(self.as_ptr(), index)) }
    }

    /// One counter of one column.
    pub fn get(&self, index: usize, stat: Stat) -> Result<i64> {
        let mut out = 0i64;
        check(unsafe { sys::seqfeat_stats_get(self.as_ptr(), index, stat.to_raw(), &mut out) })?;
        Ok(out)
    }

    /// One counter of the column called `name`.
    pub fn get_by_name(&self, name: &str, stat: Stat) -> Result<i64> {
        let index = (0..self.num_columns())
            .find(|&i| self.column_name(i) == name)
            .ok_or_else(|| {
                Error::new(ErrorCode::NotFound, format!("no statistics for column {name}"))
            })?;
        self.get(index, stat)
    }
}
