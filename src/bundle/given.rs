//! One file a flag named, as the bundle carries it under `inputs/`: the name as given and
//! the bytes. Below both `inputs` (the layout of `inputs/`) and `idpfiles` (how an
//! `--idp-config` file is pseudonymised), which `inputs` calls.

/// One input file: its name as given (for the summary) and its bytes.
#[derive(Debug, Clone, Default)]
pub struct InputFile {
    pub given_as: String,
    pub bytes: Vec<u8>,
}

/// The file's text (decoded as every input is, else read as lossy UTF-8).
pub(super) fn text(bytes: &[u8]) -> String {
    crate::input::decode(bytes)
        .map(|t| t.into_owned())
        .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned())
}
