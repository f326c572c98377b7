//! Records the git commit and compiler version for `zkaccel bench`'s machine description.
//! Both are optional: a build outside git, or without git installed, just leaves them out.

use std::path::PathBuf;
use std::process::Command;

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    if let Some(commit) = output("git", &["rev-parse", "--short", "HEAD"]) {
        println!("cargo:rustc-env=ZKACCEL_GIT_COMMIT={commit}");
    }
    // Re-run when HEAD moves (a commit, a checkout), not on every source change.
    if let Some(git_dir) = output("git", &["rev-parse", "--git-dir"]).map(PathBuf::from) {
        for file in ["HEAD", "packed-refs"] {
            let path = git_dir.join(file);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        if let Some(head_ref) = output("git", &["symbolic-ref", "-q", "HEAD"]) {
            let path = git_dir.join(head_ref);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    if let Some(version) = output(&rustc, &["--version"]) {
        println!("cargo:rustc-env=ZKACCEL_RUSTC_VERSION={version}");
    }
}
