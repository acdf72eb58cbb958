//! Finds libseqfeat.so and tells rustc how to link it.
//!
//! Search order:
//!   1. the directory in the environment variable SEQFEAT_LIB_DIR;
//!   2. the repository's own build tree (`build/` at the repository root);
//!   3. `pkg-config seqfeat` (run as a subprocess; honours PKG_CONFIG_PATH).
//!
//! The directory found is passed on to dependent crates as DEP_SEQFEAT_LIB_DIR so that they can
//! embed it as an rpath in their tests and examples.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const LIB_FILE: &str = "libseqfeat.so";

fn has_library(dir: &Path) -> bool {
    dir.join(LIB_FILE).exists()
}

fn from_env() -> Option<PathBuf> {
    let dir = PathBuf::from(env::var_os("SEQFEAT_LIB_DIR")?);
    if !has_library(&dir) {
        println!(
            "cargo:warning=SEQFEAT_LIB_DIR={} does not contain {LIB_FILE}",
            dir.display()
        );
    }
    Some(dir)
}

fn from_build_tree() -> Option<PathBuf> {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR")?);
    // <repo>/bindings/rust/seqfeat-sys -> <repo>/build
    let dir = manifest.parent()?.parent()?.parent()?.join("build");
    has_library(&dir).then(|| dir.canonicalize().unwrap_or(dir))
}

fn from_pkg_config() -> Option<PathBuf> {
    let output = Command::new("pkg-config")
        .args(["--libs-only-L", "seqfeat"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let dirs: Vec<PathBuf> = text
        .split_whitespace()
        .filter_map(|flag| flag.strip_prefix("-L"))
        .map(PathBuf::from)
        .collect();
    dirs.iter()
        .find(|dir| has_library(dir))
        .or_else(|| dirs.first())
        .cloned()
        .or_else(|| {
            // The library is in a default linker directory: ask for libdir explicitly.
            let out = Command::new("pkg-config")
                .args(["--variable=libdir", "seqfeat"])
                .output()
                .ok()?;
            let libdir = String::from_utf8(out.stdout).ok()?.trim().to_string();
            (!libdir.is_empty()).then(|| PathBuf::from(libdir))
        })
}

fn main() {
    println!("cargo:rerun-if-env-changed=SEQFEAT_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-changed=build.rs");

    let dir = from_env().or_else(from_build_tree).or_else(from_pkg_config);
    match dir {
        Some(dir) => {
            println!("cargo:rustc-link-search=native={}", dir.display());
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
            println!("cargo:lib_dir={}", dir.display());
            println!("cargo:rerun-if-changed={}", dir.join(LIB_FILE).display());
        }
        None => println!(
            "cargo:warning=libseqfeat not found: set SEQFEAT_LIB_DIR, build the library in the \
             repository's build/ directory, or install it where pkg-config finds seqfeat.pc"
        ),
    }
    println!("cargo:rustc-link-lib=dylib=seqfeat");
}
