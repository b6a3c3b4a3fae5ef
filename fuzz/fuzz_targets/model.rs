//! Model files: truncated, mixed up or damaged files are errors; a model
//! that loads can predict without panicking.
#![no_main]

use embed_tl::pipeline::Pipeline;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = Pipeline::load(data) {
        // Without vectors: an error if the model needs them, labels if not.
        if let Ok(labels) = model.predict(None, &["a fine phone", ""]) {
            assert!(labels.iter().all(|&l| l < model.classes().len()));
        }
    }
});
