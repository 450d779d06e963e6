//! The embedded read-only SCIM server with fault injection (owned by the server work).
