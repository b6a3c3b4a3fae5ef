//! `embed-tl predict` as a batch scorer: input order on any number of
//! threads, probabilities, stdin/stdout, broken pipes, bad rows (fatal or
//! rejected) and interrupted runs.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{default_vectors, embed_tl, files, repo, train_small_model};

/// `n` rows `id,text` cycling through the shipped reviews, ids 0..n.
fn big_input(dir: &Path, name: &str, n: usize) {
    let mut rdr = csv::Reader::from_path(repo("corpora/reviews.csv")).unwrap();
    let texts: Vec<String> = rdr
        .records()
        .map(|r| r.unwrap().get(0).unwrap().to_string())
        .collect();
    let mut w = csv::Writer::from_path(dir.join(name)).unwrap();
    w.write_record(["id", "text"]).unwrap();
    for i in 0..n {
        w.write_record([i.to_string(), texts[i * 7 % texts.len()].clone()])
            .unwrap();
    }
    w.flush().unwrap();
}

fn predict(dir: &Path) -> assert_cmd::Command {
    let mut cmd = embed_tl(dir);
    cmd.args(["-q", "predict", "--model", "m.etl", "--vectors"])
        .arg(default_vectors());
    cmd
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn output_is_in_input_order_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    train_small_model(dir.path());
    big_input(dir.path(), "in.csv", 20_000);
    for threads in ["1", "2", "3"] {
        predict(dir.path())
            .args(["--input", "in.csv", "--output"])
            .arg(format!("out{threads}.csv"))
            .args(["--proba", "--threads", threads])
            .assert()
            .success();
    }
    let one = read(dir.path(), "out1.csv");
    assert_eq!(one, read(dir.path(), "out2.csv"));
    assert_eq!(one, read(dir.path(), "out3.csv"));
    let lines: Vec<&str> = one.lines().collect();
    assert_eq!(lines[0], "id,label,p_neg,p_pos");
    assert_eq!(lines.len(), 20_001);
    for (i, line) in lines[1..].iter().enumerate() {
        let mut fields = line.split(',');
        assert_eq!(fields.next(), Some(i.to_string().as_str()), "row {i}");
        let label = fields.next().unwrap();
        let p: Vec<f64> = fields.map(|v| v.parse().unwrap()).collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 2e-6, "{line}");
        let best = if p[1] > p[0] { "pos" } else { "neg" };
        assert_eq!(label, best, "{line}");
    }

    // The same rows scored by the library in memory.
    let model =
        embed_tl::pipeline::Pipeline::load(std::fs::File::open(dir.path().join("m.etl")).unwrap())
            .unwrap();
    let vectors = embed_tl::Vectors::open(default_vectors()).unwrap();
    let texts =
        embed_tl::corpus::read_texts(dir.path().join("in.csv"), &"text".parse().unwrap()).unwrap();
    let scorer = embed_tl::score::Scorer::new(&model, Some(&vectors)).unwrap();
    let batch = scorer.predict_batch(&texts).unwrap();
    for (line, p) in lines[1..].iter().zip(&batch) {
        let label = line.split(',').nth(1).unwrap();
        assert_eq!(label, model.classes()[p.class]);
    }
}

#[test]
fn top_k_and_proba_in_every_layout() {
    let dir = tempfile::tempdir().unwrap();
    train_small_model(dir.path());
    std::fs::write(
        dir.path().join("in.tsv"),
        "text\tid\tsource\nGreat phone, love it.\tx1\tweb\nBroke in a day.\tx2\tshop\n",
    )
    .unwrap();
    predict(dir.path())
        .args(["--input", "in.tsv", "--output", "out.csv", "--top-k", "2"])
        .args(["--keep", "source,1", "--proba"])
        .assert()
        .success();
    let out = read(dir.path(), "out.csv");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "source,id,label,p_neg,p_pos,label_1,p_1,label_2,p_2"
    );
    assert!(lines[1].starts_with("web,x1,pos,"), "{}", lines[1]);
    assert!(lines[2].starts_with("shop,x2,neg,"), "{}", lines[2]);
    let f: Vec<&str> = lines[1].split(',').collect();
    assert_eq!((f[5], f[6], f[7]), ("pos", f[4], "neg"));

    predict(dir.path())
        .args(["--input", "in.tsv", "--output", "out.jsonl", "--top-k", "1"])
        .assert()
        .success();
    let out = read(dir.path(), "out.jsonl");
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["id"], "x1");
    assert_eq!(first["label"], "pos");
    assert_eq!(first["top"][0]["label"], "pos");

    predict(dir.path())
        .args(["--input", "in.tsv", "--output", "out.csv", "--top-k", "3"])
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "top-k 3 is more than the model's 2 classes",
        ));
}

