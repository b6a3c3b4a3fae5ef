//! Parquet and Arrow IPC inputs and outputs of `predict` and `embed`: the
//! same results as the CSV path, ids kept with their types, and bad files
//! refused with the file, column and what was expected.

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float32Array, Int64Array, ListArray, RecordBatch, StringArray};
use common::{default_vectors, embed_tl, repo};
use embed_tl::corpus::columnar::{BatchReader, TableWriter};
use embed_tl::corpus::CorpusFormat;
use predicates::prelude::*;

/// The first `n` reviews with ids 1000, 1007, ... in reverse order (not
/// row numbers), as `rows.parquet` (id Int64, text, an extra column) and
/// `rows.csv`.
fn write_rows(dir: &Path, n: usize) -> Vec<i64> {
    let mut reader = csv::Reader::from_path(repo("corpora/reviews.csv")).unwrap();
    let texts: Vec<String> = reader
        .records()
        .take(n)
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    let ids: Vec<i64> = (0..n as i64).map(|i| 1000 + 7 * (n as i64 - i)).collect();
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(Int64Array::from(ids.clone())) as ArrayRef),
        (
            "text",
            Arc::new(StringArray::from(texts.clone())) as ArrayRef,
        ),
        (
            "source",
            Arc::new(StringArray::from(vec!["web"; n])) as ArrayRef,
        ),
    ])
    .unwrap();
    write_table(&dir.join("rows.parquet"), CorpusFormat::Parquet, &[batch]);
    let mut writer = csv::Writer::from_path(dir.join("rows.csv")).unwrap();
    writer.write_record(["id", "text", "source"]).unwrap();
    for (id, text) in ids.iter().zip(&texts) {
        writer
            .write_record([id.to_string().as_str(), text, "web"])
            .unwrap();
    }
    writer.flush().unwrap();
    ids
}

fn write_table(path: &Path, format: CorpusFormat, batches: &[RecordBatch]) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = TableWriter::new(file, format, batches[0].schema()).unwrap();
    for batch in batches {
        writer.write(batch).unwrap();
    }
    writer.finish().unwrap();
}

/// Every batch of a Parquet/Arrow file, concatenated.
fn read_all(path: &Path, format: CorpusFormat) -> RecordBatch {
    let mut reader = BatchReader::open(path, format, 100).unwrap();
    let schema = reader.schema().clone();
    let mut batches = Vec::new();
    while let Some(batch) = reader.next_batch().unwrap() {
        assert!(batch.num_rows() <= 100, "batches are bounded");
        batches.push(batch);
    }
    arrow_select::concat::concat_batches(&schema, &batches).unwrap()
}

