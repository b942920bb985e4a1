//! The README's Rust sample is the crate docs' doctest: keep the two copies identical.

fn rust_block(text: &str) -> String {
    let start = text
        .find("```rust")
        .or_else(|| text.find("```\nuse"))
        .expect("a rust block");
    let body = &text[start..];
    let body = &body[body.find('\n').expect("newline") + 1..];
    body[..body.find("```").expect("closing fence")].to_owned()
}

#[test]
fn readme_sample_is_the_doctested_one() {
    let root = include_str!("../../README.md");
    let core = include_str!("../../core/README.md");
    assert_eq!(rust_block(root), rust_block(core));
}
