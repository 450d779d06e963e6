//! Regenerates the bundled demo tenant (`fixtures/demo-tenant/Users.json` and `Groups.json`)
//! from the seeded generator, or writes a tenant of another size:
//!
//!     cargo run --example generate_demo_tenant                 # the bundled fixture
//!     cargo run --example generate_demo_tenant -- 100000 ./big # 100k users into ./big

use scim_doctor::demo::{fixture, generate, DEMO_SEED, DEMO_USERS};
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let users = match args.next() {
        Some(n) => n
            .parse()
            .map_err(|_| anyhow::anyhow!("the first argument is a user count, got {n:?}"))?,
        None => DEMO_USERS,
    };
    let dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-tenant"));
    let tenant = generate(users, DEMO_SEED);
    fixture::write(&tenant, &dir)?;
    eprintln!(
        "wrote {} users and {} groups into {}",
        tenant.users.len(),
        tenant.groups.len(),
        dir.display()
    );
    Ok(())
}
