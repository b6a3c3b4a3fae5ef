//! finalfusion (`.fifu`) read from a stream.
#![no_main]

use embed_tl::vectors::Format;
use embed_tl::Vectors;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = Vectors::read(data, Format::Finalfusion, false) {
        for i in 0..v.len().min(64) {
            assert_eq!(v.row(i).len(), v.dims());
        }
    }
});
