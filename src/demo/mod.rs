//! The deterministic demo-tenant generator (owned by the server work).