#[test]
fn stdin_to_stdout_as_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    train_small_model(dir.path());
    let input = "{\"id\": 17, \"text\": \"Excellent sound, highly recommended.\"}\n\
                 {\"id\": \"b\", \"text\": \"Awful, it stopped working.\"}\n";
    let out = predict(dir.path())
        .args(["--input", "-", "--input-format", "jsonl", "--output", "-"])
        .args(["--keep", "id", "--proba"])
        .write_stdin(input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], 17, "a JSON number stays a number");
    assert_eq!(rows[0]["label"], "pos");
    assert_eq!(rows[1]["id"], "b");
    assert_eq!(rows[1]["label"], "neg");
    let sum: f64 = rows[1]["proba"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum();
    assert!((sum - 1.0).abs() < 2e-6);
    assert_eq!(files(dir.path()), ["m.etl", "train.csv"]);
}

#[test]
fn a_broken_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    train_small_model(dir.path());
    big_input(dir.path(), "in.csv", 50_000);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"))
        .current_dir(dir.path())
        .args(["predict", "--model", "m.etl", "--vectors"])
        .arg(default_vectors())
        .args(["--input", "in.csv", "--output", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "id,label\n");
    drop(stdout); // like `| head -1`
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

/// Each kind of bad row: fatal with its line by default, written to the
/// reject file with `--skip-bad`, the good rows scored either way.
#[test]
fn bad_rows_are_fatal_or_rejected() {
    let dir = tempfile::tempdir().unwrap();
    train_small_model(dir.path());
    let long = "very ".repeat(300);
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "fields.csv",
            b"id,text\n1,good\n2,too,many\n3,fine\n".to_vec(),
            "fields.csv: line 3: expected 2 fields, found 3",
            "3,\"expected 2 fields, found 3\",\"2,too,many\"",
        ),
        (
            "utf8.csv",
            b"id,text\n1,good\n2,caf\xe9\n3,fine\n".to_vec(),
            "utf8.csv: line 3: field 2: invalid UTF-8 at byte 3",
            "3,field 2: invalid UTF-8 at byte 3,\"2,caf\u{fffd}\"",
        ),
        (
            "missing.jsonl",
            b"{\"text\":\"good\"}\n{\"body\":\"x\"}\n{\"text\":\"fine\"}\n".to_vec(),
            "missing.jsonl: line 2: no field 'text'",
            "2,no field 'text',\"{\"\"body\"\":\"\"x\"\"}\"",
        ),
        (
            "long.csv",
            format!("id,text\n1,good\n2,\"{long}\"\n3,fine\n").into_bytes(),
            "long.csv: line 3: row longer than 1000 bytes (the row size limit)",
            "3,row longer than 1000 bytes (the row size limit),\"2,\"\"very very",
        ),
    ];
    for (name, data, fatal, rejected) in &cases {
        std::fs::write(dir.path().join(name), data).unwrap();
        let limit = ["--max-row-bytes", "1000"];
        predict(dir.path())
            .args(["--input", name, "--output", "out.csv"])
            .args(limit)
            .assert()
            .code(1)
            .stderr(predicates::str::contains(*fatal))
            .stderr(predicates::str::contains("--skip-bad"));
        assert!(!dir.path().join("out.csv").exists(), "{name}");
        assert!(
            !files(dir.path()).iter().any(|f| f.ends_with(".tmp")),
            "{name}: a temporary file was left behind"
        );

        embed_tl(dir.path())
            .args(["predict", "--model", "m.etl", "--vectors"])
            .arg(default_vectors())
            .args(["--input", name, "--output", "out.csv"])
            .args(["--skip-bad", "rejects.csv"])
            .args(limit)
            .assert()
            .success()
            .stderr(predicates::str::contains("read 3 rows, used 2, rejected 1"))
            .stderr(predicates::str::contains(
                "1 bad rows written to rejects.csv",
            ));
        let out = read(dir.path(), "out.csv");
        assert_eq!(out.lines().count(), 3, "{name}: {out}");
        let rejects = read(dir.path(), "rejects.csv");
        let lines: Vec<&str> = rejects.lines().collect();
        assert_eq!(lines[0], "line,reason,row");
        assert!(lines[1].starts_with(rejected), "{name}: {}", lines[1]);
        assert_eq!(lines.len(), 2, "{name}: {rejects}");
        std::fs::remove_file(dir.path().join("out.csv")).unwrap();
        std::fs::remove_file(dir.path().join("rejects.csv")).unwrap();
    }
}

