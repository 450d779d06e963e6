fn main() {
    std::process::exit(scim_doctor::cli::main());
}
