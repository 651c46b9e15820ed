//! Compiles the gRPC API (proto/zoolab.proto) with the protoc shipped inside
//! protoc-bin-vendored, so a fresh machine needs no system protobuf install.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // SAFETY: build scripts are single-threaded; nothing else reads the
    // environment while it is being set.
    unsafe { std::env::set_var("PROTOC", protoc) };
    println!("cargo:rerun-if-changed=proto/zoolab.proto");
    tonic_prost_build::configure().compile_protos(&["proto/zoolab.proto"], &["proto"])?;
    Ok(())
}