/// A run killed while it writes leaves no file at the target path.
#[test]
fn a_killed_run_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    train_small_model(dir.path());
    big_input(dir.path(), "in.csv", 400_000);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"))
        .current_dir(dir.path())
        .args(["predict", "--model", "m.etl", "--vectors"])
        .arg(default_vectors())
        .args(["--input", "in.csv", "--output", "out.csv", "--proba"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the temporary file holds some output, then kill.
    let start = Instant::now();
    let mut written = 0;
    while written == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no temporary output appeared"
        );
        assert!(child.try_wait().unwrap().is_none(), "finished too soon");
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".out.csv.") && name.ends_with(".tmp") {
                written = entry.metadata().unwrap().len();
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(written > 0);
    assert!(
        !dir.path().join("out.csv").exists(),
        "a killed run left a file at the target path"
    );
    let _ = std::io::stdout().flush();
}

/// Truncating a memory-mapped `.fifu` while `predict` read it raised
/// SIGBUS: the process died without a word (status 135 from the shell)
/// and left its hidden temporary output behind. The run is made
/// deterministic by feeding stdin: the first rows go in, the file is
/// truncated once the temporary output exists (so the vectors are open
/// and mapped), and the rows after that must touch the unmapped pages.
#[test]
fn a_vector_file_truncated_while_mapped_is_reported_and_cleaned_up() {
    let dir = tempfile::tempdir().unwrap();
    train_small_model(dir.path());
    std::fs::copy(default_vectors(), dir.path().join("v.fifu")).unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"))
        .current_dir(dir.path())
        .args(["-q", "predict", "--model", "m.etl", "--vectors", "v.fifu"])
        .args([
            "--input",
            "-",
            "--output",
            "out.csv",
            "--input-format",
            "csv",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut first = String::from("id,text\n");
    for i in 0..1000 {
        first.push_str(&format!("{i},a great phone that works\n"));
    }
    stdin.write_all(first.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let temporary = || {
        std::fs::read_dir(dir.path()).unwrap().any(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.starts_with(".out.csv.") && name.ends_with(".tmp")
        })
    };
    let start = Instant::now();
    while !temporary() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no temporary output appeared"
        );
        assert!(child.try_wait().unwrap().is_none(), "finished too soon");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(dir.path().join("v.fifu"))
        .unwrap()
        .set_len(0)
        .unwrap();
    // The rest from another thread: the process dies while we write.
    let feeder = std::thread::spawn(move || {
        for i in 0..200_000 {
            if writeln!(stdin, "{i},the quick brown fox and the lazy dog {i}").is_err() {
                break;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(135), "stderr: {stderr}");
    assert!(
        stderr.contains(
            "error: a memory-mapped input file changed or was truncated while being read"
        ),
        "{stderr}"
    );
    assert_eq!(files(dir.path()), ["m.etl", "train.csv", "v.fifu"]);
}

/// Texts with nothing the model knows (no word with a vector, no n-gram of
/// its training texts) all get the answer the model gives an empty text,
/// and the run says how many there were. A text of which the model knows
/// a little, punctuation with vectors, is not one of them.
#[test]
fn texts_with_nothing_the_model_knows_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    train_small_model(dir.path());
    std::fs::write(
        dir.path().join("mixed.csv"),
        "text\n\"A wonderful film, I loved it\"\nzzqxv qqzzxw\nterrible acting and a boring plot\n!!! ???\nxkcdqq\n\"\"\n",
    )
    .unwrap();
    let out = embed_tl(dir.path())
        .args(["predict", "--model", "m.etl", "--vectors"])
        .arg(default_vectors())
        .args(["--input", "mixed.csv", "--output", "-", "--proba"])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "mixed.csv: 3 of 6 texts had nothing the model knows (no word with a vector, no n-gram of its training texts): each got the answer the model gives an empty text",
        ))
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    // `row,label,p_neg,p_pos`: the answers without their row numbers.
    let answers: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').unwrap().1)
        .collect();
    assert_eq!(answers.len(), 6);
    for (i, answer) in answers.iter().enumerate() {
        let blank = [1, 4, 5].contains(&i);
        assert_eq!(*answer == answers[5], blank, "row {}: {out}", i + 1);
    }
}
