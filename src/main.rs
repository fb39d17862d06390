//! The page's binary: Trunk builds it to wasm; everything is in the library.

fn main() {
    kubefiddle::start();
}
