//! A file of any bytes opened as a user would: compression and format
//! sniffed from the content, `.fifu` memory-mapped and parsed in place.
#![no_main]

use std::io::Write;

use embed_tl::Vectors;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = tempfile::NamedTempFile::new() else {
        return;
    };
    if file.write_all(data).and_then(|_| file.flush()).is_err() {
        return;
    }
    if let Ok(v) = Vectors::open(file.path()) {
        for (i, word) in v.words().enumerate().take(64) {
            assert_eq!(v.row(i).len(), v.dims());
            assert!(v.index(word).is_some());
        }
    }
});
