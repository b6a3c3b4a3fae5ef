//! word2vec binary (`word2vec.c -binary 1`): a header claiming 10^12 words
//! or dims must be an error, not an allocation.
#![no_main]

use embed_tl::vectors::Format;
use embed_tl::Vectors;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for lossy in [false, true] {
        if let Ok(v) = Vectors::read(data, Format::Word2VecBinary, lossy) {
            for i in 0..v.len().min(64) {
                assert_eq!(v.row(i).len(), v.dims());
            }
        }
    }
});
