//! Element types of inputs and outputs.

use seqfeat_sys as sys;

/// `SEQFEAT_DTYPE_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DType {
    Float32,
    Float64,
    Int32,
    Int64,
    String,
    UInt8,
}

impl DType {
    pub fn to_raw(self) -> i32 {
        match self {
            DType::Float32 => sys::SEQFEAT_DTYPE_FLOAT32,
            DType::Float64 => sys::SEQFEAT_DTYPE_FLOAT64,
            DType::Int32 => sys::SEQFEAT_DTYPE_INT32,
            DType::Int64 => sys::SEQFEAT_DTYPE_INT64,
            DType::String => sys::SEQFEAT_DTYPE_STRING,
            DType::UInt8 => sys::SEQFEAT_DTYPE_UINT8,
        }
    }

    pub fn from_raw(raw: i32) -> Option<DType> {
        Some(match raw {
            sys::SEQFEAT_DTYPE_FLOAT32 => DType::Float32,
            sys::SEQFEAT_DTYPE_FLOAT64 => DType::Float64,
            sys::SEQFEAT_DTYPE_INT32 => DType::Int32,
            sys::SEQFEAT_DTYPE_INT64 => DType::Int64,
            sys::SEQFEAT_DTYPE_STRING => DType::String,
            sys::SEQFEAT_DTYPE_UINT8 => DType::UInt8,
            _ => return None,
        })
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A plain element type of a tensor (`f32`, `f64`, `i32`, `i64`, `u8`).
pub trait Element: sealed::Sealed + Copy + Send + Sync + 'static {
    const DTYPE: DType;
}

/// An element type accepted as feature values (`f32`, `f64`, `i32`, `i64`).
pub trait InputElement: Element {}

macro_rules! element {
    ($t:ty, $dtype:ident) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$dtype;
        }
    };
}

element!(f32, Float32);
element!(f64, Float64);
element!(i32, Int32);
element!(i64, Int64);
element!(u8, UInt8);

impl InputElement for f32 {}
impl InputElement for f64 {}
impl InputElement for i32 {}
impl InputElement for i64 {}
