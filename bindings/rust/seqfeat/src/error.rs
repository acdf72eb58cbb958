//! Errors: a status code from the pinned list plus the library's message.

use std::ffi::CStr;
use std::fmt;

use seqfeat_sys as sys;

/// The `SEQFEAT_ERR_*` codes of the C ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Bad argument or input (TF: ValueError, InvalidArgumentError).
    InvalidArgument,
    /// An id, index or size outside its valid range.
    OutOfRange,
    /// A value type incompatible with the column.
    DtypeMismatch,
    /// A caller buffer is smaller than the required count.
    BufferTooSmall,
    /// A feature key or a file does not exist.
    NotFound,
    /// A file could not be read.
    Io,
    OutOfMemory,
    /// A bug in libseqfeat.
    Internal,
    /// A code this version of the crate does not know (a newer library).
    Other(i32),
}

impl ErrorCode {
    /// The code of a non-OK status, `None` for `SEQFEAT_OK`.
    pub fn from_status(status: i32) -> Option<ErrorCode> {
        Some(match status {
            sys::SEQFEAT_OK => return None,
            sys::SEQFEAT_ERR_INVALID_ARGUMENT => ErrorCode::InvalidArgument,
            sys::SEQFEAT_ERR_OUT_OF_RANGE => ErrorCode::OutOfRange,
            sys::SEQFEAT_ERR_DTYPE_MISMATCH => ErrorCode::DtypeMismatch,
            sys::SEQFEAT_ERR_BUFFER_TOO_SMALL => ErrorCode::BufferTooSmall,
            sys::SEQFEAT_ERR_NOT_FOUND => ErrorCode::NotFound,
            sys::SEQFEAT_ERR_IO => ErrorCode::Io,
            sys::SEQFEAT_ERR_OUT_OF_MEMORY => ErrorCode::OutOfMemory,
            sys::SEQFEAT_ERR_INTERNAL => ErrorCode::Internal,
            other => ErrorCode::Other(other),
        })
    }

    /// The C status value.
    pub fn status(self) -> i32 {
        match self {
            ErrorCode::InvalidArgument => sys::SEQFEAT_ERR_INVALID_ARGUMENT,
            ErrorCode::OutOfRange => sys::SEQFEAT_ERR_OUT_OF_RANGE,
            ErrorCode::DtypeMismatch => sys::SEQFEAT_ERR_DTYPE_MISMATCH,
            ErrorCode::BufferTooSmall => sys::SEQFEAT_ERR_BUFFER_TOO_SMALL,
            ErrorCode::NotFound => sys::SEQFEAT_ERR_NOT_FOUND,
            ErrorCode::Io => sys::SEQFEAT_ERR_IO,
            ErrorCode::OutOfMemory => sys::SEQFEAT_ERR_OUT_OF_MEMORY,
            ErrorCode::Internal => sys::SEQFEAT_ERR_INTERNAL,
            ErrorCode::Other(code) => code,
        }
    }

    /// The library's static text for the code ("invalid argument", ...).
    pub fn description(self) -> String {
        // SAFETY: seqfeat_status_string never returns NULL and the text is static.
        unsafe { CStr::from_ptr(sys::seqfeat_status_string(self.status())) }
            .to_string_lossy()
            .into_owned()
    }
}

/// A failed libseqfeat call: the code and the message naming column, key, example and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidArgument, message)
    }

    /// Builds the error of a failed call from the thread's last error message.
    fn from_last_call(code: ErrorCode) -> Error {
        // SAFETY: never NULL, valid until the next libseqfeat call on this thread; copied now.
        let message = unsafe { CStr::from_ptr(sys::seqfeat_last_error_message()) }
            .to_string_lossy()
            .into_owned();
        Error { code, message }
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The C status value (negative).
    pub fn status(&self) -> i32 {
        self.code.status()
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.description(), self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// Turns a C status into a `Result`, reading the message right after the failing call.
pub(crate) fn check(status: i32) -> Result<()> {
    match ErrorCode::from_status(status) {
        None => Ok(()),
        Some(code) => Err(Error::from_last_call(code)),
    }
}