fn column<'a, T: 'static>(batch: &'a RecordBatch, name: &str) -> &'a T {
    batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
        .as_any()
        .downcast_ref::<T>()
        .unwrap_or_else(|| panic!("column {name} has another type"))
}

/// A quick model (vectors and n-grams, C and beta fixed; --test skips the CV).
fn model(dir: &Path) {
    std::fs::copy(repo("corpora/reviews.csv"), dir.join("train.csv")).unwrap();
    embed_tl(dir)
        .args(["-q", "classify", "--vectors"])
        .arg(default_vectors())
        .args(["--train", "train.csv", "--test", "train.csv", "--c", "1"])
        .args(["--beta", "0.3", "--save", "m.etl"])
        .assert()
        .success();
}

fn predict(dir: &Path, input: &str, output: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    embed_tl(dir)
        .args(["predict", "--model", "m.etl", "--vectors"])
        .arg(default_vectors())
        .args([
            "--input", input, "--output", output, "--proba", "--top-k", "1",
        ])
        .args(extra)
        .assert()
}

#[test]
fn predict_parquet_and_arrow_give_the_csv_paths_results_with_the_ids() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ids = write_rows(d, 700);
    model(d);
    predict(d, "rows.csv", "csv.csv", &[]).success();
    // Parquet in, CSV out: byte for byte the CSV path's output.
    predict(d, "rows.parquet", "parquet.csv", &[])
        .success()
        .stderr(predicate::str::contains(
            "rows.parquet: read 700 rows, used 700, rejected 0",
        ))
        .stderr(predicate::str::contains("had nothing the model knows").not());
    let expected = std::fs::read_to_string(d.join("csv.csv")).unwrap();
    assert!(expected.starts_with("id,label,p_neg,p_pos,label_1,p_1\n"));
    assert_eq!(
        std::fs::read_to_string(d.join("parquet.csv")).unwrap(),
        expected
    );
    // Parquet out: the ids with their type, labels, float32 probabilities.
    predict(d, "rows.parquet", "out.parquet", &["--keep", "id,source"]).success();
    let out = read_all(&d.join("out.parquet"), CorpusFormat::Parquet);
    let names: Vec<&str> = out
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(
        names,
        ["id", "source", "label", "p_neg", "p_pos", "label_1", "p_1"]
    );
    assert_eq!(column::<Int64Array>(&out, "id").values().to_vec(), ids);
    let mut rows = csv::Reader::from_path(d.join("csv.csv")).unwrap();
    let label = column::<StringArray>(&out, "label");
    let (p_neg, p_pos) = (
        column::<Float32Array>(&out, "p_neg"),
        column::<Float32Array>(&out, "p_pos"),
    );
    for (i, row) in rows.records().enumerate() {
        let row = row.unwrap();
        assert_eq!(&row[0], ids[i].to_string());
        assert_eq!(&row[1], label.value(i));
        assert_eq!(&row[2], format!("{:.6}", p_neg.value(i)));
        assert_eq!(&row[3], format!("{:.6}", p_pos.value(i)));
    }
    assert_eq!(column::<StringArray>(&out, "source").value(0), "web");
    // Arrow IPC out (file and stream formats), and back in.
    predict(d, "rows.parquet", "out.arrow", &["--keep", "id,source"]).success();
    assert_eq!(read_all(&d.join("out.arrow"), CorpusFormat::Arrow), out);
    predict(d, "rows.parquet", "out.arrows", &["--keep", "id,source"]).success();
    assert_eq!(read_all(&d.join("out.arrows"), CorpusFormat::Arrow), out);
    predict(d, "out.arrow", "again.csv", &["--text-column", "source"]).success();
    // CSV in, Parquet out: ids are the CSV's strings.
    predict(d, "rows.csv", "from-csv.parquet", &[]).success();
    let from_csv = read_all(&d.join("from-csv.parquet"), CorpusFormat::Parquet);
    assert_eq!(
        column::<StringArray>(&from_csv, "id").value(0),
        ids[0].to_string()
    );
    assert_eq!(
        column::<Float32Array>(&from_csv, "p_pos"),
        column::<Float32Array>(&out, "p_pos")
    );
    // JSONL from Parquet: the Int64 ids stay JSON numbers.
    predict(d, "rows.parquet", "out.jsonl", &[]).success();
    let first = std::fs::read_to_string(d.join("out.jsonl")).unwrap();
    assert!(
        first.starts_with(&format!("{{\"id\":{},\"label\":", ids[0])),
        "{first}"
    );
}

