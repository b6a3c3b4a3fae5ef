//! Corpus readers: the streaming row reader (CSV, TSV, JSONL, lines,
//! fastText; with and without a header; CSV by commas or semicolons;
//! small row limits) and the
//! whole-file reader used for training data.
#![no_main]

use std::io::Write;

use embed_tl::corpus::stream::{Layout, Limits, MultiLabel, Row, RowReader};
use embed_tl::corpus::{read_labelled_opts, Column, CorpusFormat, InputOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let format = CorpusFormat::ALL[usize::from(selector % 5)];
    let header = (selector / 5) % 2 == 0;
    let layout = Layout {
        format,
        header,
        multi_label: if (selector / 10) % 2 == 0 {
            MultiLabel::First
        } else {
            MultiLabel::Reject
        },
        delimiter: if (selector / 20) % 2 == 0 { b',' } else { b';' },
    };
    let columns = if header || !matches!(format, CorpusFormat::Csv | CorpusFormat::Tsv) {
        [Column::Name("text".into()), Column::Name("label".into())]
    } else {
        [Column::Index(0), Column::Index(1)]
    };
    let limits = Limits {
        max_row_bytes: 256,
        max_fields: 32,
    };
    if let Ok(mut rows) = RowReader::new(bytes, layout, &columns, limits) {
        while let Ok(Some(row)) = rows.next_row() {
            match row {
                Row::Good(r) => assert_eq!(r.fields.len(), 2),
                Row::Bad(b) => assert!(b.raw.len() <= 256 && !b.reason.is_empty()),
            }
        }
    }

    let suffix = match format {
        CorpusFormat::Csv => ".csv",
        CorpusFormat::Tsv => ".tsv",
        CorpusFormat::Jsonl => ".jsonl",
        CorpusFormat::Lines => ".txt",
        CorpusFormat::FastText => ".ft",
        // Not drawn above (`CorpusFormat::ALL` is the five row formats):
        // the columnar readers are arrow-rs's.
        CorpusFormat::Parquet | CorpusFormat::Arrow => return,
    };
    let Ok(mut file) = tempfile::Builder::new().suffix(suffix).tempfile() else {
        return;
    };
    if file.write_all(bytes).and_then(|_| file.flush()).is_err() {
        return;
    }
    let options = InputOptions {
        header,
        multi_label: layout.multi_label,
        delimiter: layout.delimiter,
        skip_bad: selector >= 128,
        ..InputOptions::default()
    };
    if let Ok(l) = read_labelled_opts(file.path(), &columns[0], &columns[1], None, &options) {
        assert_eq!(l.texts.len(), l.labels.len());
        assert!(l.labels.iter().all(|&c| c < l.classes.len()));
    }
});
