//! Outputs are written to a temporary file beside the target and renamed
//! when complete: a process killed while it writes leaves nothing at the
//! target path (here for `embed` and `vectors convert`; `predict` has its
//! own test in `test_predict.rs`).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{default_vectors, repo};

/// Run `embed-tl ARGS` in `dir`, wait until the temporary file of `target`
/// holds output, kill the process, and check that `target` does not exist.
fn kill_mid_write(dir: &Path, args: &[String], target: &str) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let prefix = format!(".{target}.");
    let start = Instant::now();
    let mut written = 0;
    while written == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no temporary output appeared for {target}"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "{target}: finished before it could be killed"
        );
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) && name.ends_with(".tmp") {
                written = entry.metadata().unwrap().len();
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !dir.join(target).exists(),
        "a killed run left a file at {target}"
    );
}

fn s(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

#[test]
fn killed_embed_leaves_no_features_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo("corpora/reviews.csv")).unwrap();
    let mut big = String::from("text,label,source\n");
    for _ in 0..40 {
        for line in text.lines().skip(1) {
            big.push_str(line);
            big.push('\n');
        }
    }
    std::fs::write(dir.path().join("in.csv"), big).unwrap();
    let vectors = default_vectors().display().to_string();
    kill_mid_write(
        dir.path(),
        &s(&[
            "embed",
            "--vectors",
            &vectors,
            "--input",
            "in.csv",
            "--pool",
            "pmeans",
            "--output",
            "features.csv",
        ]),
        "features.csv",
    );
}

#[test]
fn killed_convert_leaves_no_vector_file() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = default_vectors().display().to_string();
    kill_mid_write(
        dir.path(),
        &s(&["vectors", "convert", &vectors, "glove.txt", "--to", "glove"]),
        "glove.txt",
    );
}

#[test]
fn interrupted_convert_removes_its_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = default_vectors().display().to_string();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"))
        .current_dir(dir.path())
        .args(["vectors", "convert", &vectors, "glove.txt", "--to", "glove"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let has_tmp = |dir: &Path| {
        std::fs::read_dir(dir).unwrap().any(|e| {
            let e = e.unwrap();
            e.file_name().to_string_lossy().ends_with(".tmp") && e.metadata().unwrap().len() > 0
        })
    };
    while !has_tmp(dir.path()) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no output appeared"
        );
        assert!(child.try_wait().unwrap().is_none(), "finished too soon");
        std::thread::sleep(Duration::from_millis(2));
    }
    // Ctrl-C, as a user at a terminal would.
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status}");
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

// --- outputs never destroy inputs: links, devices, FIFOs, permissions ---

/// `PROGRAM ARGS` (`embed-tl` is the binary under test) in `dir`. Run as root, it runs as
/// `nobody` (and `dir` is opened to all): a regression that renames over
/// a device then fails instead of replacing the machine's /dev/null, which
/// a root process renaming into /dev does.
fn unprivileged(dir: &Path, program: &str, args: &[&str]) -> Command {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::os::unix::process::CommandExt;
    let mut cmd = match program {
        "embed-tl" => Command::new(assert_cmd::cargo::cargo_bin("embed-tl")),
        other => Command::new(other),
    };
    cmd.current_dir(dir).args(args);
    if std::fs::metadata(dir).unwrap().uid() == 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        cmd.uid(65534).gid(65534);
    }
    cmd
}

/// Run `cmd`, require success, return stdout.
fn succeed(mut cmd: Command) -> String {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Temporary files left in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    common::files(dir)
        .into_iter()
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

fn mkfifo(path: &Path) {
    // Writable by all: the writer may run as `nobody` (see `unprivileged`).
    let status = Command::new("mkfifo")
        .args(["-m", "666"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// A tiny corpus with an `id` column for `embed`.
fn texts(dir: &Path) {
    std::fs::write(dir.join("in.csv"), "id,text\n1,a fine phone\n2,the king\n").unwrap();
}

fn embed_args(output: &str) -> Vec<String> {
    let vectors = default_vectors().display().to_string();
    s(&[
        "embed",
        "--vectors",
        &vectors,
        "--input",
        "in.csv",
        "--output",
        output,
    ])
}

#[test]
fn symlink_output_writes_the_file_it_names_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/real.txt"), "old\n").unwrap();
    std::os::unix::fs::symlink("sub/real.txt", dir.path().join("out.txt")).unwrap();
    let tiny = common::data("original-tools/w2v_c_tiny.txt");
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"));
    cmd.current_dir(dir.path())
        .args(["-q", "vectors", "convert"])
        .arg(&tiny)
        .arg("out.txt");
    succeed(cmd);
    let link = std::fs::symlink_metadata(dir.path().join("out.txt")).unwrap();
    assert!(link.file_type().is_symlink(), "out.txt is no longer a link");
    assert_eq!(
        std::fs::read_link(dir.path().join("out.txt")).unwrap(),
        Path::new("sub/real.txt")
    );
    let written = embed_tl::Vectors::open(dir.path().join("sub/real.txt")).unwrap();
    assert_eq!(written.format().name(), "glove");
    assert_eq!(written.len(), 57);
    assert!(temporaries(dir.path()).is_empty());
    assert!(temporaries(&dir.path().join("sub")).is_empty());
}

#[test]
fn existing_output_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    texts(dir.path());
    let out = dir.path().join("features.csv");
    std::fs::write(&out, "old\n").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"));
    cmd.current_dir(dir.path())
        .arg("-q")
        .args(embed_args("features.csv"));
    succeed(cmd);
    assert_eq!(mode(&out), 0o600);
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("id,f0,"));
    assert!(temporaries(dir.path()).is_empty());
}

#[test]
fn new_output_gets_0666_minus_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    texts(dir.path());
    let mut cmd = Command::new("sh");
    cmd.current_dir(dir.path())
        .args(["-c", "umask 027 && exec \"$0\" \"$@\""])
        .arg(assert_cmd::cargo::cargo_bin("embed-tl"))
        .arg("-q")
        .args(embed_args("features.csv"));
    succeed(cmd);
    assert_eq!(mode(&dir.path().join("features.csv")), 0o640);
}