#[test]
fn embed_writes_parquet_features_equal_to_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ids = write_rows(d, 300);
    for output in ["f.csv", "f.parquet", "wide.parquet", "f.arrow"] {
        embed_tl(d)
            .args(["embed", "--vectors"])
            .arg(default_vectors())
            .args([
                "--input",
                "rows.parquet",
                "--pool",
                "sif",
                "--output",
                output,
            ])
            .args(if output.starts_with("wide") {
                &["--wide"][..]
            } else {
                &[]
            })
            .assert()
            .success();
    }
    let csv_rows: Vec<Vec<String>> = csv::Reader::from_path(d.join("f.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(csv_rows.len(), 300);
    let list = read_all(&d.join("f.parquet"), CorpusFormat::Parquet);
    assert_eq!(list, read_all(&d.join("f.arrow"), CorpusFormat::Arrow));
    let wide = read_all(&d.join("wide.parquet"), CorpusFormat::Parquet);
    assert_eq!(wide.num_columns(), 51);
    let features = column::<ListArray>(&list, "features");
    for (i, row) in csv_rows.iter().enumerate() {
        assert_eq!(row[0], ids[i].to_string());
        assert_eq!(column::<StringArray>(&list, "id").value(i), row[0]);
        let values = features.value(i);
        let values = values.as_any().downcast_ref::<Float32Array>().unwrap();
        assert_eq!(values.len(), 50);
        for (j, printed) in row[1..].iter().enumerate() {
            let v: f32 = printed.parse().unwrap();
            assert_eq!(values.value(j), v, "row {i} feature {j}");
            assert_eq!(column::<Float32Array>(&wide, &format!("f{j}")).value(i), v);
        }
    }
}

#[test]
fn bad_parquet_and_arrow_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_rows(d, 50);
    model(d);
    let no_text = RecordBatch::try_from_iter([
        ("id", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
        (
            "body",
            Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef,
        ),
    ])
    .unwrap();
    write_table(
        &d.join("no-text.parquet"),
        CorpusFormat::Parquet,
        &[no_text],
    );
    let numbers = RecordBatch::try_from_iter([
        ("id", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
        ("text", Arc::new(Int64Array::from(vec![5, 6])) as ArrayRef),
    ])
    .unwrap();
    write_table(&d.join("numbers.arrow"), CorpusFormat::Arrow, &[numbers]);
    let nulls = RecordBatch::try_from_iter([
        ("id", Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef),
        (
            "text",
            Arc::new(StringArray::from(vec![Some("good"), Some("bad"), None])) as ArrayRef,
        ),
    ])
    .unwrap();
    write_table(&d.join("nulls.parquet"), CorpusFormat::Parquet, &[nulls]);
    let whole = std::fs::read(d.join("rows.parquet")).unwrap();
    std::fs::write(d.join("cut.parquet"), &whole[..whole.len() * 2 / 3]).unwrap();
    std::fs::write(d.join("csv.parquet"), "id,text\n1,hello\n").unwrap();
    let arrow = {
        write_table(
            &d.join("rows.arrow"),
            CorpusFormat::Arrow,
            &[read_all(&d.join("rows.parquet"), CorpusFormat::Parquet)],
        );
        std::fs::read(d.join("rows.arrow")).unwrap()
    };
    std::fs::write(d.join("cut.arrow"), &arrow[..arrow.len() / 2]).unwrap();
    let cases = [
        (
            "no-text.parquet",
            "no-text.parquet: no column 'text'; columns found: id, body",
        ),
        (
            "numbers.arrow",
            "numbers.arrow: column 'text' holds Int64, expected strings (Utf8) of text",
        ),
        (
            "nulls.parquet",
            "nulls.parquet: row 3: null text in column 'text' (to write bad rows to a reject file and go on, use --skip-bad FILE)",
        ),
        (
            "cut.parquet",
            "cut.parquet: not a readable Parquet file (damaged or truncated?)",
        ),
        (
            "csv.parquet",
            "csv.parquet: not a Parquet file: it does not start with PAR1",
        ),
        ("cut.arrow", "cut.arrow: "),
    ];
    let present = common::files(d);
    for (input, expected) in cases {
        let before = std::fs::read(d.join(input)).unwrap();
        for output in ["out.parquet", "out.csv"] {
            predict(d, input, output, &[])
                .code(1)
                .stderr(predicate::str::contains(expected))
                .stderr(predicate::str::contains("panicked").not());
            assert!(!d.join(output).exists(), "{input} left {output}");
        }
        // Nothing lost, nothing left: the bad input is as it was and no
        // output (nor a temporary one) was added.
        assert!(
            std::fs::read(d.join(input)).unwrap() == before,
            "{input} changed"
        );
        assert_eq!(common::files(d), present, "{input}");
    }
    // The same files through `embed` (the corpus reader of every command).
    embed_tl(d)
        .args(["embed", "--vectors"])
        .arg(default_vectors())
        .args(["--input", "numbers.arrow", "--output", "f.parquet"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "numbers.arrow: column 'text' holds Int64, expected strings (Utf8) of text",
        ));
    // --skip-bad: the null text goes to the reject file, the rest is scored.
    predict(
        d,
        "nulls.parquet",
        "ok.parquet",
        &["--skip-bad", "rejects.csv"],
    )
    .success()
    .stderr(predicate::str::contains(
        "read 3 rows, used 2, rejected 1; scored",
    ));
    assert_eq!(
        std::fs::read_to_string(d.join("rejects.csv")).unwrap(),
        "line,reason,row\n3,null text in column 'text',\n"
    );
    let ok = read_all(&d.join("ok.parquet"), CorpusFormat::Parquet);
    assert_eq!(column::<Int64Array>(&ok, "id").values().to_vec(), [1, 2]);
}

/// Texts with nothing the model knows are counted on the columnar path
/// too, as on the CSV path.
#[test]
fn texts_with_nothing_the_model_knows_are_counted_in_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model(d);
    let texts = ["A wonderful film, I loved it", "zzqxv qqzzxw", "", "xkcdqq"];
    let batch = RecordBatch::try_from_iter([(
        "text",
        Arc::new(StringArray::from(texts.to_vec())) as ArrayRef,
    )])
    .unwrap();
    write_table(&d.join("blank.parquet"), CorpusFormat::Parquet, &[batch]);
    predict(d, "blank.parquet", "blank.csv", &[])
        .success()
        .stderr(predicate::str::contains(
            "blank.parquet: 3 of 4 texts had nothing the model knows",
        ));
}
