// mimalloc: no per-allocation header and size classes down to 8 bytes. A tenant is millions of
// short strings, and against glibc's allocator this takes ~100 MiB off a million-user audit
// and makes it faster (docs/audit.md "Performance").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (the same value in mimalloc v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Memory freed while a tenant loads (each resource's parse) is taken again at once:
    // returning it to the OS after the default 10 ms made the kernel zero the same
    // (transparent huge) pages again and again, a third of a million-user load's time.
    // A run's memory only grows until it exits, so keeping it costs nothing.
    // SAFETY: an option set before any other thread exists, as mimalloc.h requires.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    std::process::exit(scim_doctor::commands::main());
}
