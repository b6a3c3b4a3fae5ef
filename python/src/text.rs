//! Python strs read as UTF-8 where Python holds them, without a copy.
//!
//! PyO3's `PyBackedStr` borrows a str's UTF-8 only when built for the
//! CPython 3.10+ API; for the stable ABI of 3.9 (this package's floor) it
//! encodes every str into a new bytes object, an allocation and a copy
//! per text on the one thread that reads them. `PyUnicode_AsUTF8AndSize`,
//! which returns the UTF-8 the str caches (its own bytes, for an ASCII
//! str), is in the stable ABI from 3.10 and exported by CPython 3.9's
//! interpreter too: on Unix, where an extension's symbols are resolved in
//! the running interpreter, [`PyText`] uses it on every version. Elsewhere
//! (Windows links the 3.9 `python3.dll`, which does not export it) it
//! encodes, as `PyBackedStr` does.

use std::ptr::NonNull;

use pyo3::prelude::*;
use pyo3::types::PyString;

/// The UTF-8 text of a Python str, kept alive by a reference to the
/// object that holds the bytes (the str itself, or its encoded copy).
///
/// Drop it with the GIL held, or PyO3 defers the release of the reference.
pub struct PyText {
    data: NonNull<str>,
    _owner: Py<PyAny>,
}

// SAFETY: the bytes are immutable (a str's UTF-8 cache, once made, and a
// bytes object never change) and live as long as `_owner`, a reference
// counted handle that may move between threads.
unsafe impl Send for PyText {}
// SAFETY: as above; sharing only reads the bytes.
unsafe impl Sync for PyText {}

impl PyText {
    /// The text of `s`. Fails (`UnicodeEncodeError`) for a str that is not
    /// valid Unicode, such as one holding a lone surrogate.
    pub fn new(s: &Bound<'_, PyString>) -> PyResult<PyText> {
        #[cfg(unix)]
        {
            extern "C" {
                fn PyUnicode_AsUTF8AndSize(
                    unicode: *mut pyo3::ffi::PyObject,
                    size: *mut pyo3::ffi::Py_ssize_t,
                ) -> *const std::os::raw::c_char;
            }
            let mut size: pyo3::ffi::Py_ssize_t = 0;
            // SAFETY: `s` is a live str and the GIL is held (`Bound`).
            let ptr = unsafe { PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size) };
            if ptr.is_null() {
                return Err(PyErr::fetch(s.py()));
            }
            let len = usize::try_from(size).expect("a str's size is not negative");
            // SAFETY: CPython returns `size` bytes of valid UTF-8, owned by
            // the str, which `_owner` keeps alive and never changes.
            let text = unsafe {
                std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr.cast::<u8>(), len))
            };
            Ok(PyText {
                data: NonNull::from(text),
                _owner: s.clone().into_any().unbind(),
            })
        }
        #[cfg(not(unix))]
        {
            let bytes = s.encode_utf8()?;
            // SAFETY: the bytes of a str encoded as UTF-8.
            let text = unsafe { std::str::from_utf8_unchecked(bytes.as_bytes()) };
            Ok(PyText {
                data: NonNull::from(text),
                _owner: bytes.into_any().unbind(),
            })
        }
    }
}

impl std::ops::Deref for PyText {
    type Target = str;

    fn deref(&self) -> &str {
        // SAFETY: see the type's `Send`: valid while `self` lives.
        unsafe { self.data.as_ref() }
    }
}

impl AsRef<str> for PyText {
    fn as_ref(&self) -> &str {
        self
    }
}