#[test]
fn dev_null_is_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    texts(dir.path());
    std::os::unix::fs::symlink("/dev/null", dir.path().join("null.csv")).unwrap();
    for output in ["/dev/null", "null.csv"] {
        let args = embed_args(output);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        succeed(unprivileged(dir.path(), "embed-tl", &args));
        let null = std::fs::metadata("/dev/null").unwrap();
        assert!(null.file_type().is_char_device(), "{output}");
    }
    let link = std::fs::symlink_metadata(dir.path().join("null.csv")).unwrap();
    assert!(link.file_type().is_symlink());
    assert!(temporaries(dir.path()).is_empty());
}

#[test]
fn dev_stdout_is_written_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::data("original-tools/w2v_c_tiny.txt")
        .display()
        .to_string();
    // Through `| cat`: the pipe then belongs to the (perhaps unprivileged)
    // user, who may reopen it as /dev/stdout.
    let bin = assert_cmd::cargo::cargo_bin("embed-tl");
    let bin = bin.to_str().unwrap();
    let stdout = succeed(unprivileged(
        dir.path(),
        "sh",
        &[
            "-c",
            "\"$0\" \"$@\" | cat",
            bin,
            "-q",
            "vectors",
            "convert",
            &tiny,
            "/dev/stdout",
            "--to",
            "glove",
        ],
    ));
    assert_eq!(stdout.lines().count(), 57);
    let link = std::fs::symlink_metadata("/dev/stdout").unwrap();
    assert!(link.file_type().is_symlink(), "/dev/stdout was replaced");
}

#[test]
fn dev_stdout_redirected_to_a_file_is_added_to() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.txt");
    std::fs::write(&log, "kept\n").unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o666)).unwrap();
    let tiny = common::data("original-tools/w2v_c_tiny.txt")
        .display()
        .to_string();
    let bin = assert_cmd::cargo::cargo_bin("embed-tl");
    let bin = bin.to_str().unwrap();
    succeed(unprivileged(
        dir.path(),
        "sh",
        &[
            "-c",
            "\"$0\" \"$@\" >> log.txt",
            bin,
            "-q",
            "vectors",
            "convert",
            &tiny,
            "/dev/stdout",
            "--to",
            "glove",
        ],
    ));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("kept\n"), "{text:?}");
    assert_eq!(text.lines().count(), 58);
    assert!(temporaries(dir.path()).is_empty());
}

#[test]
fn fifo_is_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    texts(dir.path());
    let fifo = dir.path().join("pipe.csv");
    mkfifo(&fifo);
    let (tx, rx) = std::sync::mpsc::channel();
    let reader_path = fifo.clone();
    std::thread::spawn(move || {
        let text = std::fs::read_to_string(reader_path);
        let _ = tx.send(text);
    });
    let args = embed_args("pipe.csv");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = unprivileged(dir.path(), "embed-tl", &args);
    cmd.arg("-q");
    succeed(cmd);
    let text = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the reader of the FIFO got nothing")
        .unwrap();
    assert!(text.starts_with("id,f0,"), "{text:?}");
    assert_eq!(text.lines().count(), 3);
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "the FIFO was replaced");
    assert!(temporaries(dir.path()).is_empty());
}

#[test]
fn dash_means_stdout_and_never_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::data("original-tools/w2v_c_tiny.txt");
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"));
    cmd.current_dir(dir.path())
        .args(["-q", "vectors", "convert"])
        .arg(&tiny)
        .args(["-", "--to", "word2vec-text"]);
    let stdout = succeed(cmd);
    assert!(stdout.starts_with("57 "), "{stdout:?}");
    assert_eq!(stdout.lines().count(), 58);

    std::fs::write(
        dir.path().join("train.csv"),
        "text,label\ngood,pos\nfine,pos\nbad,neg\nawful,neg\n",
    )
    .unwrap();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"));
    cmd.current_dir(dir.path()).args([
        "-q",
        "classify",
        "--train",
        "train.csv",
        "--features",
        "ngrams",
        "--folds",
        "2",
        "--c",
        "1",
        "--save",
        "m.etl",
    ]);
    succeed(cmd);
    std::fs::write(dir.path().join("new.csv"), "id,text\n1,good\n2,x,y\n").unwrap();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("embed-tl"));
    cmd.current_dir(dir.path()).args([
        "-q",
        "predict",
        "--model",
        "m.etl",
        "--input",
        "new.csv",
        "--output",
        "labels.csv",
        "--skip-bad",
        "-",
    ]);
    let stdout = succeed(cmd);
    assert!(stdout.starts_with("line,reason,row\n3,"), "{stdout:?}");
    assert!(!dir.path().join("-").exists(), "a file named - was created");
    assert_eq!(
        common::files(dir.path()),
        ["labels.csv", "m.etl", "new.csv", "train.csv"]
    );
}
