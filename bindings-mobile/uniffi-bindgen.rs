//! The crate's own `uniffi-bindgen` (uniffi's CLI, pinned to the crate's uniffi version):
//! `cargo run -p salespipe-mobile --bin uniffi-bindgen -- generate --library <cdylib>
//! --language kotlin --out-dir <dir>`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
