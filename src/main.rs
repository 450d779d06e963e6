// mimalloc: no per-allocation header and size classes down to 8 bytes. A tenant is millions of
// short strings, and against glibc's allocator this takes ~100 MiB off a million-user audit
// and makes it faster (docs/audit.md "Performance").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(scim_doctor::cli::main());
}
