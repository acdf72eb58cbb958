//! Embeds the directory where seqfeat-sys found libseqfeat.so as an rpath of this crate's tests
//! and examples, so that `cargo test` and `cargo run --example` work without LD_LIBRARY_PATH.

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_SEQFEAT_LIB_DIR");
    if let Ok(dir) = std::env::var("DEP_SEQFEAT_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
