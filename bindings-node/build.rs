//! napi-rs link setup (macOS needs `-undefined dynamic_lookup`; elsewhere a no-op).
fn main() {
    napi_build::setup();
}
