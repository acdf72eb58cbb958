//! String values in the layout the C ABI takes: Arrow-style offsets into one byte buffer.

use std::ffi::{CStr, CString};
use std::os::raw::c_char;

use crate::error::{Error, Result};

/// A borrowed, validated Arrow-style string array: string `i` is
/// `bytes[offsets[i]..offsets[i + 1]]`. Passing it to a batch is zero-copy.
#[derive(Debug, Clone, Copy)]
pub struct Strings<'a> {
    offsets: &'a [i64],
    bytes: &'a [u8],
}

impl<'a> Strings<'a> {
    /// Checks `offsets[0] == 0`, non-decreasing offsets and `offsets[n] <= bytes.len()`, so that
    /// the library never reads outside `bytes`.
    pub fn new(offsets: &'a [i64], bytes: &'a [u8]) -> Result<Strings<'a>> {
        let Some((&first, _)) = offsets.split_first() else {
            return Err(Error::invalid_argument("string offsets must have n + 1 >= 1 entries"));
        };
        if first != 0 {
            return Err(Error::invalid_argument(format!(
                "string offsets must start at 0, got {first}"
            )));
        }
        if let Some(i) = offsets.windows(2).position(|w| w[1] < w[0]) {
            return Err(Error::invalid_argument(format!(
                "string offsets must be non-decreasing: offsets[{}] = {} > offsets[{}] = {}",
                i,
                offsets[i],
                i + 1,
                offsets[i + 1]
            )));
        }
        let last = offsets[offsets.len() - 1];
        if last as u64 > bytes.len() as u64 {
            return Err(Error::invalid_argument(format!(
                "string offsets end at {last} but there are only {} bytes",
                bytes.len()
            )));
        }
        Ok(Strings { offsets, bytes })
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn offsets(&self) -> &'a [i64] {
        self.offsets
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub(crate) fn offsets_ptr(&self) -> *const i64 {
        self.offsets.as_ptr()
    }

    pub(crate) fn bytes_ptr(&self) -> *const c_char {
        self.bytes.as_ptr().cast()
    }
}

/// One string as a `(pointer, length)` view with the C ABI's layout (`seqfeat_string_view`), for
/// the zero-copy `*_string_views` batch inputs: `&[StringView]` is passed to the library as is.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct StringView<'a> {
    raw: seqfeat_sys::seqfeat_string_view,
    _bytes: std::marker::PhantomData<&'a [u8]>,
}

// SAFETY: a shared view of immutable bytes.
unsafe impl Send for StringView<'_> {}
unsafe impl Sync for StringView<'_> {}

impl<'a> StringView<'a> {
    pub fn new(bytes: &'a (impl AsRef<[u8]> + ?Sized)) -> StringView<'a> {
        let bytes = bytes.as_ref();
        StringView {
            raw: seqfeat_sys::seqfeat_string_view { data: bytes.as_ptr().cast(), size: bytes.len() },
            _bytes: std::marker::PhantomData,
        }
    }

    pub fn as_bytes(&self) -> &'a [u8] {
        // SAFETY: built from a &'a [u8] in new().
        unsafe { std::slice::from_raw_parts(self.raw.data.cast(), self.raw.size) }
    }
}

impl std::fmt::Debug for StringView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

impl<'a> From<&'a str> for StringView<'a> {
    fn from(value: &'a str) -> Self {
        StringView::new(value)
    }
}

impl<'a> From<&'a [u8]> for StringView<'a> {
    fn from(value: &'a [u8]) -> Self {
        StringView::new(value)
    }
}

/// An owned Arrow-style string array, built by copying.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StringBuffer {
    offsets: Vec<i64>,
    bytes: Vec<u8>,
}

impl StringBuffer {
    pub fn from_values<S: AsRef<[u8]>>(values: &[S]) -> StringBuffer {
        let total = values.iter().map(|v| v.as_ref().len()).sum();
        let mut offsets = Vec::with_capacity(values.len() + 1);
        let mut bytes = Vec::with_capacity(total);
        offsets.push(0);
        for value in values {
            bytes.extend_from_slice(value.as_ref());
            offsets.push(bytes.len() as i64);
        }
        StringBuffer { offsets, bytes }
    }

    pub fn view(&self) -> Strings<'_> {
        Strings { offsets: &self.offsets, bytes: &self.bytes }
    }
}

/// A NUL-terminated copy of a key, name or path; interior NULs are an InvalidArgument error.
pub(crate) fn c_string(what: &str, value: impl Into<Vec<u8>>) -> Result<CString> {
    CString::new(value).map_err(|e| {
        Error::invalid_argument(format!(
            "{what} contains a NUL byte at position {}",
            e.nul_position()
        ))
    })
}

/// Borrows a C string returned by the library as `&str` ("" for NULL or invalid UTF-8).
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that lives at least as long as `'a`.
pub(crate) unsafe fn borrowed_str<'a>(ptr: *const c_char) -> &'a str {
    if ptr.is_null() {
        return "";
    }
    CStr::from_ptr(ptr).to_str().unwrap_or("")
}
